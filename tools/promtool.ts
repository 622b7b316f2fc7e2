/**
 * promtool, Prometheus's own rule checker and rule unit-test runner, over the program's rules.
 * Pinned to the Debian package that carries it (.promtool.version, fetched by .ci/install-promtool); a missing
 * or different promtool is an error naming how to install the pinned one, never a skipped check.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { stringify } from "yaml";
import { REPO_ROOT } from "./harness";
import type { InventoryEntry } from "./inventory";
import { programExpressions, RuleGroup, ruleGroups } from "./promql";

export const PROMTOOL_PACKAGE = readFileSync(path.join(REPO_ROOT, ".promtool.version"), "utf8").trim();

export interface PromtoolResult {
  ok: boolean;
  output: string;
}

/** The pinned promtool on PATH, or an error that says how to get it. */
export function checkPromtool(): void {
  const run = spawnSync("promtool", ["--version"], { encoding: "utf8" });
  const found = `${run.stdout ?? ""}${run.stderr ?? ""}`;
  if (run.error || !found.includes(`revision: ${PROMTOOL_PACKAGE})`)) {
    const what = run.error ? "no promtool on PATH" : `promtool is not the pinned build (${found.split("\n")[0]})`;
    throw new Error(`${what}: run export PATH="$(.ci/install-promtool):$PATH" (Debian's prometheus ${PROMTOOL_PACKAGE}, checksum-verified)`);
  }
}

function promtool(args: string[], cwd: string): PromtoolResult {
  const run = spawnSync("promtool", args, { cwd, encoding: "utf8" });
  if (run.error) throw run.error;
  return { ok: run.status === 0, output: `${run.stdout}${run.stderr}`.trim() };
}

/** A scratch folder for rule and test files, removed after `use`. */
export function withRuleDir<T>(use: (dir: string) => T): T {
  const dir = mkdtempSync(path.join(tmpdir(), "hft-rules-"));
  try {
    return use(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The rule files Prometheus loads from the program's PrometheusRules (the operator writes each
 * object's `spec` as one file), plus the adapter's queries as recording rules so promtool type-checks
 * them too. Returns the files written into `dir` with their groups.
 */
export function writeRuleFiles(inventory: InventoryEntry[], dir: string): RuleFile[] {
  const files = ruleGroups(inventory).map(({ source, groups }) => ({ file: `${source.split(" ")[1].replace("/", "-")}.yaml`, groups }));
  const adapter = programExpressions(inventory).filter((e) => e.source.startsWith("prometheus-adapter"));
  if (adapter.length > 0) {
    const rules = adapter.map((e, i) => ({ record: `adapter_query_${i}`, expr: e.expr }));
    files.push({ file: "prometheus-adapter.yaml", groups: [{ name: "prometheus-adapter", rules }] });
  }
  for (const f of files) writeFileSync(path.join(dir, f.file), stringify({ groups: f.groups }));
  return files;
}

export interface RuleFile {
  file: string;
  groups: RuleGroup[];
}

/** `promtool check rules`: Prometheus's parser and type checker over each file. */
export function checkRules(dir: string, files: string[]): PromtoolResult {
  return promtool(["check", "rules", ...files], dir);
}

/** `promtool test rules` over one unit-test file (its rule_files relative to `dir`). */
export function testRules(dir: string, testFile: string): PromtoolResult {
  return promtool(["test", "rules", testFile], dir);
}
