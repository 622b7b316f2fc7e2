import * as pulumi from "@pulumi/pulumi";

/**
 * The whole stack configuration, read once from `Pulumi.<stack>.yaml`, validated and defaulted.
 * Components receive slices of it as plain typed args; nothing else reads `pulumi.Config`.
 *
 * `clusterMode` decides where the workloads run: on an EKS cluster this program creates (`eks`,
 * the default), or on a cluster that already exists and is reached through a kubeconfig
 * (`existing`: kind, minikube, bare metal, an EKS cluster managed elsewhere), where no AWS resource
 * is created and the EKS-only sections are replaced by `existingCluster`.
 */
export type PlatformConfig = EksPlatformConfig | ExistingPlatformConfig;

export const CLUSTER_MODES = ["eks", "existing"] as const;
export type ClusterMode = (typeof CLUSTER_MODES)[number];

/** What both modes share: the workloads and how they are delivered. */
interface WorkloadsConfig {
  /** Pulumi stack name (`dev`, `prod`, ...). */
  stack: string;
  /** `production` turns on the prod-only guarantees: HA, private endpoint, protection of stateful resources. */
  tier: Tier;
  engine: EngineConfig;
  monitoring: MonitoringConfig;
  redis: RedisConfig;
  /**
   * GitOps export: the workloads' Kubernetes provider writes every object as YAML under this
   * directory (relative to the project) instead of applying it to the cluster.
   */
  renderYamlToDirectory?: string;
}

export interface EksPlatformConfig extends WorkloadsConfig {
  clusterMode: "eks";
  network: NetworkConfig;
  cluster: ClusterConfig;
  systemNodes: SystemNodesConfig;
  engineNodes: EngineNodesConfig;
  storage: StorageConfig;
  /** Backups (and the plugin charts they need) exist where S3 and EKS Pod Identity do. */
  timescaledb: TimescaleDbConfig & { charts: Required<TimescaleDbCharts>; backup: TimescaleDbBackupConfig };
}

export interface ExistingPlatformConfig extends WorkloadsConfig {
  clusterMode: "existing";
  existingCluster: ExistingClusterConfig;
  timescaledb: TimescaleDbConfig & { backup?: undefined };
}

/** A cluster the program does not create: how to reach it, and the facts the workloads' validation and network policies need. */
export interface ExistingClusterConfig {
  kubeconfig: KubeconfigSource;
  /** Kubernetes minor version of the cluster, e.g. "1.34". */
  kubernetesVersion: string;
  /** Zones (`topology.kubernetes.io/zone` values) the nodes span; 1 for kind or a single rack. */
  zones: number;
  /** Where the nodes (kubelets, host-network pods) and the API server's endpoints live. */
  nodeCidr: string;
  /** The cluster's Service range; its first address is the `kubernetes` Service. */
  serviceCidr: string;
  /** Port the API server's endpoints listen on behind the `kubernetes` Service (kubeadm and kind: 6443). */
  apiServerPort: number;
  /** The nodes labelled and tainted `node-type=high-performance` for the engine, prepared as `engineNodeRequirements` says. */
  engineNode: EngineNodeCapacity;
  /** StorageClasses of the cluster that play the roles of the classes the EKS mode creates. */
  storageClasses: StorageClassNames;
  /** Access mode of the engine's shared reference-data claim; ReadWriteOnce only for a single engine pod. */
  referenceDataAccessMode: ReferenceDataAccessMode;
}

/**
 * Where the kubeconfig comes from: a file path and/or a context in it; neither means the
 * `KUBECONFIG` environment variable or `~/.kube/config`. Never the file's contents: they carry
 * credentials and would end up in the stack file and the state.
 */
export interface KubeconfigSource {
  path?: string;
  context?: string;
}

export interface EngineNodeCapacity {
  /** Engine nodes available: engine pods never share a node, so this bounds engine.maxReplicas. */
  count: number;
  /** CPUs (hardware threads) the kubelet sees on one engine node. */
  cpus: number;
  memoryGiB: number;
  reservedSystemCpus: string;
  hugepages2Mi: number;
  kernel: KernelTuning;
}

/** The StorageClass playing each storage role the workloads use. */
export interface StorageClassNames {
  /** Latency-sensitive block volumes: engine logs and data, Redis, TimescaleDB, Prometheus. */
  fastSsd: string;
  /** General-purpose block volumes: Alertmanager. */
  gp3: string;
  /** A shared filesystem for the engine's reference data, which every engine pod mounts. */
  sharedFilesystem: string;
}

export const REFERENCE_DATA_ACCESS_MODES = ["ReadWriteMany", "ReadWriteOnce"] as const;
export type ReferenceDataAccessMode = (typeof REFERENCE_DATA_ACCESS_MODES)[number];

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

/** The trading engine StatefulSet and everything around it. */
export interface EngineConfig {
  /** Image reference pinned by tag (not `latest`) or digest. */
  image: string;
  replicas: number;
  /** HPA ceiling; one engine pod per node, so at most the number of engine nodes. */
  maxReplicas: number;
  /** PodDisruptionBudget; below replicas so node drains can proceed. */
  pdbMinAvailable: number;
  /** Whole cores (Guaranteed QoS with integer CPUs is what the static CPU manager pins). */
  cpu: number;
  memory: string;
  /** 2 MiB hugepages per pod, e.g. "2Gi"; at most what an engine node preallocates. */
  hugepages: string;
  ephemeralStorage: string;
  threads: number;
  logLevel: "debug" | "info" | "warn" | "error";
  symbols: string[];
  risk: { maxOrderSize: number; maxPositionSize: number; maxDailyLoss: number };
  /** Latency objectives in microseconds: alerts fire above targetP99Us; the HPA scales on hpaP99Us. */
  latency: { targetP99Us: number; targetP999Us: number; hpaP99Us: number };
  /** Application feature flags, written to application.yaml. */
  features: Record<string, boolean>;
  /** Host networking for the lowest network latency; relaxes the namespace's Pod Security level (documented exception). */
  hostNetwork: boolean;
  /**
   * The load balancer in front of the engine: client CIDRs, and the scheme of the AWS NLB that
   * `internal` asks for (required on EKS; on an existing cluster only set it for an AWS one, anywhere
   * else the cluster's own load-balancer implementation serves the Service).
   */
  exposure: { internal?: boolean; sourceRanges: string[] };
  /** Prometheus scrape interval for the engine, e.g. "1s". */
  metricsInterval: string;
  volumes: { logs: string; data: string; referenceData: string };
  logShipper: { image: string; cpu: string; memory: string };
  /** Image of the init container that waits for Redis and TimescaleDB. */
  initImage: string;
  /** ResourceQuota of the trading namespace; must fit maxReplicas engine pods. */
  quota: { cpu: string; memory: string; persistentVolumeClaims: number; loadBalancers: number; nodePorts: number };
}

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
  /** Volume size per replica on the fastSsd class ("50Gi"). */
  storageSize: string;
  /** Default scrape interval for targets that set none ("15s"). */
  scrapeInterval: string;
  resources: ContainerResources;
}

export interface AlertmanagerConfig {
  replicas: number;
  /** Volume size per replica on the gp3 class (silences and notification log). */
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
  /** Volume per data pod on the fastSsd class; at least twice `maxmemory` (the AOF and its rewrite). */
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
  const root = r.root(raw, [
    "tier",
    ...EKS_SECTIONS,
    "monitoring",
    "redis",
    "timescaledb",
    "engine",
    "clusterMode",
    "existingCluster",
    "renderYamlToDirectory",
  ]);

  const tier = r.oneOf(root, "tier", ["development", "production"] as const);
  const prod = tier === "production";
  const clusterMode = r.oneOf(root, "clusterMode", CLUSTER_MODES, { default: "eks" });
  if (prod && clusterMode === "existing") {
    // Production data needs backups, and only the eks mode has the S3 and Pod Identity they use.
    r.problem(root, "tier", tier, 'development with clusterMode "existing": production needs TimescaleDB backups, which only the eks mode provides');
  }
  const renderYamlToDirectory =
    root.value.renderYamlToDirectory === undefined
      ? undefined
      : r.string(root, "renderYamlToDirectory", {
          pattern: RELATIVE_DIRECTORY,
          allowed: 'a directory relative to the project, without "..", e.g. gitops/local (the workloads are written there as YAML instead of being applied)',
        });

  const platform = clusterMode === "eks" ? parseEksSections(r, root, prod) : clusterMode === "existing" ? parseExistingCluster(r, root) : undefined;
  const engine = parseEngineConfig(r, root, prod, clusterMode, platform?.engineHost);
  const timescaledb = parseTimescaleDbConfig(r, root, prod, clusterMode, platform?.databaseHost);
  const monitoring = parseMonitoringConfig(r, root, prod);
  const redis = parseRedisConfig(r, root, prod);
  if (platform?.mode === "existing" && engine && platform.config.referenceDataAccessMode === "ReadWriteOnce" && engine.maxReplicas > 1) {
    r.problem(
      platform.node,
      "referenceDataAccessMode",
      "ReadWriteOnce",
      `ReadWriteMany while engine.maxReplicas is ${engine.maxReplicas}: engine pods run one per node and every one mounts the reference data (ReadWriteOnce only with engine.maxReplicas 1)`,
    );
  }

  r.throwIfProblems();
  // Every field below was checked by the reader, which would have thrown otherwise.
  const workloads = {
    stack,
    tier: tier!,
    monitoring: monitoring!,
    redis: redis!,
    engine: engine!,
    ...(renderYamlToDirectory ? { renderYamlToDirectory } : {}),
  };
  // The mode decided whether the backup settings and plugin charts were required or refused.
  return platform!.mode === "eks"
    ? { clusterMode: "eks", ...workloads, ...platform!.config, timescaledb: timescaledb as EksPlatformConfig["timescaledb"] }
    : { clusterMode: "existing", ...workloads, existingCluster: platform!.config, timescaledb: timescaledb as ExistingPlatformConfig["timescaledb"] };
}

/** Sections that describe the AWS infrastructure this program creates in `eks` mode. */
const EKS_SECTIONS = ["network", "cluster", "systemNodes", "engineNodes", "storage"] as const;

/** Where each EKS-only section's job is done in `existing` mode. */
const EKS_SECTION_REPLACEMENTS: Record<(typeof EKS_SECTIONS)[number], string> = {
  network: "the node range and zones come from existingCluster.nodeCidr and existingCluster.zones",
  cluster: "the cluster is reached through existingCluster.kubeconfig; its version and Service range are existingCluster.kubernetesVersion and existingCluster.serviceCidr",
  systemNodes: "the cluster's own nodes run the system workloads",
  engineNodes: "describe the prepared engine nodes in existingCluster.engineNode (see the engineNodeRequirements output)",
  storage: "map the cluster's StorageClasses in existingCluster.storageClasses",
};

/** A path below the project directory: no absolute paths, no "..", no empty segments. */
const RELATIVE_DIRECTORY = /^(?!\.{1,2}(\/|$))(?!.*\/\.{1,2}(\/|$))[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*\/?$/;

/** What the engine's validation needs to know about the nodes it runs on. */
interface EngineHostFacts {
  /** How messages name the node: its instance type, or the existingCluster key describing it. */
  name?: string;
  vcpus?: number;
  memoryGiB?: number;
  reservedSystemCpus?: string;
  hugepages2Mi?: number;
  hugepagesKey: string;
  /** Engine nodes there can be, and the key that says so. */
  maxNodes?: number;
  maxNodesKey: string;
}

/** What TimescaleDB's validation needs to know about the cluster. */
interface DatabaseHostFacts {
  kubernetesVersion?: string;
  kubernetesVersionKey: string;
  zones?: number;
  zonesKey: string;
}

interface EksSections {
  mode: "eks";
  config: Pick<EksPlatformConfig, (typeof EKS_SECTIONS)[number]>;
  engineHost: EngineHostFacts;
  databaseHost: DatabaseHostFacts;
}

interface ExistingSections {
  mode: "existing";
  node?: Node;
  config: ExistingClusterConfig;
  engineHost: EngineHostFacts;
  databaseHost: DatabaseHostFacts;
}

function parseKubernetesVersion(r: ConfigReader, node: Node | undefined, what: "EKS" | "Kubernetes"): string | undefined {
  return r.string(node, "kubernetesVersion", {
    pattern: /^1\.(\d+)$/,
    allowed: `a quoted ${what} minor version "1.${MIN_KUBERNETES_MINOR}" or later (e.g. "1.34")`,
    check: (v) => Number(v.split(".")[1]) >= MIN_KUBERNETES_MINOR,
  });
}

/** Low-latency sysctls of the engine nodes, with defaults. */
function parseKernelTuning(r: ConfigReader, parent: Node | undefined): Partial<KernelTuning> {
  const kern = r.object(parent, "kernel", ["busyPollUs", "socketBufferBytes", "somaxconn", "tcpMaxSynBacklog"], { optional: true });
  return {
    busyPollUs: r.integer(kern, "busyPollUs", { min: 0, max: 1000 }, undefined, 50),
    socketBufferBytes: r.integer(kern, "socketBufferBytes", { min: 212992, max: 268435456 }, undefined, 16777216),
    somaxconn: r.integer(kern, "somaxconn", { min: 128, max: 65535 }, undefined, 4096),
    tcpMaxSynBacklog: r.integer(kern, "tcpMaxSynBacklog", { min: 128, max: 262144 }, undefined, 8192),
  };
}

/** reservedSystemCpus must leave CPUs for pods; hugepages at most half the node's memory. */
function parseEngineNodeTuning(
  r: ConfigReader,
  node: Node | undefined,
  size: { name: string; vcpus: number; memoryGiB: number } | undefined,
): { reservedSystemCpus?: string; hugepages2Mi?: number } {
  const reservedSystemCpus = r.string(node, "reservedSystemCpus", {
    pattern: /^\d+(-\d+)?(,\d+(-\d+)?)*$/,
    allowed: 'a cpuset such as "0-1" or "0-3,64-67"',
  });
  if (reservedSystemCpus && size) {
    const cpus = parseCpuSet(reservedSystemCpus);
    const highest = Math.max(...cpus);
    if (cpus.length === 0 || highest >= size.vcpus || cpus.length >= size.vcpus) {
      r.problem(node, "reservedSystemCpus", reservedSystemCpus, `CPUs below ${size.vcpus} on ${size.name}, leaving some for pods`);
    }
  }
  const maxPages = size ? Math.floor((size.memoryGiB * 1024 * MAX_HUGEPAGES_SHARE) / 2) : 1_000_000;
  const hugepages2Mi = r.integer(node, "hugepages2Mi", { min: 0, max: maxPages }, size ? `at most ${maxPages} (half of ${size.name}'s ${size.memoryGiB} GiB)` : undefined);
  return { reservedSystemCpus, hugepages2Mi };
}

/** The EKS mode: the VPC, the cluster and its node groups, and the storage this program creates. */
function parseEksSections(r: ConfigReader, root: Node, prod: boolean): EksSections {
  if (root.value.existingCluster !== undefined) {
    r.notAllowed(root, "existingCluster", 'only with clusterMode "existing" (this stack creates its EKS cluster from the network, cluster and node sections)');
  }
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
  const kubernetesVersion = parseKubernetesVersion(r, cl, "EKS");
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
  const { reservedSystemCpus, hugepages2Mi } = parseEngineNodeTuning(r, eng, size && { name: engineType!, ...size });
  const kernel = parseKernelTuning(r, eng);

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

  return {
    mode: "eks",
    config: {
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
    },
    engineHost: {
      name: engineType,
      ...size,
      reservedSystemCpus,
      hugepages2Mi,
      hugepagesKey: "engineNodes.hugepages2Mi",
      maxNodes: engineScaling?.maxSize,
      maxNodesKey: "engineNodes.maxSize",
    },
    databaseHost: { kubernetesVersion, kubernetesVersionKey: "cluster.kubernetesVersion", zones: availabilityZones, zonesKey: "network.availabilityZones" },
  };
}

/** A kubeconfig file path; kubeconfig contents (YAML or JSON) are refused. */
export function isKubeconfigPath(value: string): boolean {
  return value.length <= 4096 && !/[\n\r\t\0]/.test(value) && !/^\s*[{[]/.test(value) && !/(apiVersion|clusters|current-context|client-key-data|token)\s*:/.test(value);
}

/** DNS subdomain, as Kubernetes object names are. */
const STORAGE_CLASS_NAME = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

/** What each storage role is for, so a missing mapping says what it would break. */
const STORAGE_ROLES: Record<keyof StorageClassNames, string> = {
  fastSsd: "the StorageClass for latency-sensitive block volumes (engine logs and data, Redis, TimescaleDB data and WAL, Prometheus), ReadWriteOnce, e.g. standard on kind",
  gp3: "the StorageClass for general-purpose block volumes (Alertmanager), ReadWriteOnce, e.g. standard on kind",
  sharedFilesystem:
    "the StorageClass of the engine's reference data, which every engine pod mounts: ReadWriteMany (an NFS or CephFS class such as nfs-client), or a ReadWriteOnce class such as kind's standard with referenceDataAccessMode: ReadWriteOnce and a single engine pod",
};

/** The existing mode: a cluster reached through a kubeconfig; the EKS-only sections are errors here. */
function parseExistingCluster(r: ConfigReader, root: Node): ExistingSections {
  for (const key of EKS_SECTIONS) {
    if (root.value[key] !== undefined) {
      r.notAllowed(root, key, `EKS-only: with clusterMode "existing" no AWS resource is created; ${EKS_SECTION_REPLACEMENTS[key]}`);
    }
  }
  const ex = r.object(root, "existingCluster", [
    "kubeconfig",
    "kubernetesVersion",
    "zones",
    "nodeCidr",
    "serviceCidr",
    "apiServerPort",
    "engineNode",
    "storageClasses",
    "referenceDataAccessMode",
  ]);

  const kc = r.object(ex, "kubeconfig", ["path", "context"], { optional: true });
  const path =
    kc?.value.path === undefined
      ? undefined
      : r.string(kc, "path", {
          pattern: /./,
          allowed: "a path to a kubeconfig file, e.g. ~/.kube/config or ./kubeconfig-hft.yaml; never the file's contents, which carry credentials (leave kubeconfig out to use KUBECONFIG or ~/.kube/config)",
          check: isKubeconfigPath,
        });
  const context = kc?.value.context === undefined ? undefined : r.string(kc, "context", { pattern: /^\S{1,253}$/, allowed: "the name of a context in the kubeconfig, e.g. kind-hft" });

  const kubernetesVersion = parseKubernetesVersion(r, ex, "Kubernetes");
  const zones = r.integer(ex, "zones", { min: 1, max: 10 }, "the number of zones the nodes span, 1 to 10 (1 for kind or a single rack)");
  const nodeCidr = r.cidr(ex, "nodeCidr", { minPrefix: 8, maxPrefix: 28 });
  const serviceCidr = r.cidr(ex, "serviceCidr", { minPrefix: 12, maxPrefix: 24 });
  if (serviceCidr && nodeCidr && cidrsOverlap(serviceCidr, nodeCidr)) {
    r.problem(ex, "serviceCidr", serviceCidr, `the cluster's Service range, which does not overlap existingCluster.nodeCidr ${nodeCidr}`);
  }
  const apiServerPort = r.integer(ex, "apiServerPort", { min: 1, max: 65535 }, "the port of the API server's endpoints, 1 to 65535 (kubeadm and kind: 6443)", 6443);

  const en = r.object(ex, "engineNode", ["count", "cpus", "memoryGiB", "reservedSystemCpus", "hugepages2Mi", "kernel"]);
  const count = r.integer(en, "count", { min: 1, max: 100 }, "the number of nodes labelled and tainted node-type=high-performance, 1 to 100");
  const cpus = r.integer(en, "cpus", { min: 2, max: 1024 }, "the CPUs (hardware threads) of one engine node, 2 to 1024");
  const memoryGiB = r.integer(en, "memoryGiB", { min: 1, max: 16384 }, "the memory of one engine node in GiB, 1 to 16384");
  const size = cpus !== undefined && memoryGiB !== undefined ? { name: "existingCluster.engineNode", vcpus: cpus, memoryGiB } : undefined;
  const { reservedSystemCpus, hugepages2Mi } = parseEngineNodeTuning(r, en, size);
  const kernel = parseKernelTuning(r, en);

  const sc = r.object(ex, "storageClasses", Object.keys(STORAGE_ROLES), { optional: true });
  const storageClass = (role: keyof StorageClassNames) => r.string(sc, role, { pattern: STORAGE_CLASS_NAME, allowed: STORAGE_ROLES[role] });
  const storageClasses = { fastSsd: storageClass("fastSsd"), gp3: storageClass("gp3"), sharedFilesystem: storageClass("sharedFilesystem") };
  const referenceDataAccessMode = r.oneOf(ex, "referenceDataAccessMode", REFERENCE_DATA_ACCESS_MODES, { default: "ReadWriteMany" });

  return {
    mode: "existing",
    node: ex,
    config: {
      kubeconfig: { ...(path ? { path } : {}), ...(context ? { context } : {}) },
      kubernetesVersion: kubernetesVersion!,
      zones: zones!,
      nodeCidr: nodeCidr!,
      serviceCidr: serviceCidr!,
      apiServerPort: apiServerPort!,
      engineNode: {
        count: count!,
        cpus: cpus!,
        memoryGiB: memoryGiB!,
        reservedSystemCpus: reservedSystemCpus!,
        hugepages2Mi: hugepages2Mi!,
        kernel: kernel as KernelTuning,
      },
      storageClasses: storageClasses as StorageClassNames,
      referenceDataAccessMode: referenceDataAccessMode!,
    },
    engineHost: {
      name: size?.name,
      vcpus: cpus,
      memoryGiB,
      reservedSystemCpus,
      hugepages2Mi,
      hugepagesKey: "existingCluster.engineNode.hugepages2Mi",
      maxNodes: count,
      maxNodesKey: "existingCluster.engineNode.count",
    },
    databaseHost: { kubernetesVersion, kubernetesVersionKey: "existingCluster.kubernetesVersion", zones, zonesKey: "existingCluster.zones" },
  };
}

function sizeAllowed(max?: string): string {
  return `a size such as "512Mi" or "16Gi"${max ? `, at most ${max}` : ""}`;
}

function cpuAllowed(max?: string): string {
  return `CPUs such as "2" or "500m"${max ? `, at most ${max}` : ""}`;
}

/** Repository part of an image reference: optional registry host (and port), then path components. */
const IMAGE_REPOSITORY = /^[a-z0-9]+([._-][a-z0-9]+)*(:\d+)?(\/[a-z0-9]+([._-][a-z0-9]+)*)*$/;
const PINNED_IMAGE_ALLOWED = 'an image pinned by a tag other than "latest" (repo/name:v1.2.3) or by digest (repo/name@sha256:…)';

/** An image reference that must be pinned (any repository). */
function pinnedImage(r: ConfigReader, node: Node | undefined, key: string): string | undefined {
  return r.string(node, key, { pattern: /./, allowed: PINNED_IMAGE_ALLOWED, check: isPinnedImage });
}

/** True for `repo:tag` with a tag other than latest, or `repo[:tag]@sha256:<64 hex>`. */
export function isPinnedImage(image: string): boolean {
  const [reference, digest] = image.split("@");
  const tagged = /^(.+):([\w][\w.-]{0,127})$/.exec(reference);
  const repository = tagged && !tagged[2].includes("/") ? tagged[1] : reference;
  if (!IMAGE_REPOSITORY.test(repository)) return false;
  if (digest !== undefined) return /^sha256:[a-f0-9]{64}$/.test(digest);
  return tagged !== null && tagged[2] !== "latest";
}

function parseEngineConfig(
  r: ConfigReader,
  root: Node,
  prod: boolean,
  mode: ClusterMode | undefined,
  nodes: EngineHostFacts | undefined,
): EngineConfig | undefined {
  const eng = r.object(root, "engine", [
    "image",
    "replicas",
    "maxReplicas",
    "pdbMinAvailable",
    "cpu",
    "memory",
    "hugepages",
    "ephemeralStorage",
    "threads",
    "logLevel",
    "symbols",
    "risk",
    "latency",
    "features",
    "hostNetwork",
    "exposure",
    "metricsInterval",
    "volumes",
    "logShipper",
    "initImage",
    "quota",
  ]);
  const image = pinnedImage(r, eng, "image");
  const replicas = r.integer(eng, "replicas", prod ? { min: 3, max: 50 } : { min: 1, max: 50 }, prod ? "an integer from 3 in production" : undefined);
  const maxReplicas = r.integer(eng, "maxReplicas", { min: 1, max: 50 });
  if (replicas !== undefined && maxReplicas !== undefined && maxReplicas < replicas) {
    r.problem(eng, "maxReplicas", maxReplicas, `at least engine.replicas (${replicas})`);
  }
  if (maxReplicas !== undefined && nodes?.maxNodes !== undefined && maxReplicas > nodes.maxNodes) {
    r.problem(eng, "maxReplicas", maxReplicas, `at most ${nodes.maxNodesKey} (${nodes.maxNodes}): engine pods never share a node`);
  }
  const defaultMinAvailable = replicas !== undefined ? Math.max(replicas - 1, replicas > 1 ? 1 : 0) : undefined;
  const pdbMinAvailable = r.integer(eng, "pdbMinAvailable", { min: 0, max: 50 }, undefined, defaultMinAvailable);
  if (pdbMinAvailable !== undefined && replicas !== undefined && (pdbMinAvailable >= replicas || (replicas > 1 && pdbMinAvailable < 1))) {
    r.problem(eng, "pdbMinAvailable", pdbMinAvailable, `from 1 to ${replicas - 1} with ${replicas} replicas: at least one pod must stay up, and minAvailable = replicas would block every node drain`);
  }

  const size = nodes?.vcpus !== undefined && nodes.memoryGiB !== undefined ? { vcpus: nodes.vcpus, memoryGiB: nodes.memoryGiB } : undefined;
  const reserved = nodes?.reservedSystemCpus ? parseCpuSet(nodes.reservedSystemCpus).length : 0;
  const allocatableCpus = size ? size.vcpus - reserved : undefined;
  // Integer CPUs only: the static CPU manager pins whole cores to Guaranteed containers, never fractions.
  const cpu = r.integer(eng, "cpu", { min: 1, max: allocatableCpus ? allocatableCpus - 1 : 128 }, allocatableCpus
    ? `a whole number of CPUs from 1 to ${allocatableCpus - 1} (${nodes?.name} has ${allocatableCpus} unreserved; one stays for the sidecar and daemons)`
    : "a whole number of CPUs");
  const memory = r.quantity(eng, "memory", { min: 512 * MiB, max: size ? (size.memoryGiB * GiB) / 2 : 512 * GiB }, sizeAllowed(size ? `half of ${nodes?.name}'s memory` : undefined), { kind: "binary" });
  const hugepagesPerNode = nodes?.hugepages2Mi !== undefined ? nodes.hugepages2Mi * 2 * MiB : undefined;
  const hugepages = r.quantity(eng, "hugepages", { min: 2 * MiB, max: hugepagesPerNode ?? 512 * GiB }, sizeAllowed(hugepagesPerNode !== undefined ? `${nodes?.hugepagesKey} × 2Mi = ${hugepagesPerNode / MiB}Mi per node` : undefined), { kind: "binary" });
  if (hugepages !== undefined && parseQuantity(hugepages)! % (2 * MiB) !== 0) r.problem(eng, "hugepages", hugepages, "a multiple of 2Mi");
  const ephemeralStorage = r.quantity(eng, "ephemeralStorage", { min: GiB, max: 100 * GiB }, sizeAllowed(), { kind: "binary", fallback: "10Gi" });
  const threads = r.integer(eng, "threads", { min: 1, max: 128 }, undefined, cpu ?? 8);
  const logLevel = r.oneOf(eng, "logLevel", ["debug", "info", "warn", "error"] as const, { default: "info" });
  if (prod && logLevel === "debug") r.problem(eng, "logLevel", "debug", "info, warn or error in production");
  const symbols = r.list(eng, "symbols", (item, at) => r.stringValue(item, at, /^[A-Z][A-Z0-9.]{0,15}$/, "ticker symbols such as AAPL"));
  if (eng && symbols.length === 0) r.problem(eng, "symbols", [], "at least one symbol");

  const risk = r.object(eng, "risk", ["maxOrderSize", "maxPositionSize", "maxDailyLoss"]);
  const maxOrderSize = r.integer(risk, "maxOrderSize", { min: 1, max: 1e9 });
  const maxPositionSize = r.integer(risk, "maxPositionSize", { min: 1, max: 1e10 });
  const maxDailyLoss = r.integer(risk, "maxDailyLoss", { min: 1, max: 1e10 });
  if (maxOrderSize !== undefined && maxPositionSize !== undefined && maxOrderSize > maxPositionSize) {
    r.problem(risk, "maxOrderSize", maxOrderSize, `at most risk.maxPositionSize (${maxPositionSize})`);
  }

  const lat = r.object(eng, "latency", ["targetP99Us", "targetP999Us", "hpaP99Us"]);
  const targetP99Us = r.integer(lat, "targetP99Us", { min: 1, max: 1_000_000 });
  const targetP999Us = r.integer(lat, "targetP999Us", { min: 1, max: 1_000_000 });
  if (targetP99Us !== undefined && targetP999Us !== undefined && targetP999Us < targetP99Us) {
    r.problem(lat, "targetP999Us", targetP999Us, `at least targetP99Us (${targetP99Us})`);
  }
  const hpaP99Us = r.integer(lat, "hpaP99Us", { min: 1, max: 1_000_000 });
  if (hpaP99Us !== undefined && targetP99Us !== undefined && hpaP99Us > targetP99Us) {
    r.problem(lat, "hpaP99Us", hpaP99Us, `at most targetP99Us (${targetP99Us}): scale out before the latency alert fires`);
  }

  const features: Record<string, boolean> = {};
  const featureNode = r.object(eng, "features", [], { optional: true, open: true });
  for (const key of Object.keys(featureNode?.value ?? {})) {
    if (!/^[a-z][a-zA-Z0-9]*$/.test(key)) r.problem(featureNode, key, key, "camelCase feature names");
    const flag = r.boolean(featureNode, key, { required: true });
    if (flag !== undefined) features[key] = flag;
  }

  const hostNetwork = r.boolean(eng, "hostNetwork", { required: false, default: false });
  const exp = r.object(eng, "exposure", ["internal", "sourceRanges"]);
  // The NLB's scheme: required where this program creates an EKS cluster; elsewhere only for an AWS cluster.
  const internal = mode === "existing" && exp?.value.internal === undefined ? undefined : r.boolean(exp, "internal", { required: true });
  const sourceRanges = r.list(exp, "sourceRanges", (item, at) => r.cidrValue(item, at));
  if (exp && sourceRanges.length === 0) r.problem(exp, "sourceRanges", [], "at least one client CIDR for the load balancer");
  for (const cidr of sourceRanges) {
    if (cidr.endsWith("/0")) r.problem(exp, "sourceRanges", cidr, "specific client CIDRs, not the whole internet");
  }
  const metricsInterval = r.string(eng, "metricsInterval", { pattern: /^\d+(ms|s|m)$/, allowed: 'a Prometheus duration such as "1s" or "15s"' });

  const vol = r.object(eng, "volumes", ["logs", "data", "referenceData"]);
  const logs = r.quantity(vol, "logs", { min: GiB, max: 16 * TiB }, sizeAllowed(), { kind: "binary" });
  const data = r.quantity(vol, "data", { min: GiB, max: 16 * TiB }, sizeAllowed(), { kind: "binary" });
  const referenceData = r.quantity(vol, "referenceData", { min: GiB, max: 8 * 1024 * TiB }, sizeAllowed(), { kind: "binary" });

  const ship = r.object(eng, "logShipper", ["image", "cpu", "memory"]);
  const shipperImage = pinnedImage(r, ship, "image");
  const shipperCpu = r.quantity(ship, "cpu", { min: 0.01, max: 2 }, cpuAllowed(), { kind: "cpu" });
  const shipperMemory = r.quantity(ship, "memory", { min: 16 * MiB, max: 4 * GiB }, sizeAllowed(), { kind: "binary" });
  const initImage = pinnedImage(r, eng, "initImage");

  const q = r.object(eng, "quota", ["cpu", "memory", "persistentVolumeClaims", "loadBalancers", "nodePorts"]);
  const quotaCpu = r.quantity(q, "cpu", { min: 1, max: 10_000 }, cpuAllowed(), { kind: "cpu" });
  const quotaMemory = r.quantity(q, "memory", { min: GiB, max: 100 * TiB }, sizeAllowed(), { kind: "binary" });
  const quotaPvcs = r.integer(q, "persistentVolumeClaims", { min: 1, max: 1000 });
  const loadBalancers = r.integer(q, "loadBalancers", { min: 1, max: 100 });
  const nodePorts = r.integer(q, "nodePorts", { min: 0, max: 100 });
  if (maxReplicas !== undefined && cpu !== undefined && shipperCpu !== undefined && quotaCpu !== undefined) {
    const needed = maxReplicas * (cpu + parseQuantity(shipperCpu)!);
    if (parseQuantity(quotaCpu)! < needed) r.problem(q, "cpu", quotaCpu, `at least ${needed} to run engine.maxReplicas (${maxReplicas}) pods`);
  }
  if (maxReplicas !== undefined && memory !== undefined && shipperMemory !== undefined && quotaMemory !== undefined) {
    const needed = maxReplicas * (parseQuantity(memory)! + parseQuantity(shipperMemory)!);
    if (parseQuantity(quotaMemory)! < needed) r.problem(q, "memory", quotaMemory, `at least ${Math.ceil(needed / GiB)}Gi to run engine.maxReplicas (${maxReplicas}) pods`);
  }
  if (maxReplicas !== undefined && quotaPvcs !== undefined && quotaPvcs < 2 * maxReplicas + 1) {
    r.problem(q, "persistentVolumeClaims", quotaPvcs, `at least ${2 * maxReplicas + 1} (logs and data per pod, plus the shared reference data)`);
  }

  if (!eng) return undefined;
  return {
    image: image!,
    replicas: replicas!,
    maxReplicas: maxReplicas!,
    pdbMinAvailable: pdbMinAvailable!,
    cpu: cpu!,
    memory: memory!,
    hugepages: hugepages!,
    ephemeralStorage: ephemeralStorage!,
    threads: threads!,
    logLevel: logLevel!,
    symbols,
    risk: { maxOrderSize: maxOrderSize!, maxPositionSize: maxPositionSize!, maxDailyLoss: maxDailyLoss! },
    latency: { targetP99Us: targetP99Us!, targetP999Us: targetP999Us!, hpaP99Us: hpaP99Us! },
    features,
    hostNetwork: hostNetwork!,
    exposure: { ...(internal !== undefined ? { internal } : {}), sourceRanges },
    metricsInterval: metricsInterval!,
    volumes: { logs: logs!, data: data!, referenceData: referenceData! },
    logShipper: { image: shipperImage!, cpu: shipperCpu!, memory: shipperMemory! },
    initImage: initImage!,
    quota: { cpu: quotaCpu!, memory: quotaMemory!, persistentVolumeClaims: quotaPvcs!, loadBalancers: loadBalancers!, nodePorts: nodePorts! },
  };
}

/** TimescaleDB on CloudNativePG: operator versions, image, topology, sizing, PostgreSQL settings and backups. */
export interface TimescaleDbConfig {
  charts: TimescaleDbCharts;
  /** PostgreSQL major version of the image; the ImageCatalog pins image and major together. */
  postgresMajor: number;
  /** PostgreSQL image, pinned; it carries TimescaleDB itself unless timescaledbExtensionImage is set. */
  image: string;
  /** uid/gid of the image's postgres user (timescale/timescaledb-ha: 1000; CloudNativePG's own images: 26). */
  postgresUid: number;
  /** CloudNativePG extension image (timescaledb-oss) mounted as an image volume: PostgreSQL 18+ and Kubernetes 1.35+ only. */
  timescaledbExtensionImage?: string;
  /** TimescaleDB version the image ships; the Database resource keeps the extension at it. */
  timescaledbVersion: string;
  /** PostgreSQL instances: one primary, the rest hot standbys (production: one per availability zone). */
  instances: number;
  antiAffinity: { type: "required" | "preferred"; topologyKey: AntiAffinityTopology };
  /** Quorum synchronous replication: standbys every commit waits for (0 = asynchronous), and what happens when too few are up. */
  synchronous: { number: number; dataDurability: "required" | "preferred" };
  /** Volume sizes on the fastSsd class: data (PGDATA) and the separate WAL volume. */
  storage: { size: string; walSize: string };
  /** Requests, and limits (equal to requests unless given; production: always equal, Guaranteed QoS). */
  resources: { cpu: string; memory: string; limits?: { cpu: string; memory: string } };
  /** Application database and its owning role. */
  database: string;
  owner: string;
  parameters: PostgresParameters;
  /** Base backups and WAL archiving to S3 (eks mode only: they need S3 and EKS Pod Identity). */
  backup?: TimescaleDbBackupConfig;
}

/** Helm chart versions, exact: the CloudNativePG operator; its Barman Cloud plugin and cert-manager (the plugin's TLS) only with backups. */
export interface TimescaleDbCharts {
  cloudnativePg: string;
  barmanCloud?: string;
  certManager?: string;
}

export const ANTI_AFFINITY_TOPOLOGIES = ["topology.kubernetes.io/zone", "kubernetes.io/hostname"] as const;
export type AntiAffinityTopology = (typeof ANTI_AFFINITY_TOPOLOGIES)[number];

/** PostgreSQL settings the platform tunes; sizes in PostgreSQL units ("8GB", "64MB"). */
export interface PostgresParameters {
  sharedBuffers: string;
  effectiveCacheSize: string;
  workMem: string;
  maintenanceWorkMem: string;
  maxWalSize: string;
  maxConnections: number;
  maxWorkerProcesses: number;
  maxParallelWorkers: number;
  timescaledbMaxBackgroundWorkers: number;
  maxLocksPerTransaction: number;
}

export interface TimescaleDbBackupConfig {
  /** Base backups: 6-field cron with seconds, as CloudNativePG's ScheduledBackup reads it (production: at least daily). */
  schedule: string;
  /** Recovery window kept in the object store, e.g. "30d" (days, weeks or months). */
  retention: string;
  /** Days S3 keeps object versions that Barman's retention deleted or overwrote. */
  noncurrentVersionDays: number;
  /** Alert when the newest base backup is older than this. */
  maxAgeHours: number;
  /** The Barman Cloud sidecar in every instance pod (requests = limits). */
  sidecar: { cpu: string; memory: string };
}

const EXACT_SEMVER = /^v?\d+\.\d+\.\d+$/;
const POSTGRES_IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;
const PG_SIZE_UNITS: Record<string, number> = { kB: 1024, MB: 1024 ** 2, GB: 1024 ** 3, TB: 1024 ** 4 };

/** A PostgreSQL memory setting ("8GB", "64MB", "512kB") in bytes, or undefined if malformed (units are case-sensitive). */
export function postgresSizeBytes(size: string): number | undefined {
  const m = /^([1-9]\d*)(kB|MB|GB|TB)$/.exec(size);
  return m ? Number(m[1]) * PG_SIZE_UNITS[m[2]] : undefined;
}

/** Image volumes are on by default from Kubernetes 1.35; EKS offers no way to turn the feature gate on before. */
export const IMAGE_VOLUME_MIN_KUBERNETES_MINOR = 35;
/** extension_control_path, which extension images rely on, arrived in PostgreSQL 18. */
export const IMAGE_VOLUME_MIN_POSTGRES_MAJOR = 18;

function parseTimescaleDbConfig(
  r: ConfigReader,
  root: Node,
  prod: boolean,
  mode: ClusterMode | undefined,
  cluster: DatabaseHostFacts | undefined,
): TimescaleDbConfig | undefined {
  // Backups go to S3 through EKS Pod Identity: only the eks mode has both.
  const backups = mode !== "existing";
  const backupsOnly = 'none with clusterMode "existing": backups go to S3 through EKS Pod Identity, which only the eks mode creates; on your own cluster add object storage yourself (README, "Run on your own cluster")';
  const ts = r.object(root, "timescaledb", [
    "charts",
    "postgresMajor",
    "image",
    "postgresUid",
    "timescaledbExtensionImage",
    "timescaledbVersion",
    "instances",
    "antiAffinity",
    "synchronous",
    "storage",
    "resources",
    "database",
    "owner",
    "parameters",
    "backup",
  ]);
  const charts = r.object(ts, "charts", ["cloudnativePg", "barmanCloud", "certManager"]);
  const chartVersion = (key: string) => r.string(charts, key, { pattern: EXACT_SEMVER, allowed: 'an exact chart version such as "0.29.0" (no ranges)' });
  const backupChart = (key: string) => {
    if (backups) return chartVersion(key);
    if (charts?.value[key] !== undefined) r.notAllowed(charts, key, `${backupsOnly} (the Barman Cloud plugin and cert-manager are only installed for backups)`);
    return undefined;
  };
  const cloudnativePg = chartVersion("cloudnativePg");
  const barmanCloud = backupChart("barmanCloud");
  const certManager = backupChart("certManager");

  const postgresMajor = r.integer(ts, "postgresMajor", { min: 15, max: 18 }, "a PostgreSQL major version CloudNativePG supports, 15 to 18");
  const image = pinnedImage(r, ts, "image");
  if (image && postgresMajor !== undefined && !imageTag(image).match(new RegExp(`^(pg)?${postgresMajor}([.-]|$)`))) {
    r.problem(ts, "image", image, `an image whose tag names PostgreSQL ${postgresMajor} (e.g. "pg${postgresMajor}.4-ts2.28.2" or "${postgresMajor}.4-minimal-trixie"), matching timescaledb.postgresMajor`);
  }
  const postgresUid = r.integer(ts, "postgresUid", { min: 1, max: 65535 }, "the uid of the image's postgres user, 1 to 65535 (never root)");
  const extensionImage =
    ts?.value.timescaledbExtensionImage === undefined
      ? undefined
      : pinnedImage(r, ts, "timescaledbExtensionImage");
  if (extensionImage) {
    const minor = cluster?.kubernetesVersion ? Number(cluster.kubernetesVersion.split(".")[1]) : undefined;
    if (postgresMajor !== undefined && postgresMajor < IMAGE_VOLUME_MIN_POSTGRES_MAJOR) {
      r.problem(ts, "timescaledbExtensionImage", extensionImage, `an extension image only with timescaledb.postgresMajor ${IMAGE_VOLUME_MIN_POSTGRES_MAJOR} or later (extension_control_path); otherwise use an image with TimescaleDB installed`);
    } else if (minor !== undefined && minor < IMAGE_VOLUME_MIN_KUBERNETES_MINOR) {
      r.problem(ts, "timescaledbExtensionImage", extensionImage, `an extension image only on Kubernetes 1.${IMAGE_VOLUME_MIN_KUBERNETES_MINOR} or later (image volumes; ${cluster?.kubernetesVersionKey} is ${cluster?.kubernetesVersion}); otherwise use an image with TimescaleDB installed`);
    } else if (postgresMajor !== undefined && !new RegExp(`-${postgresMajor}-`).test(imageTag(extensionImage))) {
      r.problem(ts, "timescaledbExtensionImage", extensionImage, `an extension image built for PostgreSQL ${postgresMajor} (tag "<version>-${postgresMajor}-<os>")`);
    } else if (prod) {
      r.problem(ts, "timescaledbExtensionImage", extensionImage, "none in production: timescaledb-oss is the Apache-2 edition, without the compression and retention policies the market-data schema relies on");
    }
  }
  const timescaledbVersion = r.string(ts, "timescaledbVersion", { pattern: /^\d+\.\d+\.\d+$/, allowed: 'the exact TimescaleDB version the image ships, e.g. "2.28.2"' });
  const timescaleImage = extensionImage ?? image;
  if (timescaledbVersion && timescaleImage && !imageTag(timescaleImage).includes(timescaledbVersion)) {
    r.problem(ts, "timescaledbVersion", timescaledbVersion, `the TimescaleDB version in the tag of ${timescaleImage}`);
  }

  const instances = r.integer(ts, "instances", prod ? { min: 3, max: 9 } : { min: 1, max: 9 }, prod ? "3 to 9 in production (a primary and a standby in two other zones)" : undefined);
  const aff = r.object(ts, "antiAffinity", ["type", "topologyKey"]);
  const antiAffinityType = r.oneOf(aff, "type", ["required", "preferred"] as const);
  const topologyKey = r.oneOf(aff, "topologyKey", ANTI_AFFINITY_TOPOLOGIES);
  if (prod && antiAffinityType === "preferred") r.problem(aff, "type", "preferred", "required in production (two instances must never share a failure domain)");
  if (prod && topologyKey === "kubernetes.io/hostname") r.problem(aff, "topologyKey", topologyKey, "topology.kubernetes.io/zone in production (survive the loss of a zone)");
  if (antiAffinityType === "required" && topologyKey === "topology.kubernetes.io/zone" && instances !== undefined && cluster?.zones !== undefined && instances > cluster.zones) {
    r.problem(ts, "instances", instances, `at most ${cluster.zonesKey} (${cluster.zones}) with required zone anti-affinity, or the extra instances never schedule`);
  }

  const sync = r.object(ts, "synchronous", ["number", "dataDurability"]);
  const maxSync = instances !== undefined ? instances - 1 : 8;
  const syncNumber = r.integer(sync, "number", { min: prod ? 1 : 0, max: Math.max(maxSync, prod ? 1 : 0) }, prod ? `1 to ${maxSync} in production (no acknowledged commit lost on failover), at most instances - 1` : `0 (asynchronous) to ${maxSync}, at most instances - 1`);
  const dataDurability = r.oneOf(sync, "dataDurability", ["required", "preferred"] as const, { default: "required" });

  const sto = r.object(ts, "storage", ["size", "walSize"]);
  const size = r.quantity(sto, "size", { min: GiB, max: 16 * TiB }, sizeAllowed("16Ti (the gp3 limit)"), { kind: "binary" });
  const walSize = r.quantity(sto, "walSize", { min: GiB, max: 16 * TiB }, sizeAllowed("16Ti (the gp3 limit)"), { kind: "binary" });

  const res = r.object(ts, "resources", ["cpu", "memory", "limits"]);
  const cpu = r.quantity(res, "cpu", { min: 0.25, max: 64 }, cpuAllowed(), { kind: "cpu" });
  const memory = r.quantity(res, "memory", { min: 512 * MiB, max: 512 * GiB }, sizeAllowed(), { kind: "binary" });
  const lim = res?.value.limits === undefined ? undefined : r.object(res, "limits", ["cpu", "memory"]);
  const cpuLimit = lim ? r.quantity(lim, "cpu", { min: 0.25, max: 64 }, cpuAllowed(), { kind: "cpu" }) : cpu;
  const memoryLimit = lim ? r.quantity(lim, "memory", { min: 512 * MiB, max: 512 * GiB }, sizeAllowed(), { kind: "binary" }) : memory;
  if (lim && cpu && memory && cpuLimit && memoryLimit) {
    if (prod && (parseQuantity(cpuLimit) !== parseQuantity(cpu) || parseQuantity(memoryLimit) !== parseQuantity(memory))) {
      r.problem(res, "limits", lim.value, "none in production, or equal to the requests (Guaranteed QoS: the database is never the first pod evicted)");
    } else if (parseQuantity(cpuLimit)! < parseQuantity(cpu)! || parseQuantity(memoryLimit)! < parseQuantity(memory)!) {
      r.problem(res, "limits", lim.value, "limits at least the requests");
    }
  }

  const identifier = (key: string) => r.string(ts, key, { pattern: POSTGRES_IDENTIFIER, allowed: "a lower-case PostgreSQL identifier (letters, digits, _), at most 63 characters" });
  const database = identifier("database");
  const owner = identifier("owner");
  if (owner === "postgres" || owner?.startsWith("pg_") || owner?.startsWith("cnpg_")) r.problem(ts, "owner", owner, "an application role, not postgres or a reserved pg_/cnpg_ name");

  const par = r.object(ts, "parameters", [
    "sharedBuffers",
    "effectiveCacheSize",
    "workMem",
    "maintenanceWorkMem",
    "maxWalSize",
    "maxConnections",
    "maxWorkerProcesses",
    "maxParallelWorkers",
    "timescaledbMaxBackgroundWorkers",
    "maxLocksPerTransaction",
  ]);
  const pgSize = (key: string) => r.string(par, key, { pattern: /./, allowed: 'a PostgreSQL size such as "64MB" or "8GB" (kB, MB, GB, TB)', check: (v) => postgresSizeBytes(v) !== undefined });
  const sharedBuffers = pgSize("sharedBuffers");
  const effectiveCacheSize = pgSize("effectiveCacheSize");
  const workMem = pgSize("workMem");
  const maintenanceWorkMem = pgSize("maintenanceWorkMem");
  const maxWalSize = pgSize("maxWalSize");
  const maxConnections = r.integer(par, "maxConnections", { min: 10, max: 5000 });
  const maxParallelWorkers = r.integer(par, "maxParallelWorkers", { min: 0, max: 64 });
  const bgWorkers = r.integer(par, "timescaledbMaxBackgroundWorkers", { min: 1, max: 128 });
  const maxWorkerProcesses = r.integer(par, "maxWorkerProcesses", { min: 8, max: 256 });
  if (maxWorkerProcesses !== undefined && maxParallelWorkers !== undefined && bgWorkers !== undefined && maxWorkerProcesses < bgWorkers + maxParallelWorkers + 3) {
    r.problem(par, "maxWorkerProcesses", maxWorkerProcesses, `at least timescaledbMaxBackgroundWorkers + maxParallelWorkers + 3 = ${bgWorkers + maxParallelWorkers + 3} (TimescaleDB's scheduler and jobs take worker slots)`);
  }
  const maxLocksPerTransaction = r.integer(par, "maxLocksPerTransaction", { min: 64, max: 4096 });
  const memoryBytes = memory ? parseQuantity(memory)! : undefined;
  if (sharedBuffers && memoryBytes && postgresSizeBytes(sharedBuffers)! > 0.4 * memoryBytes) {
    r.problem(par, "sharedBuffers", sharedBuffers, `at most 40% of timescaledb.resources.memory (${memory}); 25% is the usual starting point`);
  }
  const memoryLimitBytes = memoryLimit ? parseQuantity(memoryLimit) : undefined;
  if (effectiveCacheSize && memoryLimitBytes && postgresSizeBytes(effectiveCacheSize)! > memoryLimitBytes) {
    r.problem(par, "effectiveCacheSize", effectiveCacheSize, `at most the memory limit (${memoryLimit})`);
  }
  if (workMem && maintenanceWorkMem && memoryBytes && postgresSizeBytes(maintenanceWorkMem)! > 0.25 * memoryBytes) {
    r.problem(par, "maintenanceWorkMem", maintenanceWorkMem, `at most 25% of timescaledb.resources.memory (${memory})`);
  }
  if (maxWalSize && walSize && postgresSizeBytes(maxWalSize)! > 0.5 * parseQuantity(walSize)!) {
    r.problem(par, "maxWalSize", maxWalSize, `at most half of timescaledb.storage.walSize (${walSize}), leaving room for WAL waiting to be archived`);
  }

  if (!backups && ts?.value.backup !== undefined) r.notAllowed(ts, "backup", backupsOnly);
  const bak = backups ? r.object(ts, "backup", ["schedule", "retention", "noncurrentVersionDays", "maxAgeHours", "sidecar"]) : undefined;
  const schedule = r.string(bak, "schedule", {
    pattern: /./,
    allowed: 'a 6-field cron expression with seconds, "second minute hour day-of-month month day-of-week" (e.g. "0 0 3 * * *")',
    check: isSixFieldCron,
  });
  if (prod && schedule && !cronRunsDaily(schedule)) r.problem(bak, "schedule", schedule, "a schedule that runs every day in production (day-of-month, month and day-of-week all *)");
  const retention = r.string(bak, "retention", { pattern: /^[1-9]\d*[dwm]$/, allowed: 'a recovery window such as "30d", "4w" or "3m"' });
  if (prod && retention && retentionDays(retention) < 7) r.problem(bak, "retention", retention, "at least 7 days in production");
  const noncurrentVersionDays = r.integer(bak, "noncurrentVersionDays", { min: 1, max: 3650 });
  const maxAgeHours = r.integer(bak, "maxAgeHours", { min: 2, max: 720 });
  const side = r.object(bak, "sidecar", ["cpu", "memory"]);
  const sidecarCpu = r.quantity(side, "cpu", { min: 0.05, max: 8 }, cpuAllowed(), { kind: "cpu" });
  const sidecarMemory = r.quantity(side, "memory", { min: 64 * MiB, max: 16 * GiB }, sizeAllowed(), { kind: "binary" });

  if (!ts) return undefined;
  return {
    charts: { cloudnativePg: cloudnativePg!, ...(backups ? { barmanCloud: barmanCloud!, certManager: certManager! } : {}) },
    postgresMajor: postgresMajor!,
    image: image!,
    postgresUid: postgresUid!,
    ...(extensionImage ? { timescaledbExtensionImage: extensionImage } : {}),
    timescaledbVersion: timescaledbVersion!,
    instances: instances!,
    antiAffinity: { type: antiAffinityType!, topologyKey: topologyKey! },
    synchronous: { number: syncNumber!, dataDurability: dataDurability! },
    storage: { size: size!, walSize: walSize! },
    resources: { cpu: cpu!, memory: memory!, ...(lim ? { limits: { cpu: cpuLimit!, memory: memoryLimit! } } : {}) },
    database: database!,
    owner: owner!,
    parameters: {
      sharedBuffers: sharedBuffers!,
      effectiveCacheSize: effectiveCacheSize!,
      workMem: workMem!,
      maintenanceWorkMem: maintenanceWorkMem!,
      maxWalSize: maxWalSize!,
      maxConnections: maxConnections!,
      maxWorkerProcesses: maxWorkerProcesses!,
      maxParallelWorkers: maxParallelWorkers!,
      timescaledbMaxBackgroundWorkers: bgWorkers!,
      maxLocksPerTransaction: maxLocksPerTransaction!,
    },
    ...(backups
      ? {
          backup: {
            schedule: schedule!,
            retention: retention!,
            noncurrentVersionDays: noncurrentVersionDays!,
            maxAgeHours: maxAgeHours!,
            sidecar: { cpu: sidecarCpu!, memory: sidecarMemory! },
          },
        }
      : {}),
  };
}

/** The tag of an image reference (empty when there is none). */
function imageTag(image: string): string {
  const reference = image.split("@")[0];
  const m = /:([\w][\w.-]{0,127})$/.exec(reference);
  return m && !m[1].includes("/") ? m[1] : "";
}

const CRON_FIELDS: { min: number; max: number; names?: string[]; question?: boolean }[] = [
  { min: 0, max: 59 },
  { min: 0, max: 59 },
  { min: 0, max: 23 },
  { min: 1, max: 31, question: true },
  { min: 1, max: 12, names: ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"] },
  { min: 0, max: 6, names: ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"], question: true },
];

/**
 * True for the 6-field cron (second minute hour day-of-month month day-of-week) that CloudNativePG's
 * ScheduledBackup uses: each field `*`, `?` (day fields), values, ranges, lists and `/step`s within bounds.
 */
export function isSixFieldCron(expression: string): boolean {
  const fields = expression.trim().split(/\s+/);
  if (fields.length !== 6) return false;
  return fields.every((field, i) => {
    const spec = CRON_FIELDS[i];
    const value = (text: string) => {
      const named = spec.names?.indexOf(text.toUpperCase()) ?? -1;
      const n = named >= 0 ? spec.min + named : /^\d+$/.test(text) ? Number(text) : NaN;
      return n >= spec.min && n <= spec.max ? n : undefined;
    };
    return field.split(",").every((part) => {
      if (part === "?") return spec.question === true;
      const m = /^(\*|(\w+)(?:-(\w+))?)(?:\/(\d+))?$/.exec(part);
      if (!m) return false;
      if (m[4] !== undefined && Number(m[4]) < 1) return false;
      if (m[1] === "*") return true;
      const from = value(m[2]);
      const to = m[3] === undefined ? from : value(m[3]);
      return from !== undefined && to !== undefined && from <= to;
    });
  });
}

/** True when a valid 6-field cron fires on every day (day-of-month, month and day-of-week unrestricted). */
export function cronRunsDaily(expression: string): boolean {
  const fields = expression.trim().split(/\s+/);
  return isSixFieldCron(expression) && fields.slice(3).every((f) => f === "*" || f === "?");
}

/** A Barman recovery window ("30d", "4w", "3m") in days. */
export function retentionDays(retention: string): number {
  const n = Number(retention.slice(0, -1));
  return n * { d: 1, w: 7, m: 30 }[retention.slice(-1) as "d" | "w" | "m"];
}

const KiB = 1024;
const MiB = 1024 * KiB;
const GiB = 1024 * MiB;
const TiB = 1024 * GiB;

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

  /** A key that must not be there at all, and why. */
  notAllowed(node: Node | undefined, key: string, reason: string): void {
    this.problems.push(`${this.key(node, key)}: not allowed: ${reason} (remove it from ${this.stackFile})`);
  }

  throwIfProblems(): void {
    if (this.problems.length > 0) throw new ConfigError(this.stackFile, this.problems);
  }

  object(parent: Node | undefined, key: string, known: string[], opts: { optional?: boolean; open?: boolean } = {}): Node | undefined {
    if (!parent) return undefined;
    const value = parent.value[key];
    if (value === undefined && opts.optional) return { path: this.path(parent, key), value: {} };
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      this.problem(parent, key, value, `an object with keys ${known.join(", ")}`);
      return undefined;
    }
    const node = { path: this.path(parent, key), value: value as Record<string, unknown> };
    if (!opts.open) this.rejectUnknown(node, known);
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

  /**
   * A Kubernetes quantity ("500m", "2", "4Gi") within bounds in base units (cores or bytes), returned
   * as written so manifests show what the stack file says. `kind` also restricts the notation:
   * "binary" sizes (Ki/Mi/Gi/Ti) or "cpu" (cores or millicores).
   */
  quantity(
    node: Node | undefined,
    key: string,
    bounds: { min: number; max: number },
    allowed: string,
    opts: { kind?: "binary" | "cpu"; fallback?: string } = {},
  ): string | undefined {
    if (!node) return undefined;
    const raw = node.value[key] ?? opts.fallback;
    const text = typeof raw === "number" ? String(raw) : raw;
    const notation = opts.kind === "binary" ? /^\d+(Ki|Mi|Gi|Ti)$/ : opts.kind === "cpu" ? /^(\d+(\.\d+)?|\d+m)$/ : /./;
    const value = typeof text === "string" && notation.test(text) ? parseQuantity(text) : undefined;
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
