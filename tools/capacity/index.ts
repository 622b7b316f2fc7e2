/**
 * The capacity model over a render: node groups (allocatable from the instance table and the kubelet
 * reservations) and every pod the stack runs, placed at configured replicas, at every HPA's maximum
 * (full scale), and after losing any one node (N-1: every PodDisruptionBudget's minimum must survive).
 */
import { LATENCY_VERIFIED_LABEL } from "../../components/k8s/labels";
import { InventoryEntry } from "../inventory";
import { allocatable, eksNodeGroups } from "./nodes";
import { place, Placement, Unschedulable } from "./place";
import { NodeGroupModel, Workload } from "./types";
import { stackWorkloads } from "./workloads";
import { UpdateSurge, updateSurges } from "./surge";

export interface GroupReport {
  name: string;
  instanceType: string;
  nodes: number;
  maxNodes: number;
  zones: string[];
  /** Totals over the group's nodes. */
  allocatable: { cpu: number; memory: number };
  requested: { cpu: number; memory: number };
  perNode: { cpu: number; memory: number; hugepages2Mi: number; pods: number };
  reservations: NodeGroupModel["reservations"];
}

export interface NMinus1Short {
  lostNode: string;
  workload: string;
  available: number;
  minAvailable: number;
}

export interface CapacityReport {
  stack: string;
  /** Full scale (every HPA at its maximum) fits, and so does the configured scale. */
  fits: boolean;
  unschedulable: Unschedulable[];
  nodeGroups: GroupReport[];
  configured: { fits: boolean; unschedulable: Unschedulable[] };
  nMinus1: { fits: boolean; short: NMinus1Short[]; scenarios: number };
  /** The metrics APIs each HPA reads and what serves them ("not served" stops the HPA from scaling). */
  hpaMetrics: HpaMetrics[];
  /** What also runs while each managed node group updates (eks mode): the nodes it adds before draining. */
  updates?: UpdateSurge[];
  /** What the model cannot see for this stack. */
  notModelled: string[];
}

export interface HpaMetrics {
  hpa: string;
  api: "metrics.k8s.io" | "custom.metrics.k8s.io" | "external.metrics.k8s.io";
  servedBy: string;
}

export interface EngineNodeFacts {
  count: number;
  cpus: number;
  memoryGiB: number;
  reservedSystemCpus: string;
  hugepages2Mi: number;
}

/**
 * An existing cluster's engine nodes as the stack file describes them. Their CPU topology is unknown
 * (kind nodes share the host), so the model treats every CPU as its own core and cannot check that the
 * reserved set keeps whole cores; the kubelet reservations are nodeadm's, as the config does not say.
 */
export function existingEngineGroup(facts: EngineNodeFacts, stackFile: string): NodeGroupModel {
  return allocatable(
    {
      name: "existing-engine",
      instanceType: `${facts.cpus} CPU / ${facts.memoryGiB} GiB node`,
      type: { vcpus: facts.cpus, cores: facts.cpus, threadsPerCore: 1, sockets: 1, memoryGiB: facts.memoryGiB, maxEnis: 1, ipv4PerEni: 111 },
      nodes: facts.count,
      minSize: facts.count,
      maxSize: facts.count,
      zones: ["zone"],
      // Prepared by hand as engineNodeRequirements says, the verified label set once its checks passed.
      labels: { "node-type": "high-performance", [LATENCY_VERIFIED_LABEL.key]: LATENCY_VERIFIED_LABEL.value },
      taints: [{ key: "node-type", value: "high-performance", effect: "NoSchedule" }],
      kubelet: { reservedSystemCPUs: facts.reservedSystemCpus, cpuManagerPolicy: "static", cpuManagerPolicyOptions: { "full-pcpus-only": "true" }, topologyManagerPolicy: "single-numa-node" },
      hugepages2Mi: facts.hugepages2Mi,
      source: "stack config existingCluster.engineNode (+ nodeadm-like defaults)",
      reservedCpusKey: "existingCluster.engineNode.reservedSystemCpus",
    },
    stackFile,
  );
}

function groupReports(groups: NodeGroupModel[], full: Placement): GroupReport[] {
  return groups.map((g) => {
    const nodes = full.nodes.filter((n) => n.group.name === g.name);
    return {
      name: g.name,
      instanceType: g.instanceType,
      nodes: g.nodes,
      maxNodes: g.maxSize,
      zones: [...new Set(g.zones)],
      allocatable: { cpu: round(g.allocatable.cpu * g.nodes), memory: g.allocatable.memory * g.nodes },
      requested: { cpu: round(nodes.reduce((s, n) => s + n.used.cpu, 0)), memory: nodes.reduce((s, n) => s + n.used.memory, 0) },
      perNode: g.allocatable,
      reservations: g.reservations,
    };
  });
}

const round = (n: number) => Math.round(n * 1000) / 1000;

/** Losing each node in turn at configured replicas: which disruption budgets fall short. */
function nMinus1(groups: NodeGroupModel[], all: Workload[]): CapacityReport["nMinus1"] {
  const short: NMinus1Short[] = [];
  // The scheduler preempts lower-priority pods for the ones a lost node displaced: those give way.
  const workloads = all.filter((w) => !w.preemptible);
  const nodeIds = groups.flatMap((g) => Array.from({ length: g.nodes }, (_, i) => `${g.name}-${i + 1}`));
  for (const lost of nodeIds) {
    const result = place(groups, workloads, (w) => w.replicas, lost);
    for (const w of workloads) {
      if (w.minAvailable === undefined) continue;
      const available = result.placed[w.name] ?? 0;
      if (available < w.minAvailable) short.push({ lostNode: lost, workload: w.name, available, minAvailable: w.minAvailable });
    }
  }
  return { fits: short.length === 0, short, scenarios: nodeIds.length };
}

const METRIC_APIS: Record<string, HpaMetrics["api"]> = {
  Resource: "metrics.k8s.io",
  ContainerResource: "metrics.k8s.io",
  Pods: "custom.metrics.k8s.io",
  Object: "custom.metrics.k8s.io",
  External: "external.metrics.k8s.io",
};

/**
 * Which API each HPA's metrics come from, and what in the stack serves it: the metrics-server add-on
 * for resource metrics, prometheus-adapter (custom rules) for custom metrics. An HPA that cannot read
 * one of its metrics never scales down (HPA docs: "Scaling on multiple metrics").
 */
export function hpaMetrics(inventory: InventoryEntry[], existingCluster: boolean): HpaMetrics[] {
  const addon = inventory.some((r) => r.type === "aws:eks/addon:Addon" && r.inputs.addonName === "metrics-server");
  const adapter = inventory.some((r) => r.type.startsWith("kubernetes:helm.sh/") && String(r.inputs.chart).includes("prometheus-adapter"));
  const served: Record<HpaMetrics["api"], string> = {
    "metrics.k8s.io": addon ? "metrics-server (EKS add-on)" : existingCluster ? "the existing cluster's metrics-server, if it runs one" : "not served",
    "custom.metrics.k8s.io": adapter ? "prometheus-adapter" : "not served",
    "external.metrics.k8s.io": "not served",
  };
  return inventory
    .filter((r) => r.type === "kubernetes:autoscaling/v2:HorizontalPodAutoscaler")
    .flatMap((r) => {
      const meta = r.inputs.metadata as { namespace?: string; name?: string };
      const types = [...new Set(((r.inputs.spec as { metrics?: { type: string }[] }).metrics ?? []).map((m) => METRIC_APIS[m.type]))];
      return types.map((api) => ({ hpa: `${meta.namespace}/${meta.name}`, api, servedBy: served[api] }));
    });
}

export function evaluateCapacity(stack: string, groups: NodeGroupModel[], workloads: Workload[], notModelled: string[] = [], metrics: HpaMetrics[] = []): CapacityReport {
  const configured = place(groups, workloads, (w) => w.replicas);
  const full = place(groups, workloads, (w) => w.maxReplicas ?? w.replicas);
  return {
    stack,
    fits: full.unschedulable.length === 0 && configured.unschedulable.length === 0,
    unschedulable: full.unschedulable,
    nodeGroups: groupReports(groups, full),
    configured: { fits: configured.unschedulable.length === 0, unschedulable: configured.unschedulable },
    nMinus1: nMinus1(groups, workloads),
    hpaMetrics: metrics,
    notModelled,
  };
}

/** The capacity report for a rendered stack; `engineNode` describes an existing cluster's engine nodes. */
export function capacityOfRender(stack: string, inventory: InventoryEntry[], engineNode?: EngineNodeFacts): CapacityReport {
  const stackFile = `Pulumi.${stack}.yaml`;
  const workloads = stackWorkloads(inventory);
  const eks = inventory.some((r) => r.type === "eks:index:Cluster");
  const metrics = hpaMetrics(inventory, !eks);
  if (eks) return { ...evaluateCapacity(stack, eksNodeGroups(inventory, stackFile), workloads, [], metrics), updates: updateSurges(inventory) };
  if (!engineNode) return evaluateCapacity(stack, [], [], ["no node groups in the render and no engine node facts in config"], metrics);
  const group = existingEngineGroup(engineNode, stackFile);
  const onEngine = workloads.filter((w) => w.pod.nodeSelector["node-type"] === "high-performance");
  const rest = workloads.filter((w) => !onEngine.includes(w) && w.kind !== "DaemonSet");
  return evaluateCapacity(stack, [group], onEngine, [
    `existing cluster: only its engine nodes are described in config; ${rest.length} other workloads (${rest
      .map((w) => w.name)
      .slice(0, 4)
      .join(", ")}, ...) run on nodes the model cannot see`,
    "existing cluster: CPU topology unknown, whole-core checks of reservedSystemCpus skipped; kubelet reservations as nodeadm's",
  ], metrics);
}

