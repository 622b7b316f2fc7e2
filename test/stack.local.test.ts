import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it } from "vitest";
import { ExistingCluster } from "../components/existing-cluster";
import { runStack, StackRun } from "../tools/harness";
import { installMocks } from "../tools/mocks";
import { Inventory } from "./inventory";

let run: StackRun;
let inv: Inventory;

beforeAll(async () => {
  run = await runStack("local");
  inv = new Inventory(run.inventory);
});

const CHART = "kubernetes:helm.sh/v4:Chart";
const inNamespace = (type: string, namespace: string) => inv.all(type).filter((e) => (e.inputs as any).metadata?.namespace === namespace);

describe("local stack: an existing cluster, no AWS", () => {
  it("registers no AWS or EKS resource", () => {
    const cloud = run.inventory.filter((e) => /^(aws|eks):/.test(e.type) || e.type.startsWith("pulumi:providers:aws") || e.type.startsWith("pulumi:providers:eks"));
    expect(cloud.map((e) => `${e.type} ${e.name}`)).toEqual([]);
    expect(inv.all("hft:platform:Network")).toHaveLength(0);
    expect(inv.all("hft:platform:Cluster")).toHaveLength(0);
    expect(inv.all("hft:platform:Storage")).toHaveLength(0);
    // The cluster's StorageClasses are used, never created.
    expect(inv.all("kubernetes:storage.k8s.io/v1:StorageClass")).toHaveLength(0);
  });

  it("runs the engine, Redis, TimescaleDB and the Prometheus stack", () => {
    expect(inv.k8s("kubernetes:apps/v1:StatefulSet", "trading-engine").spec.replicas).toBe(1);
    expect(inv.k8s("kubernetes:apps/v1:StatefulSet", "redis").spec.replicas).toBe(1);
    expect(inv.k8s("kubernetes:postgresql.cnpg.io/v1:Cluster", "timescaledb").spec.instances).toBe(1);
    expect(inv.one(CHART, "kube-prometheus-stack").inputs).toMatchObject({ chart: "kube-prometheus-stack", version: "88.5.3", namespace: "monitoring" });
    expect((inv.one(CHART, "kube-prometheus-stack").inputs as any).values.prometheus.prometheusSpec).toMatchObject({ retention: "2d", replicas: 1 });
    expect(inv.one(CHART, "cnpg").inputs).toMatchObject({ chart: "cloudnative-pg", version: "0.29.0" });
  });

  it("applies everything through one provider for the kind-hft context, holding no kubeconfig contents", () => {
    const providers = inv.all("pulumi:providers:kubernetes");
    expect(providers).toHaveLength(1);
    expect(providers[0].parent).toBe(inv.one("hft:platform:ExistingCluster", "hft").urn);
    expect(providers[0].inputs).toEqual({ context: "kind-hft", enableServerSideApply: "true" });
    const ref = `${providers[0].urn}::hft-id`;
    const kubernetesObjects = run.inventory.filter((e) => e.type.startsWith("kubernetes:"));
    expect(kubernetesObjects.length).toBeGreaterThan(50);
    expect(kubernetesObjects.filter((e) => e.provider !== ref).map((e) => e.name)).toEqual([]);
  });

  it("puts every volume on the mapped class, reference data ReadWriteOnce", () => {
    const engine = inv.k8s("kubernetes:apps/v1:StatefulSet", "trading-engine").spec;
    expect(engine.volumeClaimTemplates.map((t: any) => [t.metadata.name, t.spec.storageClassName, t.spec.accessModes])).toEqual([
      ["logs", "standard", ["ReadWriteOnce"]],
      ["data", "standard", ["ReadWriteOnce"]],
    ]);
    expect(inv.k8s("kubernetes:core/v1:PersistentVolumeClaim", "trading-reference-data").spec).toEqual({
      accessModes: ["ReadWriteOnce"],
      storageClassName: "standard",
      resources: { requests: { storage: "1Gi" } },
    });
    expect(inv.k8s("kubernetes:apps/v1:StatefulSet", "redis").spec.volumeClaimTemplates[0].spec.storageClassName).toBe("standard");
    const cluster = inv.k8s("kubernetes:postgresql.cnpg.io/v1:Cluster", "timescaledb").spec;
    expect([cluster.storage, cluster.walStorage]).toEqual([
      { storageClass: "standard", size: "5Gi" },
      { storageClass: "standard", size: "2Gi" },
    ]);
    const values = (inv.one(CHART, "kube-prometheus-stack").inputs as any).values;
    expect(values.prometheus.prometheusSpec.storageSpec.volumeClaimTemplate.spec.storageClassName).toBe("standard");
    expect(values.alertmanager.alertmanagerSpec.storage.volumeClaimTemplate.spec.storageClassName).toBe("standard");
    expect(values.kubeTargetVersionOverride).toBe("1.34");
  });

  it("takes no backups: no ObjectStore, schedule, WAL archiving or plugin, and no S3 egress", () => {
    expect(inv.all("kubernetes:barmancloud.cnpg.io/v1:ObjectStore")).toHaveLength(0);
    expect(inv.all("kubernetes:postgresql.cnpg.io/v1:ScheduledBackup")).toHaveLength(0);
    // cert-manager issues the metrics adapter's serving certificate here too.
    expect(inv.all(CHART).map((c) => c.name).sort()).toEqual(["cert-manager", "cnpg", "kube-prometheus-stack", "prometheus-adapter"]);
    expect(inv.k8s("kubernetes:postgresql.cnpg.io/v1:Cluster", "timescaledb").spec.plugins).toBeUndefined();
    const egress = inv.k8s("kubernetes:networking.k8s.io/v1:NetworkPolicy", "cnpg-pods").spec.egress;
    expect(JSON.stringify(egress)).not.toMatch(/0\.0\.0\.0\/0|169\.254\.170\.23/);
    expect(inNamespace("kubernetes:networking.k8s.io/v1:NetworkPolicy", "cnpg-system").map((p) => (p.inputs as any).metadata.name).sort()).toEqual(["cnpg-operator", "default-deny"]);
    const operatorEgress = JSON.stringify(inv.k8s("kubernetes:networking.k8s.io/v1:NetworkPolicy", "cnpg-operator").spec.egress);
    expect(operatorEgress).not.toContain("plugin-barman-cloud");
    const alerts = inv.k8s("kubernetes:monitoring.coreos.com/v1:PrometheusRule", "timescaledb").spec.groups[0].rules.map((r: any) => r.alert);
    expect(alerts).not.toContain("TimescaleDBBackupTooOld");
    expect(alerts).not.toContain("TimescaleDBWALArchivingFailing");
    expect(alerts).toContain("TimescaleDBInstanceDown");
    expect(run.outputs.timescaledbBackupBucket).toBeUndefined();
  });

  it("reaches the API server on kind's node range on 6443 and through the kubernetes Service on 443", () => {
    const apiServer = [
      { to: [{ ipBlock: { cidr: "10.96.0.1/32" } }], ports: [{ protocol: "TCP", port: 443 }] },
      { to: [{ ipBlock: { cidr: "172.18.0.0/16" } }], ports: [{ protocol: "TCP", port: 6443 }] },
    ];
    for (const name of ["cnpg-pods", "cnpg-operator", "prometheus", "grafana"]) {
      for (const rule of apiServer) expect(inv.k8s("kubernetes:networking.k8s.io/v1:NetworkPolicy", name).spec.egress).toContainEqual(rule);
    }
    // On kind the API server lives among the nodes: webhooks admit the node range, no more.
    expect(inv.k8s("kubernetes:networking.k8s.io/v1:NetworkPolicy", "cnpg-operator").spec.ingress[0].from).toEqual([{ ipBlock: { cidr: "172.18.0.0/16" } }]);
    expect(inv.k8s("kubernetes:networking.k8s.io/v1:NetworkPolicy", "prometheus").spec.egress).toContainEqual({
      to: [{ ipBlock: { cidr: "172.18.0.0/16" } }],
      ports: [{ protocol: "TCP", port: 10250 }, { protocol: "TCP", port: 9100 }],
    });
  });

  it("exposes the engine through the cluster's own load balancer, without AWS annotations", () => {
    const service = inv.k8s("kubernetes:core/v1:Service", "trading-engine-external");
    expect(service.metadata.annotations).toBeUndefined();
    expect(service.spec).toMatchObject({ type: "LoadBalancer", loadBalancerSourceRanges: ["172.18.0.0/16"], externalTrafficPolicy: "Local" });
  });

  it("still pins the engine to tuned, tainted nodes", () => {
    const pod = inv.k8s("kubernetes:apps/v1:StatefulSet", "trading-engine").spec.template.spec;
    expect(pod.nodeSelector).toEqual({ "node-type": "high-performance" });
    expect(pod.tolerations).toEqual([{ key: "node-type", operator: "Equal", value: "high-performance", effect: "NoSchedule" }]);
    const engine = pod.containers.find((c: any) => c.name === "trading-engine");
    expect(engine.resources.requests).toEqual(engine.resources.limits);
    expect(engine.resources.limits).toMatchObject({ cpu: "2", "hugepages-2Mi": "512Mi" });
  });

  it("exports what the engine nodes must offer, and no AWS outputs", () => {
    expect(run.outputs.engineNodeRequirements).toEqual({
      labels: { "node-type": "high-performance" },
      taints: [{ key: "node-type", value: "high-performance", effect: "NoSchedule" }],
      kubelet: {
        cpuManagerPolicy: "static",
        cpuManagerPolicyOptions: { "full-pcpus-only": "true" },
        reservedSystemCPUs: "0-1",
        cpuCFSQuota: false,
        kubeReservedCgroup: "",
        systemReservedCgroup: "",
        topologyManagerPolicy: "single-numa-node",
        topologyManagerScope: "pod",
        memoryManagerPolicy: "Static",
        // Hand-prepared nodes: the kubelet's default 110 pods (11 MiB each + 255 MiB), 1 GiB for the OS, one NUMA node.
        reservedMemory: [{ numaNode: 0, limits: { memory: "2589Mi" } }],
        kubeReserved: { memory: "1465Mi", "ephemeral-storage": "1Gi" },
        systemReserved: { memory: "1024Mi" },
        evictionHard: { "memory.available": "100Mi", "nodefs.available": "10%", "nodefs.inodesFree": "5%" },
      },
      hugepages2Mi: 512,
      sysctls: {
        "net.core.busy_poll": "50",
        "net.core.busy_read": "50",
        "net.core.rmem_max": "16777216",
        "net.core.wmem_max": "16777216",
        "vm.nr_hugepages": "512",
        "vm.swappiness": "0",
        "kernel.numa_balancing": "0",
      },
      transparentHugepages: "never",
      // The rest of the 8 CPUs isolated; no C-state arguments on a node whose processor-state control is unknown.
      cpus: { reserved: "0-1", isolated: "2-7" },
      kernelArgs: ["isolcpus=managed_irq,2-7", "nohz_full=2-7", "rcu_nocbs=2-7", "irqaffinity=0-1", "clocksource=tsc"],
      verifiedLabel: { key: "hft-platform/latency-verified", value: "true" },
    });
    expect(run.outputs.storageClasses).toEqual({ fastSsd: "standard", gp3: "standard", sharedFilesystem: "standard" });
    for (const key of ["vpcId", "clusterName", "kubeconfig", "efsFileSystemId", "timescaledbBackupRoleArn"]) expect(run.outputs[key], key).toBeUndefined();
  });

  it("writes no generated secret in plain text", () => {
    expect(run.generatedSecrets.length).toBeGreaterThan(3);
    const everything = JSON.stringify(run.inventory);
    for (const value of run.generatedSecrets) expect(everything).not.toContain(value);
  });
});

describe("ExistingCluster provider", () => {
  it("reads a kubeconfig path, or renders to a directory for GitOps instead of applying", async () => {
    const session = await installMocks("local");
    new ExistingCluster("by-path", { kubeconfig: { path: "~/.kube/kind-hft.yaml", context: "kind-hft" } });
    new ExistingCluster("gitops", { kubeconfig: {}, renderYamlToDirectory: "gitops/local" });
    await pulumi.runtime.disconnect();
    const built = new Inventory(session.inventory);
    expect(built.one("pulumi:providers:kubernetes", "by-path").inputs).toEqual({ kubeconfig: "~/.kube/kind-hft.yaml", context: "kind-hft", enableServerSideApply: "true" });
    expect(built.one("pulumi:providers:kubernetes", "gitops").inputs).toEqual({ renderYamlToDirectory: "gitops/local", alwaysRender: "true", enableServerSideApply: "true" });
  });
});
