/**
 * Offline policy gate: runs every rule of the CrossGuard pack (policy/) over a stack's rendered
 * inventory as the engine would present it, with the stack's policy config, writes
 * out/<stack>/policy-report.json and fails on any mandatory violation.
 *
 *   npm run policy -- --stack <stack> [--inventory FILE] [--config FILE] [--report FILE]
 *
 * Defaults: out/<stack>/inventory.json, policy/config/<stack>.json, out/<stack>/policy-report.json;
 * with --inventory FILE and no --report, the report is written beside FILE as <FILE>.policy-report.json.
 * Exit codes: 0 no mandatory violation, 1 mandatory violations, 2 missing or invalid input (an empty
 * or malformed inventory, or one rendered for another stack).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { allPolicies } from "../policy/policies";
import { HftPolicy, SECRET_PLACEHOLDER_TAG } from "../policy/rules";
import { parseFlags, quiet, requireFlag, requireStack, runMain, shownPath, UsageError } from "./cli";
import { InventoryEntry, SECRET_PLACEHOLDER } from "./inventory";
import { EngineResource, Finding, PolicyConfigError, PolicyConfigFile, reconcileConfig, RuleRun, runPolicies } from "./policy-engine";

const REPO_ROOT = path.resolve(__dirname, "..");

export interface GateOptions {
  stack: string;
  inventory?: string;
  config?: string;
  /** The rules to run; the whole pack unless a test narrows it. */
  policies?: HftPolicy[];
}

/** A rule that judged nothing offline, and why: its pass means nothing until a real preview runs it. */
export interface UnseenRule {
  rule: string;
  reason: string;
}

export interface GateReport {
  stack: string;
  inventory: string;
  config: string;
  resources: number;
  summary: { rules: number; run: number; disabled: number; mandatory: number; advisory: number; unseen: number };
  violations: Finding[];
  rules: (RuleRun & { violations: number })[];
  disabled: string[];
  unseen: UnseenRule[];
  /**
   * Components whose children are not in the inventory (remote components): nothing they create was
   * checked. For a pinned chart, `expected` says how the prod rules judge what it creates (policy/charts.json).
   */
  opaqueComponents: { urn: string; type: string; name: string; expected?: string[] }[];
}

const CHARTS_FILE = path.join(REPO_ROOT, "policy", "charts.json");
const CHART_TYPE = "kubernetes:helm.sh/v4:Chart";

interface ChartsFile {
  charts: { component: string; chart: string; version: string; workloads: { kind: string; namespace: string; name: string; expect: Record<string, string> }[] }[];
}

/**
 * One line per workload of a pinned chart: what is not a plain pass (made to pass by the program,
 * exempt by name, or not judged), from the table that policy/README.md#charts shows.
 */
export function chartExpectations(component: string, file = CHARTS_FILE): string[] | undefined {
  const chart = (JSON.parse(readFileSync(file, "utf8")) as ChartsFile).charts.find((c) => c.component === component);
  return chart?.workloads.map((w) => {
    const notes = Object.entries(w.expect)
      .filter(([, verdict]) => verdict.startsWith("program") || verdict.startsWith("exempt"))
      .map(([group, verdict]) => `${group} ${verdict}`);
    const verdict = w.expect.resources.startsWith("n/a") ? "not a Pulumi resource, not judged" : notes.length > 0 ? notes.join("; ") : "passes every rule";
    return `${chart.chart} ${chart.version} ${w.kind} ${w.namespace}/${w.name}: ${verdict}`;
  });
}

/** Missing or invalid gate input: reported as a message, not a stack trace (exit 2). */
export class GateInputError extends UsageError {}

function readJson(file: string, what: string, hint: string): unknown {
  if (!existsSync(file)) throw new GateInputError(`${what} ${shownPath(file)} does not exist: ${hint}`);
  try {
    return JSON.parse(readFileSync(file, "utf8"));
  } catch (e) {
    throw new GateInputError(`${what} ${file} is not valid JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
}

const providersOf = new WeakMap<readonly InventoryEntry[], Map<string, InventoryEntry>>();

/** The provider resource a registration names (`<urn>::<id>`), found in the inventory. */
function providerOf(entry: InventoryEntry, inventory: readonly InventoryEntry[]): EngineResource["provider"] {
  if (!entry.provider) return undefined;
  let byUrn = providersOf.get(inventory);
  if (!byUrn) providersOf.set(inventory, (byUrn = new Map(inventory.filter((e) => e.type.startsWith("pulumi:providers:")).map((e) => [e.urn, e]))));
  const found = byUrn.get(entry.provider.split("::").slice(0, -1).join("::"));
  return found && { type: found.type, urn: found.urn, name: found.name, props: found.inputs };
}

/**
 * What the engine hands a rule: inputs as props, options from the registration and, given the
 * inventory (as Array.map passes it), the resource's provider with its inputs.
 */
export function engineResource(entry: InventoryEntry, _index?: number, inventory?: readonly InventoryEntry[]): EngineResource {
  const provider = inventory && providerOf(entry, inventory);
  return {
    urn: entry.urn,
    type: entry.type,
    name: entry.name,
    ...(entry.parent ? { parent: entry.parent } : {}),
    props: entry.inputs,
    dependencies: entry.dependsOn ?? [],
    ...(entry.protect ? { protect: true } : {}),
    ...(provider ? { provider } : {}),
  };
}

const URN = /^urn:pulumi:([^:]+)::[^:]+::/;

/**
 * An inventory the gate can vouch for: a non-empty array of registered resources, all rendered for
 * the stack being gated (the stack is the URN's first segment, as the engine assigns it). Anything
 * else would pass every rule by giving them nothing to judge.
 */
function checkInventory(inventory: unknown, file: string, stack: string): asserts inventory is InventoryEntry[] {
  if (!Array.isArray(inventory)) throw new GateInputError(`inventory ${shownPath(file)} is not an array of resources: render it with \`npm run render -- --stack ${stack}\``);
  if (inventory.length === 0) throw new GateInputError(`inventory ${shownPath(file)} is empty: a gate over no resources proves nothing; render it with \`npm run render -- --stack ${stack}\``);
  const stacks = new Set<string>();
  inventory.forEach((entry: unknown, i) => {
    const e = entry as Partial<InventoryEntry> | null;
    const valid = typeof e === "object" && e !== null && typeof e.urn === "string" && typeof e.type === "string" && typeof e.name === "string" && typeof e.inputs === "object" && e.inputs !== null;
    const urnStack = valid ? URN.exec(e.urn!)?.[1] : undefined;
    if (urnStack === undefined) throw new GateInputError(`inventory ${shownPath(file)}: entry ${i} is not a rendered resource (needs urn "urn:pulumi:<stack>::…", type, name and inputs)`);
    stacks.add(urnStack);
  });
  const others = [...stacks].filter((s) => s !== stack);
  if (others.length > 0) throw new GateInputError(`inventory ${shownPath(file)} was rendered for stack ${others.join(", ")}, not ${stack}: gate it with --stack ${others[0]} or render ${stack}`);
}

/**
 * Where the report goes: --report if given; beside an inventory given with --inventory (never over
 * the stack's own report, which describes the stack's own render); otherwise out/<stack>/.
 */
export function reportPath(stack: string, inventory?: string, report?: string): string {
  if (report) return path.resolve(report);
  const own = path.join(REPO_ROOT, "out", stack, "inventory.json");
  if (inventory && path.resolve(inventory) !== own) {
    const file = path.resolve(inventory);
    return path.join(path.dirname(file), `${path.basename(file, ".json")}.policy-report.json`);
  }
  return path.join(REPO_ROOT, "out", stack, "policy-report.json");
}

function unseenReason(run: RuleRun): string {
  const present = Object.entries(run.targets).filter(([, count]) => count > 0);
  if (present.length === 0) return `no ${Object.keys(run.targets).join(", ")} in the inventory`;
  const reasons = [...new Set(run.notApplicable.map((r) => r.replace(/^[^:]*: /, "")))];
  return `${present.map(([type, count]) => `${count} ${type}`).join(", ")} present, none applicable (${reasons.join("; ")})`;
}

export async function runGate(options: GateOptions): Promise<GateReport> {
  const inventoryFile = path.resolve(options.inventory ?? path.join(REPO_ROOT, "out", options.stack, "inventory.json"));
  const configFile = path.resolve(options.config ?? path.join(REPO_ROOT, "policy", "config", `${options.stack}.json`));
  const inventory = readJson(inventoryFile, "inventory", `run \`npm run render -- --stack ${options.stack}\` first`);
  checkInventory(inventory, inventoryFile, options.stack);
  const config = readJson(configFile, "policy config", `create it (see policy/README.md)`);
  if (typeof config !== "object" || config === null || Array.isArray(config)) throw new GateInputError(`policy config ${configFile} must be a JSON object`);

  const policies = options.policies ?? allPolicies;
  let settings;
  try {
    settings = reconcileConfig(policies, config as PolicyConfigFile);
  } catch (e) {
    if (e instanceof PolicyConfigError) throw new GateInputError(`${configFile}: ${e.message}`);
    throw e;
  }

  const entries = inventory;
  const run = await runPolicies(policies, entries.map(engineResource), settings, {
    // Tells secret-aware rules which value stands for a Pulumi secret in this inventory.
    stackTags: { [SECRET_PLACEHOLDER_TAG]: SECRET_PLACEHOLDER },
  });
  const parents = new Set(entries.map((e) => e.parent).filter((p): p is string => p !== undefined));
  const mandatory = run.findings.filter((f) => f.level === "mandatory").length;
  const unseen = run.rules.filter((r) => r.judged === 0).map((r) => ({ rule: r.rule, reason: unseenReason(r) }));
  return {
    stack: options.stack,
    // Repository-relative, so reports from different checkouts compare equal.
    inventory: path.relative(REPO_ROOT, inventoryFile),
    config: path.relative(REPO_ROOT, configFile),
    resources: entries.length,
    summary: {
      rules: policies.length,
      run: run.rules.length,
      disabled: run.disabled.length,
      mandatory,
      advisory: run.findings.length - mandatory,
      unseen: unseen.length,
    },
    violations: run.findings,
    rules: run.rules.map((r) => ({ ...r, violations: run.findings.filter((f) => f.rule === r.rule).length })),
    disabled: run.disabled,
    unseen,
    opaqueComponents: entries
      .filter((e) => !e.custom && !parents.has(e.urn))
      .map((e) => {
        const expected = e.type === CHART_TYPE ? chartExpectations(e.name) : undefined;
        return { urn: e.urn, type: e.type, name: e.name, ...(expected ? { expected } : {}) };
      }),
  };
}

/** The gate's report for people; `brief` keeps the header, the mandatory violations and the verdict (the file has the rest). */
export function formatReport(report: GateReport, reportFile: string, brief = false): string {
  if (brief) {
    const mandatory = report.violations.filter((v) => v.level === "mandatory");
    return [
      `policy gate ${report.stack}: ${report.summary.run} of ${report.summary.rules} rules over ${report.resources} resources (${report.inventory}, ${report.config})`,
      ...mandatory.flatMap((v) => [`  [${v.level}] ${v.rule}  ${v.type && v.name ? `${v.type} ${v.name}` : "stack"}`, `      ${v.message}`]),
      verdictLine(report, reportFile),
    ].join("\n");
  }
  const lines = [
    `policy gate ${report.stack}: ${report.summary.run} of ${report.summary.rules} rules over ${report.resources} resources ` +
      `(${report.inventory}, ${report.config})`,
  ];
  for (const r of report.rules) {
    lines.push(`  ${r.violations > 0 ? "✗" : "✓"} ${r.rule.padEnd(40)} ${r.level.padEnd(9)} ${String(r.judged).padStart(3)} judged, ${r.violations} violation(s)`);
  }
  for (const v of report.violations) {
    lines.push(`  [${v.level}] ${v.rule}  ${v.type && v.name ? `${v.type} ${v.name}` : "stack"}`, `      ${v.message}`);
  }
  if (report.disabled.length > 0) lines.push(`disabled: ${report.disabled.join(", ")}`);
  if (report.unseen.length > 0) {
    lines.push("not seen offline (nothing to judge in the inventory; only a real preview checks these):");
    for (const u of report.unseen) lines.push(`  ${u.rule}: ${u.reason}`);
  }
  if (report.opaqueComponents.length > 0) {
    lines.push("components whose children are not in the inventory (what they create is checked only by a real preview):");
    for (const c of report.opaqueComponents) {
      lines.push(`  ${c.type} ${c.name}${c.expected ? " — expected under the prod pack (policy/README.md#charts):" : ""}`);
      for (const line of c.expected ?? []) lines.push(`      ${line}`);
    }
  }
  lines.push(verdictLine(report, reportFile));
  return lines.join("\n");
}

function verdictLine(report: GateReport, reportFile: string): string {
  const verdict = report.summary.mandatory > 0 ? "FAIL" : "pass";
  return `${verdict}: ${report.summary.mandatory} mandatory, ${report.summary.advisory} advisory violation(s) -> ${shownPath(reportFile)}`;
}

const USAGE = "npm run policy -- --stack <stack> [--inventory FILE] [--config FILE] [--report FILE]";

async function main(): Promise<void> {
  const values = parseFlags(USAGE, { stack: { type: "string" }, inventory: { type: "string" }, config: { type: "string" }, report: { type: "string" } });
  // Without --inventory the stack's render is read, so it must be a stack; with one, the inventory must have been rendered for --stack.
  const stack = values.inventory === undefined ? requireStack(values.stack, REPO_ROOT, USAGE) : requireFlag(values.stack, "--stack", USAGE);
  const report = await runGate({ stack, inventory: values.inventory, config: values.config });
  const reportFile = reportPath(stack, values.inventory, values.report);
  mkdirSync(path.dirname(reportFile), { recursive: true });
  writeFileSync(reportFile, JSON.stringify(report, null, 2) + "\n");
  console.log(formatReport(report, reportFile, quiet()));
  if (report.summary.mandatory > 0) process.exitCode = 1;
}

if (require.main === module) runMain(main);
