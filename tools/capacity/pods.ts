/** Kubernetes quantities and pod specs -> the model's pod templates. */
import type { LabelSelector, MatchExpression } from "../label-selector";
import { PodTemplate, Requests, Toleration } from "./types";

const SUFFIX: Record<string, number> = {
  Ki: 1024,
  Mi: 1024 ** 2,
  Gi: 1024 ** 3,
  Ti: 1024 ** 4,
  k: 1e3,
  K: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  KB: 1e3,
  MB: 1e6,
  GB: 1e9,
  TB: 1e12,
  m: 1e-3,
};

/** A Kubernetes quantity ("500m", "16Gi", "2") as a number (cores or bytes). */
export function quantity(value: unknown): number {
  if (value === undefined || value === null || value === "") return 0;
  if (typeof value === "number") return value;
  const text = typeof value === "string" ? value.trim() : JSON.stringify(value);
  const match = /^([0-9.]+)([A-Za-z]*)$/.exec(text);
  if (!match) throw new Error(`not a Kubernetes quantity: ${text}`);
  const unit = match[2] ? SUFFIX[match[2]] : 1;
  if (unit === undefined) throw new Error(`unknown quantity suffix in ${text}`);
  return Number(match[1]) * unit;
}

interface Container {
  resources?: { requests?: Record<string, unknown>; limits?: Record<string, unknown> };
}

/** Requests of a container: Kubernetes defaults a missing request to its limit. */
function containerRequests(c: Container): Requests {
  const r = { ...(c.resources?.limits ?? {}), ...(c.resources?.requests ?? {}) };
  return { cpu: quantity(r.cpu), memory: quantity(r.memory), hugepages2Mi: quantity(r["hugepages-2Mi"]) };
}

function guaranteed(c: Container): boolean {
  const req = c.resources?.requests ?? {};
  const lim = c.resources?.limits ?? {};
  return ["cpu", "memory"].every((k) => lim[k] !== undefined && quantity(req[k] ?? lim[k]) === quantity(lim[k]));
}

/** Effective pod requests: the sum of the app containers, or the largest init container if that is more. */
export function podRequests(containers: Container[], initContainers: Container[] = []): { requests: Requests; exclusiveCpus: number[] } {
  const sum = containers.map(containerRequests).reduce((a, b) => ({ cpu: a.cpu + b.cpu, memory: a.memory + b.memory, hugepages2Mi: a.hugepages2Mi + b.hugepages2Mi }), {
    cpu: 0,
    memory: 0,
    hugepages2Mi: 0,
  });
  for (const init of initContainers.map(containerRequests)) {
    sum.cpu = Math.max(sum.cpu, init.cpu);
    sum.memory = Math.max(sum.memory, init.memory);
    sum.hugepages2Mi = Math.max(sum.hugepages2Mi, init.hugepages2Mi);
  }
  // The static CPU manager pins whole CPUs only for Guaranteed pods, and only for integer CPU containers.
  const isGuaranteed = [...containers, ...initContainers].every(guaranteed);
  const exclusiveCpus = isGuaranteed
    ? containers.map((c) => containerRequests(c).cpu).filter((cpu) => cpu > 0 && Number.isInteger(cpu))
    : [];
  return { requests: sum, exclusiveCpus };
}

interface PodSpec {
  containers: Container[];
  priorityClassName?: string;
  initContainers?: Container[];
  tolerations?: Toleration[];
  nodeSelector?: Record<string, string>;
  affinity?: {
    nodeAffinity?: { requiredDuringSchedulingIgnoredDuringExecution?: { nodeSelectorTerms?: { matchExpressions?: MatchExpression[] }[] } };
    podAntiAffinity?: { requiredDuringSchedulingIgnoredDuringExecution?: { labelSelector: LabelSelector; topologyKey: string }[] };
  };
  topologySpreadConstraints?: { labelSelector: LabelSelector; topologyKey: string; maxSkew: number; whenUnsatisfiable?: string }[];
}

/** A pod of these labels and requests that no taint, selector, affinity or spread constrains; `rest` says what differs. */
export function unconstrainedPod(labels: Record<string, string>, requests: Requests, rest: Partial<PodTemplate> = {}): PodTemplate {
  return { labels, requests, exclusiveCpus: [], tolerations: [], nodeSelector: {}, nodeAffinity: [], antiAffinity: [], spread: [], ...rest };
}

/** A pod template from a Kubernetes PodSpec: only the required (hard) scheduling rules bind. */
export function templateFromSpec(labels: Record<string, string>, spec: PodSpec): PodTemplate {
  const { requests, exclusiveCpus } = podRequests(spec.containers, spec.initContainers);
  const terms = spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? [];
  return {
    labels,
    requests,
    exclusiveCpus,
    ...(spec.priorityClassName ? { priorityClassName: spec.priorityClassName } : {}),
    tolerations: spec.tolerations ?? [],
    nodeSelector: spec.nodeSelector ?? {},
    nodeAffinity: terms.map((t) => t.matchExpressions ?? []),
    antiAffinity: (spec.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []).map((a) => ({
      selector: a.labelSelector,
      topologyKey: a.topologyKey,
    })),
    spread: (spec.topologySpreadConstraints ?? [])
      .filter((s) => (s.whenUnsatisfiable ?? "DoNotSchedule") === "DoNotSchedule")
      .map((s) => ({ selector: s.labelSelector, topologyKey: s.topologyKey, maxSkew: s.maxSkew })),
  };
}

