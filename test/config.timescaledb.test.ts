import { describe, expect, it } from "vitest";
import { cronRunsDaily, isSixFieldCron, parsePlatformConfig, postgresSizeBytes, retentionDays } from "../components/config";
import { eksConfig, expectRejected, problems, stackConfig } from "./stack-config";

const EXTENSION_IMAGE = "ghcr.io/cloudnative-pg/timescaledb-oss:2.29.2-18-trixie";

/** Edits that switch dev to the image-volume path: CloudNativePG's minimal PostgreSQL 18 image plus the extension image. */
const extensionPath = (kubernetes = "1.35", major = 18) => ({
  "cluster.kubernetesVersion": kubernetes,
  "cluster.addons.kubeProxy": `v${kubernetes}.0-eksbuild.1`,
  "timescaledb.postgresMajor": major,
  "timescaledb.image": `ghcr.io/cloudnative-pg/postgresql:${major}.4-minimal-trixie`,
  "timescaledb.postgresUid": 26,
  "timescaledb.timescaledbExtensionImage": EXTENSION_IMAGE.replace("-18-", `-${major}-`),
  "timescaledb.timescaledbVersion": "2.29.2",
});

describe("timescaledb config", () => {
  it("reads prod: three zone-spread instances, quorum sync replication, Guaranteed resources, daily backups", () => {
    const prod = parsePlatformConfig(stackConfig("prod"), "prod").timescaledb;
    expect(prod).toMatchObject({
      charts: { cloudnativePg: "0.29.0", barmanCloud: "0.7.0" },
      postgresMajor: 18,
      image: "timescale/timescaledb-ha:pg18.4-ts2.28.2",
      postgresUid: 1000,
      timescaledbVersion: "2.28.2",
      instances: 3,
      antiAffinity: { type: "required", topologyKey: "topology.kubernetes.io/zone" },
      synchronous: { number: 1, dataDurability: "required" },
      storage: { size: "500Gi", walSize: "100Gi" },
      resources: { cpu: "4", memory: "16Gi" },
      database: "hft_trading",
      owner: "hft_app",
      backup: { schedule: "0 0 3 * * *", retention: "30d", noncurrentVersionDays: 30, maxAgeHours: 26 },
    });
    expect(prod.resources.limits).toBeUndefined();
    expect(prod.timescaledbExtensionImage).toBeUndefined();
    expect(prod.parameters).toMatchObject({ sharedBuffers: "4GB", maxConnections: 200, timescaledbMaxBackgroundWorkers: 8 });
  });

  it("reads dev: one instance, asynchronous, burstable CPU, a week of backups", () => {
    const dev = eksConfig("dev").timescaledb;
    expect(dev).toMatchObject({ instances: 1, synchronous: { number: 0 }, storage: { size: "50Gi", walSize: "10Gi" } });
    expect(dev.resources).toEqual({ cpu: "1", memory: "4Gi", limits: { cpu: "2", memory: "4Gi" } });
    expect(dev.backup.retention).toBe("7d");
  });

  it("pins the chart versions exactly", () => {
    expectRejected("prod", { "timescaledb.charts.cloudnativePg": "^0.29.0" }, "timescaledb.charts.cloudnativePg", /exact chart version/);
    expectRejected("dev", { "timescaledb.charts.barmanCloud": "0.7" }, "timescaledb.charts.barmanCloud", /exact chart version/);
    expectRejected("dev", { "certManager.version": "latest" }, "certManager.version", /exact cert-manager chart version/);
    expectRejected("local", { "certManager.version": "1.21.1" }, "certManager.version", /exact cert-manager chart version such as "v1\.21\.1"/);
    expectRejected("local", { certManager: undefined }, "certManager", /missing|an object/);
  });

  it("pins the image, whose tag names the configured PostgreSQL major", () => {
    expectRejected("prod", { "timescaledb.image": "timescale/timescaledb-ha:latest" }, "timescaledb.image", /other than "latest"/);
    expectRejected("prod", { "timescaledb.image": "timescale/timescaledb-ha" }, "timescaledb.image", /pinned/);
    expectRejected("prod", { "timescaledb.image": "timescale/timescaledb-ha:pg17.10-ts2.28.2" }, "timescaledb.image", /tag names PostgreSQL 18/);
    expectRejected("dev", { "timescaledb.postgresMajor": 14 }, "timescaledb.postgresMajor", /15 to 18/);
    expect(problems("prod", { "timescaledb.postgresMajor": 17, "timescaledb.image": "timescale/timescaledb-ha:pg17.10-ts2.28.2" })).toEqual([]);
    expect(problems("prod", { "timescaledb.image": `timescale/timescaledb-ha:pg18.4-ts2.28.2@sha256:${"b".repeat(64)}` })).toEqual([]);
  });

  it("keeps timescaledbVersion consistent with the image that ships TimescaleDB", () => {
    expectRejected("prod", { "timescaledb.timescaledbVersion": "2.27.1" }, "timescaledb.timescaledbVersion", /tag of timescale\/timescaledb-ha:pg18\.4-ts2\.28\.2/);
    expectRejected("prod", { "timescaledb.timescaledbVersion": "2.28" }, "timescaledb.timescaledbVersion", /exact TimescaleDB version/);
  });

  it("allows the timescaledb-oss extension image only with PostgreSQL 18+ on Kubernetes 1.35+, outside production", () => {
    expect(problems("dev", extensionPath())).toEqual([]);
    // Our stacks run 1.34: no image volumes there.
    expectRejected("dev", extensionPath("1.34"), "timescaledb.timescaledbExtensionImage", /Kubernetes 1\.35 or later .*cluster\.kubernetesVersion is 1\.34/);
    expectRejected("dev", extensionPath("1.35", 17), "timescaledb.timescaledbExtensionImage", /postgresMajor 18 or later/);
    expectRejected("dev", { ...extensionPath(), "timescaledb.timescaledbExtensionImage": "ghcr.io/cloudnative-pg/timescaledb-oss:2.29.2-17-trixie" }, "timescaledb.timescaledbExtensionImage", /built for PostgreSQL 18/);
    expectRejected("dev", { ...extensionPath(), "timescaledb.timescaledbExtensionImage": "ghcr.io/cloudnative-pg/timescaledb-oss:latest" }, "timescaledb.timescaledbExtensionImage", /pinned/);
    expectRejected("prod", extensionPath(), "timescaledb.timescaledbExtensionImage", /none in production: .*compression and retention policies/);
  });

  it("production runs at least three instances, one per zone, with required anti-affinity", () => {
    expectRejected("prod", { "timescaledb.instances": 1 }, "timescaledb.instances", /3 to 9 in production/);
    expectRejected("dev", { "timescaledb.instances": 0 }, "timescaledb.instances", /1 to 9/);
    expectRejected("prod", { "timescaledb.instances": 4 }, "timescaledb.instances", /at most network\.availabilityZones \(3\)/);
    expectRejected("prod", { "timescaledb.antiAffinity.type": "preferred" }, "timescaledb.antiAffinity.type", /required in production/);
    expectRejected("prod", { "timescaledb.antiAffinity.topologyKey": "kubernetes.io/hostname" }, "timescaledb.antiAffinity.topologyKey", /zone in production/);
    expectRejected("dev", { "timescaledb.antiAffinity.topologyKey": "rack" }, "timescaledb.antiAffinity.topologyKey", /one of topology\.kubernetes\.io\/zone/);
    expect(problems("dev", { "timescaledb.instances": 5, "timescaledb.antiAffinity.type": "required" })).toEqual([]);
  });

  it("production replicates synchronously, with fewer sync standbys than instances", () => {
    expectRejected("prod", { "timescaledb.synchronous.number": 0 }, "timescaledb.synchronous.number", /1 to 2 in production/);
    expectRejected("prod", { "timescaledb.synchronous.number": 3 }, "timescaledb.synchronous.number", /at most instances - 1/);
    expectRejected("dev", { "timescaledb.synchronous.number": 1 }, "timescaledb.synchronous.number", /0 \(asynchronous\) to 0/);
    expectRejected("prod", { "timescaledb.synchronous.dataDurability": "best-effort" }, "timescaledb.synchronous.dataDurability", /required, preferred/);
    expect(problems("prod", { "timescaledb.synchronous.number": 2, "timescaledb.synchronous.dataDurability": "preferred" })).toEqual([]);
  });

  it("sizes volumes as Kubernetes quantities within gp3 limits", () => {
    expectRejected("prod", { "timescaledb.storage.size": "500GB" }, "timescaledb.storage.size", /"16Gi"/);
    expectRejected("prod", { "timescaledb.storage.size": "17Ti" }, "timescaledb.storage.size", /16Ti/);
    expectRejected("dev", { "timescaledb.storage.walSize": "512Mi" }, "timescaledb.storage.walSize", /size such as/);
    expect(problems("prod", { "timescaledb.storage.size": "2Ti", "timescaledb.backup.restoreDrill.instance.storage": "2148Gi" })).toEqual([]);
  });

  it("sizes the restore drill's scratch volume for the database's data and WAL together", () => {
    expectRejected("prod", { "timescaledb.backup.restoreDrill.instance.storage": "500Gi" }, "timescaledb.backup.restoreDrill.instance.storage", /at least 600Gi \(storage.size \+ storage.walSize\)/);
    expectRejected("prod", { "timescaledb.backup.restoreDrill.maxAgeDays": 14 }, "timescaledb.backup.restoreDrill.maxAgeDays", /1 to 8 days in production/);
    expectRejected("prod", { "timescaledb.backup.restoreDrill.schedule": "0 0 6 * * 6" }, "timescaledb.backup.restoreDrill.schedule", /5-field cron/);
    expectRejected("prod", { "timescaledb.backup.restoreDrill.image": "registry.k8s.io/kubectl" }, "timescaledb.backup.restoreDrill.image", /pinned/);
  });

  it("production is Guaranteed QoS: limits absent or equal to requests", () => {
    expectRejected("prod", { "timescaledb.resources.limits": { cpu: "8", memory: "16Gi" } }, "timescaledb.resources.limits", /Guaranteed QoS/);
    expect(problems("prod", { "timescaledb.resources.limits": { cpu: "4", memory: "16Gi" } })).toEqual([]);
    expectRejected("dev", { "timescaledb.resources.limits": { cpu: "500m", memory: "4Gi" } }, "timescaledb.resources.limits", /at least the requests/);
    expectRejected("dev", { "timescaledb.resources.memory": "4GB" }, "timescaledb.resources.memory", /size such as/);
    expectRejected("dev", { "timescaledb.resources.cpu": "lots" }, "timescaledb.resources.cpu", /CPUs such as/);
  });

  it("names the database and owner as PostgreSQL identifiers, never a reserved role", () => {
    expectRejected("dev", { "timescaledb.database": "HFT-Trading" }, "timescaledb.database", /lower-case PostgreSQL identifier/);
    expectRejected("dev", { "timescaledb.owner": "postgres" }, "timescaledb.owner", /not postgres/);
    expectRejected("dev", { "timescaledb.owner": "pg_monitor" }, "timescaledb.owner", /reserved/);
  });

  it("takes PostgreSQL parameters in PostgreSQL units, consistent with memory and volumes", () => {
    expectRejected("prod", { "timescaledb.parameters.sharedBuffers": "4Gi" }, "timescaledb.parameters.sharedBuffers", /PostgreSQL size/);
    expectRejected("prod", { "timescaledb.parameters.workMem": "32mb" }, "timescaledb.parameters.workMem", /kB, MB, GB, TB/);
    expectRejected("prod", { "timescaledb.parameters.sharedBuffers": "8GB" }, "timescaledb.parameters.sharedBuffers", /at most 40% of timescaledb\.resources\.memory \(16Gi\)/);
    expectRejected("prod", { "timescaledb.parameters.effectiveCacheSize": "20GB" }, "timescaledb.parameters.effectiveCacheSize", /at most the memory limit \(16Gi\)/);
    expectRejected("prod", { "timescaledb.parameters.maintenanceWorkMem": "5GB" }, "timescaledb.parameters.maintenanceWorkMem", /25%/);
    expectRejected("prod", { "timescaledb.parameters.maxWalSize": "64GB" }, "timescaledb.parameters.maxWalSize", /half of timescaledb\.storage\.walSize \(100Gi\)/);
    expectRejected("prod", { "timescaledb.parameters.maxWorkerProcesses": 12 }, "timescaledb.parameters.maxWorkerProcesses", /at least .* = 15/);
    expectRejected("prod", { "timescaledb.parameters.maxConnections": 5 }, "timescaledb.parameters.maxConnections", /10 to 5000/);
    expectRejected("dev", { "timescaledb.parameters.shared_buffers": "1GB" }, "timescaledb.parameters.shared_buffers", /unknown key; allowed keys here: sharedBuffers/);
  });

  it("schedules backups with a 6-field cron, daily in production", () => {
    expectRejected("prod", { "timescaledb.backup.schedule": "0 3 * * *" }, "timescaledb.backup.schedule", /6-field cron expression with seconds/);
    expectRejected("prod", { "timescaledb.backup.schedule": "0 0 25 * * *" }, "timescaledb.backup.schedule", /6-field cron/);
    expectRejected("prod", { "timescaledb.backup.schedule": "0 0 3 * * SUN" }, "timescaledb.backup.schedule", /runs every day in production/);
    expect(problems("dev", { "timescaledb.backup.schedule": "0 0 3 * * SUN" })).toEqual([]);
    expect(problems("prod", { "timescaledb.backup.schedule": "0 30 */6 * * ?" })).toEqual([]);
  });

  it("keeps a recovery window of days, weeks or months, at least a week in production", () => {
    expectRejected("prod", { "timescaledb.backup.retention": "30 days" }, "timescaledb.backup.retention", /"30d", "4w" or "3m"/);
    expectRejected("prod", { "timescaledb.backup.retention": "0d" }, "timescaledb.backup.retention", /"30d"/);
    expectRejected("prod", { "timescaledb.backup.retention": "30y" }, "timescaledb.backup.retention", /"30d"/);
    expectRejected("prod", { "timescaledb.backup.retention": "6d" }, "timescaledb.backup.retention", /at least 7 days in production/);
    expect(problems("prod", { "timescaledb.backup.retention": "1w" })).toEqual([]);
    expect(problems("dev", { "timescaledb.backup.retention": "1d" })).toEqual([]);
  });

  it("bounds object-version expiry, the backup-age alert and the sidecar", () => {
    expectRejected("prod", { "timescaledb.backup.noncurrentVersionDays": 0 }, "timescaledb.backup.noncurrentVersionDays", /1 to 3650/);
    expectRejected("prod", { "timescaledb.backup.maxAgeHours": 1 }, "timescaledb.backup.maxAgeHours", /2 to 720/);
    expectRejected("prod", { "timescaledb.backup.sidecar.memory": "512M" }, "timescaledb.backup.sidecar.memory", /size such as/);
    expectRejected("prod", { "timescaledb.backup.sidecar": undefined }, "timescaledb.backup.sidecar", /missing/);
  });

  it("reports a missing section and unknown keys", () => {
    expectRejected("dev", { timescaledb: undefined }, "timescaledb", /missing; allowed: an object with keys charts/);
    expectRejected("prod", { "timescaledb.replicas": 3 }, "timescaledb.replicas", /unknown key; allowed keys here: charts, postgresMajor/);
  });
});

describe("timescaledb config helpers", () => {
  it("parses 6-field cron expressions", () => {
    for (const ok of ["0 0 3 * * *", "*/30 * * * * *", "0 0 0 1,15 * ?", "0 15 2 * JAN-MAR MON-FRI", "0 0 22 ? * 0-4"]) expect(isSixFieldCron(ok), ok).toBe(true);
    for (const bad of ["0 3 * * *", "60 0 3 * * *", "0 0 3 32 * *", "0 0 3 * 13 *", "0 0 3 * * 7", "0 0 5-3 * * *", "? 0 3 * * *", "0 */0 * * * *", "@daily", "0 0 3 * * * 2026"]) {
      expect(isSixFieldCron(bad), bad).toBe(false);
    }
    expect(cronRunsDaily("0 0 3 * * ?")).toBe(true);
    expect(cronRunsDaily("0 0 3 1 * *")).toBe(false);
  });

  it("converts PostgreSQL sizes and recovery windows", () => {
    expect(postgresSizeBytes("4GB")).toBe(4 * 1024 ** 3);
    expect(postgresSizeBytes("512kB")).toBe(512 * 1024);
    expect(postgresSizeBytes("4gb")).toBeUndefined();
    expect(postgresSizeBytes("0MB")).toBeUndefined();
    expect([retentionDays("30d"), retentionDays("2w"), retentionDays("3m")]).toEqual([30, 14, 90]);
  });
});
