/**
 * The scaling rules judged by value: the engine's replica ceiling against the engine nodes the stack
 * can hold, and the monitoring chart's disruption budgets. Exact messages, the resource each finding is
 * reported against, boundaries, and the inputs the rules must let through.
 */
import { describe, expect, it } from "vitest";
import { EngineResource, reconcileConfig } from "../../../tools/policy-engine";
import { K8S } from "../../kubernetes";
import { AWS } from "../../policies/aws";
import { of } from "../cases/case";
import { engineScaling, monitoringValues } from "../cases/third-layer";
import * as aws from "../fixtures/aws";
import * as k from "../fixtures/kubernetes";
import { check, policy, resource } from "../harness";

const HPA_V2 = "kubernetes:autoscaling/v2:HorizontalPodAutoscaler";

describe("engine-replicas-within-nodes", () => {
  const run = async (resources: EngineResource[], config?: Record<string, unknown>) => (await check("engine-replicas-within-nodes", resources, { config })).findings;
  const texts = async (resources: EngineResource[], config?: Record<string, unknown>) => (await run(resources, config)).map((f) => f.message);
  const group = (maxSize: number, name = "hft-engine") => resource(AWS.nodeGroup, { ...aws.engineNodeGroup(), scalingConfig: { minSize: 1, desiredSize: 1, maxSize } }, name);
  const hpa = (props: object, name = "trading-engine-hpa") => resource(HPA_V2, props, name);

  it("reports an HPA above the bound against the HPA, and a workload's replicas against the workload", async () => {
    const [engine, nodes, scaler] = engineScaling(6, 5);
    expect(await run([engine, nodes, scaler])).toEqual([
      expect.objectContaining({
        urn: scaler.urn,
        message: "HorizontalPodAutoscaler trading-engine-hpa allows maxReplicas 6; the stack holds 5: 5 engine nodes (hft-engine maxSize 5) × 1 replica per node. Lower it or raise the engine node group's maxSize.",
      }),
    ]);
    expect(await run([engine, group(2)])).toEqual([
      expect.objectContaining({
        urn: engine.urn,
        message: "trading-engine runs 3 replicas; the stack holds 2: 2 engine nodes (hft-engine maxSize 2) × 1 replica per node. Lower it or raise the engine node group's maxSize.",
      }),
    ]);
    expect(await texts([engine, group(3)])).toEqual([]);
  });

  it("multiplies by the stack's replicasPerNode and says so", async () => {
    const [engine, nodes, scaler] = engineScaling(11, 5);
    expect(await texts([engine, nodes, scaler], { replicasPerNode: 2 })).toEqual([
      "HorizontalPodAutoscaler trading-engine-hpa allows maxReplicas 11; the stack holds 10: 5 engine nodes (hft-engine maxSize 5) × 2 replica per node. Lower it or raise the engine node group's maxSize.",
    ]);
  });

  it("lists every engine node group it added up, and only node groups", async () => {
    const [engine, , scaler] = engineScaling(8, 4);
    const second = resource(AWS.nodeGroup, { ...aws.engineNodeGroup(), nodeGroupName: "hft-engine-b", scalingConfig: { maxSize: 3 } }, "engine-b");
    // A launch template sharing the group's name is not a node group.
    const template = resource("aws:ec2/launchTemplate:LaunchTemplate", { scalingConfig: { maxSize: 9 } }, "hft-engine");
    expect(await texts([engine, group(4), second, template, scaler], { nodeGroupNames: ["hft-engine", "hft-engine-b"] })).toEqual([
      "HorizontalPodAutoscaler trading-engine-hpa allows maxReplicas 8; the stack holds 7: 7 engine nodes (hft-engine maxSize 4, engine-b maxSize 3) × 1 replica per node. Lower it or raise the engine node group's maxSize.",
    ]);
  });

  it("judges only the engine's workloads, by the identity in the stack's config", async () => {
    const other = resource(K8S.deployment, k.deployment(k.appPod(), 9), "market-data-gateway");
    expect(await texts([other, group(2)])).toEqual([]);
    // The HPA is named like the engine, but it is not a workload.
    const [, , scaler] = engineScaling(9, 2);
    expect(await texts([scaler, group(2)])).toEqual([]);
    const identity = { names: ["market-data-gateway"], labels: { app: "none" } };
    expect(await texts([other, group(2)], { engine: identity })).toEqual([
      "market-data-gateway runs 9 replicas; the stack holds 2: 2 engine nodes (hft-engine maxSize 2) × 1 replica per node. Lower it or raise the engine node group's maxSize.",
    ]);
  });

  it("matches an HPA to the engine by target name and namespace; another target leaves the workload's replicas judged", async () => {
    const [engine, , scaler] = engineScaling(2, 2);
    const elsewhere = hpa({ metadata: { name: "x", namespace: k.NS }, spec: { maxReplicas: 2, scaleTargetRef: { kind: "StatefulSet", name: "redis" } } }, "redis-hpa");
    expect(await texts([engine, group(2), elsewhere])).toEqual([
      "trading-engine runs 3 replicas; the stack holds 2: 2 engine nodes (hft-engine maxSize 2) × 1 replica per node. Lower it or raise the engine node group's maxSize.",
    ]);
    expect(await texts([engine, group(2), scaler])).toEqual([]);
    const otherNamespace = hpa({ metadata: { name: "trading-engine", namespace: "hft-data" }, spec: { maxReplicas: 2, scaleTargetRef: { kind: "StatefulSet", name: "trading-engine" } } }, "other-hpa");
    expect(await texts([engine, group(2), otherNamespace])).toEqual([
      "trading-engine runs 3 replicas; the stack holds 2: 2 engine nodes (hft-engine maxSize 2) × 1 replica per node. Lower it or raise the engine node group's maxSize.",
    ]);
  });

  it("reads HPAs and workloads with parts missing without failing", async () => {
    const [engine] = engineScaling(2, 2);
    const specless = hpa({ metadata: { name: "a", namespace: k.NS } }, "specless");
    const targetless = hpa({ metadata: { name: "b", namespace: k.NS }, spec: { maxReplicas: 9 } }, "targetless");
    expect(await texts([engine, group(2), specless, targetless])).toEqual([
      "trading-engine runs 3 replicas; the stack holds 2: 2 engine nodes (hft-engine maxSize 2) × 1 replica per node. Lower it or raise the engine node group's maxSize.",
    ]);
    // A workload and its HPA that both leave the namespace unset match in the same (default) namespace.
    const w: any = k.statefulSet();
    delete w.metadata.namespace;
    const unscoped = hpa({ spec: { maxReplicas: 4, scaleTargetRef: { kind: "StatefulSet", name: "trading-engine" } } }, "unscoped");
    expect(await texts([k.engineResource(w), group(2), unscoped])).toEqual([
      "HorizontalPodAutoscaler unscoped allows maxReplicas 4; the stack holds 2: 2 engine nodes (hft-engine maxSize 2) × 1 replica per node. Lower it or raise the engine node group's maxSize.",
    ]);
    // No replicas and no HPA: no ceiling to judge.
    expect(await texts([resource(K8S.statefulSet, { metadata: { name: "trading-engine", namespace: k.NS } }, "trading-engine"), group(0)])).toEqual([]);
    const noMax = hpa({ metadata: { name: "trading-engine", namespace: k.NS }, spec: { scaleTargetRef: { kind: "StatefulSet", name: "trading-engine" } } });
    expect(await texts([engine, group(0), noMax])).toEqual([]);
  });

  it("judges a nameless engine (found by its labels) by its replicas: no HPA can name it as its target", async () => {
    const nameless: any = k.statefulSet();
    delete nameless.metadata.name;
    const engine = resource(K8S.statefulSet, nameless, "trading-engine");
    const targetless = hpa({ metadata: { name: "x", namespace: k.NS }, spec: { maxReplicas: 1 } }, "targetless");
    const specless = hpa({ metadata: { name: "y", namespace: k.NS } }, "specless");
    const runs3 = "trading-engine runs 3 replicas; the stack holds 2: 2 engine nodes (hft-engine maxSize 2) × 1 replica per node. Lower it or raise the engine node group's maxSize.";
    expect(await texts([engine, group(2), targetless])).toEqual([runs3]);
    expect(await texts([engine, group(2), specless])).toEqual([runs3]);
    const bare: any = k.statefulSet();
    delete bare.metadata;
    expect(await texts([resource(K8S.statefulSet, bare, "trading-engine"), group(2), targetless])).toEqual([runs3]);
  });

  it("reads only HorizontalPodAutoscalers as the ceiling, not another object that names a scale target", async () => {
    const [engine] = engineScaling(2, 2);
    const scaledObject = resource("kubernetes:keda.sh/v1alpha1:ScaledObject", { metadata: { name: "trading-engine", namespace: k.NS }, spec: { scaleTargetRef: { name: "trading-engine" }, maxReplicaCount: 2 } }, "keda");
    expect(await texts([engine, group(2), scaledObject])).toEqual([
      "trading-engine runs 3 replicas; the stack holds 2: 2 engine nodes (hft-engine maxSize 2) × 1 replica per node. Lower it or raise the engine node group's maxSize.",
    ]);
  });

  it("refuses a replicasPerNode below 1 or fractional", () => {
    const reconcile = (replicasPerNode: unknown) => () => reconcileConfig([policy("engine-replicas-within-nodes")], { "engine-replicas-within-nodes": { replicasPerNode } });
    expect(reconcile(0)).toThrow("engine-replicas-within-nodes: /replicasPerNode must be >= 1");
    expect(reconcile(1.5)).toThrow("engine-replicas-within-nodes: /replicasPerNode must be integer");
    expect(reconcile(3)).not.toThrow();
  });
});

describe("monitoring-chart-budgets", () => {
  const run = (props: object, config?: Record<string, unknown>) => messages(of(K8S.helmChart, props, () => {}, "kube-prometheus-stack"), config);
  const messages = async (resources: EngineResource[], config?: Record<string, unknown>) => (await check("monitoring-chart-budgets", resources, { config })).findings.map((f) => f.message);
  const prometheusOnly = (values: object) => ({ chart: "kube-prometheus-stack", values: { prometheus: values, alertmanager: { enabled: false } } });

  it("names a missing budget block as unset", async () => {
    expect(await run(prometheusOnly({ prometheusSpec: { replicas: 2 } }))).toEqual([
      "prometheus runs 2 replicas but prometheus.podDisruptionBudget.enabled is unset: a node drain may evict every replica at once.",
    ]);
  });

  it("judges Alertmanager by alertmanagerSpec and Prometheus by prometheusSpec, not by each other's", async () => {
    const crossed = { chart: "kube-prometheus-stack", values: { prometheus: { alertmanagerSpec: { replicas: 3 } }, alertmanager: { prometheusSpec: { replicas: 3 } } } };
    expect(await run(crossed)).toEqual([]);
    expect(await run({ chart: "kube-prometheus-stack", values: { alertmanager: { alertmanagerSpec: { replicas: 2 } } } })).toEqual([
      "alertmanager runs 2 replicas but alertmanager.podDisruptionBudget.enabled is unset: a node drain may evict every replica at once.",
    ]);
  });

  it("passes a chart without values or components (one replica each by default), and one without a spec", async () => {
    expect(await run({ chart: "kube-prometheus-stack" })).toEqual([]);
    expect(await run({ chart: "kube-prometheus-stack", values: {} })).toEqual([]);
    expect(await run(prometheusOnly({ podDisruptionBudget: { enabled: false } }))).toEqual([]);
    expect(await run({ chart: "kube-prometheus-stack", values: { prometheus: null, alertmanager: { alertmanagerSpec: { replicas: 2 }, podDisruptionBudget: { enabled: true, minAvailable: 1 } } } })).toEqual([]);
  });

  it("judges a component that is explicitly enabled like one that says nothing", async () => {
    expect(await run(prometheusOnly({ enabled: true, prometheusSpec: { replicas: 2 }, podDisruptionBudget: { enabled: false } }))).toEqual([
      "prometheus runs 2 replicas but prometheus.podDisruptionBudget.enabled is false: a node drain may evict every replica at once.",
    ]);
  });

  it("accepts minAvailable from the stack's bound up to one below the replicas, and refuses it at or above the replicas", async () => {
    expect(await run(monitoringValues({ enabled: true, minAvailable: 2 }, { enabled: true, minAvailable: 2 }), { minAvailable: 2 })).toEqual([
      "prometheus.podDisruptionBudget.minAvailable 2 keeps all 2 replicas: no drain can evict one; it must stay below 2.",
    ]);
    expect(await run(monitoringValues({ enabled: true, minAvailable: 1 }, { enabled: true, minAvailable: 2 }))).toEqual([]);
    expect(await run(monitoringValues({ enabled: true, minAvailable: 1 }, { enabled: true, minAvailable: 4 }))).toEqual([
      "alertmanager.podDisruptionBudget.minAvailable 4 keeps all 3 replicas: no drain can evict one; it must stay below 3.",
    ]);
  });

  it("reads only a whole percentage", async () => {
    const wants = (value: string) => [`prometheus runs 2 replicas but prometheus.podDisruptionBudget.minAvailable is ${value}; this stack's policy config wants at least 1.`];
    expect(await run(monitoringValues({ enabled: true, minAvailable: "x50%" }))).toEqual(wants("x50%"));
    expect(await run(monitoringValues({ enabled: true, minAvailable: "50%x" }))).toEqual(wants("50%x"));
    expect(await run(monitoringValues({ enabled: true, minAvailable: "1" }))).toEqual(wants("1"));
    expect(await run(monitoringValues({ enabled: true, minAvailable: "1%" }))).toEqual([]);
  });

  it("is not applicable to a release whose chart is unnamed, and judges a Helm v3 Release", async () => {
    const { findings, run: ruleRun } = await check("monitoring-chart-budgets", of(K8S.helmRelease, { values: monitoringValues({ enabled: false }).values }));
    expect(findings).toEqual([]);
    expect(ruleRun.notApplicable).toEqual(["subject: not the kube-prometheus-stack chart"]);
    expect(await messages(of(K8S.helmRelease, monitoringValues({ enabled: false })))).toEqual([
      "prometheus runs 2 replicas but prometheus.podDisruptionBudget.enabled is false: a node drain may evict every replica at once.",
    ]);
  });

  it("refuses a stack minAvailable below 1", () => {
    const reconcile = (minAvailable: unknown) => () => reconcileConfig([policy("monitoring-chart-budgets")], { "monitoring-chart-budgets": { minAvailable } });
    expect(reconcile(0)).toThrow("monitoring-chart-budgets: /minAvailable must be >= 1");
    expect(reconcile(1.5)).toThrow("monitoring-chart-budgets: /minAvailable must be integer");
  });
});
