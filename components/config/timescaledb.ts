import { cpuAllowed, int, oneOf, pinnedImage, quantity, Rules, section, sizeAllowed, text, TierContext, withRules } from "./fields";
import { cronRunsDaily, GiB, imageTag, isSixFieldCron, MiB, parseQuantity, postgresSizeBytes, retentionDays, TiB } from "./primitives";

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
  /** The scheduled restore of the latest backup into a scratch cluster, checked and removed. */
  restoreDrill: RestoreDrillConfig;
}

export interface RestoreDrillConfig {
  /** 5-field cron (minute hour day-of-month month day-of-week), UTC: a Kubernetes CronJob's schedule. */
  schedule: string;
  /** Alert when the last successful drill is older than this. */
  maxAgeDays: number;
  /** The drill fails (and its scratch cluster is removed) when recovery and checks take longer. */
  timeoutMinutes: number;
  /** The runner's image: a shell and kubectl, pinned. */
  image: string;
  /** The runner container (requests = limits). */
  runner: { cpu: string; memory: string };
  /** The scratch cluster's one instance: requests = limits, and its data volume on the fastSsd class. */
  instance: { cpu: string; memory: string; storage: string };
}

/** Image volumes are on by default from Kubernetes 1.35; EKS offers no way to turn the feature gate on before. */
export const IMAGE_VOLUME_MIN_KUBERNETES_MINOR = 35;
/** extension_control_path, which extension images rely on, arrived in PostgreSQL 18. */
export const IMAGE_VOLUME_MIN_POSTGRES_MAJOR = 18;

const BACKUPS_ONLY =
  'none with clusterMode "existing": backups go to S3 through EKS Pod Identity, which only the eks mode creates; on your own cluster add object storage yourself (README, "Run on your own cluster")';

const chartVersion = () => text(/^v?\d+\.\d+\.\d+$/, 'an exact chart version such as "0.29.0" (no ranges)');
const identifier = () => text(/^[a-z_][a-z0-9_]{0,62}$/, "a lower-case PostgreSQL identifier (letters, digits, _), at most 63 characters");
const pgSize = () => text(/./, 'a PostgreSQL size such as "64MB" or "8GB" (kB, MB, GB, TB)', (v) => postgresSizeBytes(v) !== undefined);
const volume = () => quantity({ min: GiB, max: 16 * TiB }, sizeAllowed("16Ti (the gp3 limit)"), "binary");
const cpu = () => quantity({ min: 0.25, max: 64 }, cpuAllowed(), "cpu");
const memory = () => quantity({ min: 512 * MiB, max: 512 * GiB }, sizeAllowed(), "binary");

/** A Kubernetes CronJob schedule: the 6-field grammar above without its seconds. */
const isFiveFieldCron = (expression: string) => expression.trim().split(/\s+/).length === 5 && isSixFieldCron(`0 ${expression}`);

function restoreDrillSchema({ prod }: TierContext) {
  return section({
    schedule: text(/./, 'a 5-field cron expression "minute hour day-of-month month day-of-week" in UTC (e.g. "0 6 * * 6")', isFiveFieldCron).describe(
      "When the drill runs: 5-field cron, UTC (keep it outside trading sessions: it reads the backup bucket and takes a node's worth of resources).",
    ),
    maxAgeDays: int(1, prod ? 8 : 90, prod ? "1 to 8 days in production (a drill at least weekly)" : undefined).describe("Alert when the last successful drill is older than this (production: at most 8 days)."),
    timeoutMinutes: int(10, 24 * 60).describe("Recovery plus checks must finish within this, or the drill fails and its scratch cluster is removed."),
    image: pinnedImage().describe("Runner image with a shell and kubectl, pinned."),
    runner: section({
      cpu: quantity({ min: 0.05, max: 4 }, cpuAllowed(), "cpu").describe("Runner CPU (requests = limits)."),
      memory: quantity({ min: 64 * MiB, max: 4 * GiB }, sizeAllowed(), "binary").describe("Runner memory (requests = limits)."),
    }).describe("The runner container."),
    instance: section({
      cpu: cpu().describe("Scratch instance CPU (requests = limits)."),
      memory: memory().describe("Scratch instance memory (requests = limits)."),
      storage: volume().describe("Scratch data volume on the fastSsd class: at least the database's data and WAL volumes together."),
    }).describe("The scratch cluster's one instance."),
  });
}

function backupSchema({ prod }: TierContext) {
  const fields = section({
    schedule: text(/./, 'a 6-field cron expression with seconds, "second minute hour day-of-month month day-of-week" (e.g. "0 0 3 * * *")', isSixFieldCron).describe(
      "Base backups: 6-field cron with seconds, as CloudNativePG's ScheduledBackup reads it (production: every day).",
    ),
    retention: text(/^[1-9]\d*[dwm]$/, 'a recovery window such as "30d", "4w" or "3m"').describe('Recovery window kept in the object store, e.g. "30d" (production: at least 7 days).'),
    noncurrentVersionDays: int(1, 3650).describe("Days S3 keeps object versions that Barman's retention deleted or overwrote."),
    maxAgeHours: int(2, 720).describe("Alert when the newest base backup is older than this."),
    sidecar: section({
      cpu: quantity({ min: 0.05, max: 8 }, cpuAllowed(), "cpu").describe("Barman Cloud sidecar CPU (requests = limits)."),
      memory: quantity({ min: 64 * MiB, max: 16 * GiB }, sizeAllowed(), "binary").describe("Barman Cloud sidecar memory (requests = limits)."),
    }).describe("The Barman Cloud sidecar in every instance pod."),
    restoreDrill: restoreDrillSchema({ prod }).describe("The scheduled restore drill: the latest backup restored into a scratch cluster, checked, timed and removed."),
  });
  return withRules(fields, (r) => {
    if (!prod) return;
    if (r.valid("schedule") && !cronRunsDaily(r.value.schedule)) r.problem("schedule", r.value.schedule, "a schedule that runs every day in production (day-of-month, month and day-of-week all *)");
    if (r.valid("retention") && retentionDays(r.value.retention) < 7) r.problem("retention", r.value.retention, "at least 7 days in production");
  });
}

/** TimescaleDB; `backups` (eks mode) requires the backup section and its plugin charts, otherwise refuses them. */
export function timescaleDbSchema({ prod, backups }: TierContext & { backups: boolean }) {
  const backupChart = () => (backups ? chartVersion() : chartVersion().optional());
  const charts = withRules(
    section({
      cloudnativePg: chartVersion().describe("CloudNativePG operator chart version, exact."),
      barmanCloud: backupChart().describe("Barman Cloud plugin chart version, exact (eks mode: backups)."),
    }),
    (r) => {
      if (backups) return;
      if (r.value.barmanCloud !== undefined) r.notAllowed("barmanCloud", `${BACKUPS_ONLY} (the Barman Cloud plugin is only installed for backups)`);
    },
  );
  const limits = section({ cpu: cpu().describe("CPU limit, at least the request."), memory: memory().describe("Memory limit, at least the request.") });
  const fields = section({
    charts: charts.describe("Helm chart versions, exact."),
    postgresMajor: int(15, 18, "a PostgreSQL major version CloudNativePG supports, 15 to 18").describe("PostgreSQL major version of the image."),
    image: pinnedImage().describe("PostgreSQL image, pinned; its tag names postgresMajor. It carries TimescaleDB unless timescaledbExtensionImage is set."),
    postgresUid: int(1, 65535, "the uid of the image's postgres user, 1 to 65535 (never root)").describe(
      "uid/gid of the image's postgres user (timescale/timescaledb-ha: 1000; CloudNativePG's own images: 26).",
    ),
    timescaledbExtensionImage: pinnedImage()
      .optional()
      .describe("CloudNativePG timescaledb-oss extension image mounted as an image volume: PostgreSQL 18+ and Kubernetes 1.35+ only, never in production."),
    timescaledbVersion: text(/^\d+\.\d+\.\d+$/, 'the exact TimescaleDB version the image ships, e.g. "2.28.2"').describe("TimescaleDB version the image ships."),
    instances: int(prod ? 3 : 1, 9, prod ? "3 to 9 in production (a primary and a standby in two other zones)" : undefined).describe(
      "PostgreSQL instances: one primary, the rest hot standbys (production: 3 to 9, one per zone).",
    ),
    antiAffinity: withRules(
      section({
        type: oneOf(["required", "preferred"]).describe("Whether instances must (required) or should (preferred) avoid sharing a failure domain."),
        topologyKey: oneOf(ANTI_AFFINITY_TOPOLOGIES).describe("The failure domain: a zone or a node."),
      }),
      (r) => {
        if (prod && r.valid("type") && r.value.type === "preferred") r.problem("type", "preferred", "required in production (two instances must never share a failure domain)");
        if (prod && r.valid("topologyKey") && r.value.topologyKey === "kubernetes.io/hostname") {
          r.problem("topologyKey", r.value.topologyKey, "topology.kubernetes.io/zone in production (survive the loss of a zone)");
        }
      },
    ).describe("Pod anti-affinity between instances."),
    synchronous: section({
      number: int(0, 8).describe("Synchronous standbys every commit waits for (0 = asynchronous; production: at least 1), at most instances - 1."),
      dataDurability: oneOf(["required", "preferred"]).default("required").describe("What happens when too few synchronous standbys are up."),
    }).describe("Quorum synchronous replication."),
    storage: section({ size: volume().describe("Data volume (PGDATA) on the fastSsd class."), walSize: volume().describe("WAL volume on the fastSsd class.") }).describe("Volume sizes."),
    resources: section({
      cpu: cpu().describe("CPU request."),
      memory: memory().describe("Memory request."),
      limits: limits.optional().describe("Limits, at least the requests; production: absent or equal (Guaranteed QoS)."),
    }).describe("Requests, and limits (equal to requests unless given)."),
    database: identifier().describe("Application database."),
    owner: identifier().describe("Role owning the application database (not postgres or a reserved pg_/cnpg_ name)."),
    parameters: section({
      sharedBuffers: pgSize().describe("shared_buffers; at most 40% of resources.memory."),
      effectiveCacheSize: pgSize().describe("effective_cache_size; at most the memory limit."),
      workMem: pgSize().describe("work_mem."),
      maintenanceWorkMem: pgSize().describe("maintenance_work_mem; at most 25% of resources.memory."),
      maxWalSize: pgSize().describe("max_wal_size; at most half of storage.walSize."),
      maxConnections: int(10, 5000).describe("max_connections."),
      maxWorkerProcesses: int(8, 256).describe("max_worker_processes; at least timescaledbMaxBackgroundWorkers + maxParallelWorkers + 3."),
      maxParallelWorkers: int(0, 64).describe("max_parallel_workers."),
      timescaledbMaxBackgroundWorkers: int(1, 128).describe("timescaledb.max_background_workers."),
      maxLocksPerTransaction: int(64, 4096).describe("max_locks_per_transaction."),
    }).describe("PostgreSQL settings, sizes in PostgreSQL units (kB, MB, GB, TB)."),
    backup: (backups ? backupSchema({ prod }) : backupSchema({ prod }).optional()).describe("Base backups and WAL archiving to S3 (eks mode only)."),
  });
  return withRules(fields, (r) => {
    const t = r.value;
    if (!backups && t.backup !== undefined) r.notAllowed("backup", BACKUPS_ONLY);
    if (r.valid("image", "postgresMajor") && !new RegExp(`^(pg)?${t.postgresMajor}([.-]|$)`).test(imageTag(t.image))) {
      r.problem("image", t.image, `an image whose tag names PostgreSQL ${t.postgresMajor} (e.g. "pg${t.postgresMajor}.4-ts2.28.2" or "${t.postgresMajor}.4-minimal-trixie"), matching timescaledb.postgresMajor`);
    }
    const timescaleImage = r.valid("timescaledbExtensionImage") ? t.timescaledbExtensionImage : r.valid("image") ? t.image : undefined;
    if (timescaleImage && r.valid("timescaledbVersion") && !imageTag(timescaleImage).includes(t.timescaledbVersion)) {
      r.problem("timescaledbVersion", t.timescaledbVersion, `the TimescaleDB version in the tag of ${timescaleImage}`);
    }
    synchronousRule(r, prod);
    resourceRules(r, prod);
    drillStorageRule(r);
    if (r.valid("owner") && (t.owner === "postgres" || t.owner.startsWith("pg_") || t.owner.startsWith("cnpg_"))) {
      r.problem("owner", t.owner, "an application role, not postgres or a reserved pg_/cnpg_ name");
    }
    parameterRules(r);
  });
}

type TimescaleValue = Omit<TimescaleDbConfig, "backup"> & { backup?: unknown };

/** Synchronous standbys: at most instances - 1, and at least one in production. */
function synchronousRule(r: Rules<TimescaleValue>, prod: boolean): void {
  if (!r.valid("synchronous.number")) return;
  const n = r.value.synchronous.number;
  const maxSync = r.valid("instances") ? r.value.instances - 1 : 8;
  const min = prod ? 1 : 0;
  if (n < min || n > Math.max(maxSync, min)) {
    r.problem(
      "synchronous.number",
      n,
      prod ? `1 to ${maxSync} in production (no acknowledged commit lost on failover), at most instances - 1` : `0 (asynchronous) to ${maxSync}, at most instances - 1`,
    );
  }
}

/** Limits at least the requests; in production absent or equal (Guaranteed QoS). */
function resourceRules(r: Rules<TimescaleValue>, prod: boolean): void {
  if (!r.valid("resources.cpu", "resources.memory", "resources.limits.cpu", "resources.limits.memory")) return;
  const { cpu, memory, limits } = r.value.resources;
  const q = (v: string) => parseQuantity(v)!;
  if (prod && (q(limits!.cpu) !== q(cpu) || q(limits!.memory) !== q(memory))) {
    r.problem("resources.limits", limits, "none in production, or equal to the requests (Guaranteed QoS: the database is never the first pod evicted)");
  } else if (q(limits!.cpu) < q(cpu) || q(limits!.memory) < q(memory)) {
    r.problem("resources.limits", limits, "limits at least the requests");
  }
}

/** PostgreSQL memory and worker settings against the pod's memory, the WAL volume and each other. */
function parameterRules(r: Rules<TimescaleValue>): void {
  const { parameters: p, resources, storage } = r.value;
  const bytes = (v: string) => postgresSizeBytes(v)!;
  if (r.valid("parameters.maxWorkerProcesses", "parameters.maxParallelWorkers", "parameters.timescaledbMaxBackgroundWorkers")) {
    const needed = p.timescaledbMaxBackgroundWorkers + p.maxParallelWorkers + 3;
    if (p.maxWorkerProcesses < needed) {
      r.problem("parameters.maxWorkerProcesses", p.maxWorkerProcesses, `at least timescaledbMaxBackgroundWorkers + maxParallelWorkers + 3 = ${needed} (TimescaleDB's scheduler and jobs take worker slots)`);
    }
  }
  if (r.valid("resources.memory")) {
    const memoryBytes = parseQuantity(resources.memory)!;
    if (r.valid("parameters.sharedBuffers") && bytes(p.sharedBuffers) > 0.4 * memoryBytes) {
      r.problem("parameters.sharedBuffers", p.sharedBuffers, `at most 40% of timescaledb.resources.memory (${resources.memory}); 25% is the usual starting point`);
    }
    if (r.valid("parameters.maintenanceWorkMem", "parameters.workMem") && bytes(p.maintenanceWorkMem) > 0.25 * memoryBytes) {
      r.problem("parameters.maintenanceWorkMem", p.maintenanceWorkMem, `at most 25% of timescaledb.resources.memory (${resources.memory})`);
    }
  }
  const memoryLimit = resources?.limits === undefined ? (r.valid("resources.memory") ? resources.memory : undefined) : r.valid("resources.limits.memory") ? resources.limits.memory : undefined;
  if (memoryLimit && r.valid("parameters.effectiveCacheSize") && bytes(p.effectiveCacheSize) > parseQuantity(memoryLimit)!) {
    r.problem("parameters.effectiveCacheSize", p.effectiveCacheSize, `at most the memory limit (${memoryLimit})`);
  }
  if (r.valid("parameters.maxWalSize", "storage.walSize") && bytes(p.maxWalSize) > 0.5 * parseQuantity(storage.walSize)!) {
    r.problem("parameters.maxWalSize", p.maxWalSize, `at most half of timescaledb.storage.walSize (${storage.walSize}), leaving room for WAL waiting to be archived`);
  }
}

/** What TimescaleDB's checks need to know about the cluster, and the keys that say it. */
export interface DatabaseHost {
  kubernetesVersion?: string;
  kubernetesVersionKey: string;
  zones?: number;
  zonesKey: string;
}

/** TimescaleDB against the cluster: instances per zone, and the extension image's requirements. Paths from the root. */
export function databaseHostRules(r: Rules<{ timescaledb?: Partial<TimescaleDbConfig> }>, host: DatabaseHost, prod: boolean): void {
  const t = r.value.timescaledb!;
  if (
    host.zones !== undefined &&
    r.valid("timescaledb.instances", "timescaledb.antiAffinity.type", "timescaledb.antiAffinity.topologyKey") &&
    t.antiAffinity!.type === "required" &&
    t.antiAffinity!.topologyKey === "topology.kubernetes.io/zone" &&
    t.instances! > host.zones
  ) {
    r.problem("timescaledb.instances", t.instances, `at most ${host.zonesKey} (${host.zones}) with required zone anti-affinity, or the extra instances never schedule`);
  }
  if (!r.valid("timescaledb.timescaledbExtensionImage")) return;
  const image = t.timescaledbExtensionImage!;
  const major = r.valid("timescaledb.postgresMajor") ? t.postgresMajor! : undefined;
  const minor = host.kubernetesVersion ? Number(host.kubernetesVersion.split(".")[1]) : undefined;
  const key = "timescaledb.timescaledbExtensionImage";
  if (major !== undefined && major < IMAGE_VOLUME_MIN_POSTGRES_MAJOR) {
    r.problem(key, image, `an extension image only with timescaledb.postgresMajor ${IMAGE_VOLUME_MIN_POSTGRES_MAJOR} or later (extension_control_path); otherwise use an image with TimescaleDB installed`);
  } else if (minor !== undefined && minor < IMAGE_VOLUME_MIN_KUBERNETES_MINOR) {
    r.problem(
      key,
      image,
      `an extension image only on Kubernetes 1.${IMAGE_VOLUME_MIN_KUBERNETES_MINOR} or later (image volumes; ${host.kubernetesVersionKey} is ${host.kubernetesVersion}); otherwise use an image with TimescaleDB installed`,
    );
  } else if (major !== undefined && !new RegExp(`-${major}-`).test(imageTag(image))) {
    r.problem(key, image, `an extension image built for PostgreSQL ${major} (tag "<version>-${major}-<os>")`);
  } else if (prod) {
    r.problem(key, image, "none in production: timescaledb-oss is the Apache-2 edition, without the compression and retention policies the market-data schema relies on");
  }
}

type DrillStorageValue = { storage: { size: string; walSize: string }; backup?: { restoreDrill?: { instance?: { storage?: string } } } };

/** The scratch instance restores data and replays WAL onto one volume: it holds both of the database's. */
function drillStorageRule(r: Rules<DrillStorageValue>): void {
  const drill = r.value.backup?.restoreDrill?.instance?.storage;
  if (drill === undefined || !r.valid("storage.size", "storage.walSize", "backup.restoreDrill.instance.storage")) return;
  const needed = parseQuantity(r.value.storage.size)! + parseQuantity(r.value.storage.walSize)!;
  if (parseQuantity(drill)! < needed) {
    r.problem("backup.restoreDrill.instance.storage", drill, `a size of at least ${needed / GiB}Gi (storage.size + storage.walSize): the scratch instance restores both onto one volume`);
  }
}
