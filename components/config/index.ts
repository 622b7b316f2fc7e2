import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { CertManagerConfig, certManagerSchema } from "./cert-manager";
import { CiRunnerConfig, ciRunnerSchema } from "./ci-runner";
import { ClusterConfig, clusterSchema, serviceRangeRule } from "./cluster";
import { EngineConfig, EngineHost, engineHostRules, engineSchema } from "./engine";
import { ConfigError, formatIssues, plaintextCredentialLine, PROJECT } from "./errors";
import { ExistingClusterConfig, existingClusterSchema } from "./existing";
import { bool, oneOf, Rules, section, text, withRules } from "./fields";
import { LogsConfig, logsSchema } from "./logs";
import { MonitoringConfig, monitoringSchema } from "./monitoring";
import { NetworkConfig, networkSchema } from "./network";
import {
  C6I_SIZES,
  EngineNodesConfig,
  engineNodesSchema,
  instanceMemoryReservation,
  KUBELET_DEFAULT_MAX_PODS,
  memoryReservation,
  SystemNodesConfig,
  systemNodesSchema,
} from "./nodes";
import { RedisConfig, redisSchema } from "./redis";
import { credentialFields, otherKeyProblems } from "./stack-file";
import { cidrsOverlap, formatIpv4Cidr, parseIpv4Cidr } from "./primitives";
import { FAST_SSD_CLAIMS, gp3ClaimRules, StorageConfig, storageSchema } from "./storage";
import { TradingSessionConfig, tradingSessionSchema } from "./trading-session";
import { DatabaseHost, databaseHostRules, TimescaleDbBackupConfig, TimescaleDbCharts, TimescaleDbConfig, timescaleDbSchema } from "./timescaledb";

export * from "./arn";
export * from "./aws-regions";
export * from "./cert-manager";
export * from "./ci-runner";
export * from "./cluster";
export * from "./engine";
export * from "./errors";
export * from "./existing";
export * from "./kubernetes-versions";
export * from "./logs";
export { isCredential, JSON_FORM } from "./fields";
export type { ContainerResources } from "./fields";
export * from "./monitoring";
export * from "./network";
export * from "./nodes";
export * from "./primitives";
export * from "./redis";
export * from "./stack-file";
export * from "./storage";
export * from "./timescaledb";
export * from "./trading-session";

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

export type Tier = "development" | "production";

/** What both modes share: the workloads and how they are delivered. */
interface WorkloadsConfig {
  /** Pulumi stack name (`dev`, `prod`, ...). */
  stack: string;
  /** `production` turns on the prod-only guarantees: HA, private endpoint, protection of stateful resources. */
  tier: Tier;
  engine: EngineConfig;
  /** cert-manager: the metrics adapter's serving certificate and, with backups, the backup plugin's mTLS. */
  certManager: CertManagerConfig;
  monitoring: MonitoringConfig;
  redis: RedisConfig;
  /** When the market is open: what the prod deploy does not disrupt (tools/trading-session.ts). */
  tradingSession: TradingSessionConfig;
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
  /** The CI runner inside the VPC that reaches the private API endpoint. */
  ciRunner: CiRunnerConfig;
  /** CloudWatch Logs and the Object Lock bucket the engine's log shipper writes to. */
  logs: LogsConfig;
  /**
   * The first `up` of the stack, from outside the VPC: only the platform side (AWS), no Kubernetes
   * provider, object or chart. Set for that one run (docs/deploy.md), never in a committed stack file.
   */
  bootstrap: boolean;
  /** Backups (and the plugin charts they need) exist where S3 and EKS Pod Identity do. */
  timescaledb: TimescaleDbConfig & { charts: Required<TimescaleDbCharts>; backup: TimescaleDbBackupConfig };
}

export interface ExistingPlatformConfig extends WorkloadsConfig {
  clusterMode: "existing";
  existingCluster: ExistingClusterConfig;
  timescaledb: TimescaleDbConfig & { backup?: undefined };
}

/** Sections that describe the AWS infrastructure this program creates in `eks` mode, and where each one's job is done in `existing` mode. */
export const EKS_SECTIONS = {
  network: "the node range and zones come from existingCluster.nodeCidr and existingCluster.zones",
  cluster: "the cluster is reached through existingCluster.kubeconfig; its version and Service range are existingCluster.kubernetesVersion and existingCluster.serviceCidr",
  systemNodes: "the cluster's own nodes run the system workloads",
  engineNodes: "describe the prepared engine nodes in existingCluster.engineNode (see the engineNodeRequirements output)",
  storage: "map the cluster's StorageClasses in existingCluster.storageClasses",
  ciRunner: "CI reaches a cluster that exists through that cluster's own network; no runner is created",
  logs: "the engine's log shipper writes to stdout; ship it with the cluster's own log pipeline (docs/workloads.md)",
} as const;

/** Keys of the eks mode that are optional there and refused in existing mode, with the reason. */
export const EKS_OPTIONAL_KEYS = {
  bootstrap: "there is no platform side to create first: the cluster exists and its kubeconfig reaches it",
} as const;

/** A path below the project directory: no absolute paths, no "..", no empty segments. */
const RELATIVE_DIRECTORY = /^(?!\.{1,2}(\/|$))(?!.*\/\.{1,2}(\/|$))[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*\/?$/;

/** Reads and validates the current stack's configuration; throws ConfigError before any resource exists. */
export function loadPlatformConfig(): PlatformConfig {
  // The SDK's own test of PULUMI_CONFIG_SECRET_KEYS (runtime/config.js); exported at runtime, left out of its typings.
  const { isConfigSecret } = pulumi.runtime as unknown as { isConfigSecret: (key: string) => boolean };
  return parseStackConfig(pulumi.runtime.allConfig(), pulumi.getStack(), isConfigSecret);
}

/**
 * The whole config map of a stack (every namespace, as the engine hands it over) to the typed config,
 * or one ConfigError with every problem: stray keys, aws:region, credentials that are not secrets
 * (`isSecret` says which top-level keys hold a secret), and the project's own keys.
 */
export function parseStackConfig(all: Record<string, string>, stack: string, isSecret: (key: string) => boolean): PlatformConfig {
  const stackFile = `Pulumi.${stack}.yaml`;
  const raw = projectConfig(all);
  const schema = schemaFor(raw);
  const problems = otherKeyProblems(all, Object.keys(schema._zod.def.shape), (raw.clusterMode ?? "eks") === "eks", stackFile);
  for (const field of credentialFields(schema, raw)) {
    if (!isSecret(`${PROJECT}:${field.path.split(/[.[]/)[0]}`)) problems.push(plaintextCredentialLine(field.path, stackFile));
  }
  const result = schema.safeParse(raw, { reportInput: true });
  if (!result.success) problems.push(...formatIssues(result.error.issues, stackFile));
  if (problems.length > 0 || !result.success) throw new ConfigError(stackFile, problems);
  return { stack, ...result.data } as PlatformConfig;
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

/** How strict the schema is and which sections it expects: read from the two keys that decide it. */
export interface SchemaMode {
  prod: boolean;
  /** undefined when clusterMode itself is wrong: then neither mode's sections are checked. */
  mode?: ClusterMode;
}

/** The project's keys (without the `hft-platform:` prefix) for a tier and cluster mode. */
const schemas = new Map<string, ReturnType<typeof buildPlatformSchema>>();

export function platformSchema(m: SchemaMode) {
  const key = `${m.prod}/${m.mode}`;
  let s = schemas.get(key);
  if (!s) schemas.set(key, (s = buildPlatformSchema(m)));
  return s;
}

function buildPlatformSchema({ prod, mode }: SchemaMode) {
  const eks = mode === "eks";
  const existing = mode === "existing";
  const other = z.unknown().optional();
  const fields = section({
    tier: oneOf(["development", "production"]).describe("production turns on the production-only guarantees: HA, private endpoint, protection of stateful resources."),
    network: eks ? networkSchema({ prod }).describe("The VPC (eks mode).") : other,
    cluster: eks ? clusterSchema({ prod }).describe("The EKS cluster (eks mode).") : other,
    systemNodes: eks ? systemNodesSchema({ prod }).describe("The system node group (eks mode).") : other,
    engineNodes: eks ? engineNodesSchema({ prod }).describe("The engine node group, c6i (eks mode).") : other,
    storage: eks ? storageSchema({ prod }).describe("StorageClasses and the EFS file system (eks mode).") : other,
    bootstrap: eks
      ? bool()
          .default(false)
          .describe(
            "First up of a stack from outside the VPC: only the platform side (network, cluster, node groups, add-ons, EFS, backup store, CI runner), no Kubernetes provider, object or chart (eks mode). Set for that run only (docs/deploy.md); an up without it from the in-VPC runner adds the rest.",
          )
      : other,
    ciRunner: eks ? ciRunnerSchema().describe("The CodeBuild-hosted GitHub Actions runner inside the VPC that runs this stack's preview and deploy jobs (eks mode).") : other,
    logs: eks ? logsSchema({ prod }).describe("Where the engine's logs survive their node: CloudWatch Logs and an S3 Object Lock bucket (eks mode).") : other,
    certManager: certManagerSchema().describe("cert-manager, the platform's certificate issuer: the metrics adapter's serving certificate (its APIService verifies TLS) and, with backups, the backup plugin's mTLS."),
    monitoring: monitoringSchema({ prod }).describe("The Prometheus stack: charts, Prometheus, Alertmanager and its receivers, exporters, adapter."),
    redis: redisSchema({ prod }).describe("Redis, with Sentinel in production."),
    timescaledb: timescaleDbSchema({ prod, backups: !existing }).describe("TimescaleDB on CloudNativePG."),
    engine: engineSchema({ prod, existing }).describe("The trading engine."),
    tradingSession: tradingSessionSchema({ prod }),
    clusterMode: oneOf(CLUSTER_MODES).default("eks").describe("eks: this program creates the EKS cluster; existing: the workloads go to a cluster reached through a kubeconfig."),
    existingCluster: existing ? existingClusterSchema().describe("The cluster the workloads go to (existing mode).") : other,
    renderYamlToDirectory: text(
      RELATIVE_DIRECTORY,
      'a directory relative to the project, without "..", e.g. gitops/local (the workloads are written there as YAML instead of being applied)',
    )
      .optional()
      .describe("GitOps export: write the workloads as YAML under this directory (relative to the project) instead of applying them."),
  });
  return withRules(fields, (r) => {
    if (prod && existing) {
      // Production data needs backups, and only the eks mode has the S3 and Pod Identity they use.
      r.problem("tier", "production", 'development with clusterMode "existing": production needs TimescaleDB backups, which only the eks mode provides');
    }
    const root = r as unknown as RootRules;
    if (eks) eksRules(root, prod);
    if (existing) existingRules(root, prod);
  });
}

/** The root as the rules see it: each section typed as it parses, present or not. */
interface RootValue {
  existingCluster?: Partial<ExistingClusterConfig>;
  network?: Partial<NetworkConfig>;
  cluster?: Partial<ClusterConfig>;
  engineNodes?: Partial<EngineNodesConfig>;
  engine?: Partial<EngineConfig>;
  timescaledb?: Partial<TimescaleDbConfig>;
  [section: string]: unknown;
}
type RootRules = Rules<RootValue>;

function eksRules(r: RootRules, prod: boolean): void {
  const v = r.value;
  if (v.existingCluster !== undefined) r.notAllowed("existingCluster", 'only with clusterMode "existing" (this stack creates its EKS cluster from the network, cluster and node sections)');
  serviceRangeRule(r, v);
  const type = r.valid("engineNodes.instanceType") ? (v.engineNodes!.instanceType!) : undefined;
  const host: EngineHost = {
    name: type ?? "the engine node",
    ...(type ? C6I_SIZES[type] : {}),
    reservedSystemCpus: r.valid("engineNodes.reservedSystemCpus") ? v.engineNodes!.reservedSystemCpus : undefined,
    reservedCpusKey: "engineNodes.reservedSystemCpus",
    hugepages2Mi: r.valid("engineNodes.hugepages2Mi") ? v.engineNodes!.hugepages2Mi : undefined,
    hugepagesKey: "engineNodes.hugepages2Mi",
    // No autoscaler adds engine nodes (a c6i.metal takes minutes to join): the HPA maximum needs them running.
    maxNodes: r.valid("engineNodes.minSize") ? v.engineNodes!.minSize : undefined,
    maxNodesKey: "engineNodes.minSize",
    memory: type ? instanceMemoryReservation(type) : undefined,
  };
  engineHostRules(r, host);
  if (r.valid("network.vpcCidr", "network.availabilityZones")) {
    // Pods take their addresses in the private subnets: the first availabilityZones eighths of the VPC (components/network.ts).
    const vpc = parseIpv4Cidr(v.network!.vpcCidr!)!;
    const eighth = 2 ** (32 - vpc.prefix - 3);
    const pods = Array.from({ length: v.network!.availabilityZones! }, (_, i) => formatIpv4Cidr(vpc.base + i * eighth, vpc.prefix + 3));
    clientRangeRule(r, pods, "the private subnets of network.vpcCidr");
  }
  gp3ClaimRules(r, "storage.fastSsd.iops", FAST_SSD_CLAIMS);
  const database: DatabaseHost = {
    kubernetesVersion: r.valid("cluster.kubernetesVersion") ? v.cluster!.kubernetesVersion : undefined,
    kubernetesVersionKey: "cluster.kubernetesVersion",
    zones: r.valid("network.availabilityZones") ? v.network!.availabilityZones : undefined,
    zonesKey: "network.availabilityZones",
  };
  databaseHostRules(r, database, prod);
}

/** A client range inside the pods' own addresses would admit pods to the order port, not clients. */
function clientRangeRule(r: RootRules, pods: string[], where: string): void {
  if (!r.valid("engine.exposure.sourceRanges")) return;
  for (const range of r.value.engine!.exposure!.sourceRanges) {
    const holding = pods.find((p) => parseIpv4Cidr(range)!.prefix >= parseIpv4Cidr(p)!.prefix && cidrsOverlap(p, range));
    if (holding) r.problem("engine.exposure.sourceRanges", range, `clients' ranges outside ${where} (${holding} holds pods, which the VPC CNI gives VPC addresses)`);
  }
}

function existingRules(r: RootRules, prod: boolean): void {
  const v = r.value;
  if (r.valid("existingCluster.podCidr") && v.existingCluster!.podCidr) clientRangeRule(r, [v.existingCluster!.podCidr], "existingCluster.podCidr");
  for (const [key, replacement] of Object.entries({ ...EKS_SECTIONS, ...EKS_OPTIONAL_KEYS })) {
    if (v[key] !== undefined) r.notAllowed(key, `EKS-only: with clusterMode "existing" no AWS resource is created; ${replacement}`);
  }
  const node = "existingCluster.engineNode";
  const sized = r.valid(`${node}.cpus`, `${node}.memoryGiB`);
  const host: EngineHost = {
    name: node,
    ...(sized ? { vcpus: v.existingCluster!.engineNode!.cpus, memoryGiB: v.existingCluster!.engineNode!.memoryGiB } : {}),
    reservedSystemCpus: r.valid(`${node}.reservedSystemCpus`) ? v.existingCluster!.engineNode!.reservedSystemCpus : undefined,
    reservedCpusKey: `${node}.reservedSystemCpus`,
    hugepages2Mi: r.valid(`${node}.hugepages2Mi`) ? v.existingCluster!.engineNode!.hugepages2Mi : undefined,
    hugepagesKey: `${node}.hugepages2Mi`,
    maxNodes: r.valid(`${node}.count`) ? v.existingCluster!.engineNode!.count : undefined,
    maxNodesKey: `${node}.count`,
    // Prepared by hand: the kubelet's default pod limit, and one NUMA node (kind, most VMs).
    memory: memoryReservation(KUBELET_DEFAULT_MAX_PODS, 1),
  };
  engineHostRules(r, host);
  const database: DatabaseHost = {
    kubernetesVersion: r.valid("existingCluster.kubernetesVersion") ? v.existingCluster!.kubernetesVersion : undefined,
    kubernetesVersionKey: "existingCluster.kubernetesVersion",
    zones: r.valid("existingCluster.zones") ? v.existingCluster!.zones : undefined,
    zonesKey: "existingCluster.zones",
  };
  databaseHostRules(r, database, prod);
  if (r.valid("existingCluster.referenceDataAccessMode", "engine.maxReplicas") && v.existingCluster!.referenceDataAccessMode === "ReadWriteOnce" && v.engine!.maxReplicas! > 1) {
    r.problem(
      "existingCluster.referenceDataAccessMode",
      "ReadWriteOnce",
      `ReadWriteMany while engine.maxReplicas is ${v.engine!.maxReplicas}: engine pods run one per node and every one mounts the reference data (ReadWriteOnce only with engine.maxReplicas 1)`,
    );
  }
}

/**
 * Every project key with its schema at the general (development) bounds, the sections of both
 * modes together: what the JSON Schema, Pulumi.yaml and docs/configuration.md describe.
 */
export function documentedKeys() {
  const eks = platformSchema({ prod: false, mode: "eks" }).shape;
  const existing = platformSchema({ prod: false, mode: "existing" }).shape;
  // The existing mode's variants leave optional what only eks requires (the NLB scheme, backups); the JSON Schema says when.
  return { ...eks, existingCluster: existing.existingCluster, engine: existing.engine, timescaledb: existing.timescaledb };
}

/** The schema for a stack's tier and cluster mode, as far as those two keys are valid. */
function schemaFor(raw: Record<string, unknown>) {
  const mode = raw.clusterMode ?? "eks";
  return platformSchema({ prod: raw.tier === "production", mode: CLUSTER_MODES.find((m) => m === mode) });
}

/**
 * Validates raw project config (keys without the `hft-platform:` prefix) for a stack: the typed
 * config, or one ConfigError listing every problem. Pure, so tests can feed it any shape.
 */
export function parsePlatformConfig(raw: Record<string, unknown>, stack: string): PlatformConfig {
  const stackFile = `Pulumi.${stack}.yaml`;
  const result = schemaFor(raw).safeParse(raw, { reportInput: true });
  if (!result.success) throw new ConfigError(stackFile, formatIssues(result.error.issues, stackFile));
  return { stack, ...result.data } as PlatformConfig;
}
