/**
 * The engine's latency guarantees as its pods show them: dedicated nodes, hugepages, one pod per
 * host, the priority class and the resolver settings. The engine is found by the identity its stack's
 * config gives (names and labels), never by the scheduling fields judged here.
 */
import { ResourceValidationArgs } from "@pulumi/policy";
import { PolicyConfigJSONSchema } from "@pulumi/policy/schema";
import { containersOf, ENGINE_IDENTITY_SCHEMA, ENGINE_TAINT, EngineIdentity, isEngineWorkload, parseQuantity, PodSpec, podSpecOf, podTemplateOf, POD_TYPES, selectorMatches, Workload } from "../kubernetes";
import { asArray, HftPolicy, resourceRule, RuleMeta } from "../rules";

interface EngineConfig {
  engine: EngineIdentity;
}

type EngineCheck<C> = (pod: PodSpec, report: (message: string) => void, config: C, workload: Workload, args: ResourceValidationArgs) => void;

/** A rule over the engine's pod template; every other workload is not applicable. */
function engineRule<C extends EngineConfig>(meta: Pick<RuleMeta, "name" | "description">, extra: Record<string, PolicyConfigJSONSchema>, check: EngineCheck<C>): HftPolicy {
  const properties = { engine: ENGINE_IDENTITY_SCHEMA, ...extra };
  return resourceRule<Workload, C>({ ...meta, enforcementLevel: "mandatory", targetTypes: POD_TYPES, configSchema: { properties } }, (workload, report, config, args) => {
    if (!isEngineWorkload(args.type, workload, config.engine)) args.notApplicable("not the engine (by the identity in the stack's policy config)");
    check(podSpecOf(args.type, workload), report, config, workload, args);
  });
}

const TAINT = `${ENGINE_TAINT.key}=${ENGINE_TAINT.value}`;

function tolerates(pod: PodSpec): boolean {
  return asArray(pod.tolerations).some(
    (t) => t.key === ENGINE_TAINT.key && (t.operator === "Exists" || t.value === ENGINE_TAINT.value) && (t.effect === undefined || t.effect === "" || t.effect === "NoSchedule"),
  );
}

/** Node selection pins the pod to engine nodes: the nodeSelector pair, or every required node-affinity term (terms are ORed). */
function selectsEngineNodes(pod: PodSpec): boolean {
  if (pod.nodeSelector?.[ENGINE_TAINT.key] === ENGINE_TAINT.value) return true;
  const terms = asArray(pod.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms);
  return (
    terms.length > 0 &&
    terms.every((term) =>
      asArray(term.matchExpressions).some((e) => e.key === ENGINE_TAINT.key && e.operator === "In" && asArray(e.values).length > 0 && asArray(e.values).every((v) => v === ENGINE_TAINT.value)),
    )
  );
}

const engineDedicatedNodes = engineRule<EngineConfig>(
  {
    name: "engine-dedicated-nodes",
    description: `The engine's pods tolerate the ${TAINT} NoSchedule taint and select those nodes (nodeSelector or required node affinity): it must run on its dedicated metal nodes only.`,
  },
  {},
  (pod, report) => {
    if (!tolerates(pod)) report(`the engine does not tolerate the ${TAINT}:NoSchedule taint: it cannot reach its dedicated nodes. Add the toleration.`);
    if (!selectsEngineNodes(pod)) report(`the engine does not select ${TAINT} nodes: it may land on shared system nodes. Set nodeSelector ${TAINT} (or a required node affinity).`);
  },
);

interface VerifiedLabel {
  key: string;
  value: string;
}

/** Every way the pod may be placed requires the label: the nodeSelector pair, or an In [value] expression in every required term. */
function requiresLabel(pod: PodSpec, label: VerifiedLabel): boolean {
  if (pod.nodeSelector?.[label.key] === label.value) return true;
  const terms = asArray(pod.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms);
  return (
    terms.length > 0 &&
    terms.every((term) => asArray(term.matchExpressions).some((e) => e.key === label.key && e.operator === "In" && asArray(e.values).length > 0 && asArray(e.values).every((v) => v === label.value)))
  );
}

const engineVerifiedNodes = engineRule<EngineConfig & { verifiedLabel: VerifiedLabel }>(
  {
    name: "engine-verified-nodes",
    description: "The engine's pods require the verified-node label (nodeSelector, or In [value] in every required node-affinity term) that the engine node's verifier sets only after reading the live node: an untuned node never gets the engine.",
  },
  {
    verifiedLabel: {
      type: "object",
      properties: { key: { type: "string", minLength: 1 }, value: { type: "string", minLength: 1 } },
      required: ["key", "value"],
      default: { key: "hft-platform/latency-verified", value: "true" },
      description: "The node label the engine node's verifier sets when every check passed.",
    },
  },
  (pod, report, config) => {
    const { key, value } = config.verifiedLabel;
    if (!requiresLabel(pod, config.verifiedLabel)) {
      report(`the engine does not require the node label ${key}=${value} in every required node-affinity term (or its nodeSelector): it could land on a node whose tuning was never verified. Add {key: ${key}, operator: In, values: [${value}]}.`);
    }
  },
);

const engineHugepages = engineRule<EngineConfig>(
  {
    name: "engine-hugepages",
    description: "The engine's main container requests hugepages (a hugepages-<size> request and limit above zero), so its buffers come from the pages preallocated at boot.",
  },
  {},
  (pod, report) => {
    const asks = containersOf(pod)
      .filter((c) => !c.init)
      .some(({ container }) => Object.entries(container.resources?.limits ?? {}).some(([name, q]) => name.startsWith("hugepages-") && (parseQuantity(q) ?? 0) > 0));
    if (!asks) report("no engine container sets a hugepages-2Mi (or -1Gi) limit: its memory would fault in 4 KiB pages. Request hugepages equal to the limit.");
  },
);

const engineAntiAffinity = engineRule<EngineConfig & { topologyKey: string }>(
  {
    name: "engine-anti-affinity",
    description: "The engine's pods carry a required pod anti-affinity on the configured topology key (kubernetes.io/hostname) selecting their own labels: one engine per host, never two sharing a NIC and caches.",
  },
  {
    topologyKey: { type: "string", minLength: 1, default: "kubernetes.io/hostname", description: "Topology key the required anti-affinity must spread over." },
  },
  (pod, report, config, workload, args) => {
    const labels = podTemplateOf(args.type, workload).metadata?.labels ?? {};
    const terms = asArray(pod.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution);
    const spread = terms.some((t) => t.topologyKey === config.topologyKey && selectorMatches(t.labelSelector, labels));
    if (!spread) report(`no required pod anti-affinity on ${config.topologyKey} selects the engine's own labels: two engines could share a host. Add it under affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution.`);
  },
);

const enginePriorityClass = engineRule<EngineConfig & { priorityClassNames: string[] }>(
  {
    name: "engine-priority-class",
    description: "The engine's pods name one of the stack's allowed priority classes, so they are scheduled first and preempted last.",
  },
  {
    priorityClassNames: { type: "array", items: { type: "string", minLength: 1 }, minItems: 1, uniqueItems: true, default: ["high-priority"], description: "Priority classes the engine may use." },
  },
  (pod, report, config) => {
    const name = pod.priorityClassName;
    if (!config.priorityClassNames.some((n) => n === name)) {
      report(`the engine's priorityClassName is ${name ?? "unset"}: set it to ${config.priorityClassNames.join(" or ")} so it is not preempted.`);
    }
  },
);

const engineDnsConfig = engineRule<EngineConfig & { maxNdots: number }>(
  {
    name: "engine-dns-config",
    description: "The engine's pods set dnsConfig ndots no higher than maxNdots (1), and with hostNetwork use dnsPolicy ClusterFirstWithHostNet: no search-list lookups on the hot path, cluster names still resolve.",
  },
  {
    maxNdots: { type: "integer", minimum: 0, maximum: 15, default: 1, description: "Largest ndots option; the Kubernetes default of 5 walks the search list for every external name." },
  },
  (pod, report, config) => {
    const option = asArray(pod.dnsConfig?.options).find((o) => o.name === "ndots");
    // An absent option or value reads as NaN, which is no integer either.
    const ndots = Number(option?.value);
    if (!Number.isInteger(ndots)) report(`dnsConfig sets no ndots option: the default 5 sends external names through the search list. Add {name: ndots, value: "${config.maxNdots}"}.`);
    else if (ndots > config.maxNdots) report(`dnsConfig ndots ${ndots} is above ${config.maxNdots}: lower it.`);
    if (pod.hostNetwork === true && pod.dnsPolicy !== "ClusterFirstWithHostNet") {
      report(`with hostNetwork the engine's dnsPolicy must be ClusterFirstWithHostNet (is ${pod.dnsPolicy ?? "ClusterFirst"}): otherwise it uses the node's resolver and cannot resolve cluster services.`);
    }
  },
);

export const engineLatencyPolicies: HftPolicy[] = [engineDedicatedNodes, engineVerifiedNodes, engineHugepages, engineAntiAffinity, enginePriorityClass, engineDnsConfig];
