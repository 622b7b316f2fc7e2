import { beforeAll, describe, expect, it } from "vitest";
import { runStack, StackRun } from "../tools/harness";
import { InventoryEntry } from "../tools/inventory";
import { Inventory } from "./inventory";

let run: StackRun;
let inv: Inventory;

beforeAll(async () => {
  run = await runStack("prod");
  inv = new Inventory(run.inventory);
});

const CR = (kind: string) => `kubernetes:${kind.startsWith("ObjectStore") ? "barmancloud.cnpg.io" : "postgresql.cnpg.io"}/v1:${kind}`;
const cluster = () => inv.k8s(CR("Cluster"), "timescaledb");
const spec = () => cluster().spec;
const entry = (type: string, name: string): InventoryEntry => inv.one(type, name);
const chart = (name: string) => entry("kubernetes:helm.sh/v4:Chart", name);
const policyDoc = (type: string, name: string, field = "policy") => JSON.parse((entry(type, name).inputs as any)[field]);

describe("prod TimescaleDB operators", () => {
  it("installs CloudNativePG, the Barman Cloud plugin and cert-manager from pinned charts", () => {
    expect(chart("cnpg")).toMatchObject({ custom: false });
    expect(chart("cnpg").inputs).toMatchObject({
      chart: "cloudnative-pg",
      version: "0.29.0",
      repositoryOpts: { repo: "https://cloudnative-pg.github.io/charts" },
      namespace: "cnpg-system",
      values: { crds: { create: true }, config: { clusterWide: true }, replicaCount: 2, monitoring: { podMonitorEnabled: false } },
    });
    expect(chart("barman-cloud").inputs).toMatchObject({
      chart: "plugin-barman-cloud",
      version: "0.7.0",
      repositoryOpts: { repo: "https://cloudnative-pg.github.io/charts" },
      // The plugin must share the operator's namespace.
      namespace: "cnpg-system",
      values: { fullnameOverride: "barman-cloud", crds: { create: true } },
    });
    expect(chart("cert-manager").inputs).toMatchObject({
      chart: "cert-manager",
      version: "v1.21.1",
      repositoryOpts: { repo: "https://charts.jetstack.io" },
      namespace: "cert-manager",
      values: { crds: { enabled: true }, startupapicheck: { enabled: false }, replicaCount: 2, global: { leaderElection: { namespace: "cert-manager" } } },
    });
    for (const name of ["cnpg", "barman-cloud", "cert-manager"]) {
      const values = (chart(name).inputs as any).values;
      expect(values.resources.requests, name).toEqual(values.resources.limits);
    }
  });

  it("adds the disruption budget the cloudnative-pg chart lacks for its two replicas", () => {
    const pdb = inv.k8s("kubernetes:policy/v1:PodDisruptionBudget", "cnpg-controller-manager");
    expect(pdb.metadata.namespace).toBe("cnpg-system");
    expect(pdb.spec).toEqual({ minAvailable: 1, selector: { matchLabels: { "app.kubernetes.io/name": "cloudnative-pg", "app.kubernetes.io/instance": "cnpg" } } });
    expect((chart("cnpg").inputs as any).values.replicaCount).toBe(2);
  });

  it("gives the operators and the database restricted, default-deny namespaces", () => {
    for (const ns of ["cnpg-system", "cert-manager", "hft-data"]) {
      const namespace = inv.k8s("kubernetes:core/v1:Namespace", ns);
      expect(namespace.metadata.labels["pod-security.kubernetes.io/enforce"], ns).toBe("restricted");
      const deny = inv.all("kubernetes:networking.k8s.io/v1:NetworkPolicy").find((p) => (p.inputs as any).metadata.namespace === ns && (p.inputs as any).metadata.name === "default-deny");
      expect((deny?.inputs as any)?.spec, ns).toEqual({ podSelector: {}, policyTypes: ["Ingress", "Egress"] });
    }
  });

  it("lets the API server (its own subnets, not the VPC) reach the webhooks and the operator reach instances and the plugin", () => {
    const controlPlane = ["10.30.224.0/28", "10.30.224.16/28", "10.30.224.32/28"].map((cidr) => ({ ipBlock: { cidr } }));
    const operator = inv.k8s("kubernetes:networking.k8s.io/v1:NetworkPolicy", "cnpg-operator").spec;
    expect(operator.ingress).toEqual([{ from: controlPlane, ports: [{ protocol: "TCP", port: 9443 }] }]);
    expect(operator.egress).toContainEqual({ to: [...controlPlane, { ipBlock: { cidr: "172.20.0.1/32" } }], ports: [{ protocol: "TCP", port: 443 }] });
    expect(operator.egress).toContainEqual({ to: [{ namespaceSelector: {}, podSelector: { matchLabels: { "cnpg.io/podRole": "instance" } } }], ports: [{ protocol: "TCP", port: 8000 }] });
    const plugin = inv.k8s("kubernetes:networking.k8s.io/v1:NetworkPolicy", "barman-cloud").spec;
    expect(plugin.podSelector.matchLabels).toEqual({ "app.kubernetes.io/name": "plugin-barman-cloud", "app.kubernetes.io/instance": "barman-cloud" });
    expect(plugin.ingress).toEqual([{ from: [{ podSelector: { matchLabels: operator.podSelector.matchLabels } }], ports: [{ protocol: "TCP", port: 9090 }] }]);
    const certManager = inv.k8s("kubernetes:networking.k8s.io/v1:NetworkPolicy", "cert-manager").spec;
    expect(certManager.ingress).toEqual([{ from: controlPlane, ports: [{ protocol: "TCP", port: 10250 }] }]);
  });
});

describe("prod TimescaleDB cluster", () => {
  it("runs three instances of the pinned TimescaleDB image, one per zone", () => {
    expect(spec().instances).toBe(3);
    expect(spec().imageCatalogRef).toEqual({ apiGroup: "postgresql.cnpg.io", kind: "ImageCatalog", name: "timescaledb", major: 18 });
    expect(inv.k8s(CR("ImageCatalog"), "timescaledb").spec.images).toEqual([{ major: 18, image: "timescale/timescaledb-ha:pg18.4-ts2.28.2" }]);
    expect(spec().imageName).toBeUndefined();
    expect(spec()).toMatchObject({ postgresUID: 1000, postgresGID: 1000 });
    expect(spec().affinity).toMatchObject({ enablePodAntiAffinity: true, podAntiAffinityType: "required", topologyKey: "topology.kubernetes.io/zone" });
    expect(spec().primaryUpdateMethod).toBe("switchover");
  });

  it("replicates synchronously to a quorum of one standby, durability required", () => {
    expect(spec().postgresql.synchronous).toEqual({ method: "any", number: 1, dataDurability: "required" });
  });

  it("keeps data and WAL on separate fast-ssd volumes", () => {
    expect(spec().storage).toEqual({ storageClass: "fast-ssd", size: "500Gi" });
    expect(spec().walStorage).toEqual({ storageClass: "fast-ssd", size: "100Gi" });
  });

  it("preloads TimescaleDB and sets the tuned parameters as strings", () => {
    expect(spec().postgresql.shared_preload_libraries).toEqual(["timescaledb"]);
    expect(spec().postgresql.parameters).toEqual({
      shared_buffers: "4GB",
      effective_cache_size: "12GB",
      work_mem: "32MB",
      maintenance_work_mem: "1GB",
      max_wal_size: "16GB",
      max_connections: "200",
      max_worker_processes: "16",
      max_parallel_workers: "4",
      "timescaledb.max_background_workers": "8",
      max_locks_per_transaction: "256",
      "timescaledb.telemetry_level": "off",
    });
    expect(spec().postgresql.extensions).toBeUndefined();
  });

  it("is Guaranteed QoS, sidecar included, and leaves CloudNativePG's restricted security contexts alone", () => {
    expect(spec().resources).toEqual({ requests: { cpu: "4", memory: "16Gi" }, limits: { cpu: "4", memory: "16Gi" } });
    const sidecar = inv.k8s(CR("ObjectStore"), "timescaledb").spec.instanceSidecarConfiguration.resources;
    expect(sidecar).toEqual({ requests: { cpu: "500m", memory: "512Mi" }, limits: { cpu: "500m", memory: "512Mi" } });
    expect(spec().podSecurityContext).toBeUndefined();
    expect(spec().securityContext).toBeUndefined();
    // CloudNativePG's own PodDisruptionBudgets stay on.
    expect(spec().enablePDB).toBeUndefined();
    expect(inv.all("kubernetes:policy/v1:PodDisruptionBudget").filter((p) => (p.inputs as any).metadata.namespace === "hft-data")).toHaveLength(0);
  });

  it("bootstraps the trading database, its owner and the market-data schema", () => {
    expect(spec().bootstrap.initdb).toMatchObject({
      database: "hft_trading",
      owner: "hft_app",
      secret: { name: "timescaledb-app" },
      dataChecksums: true,
      postInitApplicationSQLRefs: { configMapRefs: [{ name: "timescaledb-market-data-schema", key: "market-data.sql" }] },
    });
    const sql: string = inv.k8s("kubernetes:core/v1:ConfigMap", "timescaledb-market-data-schema").data["market-data.sql"];
    expect(sql.indexOf("CREATE EXTENSION IF NOT EXISTS timescaledb;")).toBeLessThan(sql.indexOf("create_hypertable"));
    expect(sql).toContain("SET ROLE hft_app;");
    for (const table of ["ticks", "trades", "positions"]) {
      expect(sql).toContain(`CREATE TABLE IF NOT EXISTS ${table} (`);
      expect(sql).toMatch(new RegExp(`create_hypertable\\('${table}', by_range\\('time', INTERVAL '[^']+'\\), if_not_exists => TRUE\\)`));
      expect(sql).toMatch(new RegExp(`add_compression_policy\\('${table}', INTERVAL '[^']+', if_not_exists => TRUE\\)`));
      expect(sql).toMatch(new RegExp(`add_retention_policy\\('${table}', INTERVAL '[^']+', if_not_exists => TRUE\\)`));
    }
    expect(sql).toContain("add_retention_policy('ticks', INTERVAL '90 days'");
    // Every DDL statement is guarded, so a re-run changes nothing.
    expect(sql.match(/CREATE (TABLE|INDEX) (?!IF NOT EXISTS)/g)).toBeNull();
  });

  it("manages the extension declaratively at the image's TimescaleDB version, never dropping the database", () => {
    expect(inv.k8s(CR("Database"), "timescaledb-hft-trading").spec).toEqual({
      cluster: { name: "timescaledb" },
      name: "hft_trading",
      owner: "hft_app",
      ensure: "present",
      databaseReclaimPolicy: "retain",
      extensions: [{ name: "timescaledb", version: "2.28.2", ensure: "present" }],
    });
  });

  it("keeps superuser logins off and both credentials in generated basic-auth Secrets", () => {
    expect(spec()).toMatchObject({ enableSuperuserAccess: false, superuserSecret: { name: "timescaledb-superuser" } });
    for (const name of ["timescaledb-app", "timescaledb-superuser"]) {
      const secret = inv.k8s("kubernetes:core/v1:Secret", name);
      expect(secret).toMatchObject({ type: "kubernetes.io/basic-auth", stringData: "[secret]", metadata: { namespace: "hft-data" } });
    }
    expect(inv.all("random:index/randomPassword:RandomPassword").map((p) => [p.name, (p.inputs as any).length])).toEqual(
      expect.arrayContaining([["timescaledb-app", 32], ["timescaledb-superuser", 32]]),
    );
  });

  it("is protected in production", () => {
    expect(inv.one(CR("Cluster"), "timescaledb-cluster")).toMatchObject({ protect: true, retainOnDelete: true });
  });
});

describe("prod TimescaleDB backups", () => {
  const bucketName = () => {
    const sse = entry("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", "timescaledb-backups").inputs as any;
    return sse.bucket as string;
  };

  it("archives WAL through the Barman Cloud plugin to the program's bucket with pod-identity credentials", () => {
    expect(spec().plugins).toEqual([{ name: "barman-cloud.cloudnative-pg.io", isWALArchiver: true, parameters: { barmanObjectName: "timescaledb" } }]);
    const store = inv.k8s(CR("ObjectStore"), "timescaledb").spec;
    expect(store.configuration.destinationPath).toBe(`s3://${bucketName()}/cnpg`);
    expect(bucketName()).toMatch(/^hft-prod-timescaledb-backups-[a-f0-9]+$/);
    expect(store.configuration.s3Credentials).toEqual({ inheritFromIAMRole: true });
    expect(store.configuration.wal.compression).toBe("zstd");
    expect(store.instanceSidecarConfiguration.env).toEqual([{ name: "AWS_DEFAULT_REGION", value: "us-east-1" }]);
    expect(store.retentionPolicy).toBe("30d");
    expect(spec().backup).toBeUndefined();
  });

  it("takes a daily base backup through the plugin, starting right away", () => {
    expect(inv.k8s(CR("ScheduledBackup"), "timescaledb-daily").spec).toMatchObject({
      cluster: { name: "timescaledb" },
      schedule: "0 0 3 * * *",
      immediate: true,
      method: "plugin",
      pluginConfiguration: { name: "barman-cloud.cloudnative-pg.io" },
    });
  });

  it("creates a protected bucket: private, versioned, SSE-KMS with its own rotating key, TLS only", () => {
    const bucket = entry("aws:s3/bucket:Bucket", "timescaledb-backups");
    expect(bucket).toMatchObject({ protect: true, retainOnDelete: true });
    expect((bucket.inputs as any).forceDestroy).toBe(false);
    const key = entry("aws:kms/key:Key", "timescaledb-backups");
    expect(key).toMatchObject({ protect: true, retainOnDelete: true, inputs: { enableKeyRotation: true, deletionWindowInDays: 30 } });

    expect(entry("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "timescaledb-backups").inputs).toMatchObject({
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    expect((entry("aws:s3/bucketVersioning:BucketVersioning", "timescaledb-backups").inputs as any).versioningConfiguration).toEqual({ status: "Enabled" });
    expect((entry("aws:s3/bucketOwnershipControls:BucketOwnershipControls", "timescaledb-backups").inputs as any).rule).toEqual({ objectOwnership: "BucketOwnerEnforced" });
    const [rule] = (entry("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", "timescaledb-backups").inputs as any).rules;
    expect(rule.applyServerSideEncryptionByDefault.sseAlgorithm).toBe("aws:kms");
    expect(rule.applyServerSideEncryptionByDefault.kmsMasterKeyId).toMatch(/^arn:aws:kms:us-east-1:\d{12}:key\//);
    // A dedicated key, not the cluster's.
    expect(rule.applyServerSideEncryptionByDefault.kmsMasterKeyId).not.toBe((inv.one("eks:index:Cluster", "hft").inputs as any).encryptionConfigKeyArn);
    expect(rule.bucketKeyEnabled).toBe(true);

    const policy = policyDoc("aws:s3/bucketPolicy:BucketPolicy", "timescaledb-backups");
    const tls = policy.Statement.find((s: any) => s.Sid === "DenyInsecureTransport");
    expect(tls).toMatchObject({ Effect: "Deny", Principal: "*", Action: "s3:*", Condition: { Bool: { "aws:SecureTransport": "false" } } });
    expect(tls.Resource).toEqual([`arn:aws:s3:::${bucketName()}`, `arn:aws:s3:::${bucketName()}/*`]);
  });

  it("expires only what Barman's retention deleted, after the configured days", () => {
    const { rules } = entry("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", "timescaledb-backups").inputs as any;
    expect(rules).toEqual([
      {
        id: "expire-deleted-backups",
        status: "Enabled",
        filter: {},
        noncurrentVersionExpiration: { noncurrentDays: 30 },
        expiration: { expiredObjectDeleteMarker: true },
        abortIncompleteMultipartUpload: { daysAfterInitiation: 7 },
      },
    ]);
  });

  it("binds a least-privilege role to the Cluster's service account through pod identity", () => {
    const association = entry("aws:eks/podIdentityAssociation:PodIdentityAssociation", "timescaledb-backups").inputs as any;
    expect(association).toMatchObject({ clusterName: "hft-prod", namespace: "hft-data", serviceAccount: cluster().metadata.name });
    expect(association.roleArn).toMatch(/^arn:aws:iam::\d{12}:role\/timescaledb-backups-/);
    const trust = policyDoc("aws:iam/role:Role", "timescaledb-backups", "assumeRolePolicy");
    expect(trust.Statement[0]).toMatchObject({ Principal: { Service: "pods.eks.amazonaws.com" }, Action: ["sts:AssumeRole", "sts:TagSession"] });

    const attachment = entry("aws:iam/rolePolicyAttachment:RolePolicyAttachment", "timescaledb-backups").inputs as any;
    expect(attachment.policyArn).toMatch(/^arn:aws:iam::\d{12}:policy\/timescaledb-backups-/);
    const { Statement } = policyDoc("aws:iam/policy:Policy", "timescaledb-backups");
    const bucketArn = `arn:aws:s3:::${bucketName()}`;
    expect(Statement.map((s: any) => [s.Action, s.Resource])).toEqual([
      [["s3:ListBucket", "s3:GetBucketLocation"], bucketArn],
      [["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"], `${bucketArn}/cnpg/*`],
      [["kms:GenerateDataKey", "kms:Decrypt"], expect.stringMatching(/^arn:aws:kms:us-east-1:\d{12}:key\//)],
    ]);
    expect(JSON.stringify(Statement)).not.toMatch(/"Resource":"\*"|"Action":"(s3|kms):\*"/);
    expect(inv.all("aws:iam/accessKey:AccessKey")).toHaveLength(0);
  });
});

describe("prod TimescaleDB client, network and monitoring", () => {
  it("publishes the endpoint and a connection Secret in the engine's namespace", () => {
    expect(run.outputs.timescaledbEndpoint).toEqual({
      host: "timescaledb-rw.hft-data.svc.cluster.local",
      port: 5432,
      database: "hft_trading",
      clientSecretName: "timescaledb-client",
    });
    expect(run.outputs.timescaledbBackupRoleArn).toMatch(/^arn:aws:iam::\d{12}:role\/timescaledb-backups-/);
    expect(inv.k8s("kubernetes:core/v1:Secret", "timescaledb-client")).toMatchObject({ metadata: { namespace: "hft-trading" }, stringData: "[secret]", type: "Opaque" });
  });

  it("never writes a generated password in plain text", () => {
    expect(run.generatedSecrets.length).toBeGreaterThanOrEqual(2);
    const rendered = JSON.stringify(run.inventory);
    for (const secret of run.generatedSecrets) expect(rendered).not.toContain(secret);
  });

  it("admits only the engine, CloudNativePG peers, the operator and Prometheus", () => {
    const policies = inv.all("kubernetes:networking.k8s.io/v1:NetworkPolicy").filter((p) => (p.inputs as any).metadata.namespace === "hft-data");
    expect(policies.map((p) => (p.inputs as any).metadata.name).sort()).toEqual(["cnpg-pods", "default-deny", "timescaledb-clients"]);
    const clients = inv.k8s("kubernetes:networking.k8s.io/v1:NetworkPolicy", "timescaledb-clients").spec;
    expect(clients).toEqual({
      podSelector: { matchLabels: { "cnpg.io/cluster": "timescaledb" } },
      policyTypes: ["Ingress"],
      ingress: [
        {
          from: [
            {
              namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "hft-trading" } },
              podSelector: { matchLabels: { "app.kubernetes.io/name": "trading-engine", "app.kubernetes.io/instance": "trading-engine" } },
            },
          ],
          ports: [{ protocol: "TCP", port: 5432 }],
        },
      ],
    });
    const cnpg = inv.k8s("kubernetes:networking.k8s.io/v1:NetworkPolicy", "cnpg-pods").spec;
    const cnpgPods = { matchExpressions: [{ key: "cnpg.io/cluster", operator: "Exists" }] };
    expect(cnpg.podSelector).toEqual(cnpgPods);
    expect(cnpg.ingress).toEqual([
      { from: [{ podSelector: cnpgPods }], ports: [{ protocol: "TCP", port: 5432 }, { protocol: "TCP", port: 8000 }] },
      {
        from: [
          {
            namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "cnpg-system" } },
            podSelector: { matchLabels: { "app.kubernetes.io/name": "cloudnative-pg", "app.kubernetes.io/instance": "cnpg" } },
          },
        ],
        ports: [{ protocol: "TCP", port: 8000 }],
      },
      // Prometheus' pods, not the whole monitoring namespace.
      {
        from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "monitoring" } }, podSelector: { matchLabels: { "app.kubernetes.io/name": "prometheus", "operator.prometheus.io/name": "kube-prometheus-stack-prometheus" } } }],
        ports: [{ protocol: "TCP", port: 9187 }],
      },
    ]);
  });

  it("lets CloudNativePG pods out to DNS, each other, the API server, S3 and the pod-identity agent only", () => {
    const egress = inv.k8s("kubernetes:networking.k8s.io/v1:NetworkPolicy", "cnpg-pods").spec.egress;
    const ports = egress.flatMap((rule: any) => rule.ports.map((p: any) => p.port));
    expect([...new Set(ports)].sort()).toEqual([443, 53, 5432, 80, 8000].sort());
    expect(egress).toContainEqual({ to: [{ ipBlock: { cidr: "169.254.170.23/32" } }], ports: [{ protocol: "TCP", port: 80 }] });
    const controlPlane = ["10.30.224.0/28", "10.30.224.16/28", "10.30.224.32/28"].map((cidr) => ({ ipBlock: { cidr } }));
    expect(egress).toContainEqual({ to: [...controlPlane, { ipBlock: { cidr: "172.20.0.1/32" } }], ports: [{ protocol: "TCP", port: 443 }] });
    // S3 over the internet: every private range and the Service range excepted, so no in-cluster Service on 443 opens with it.
    const s3 = egress.find((r: any) => r.to[0].ipBlock?.cidr === "0.0.0.0/0");
    expect(s3.ports).toEqual([{ protocol: "TCP", port: 443 }]);
    expect(s3.to[0].ipBlock.except).toEqual(expect.arrayContaining(["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "169.254.0.0/16"]));
  });

  it("scrapes every instance and alerts on availability, replication, archiving, backups and disk", () => {
    const monitor = inv.k8s("kubernetes:monitoring.coreos.com/v1:PodMonitor", "timescaledb");
    expect(monitor.metadata.namespace).toBe("hft-data");
    expect(monitor.spec).toMatchObject({ selector: { matchLabels: { "cnpg.io/cluster": "timescaledb", "cnpg.io/podRole": "instance" } }, podMetricsEndpoints: [{ port: "metrics" }] });
    expect(spec().monitoring).toEqual({ enablePodMonitor: false });
    const rules = inv.k8s("kubernetes:monitoring.coreos.com/v1:PrometheusRule", "timescaledb").spec.groups[0].rules;
    const byName = Object.fromEntries(rules.map((r: any) => [r.alert, r]));
    expect(Object.keys(byName).sort()).toEqual(
      [
        "TimescaleDBBackupFailed",
        "TimescaleDBBackupTooOld",
        "TimescaleDBInstanceDown",
        "TimescaleDBInstancesMissing",
        "TimescaleDBReplicationLag",
        "TimescaleDBSynchronousStandbysMissing",
        "TimescaleDBVolumeFillingUp",
        "TimescaleDBVolumeNearlyFull",
        "TimescaleDBWALArchivingFailing",
      ].sort(),
    );
    expect(byName.TimescaleDBBackupTooOld.expr).toContain("> 93600");
    expect(byName.TimescaleDBInstancesMissing.expr).toContain("< 3");
    expect(byName.TimescaleDBReplicationLag.expr).toContain("cnpg_pg_replication_lag");
    expect(byName.TimescaleDBVolumeNearlyFull.expr).toContain('persistentvolumeclaim=~"timescaledb-[0-9]+(-wal)?"');
  });
});

describe("prod TimescaleDB ordering", () => {
  const urn = (type: string, name: string) => entry(type, name).urn;
  const deps = (type: string, name: string) => entry(type, name).dependsOn ?? [];

  it("creates the Cluster after the operator, the plugin, its ObjectStore and the pod-identity association", () => {
    const clusterDeps = deps(CR("Cluster"), "timescaledb-cluster");
    expect(clusterDeps).toContain(urn("kubernetes:helm.sh/v4:Chart", "cnpg"));
    expect(clusterDeps).toContain(urn("kubernetes:helm.sh/v4:Chart", "barman-cloud"));
    expect(clusterDeps).toContain(urn(CR("ObjectStore"), "timescaledb-object-store"));
    expect(clusterDeps).toContain(urn(CR("ImageCatalog"), "timescaledb-image-catalog"));
    expect(clusterDeps).toContain(urn("aws:eks/podIdentityAssociation:PodIdentityAssociation", "timescaledb-backups"));
  });

  it("creates plugin objects after the plugin, and the plugin after cert-manager and the operator", () => {
    expect(deps(CR("ObjectStore"), "timescaledb-object-store")).toContain(urn("kubernetes:helm.sh/v4:Chart", "barman-cloud"));
    const backupDeps = deps(CR("ScheduledBackup"), "timescaledb-scheduled-backup");
    expect(backupDeps).toContain(urn("kubernetes:helm.sh/v4:Chart", "barman-cloud"));
    expect(backupDeps).toContain(urn(CR("Cluster"), "timescaledb-cluster"));
    expect(deps(CR("Database"), "timescaledb-database")).toContain(urn(CR("Cluster"), "timescaledb-cluster"));
    const pluginDeps = deps("kubernetes:helm.sh/v4:Chart", "barman-cloud");
    expect(pluginDeps).toContain(urn("kubernetes:helm.sh/v4:Chart", "cert-manager"));
    expect(pluginDeps).toContain(urn("kubernetes:helm.sh/v4:Chart", "cnpg"));
  });

  it("installs the plugin (its Issuer and Certificates) only after cert-manager's API check has passed", () => {
    const check = "cert-manager-startupapicheck";
    const job = inv.k8s("kubernetes:batch/v1:Job", check);
    expect(job.metadata.namespace).toBe("cert-manager");
    const container = job.spec.template.spec.containers[0];
    // The chart's own hook, at the pinned chart version (the v4 Chart omits hooks).
    expect(container.image).toBe("quay.io/jetstack/cert-manager-startupapicheck:v1.21.1");
    expect(container.args).toEqual(["check", "api", "--wait=1m", "-v"]);
    expect(job.spec.template.spec.serviceAccountName).toBe(check);
    expect(inv.k8s("kubernetes:rbac.authorization.k8s.io/v1:Role", check).rules).toEqual([
      { apiGroups: ["cert-manager.io"], resources: ["certificaterequests"], verbs: ["create"] },
    ]);
    expect(deps("kubernetes:batch/v1:Job", check)).toContain(urn("kubernetes:helm.sh/v4:Chart", "cert-manager"));
    expect(deps("kubernetes:batch/v1:Job", check)).toContain(urn("kubernetes:rbac.authorization.k8s.io/v1:RoleBinding", check));
    expect(deps("kubernetes:helm.sh/v4:Chart", "barman-cloud")).toContain(urn("kubernetes:batch/v1:Job", check));
  });
});
