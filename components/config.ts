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
  monitoring: MonitoringConfig;
  redis: RedisConfig;
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

/** A container's CPU and memory: requests, and limits (always set for platform workloads). */
export interface ContainerResources {
  cpu: string;
  memory: string;
  limits: { cpu: string; memory: string };
}

/**
 * Where a Helm chart comes from, always at an exact version: a chart repository, or a local
 * `<chart>-<version>.tgz` for installs without access to the repository.
 */
export type ChartSource =
  | { kind: "repository"; chart: string; version: string; repo: string }
  | { kind: "archive"; chart: string; version: string; path: string };

export interface MonitoringConfig {
  kubePrometheusStack: ChartSource;
  prometheusAdapter: ChartSource;
  prometheus: PrometheusConfig;
  alertmanager: AlertmanagerConfig;
  grafana: { resources: ContainerResources };
  operator: { resources: ContainerResources };
  kubeStateMetrics: { resources: ContainerResources };
  nodeExporter: { resources: ContainerResources };
  adapter: { replicas: number; resources: ContainerResources };
}

export interface PrometheusConfig {
  /** Prometheus replicas (production: at least 2, each with its own volume). */
  replicas: number;
  /** How long samples are kept, as a Prometheus duration ("7d", "30d"). */
  retention: string;
  /** Size-based retention in Prometheus units ("40GB" = 40 GiB); below the volume size so compaction has room. */
  retentionSize: string;
  /** Volume size per replica on the `fast-ssd` class ("50Gi"). */
  storageSize: string;
  /** Default scrape interval for targets that set none ("15s"). */
  scrapeInterval: string;
  resources: ContainerResources;
}

export interface AlertmanagerConfig {
  replicas: number;
  /** Volume size per replica on the `gp3` class (silences and notification log). */
  storageSize: string;
  resources: ContainerResources;
  /** Receiver of every alert no route claims (production: not a discard receiver). */
  defaultReceiver: string;
  receivers: AlertReceiver[];
  routes: AlertRoute[];
}

/**
 * Where alerts go. Credentials (Slack webhook URL, PagerDuty routing key, webhook URL) are secret
 * config values (`pulumi config set --secret --path ...`); the program only ever puts them into a
 * Kubernetes Secret that Alertmanager reads as files.
 */
export type AlertReceiver =
  | { name: string; kind: "slack"; channel: string; apiUrl: string }
  | { name: string; kind: "pagerduty"; routingKey: string }
  | { name: string; kind: "webhook"; url: string }
  /** Drops what it receives: an explicit placeholder for stacks nobody is paged for (never the production default). */
  | { name: string; kind: "discard" };

export interface AlertRoute {
  receiver: string;
  /** Alertmanager matchers such as `severity = "warning"` or `alertname = "Watchdog"`. */
  matchers: string[];
  /** Keep evaluating later routes after this one matched. */
  continue: boolean;
}

export interface RedisConfig {
  /** Official redis image, pinned: an exact `x.y.z` tag, optionally with `@sha256:` digest. */
  image: string;
  /** oliver006/redis_exporter image, pinned likewise. */
  exporterImage: string;
  /** Data pods: 1 without Sentinel; an odd number ≥ 3 with it (production). */
  replicas: number;
  sentinel: SentinelConfig;
  /** Memory cap for data; at most 75% of the container's memory limit (fork for AOF rewrite, buffers). */
  maxmemory: string;
  maxmemoryPolicy: MaxmemoryPolicy;
  /** AOF fsync policy (production: `always` or `everysec`). */
  appendfsync: "always" | "everysec" | "no";
  /** Volume per data pod on `fast-ssd`; at least twice `maxmemory` (the AOF and its rewrite). */
  storageSize: string;
  /** Commands renamed away (disabled) on every data pod. */
  disabledCommands: string[];
  resources: ContainerResources;
  sentinelResources: ContainerResources;
  exporterResources: ContainerResources;
}

export interface SentinelConfig {
  enabled: boolean;
  /** Sentinels that must agree a master is down; a majority of the sentinels, and reachable with one pod disrupted. */
  quorum: number;
  masterName: string;
  downAfterMilliseconds: number;
  failoverTimeoutMilliseconds: number;
}

export const MAXMEMORY_POLICIES = [
  "noeviction",
  "allkeys-lru",
  "allkeys-lfu",
  "allkeys-random",
  "volatile-lru",
  "volatile-lfu",
  "volatile-random",
  "volatile-ttl",
] as const;
export type MaxmemoryPolicy = (typeof MAXMEMORY_POLICIES)[number];

/** maxmemory may use at most this share of the Redis container's memory limit. */
export const REDIS_MAXMEMORY_SHARE = 0.75;

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
  const root = r.root(raw, ["tier", "network", "cluster", "systemNodes", "engineNodes", "storage", "monitoring", "redis"]);

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

  const monitoring = parseMonitoringConfig(r, root, prod);
  const redis = parseRedisConfig(r, root, prod);

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
    monitoring: monitoring!,
    redis: redis!,
  };
}

const SEMVER = /^\d+\.\d+\.\d+$/;

/** A Helm chart at a pinned version: `{ repo, version }`, or `{ archive }` naming a local `<chart>-<x.y.z>.tgz`. */
function parseChartSource(r: ConfigReader, parent: Node | undefined, key: string, chart: string): ChartSource | undefined {
  const node = r.object(parent, key, ["repo", "version", "archive"]);
  if (!node) return undefined;
  if (node.value.archive !== undefined) {
    const archivePattern = new RegExp(`(^|/)${chart}-(\\d+\\.\\d+\\.\\d+)\\.tgz$`);
    const path = r.string(node, "archive", {
      pattern: archivePattern,
      allowed: `a local chart archive named ${chart}-<x.y.z>.tgz (the version stays pinned in the file name)`,
    });
    if (node.value.repo !== undefined || node.value.version !== undefined) {
      r.problem(node, "archive", node.value.archive, "either archive alone or repo with version, not both");
      return undefined;
    }
    return path ? { kind: "archive", chart, path, version: archivePattern.exec(path)![2] } : undefined;
  }
  const repo = r.string(node, "repo", { pattern: /^(https:\/\/\S+|oci:\/\/\S+)$/, allowed: "an https:// or oci:// chart repository URL" });
  const version = r.string(node, "version", { pattern: SEMVER, allowed: "an exact chart version such as 88.5.3 (no ranges)" });
  return repo && version ? { kind: "repository", chart, repo, version } : undefined;
}

/** requests and limits, both required; limits never below requests. */
function parseResources(r: ConfigReader, parent: Node | undefined, key: string, bounds: { maxCpu: number; maxMemory: number }): ContainerResources | undefined {
  const node = r.object(parent, key, ["requests", "limits"]);
  const read = (k: string) => {
    const part = r.object(node, k, ["cpu", "memory"]);
    const cpu = r.quantity(part, "cpu", { min: 0.001, max: bounds.maxCpu }, `a CPU quantity from 1m to ${bounds.maxCpu}`);
    const memory = r.quantity(part, "memory", { min: 2 ** 20, max: bounds.maxMemory }, `a memory quantity from 1Mi to ${bounds.maxMemory / 2 ** 30}Gi`);
    return cpu && memory ? { cpu, memory, node: part! } : undefined;
  };
  const requests = read("requests");
  const limits = read("limits");
  if (!requests || !limits) return undefined;
  for (const resource of ["cpu", "memory"] as const) {
    if (parseQuantity(limits[resource])! < parseQuantity(requests[resource])!) {
      r.problem(limits.node, resource, limits[resource], `at least the request (${requests[resource]})`);
      return undefined;
    }
  }
  return { cpu: requests.cpu, memory: requests.memory, limits: { cpu: limits.cpu, memory: limits.memory } };
}

const GiB = 2 ** 30;
const COMPONENT_BOUNDS = { maxCpu: 16, maxMemory: 64 * GiB };

function parseMonitoringConfig(r: ConfigReader, root: Node, prod: boolean): MonitoringConfig | undefined {
  const mon = r.object(root, "monitoring", [
    "kubePrometheusStack",
    "prometheusAdapter",
    "prometheus",
    "alertmanager",
    "grafana",
    "operator",
    "kubeStateMetrics",
    "nodeExporter",
    "adapter",
  ]);
  const kubePrometheusStack = parseChartSource(r, mon, "kubePrometheusStack", "kube-prometheus-stack");
  const prometheusAdapter = parseChartSource(r, mon, "prometheusAdapter", "prometheus-adapter");

  const prom = r.object(mon, "prometheus", ["replicas", "retention", "retentionSize", "storageSize", "scrapeInterval", "resources"]);
  const promReplicas = r.integer(prom, "replicas", prod ? { min: 2, max: 4 } : { min: 1, max: 4 }, prod ? "2 to 4 in production (an HA pair or more)" : undefined);
  const retention = r.duration(prom, "retention", { min: 86400, max: 400 * 86400 }, "a Prometheus duration from 1d to 400d, e.g. 15d");
  const storageSize = r.quantity(prom, "storageSize", { min: 10 * GiB, max: 16384 * GiB }, "a volume size from 10Gi to 16Ti, e.g. 100Gi");
  const retentionSizeText = r.quantity(prom, "retentionSize", { min: GiB, max: 16384 * GiB }, "a size such as 80Gi (whole Gi)");
  let retentionSize: string | undefined;
  if (retentionSizeText && storageSize) {
    const bytes = parseQuantity(retentionSizeText)!;
    const volume = parseQuantity(storageSize)!;
    if (bytes % GiB !== 0) {
      r.problem(prom, "retentionSize", retentionSizeText, "a whole number of Gi, e.g. 80Gi");
    } else if (bytes > volume * 0.9) {
      r.problem(prom, "retentionSize", retentionSizeText, `at most 90% of storageSize ${storageSize} (${Math.floor((volume * 0.9) / GiB)}Gi), leaving room for compaction and the WAL`);
    } else {
      // Prometheus size units are powers of two: "GB" means GiB.
      retentionSize = `${bytes / GiB}GB`;
    }
  }
  const scrapeInterval = r.duration(prom, "scrapeInterval", { min: 1, max: 300 }, "a Prometheus duration from 1s to 5m, e.g. 15s");
  const promResources = parseResources(r, prom, "resources", COMPONENT_BOUNDS);

  const am = r.object(mon, "alertmanager", ["replicas", "storageSize", "resources", "defaultReceiver", "receivers", "routes"]);
  const amReplicas = r.integer(am, "replicas", prod ? { min: 2, max: 5 } : { min: 1, max: 5 }, prod ? "2 to 5 in production (a gossip cluster)" : undefined);
  const amStorage = r.quantity(am, "storageSize", { min: GiB, max: 100 * GiB }, "a volume size from 1Gi to 100Gi");
  const amResources = parseResources(r, am, "resources", COMPONENT_BOUNDS);
  const receivers = r.list(am, "receivers", (item, at) => parseReceiver(r, item, at));
  if (am && Array.isArray(am.value.receivers) && am.value.receivers.length === 0) r.problem(am, "receivers", [], "at least one receiver");
  const names = receivers.map((x) => x.name);
  for (const dup of names.filter((n, i) => names.indexOf(n) !== i)) r.problem(am, "receivers", dup, "unique receiver names");
  const defaultReceiver = r.string(am, "defaultReceiver", { pattern: /^\S+$/, allowed: "the name of one of the receivers" });
  const defaultTarget = receivers.find((x) => x.name === defaultReceiver);
  if (defaultReceiver && am && Array.isArray(am.value.receivers) && !defaultTarget && receivers.length === names.length) {
    r.problem(am, "defaultReceiver", defaultReceiver, `one of the receivers (${names.join(", ")})`);
  }
  if (prod && defaultTarget?.kind === "discard") {
    r.problem(am, "defaultReceiver", defaultReceiver, "a receiver that notifies someone (slack, pagerduty or webhook) in production: unrouted alerts must not be dropped");
  }
  const routes = r.list(am, "routes", (item, at) => parseRoute(r, item, at, names), { default: [] });

  const component = (key: string) => {
    const node = r.object(mon, key, ["resources"]);
    const resources = parseResources(r, node, "resources", COMPONENT_BOUNDS);
    return resources ? { resources } : undefined;
  };
  const grafana = component("grafana");
  const operator = component("operator");
  const kubeStateMetrics = component("kubeStateMetrics");
  const nodeExporter = component("nodeExporter");
  const adapterNode = r.object(mon, "adapter", ["replicas", "resources"]);
  const adapterReplicas = r.integer(adapterNode, "replicas", prod ? { min: 2, max: 4 } : { min: 1, max: 4 }, prod ? "2 to 4 in production (the HPA's metrics API)" : undefined);
  const adapterResources = parseResources(r, adapterNode, "resources", COMPONENT_BOUNDS);

  if (!mon) return undefined;
  return {
    kubePrometheusStack: kubePrometheusStack!,
    prometheusAdapter: prometheusAdapter!,
    prometheus: {
      replicas: promReplicas!,
      retention: retention!,
      retentionSize: retentionSize!,
      storageSize: storageSize!,
      scrapeInterval: scrapeInterval!,
      resources: promResources!,
    },
    alertmanager: {
      replicas: amReplicas!,
      storageSize: amStorage!,
      resources: amResources!,
      defaultReceiver: defaultReceiver!,
      receivers,
      routes,
    },
    grafana: grafana!,
    operator: operator!,
    kubeStateMetrics: kubeStateMetrics!,
    nodeExporter: nodeExporter!,
    adapter: { replicas: adapterReplicas!, resources: adapterResources! },
  };
}

const RECEIVER_KINDS = ["slack", "pagerduty", "webhook", "discard"] as const;

function parseReceiver(r: ConfigReader, item: unknown, at: { node: Node; key: string; index?: number }): AlertReceiver | undefined {
  const index = at.index ?? 0;
  const itemNode = r.objectItem(item, at, ["name", ...RECEIVER_KINDS], "receivers as objects with a name and one of slack, pagerduty, webhook or discard");
  if (!itemNode) return undefined;
  const name = r.string(itemNode, "name", { pattern: /^[a-z0-9][a-z0-9-]{0,40}$/, allowed: "lowercase letters, digits and '-', at most 41 characters" });
  const kinds = RECEIVER_KINDS.filter((k) => itemNode.value[k] !== undefined);
  if (kinds.length !== 1) {
    r.problem(itemNode, "name", name, `exactly one of ${RECEIVER_KINDS.join(", ")} per receiver (found ${kinds.length})`);
    return undefined;
  }
  const secretText = (node: Node | undefined, key: string) =>
    r.string(node, key, { pattern: /^\S+$/, allowed: `a secret value: pulumi config set --secret --path 'monitoring.alertmanager.receivers[${index}].${kinds[0]}.${key}' <value>` });
  if (!name) return undefined;
  switch (kinds[0]) {
    case "slack": {
      const slack = r.object(itemNode, "slack", ["channel", "apiUrl"]);
      const channel = r.string(slack, "channel", { pattern: /^#[a-z0-9_-]{1,80}$/, allowed: "a Slack channel such as #hft-alerts" });
      const apiUrl = secretText(slack, "apiUrl");
      return channel && apiUrl ? { name, kind: "slack", channel, apiUrl } : undefined;
    }
    case "pagerduty": {
      const routingKey = secretText(r.object(itemNode, "pagerduty", ["routingKey"]), "routingKey");
      return routingKey ? { name, kind: "pagerduty", routingKey } : undefined;
    }
    case "webhook": {
      const url = secretText(r.object(itemNode, "webhook", ["url"]), "url");
      return url ? { name, kind: "webhook", url } : undefined;
    }
    default:
      if (itemNode.value.discard !== true) {
        r.problem(itemNode, "discard", itemNode.value.discard, "true (a receiver that explicitly drops alerts)");
        return undefined;
      }
      return { name, kind: "discard" };
  }
}

/** Alertmanager's matcher syntax: label, operator, value (quoted or not). */
const MATCHER = /^[a-zA-Z_][a-zA-Z0-9_]*\s*(=|!=|=~|!~)\s*("[^"]*"|[^\s"]+)$/;

function parseRoute(r: ConfigReader, item: unknown, at: { node: Node; key: string; index?: number }, receivers: string[]): AlertRoute | undefined {
  const node = r.objectItem(item, at, ["receiver", "matchers", "continue"], "routes as objects with receiver and matchers");
  if (!node) return undefined;
  const receiver = r.string(node, "receiver", {
    pattern: /^\S+$/,
    allowed: `one of the receivers (${receivers.join(", ")})`,
    check: (v) => receivers.includes(v),
  });
  const matchers = r.list(node, "matchers", (m, mAt) => r.stringValue(m, mAt, MATCHER, 'Alertmanager matchers such as severity = "warning"'));
  if (node.value.matchers !== undefined && Array.isArray(node.value.matchers) && node.value.matchers.length === 0) {
    r.problem(node, "matchers", [], "at least one matcher (a route without matchers would take every alert)");
  }
  const cont = r.boolean(node, "continue", { required: false, default: false });
  return receiver && matchers.length > 0 && cont !== undefined ? { receiver, matchers, continue: cont } : undefined;
}

/** An image reference pinned to an exact x.y.z tag (v prefix allowed), optionally with a digest; never `latest`. */
function parsePinnedImage(r: ConfigReader, node: Node | undefined, key: string, repository: string): string | undefined {
  const escaped = repository.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
  return r.string(node, key, {
    pattern: new RegExp(`^(docker\\.io/)?(library/)?${escaped}:v?\\d+\\.\\d+\\.\\d+(-[a-z0-9.]+)?(@sha256:[a-f0-9]{64})?$`),
    allowed: `${repository}:<x.y.z> (an exact version tag, optionally @sha256:<digest>; never latest)`,
  });
}

function parseRedisConfig(r: ConfigReader, root: Node, prod: boolean): RedisConfig | undefined {
  const node = r.object(root, "redis", [
    "image",
    "exporterImage",
    "replicas",
    "sentinel",
    "maxmemory",
    "maxmemoryPolicy",
    "appendfsync",
    "storageSize",
    "disabledCommands",
    "resources",
    "sentinelResources",
    "exporterResources",
  ]);
  const image = parsePinnedImage(r, node, "image", "redis");
  const exporterImage = parsePinnedImage(r, node, "exporterImage", "oliver006/redis_exporter");
  const replicas = r.integer(node, "replicas", { min: 1, max: 7 });

  const sen = r.object(node, "sentinel", ["enabled", "quorum", "masterName", "downAfterMilliseconds", "failoverTimeoutMilliseconds"]);
  const sentinelEnabled = r.boolean(sen, "enabled", { required: true });
  if (prod && sentinelEnabled === false) r.problem(sen, "enabled", false, "true in production (automatic failover)");
  const quorum = r.integer(sen, "quorum", { min: 1, max: 7 }, undefined, 2);
  const masterName = sen?.value.masterName === undefined ? "hft-cache" : r.string(sen, "masterName", { pattern: /^[a-z][a-z0-9-]{0,30}$/, allowed: "lowercase letters, digits and '-', starting with a letter" });
  const downAfterMilliseconds = r.integer(sen, "downAfterMilliseconds", { min: 1000, max: 60000 }, undefined, 5000);
  const failoverTimeoutMilliseconds = r.integer(sen, "failoverTimeoutMilliseconds", { min: 10000, max: 600000 }, undefined, 60000);
  if (replicas !== undefined && sentinelEnabled !== undefined) {
    if (!sentinelEnabled && replicas !== 1) {
      r.problem(node, "replicas", replicas, "1 without Sentinel (replicas without automatic failover would only serve stale reads)");
    } else if (sentinelEnabled && (replicas < 3 || replicas % 2 === 0)) {
      r.problem(node, "replicas", replicas, "an odd number of at least 3 with Sentinel (one sentinel per pod must still form a majority after losing a pod)");
    } else if (sentinelEnabled && quorum !== undefined) {
      // One pod may be disrupted at a time (the PDB), so quorum must be reachable by replicas - 1 sentinels.
      const majority = Math.floor(replicas / 2) + 1;
      if (quorum < majority || quorum > replicas - 1) {
        r.problem(sen, "quorum", quorum, `${majority} to ${replicas - 1} for ${replicas} sentinels: a majority, still reachable with one pod disrupted`);
      }
    }
  }

  const maxmemory = r.quantity(node, "maxmemory", { min: 64 * 2 ** 20, max: 256 * GiB }, "a memory quantity from 64Mi to 256Gi, e.g. 6Gi");
  const maxmemoryPolicy = r.oneOf(node, "maxmemoryPolicy", MAXMEMORY_POLICIES);
  const appendfsync = r.oneOf(node, "appendfsync", ["always", "everysec", "no"] as const);
  if (prod && appendfsync === "no") r.problem(node, "appendfsync", "no", "always or everysec in production (\"no\" leaves durability to the kernel)");
  const storageSize = r.quantity(node, "storageSize", { min: GiB, max: 16384 * GiB }, "a volume size from 1Gi to 16Ti");
  if (storageSize && maxmemory && parseQuantity(storageSize)! < 2 * parseQuantity(maxmemory)!) {
    r.problem(node, "storageSize", storageSize, `at least twice maxmemory ${maxmemory} (the AOF and its rewrite)`);
  }
  const disabledCommands = r.list(node, "disabledCommands", (c, at) => r.stringValue(c, at, /^[A-Z]+$/, "Redis command names in capitals, e.g. FLUSHALL"), {
    default: ["FLUSHALL", "FLUSHDB", "KEYS", "DEBUG", "MONITOR"],
  });
  const resources = parseResources(r, node, "resources", { maxCpu: 16, maxMemory: 512 * GiB });
  if (resources && maxmemory && parseQuantity(maxmemory)! > parseQuantity(resources.limits.memory)! * REDIS_MAXMEMORY_SHARE) {
    r.problem(node, "maxmemory", maxmemory, `at most ${REDIS_MAXMEMORY_SHARE * 100}% of the memory limit ${resources.limits.memory} (AOF rewrite forks, replication buffers)`);
  }
  const small = { maxCpu: 2, maxMemory: 4 * GiB };
  const sentinelResources = parseResources(r, node, "sentinelResources", small);
  const exporterResources = parseResources(r, node, "exporterResources", small);

  if (!node) return undefined;
  return {
    image: image!,
    exporterImage: exporterImage!,
    replicas: replicas!,
    sentinel: {
      enabled: sentinelEnabled!,
      quorum: quorum!,
      masterName: masterName!,
      downAfterMilliseconds: downAfterMilliseconds!,
      failoverTimeoutMilliseconds: failoverTimeoutMilliseconds!,
    },
    maxmemory: maxmemory!,
    maxmemoryPolicy: maxmemoryPolicy!,
    appendfsync: appendfsync!,
    storageSize: storageSize!,
    disabledCommands,
    resources: resources!,
    sentinelResources: sentinelResources!,
    exporterResources: exporterResources!,
  };
}

const QUANTITY = /^(\d+(?:\.\d+)?)(m|k|M|G|T|P|Ki|Mi|Gi|Ti|Pi)?$/;
const QUANTITY_FACTORS: Record<string, number> = {
  "": 1,
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
};

/** A Kubernetes quantity ("500m", "2", "4Gi", "1.5G") in base units (cores or bytes); undefined if malformed. */
export function parseQuantity(text: string): number | undefined {
  const m = QUANTITY.exec(text);
  return m ? Number(m[1]) * QUANTITY_FACTORS[m[2] ?? ""] : undefined;
}

const DURATION = /^(\d+)(ms|s|m|h|d|w|y)$/;
const DURATION_SECONDS: Record<string, number> = { ms: 1e-3, s: 1, m: 60, h: 3600, d: 86400, w: 604800, y: 31536000 };

/** A single-unit Prometheus duration ("30s", "15d") in seconds; undefined if malformed. */
export function parseDuration(text: string): number | undefined {
  const m = DURATION.exec(text);
  return m ? Number(m[1]) * DURATION_SECONDS[m[2]] : undefined;
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
    readItem: (item: unknown, at: { node: Node; key: string; index?: number }) => T | undefined,
    opts: { default?: T[] } = {},
  ): T[] {
    if (!node) return [];
    const value = node.value[key];
    if (value === undefined && opts.default) return opts.default;
    if (!Array.isArray(value)) {
      this.problem(node, key, value, "a list");
      return [];
    }
    return value.map((item, index) => readItem(item, { node, key, index })).filter((v): v is T => v !== undefined);
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

  /** A list element that must be an object with known keys; problems name it by index (`receivers[1].name`). */
  objectItem(item: unknown, at: { node: Node; key: string; index?: number }, known: string[], allowed: string): Node | undefined {
    if (typeof item !== "object" || item === null || Array.isArray(item)) {
      this.problem(at.node, at.key, item, allowed);
      return undefined;
    }
    const node = { path: `${this.path(at.node, at.key)}[${at.index ?? 0}]`, value: item as Record<string, unknown> };
    this.rejectUnknown(node, known);
    return node;
  }

  /** A Kubernetes quantity ("500m", "2", "4Gi"), as written, within bounds in base units (cores or bytes). */
  quantity(node: Node | undefined, key: string, bounds: { min: number; max: number }, allowed: string): string | undefined {
    if (!node) return undefined;
    const raw = node.value[key];
    const text = typeof raw === "number" ? String(raw) : raw;
    const value = typeof text === "string" ? parseQuantity(text) : undefined;
    if (value === undefined || value < bounds.min || value > bounds.max) {
      this.problem(node, key, raw, allowed);
      return undefined;
    }
    return text as string;
  }

  /** A Prometheus-style duration ("30s", "15d"), within bounds in seconds. */
  duration(node: Node | undefined, key: string, bounds: { min: number; max: number }, allowed: string): string | undefined {
    if (!node) return undefined;
    const raw = node.value[key];
    const value = typeof raw === "string" ? parseDuration(raw) : undefined;
    if (value === undefined || value < bounds.min || value > bounds.max) {
      this.problem(node, key, raw, allowed);
      return undefined;
    }
    return raw as string;
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
