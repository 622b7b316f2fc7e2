import { beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { stackWorkloads } from "../tools/capacity/workloads";
import { runStack, StackRun } from "../tools/harness";
import { embeddedManifests } from "../tools/inventory";
import { validateObjects } from "../tools/schema";
import { Inventory } from "./inventory";

let run: StackRun;
let inv: Inventory;

beforeAll(async () => {
  run = await runStack("prod");
  inv = new Inventory(run.inventory);
});

const files = () => inv.k8s("kubernetes:core/v1:ConfigMap", "restore-drill").data as Record<string, string>;
const scratch = () => parse(files()["cluster.yaml"]);

describe("prod restore drill", () => {
  it("runs weekly outside the trading week, one at a time, within its time budget", () => {
    const cron = inv.k8s("kubernetes:batch/v1:CronJob", "restore-drill");
    expect(cron.metadata.namespace).toBe("hft-restore-drill");
    expect(cron.spec).toMatchObject({ schedule: "0 6 * * 6", timeZone: "Etc/UTC", concurrencyPolicy: "Forbid" });
    expect(cron.spec.jobTemplate.spec).toMatchObject({ backoffLimit: 0, activeDeadlineSeconds: 120 * 60 + 600 });
    const pod = cron.spec.jobTemplate.spec.template.spec;
    expect(pod).toMatchObject({ serviceAccountName: "restore-drill-runner", priorityClassName: "restore-drill", restartPolicy: "Never" });
    expect(pod.containers[0].image).toBe("registry.k8s.io/kubectl:v1.34.2");
    expect(pod.containers[0].securityContext).toMatchObject({ runAsNonRoot: true, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false });
    expect(pod.containers[0].resources).toEqual({ requests: { cpu: "500m", memory: "256Mi" }, limits: { cpu: "500m", memory: "256Mi" } });
  });

  it("restores the latest backup of timescaledb into a one-instance scratch cluster that passes the CloudNativePG schema", async () => {
    const cluster = scratch();
    expect(cluster.metadata).toMatchObject({ name: "restore-drill", namespace: "hft-restore-drill" });
    expect(cluster.spec.instances).toBe(1);
    expect(cluster.spec.bootstrap).toEqual({ recovery: { source: "origin", database: "hft_trading", owner: "hft_app" } });
    expect(cluster.spec.externalClusters).toEqual([
      { name: "origin", plugin: { name: "barman-cloud.cloudnative-pg.io", parameters: { barmanObjectName: "restore-drill-source", serverName: "timescaledb" } } },
    ]);
    // No WAL archiving from the scratch cluster: it must never write into the database's backups.
    expect(cluster.spec.plugins).toBeUndefined();
    const source = inv.k8s("kubernetes:barmancloud.cnpg.io/v1:ObjectStore", "restore-drill-source");
    const original = inv.k8s("kubernetes:barmancloud.cnpg.io/v1:ObjectStore", "timescaledb");
    expect(source.spec.configuration.destinationPath).toBe(original.spec.configuration.destinationPath);
    expect(source.spec.retentionPolicy).toBeUndefined();
    const report = await validateObjects(embeddedManifests(run.inventory));
    expect(report.errors).toEqual([]);
    expect(report.checked).toBe(1);
  });

  it("refuses a scratch cluster the CloudNativePG schema does not accept", async () => {
    const [manifest] = embeddedManifests(run.inventory);
    const broken = { ...manifest, object: { ...manifest.object, spec: { ...(manifest.object.spec as object), instances: "one" } } };
    const report = await validateObjects([broken]);
    expect(report.errors.length).toBeGreaterThan(0);
  });

  it("checks the schema and counts every market-data hypertable, then always removes the scratch cluster", () => {
    const sql = files()["check.sql"];
    expect(sql).toContain("ARRAY['ticks', 'trades', 'positions']");
    for (const table of ["ticks", "trades", "positions"]) expect(sql).toContain(`SELECT 'rows ${table} ' || count(*) FROM ${table};`);
    const script = files()["drill.sh"];
    expect(script).toMatch(/trap cleanup EXIT INT TERM\ncleanup\n/);
    expect(script).toContain('kubectl -n "$ns" wait "cluster/$name" --for=condition=Ready --timeout="$TIMEOUT"');
    expect(script).toContain("recovered in $((ready - start))s");
  });

  it("gives the runner only the scratch cluster, its pods and exec into them, in its own namespace", () => {
    const role = inv.k8s("kubernetes:rbac.authorization.k8s.io/v1:Role", "restore-drill-runner");
    expect(role.metadata.namespace).toBe("hft-restore-drill");
    expect(role.rules).toEqual([
      { apiGroups: ["postgresql.cnpg.io"], resources: ["clusters"], verbs: ["get", "list", "watch", "create", "patch", "delete"] },
      { apiGroups: [""], resources: ["pods"], verbs: ["get", "list"] },
      { apiGroups: [""], resources: ["pods/exec"], verbs: ["create", "get"] },
    ]);
    expect(JSON.stringify(role.rules)).not.toContain("secrets");
    expect(inv.all("kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding").some((b) => JSON.stringify(b.inputs).includes("restore-drill"))).toBe(false);
  });

  it("hands the scratch cluster's service account a read-only backup role through pod identity", () => {
    const association = inv.all("aws:eks/podIdentityAssociation:PodIdentityAssociation").find((a) => (a.inputs as any).namespace === "hft-restore-drill")!;
    expect(association.inputs).toMatchObject({ serviceAccount: "restore-drill" });
    const policy = JSON.parse(String(inv.one("aws:iam/policy:Policy", "timescaledb-backups-reader").inputs.policy));
    const actions = policy.Statement.flatMap((s: any) => [s.Action].flat());
    expect(actions.sort()).toEqual(["kms:Decrypt", "s3:GetBucketLocation", "s3:GetObject", "s3:ListBucket"]);
  });

  it("lets the runner reach only DNS and the API server, and the scratch pods only what a restore needs", () => {
    const runner = inv.k8s("kubernetes:networking.k8s.io/v1:NetworkPolicy", "restore-drill-runner").spec;
    // Isolated for ingress with no rule: nothing comes in.
    expect(runner.policyTypes).toEqual(["Ingress", "Egress"]);
    expect(runner.ingress ?? []).toEqual([]);
    expect(runner.egress.map((e: any) => e.ports.map((p: any) => p.port))).toEqual([[53, 53], [443]]);
    const pods = inv.k8s("kubernetes:networking.k8s.io/v1:NetworkPolicy", "restore-drill-scratch").spec;
    expect(pods.ingress.map((i: any) => i.ports.map((p: any) => p.port))).toEqual([[5432, 8000], [8000]]);
    expect(pods.egress.map((e: any) => e.ports.map((p: any) => p.port))).toEqual([[53, 53], [5432, 8000], [443], [443], [80]]);
  });

  it("is counted by the capacity model, and gives way when a node is lost", () => {
    const workloads = stackWorkloads(run.inventory);
    const runner = workloads.find((w) => w.name === "hft-restore-drill/restore-drill" && w.kind === "CronJob")!;
    const instance = workloads.find((w) => w.name === "hft-restore-drill/restore-drill" && w.kind === "Cluster")!;
    expect(runner.pod.requests.cpu).toBe(0.5);
    // The instance and the Barman Cloud sidecar that restores WAL through the source ObjectStore.
    expect(instance.pod.requests.cpu).toBe(4.5);
    expect(runner.preemptible && instance.preemptible).toBe(true);
    expect(inv.k8s("kubernetes:scheduling.k8s.io/v1:PriorityClass", "restore-drill")).toMatchObject({ value: -1000, preemptionPolicy: "Never" });
  });

  it("alerts when the last successful drill is older than a week and a day, and when a run fails", () => {
    const rules = inv.k8s("kubernetes:monitoring.coreos.com/v1:PrometheusRule", "restore-drill").spec.groups[0].rules;
    expect(rules.map((r: any) => r.alert)).toEqual(["RestoreDrillTooOld", "RestoreDrillFailed"]);
    expect(rules[0].expr).toContain("> 691200");
  });
});
