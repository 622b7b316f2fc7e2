/**
 * Scaling and availability settings judged against what the stack can actually hold: the engine's
 * replica ceiling against its nodes, and the disruption budgets the monitoring chart's values ask for.
 */
import { PolicyResource, ResourceValidationArgs } from "@pulumi/policy";
import { ENGINE_IDENTITY_SCHEMA, EngineIdentity, isEngineWorkload, K8S, POD_TYPES, Workload } from "../kubernetes";
import { HftPolicy, requireComponentInputs, resourceRule, stackRule } from "../rules";
import { EngineNodeGroup, isEngineNodeGroup, NODE_GROUP_NAMES_SCHEMA } from "./engine-nodes";

const HPA_TYPES: readonly string[] = ["kubernetes:autoscaling/v2:HorizontalPodAutoscaler", "kubernetes:autoscaling/v1:HorizontalPodAutoscaler"];
const NODE_GROUP = "aws:eks/nodeGroup:NodeGroup";

interface Hpa {
  metadata?: { name?: string; namespace?: string };
  spec?: { maxReplicas?: number; scaleTargetRef?: { kind?: string; name?: string } };
}

interface HpaConfig {
  engine: EngineIdentity;
  nodeGroupNames: string[];
  replicasPerNode: number;
}

const engineReplicasWithinNodes = stackRule<HpaConfig>(
  {
    name: "engine-replicas-within-nodes",
    description: "The engine's replica ceiling (its HorizontalPodAutoscaler's maxReplicas, else its workload's replicas) is at most the engine node groups' maxSize times replicasPerNode (1: the engine's required anti-affinity puts one replica on a host); a replica above that stays Pending.",
    enforcementLevel: "mandatory",
    targetTypes: [...HPA_TYPES, NODE_GROUP],
    configSchema: {
      properties: {
        engine: ENGINE_IDENTITY_SCHEMA,
        nodeGroupNames: NODE_GROUP_NAMES_SCHEMA,
        replicasPerNode: { type: "integer", minimum: 1, default: 1, description: "Engine replicas one engine node can host." },
      },
    },
  },
  (resources, report, config, args) => {
    const groups = resources.filter((r) => r.type === NODE_GROUP && isEngineNodeGroup(r.name, r.props as EngineNodeGroup, config.nodeGroupNames));
    if (groups.length === 0) args.notApplicable("the stack creates no engine node group (an existing cluster's nodes are not in the stack)");
    const maxNodes = groups.reduce((sum, g) => sum + ((g.props as { scalingConfig?: { maxSize?: number } }).scalingConfig?.maxSize ?? 0), 0);
    const bound = maxNodes * config.replicasPerNode;
    const nodes = `${maxNodes} engine node${maxNodes === 1 ? "" : "s"} (${groups.map((g) => `${g.name} maxSize ${(g.props as { scalingConfig?: { maxSize?: number } }).scalingConfig?.maxSize ?? 0}`).join(", ")}) × ${config.replicasPerNode} replica per node`;
    const engines = resources.filter((r) => POD_TYPES.includes(r.type) && isEngineWorkload(r.type, r.props as Workload, config.engine));
    const hpas = resources.filter((r) => HPA_TYPES.includes(r.type));
    for (const engine of engines) {
      const workload = engine.props as Workload;
      const { metadata } = workload;
      // An HPA names its target; a workload left to auto-naming has no name an HPA could give.
      const hpa =
        metadata?.name === undefined
          ? undefined
          : hpas.find((h: PolicyResource) => (h.props as Hpa).spec?.scaleTargetRef?.name === metadata.name && (h.props as Hpa).metadata?.namespace === metadata.namespace);
      // A matched HPA has a spec: it named the target.
      const ceiling = hpa ? (hpa.props as Hpa).spec!.maxReplicas : workload.spec?.replicas;
      if (ceiling === undefined || ceiling <= bound) continue;
      const what = hpa ? `HorizontalPodAutoscaler ${hpa.name} allows maxReplicas ${ceiling}` : `${engine.name} runs ${ceiling} replicas`;
      report(`${what}; the stack holds ${bound}: ${nodes}. Lower it or raise the engine node group's maxSize.`, hpa?.urn ?? engine.urn);
    }
  },
);

/** A component of kube-prometheus-stack whose values say how many replicas it runs and its budget. */
interface BudgetValues {
  enabled?: boolean;
  replicas?: number;
  podDisruptionBudget?: { enabled?: boolean; minAvailable?: number | string; maxUnavailable?: number | string };
}

type ChartValues = Record<string, (Record<string, unknown> & { enabled?: boolean; podDisruptionBudget?: BudgetValues["podDisruptionBudget"] }) | undefined>;

/**
 * The chart's budget templates (kube-prometheus-stack templates/prometheus/podDisruptionBudget.yaml and
 * templates/alertmanager/podDisruptionBudget.yaml, prometheus-community/helm-charts, read 2026-12-07)
 * render only when `<component>.podDisruptionBudget.enabled`, and write minAvailable only when it is
 * truthy: a 0 renders a budget that protects nothing.
 */
const MONITORING_COMPONENTS = [
  { key: "prometheus", spec: "prometheusSpec" },
  { key: "alertmanager", spec: "alertmanagerSpec" },
] as const;

/** minAvailable as a pod count: an integer, or a percentage of the replicas rounded up (as the disruption controller does). */
function minAvailablePods(value: number | string | undefined, replicas: number): number | undefined {
  if (typeof value === "number") return value;
  // An absent value reads as "undefined", which is no percentage either.
  const percent = /^(\d+)%$/.exec(String(value));
  return percent ? Math.ceil((Number(percent[1]) * replicas) / 100) : undefined;
}

interface ChartBudgetConfig {
  minAvailable: number;
}

const monitoringChartBudgets = resourceRule<{ chart?: string; values?: ChartValues }, ChartBudgetConfig>(
  {
    name: "monitoring-chart-budgets",
    description: "kube-prometheus-stack values: Prometheus and Alertmanager running more than one replica have podDisruptionBudget.enabled with minAvailable at least this rule's minAvailable (1) and below their replicas, so a drain keeps one serving and can still proceed.",
    enforcementLevel: "mandatory",
    targetTypes: [K8S.helmChart, K8S.helmRelease],
    configSchema: { properties: { minAvailable: { type: "integer", minimum: 1, default: 1, description: "Fewest pods a monitoring budget keeps." } } },
  },
  (props, report, config, args: ResourceValidationArgs) => {
    requireComponentInputs(props, args);
    if (props.chart?.split("/").pop() !== "kube-prometheus-stack") args.notApplicable("not the kube-prometheus-stack chart");
    for (const { key, spec } of MONITORING_COMPONENTS) {
      const component = props.values?.[key];
      // A component the values leave out runs the chart's default of one replica.
      if (!component || component.enabled === false) continue;
      const replicas = (component[spec] as { replicas?: number } | undefined)?.replicas ?? 1;
      if (replicas <= 1) continue;
      const budget = component.podDisruptionBudget;
      const min = minAvailablePods(budget?.minAvailable, replicas);
      if (budget?.enabled !== true) report(`${key} runs ${replicas} replicas but ${key}.podDisruptionBudget.enabled is ${budget?.enabled ?? "unset"}: a node drain may evict every replica at once.`);
      else if (min === undefined || min < config.minAvailable) report(`${key} runs ${replicas} replicas but ${key}.podDisruptionBudget.minAvailable is ${budget.minAvailable ?? "unset"}; this stack's policy config wants at least ${config.minAvailable}.`);
      else if (min >= replicas) report(`${key}.podDisruptionBudget.minAvailable ${budget.minAvailable} keeps all ${replicas} replicas: no drain can evict one; it must stay below ${replicas}.`);
    }
  },
);

export const scalingPolicies: HftPolicy[] = [engineReplicasWithinNodes, monitoringChartBudgets];
