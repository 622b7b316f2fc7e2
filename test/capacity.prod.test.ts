import { beforeAll, describe, expect, it } from "vitest";
import { capacityOfRender, CapacityReport } from "../tools/capacity";
import { modelDiff, modelDiffLine, modelStack } from "../tools/capacity/report";
import { stackWorkloads } from "../tools/capacity/workloads";
import { costOfRender, CostReport } from "../tools/cost";
import { HOURS_PER_MONTH, PRICES } from "../tools/data/prices";
import { markdownReport } from "../tools/diff";
import { REPO_ROOT, runStack, StackRun } from "../tools/harness";
import { Inventory } from "./inventory";

let run: StackRun;
let capacity: CapacityReport;
let cost: CostReport;

beforeAll(async () => {
  run = await runStack("prod");
  capacity = capacityOfRender("prod", run.inventory);
  cost = costOfRender("prod", run.inventory, capacity);
});

describe("prod capacity", () => {
  it("fits every pod at full scale (engine HPA at 5) and keeps every disruption budget after losing any node", () => {
    expect(capacity.unschedulable).toEqual([]);
    expect(capacity.fits).toBe(true);
    expect(capacity.nMinus1).toEqual({ fits: true, short: [], scenarios: 8 });
  });

  it("holds one engine pod per c6i.metal up to the HPA maximum, with whole cores left for the OS", () => {
    const engine = capacity.nodeGroups.find((g) => g.name === "hft-engine")!;
    expect(engine).toMatchObject({ instanceType: "c6i.metal", nodes: 5, perNode: { cpu: 120, hugepages2Mi: 32 * 1024 ** 3, pods: 737 } });
    const workloads = stackWorkloads(run.inventory);
    expect(workloads.find((w) => w.name === "hft-trading/trading-engine")).toMatchObject({ replicas: 3, maxReplicas: 5, minAvailable: 2 });
    expect(engine.requested.cpu).toBeGreaterThan(5 * 8);
  });

  it("models the charts' and add-ons' pods, with the new Prometheus and Alertmanager budgets", () => {
    const names = stackWorkloads(run.inventory).map((w) => w.name);
    for (const n of ["monitoring/prometheus", "monitoring/alertmanager", "node-exporter/node-exporter", "kube-system/coredns", "kube-system/ebs-csi-node", "cert-manager/cert-manager-webhook", "hft-data/timescaledb"]) {
      expect(names).toContain(n);
    }
    const w = (n: string) => stackWorkloads(run.inventory).find((x) => x.name === n)!;
    expect(w("monitoring/prometheus")).toMatchObject({ replicas: 2, minAvailable: 1 });
    expect(w("monitoring/alertmanager")).toMatchObject({ replicas: 3, minAvailable: 2 });
    expect(w("hft-data/timescaledb").pod.requests.cpu).toBeCloseTo(4.5);
    const values = new Inventory(run.inventory).one("kubernetes:helm.sh/v4:Chart", "kube-prometheus-stack").inputs.values as any;
    expect(values.prometheus.podDisruptionBudget).toEqual({ enabled: true, minAvailable: 1, unhealthyPodEvictionPolicy: "AlwaysAllow" });
    expect(values.alertmanager.podDisruptionBudget).toEqual({ enabled: true, minAvailable: 2, unhealthyPodEvictionPolicy: "AlwaysAllow" });
  });
});

describe("prod HPA metrics", () => {
  it("has metrics.k8s.io served by the metrics-server add-on and the latency metric by prometheus-adapter", () => {
    expect(capacity.hpaMetrics).toEqual([
      { hpa: "hft-trading/trading-engine-hpa", api: "metrics.k8s.io", servedBy: "metrics-server (EKS add-on)" },
      { hpa: "hft-trading/trading-engine-hpa", api: "custom.metrics.k8s.io", servedBy: "prometheus-adapter" },
    ]);
  });

  it("fails the model when nothing serves the HPA's CPU and memory metrics", () => {
    const withoutAddon = run.inventory.filter((r) => !(r.type === "aws:eks/addon:Addon" && r.inputs.addonName === "metrics-server"));
    expect(() => modelStack("prod", withoutAddon, REPO_ROOT)).toThrow(
      /HPA hft-trading\/trading-engine-hpa reads metrics\.k8s\.io, which nothing in the stack serves: it could not scale \(metrics-server: cluster\.addons\.metricsServer\)/,
    );
  });
});

describe("prod cost", () => {
  const p = PRICES["us-east-1"];

  it("prices every group's instances at configured and maximum counts, c6i.metal among them", () => {
    expect(cost).toMatchObject({ region: "us-east-1", currency: "USD", priceDate: p.priceDate });
    const metal = cost.items.find((i) => i.resource === "EC2 c6i.metal (hft-engine)")!;
    expect(metal).toMatchObject({ quantity: 5, unit: "instances" });
    expect(metal.monthly).toBeCloseTo(5 * p.ec2Hourly["c6i.metal"] * HOURS_PER_MONTH, 2);
    const system = cost.items.find((i) => i.resource === "EC2 m6i.4xlarge (hft-system)")!;
    expect(system.monthlyAtMax).toBeCloseTo(6 * p.ec2Hourly["m6i.4xlarge"] * HOURS_PER_MONTH, 2);
  });

  it("charges gp3 IOPS above 3,000 and throughput above 125 MiB/s per volume, at replicas", () => {
    const prometheus = cost.items.find((i) => i.resource.startsWith("EBS gp3 monitoring/prometheus"))!;
    expect(prometheus.quantity).toBe(2);
    expect(prometheus.monthly).toBeCloseTo(2 * (500 * 0.08 + 13000 * 0.005 + 875 * 0.04), 2);
    const roots = cost.items.find((i) => i.resource === "EBS gp3 hft-engine root volumes (200 GiB)")!;
    expect(roots.monthly).toBeCloseTo(5 * 200 * 0.08, 2);
  });

  it("adds up its lines, including the control plane, NAT gateways and the assumed usage", () => {
    expect(cost.monthly).toBeCloseTo(cost.items.reduce((s, i) => s + i.monthly, 0), 1);
    expect(cost.items.map((i) => i.resource)).toEqual(
      expect.arrayContaining(["EKS control plane (standard support)", "NAT gateway hours", "KMS keys", "EFS Standard storage (claims filled to their size)"]),
    );
    expect(cost.items.find((i) => i.resource === "NAT gateway hours")).toMatchObject({ quantity: 3 });
  });

  it("shows the monthly change of one more engine node in the diff", () => {
    const moreEngine = run.inventory.map((r) =>
      r.type === "aws:eks/nodeGroup:NodeGroup" && r.name === "hft-engine"
        ? { ...r, inputs: { ...r.inputs, scalingConfig: { minSize: 6, desiredSize: 6, maxSize: 6 } } }
        : r,
    );
    const d = modelDiff("prod", run.inventory, moreEngine, REPO_ROOT, REPO_ROOT);
    expect(d.monthlyChange).toBeCloseTo(p.ec2Hourly["c6i.metal"] * HOURS_PER_MONTH + 200 * 0.08, 2);
    expect(modelDiffLine(d)).toMatch(/^Capacity and cost: fits, \$[\d.]+\/month → fits, \$[\d.]+\/month \(\+\$3987\.20\/month\)$/);
    const report = markdownReport([{ stack: "prod", added: [], removed: [], changed: [], unchanged: 1, models: d }], "HEAD~1");
    expect(report).toContain(`### Stack \`prod\`\n\n${modelDiffLine(d)}\n`);
  });
});
