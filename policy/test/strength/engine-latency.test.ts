/**
 * The engine's latency rules judged by value on its pod template: tolerations and node selection,
 * the verified-node label, hugepages, anti-affinity, priority class and resolver settings. Each case
 * states the exact messages, and the pods that are not the engine stay out of scope.
 */
import { describe, expect, it } from "vitest";
import { EngineResource, reconcileConfig } from "../../../tools/policy-engine";
import { K8S, PodSpec } from "../../kubernetes";
import * as k from "../fixtures/kubernetes";
import { check, messages, policy, resource } from "../harness";

type Expression = { key: string; operator: string; values?: string[] };

/** The engine StatefulSet with its pod spec changed. */
function engine(change: (pod: any, workload: any) => void = () => {}): EngineResource[] {
  const w: any = k.statefulSet();
  change(w.spec.template.spec, w);
  return [resource(K8S.statefulSet, w, "trading-engine")];
}
const required = (...terms: Expression[][]) => ({ requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: terms.map((matchExpressions) => ({ matchExpressions })) } });

describe("engine rules apply to the engine only", () => {
  it("are not applicable to a workload outside the engine identity, and judge one inside it", async () => {
    const gateway = [resource(K8S.deployment, k.deployment(), "market-data-gateway")];
    const { findings, run } = await check("engine-priority-class", gateway);
    expect(findings).toEqual([]);
    expect(run.notApplicable).toEqual(["market-data-gateway: not the engine (by the identity in the stack's policy config)"]);
    expect(await messages("engine-priority-class", gateway, { engine: { names: ["market-data-gateway"], labels: { x: "y" } } })).toEqual([
      "the engine's priorityClassName is unset: set it to high-priority so it is not preempted.",
    ]);
  });
});

describe("engine-dedicated-nodes", () => {
  const run = (resources: EngineResource[]) => messages("engine-dedicated-nodes", resources);
  const UNTOLERATED = "the engine does not tolerate the node-type=high-performance:NoSchedule taint: it cannot reach its dedicated nodes. Add the toleration.";
  const UNSELECTED = "the engine does not select node-type=high-performance nodes: it may land on shared system nodes. Set nodeSelector node-type=high-performance (or a required node affinity).";
  const tolerating = (toleration: object) => engine((p) => (p.tolerations = [{ key: "other", operator: "Exists" }, toleration]));

  it("accepts a toleration by value or by Exists, with the NoSchedule effect, an empty one or none", async () => {
    for (const t of [
      { key: "node-type", operator: "Exists", effect: "NoSchedule" },
      { key: "node-type", operator: "Equal", value: "high-performance" },
      { key: "node-type", value: "high-performance", effect: "" },
    ]) {
      expect(await run(tolerating(t)), JSON.stringify(t)).toEqual([]);
    }
  });

  it("refuses a toleration of another key, value or effect, and none at all", async () => {
    for (const t of [
      { key: "node-role", operator: "Exists" },
      { key: "node-type", operator: "Equal", value: "system" },
      { key: "node-type", operator: "Exists", effect: "NoExecute" },
    ]) {
      expect(await run(tolerating(t)), JSON.stringify(t)).toEqual([UNTOLERATED]);
    }
    expect(await run(engine((p) => delete p.tolerations))).toEqual([UNTOLERATED]);
  });

  it("accepts the nodeSelector pair, or a required affinity whose every term asks for engine nodes only", async () => {
    const inEngine: Expression = { key: "node-type", operator: "In", values: ["high-performance"] };
    const viaAffinity = (affinity: object, selector?: Record<string, string>) =>
      engine((p) => {
        if (selector) p.nodeSelector = selector;
        else delete p.nodeSelector;
        p.affinity.nodeAffinity = affinity;
      });
    expect(await run(viaAffinity(required([{ key: "zone", operator: "Exists" }, inEngine], [inEngine]), { "node-type": "system" }))).toEqual([]);
    for (const affinity of [
      required(),
      required([inEngine], [{ key: "zone", operator: "Exists" }]),
      required([{ ...inEngine, operator: "NotIn" }]),
      required([{ ...inEngine, key: "node-role" }]),
      required([{ key: "node-type", operator: "In", values: [] }]),
      required([{ key: "node-type", operator: "In" }]),
      required([{ key: "node-type", operator: "In", values: ["high-performance", "system"] }]),
      { requiredDuringSchedulingIgnoredDuringExecution: {} },
      {},
    ]) {
      expect(await run(viaAffinity(affinity)), JSON.stringify(affinity)).toEqual([UNSELECTED]);
    }
    expect(await run(engine((p) => (delete p.nodeSelector, delete p.affinity)))).toEqual([UNSELECTED]);
    expect(await run(engine((p) => (delete p.nodeSelector, (p.affinity.nodeAffinity = required([], [inEngine])))))).toEqual([UNSELECTED]);
  });
});

describe("engine-verified-nodes", () => {
  const run = (resources: EngineResource[], config?: Record<string, unknown>) => messages("engine-verified-nodes", resources, config);
  const verified: Expression = { key: "hft-platform/latency-verified", operator: "In", values: ["true"] };
  const unverified = (key: string, value: string) =>
    `the engine does not require the node label ${key}=${value} in every required node-affinity term (or its nodeSelector): it could land on a node whose tuning was never verified. Add {key: ${key}, operator: In, values: [${value}]}.`;
  const withAffinity = (affinity: object) => engine((p) => (p.affinity.nodeAffinity = affinity));

  it("accepts the label in its nodeSelector, or In [value] in every required term", async () => {
    expect(await run(engine((p) => (p.nodeSelector["hft-platform/latency-verified"] = "true")))).toEqual([]);
    expect(await run(withAffinity(required([verified], [{ key: "x", operator: "Exists" }, verified])))).toEqual([]);
  });

  it("refuses a pod whose placement does not require the label in every way", async () => {
    expect(await run(engine(() => {}))).toEqual([unverified("hft-platform/latency-verified", "true")]);
    expect(await run(engine((p) => (p.nodeSelector["hft-platform/latency-verified"] = "false")))).toEqual([unverified("hft-platform/latency-verified", "true")]);
    for (const affinity of [
      required(),
      required([verified], []),
      required([{ ...verified, operator: "Exists" }]),
      required([{ ...verified, key: "hft-platform/latency" }]),
      required([{ ...verified, values: [] }]),
      required([{ key: verified.key, operator: "In" }]),
      required([{ ...verified, values: ["true", "false"] }]),
      {},
    ]) {
      expect(await run(withAffinity(affinity)), JSON.stringify(affinity)).toEqual([unverified("hft-platform/latency-verified", "true")]);
    }
    expect(await run(engine((p) => delete p.affinity))).toEqual([unverified("hft-platform/latency-verified", "true")]);
  });

  it("refuses a verifiedLabel config without a non-empty key and value", () => {
    const reconcile = (verifiedLabel: unknown) => () => reconcileConfig([policy("engine-verified-nodes")], { "engine-verified-nodes": { verifiedLabel } });
    expect(reconcile({ key: "", value: "true" })).toThrow("engine-verified-nodes: /verifiedLabel/key must NOT have fewer than 1 characters");
    expect(reconcile({ key: "tuned", value: "" })).toThrow("engine-verified-nodes: /verifiedLabel/value must NOT have fewer than 1 characters");
    expect(reconcile({ key: "tuned", value: true })).toThrow("engine-verified-nodes: /verifiedLabel/value must be string");
    expect(reconcile({ key: 1, value: "true" })).toThrow("engine-verified-nodes: /verifiedLabel/key must be string");
    expect(reconcile({ key: "tuned" })).toThrow("engine-verified-nodes: /verifiedLabel must have required property 'value'");
    expect(reconcile({ value: "true" })).toThrow("engine-verified-nodes: /verifiedLabel must have required property 'key'");
    expect(reconcile({ key: "tuned", value: "yes" })).not.toThrow();
  });

  it("judges the label the stack's config names", async () => {
    const config = { verifiedLabel: { key: "example.com/tuned", value: "yes" } };
    expect(await run(withAffinity(required([verified])), config)).toEqual([unverified("example.com/tuned", "yes")]);
    expect(await run(withAffinity(required([{ key: "example.com/tuned", operator: "In", values: ["yes"] }])), config)).toEqual([]);
  });
});

describe("engine-hugepages", () => {
  const run = (resources: EngineResource[]) => messages("engine-hugepages", resources);
  const NONE = "no engine container sets a hugepages-2Mi (or -1Gi) limit: its memory would fault in 4 KiB pages. Request hugepages equal to the limit.";
  const limits = (change: (limits: Record<string, string>, pod: PodSpec) => void) => engine((p) => change(p.containers[0].resources.limits, p));

  it("accepts a hugepages limit of either size above zero, in any regular container", async () => {
    expect(await run(limits(() => {}))).toEqual([]);
    expect(await run(limits((l) => (delete l["hugepages-2Mi"], (l["hugepages-1Gi"] = "2Gi"))))).toEqual([]);
    expect(
      await run(
        engine((p) => {
          delete p.containers[0].resources.limits["hugepages-2Mi"];
          p.containers[1].resources.limits["hugepages-2Mi"] = "64Mi";
        }),
      ),
    ).toEqual([]);
  });

  it("refuses hugepages at zero, malformed, only requested, or only on an init container", async () => {
    expect(await run(limits((l) => (l["hugepages-2Mi"] = "0")))).toEqual([NONE]);
    expect(await run(limits((l) => (l["hugepages-2Mi"] = "lots")))).toEqual([NONE]);
    expect(await run(limits((l) => (delete l["hugepages-2Mi"], (l["memory-hugepages"] = "4Gi"))))).toEqual([NONE]);
    expect(
      await run(
        engine((p) => {
          delete p.containers[0].resources.limits["hugepages-2Mi"];
          p.initContainers[0].resources.limits["hugepages-2Mi"] = "64Mi";
        }),
      ),
    ).toEqual([NONE]);
    expect(await run(engine((p) => (p.containers = [{ name: "bare", image: "x:1" }])))).toEqual([NONE]);
  });
});

describe("engine-anti-affinity", () => {
  const run = (resources: EngineResource[], config?: Record<string, unknown>) => messages("engine-anti-affinity", resources, config);
  const missing = (key: string) =>
    `no required pod anti-affinity on ${key} selects the engine's own labels: two engines could share a host. Add it under affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution.`;
  const terms = (...list: object[]) => engine((p) => (p.affinity.podAntiAffinity = { requiredDuringSchedulingIgnoredDuringExecution: list }));

  it("accepts a term on the hostname selecting the pods' own labels, among others", async () => {
    expect(await run(terms({ topologyKey: "topology.kubernetes.io/zone", labelSelector: { matchLabels: k.ENGINE_LABELS } }, { topologyKey: "kubernetes.io/hostname", labelSelector: { matchLabels: k.ENGINE_LABELS } }))).toEqual([]);
  });

  it("refuses a term on another key, selecting other pods, or none", async () => {
    expect(await run(terms({ topologyKey: "topology.kubernetes.io/zone", labelSelector: { matchLabels: k.ENGINE_LABELS } }))).toEqual([missing("kubernetes.io/hostname")]);
    expect(await run(terms({ topologyKey: "kubernetes.io/hostname", labelSelector: { matchLabels: { app: "redis" } } }))).toEqual([missing("kubernetes.io/hostname")]);
    expect(await run(terms({ topologyKey: "kubernetes.io/hostname" }))).toEqual([missing("kubernetes.io/hostname")]);
    expect(await run(engine((p) => delete p.affinity))).toEqual([missing("kubernetes.io/hostname")]);
  });

  it("matches the selector against the pod template's labels, not the workload's", async () => {
    const w: any = k.statefulSet();
    w.spec.template.metadata = {};
    expect(await run([resource(K8S.statefulSet, w, "trading-engine")])).toEqual([missing("kubernetes.io/hostname")]);
    const bare: any = k.statefulSet();
    delete bare.spec.template.metadata;
    expect(await run([resource(K8S.statefulSet, bare, "trading-engine")])).toEqual([missing("kubernetes.io/hostname")]);
  });

  it("judges the topology key the stack's config names", async () => {
    expect(await run(engine(), { topologyKey: "topology.kubernetes.io/zone" })).toEqual([missing("topology.kubernetes.io/zone")]);
  });
});

describe("engine-priority-class", () => {
  const run = (resources: EngineResource[], config?: Record<string, unknown>) => messages("engine-priority-class", resources, config);

  it("accepts a listed class and refuses another, naming every allowed one", async () => {
    expect(await run(engine())).toEqual([]);
    expect(await run(engine((p) => (p.priorityClassName = "system-node-critical")))).toEqual(["the engine's priorityClassName is system-node-critical: set it to high-priority so it is not preempted."]);
    const config = { priorityClassNames: ["engine-critical", "high-priority-2"] };
    expect(await run(engine(), config)).toEqual(["the engine's priorityClassName is high-priority: set it to engine-critical or high-priority-2 so it is not preempted."]);
    expect(await run(engine((p) => (p.priorityClassName = "engine-critical")), config)).toEqual([]);
  });

  it("refuses an empty or repeated priority class name", () => {
    const reconcile = (priorityClassNames: unknown) => () => reconcileConfig([policy("engine-priority-class")], { "engine-priority-class": { priorityClassNames } });
    expect(reconcile([""])).toThrow("engine-priority-class: /priorityClassNames/0 must NOT have fewer than 1 characters");
    expect(reconcile(["a", "a"])).toThrow("engine-priority-class: /priorityClassNames must NOT have duplicate items (items ## 1 and 0 are identical)");
    expect(reconcile(["a", "b"])).not.toThrow();
  });
});

describe("engine-dns-config", () => {
  const run = (resources: EngineResource[], config?: Record<string, unknown>) => messages("engine-dns-config", resources, config);
  const ndots = (value: string | undefined, name = "ndots") => engine((p) => (p.dnsConfig.options = [{ name: "timeout", value: "1" }, value === undefined ? { name } : { name, value }]));
  const UNSET = 'dnsConfig sets no ndots option: the default 5 sends external names through the search list. Add {name: ndots, value: "1"}.';

  it("accepts ndots at or below maxNdots", async () => {
    expect(await run(ndots("1"))).toEqual([]);
    expect(await run(ndots("0"))).toEqual([]);
    expect(await run(ndots("3"), { maxNdots: 3 })).toEqual([]);
  });

  it("refuses ndots above maxNdots, naming both", async () => {
    expect(await run(ndots("2"))).toEqual(["dnsConfig ndots 2 is above 1: lower it."]);
    expect(await run(ndots("4"), { maxNdots: 3 })).toEqual(["dnsConfig ndots 4 is above 3: lower it."]);
  });

  it("refuses a missing, valueless or non-integer ndots option", async () => {
    expect(await run(ndots(undefined))).toEqual([UNSET]);
    expect(await run(ndots("1.5"))).toEqual([UNSET]);
    expect(await run(ndots("one"))).toEqual([UNSET]);
    expect(await run(ndots("1", "ndot"))).toEqual([UNSET]);
    expect(await run(engine((p) => delete p.dnsConfig))).toEqual([UNSET]);
    expect(await run(engine((p) => delete p.dnsConfig), { maxNdots: 2 })).toEqual([UNSET.replace('value: "1"', 'value: "2"')]);
  });

  it("with hostNetwork wants dnsPolicy ClusterFirstWithHostNet", async () => {
    const hostNet = (dnsPolicy?: string) => engine((p) => ((p.hostNetwork = true), dnsPolicy === undefined ? delete p.dnsPolicy : (p.dnsPolicy = dnsPolicy)));
    const wrong = (seen: string) => [
      `with hostNetwork the engine's dnsPolicy must be ClusterFirstWithHostNet (is ${seen}): otherwise it uses the node's resolver and cannot resolve cluster services.`,
    ];
    expect(await run(hostNet("ClusterFirstWithHostNet"))).toEqual([]);
    expect(await run(hostNet("Default"))).toEqual(wrong("Default"));
    expect(await run(hostNet())).toEqual(wrong("ClusterFirst"));
    expect(await run(engine((p) => ((p.hostNetwork = false), (p.dnsPolicy = "Default"))))).toEqual([]);
  });
});
