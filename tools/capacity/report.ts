/** The capacity and cost models as the render and the diff use them: check, write, print, compare. */
import { ConfigError } from "../../components/config";
import { costOfRender, CostReport } from "../cost";
import { readStackConfig } from "../harness";
import { InventoryEntry } from "../inventory";
import { capacityOfRender, CapacityReport, EngineNodeFacts } from "./index";

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
  const capacity = capacityOfRender(stack, inventory, engineNodeFacts(stack, configDir));
  const unread = capacity.hpaMetrics.filter((m) => m.servedBy === "not served");
  if (unread.length) {
    throw new ConfigError(
      `Pulumi.${stack}.yaml`,
      unread.map((m) => `HPA ${m.hpa} reads ${m.api}, which nothing in the stack serves: it could not scale (metrics-server: cluster.addons.metricsServer)`),
    );
  }
  if (!capacity.fits) {
    const unfit = [...capacity.configured.unschedulable, ...capacity.unschedulable.filter((u) => !capacity.configured.unschedulable.some((c) => c.pod === u.pod))];
    throw new ConfigError(
      `Pulumi.${stack}.yaml`,
      unfit.map((u) => `pod ${u.pod} does not fit at full scale (HPAs at maximum): ${u.reason}; size the node groups (systemNodes, engineNodes) for it`),
    );
  }
  return { capacity, cost: costOfRender(stack, inventory, capacity) };
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
