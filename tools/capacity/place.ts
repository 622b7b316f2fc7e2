/**
 * A scheduler simulation: places every pod on the nodes of the node groups, honoring what the
 * kube-scheduler and kubelet enforce — taints and tolerations, nodeSelector and required node
 * affinity, required pod anti-affinity (both ways), DoNotSchedule topology spread, the zones each group
 * spans, CPU, memory, hugepages and pod slots, and for the static CPU manager whole cores
 * (full-pcpus-only) on one NUMA node (single-numa-node, pod scope).
 */
import { expressionMatches, selectorMatches } from "../label-selector";
import { NodeGroupModel, PodTemplate, Requests, Toleration, Workload } from "./types";

export interface SimNode {
  id: string;
  group: NodeGroupModel;
  labels: Record<string, string>;
  used: Requests & { pods: number };
  numaCpusFree: number[];
  numaHugepagesFree: number[];
  pods: { workload: string; pod: PodTemplate }[];
}

export interface Unschedulable {
  pod: string;
  reason: string;
}

export interface Placement {
  nodes: SimNode[];
  unschedulable: Unschedulable[];
  /** Pods placed per workload. */
  placed: Record<string, number>;
}

export const HOSTNAME = "kubernetes.io/hostname";
export const ZONE = "topology.kubernetes.io/zone";

export function buildNodes(groups: NodeGroupModel[], lost?: string): SimNode[] {
  return groups.flatMap((g) =>
    Array.from({ length: g.nodes }, (_, i) => {
      const id = `${g.name}-${i + 1}`;
      // Managed node groups balance their nodes over the group's zones.
      const zone = g.zones[i % Math.max(1, g.zones.length)] ?? "zone";
      const sockets = g.staticCpu?.cpusPerNuma.length ?? 1;
      return {
        id,
        group: g,
        labels: { ...g.labels, [HOSTNAME]: id, [ZONE]: zone, "node.kubernetes.io/instance-type": g.instanceType },
        used: { cpu: 0, memory: 0, hugepages2Mi: 0, pods: 0 },
        numaCpusFree: g.staticCpu ? [...g.staticCpu.cpusPerNuma] : [],
        numaHugepagesFree: Array.from({ length: sockets }, () => g.allocatable.hugepages2Mi / sockets),
        pods: [],
      };
    }),
  ).filter((n) => n.id !== lost);
}

export function tolerates(tolerations: Toleration[], taint: { key: string; value: string; effect: string }): boolean {
  return tolerations.some(
    (t) =>
      (!t.effect || t.effect === taint.effect) &&
      ((t.operator === "Exists" && (!t.key || t.key === taint.key)) || (t.key === taint.key && (t.value ?? "") === taint.value)),
  );
}

/** Whether the pod may run on the node at all (taints, selectors, affinity), regardless of what runs there. */
function eligible(pod: PodTemplate, node: SimNode): string | undefined {
  const taint = node.group.taints.find((t) => t.effect !== "PreferNoSchedule" && !tolerates(pod.tolerations, t));
  if (taint) return `taint ${taint.key}=${taint.value}:${taint.effect} not tolerated`;
  const selector = Object.entries(pod.nodeSelector).find(([k, v]) => node.labels[k] !== v);
  if (selector) return `nodeSelector ${selector[0]}=${selector[1]} does not match`;
  if (pod.nodeAffinity.length && !pod.nodeAffinity.some((term) => term.every((e) => expressionMatches(e, node.labels)))) return "required node affinity does not match";
  return undefined;
}

const GiB = 1024 ** 3;
const fmt = (n: number, unit: "cpu" | "mem") => (unit === "cpu" ? `${Math.round(n * 1000) / 1000} CPU` : `${(n / GiB).toFixed(2)} GiB`);

/** Why the pod cannot go on the node now, or undefined when it can. */
function fits(pod: PodTemplate, node: SimNode, all: SimNode[]): string | undefined {
  const notEligible = eligible(pod, node);
  if (notEligible) return notEligible;
  const a = node.group.allocatable;
  const r = pod.requests;
  if (node.used.pods + 1 > a.pods) return `no pod slots left (maxPods ${a.pods})`;
  if (node.used.cpu + r.cpu > a.cpu + 1e-9) return `insufficient cpu (needs ${fmt(r.cpu, "cpu")}, ${fmt(a.cpu - node.used.cpu, "cpu")} free)`;
  if (node.used.memory + r.memory > a.memory) return `insufficient memory (needs ${fmt(r.memory, "mem")}, ${fmt(a.memory - node.used.memory, "mem")} free)`;
  if (node.used.hugepages2Mi + r.hugepages2Mi > a.hugepages2Mi) return `insufficient hugepages-2Mi (needs ${fmt(r.hugepages2Mi, "mem")}, ${fmt(a.hugepages2Mi - node.used.hugepages2Mi, "mem")} free)`;
  const numa = numaChoice(pod, node);
  if (typeof numa === "string") return numa;
  for (const term of pod.antiAffinity) {
    const domain = node.labels[term.topologyKey];
    const clash = all.find((n) => n.labels[term.topologyKey] === domain && n.pods.some((p) => selectorMatches(term.selector, p.pod.labels)));
    if (clash) return `pod anti-affinity on ${term.topologyKey}: a matching pod already runs in ${domain}`;
  }
  // Anti-affinity is symmetric: a pod already placed may refuse this one as a neighbour.
  for (const other of all) {
    for (const p of other.pods) {
      for (const term of p.pod.antiAffinity) {
        if (other.labels[term.topologyKey] === node.labels[term.topologyKey] && selectorMatches(term.selector, pod.labels)) {
          return `pod anti-affinity of ${p.workload} on ${term.topologyKey}`;
        }
      }
    }
  }
  for (const s of pod.spread) {
    const domains = new Map<string, number>();
    for (const n of all) {
      if (eligible(pod, n) !== undefined || n.labels[s.topologyKey] === undefined) continue;
      const count = n.pods.filter((p) => selectorMatches(s.selector, p.pod.labels)).length;
      domains.set(n.labels[s.topologyKey], (domains.get(n.labels[s.topologyKey]) ?? 0) + count);
    }
    const min = Math.min(...domains.values());
    const here = domains.get(node.labels[s.topologyKey]) ?? 0;
    if (here + 1 - min > s.maxSkew) return `topology spread on ${s.topologyKey} (maxSkew ${s.maxSkew}) would be exceeded`;
  }
  return undefined;
}

/** The NUMA node that takes the pod's exclusive CPUs and hugepages, or why none can. */
function numaChoice(pod: PodTemplate, node: SimNode): number | string | undefined {
  const cpuPolicy = node.group.staticCpu;
  const exclusive = cpuPolicy ? pod.exclusiveCpus.reduce((a, b) => a + b, 0) : 0;
  if (cpuPolicy && cpuPolicy.fullPcpusOnly) {
    const odd = pod.exclusiveCpus.find((c) => c % cpuPolicy.threadsPerCore !== 0);
    if (odd !== undefined) return `${odd} exclusive CPUs is not whole cores (full-pcpus-only, ${cpuPolicy.threadsPerCore} threads per core)`;
  }
  if (!cpuPolicy?.singleNumaNode || (exclusive === 0 && pod.requests.hugepages2Mi === 0)) return undefined;
  const best = node.numaCpusFree
    .map((free, i) => ({ i, free, huge: node.numaHugepagesFree[i] }))
    .filter((n) => n.free >= exclusive && n.huge >= pod.requests.hugepages2Mi)
    .sort((x, y) => y.free - x.free)[0];
  return best ? best.i : `no single NUMA node has ${exclusive} free CPUs and ${fmt(pod.requests.hugepages2Mi, "mem")} hugepages (single-numa-node)`;
}

function bind(pod: PodTemplate, workload: string, node: SimNode): void {
  const numa = numaChoice(pod, node);
  node.used.cpu += pod.requests.cpu;
  node.used.memory += pod.requests.memory;
  node.used.hugepages2Mi += pod.requests.hugepages2Mi;
  node.used.pods += 1;
  if (typeof numa === "number") {
    node.numaCpusFree[numa] -= pod.exclusiveCpus.reduce((a, b) => a + b, 0);
    node.numaHugepagesFree[numa] -= pod.requests.hugepages2Mi;
  }
  node.pods.push({ workload, pod });
}

/** Hardest pods first: pinned CPUs and hugepages, then required placement rules, then size. */
function difficulty(w: Workload): number[] {
  const p = w.pod;
  return [p.exclusiveCpus.length + p.requests.hugepages2Mi > 0 ? 1 : 0, p.antiAffinity.length + p.spread.length > 0 ? 1 : 0, p.requests.cpu, p.requests.memory];
}

function compare(a: number[], b: number[]): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return b[i] - a[i];
  return 0;
}

function summarise(reasons: Map<string, string[]>): string {
  return [...reasons.entries()].map(([group, rs]) => `${group}: ${[...new Set(rs)].slice(0, 2).join("; ")}`).join(" | ");
}

export function place(groups: NodeGroupModel[], workloads: Workload[], replicas: (w: Workload) => number, lost?: string): Placement {
  const nodes = buildNodes(groups, lost);
  const unschedulable: Unschedulable[] = [];
  const placed: Record<string, number> = {};
  const daemonSets = workloads.filter((w) => w.kind === "DaemonSet");
  for (const w of daemonSets) {
    for (const node of nodes) {
      if (eligible(w.pod, node) !== undefined) continue;
      const why = fits(w.pod, node, nodes);
      if (why) unschedulable.push({ pod: `${w.name} on ${node.id}`, reason: `${node.group.name} (${node.group.instanceType}): ${why}` });
      else {
        bind(w.pod, w.name, node);
        placed[w.name] = (placed[w.name] ?? 0) + 1;
      }
    }
  }
  const others = workloads.filter((w) => w.kind !== "DaemonSet").sort((a, b) => compare(difficulty(a), difficulty(b)));
  for (const w of others) {
    const count = replicas(w);
    for (let i = 0; i < count; i++) {
      const reasons = new Map<string, string[]>();
      let best: SimNode | undefined;
      for (const node of nodes) {
        const why = fits(w.pod, node, nodes);
        if (why) {
          const key = `${node.group.name} (${node.group.instanceType} x${groups.find((g) => g.name === node.group.name)!.nodes})`;
          reasons.set(key, [...(reasons.get(key) ?? []), why]);
        } else if (!best || score(node) > score(best)) best = node;
      }
      if (best) {
        bind(w.pod, w.name, best);
        placed[w.name] = (placed[w.name] ?? 0) + 1;
      } else {
        unschedulable.push({ pod: `${w.name}-${i}`, reason: reasons.size ? summarise(reasons) : "no nodes" });
      }
    }
  }
  return { nodes, unschedulable, placed };
}

/** Least-allocated first, like the default scheduler's scoring, so replicas spread out. */
function score(node: SimNode): number {
  const a = node.group.allocatable;
  return (a.cpu - node.used.cpu) / a.cpu + (a.memory - node.used.memory) / a.memory;
}
