/**
 * Offline preview diff: renders a base git ref and the working tree for every stack and reports
 * what a `pulumi up` would change, resource by resource and field by field, with secrets redacted.
 *
 *   npm run diff -- --base <git-ref> [--json] [--stack <name> ...]
 *
 * Exits 0 whenever it ran, whatever the diff: it informs reviews, the policy gate decides. A bad
 * --base or an unknown --stack is answered in one line before anything is checked out (exit 2).
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { parseFlags, requireFlag, runMain, shownPath, stackNames, stacksIn, UsageError, unknownStack } from "./cli";
import { ModelDiff, modelDiff, modelDiffLine } from "./capacity/report";
import { REPO_ROOT } from "./harness";
import { InventoryEntry, SECRET_PLACEHOLDER } from "./inventory";
import { Finding } from "./policy-engine";
import { renderBoth } from "./diff-render";
import { impactLine, TradingImpact, tradingImpact } from "./disruption";
import { runGate } from "./policy-gate";
import { FlowDiff, flowDiff, flowDiffLines } from "./network/diff";

export interface FieldChange {
  /** Dotted path; list items that have a `name` are addressed by it: `containers[trading-engine].image`. */
  path: string;
  before?: unknown;
  after?: unknown;
}

export interface ResourceRef {
  type: string;
  name: string;
  urn: string;
}

export interface StackDiff {
  stack: string;
  /** Why the stack could not be compared, when it could not. */
  error?: string;
  added: ResourceRef[];
  removed: ResourceRef[];
  changed: (ResourceRef & { fields: FieldChange[] })[];
  unchanged: number;
  /** Policy findings present only after (appeared) or only before (resolved), judged by the working tree's pack. */
  policy?: { appeared: Finding[]; resolved: Finding[] };
  /** Capacity verdict and monthly cost before and after. */
  models?: ModelDiff;
  /** What the change does to the trading path (tools/disruption.ts); absent when not compared. */
  trading?: TradingImpact;
  /** Network flows allowed or blocked by the change (the working tree's network model over both renders). */
  flows?: FlowDiff;
}

type Comparable = Pick<InventoryEntry, "inputs" | "protect" | "retainOnDelete" | "decoded">;

/** The parts of an entry a reviewer cares about: inputs, deletion guards, readable user data. */
function comparable(entry: InventoryEntry): Comparable {
  return { inputs: entry.inputs, protect: entry.protect ?? false, retainOnDelete: entry.retainOnDelete ?? false, decoded: entry.decoded };
}

const findingKey = (f: Finding) => `${f.rule}\0${f.urn ?? "stack"}\0${f.message}`;

export function diffFindings(before: Finding[], after: Finding[]): { appeared: Finding[]; resolved: Finding[] } {
  const beforeKeys = new Set(before.map(findingKey));
  const afterKeys = new Set(after.map(findingKey));
  return { appeared: after.filter((f) => !beforeKeys.has(findingKey(f))), resolved: before.filter((f) => !afterKeys.has(findingKey(f))) };
}

export function diffInventories(stack: string, base: InventoryEntry[], head: InventoryEntry[]): StackDiff {
  const ref = (e: InventoryEntry): ResourceRef => ({ type: e.type, name: e.name, urn: e.urn });
  const baseByUrn = new Map(base.map((e) => [e.urn, e]));
  const headByUrn = new Map(head.map((e) => [e.urn, e]));
  const result: StackDiff = { stack, added: [], removed: [], changed: [], unchanged: 0 };
  for (const entry of head) {
    const before = baseByUrn.get(entry.urn);
    if (!before) {
      result.added.push(ref(entry));
      continue;
    }
    const fields = diffValues(comparable(before), comparable(entry), "");
    if (fields.length) result.changed.push({ ...ref(entry), fields });
    else result.unchanged++;
  }
  for (const entry of base) if (!headByUrn.has(entry.urn)) result.removed.push(ref(entry));
  return result;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function join(prefix: string, key: string): string {
  return prefix ? `${prefix}.${key}` : key;
}

/** Lists of named objects (containers, ports, env) are matched by name, so an insertion shows as one change. */
function keyedByName(list: unknown[]): Map<string, unknown> | undefined {
  if (!list.every((item) => isObject(item) && typeof item.name === "string")) return undefined;
  const names = list.map((item) => (item as { name: string }).name);
  if (new Set(names).size !== names.length) return undefined;
  return new Map(list.map((item) => [(item as { name: string }).name, item]));
}

export function diffValues(before: unknown, after: unknown, at: string): FieldChange[] {
  if (JSON.stringify(before) === JSON.stringify(after)) return [];
  if (isObject(before) && isObject(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])];
    return keys.flatMap((k) => diffValues(before[k], after[k], join(at, k)));
  }
  if (Array.isArray(before) && Array.isArray(after)) {
    const beforeByName = keyedByName(before);
    const afterByName = keyedByName(after);
    if (beforeByName && afterByName) {
      const names = [...new Set([...beforeByName.keys(), ...afterByName.keys()])];
      return names.flatMap((n) => diffValues(beforeByName.get(n), afterByName.get(n), `${at}[${n}]`));
    }
    if (before.length === after.length) return before.flatMap((item, i) => diffValues(item, after[i], `${at}[${i}]`));
  }
  return [{ path: at, ...(before !== undefined ? { before } : {}), ...(after !== undefined ? { after } : {}) }];
}

function show(value: unknown): string {
  if (value === undefined) return "∅";
  if (value === SECRET_PLACEHOLDER) return "[secret]";
  const text = typeof value === "string" ? value : JSON.stringify(value);
  const oneLine = text.replace(/\n/g, "⏎");
  return `\`${oneLine.length > 120 ? `${oneLine.slice(0, 117)}...` : oneLine}\``;
}

function resourceLine(r: ResourceRef): string {
  return `\`${r.type}\` **${r.name}**`;
}

export function markdownReport(diffs: StackDiff[], base: string): string {
  const lines = [`## Offline preview diff against \`${base}\``, "", "Trading path (disruptive: replaces or restarts an engine pod or node, fails Redis or the database over, or changes the engine's Services or network policies):", ""];
  for (const d of diffs) lines.push(impactLine(d.stack, d.trading));
  lines.push("");
  for (const d of diffs) {
    lines.push(`### Stack \`${d.stack}\``, "");
    if (d.models) lines.push(modelDiffLine(d.models), "");
    if (d.flows) lines.push(...flowDiffLines(d.flows), "");
    if (d.error) {
      lines.push(`Not compared: ${d.error}`, "");
      continue;
    }
    if (!d.added.length && !d.removed.length && !d.changed.length) {
      lines.push(`No changes (${d.unchanged} resources).`, "");
      continue;
    }
    lines.push(`${d.added.length} to add, ${d.changed.length} to change, ${d.removed.length} to remove, ${d.unchanged} unchanged.`, "");
    for (const r of d.added) lines.push(`- ➕ ${resourceLine(r)}`);
    for (const r of d.removed) lines.push(`- ➖ ${resourceLine(r)}`);
    for (const r of d.changed) {
      lines.push(`- ✏️ ${resourceLine(r)}`);
      for (const f of r.fields) lines.push(`  - \`${f.path}\`: ${show(f.before)} → ${show(f.after)}`);
    }
    lines.push("");
  }
  for (const d of diffs) {
    if (!d.policy || (!d.policy.appeared.length && !d.policy.resolved.length)) continue;
    lines.push(`### Policy findings in \`${d.stack}\``, "");
    const finding = (f: Finding) => `\`${f.rule}\` (${f.level}) on ${f.type && f.name ? `\`${f.type}\` **${f.name}**` : "the stack"}: ${f.message}`;
    for (const f of d.policy.appeared) lines.push(`- 🆕 ${finding(f)}`);
    for (const f of d.policy.resolved) lines.push(`- ✅ resolved: ${finding(f)}`);
    lines.push("");
  }
  return lines.join("\n");
}

/** The commit --base names, resolved before anything is checked out. */
function baseCommit(ref: string): string {
  // A ref starting with "-" would be read by git as an option.
  const resolved = ref.startsWith("-") ? undefined : spawnSync("git", ["rev-parse", "--verify", "--quiet", `${ref}^{commit}`], { cwd: REPO_ROOT, encoding: "utf8" });
  if (resolved?.status !== 0 || !resolved.stdout.trim()) {
    throw new UsageError(
      `--base "${ref}" is not a commit in this repository: give a branch, tag or commit hash that \`git log ${ref}\` shows ` +
        `(e.g. main, HEAD~1; fetch a remote branch first: git fetch origin <branch>)`,
    );
  }
  return resolved.stdout.trim();
}

/** Stacks of the base commit, from its tree: known before the checkout. */
function stacksAt(commit: string): string[] {
  return stackNames(execFileSync("git", ["ls-tree", "--name-only", commit], { cwd: REPO_ROOT, encoding: "utf8" }).split("\n"));
}

const USAGE = "npm run diff -- --base <git-ref> [--json] [--stack <name> ...]";

async function main(): Promise<void> {
  const values = parseFlags(USAGE, { base: { type: "string" }, json: { type: "boolean" }, stack: { type: "string", multiple: true } });
  const base = requireFlag(values.base, "--base", USAGE);
  const commit = baseCommit(base);
  // A stack may exist on one side only (added or removed by the change).
  const known = [...new Set([...stacksIn(REPO_ROOT), ...stacksAt(commit)])].sort();
  const unknown = values.stack?.find((s) => !known.includes(s));
  if (unknown !== undefined) throw unknownStack(unknown, known, `in ${shownPath(REPO_ROOT)} or at ${base}`);
  const stacks = values.stack ?? known;
  const started = Date.now();
  const scratch = mkdtempSync(path.join(tmpdir(), "hft-diff-"));
  try {
    const renders = await renderBoth({ repoRoot: REPO_ROOT, commit, ref: base, stacks, baseStacks: stacksAt(commit), headStacks: stacksIn(REPO_ROOT), scratch });
    const diffs: StackDiff[] = [];
    for (const { stack, base: before = { inventory: [] }, head: after = { inventory: [] } } of renders) {
      const empty = { stack, added: [], removed: [], changed: [], unchanged: 0 };
      if ("error" in before) diffs.push({ ...empty, error: `base render failed: ${before.error}` });
      else if ("error" in after) diffs.push({ ...empty, error: `head render failed: ${after.error}` });
      else {
        const diff = diffInventories(stack, before.inventory, after.inventory);
        diffs.push({
          ...diff,
          trading: tradingImpact(diff, before.inventory, after.inventory),
          policy: await policyDiff(stack, inventoryFile(before), inventoryFile(after)),
          // The base's models read its own stack file, kept with its render.
          models: modelDiff(stack, before.inventory, after.inventory, "configDir" in before ? before.configDir : REPO_ROOT, REPO_ROOT),
          flows: flowDiff(stack, before.inventory, after.inventory, "configDir" in before ? before.configDir : REPO_ROOT, REPO_ROOT),
        });
      }
    }
    console.log(values.json ? JSON.stringify({ base, stacks: diffs }, null, 2) : markdownReport(diffs, base));
    console.error(`diff: ${stacks.length} stack(s) against ${base} in ${((Date.now() - started) / 1000).toFixed(1)}s`);
  } finally {
    spawnSync("git", ["worktree", "remove", "--force", path.join(scratch, "base")], { cwd: REPO_ROOT });
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** The working tree's pack over both renders, so a finding that changes is caused by the resources. */
async function policyDiff(stack: string, baseInventory: string | undefined, headInventory: string | undefined): Promise<StackDiff["policy"]> {
  const config = path.join(REPO_ROOT, "policy", "config", `${stack}.json`);
  if (!existsSync(config)) return undefined;
  const findings = async (inventory: string | undefined) => (inventory ? (await runGate({ stack, inventory, config })).violations : []);
  return diffFindings(await findings(baseInventory), await findings(headInventory));
}

/** A side's inventory file; none when the stack does not exist on that side. */
const inventoryFile = (side: object): string | undefined => ("inventoryFile" in side && typeof side.inventoryFile === "string" ? side.inventoryFile : undefined);

if (require.main === module) runMain(main);
