import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import type { MutantResult, MutationTestResult } from "mutation-testing-report-schema";
import { afterAll, describe, expect, it } from "vitest";
import { UsageError } from "../tools/cli";
import { REPO_ROOT } from "../tools/harness";
import { detectedOnly, Equivalent, failed, formatJudgement, judge, mergeReports, parseEquivalents } from "../tools/mutation-report";

const scratch = mkdtempSync(path.join(tmpdir(), "hft-mutation-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const SOURCE = ["export function pinned(cores: number): boolean {", "  return cores >= 1 && (a || b);", "}"].join("\n");
const FILE = "policy/policies/example.ts";

function mutant(id: string, status: MutantResult["status"], column: number, endColumn: number, mutatorName: string, replacement: string, tests: string[] = []): MutantResult {
  return { id, status, mutatorName, replacement, location: { start: { line: 2, column }, end: { line: 2, column: endColumn } }, killedBy: status === "Killed" ? tests.slice(0, 1) : undefined, coveredBy: tests };
}

/** A run over one file: 8 killed, one survivor (`cores >= 1` => `cores > 1`), one uncovered, one compile error. */
function report(file = FILE, testNames = ["judges one core", "judges none"]): MutationTestResult {
  const killed = Array.from({ length: 8 }, (_, i) => mutant(`k${i}`, "Killed", 10, 20, "ConditionalExpression", "true", ["0", "1"]));
  return {
    schemaVersion: "1.0",
    thresholds: { high: 90, low: 80 },
    files: {
      [file]: {
        language: "typescript",
        source: SOURCE,
        mutants: [
          ...killed,
          mutant("s", "Survived", 10, 20, "EqualityOperator", "cores > 1", ["0"]),
          mutant("n", "NoCoverage", 25, 31, "LogicalOperator", "a && b"),
          mutant("c", "CompileError", 10, 20, "StringLiteral", '""'),
        ],
      },
    },
    testFiles: { "policy/test/example.test.ts": { source: "", tests: testNames.map((name, i) => ({ id: String(i), name })) } },
  };
}

const equivalent = (original: string, replacement: string, mutator: string): Equivalent => ({ file: FILE, mutator, original, replacement, reason: "because" });
const current = (file: string) => (file === FILE ? SOURCE : undefined);

describe("mutation report", () => {
  it("scores as Stryker does (detected over valid mutants) and lists each undetected mutant not declared equivalent", () => {
    const j = judge(report(), [equivalent("cores >= 1", "cores > 1", "EqualityOperator")], current);
    expect(j.total).toMatchObject({ mutants: 11, detected: 8, survived: 1, noCoverage: 1, equivalent: 1, score: 80 });
    expect(j.undeclared.map((u) => `${u.status} ${u.mutator} ${u.original} => ${u.replacement}`)).toEqual(["NoCoverage LogicalOperator a || b => a && b"]);
    const lines = formatJudgement(j, 90);
    expect(lines).toContain("the mutation score 80.00% is below stryker.config.mjs's thresholds.high 90%");
    expect(lines).toContain(`${FILE}:2:25 NoCoverage LogicalOperator: \`a || b\` => \`a && b\``);
    expect(failed(j, 90)).toBe(true);
    expect(failed(j, 80)).toBe(true);
  });

  it("passes a score at the threshold with every survivor declared", () => {
    const declared = [equivalent("cores >= 1", "cores > 1", "EqualityOperator"), equivalent("a || b", "a && b", "LogicalOperator")];
    const j = judge(report(), declared, current);
    expect(j.undeclared).toEqual([]);
    expect(failed(j, 80)).toBe(false);
    expect(failed(j, 80.01)).toBe(true);
  });

  it("refuses a declared row that matches no survivor, and a report older than its file", () => {
    const declared = [equivalent("cores >= 1", "cores > 1", "EqualityOperator"), equivalent("a || b", "a && b", "LogicalOperator"), equivalent("cores >= 1", "cores >= 2", "EqualityOperator")];
    const stale = judge(report(), declared, current);
    expect(stale.stale).toEqual([declared[2]]);
    expect(failed(stale, 80)).toBe(true);
    const edited = judge(report(), declared.slice(0, 2), () => `${SOURCE}\n`);
    expect(formatJudgement(edited, 80)).toContain(`${FILE} changed since the report was written: run npm run mutation again`);
    expect(failed(edited, 80)).toBe(true);
  });

  it("merges per-file runs, renumbering tests by name so each mutant keeps the tests that killed it", () => {
    const other = "policy/policies/other.ts";
    const merged = mergeReports([
      { name: "example.json", report: report(FILE, ["judges one core", "judges none"]) },
      { name: "other.json", report: report(other, ["judges a new case", "judges one core"]) },
    ]);
    expect(merged.testFiles!["policy/test/example.test.ts"].tests.map((t) => `${t.id} ${t.name}`)).toEqual(["0 judges one core", "1 judges none", "2 judges a new case"]);
    expect(merged.files[FILE].mutants[0]).toMatchObject({ killedBy: ["0"], coveredBy: ["0", "1"] });
    expect(merged.files[other].mutants[0]).toMatchObject({ killedBy: ["2"], coveredBy: ["2", "0"] });
    const ids = Object.values(merged.files).flatMap((f) => f.mutants.map((m) => m.id));
    expect(new Set(ids).size).toBe(ids.length);
    expect(() => mergeReports([{ name: "a.json", report: report() }, { name: "b.json", report: report() }])).toThrow(`${FILE} is in both a.json and b.json: keep one report per mutated file`);
  });

  it("leaves survivors out of the incremental file, so the next run tests them against every current test", () => {
    expect(detectedOnly(report()).files[FILE].mutants.map((m) => m.status)).toEqual([...Array(8).fill("Killed"), "CompileError"]);
  });
});

describe("equivalent mutants table", () => {
  const table = (rows: string) => `## x\n### Equivalent mutants\n\n| File | Line | Mutator | Original | Replacement | Why |\n|---|---|---|---|---|---|\n${rows}\n## Next\n| not | a | row |`;

  it("reads code cells with escaped pipes and stops at the next heading", () => {
    expect(parseEquivalents(table("| `policy/policies/example.ts` | 2 | LogicalOperator | `a \\|\\| b` | `a && b` | Both sides are the same. |"))).toEqual([
      { file: FILE, mutator: "LogicalOperator", original: "a || b", replacement: "a && b", reason: "Both sides are the same." },
    ]);
  });

  it("refuses a row without its six cells, and a document without the section", () => {
    expect(() => parseEquivalents(table("| `x.ts` | 2 | LogicalOperator | `a` | `b` |"))).toThrow(UsageError);
    expect(() => parseEquivalents("# nothing here")).toThrow('docs/development.md has no "### Equivalent mutants" section');
  });

  it("declares in docs/development.md only mutants of the pack's files, each with a reason", () => {
    const rows = parseEquivalents(readFileSync(path.join(REPO_ROOT, "docs/development.md"), "utf8"));
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) {
      expect(row.file, JSON.stringify(row)).toMatch(/^policy\/policies\/[a-z-]+\.ts$/);
      readFileSync(path.join(REPO_ROOT, row.file));
      expect(row.reason.length, JSON.stringify(row)).toBeGreaterThan(20);
    }
  });
});

describe("npm run mutation:report", () => {
  const run = (...args: string[]) =>
    new Promise<{ status: number; stdout: string; stderr: string }>((done) =>
      execFile(process.execPath, [path.join(REPO_ROOT, "tools/run.cjs"), "tools/mutation-report.ts", ...args], { cwd: REPO_ROOT, encoding: "utf8" }, (err, stdout, stderr) =>
        done({ status: err ? Number(err.code) : 0, stdout, stderr }),
      ),
    );

  it("answers a missing report or a folder of non-reports in one line", async () => {
    const notReports = path.join(scratch, "not-reports");
    mkdirSync(notReports);
    writeFileSync(path.join(notReports, "x.json"), "{}");
    const [missing, wrong] = await Promise.all([run("--report", path.join(scratch, "absent.json")), run("--merge", notReports, "--report", path.join(scratch, "out.json"))]);
    expect(missing).toMatchObject({ status: 2, stdout: "" });
    expect(missing.stderr.trim()).toMatch(/^[^\n]*absent\.json: no such report \(run npm run mutation first\)$/);
    expect(wrong).toMatchObject({ status: 2, stdout: "" });
    expect(wrong.stderr.trim()).toMatch(/^[^\n]*x\.json is not a StrykerJS JSON report \(no schemaVersion and files\)$/);
  });
});
