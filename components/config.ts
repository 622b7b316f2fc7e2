import * as pulumi from "@pulumi/pulumi";

/**
 * The whole stack configuration, read once from `Pulumi.<stack>.yaml`, validated and defaulted.
 * Components receive slices of it as plain typed args; nothing else reads `pulumi.Config`.
 */
export interface PlatformConfig {
  /** Pulumi stack name (`dev`, `prod`, ...). */
  stack: string;
  /** `production` turns on the prod-only guarantees: HA, private endpoint, protection of stateful resources. */
  tier: Tier;
  network: NetworkConfig;
  cluster: ClusterConfig;
  systemNodes: SystemNodesConfig;
  engineNodes: EngineNodesConfig;
  storage: StorageConfig;
}

export type Tier = "development" | "production";

export interface NetworkConfig {
  /** VPC IPv4 CIDR, /16 to /20; private subnets get an eighth each, public subnets a sixty-fourth. */
  vpcCidr: string;
  /** Availability zones to spread subnets over (2–3; production: 3). */
  availabilityZones: number;
  /** NAT gateways: 1 (shared, cheap) or one per availability zone. */
  natGateways: number;
  /** VPC flow logs to CloudWatch (required in production). */
  flowLogs: boolean;
  /** Retention of the flow log group, in days. */
  flowLogRetentionDays: number;
}

export interface ClusterConfig {
  /** EKS cluster name; also used in the subnets' `kubernetes.io/cluster/<name>` tag. */
  name: string;
  /** EKS Kubernetes minor version, e.g. "1.34". */
  kubernetesVersion: string;
  /** Service IPv4 CIDR; nodes need it in their NodeConfig, so it is set rather than left to EKS. */
  serviceCidr: string;
  /** Public API endpoint (development only); the private endpoint is always on. */
  endpointPublicAccess: boolean;
  /** CIDRs allowed to reach the public endpoint; required when it is on, never 0.0.0.0/0. */
  publicAccessCidrs: string[];
  /** IAM role ARNs granted cluster-admin through EKS access entries. */
  adminRoleArns: string[];
  /** EKS-optimized AL2023 AMI release (e.g. "v20251103"), pinned so nodes only roll when this changes. */
  nodeAmiRelease: string;
  /** Managed addon versions, pinned. */
  addons: AddonVersions;
}

export interface AddonVersions {
  vpcCni: string;
  coredns: string;
  kubeProxy: string;
  ebsCsiDriver: string;
  efsCsiDriver: string;
  podIdentityAgent: string;
}

export interface NodeScaling {
  minSize: number;
  desiredSize: number;
  maxSize: number;
}

export interface SystemNodesConfig extends NodeScaling {
  /** General-purpose instance types for system workloads (CoreDNS, operators, monitoring, data services). */
  instanceTypes: string[];
  rootVolumeGiB: number;
}

export interface EngineNodesConfig extends NodeScaling {
  /** c6i instance type; production: c6i.metal only. */
  instanceType: string;
  rootVolumeGiB: number;
  /** CPUs kept for the OS and kubelet (cpuset syntax, e.g. "0-1,64-65"); the rest are exclusive to Guaranteed pods. */
  reservedSystemCpus: string;
  /** Number of 2 MiB hugepages preallocated at boot. */
  hugepages2Mi: number;
  kernel: KernelTuning;
}

/** Low-latency sysctls applied at node bootstrap (never from privileged pods). */
export interface KernelTuning {
  /** net.core.busy_poll / busy_read, in microseconds (0 disables). */
  busyPollUs: number;
  /** net.core.rmem_max / wmem_max, in bytes. */
  socketBufferBytes: number;
  /** net.core.somaxconn. */
  somaxconn: number;
  /** net.ipv4.tcp_max_syn_backlog. */
  tcpMaxSynBacklog: number;
}

export interface StorageConfig {
  /** What happens to a volume when its claim is deleted, for every class the platform creates (production: Retain). */
  reclaimPolicy: ReclaimPolicy;
  /** The `fast-ssd` class for latency-sensitive volumes. */
  fastSsd: Gp3Settings;
  efs: EfsConfig;
}

export interface Gp3Settings {
  iops: number;
  /** MiB/s. */
  throughput: number;
}

export type ReclaimPolicy = "Retain" | "Delete";

export interface EfsConfig {
  /** AWS Backup for the file system (required in production). */
  backups: boolean;
  /** When files move to Infrequent Access. */
  transitionToIa: EfsTransition;
}

export const EFS_TRANSITIONS = [
  "AFTER_1_DAY",
  "AFTER_7_DAYS",
  "AFTER_14_DAYS",
  "AFTER_30_DAYS",
  "AFTER_60_DAYS",
  "AFTER_90_DAYS",
  "AFTER_180_DAYS",
  "AFTER_270_DAYS",
  "AFTER_365_DAYS",
] as const;
export type EfsTransition = (typeof EFS_TRANSITIONS)[number];

export const PROJECT = "hft-platform";

/** gp3 limits (AWS EBS documentation): IOPS 3000–16000, throughput 125–1000 MiB/s, at most 0.25 MiB/s per IOPS. */
export const GP3 = { minIops: 3000, maxIops: 16000, minThroughput: 125, maxThroughput: 1000, throughputPerIops: 0.25 };

/** c6i sizes: vCPUs and memory (GiB), from the EC2 instance type documentation. */
export const C6I_SIZES: Record<string, { vcpus: number; memoryGiB: number }> = {
  "c6i.large": { vcpus: 2, memoryGiB: 4 },
  "c6i.xlarge": { vcpus: 4, memoryGiB: 8 },
  "c6i.2xlarge": { vcpus: 8, memoryGiB: 16 },
  "c6i.4xlarge": { vcpus: 16, memoryGiB: 32 },
  "c6i.8xlarge": { vcpus: 32, memoryGiB: 64 },
  "c6i.12xlarge": { vcpus: 48, memoryGiB: 96 },
  "c6i.16xlarge": { vcpus: 64, memoryGiB: 128 },
  "c6i.24xlarge": { vcpus: 96, memoryGiB: 192 },
  "c6i.32xlarge": { vcpus: 128, memoryGiB: 256 },
  "c6i.metal": { vcpus: 128, memoryGiB: 256 },
};

/** Hugepages may take at most this share of an engine node's memory, leaving room for the OS and pods. */
export const MAX_HUGEPAGES_SHARE = 0.5;

const MIN_KUBERNETES_MINOR = 31;

/** A stack configuration that cannot be deployed; lists every problem found, not just the first. */
export class ConfigError extends pulumi.RunError {
  constructor(
    readonly stackFile: string,
    readonly problems: string[],
  ) {
    super(
      `Invalid stack configuration in ${stackFile} (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n` +
        problems.map((p) => `  - ${p}`).join("\n"),
    );
    this.name = "ConfigError";
  }
}

/** Reads and validates the current stack's configuration; throws ConfigError before any resource exists. */
export function loadPlatformConfig(): PlatformConfig {
  return parsePlatformConfig(projectConfig(pulumi.runtime.allConfig()), pulumi.getStack());
}

/** This project's keys (prefix stripped) from the engine's flat config map, structured values decoded. */
export function projectConfig(all: Record<string, string>): Record<string, unknown> {
  const raw: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(all)) {
    if (key.startsWith(`${PROJECT}:`)) raw[key.slice(PROJECT.length + 1)] = decodeConfigValue(value);
  }
  return raw;
}

/** Pulumi hands structured config values over as JSON text and scalars as plain strings. */
function decodeConfigValue(value: string): unknown {
  if (/^\s*[[{]/.test(value)) {
    try {
      return JSON.parse(value);
    } catch {
      return value;
    }
  }
  return value;
}

/**
 * Validates raw project config (keys without the `hft-platform:` prefix) for a stack.
 * Pure, so tests can feed it any shape.
 */
export function parsePlatformConfig(raw: Record<string, unknown>, stack: string): PlatformConfig {
  const r = new ConfigReader(`Pulumi.${stack}.yaml`);
  const root = r.root(raw, ["tier", "network", "cluster", "systemNodes", "engineNodes", "storage"]);

  const tier = r.oneOf(root, "tier", ["development", "production"] as const);
  const prod = tier === "production";

  const net = r.object(root, "network", [
    "vpcCidr",
    "availabilityZones",
    "natGateways",
    "flowLogs",
    "flowLogRetentionDays",
  ]);
  const vpcCidr = r.cidr(net, "vpcCidr", { minPrefix: 16, maxPrefix: 20 });
  const availabilityZones = r.integer(net, "availabilityZones", prod ? { min: 3, max: 3 } : { min: 2, max: 3 }, prod ? "3 in production" : undefined);
  const natGateways = r.integer(net, "natGateways", { min: 1, max: 3 });
  if (natGateways !== undefined && availabilityZones !== undefined) {
    if (natGateways !== 1 && natGateways !== availabilityZones) {
      r.problem(net, "natGateways", natGateways, `1 (shared) or ${availabilityZones} (one per availability zone)`);
    } else if (prod && natGateways !== availabilityZones) {
      r.problem(net, "natGateways", natGateways, `${availabilityZones} in production (one per availability zone, so losing a zone keeps egress)`);
    }
  }
  const flowLogs = r.boolean(net, "flowLogs", { required: true });
  if (prod && flowLogs === false) r.problem(net, "flowLogs", false, "true in production");
  const flowLogRetentionDays = r.oneOf(net, "flowLogRetentionDays", CLOUDWATCH_RETENTION_DAYS, { default: 90 });

  const cl = r.object(root, "cluster", [
    "name",
    "kubernetesVersion",
    "serviceCidr",
    "endpointPublicAccess",
    "publicAccessCidrs",
    "adminRoleArns",
    "nodeAmiRelease",
    "addons",
  ]);
  const clusterName = r.string(cl, "name", { pattern: /^[a-zA-Z][a-zA-Z0-9-]{0,62}$/, allowed: "letters, digits and '-', starting with a letter, at most 63 characters" });
  const kubernetesVersion = r.string(cl, "kubernetesVersion", {
    pattern: /^1\.(\d+)$/,
    allowed: `a quoted EKS minor version "1.${MIN_KUBERNETES_MINOR}" or later (e.g. "1.34")`,
    check: (v) => Number(v.split(".")[1]) >= MIN_KUBERNETES_MINOR,
  });
  const serviceCidr = r.cidr(cl, "serviceCidr", { minPrefix: 12, maxPrefix: 24 });
  if (serviceCidr && vpcCidr && cidrsOverlap(serviceCidr, vpcCidr)) {
    r.problem(cl, "serviceCidr", serviceCidr, `a range that does not overlap network.vpcCidr ${vpcCidr}`);
  }
  const endpointPublicAccess = r.boolean(cl, "endpointPublicAccess", { required: true });
  if (prod && endpointPublicAccess) r.problem(cl, "endpointPublicAccess", true, "false in production (private endpoint only)");
  const publicAccessCidrs = r.list(cl, "publicAccessCidrs", (item, at) => r.cidrValue(item, at), { default: [] });
  if (endpointPublicAccess && publicAccessCidrs.length === 0) {
    r.problem(cl, "publicAccessCidrs", [], "at least one CIDR when endpointPublicAccess is true");
  }
  for (const cidr of publicAccessCidrs) {
    if (cidr.endsWith("/0")) r.problem(cl, "publicAccessCidrs", cidr, "specific CIDRs, not the whole internet");
  }
  const adminRoleArns = r.list(
    cl,
    "adminRoleArns",
    (item, at) => r.stringValue(item, at, /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/, "IAM role ARNs (arn:aws:iam::<account>:role/<name>)"),
    { default: [] },
  );
  const nodeAmiRelease = r.string(cl, "nodeAmiRelease", { pattern: /^v\d{8}$/, allowed: 'an EKS AL2023 AMI release such as "v20251103"' });
  const addonsNode = r.object(cl, "addons", ["vpcCni", "coredns", "kubeProxy", "ebsCsiDriver", "efsCsiDriver", "podIdentityAgent"]);
  const addonVersion = (key: keyof AddonVersions) =>
    r.string(addonsNode, key, { pattern: /^v\d+\.\d+\.\d+-eksbuild\.\d+$/, allowed: 'an exact EKS addon version such as "v1.20.4-eksbuild.1"' });
  const addons: Partial<AddonVersions> = {
    vpcCni: addonVersion("vpcCni"),
    coredns: addonVersion("coredns"),
    kubeProxy: addonVersion("kubeProxy"),
    ebsCsiDriver: addonVersion("ebsCsiDriver"),
    efsCsiDriver: addonVersion("efsCsiDriver"),
    podIdentityAgent: addonVersion("podIdentityAgent"),
  };
  if (addons.kubeProxy && kubernetesVersion && !addons.kubeProxy.startsWith(`v${kubernetesVersion}.`)) {
    r.problem(addonsNode, "kubeProxy", addons.kubeProxy, `a kube-proxy build of Kubernetes ${kubernetesVersion} (v${kubernetesVersion}.x-eksbuild.N)`);
  }

  const sys = r.object(root, "systemNodes", ["instanceTypes", "minSize", "desiredSize", "maxSize", "rootVolumeGiB"]);
  const systemInstanceTypes = r.list(sys, "instanceTypes", (item, at) =>
    r.stringValue(item, at, /^[a-z][a-z0-9-]*\.[a-z0-9]+$/, "EC2 instance types such as m6i.xlarge"),
  );
  if (sys && systemInstanceTypes.length === 0) r.problem(sys, "instanceTypes", [], "at least one instance type");
  const systemScaling = r.scaling(sys, prod ? 2 : 1);
  const systemRoot = r.integer(sys, "rootVolumeGiB", { min: 20, max: 1000 });

  const eng = r.object(root, "engineNodes", [
    "instanceType",
    "minSize",
    "desiredSize",
    "maxSize",
    "rootVolumeGiB",
    "reservedSystemCpus",
    "hugepages2Mi",
    "kernel",
  ]);
  const engineType = r.string(eng, "instanceType", {
    pattern: prod ? /^c6i\.metal$/ : /^c6i\.[a-z0-9]+$/,
    allowed: prod ? "c6i.metal (production engine nodes are bare metal)" : `a c6i instance type (${Object.keys(C6I_SIZES).join(", ")})`,
    check: (v) => v in C6I_SIZES,
  });
  const engineScaling = r.scaling(eng, 1);
  const engineRoot = r.integer(eng, "rootVolumeGiB", { min: 20, max: 1000 });
  const size = engineType ? C6I_SIZES[engineType] : undefined;
  const reservedSystemCpus = r.string(eng, "reservedSystemCpus", {
    pattern: /^\d+(-\d+)?(,\d+(-\d+)?)*$/,
    allowed: 'a cpuset such as "0-1" or "0-3,64-67"',
  });
  if (reservedSystemCpus && size) {
    const cpus = parseCpuSet(reservedSystemCpus);
    const highest = Math.max(...cpus);
    if (cpus.length === 0 || highest >= size.vcpus || cpus.length >= size.vcpus) {
      r.problem(eng, "reservedSystemCpus", reservedSystemCpus, `CPUs below ${size.vcpus} on ${engineType}, leaving some for pods`);
    }
  }
  const maxPages = size ? Math.floor((size.memoryGiB * 1024 * MAX_HUGEPAGES_SHARE) / 2) : 1_000_000;
  const hugepages2Mi = r.integer(eng, "hugepages2Mi", { min: 0, max: maxPages }, size ? `at most ${maxPages} (half of ${engineType}'s ${size.memoryGiB} GiB)` : undefined);
  const kern = r.object(eng, "kernel", ["busyPollUs", "socketBufferBytes", "somaxconn", "tcpMaxSynBacklog"], { optional: true });
  const kernel: Partial<KernelTuning> = {
    busyPollUs: r.integer(kern, "busyPollUs", { min: 0, max: 1000 }, undefined, 50),
    socketBufferBytes: r.integer(kern, "socketBufferBytes", { min: 212992, max: 268435456 }, undefined, 16777216),
    somaxconn: r.integer(kern, "somaxconn", { min: 128, max: 65535 }, undefined, 4096),
    tcpMaxSynBacklog: r.integer(kern, "tcpMaxSynBacklog", { min: 128, max: 262144 }, undefined, 8192),
  };

  const sto = r.object(root, "storage", ["reclaimPolicy", "fastSsd", "efs"]);
  const reclaimPolicy = r.oneOf(sto, "reclaimPolicy", ["Retain", "Delete"] as const);
  if (prod && reclaimPolicy === "Delete") r.problem(sto, "reclaimPolicy", "Delete", "Retain in production");
  const fast = r.object(sto, "fastSsd", ["iops", "throughput"]);
  const iops = r.integer(fast, "iops", { min: GP3.minIops, max: GP3.maxIops });
  const throughput = r.integer(fast, "throughput", { min: GP3.minThroughput, max: GP3.maxThroughput }, "125–1000 MiB/s");
  if (iops !== undefined && throughput !== undefined && throughput > iops * GP3.throughputPerIops) {
    r.problem(fast, "throughput", throughput, `at most iops/4 = ${Math.floor(iops * GP3.throughputPerIops)} MiB/s for ${iops} IOPS`);
  }
  const efsNode = r.object(sto, "efs", ["backups", "transitionToIa"]);
  const efsBackups = r.boolean(efsNode, "backups", { required: true });
  if (prod && efsBackups === false) r.problem(efsNode, "backups", false, "true in production");
  const transitionToIa = r.oneOf(efsNode, "transitionToIa", EFS_TRANSITIONS, { default: "AFTER_30_DAYS" });

  r.throwIfProblems();
  // Every field below was checked by the reader, which would have thrown otherwise.
  return {
    stack,
    tier: tier!,
    network: {
      vpcCidr: vpcCidr!,
      availabilityZones: availabilityZones!,
      natGateways: natGateways!,
      flowLogs: flowLogs!,
      flowLogRetentionDays: flowLogRetentionDays!,
    },
    cluster: {
      name: clusterName!,
      kubernetesVersion: kubernetesVersion!,
      serviceCidr: serviceCidr!,
      endpointPublicAccess: endpointPublicAccess!,
      publicAccessCidrs,
      adminRoleArns,
      nodeAmiRelease: nodeAmiRelease!,
      addons: addons as AddonVersions,
    },
    systemNodes: { instanceTypes: systemInstanceTypes, ...systemScaling!, rootVolumeGiB: systemRoot! },
    engineNodes: {
      instanceType: engineType!,
      ...engineScaling!,
      rootVolumeGiB: engineRoot!,
      reservedSystemCpus: reservedSystemCpus!,
      hugepages2Mi: hugepages2Mi!,
      kernel: kernel as KernelTuning,
    },
    storage: {
      reclaimPolicy: reclaimPolicy!,
      fastSsd: { iops: iops!, throughput: throughput! },
      efs: { backups: efsBackups!, transitionToIa: transitionToIa! },
    },
  };
}

/** Retention values CloudWatch Logs accepts. */
const CLOUDWATCH_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653] as const;

/** Expands a cpuset ("0-3,64-67") into CPU numbers. */
export function parseCpuSet(spec: string): number[] {
  return spec.split(",").flatMap((part) => {
    const [from, to = from] = part.split("-").map(Number);
    return from <= to ? Array.from({ length: to - from + 1 }, (_, i) => from + i) : [];
  });
}

export function parseIpv4Cidr(cidr: string): { base: number; prefix: number } | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(cidr);
  if (!m) return undefined;
  const octets = m.slice(1, 5).map(Number);
  const prefix = Number(m[5]);
  if (octets.some((o) => o > 255) || prefix > 32) return undefined;
  const base = octets.reduce((acc, o) => acc * 256 + o, 0);
  const size = 2 ** (32 - prefix);
  if (base % size !== 0) return undefined; // host bits set: almost always a typo
  return { base, prefix };
}

export function formatIpv4Cidr(base: number, prefix: number): string {
  const octets = [24, 16, 8, 0].map((shift) => Math.floor(base / 2 ** shift) % 256);
  return `${octets.join(".")}/${prefix}`;
}

function cidrsOverlap(a: string, b: string): boolean {
  const x = parseIpv4Cidr(a)!;
  const y = parseIpv4Cidr(b)!;
  const xEnd = x.base + 2 ** (32 - x.prefix);
  const yEnd = y.base + 2 ** (32 - y.prefix);
  return x.base < yEnd && y.base < xEnd;
}

/** A config object being read, with the dotted key path that error messages name. */
interface Node {
  path: string;
  value: Record<string, unknown>;
}

/**
 * Reads typed values out of raw config, recording a problem (key, stack file, what is allowed)
 * instead of stopping at the first one.
 */
class ConfigReader {
  private readonly problems: string[] = [];

  constructor(private readonly stackFile: string) {}

  root(raw: Record<string, unknown>, known: string[]): Node {
    const node = { path: "", value: raw };
    this.rejectUnknown(node, known);
    return node;
  }

  problem(node: Node | undefined, key: string, value: unknown, allowed: string): void {
    const shown = value === undefined ? "missing" : `${JSON.stringify(value)} is not allowed`;
    this.problems.push(`${this.key(node, key)}: ${shown}; allowed: ${allowed} (set it in ${this.stackFile})`);
  }

  throwIfProblems(): void {
    if (this.problems.length > 0) throw new ConfigError(this.stackFile, this.problems);
  }

  object(parent: Node | undefined, key: string, known: string[], opts: { optional?: boolean } = {}): Node | undefined {
    if (!parent) return undefined;
    const value = parent.value[key];
    if (value === undefined && opts.optional) return { path: this.path(parent, key), value: {} };
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      this.problem(parent, key, value, `an object with keys ${known.join(", ")}`);
      return undefined;
    }
    const node = { path: this.path(parent, key), value: value as Record<string, unknown> };
    this.rejectUnknown(node, known);
    return node;
  }

  string(
    node: Node | undefined,
    key: string,
    rule: { pattern: RegExp; allowed: string; check?: (v: string) => boolean },
  ): string | undefined {
    if (!node) return undefined;
    const value = node.value[key];
    if (typeof value !== "string" || !rule.pattern.test(value) || (rule.check && !rule.check(value))) {
      this.problem(node, key, value, rule.allowed);
      return undefined;
    }
    return value;
  }

  oneOf<T extends string | number>(node: Node | undefined, key: string, allowed: readonly T[], opts: { default?: T } = {}): T | undefined {
    if (!node) return undefined;
    const value = node.value[key] ?? opts.default;
    const match = allowed.find((a) => a === value || String(a) === value);
    if (match === undefined) {
      this.problem(node, key, value, `one of ${allowed.join(", ")}`);
    }
    return match;
  }

  integer(node: Node | undefined, key: string, range: { min: number; max: number }, allowed?: string, fallback?: number): number | undefined {
    if (!node) return undefined;
    const raw = node.value[key] ?? fallback;
    const value = typeof raw === "string" && /^-?\d+$/.test(raw) ? Number(raw) : raw;
    if (typeof value !== "number" || !Number.isInteger(value) || value < range.min || value > range.max) {
      this.problem(node, key, raw, allowed ?? `an integer from ${range.min} to ${range.max}`);
      return undefined;
    }
    return value;
  }

  boolean(node: Node | undefined, key: string, opts: { required: boolean; default?: boolean }): boolean | undefined {
    if (!node) return undefined;
    const raw = node.value[key] ?? (opts.required ? undefined : opts.default);
    const value = raw === "true" ? true : raw === "false" ? false : raw;
    if (typeof value !== "boolean") {
      this.problem(node, key, raw, "true or false");
      return undefined;
    }
    return value;
  }

  cidr(node: Node | undefined, key: string, bounds: { minPrefix: number; maxPrefix: number }): string | undefined {
    if (!node) return undefined;
    const value = node.value[key];
    const parsed = typeof value === "string" ? parseIpv4Cidr(value) : undefined;
    if (!parsed || parsed.prefix < bounds.minPrefix || parsed.prefix > bounds.maxPrefix) {
      this.problem(node, key, value, `an IPv4 network in CIDR notation (no host bits set) with a prefix from /${bounds.minPrefix} to /${bounds.maxPrefix}`);
      return undefined;
    }
    return value as string;
  }

  cidrValue(item: unknown, at: { node: Node; key: string }): string | undefined {
    if (typeof item === "string" && parseIpv4Cidr(item)) return item;
    this.problem(at.node, at.key, item, "IPv4 CIDRs such as 203.0.113.0/24 (no host bits set)");
    return undefined;
  }

  stringValue(item: unknown, at: { node: Node; key: string }, pattern: RegExp, allowed: string): string | undefined {
    if (typeof item === "string" && pattern.test(item)) return item;
    this.problem(at.node, at.key, item, allowed);
    return undefined;
  }

  list<T>(
    node: Node | undefined,
    key: string,
    readItem: (item: unknown, at: { node: Node; key: string }) => T | undefined,
    opts: { default?: T[] } = {},
  ): T[] {
    if (!node) return [];
    const value = node.value[key];
    if (value === undefined && opts.default) return opts.default;
    if (!Array.isArray(value)) {
      this.problem(node, key, value, "a list");
      return [];
    }
    return value.map((item) => readItem(item, { node, key })).filter((v): v is T => v !== undefined);
  }

  scaling(node: Node | undefined, minimum: number): NodeScaling | undefined {
    if (!node) return undefined;
    const minSize = this.integer(node, "minSize", { min: minimum, max: 100 }, `an integer from ${minimum} to 100`);
    const desiredSize = this.integer(node, "desiredSize", { min: 0, max: 100 });
    const maxSize = this.integer(node, "maxSize", { min: 1, max: 100 });
    if (minSize === undefined || desiredSize === undefined || maxSize === undefined) return undefined;
    if (!(minSize <= desiredSize && desiredSize <= maxSize)) {
      this.problem(node, "desiredSize", desiredSize, `minSize ≤ desiredSize ≤ maxSize (here ${minSize} ≤ ${desiredSize} ≤ ${maxSize} does not hold)`);
      return undefined;
    }
    return { minSize, desiredSize, maxSize };
  }

  private rejectUnknown(node: Node, known: string[]): void {
    for (const key of Object.keys(node.value)) {
      if (!known.includes(key)) {
        this.problems.push(
          `${this.key(node, key)}: unknown key; allowed keys here: ${known.join(", ")} (fix it in ${this.stackFile})`,
        );
      }
    }
  }

  private path(parent: Node, key: string): string {
    return parent.path ? `${parent.path}.${key}` : key;
  }

  private key(node: Node | undefined, key: string): string {
    return `${PROJECT}:${node ? this.path(node, key) : key}`;
  }
}
