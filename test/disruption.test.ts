import { describe, expect, it } from "vitest";
import { diffInventories, markdownReport } from "../tools/diff";
import { tradingImpact } from "../tools/disruption";
import { InventoryEntry } from "../tools/inventory";

const entry = (type: string, name: string, inputs: Record<string, unknown>): InventoryEntry => ({ urn: `urn:pulumi:prod::hft-platform::${type}::${name}`, type, name, custom: true, inputs });
const k8s = (kind: string, namespace: string, name: string, spec: Record<string, unknown> = {}) =>
  entry(`kubernetes:${kind}`, name, { metadata: { name, namespace, labels: { app: name } }, spec });

/** The class of a change from `before` to `after` (undefined: the resource does not exist on that side). */
function classify(before: InventoryEntry | undefined, after: InventoryEntry | undefined) {
  const base = before ? [before] : [];
  const head = after ? [after] : [];
  return tradingImpact(diffInventories("prod", base, head), base, head);
}

describe("trading-path classes", () => {
  it("an engine pod template change restarts engine pods: disruptive", () => {
    const sts = (image: string) => k8s("apps/v1:StatefulSet", "hft-trading", "trading-engine", { template: { spec: { containers: [{ name: "engine", image }] } } });
    const impact = classify(sts("engine:v1"), sts("engine:v2"));
    expect(impact.class).toBe("disruptive");
    expect(impact.objects[0]).toMatchObject({ name: "trading-engine", namespace: "hft-trading", reason: "restarts engine pods" });
  });

  it("the engine's or the system's nodes replaced: disruptive, saying which", () => {
    const lt = (name: string, imageId: string) => entry("aws:ec2/launchTemplate:LaunchTemplate", name, { imageId });
    expect(classify(lt("hft-engine", "ami-1"), lt("hft-engine", "ami-2")).objects[0].reason).toMatch(/engine nodes/);
    expect(classify(lt("hft-system", "ami-1"), lt("hft-system", "ami-2")).objects[0].reason).toMatch(/Redis and TimescaleDB pods are evicted and fail over/);
    const ng = (maxUnavailable: number) => entry("aws:eks/nodeGroup:NodeGroup", "hft-engine", { updateConfig: { maxUnavailable } });
    expect(classify(ng(1), ng(2)).class).toBe("disruptive");
  });

  it("Services and network policies of the trading path, Redis restarts and the database cluster: disruptive", () => {
    const svc = (port: number) => k8s("core/v1:Service", "hft-trading", "trading-engine", { ports: [{ name: "fix", port }] });
    expect(classify(svc(9000), svc(9001)).class).toBe("disruptive");
    const netpol = (port: number) => k8s("networking.k8s.io/v1:NetworkPolicy", "hft-data", "timescaledb-ingress", { ingress: [{ ports: [{ port }] }] });
    expect(classify(netpol(5432), netpol(5433)).class).toBe("disruptive");
    expect(classify(undefined, netpol(5432)).objects[0].reason).toBe("added: changes a network policy of the trading path");
    const redis = (maxmemory: string) => k8s("apps/v1:StatefulSet", "hft-cache", "redis", { template: { metadata: { annotations: { maxmemory } } } });
    expect(classify(redis("6Gi"), redis("8Gi")).objects[0].reason).toMatch(/Sentinel fails the primary over/);
    const db = (cpu: string) => k8s("postgresql.cnpg.io/v1:Cluster", "hft-data", "timescaledb", { resources: { requests: { cpu } } });
    expect(classify(db("4"), db("6")).class).toBe("disruptive");
    expect(classify(svc(9000), undefined).objects[0].reason).toMatch(/^removed: /);
  });

  it("alerts, scrapes, monitoring charts and labels or tags alone: safe", () => {
    const rule = (threshold: number) => k8s("monitoring.coreos.com/v1:PrometheusRule", "hft-trading", "trading-engine", { groups: [{ name: "g", rules: [{ expr: `x > ${threshold}` }] }] });
    expect(classify(rule(1), rule(2))).toMatchObject({ class: "safe" });
    const chart = (version: string) => entry("kubernetes:helm.sh/v4:Chart", "kube-prometheus-stack", { chart: "kube-prometheus-stack", namespace: "monitoring", version });
    expect(classify(chart("88.5.3"), chart("88.6.0")).class).toBe("safe");
    const tagged = (owner: string) => entry("aws:eks/nodeGroup:NodeGroup", "hft-engine", { tags: { owner } });
    expect(classify(tagged("a"), tagged("b"))).toMatchObject({ class: "safe" });
    expect(classify(undefined, undefined)).toEqual({ class: "safe", objects: [] });
  });

  it("what no rule covers is unknown, never safe: add-ons, the AWS network, operator charts", () => {
    const addon = (v: string) => entry("aws:eks/addon:Addon", "hft-vpc-cni", { addonName: "vpc-cni", addonVersion: v });
    expect(classify(addon("v1"), addon("v2")).class).toBe("unknown");
    const sg = (port: number) => entry("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "hft-nodes", { fromPort: port });
    expect(classify(sg(1), sg(2)).class).toBe("unknown");
    const cnpg = (version: string) => entry("kubernetes:helm.sh/v4:Chart", "cnpg", { chart: "cloudnative-pg", namespace: "cnpg-system", version });
    expect(classify(cnpg("0.29.0"), cnpg("0.30.0")).class).toBe("unknown");
  });

  it("a stack takes its worst change's class, and the diff prints it per stack at the top", () => {
    const base = [entry("aws:eks/addon:Addon", "hft-coredns", { addonVersion: "v1" }), entry("aws:ec2/launchTemplate:LaunchTemplate", "hft-engine", { imageId: "ami-1" })];
    const head = [entry("aws:eks/addon:Addon", "hft-coredns", { addonVersion: "v2" }), entry("aws:ec2/launchTemplate:LaunchTemplate", "hft-engine", { imageId: "ami-2" })];
    const diff = diffInventories("prod", base, head);
    const trading = tradingImpact(diff, base, head);
    expect(trading.class).toBe("disruptive");
    expect(trading.objects.map((o) => o.class)).toEqual(["disruptive", "unknown"]);
    const report = markdownReport([{ ...diff, trading }, { stack: "dev", added: [], removed: [], changed: [], unchanged: 3, trading: { class: "safe", objects: [] } }], "main");
    const top = report.split("### Stack")[0];
    expect(top).toContain("- `prod`: 🛑 **disruptive**: `LaunchTemplate` **hft-engine** (replaces the engine nodes: engine pods move)");
    expect(top).not.toContain("hft-coredns");
    expect(top).toContain("- `dev`: ✅ **safe** (no change)");
  });
});
