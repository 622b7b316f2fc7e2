import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it } from "vitest";
import { CertManager } from "../components/cert-manager";
import { TimescaleDb } from "../components/timescaledb";
import { runStack, StackRun } from "../tools/harness";
import { installMocks } from "../tools/mocks";
import { Inventory } from "./inventory";
import { eksConfig } from "./stack-config";

let run: StackRun;
let inv: Inventory;

beforeAll(async () => {
  run = await runStack("dev");
  inv = new Inventory(run.inventory);
});

const spec = () => inv.k8s("kubernetes:postgresql.cnpg.io/v1:Cluster", "timescaledb").spec;

describe("dev TimescaleDB differs from prod where it saves money", () => {
  it("runs one instance, asynchronous, on smaller volumes with burstable CPU", () => {
    expect(spec().instances).toBe(1);
    expect(spec().postgresql.synchronous).toBeUndefined();
    expect(spec().affinity).toMatchObject({ enablePodAntiAffinity: true, podAntiAffinityType: "preferred", topologyKey: "kubernetes.io/hostname" });
    expect(spec().storage).toEqual({ storageClass: "fast-ssd", size: "50Gi" });
    expect(spec().walStorage).toEqual({ storageClass: "fast-ssd", size: "10Gi" });
    expect(spec().resources).toEqual({ requests: { cpu: "1", memory: "4Gi" }, limits: { cpu: "2", memory: "4Gi" } });
    expect(spec().primaryUpdateMethod).toBe("restart");
    expect(spec().postgresql.parameters).toMatchObject({ shared_buffers: "1GB", max_connections: "100", "timescaledb.max_background_workers": "4" });
  });

  it("runs single-replica operators without disruption budgets", () => {
    const values = (name: string) => (inv.one("kubernetes:helm.sh/v4:Chart", name).inputs as any).values;
    expect(values("cnpg").replicaCount).toBe(1);
    expect(values("cert-manager")).toMatchObject({ replicaCount: 1, podDisruptionBudget: { enabled: false } });
    expect(inv.all("kubernetes:policy/v1:PodDisruptionBudget").map((p) => (p.inputs as any).metadata.name)).not.toContain("cnpg-controller-manager");
  });

  it("keeps a week of backups and lets the bucket, key and Cluster go with the stack", () => {
    expect(inv.k8s("kubernetes:barmancloud.cnpg.io/v1:ObjectStore", "timescaledb").spec.retentionPolicy).toBe("7d");
    expect(inv.k8s("kubernetes:postgresql.cnpg.io/v1:ScheduledBackup", "timescaledb-daily").spec.schedule).toBe("0 0 4 * * *");
    const bucket = inv.one("aws:s3/bucket:Bucket", "timescaledb-backups");
    expect(bucket.protect).toBeUndefined();
    expect((bucket.inputs as any).forceDestroy).toBe(true);
    expect(inv.one("aws:kms/key:Key", "timescaledb-backups").protect).toBeUndefined();
    const cluster = inv.one("kubernetes:postgresql.cnpg.io/v1:Cluster", "timescaledb-cluster");
    expect([cluster.protect, cluster.retainOnDelete]).toEqual([undefined, undefined]);
    const { rules } = inv.one("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", "timescaledb-backups").inputs as any;
    expect(rules[0].noncurrentVersionExpiration).toEqual({ noncurrentDays: 7 });
  });

  it("keeps every security setting of prod", () => {
    expect(inv.one("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "timescaledb-backups").inputs).toMatchObject({
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    expect(inv.k8s("kubernetes:barmancloud.cnpg.io/v1:ObjectStore", "timescaledb").spec.configuration.s3Credentials).toEqual({ inheritFromIAMRole: true });
    expect(spec().enableSuperuserAccess).toBe(false);
    expect(inv.k8s("kubernetes:core/v1:Namespace", "hft-data").metadata.labels["pod-security.kubernetes.io/enforce"]).toBe("restricted");
    const rendered = JSON.stringify(run.inventory);
    for (const secret of run.generatedSecrets) expect(rendered).not.toContain(secret);
  });

  it("has no synchronous-standby alert without synchronous replication", () => {
    const rules = inv.k8s("kubernetes:monitoring.coreos.com/v1:PrometheusRule", "timescaledb").spec.groups[0].rules.map((r: any) => r.alert);
    expect(rules).not.toContain("TimescaleDBSynchronousStandbysMissing");
    expect(rules).toContain("TimescaleDBBackupTooOld");
  });
});

describe("TimescaleDB on the image-volume path", () => {
  it("mounts the timescaledb-oss extension image on CloudNativePG's own PostgreSQL image", async () => {
    const { charts, backup, ...config } = eksConfig("dev", {
      "cluster.kubernetesVersion": "1.35",
      "cluster.addons.kubeProxy": "v1.35.0-eksbuild.1",
      "timescaledb.image": "ghcr.io/cloudnative-pg/postgresql:18.4-minimal-trixie",
      "timescaledb.postgresUid": 26,
      "timescaledb.timescaledbExtensionImage": "ghcr.io/cloudnative-pg/timescaledb-oss:2.29.2-18-trixie",
      "timescaledb.timescaledbVersion": "2.29.2",
    }).timescaledb;
    const session = await installMocks("dev");
    const provider = new k8s.Provider("k8s", { kubeconfig: "{}" });
    const network = { nodeCidr: "10.20.0.0/16", serviceCidr: "172.20.0.0/16", apiServerPort: 443, controlPlaneCidrs: ["10.20.224.0/28"], podCidrs: ["10.20.0.0/19"] };
    new TimescaleDb("timescaledb", {
      ...config,
      charts: { cloudnativePg: charts.cloudnativePg },
      clientNamespace: "hft-trading",
      clientPodSelector: { "app.kubernetes.io/name": "trading-engine" },
      monitoring: { namespace: "monitoring", scraper: { "app.kubernetes.io/name": "prometheus" }, crds: provider },
      cluster: {
        provider,
        secretsProvider: provider,
        storage: { classes: { fastSsd: "fast-ssd", gp3: "gp3", sharedFilesystem: "efs-sc" }, referenceDataAccessMode: "ReadWriteMany" },
        network,
        kubernetesVersion: "1.35",
      },
      backups: {
        ...backup,
        charts: { barmanCloud: charts.barmanCloud },
        certManager: new CertManager("hft", { version: "v1.21.1", network, monitoringNamespace: "monitoring", highlyAvailable: false, provider }),
        store: {
          destinationPath: "s3://hft-dev-timescaledb-backups-example/cnpg",
          bucket: "hft-dev-timescaledb-backups-example",
          region: "us-east-1",
          roleArn: "arn:aws:iam::123456789012:role/timescaledb-backups-example",
          ready: [],
          readerReady: [],
        },
      },
      protect: false,
    });
    await pulumi.runtime.disconnect();
    const built = new Inventory(session.inventory);
    const cluster = built.k8s("kubernetes:postgresql.cnpg.io/v1:Cluster", "timescaledb").spec;
    expect(cluster.postgresql.extensions).toEqual([{ name: "timescaledb-oss", image: { reference: "ghcr.io/cloudnative-pg/timescaledb-oss:2.29.2-18-trixie" } }]);
    expect(cluster.postgresql.shared_preload_libraries).toEqual(["timescaledb"]);
    expect(cluster).toMatchObject({ postgresUID: 26, postgresGID: 26 });
    expect(built.k8s("kubernetes:postgresql.cnpg.io/v1:ImageCatalog", "timescaledb").spec.images).toEqual([
      { major: 18, image: "ghcr.io/cloudnative-pg/postgresql:18.4-minimal-trixie" },
    ]);
    expect(built.k8s("kubernetes:postgresql.cnpg.io/v1:Database", "timescaledb-hft-trading").spec.extensions).toEqual([
      { name: "timescaledb", version: "2.29.2", ensure: "present" },
    ]);
    // The Apache-2 edition has no compression or retention policies: the schema skips them and says so.
    const sql: string = built.k8s("kubernetes:core/v1:ConfigMap", "timescaledb-market-data-schema").data["market-data.sql"];
    expect(sql).toMatch(/IF current_setting\('timescaledb\.license', true\) = 'timescale' THEN[\s\S]+add_compression_policy[\s\S]+ELSE\s+RAISE WARNING/);
  });
});
