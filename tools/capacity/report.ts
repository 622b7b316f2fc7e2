/** The capacity and cost models as the render and the diff use them: check, write, print, compare. */
import { ConfigError, problemLine, PROJECT } from "../../components/config";
import { CHART_VERSION_KEYS, UnmodelledChart } from "../data/chart-pods";
import { costOfRender, CostReport } from "../cost";
import { readStackConfig } from "../harness";
import { InventoryEntry } from "../inventory";
import { capacityOfRender, CapacityReport, EngineNodeFacts } from "./index";
import { Unschedulable } from "./place";

export interface StackModels {
  capacity: CapacityReport;
  cost: CostReport;
}

function engineNodeFacts(stack: string, configDir?: string): EngineNodeFacts | undefined {
  try {
    const raw = readStackConfig(stack, configDir).config["hft-platform:existingCluster"];
    const node = raw ? (JSON.parse(raw) as { engineNode?: Partial<EngineNodeFacts> }).engineNode : undefined;
    return node ? { count: 1, hugepages2Mi: 0, reservedSystemCpus: "", cpus: 0, memoryGiB: 0, ...node } : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Capacity and cost of a rendered stack. A stack whose pods do not all fit at full scale is a
 * configuration error naming each pod, why, and the node groups it was tried on.
 */
export function modelStack(stack: string, inventory: InventoryEntry[], configDir?: string): StackModels {
  const stackFile = `Pulumi.${stack}.yaml`;
  let capacity: CapacityReport;
  try {
    capacity = capacityOfRender(stack, inventory, engineNodeFacts(stack, configDir));
  } catch (err) {
    if (!(err instanceof UnmodelledChart) || !CHART_VERSION_KEYS[err.chart]) throw err;
    const allowed = `${err.modelled}, the version whose pods the capacity model knows (for another, read its templates and describe it in tools/data/chart-pods.ts)`;
    throw new ConfigError(stackFile, [problemLine(`${PROJECT}:${CHART_VERSION_KEYS[err.chart]}`, err.version, allowed, stackFile)]);
  }
  const stuck = (capacity.updates ?? []).filter((u) => u.problem);
  if (stuck.length) throw new ConfigError(stackFile, stuck.map((u) => `node group ${u.group} cannot update: ${u.problem}`));
  const unread = capacity.hpaMetrics.filter((m) => m.servedBy === "not served");
  if (unread.length) {
    throw new ConfigError(
      stackFile,
      unread.map((m) => `HPA ${m.hpa} reads ${m.api}, which nothing in the stack serves: it could not scale (metrics-server: cluster.addons.metricsServer)`),
    );
  }
  if (!capacity.fits) {
    const unfit = [...capacity.configured.unschedulable, ...capacity.unschedulable.filter((u) => !capacity.configured.unschedulable.some((c) => c.pod === u.pod))];
    throw new ConfigError(stackFile, unfitLines(unfit));
  }
  return { capacity, cost: costOfRender(stack, inventory, capacity) };
}

/**
 * The stack-file keys that size the pods of the program's workloads and of the charts it configures,
 * by workload and resource (a test checks each is a config key), and each node group's by its suffix.
 */
const requests = (prefix: string) => ({ cpu: `${prefix}.requests.cpu`, memory: `${prefix}.requests.memory` });
export const POD_SIZE_KEYS: Record<string, { cpu: string; memory: string; hugepages?: string }> = {
  "hft-trading/trading-engine": { cpu: "engine.cpu", memory: "engine.memory", hugepages: "engine.hugepages" },
  "hft-cache/redis": requests("redis.resources"),
  "hft-data/timescaledb": { cpu: "timescaledb.resources.cpu", memory: "timescaledb.resources.memory" },
  "monitoring/prometheus": requests("monitoring.prometheus.resources"),
  "monitoring/alertmanager": requests("monitoring.alertmanager.resources"),
  "monitoring/grafana": requests("monitoring.grafana.resources"),
  "monitoring/kube-state-metrics": requests("monitoring.kubeStateMetrics.resources"),
  "monitoring/prometheus-operator": requests("monitoring.operator.resources"),
  "monitoring/prometheus-adapter": requests("monitoring.adapter.resources"),
  "node-exporter/node-exporter": requests("monitoring.nodeExporter.resources"),
};
export const NODE_GROUP_KEYS: Record<string, string> = { "-engine": "engineNodes", "-system": "systemNodes" };

/** What a pod that does not fit lacks, read from the reasons of the node groups it may run on. */
function lacking(reasons: string): "cpu" | "memory" | "hugepages" | undefined {
  if (/insufficient cpu|exclusive CPUs|free CPUs/.test(reasons)) return "cpu";
  if (/hugepages/.test(reasons)) return "hugepages";
  if (/insufficient memory/.test(reasons)) return "memory";
  return undefined;
}

/**
 * One line per workload whose pods do not fit (not one per replica), naming what to change: the key
 * that sizes its pods for the resource they lack, and the node groups they may run on.
 */
export function unfitLines(unfit: Unschedulable[]): string[] {
  const byWorkload = new Map<string, Unschedulable[]>();
  for (const u of unfit) {
    const workload = u.pod.replace(/ on .*$/, "").replace(/-\d+$/, "");
    byWorkload.set(workload, [...(byWorkload.get(workload) ?? []), u]);
  }
  return [...byWorkload].map(([workload, pods]) => {
    const reason = pods[0].reason;
    // The groups the pod may run on: the others refuse it by selector, taint or affinity.
    const candidates = reason.split(" | ").filter((part) => !/does not match|not tolerated/.test(part));
    const groups = [...new Set(candidates.map((part) => part.split(" (")[0]))];
    const groupKeys = groups.map((g) => Object.entries(NODE_GROUP_KEYS).find(([suffix]) => g.endsWith(suffix))?.[1] ?? g);
    const resource = lacking(candidates.join(" | "));
    const podKey = resource && POD_SIZE_KEYS[workload]?.[resource];
    const nodes = `${groupKeys.join(", ") || "the node groups"} (their instance type and count)`;
    const which = pods.length === 1 ? `pod ${pods[0].pod} does` : `${pods.length} pods of ${workload} (${pods.map((p) => p.pod.slice(workload.length + 1)).join(", ")}) do`;
    return `${which} not fit at full scale (HPAs at maximum): ${reason}; change ${podKey ? `${podKey} (per pod) or ` : ""}${nodes}`;
  });
}

/** The files capacity.json and cost.json of out/<stack>/, by name. */
export function modelFiles(models: StackModels): Record<string, string> {
  return { "capacity.json": JSON.stringify(models.capacity, null, 2) + "\n", "cost.json": JSON.stringify(models.cost, null, 2) + "\n" };
}

const GiB = 1024 ** 3;
const pct = (used: number, total: number) => (total > 0 ? `${Math.round((100 * used) / total)}%` : "-");

/** A short table: each group's requests at full scale against its allocatable. */
export function utilizationTable(models: StackModels): string {
  const rows = models.capacity.nodeGroups.map(
    (g) =>
      `  ${g.name.padEnd(18)} ${`${g.nodes}x ${g.instanceType}`.padEnd(24)} cpu ${g.requested.cpu.toFixed(1).padStart(6)}/${g.allocatable.cpu.toFixed(1).padEnd(6)} ${pct(g.requested.cpu, g.allocatable.cpu).padStart(4)}  ` +
      `mem ${(g.requested.memory / GiB).toFixed(1).padStart(6)}/${(g.allocatable.memory / GiB).toFixed(1).padEnd(6)} GiB ${pct(g.requested.memory, g.allocatable.memory).padStart(4)}`,
  );
  const n1 = models.capacity.nMinus1;
  return [
    `capacity: fits at full scale; N-1 ${n1.fits ? "keeps every disruption budget" : `short: ${n1.short.map((s) => `${s.workload} (${s.available}/${s.minAvailable} without ${s.lostNode})`).join(", ")}`}`,
    ...rows,
    `cost: $${models.cost.monthly.toFixed(2)}/month on demand ($${models.cost.monthlyAtMax.toFixed(2)} with every group at its maximum), prices of ${models.cost.priceDate}`,
  ].join("\n");
}

export interface ModelVerdict {
  fits: boolean;
  nMinus1?: boolean;
  /** Why it does not fit (the first problem), when it does not. */
  problem?: string;
  monthly?: number;
}

/** A stack's capacity verdict and monthly cost on each side of a diff, and the change in cost. */
export interface ModelDiff {
  before?: ModelVerdict;
  after: ModelVerdict;
  monthlyChange?: number;
}

function verdict(stack: string, inventory: InventoryEntry[], configDir: string): ModelVerdict {
  try {
    const m = modelStack(stack, inventory, configDir);
    return { fits: true, nMinus1: m.capacity.nMinus1.fits, monthly: m.cost.monthly };
  } catch (err) {
    return { fits: false, problem: (err as Error).message.split("\n").find((l) => l.trim().startsWith("-"))?.trim().slice(2) ?? (err as Error).message };
  }
}

/** Both sides of a diff through the same (working tree's) models; `base` is empty when the stack is new. */
export function modelDiff(stack: string, base: InventoryEntry[], head: InventoryEntry[], baseDir: string, headDir: string): ModelDiff {
  const after = verdict(stack, head, headDir);
  const before = base.length ? verdict(stack, base, baseDir) : undefined;
  const change = before?.monthly !== undefined && after.monthly !== undefined ? Math.round((after.monthly - before.monthly) * 100) / 100 : undefined;
  return { ...(before ? { before } : {}), after, ...(change !== undefined ? { monthlyChange: change } : {}) };
}

export function modelDiffLine(d: ModelDiff): string {
  const show = (v: ModelVerdict) => (v.fits ? `fits${v.nMinus1 === false ? " (N-1 short)" : ""}, $${v.monthly!.toFixed(2)}/month` : `does not fit: ${v.problem}`);
  const change = d.monthlyChange === undefined ? "" : ` (${d.monthlyChange >= 0 ? "+" : "-"}$${Math.abs(d.monthlyChange).toFixed(2)}/month)`;
  return `Capacity and cost: ${d.before ? `${show(d.before)} → ` : ""}${show(d.after)}${change}`;
}
