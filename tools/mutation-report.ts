/**
 * Judges a StrykerJS run over the policy pack (docs/development.md, "Mutation testing"): the score per
 * file and over all, against stryker.config.mjs's `thresholds.high`, and every mutant no test killed
 * against the equivalent mutants declared in docs/development.md. Scores are computed by
 * mutation-testing-metrics, the library Stryker's own table uses.
 *
 *   npm run mutation:report [-- --report <file>] [-- --merge <folder>]
 *
 * --merge combines per-file reports (one StrykerJS JSON report per file, from runs with `--mutate`)
 * into one report and Stryker's incremental file, so `npm run mutation` re-tests only what changed
 * and every mutant that survived.
 * Exits 1 when the score is below the threshold, a report is older than the source it mutated, a
 * survivor is not declared equivalent, or a declared one no longer survives.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { calculateMetrics } from "mutation-testing-metrics";
import type { FileResult, MutantResult, MutationTestResult, TestFile } from "mutation-testing-report-schema";
import { existingDir, parseFlags, runMain, shownPath, UsageError } from "./cli";

const REPO_ROOT = path.resolve(__dirname, "..");
const USAGE = "npm run mutation:report [-- --report <file>] [-- --merge <folder>]";
const DOCS = "docs/development.md";
const EQUIVALENTS_HEADING = "### Equivalent mutants";
const UNDETECTED: readonly string[] = ["Survived", "NoCoverage"];

/** A mutant the docs declare equivalent: no input tells it from the original code. */
export interface Equivalent {
  file: string;
  mutator: string;
  original: string;
  replacement: string;
  reason: string;
}

/** A mutant no test detected, with the code it replaced. */
export interface Undetected {
  file: string;
  line: number;
  column: number;
  status: string;
  mutator: string;
  original: string;
  replacement: string;
}

export interface FileScore {
  file: string;
  mutants: number;
  detected: number;
  survived: number;
  noCoverage: number;
  equivalent: number;
  score: number;
}

export interface Judgement {
  files: FileScore[];
  total: FileScore;
  undeclared: Undetected[];
  stale: Equivalent[];
  outdated: string[];
}

export function readReport(file: string): MutationTestResult {
  if (!existsSync(file)) throw new UsageError(`${shownPath(file)}: no such report (run npm run mutation first)`);
  let report: Partial<MutationTestResult>;
  try {
    report = JSON.parse(readFileSync(file, "utf8")) as Partial<MutationTestResult>;
  } catch (err) {
    throw new UsageError(`${shownPath(file)} is not JSON: ${(err as Error).message.split("\n")[0]}`);
  }
  if (typeof report.files !== "object" || report.files === null || typeof report.schemaVersion !== "string") {
    throw new UsageError(`${shownPath(file)} is not a StrykerJS JSON report (no schemaVersion and files)`);
  }
  return report as MutationTestResult;
}

/**
 * One report of several runs over different files. Test and mutant ids are numbers per run, so tests
 * are renumbered by file and name (the same test in two runs is one test) and mutants in order.
 */
export function mergeReports(reports: { name: string; report: MutationTestResult }[], currentSource: (file: string) => string | undefined = () => undefined): MutationTestResult {
  const files: Record<string, FileResult> = {};
  const testFiles: Record<string, TestFile> = {};
  const testIds = new Map<string, string>();
  const owner = new Map<string, string>();
  let mutantId = 0;
  for (const { name, report } of reports) {
    const renumbered = new Map<string, string>();
    for (const [testFile, tests] of Object.entries(report.testFiles ?? {})) {
      const merged = (testFiles[testFile] ??= { tests: [], source: tests.source });
      // Stryker re-runs the tests of a test file whose source differs from the checkout's: keep the version it holds.
      if (tests.source === currentSource(testFile)) merged.source = tests.source;
      for (const test of tests.tests) {
        const key = `${testFile}\u0000${test.name}`;
        let id = testIds.get(key);
        if (id === undefined) {
          id = String(testIds.size);
          testIds.set(key, id);
          merged.tests.push({ ...test, id });
        }
        renumbered.set(test.id, id);
      }
    }
    const ids = (list: string[] | undefined) => list?.map((id) => renumbered.get(id) ?? id);
    for (const [file, result] of Object.entries(report.files)) {
      const earlier = owner.get(file);
      if (earlier !== undefined) throw new UsageError(`${file} is in both ${earlier} and ${name}: keep one report per mutated file`);
      owner.set(file, name);
      const mutants = result.mutants.map((m): MutantResult => ({ ...m, id: String(mutantId++), killedBy: ids(m.killedBy), coveredBy: ids(m.coveredBy) }));
      files[file] = { ...result, mutants };
    }
  }
  const [first] = reports;
  return { ...first.report, files, testFiles };
}

/**
 * The report without its undetected mutants, for Stryker's incremental file: Stryker reuses a
 * survivor whose covering tests look unchanged (always so for a static mutant, which has no per-test
 * coverage), so a survivor is left out to be tested again by the next run, against every current test.
 */
export function detectedOnly(report: MutationTestResult): MutationTestResult {
  const files = Object.fromEntries(Object.entries(report.files).map(([file, result]) => [file, { ...result, mutants: result.mutants.filter((m) => !UNDETECTED.includes(m.status)) }]));
  return { ...report, files };
}

/** The code a mutant replaces, from the report's copy of its file. */
function originalCode(source: string, m: MutantResult): string {
  const lines = source.split("\n");
  const { start, end } = m.location;
  const text = lines.slice(start.line - 1, end.line).join("\n");
  const endColumn = end.line === start.line ? end.column - 1 : lines.slice(start.line - 1, end.line - 1).join("\n").length + 1 + end.column - 1;
  return text.slice(start.column - 1, endColumn);
}

/** Code as the docs' table writes it: on one line, spaces collapsed. */
export function oneLine(code: string): string {
  return code.replace(/\s+/g, " ").trim();
}

/** The rows of the equivalent-mutants table: | file | line | mutator | original | replacement | reason |. */
export function parseEquivalents(markdown: string, where = DOCS): Equivalent[] {
  const start = markdown.indexOf(EQUIVALENTS_HEADING);
  if (start < 0) throw new UsageError(`${where} has no "${EQUIVALENTS_HEADING}" section`);
  const rows: Equivalent[] = [];
  for (const line of markdown.slice(start).split("\n").slice(1)) {
    if (line.startsWith("#")) break;
    if (!line.startsWith("|") || /^\|\s*-/.test(line) || /^\|\s*File\s*\|/.test(line)) continue;
    const cells = line.slice(1, line.lastIndexOf("|")).split(/(?<!\\)\|/).map((c) => c.trim().replace(/\\\|/g, "|"));
    if (cells.length !== 6) throw new UsageError(`${where}: an equivalent-mutants row needs 6 cells (file, line, mutator, original, replacement, reason): ${line}`);
    const code = (cell: string) => oneLine(cell.replace(/^`(.*)`$/, "$1"));
    rows.push({ file: code(cells[0]), mutator: cells[2], original: code(cells[3]), replacement: code(cells[4]), reason: cells[5] });
  }
  return rows;
}

const sameMutant = (e: Equivalent, u: Undetected) => e.file === u.file && e.mutator === u.mutator && e.original === u.original && e.replacement === u.replacement;

/** Scores, undeclared survivors, stale declarations and reports older than their source. */
export function judge(report: MutationTestResult, equivalents: Equivalent[], readSource: (file: string) => string | undefined): Judgement {
  const files: FileScore[] = [];
  const undetected: Undetected[] = [];
  const outdated: string[] = [];
  for (const [file, result] of Object.entries(report.files).sort(([a], [b]) => a.localeCompare(b))) {
    if (readSource(file) !== result.source) outdated.push(file);
    const here = result.mutants
      .filter((m) => UNDETECTED.includes(m.status))
      .map((m): Undetected => ({ file, line: m.location.start.line, column: m.location.start.column, status: m.status, mutator: m.mutatorName, original: oneLine(originalCode(result.source, m)), replacement: oneLine(m.replacement ?? "") }));
    undetected.push(...here);
    files.push(score(file, { [file]: result }, here.filter((u) => equivalents.some((e) => sameMutant(e, u))).length));
  }
  const undeclared = undetected.filter((u) => !equivalents.some((e) => sameMutant(e, u)));
  const stale = equivalents.filter((e) => !undetected.some((u) => sameMutant(e, u)));
  const total = score("all files", report.files, files.reduce((n, f) => n + f.equivalent, 0));
  return { files, total, undeclared, stale, outdated };
}

function score(file: string, results: Record<string, FileResult>, equivalent: number): FileScore {
  const m = calculateMetrics(results).metrics;
  return { file, mutants: m.totalMutants, detected: m.totalDetected, survived: m.survived, noCoverage: m.noCoverage, equivalent, score: m.mutationScore };
}

export function formatJudgement(j: Judgement, threshold: number): string[] {
  const row = (f: FileScore) => `${f.file.padEnd(44)} ${String(f.mutants).padStart(7)} ${String(f.detected).padStart(8)} ${String(f.survived).padStart(8)} ${String(f.noCoverage).padStart(8)} ${String(f.equivalent).padStart(10)} ${f.score.toFixed(2).padStart(7)}%`;
  const lines = [`${"file".padEnd(44)} ${"mutants".padStart(7)} ${"detected".padStart(8)} ${"survived".padStart(8)} ${"no cov.".padStart(8)} ${"equivalent".padStart(10)} ${"score".padStart(8)}`, ...j.files.map(row), row(j.total)];
  if (j.total.score < threshold) lines.push(`the mutation score ${j.total.score.toFixed(2)}% is below stryker.config.mjs's thresholds.high ${threshold}%`);
  for (const file of j.outdated) lines.push(`${file} changed since the report was written: run npm run mutation again`);
  for (const u of j.undeclared) lines.push(`${u.file}:${u.line}:${u.column} ${u.status} ${u.mutator}: \`${u.original}\` => \`${u.replacement}\``);
  if (j.undeclared.length > 0) lines.push(`${j.undeclared.length} mutant${j.undeclared.length === 1 ? "" : "s"} above: kill each with a test, or declare it in ${DOCS} under "${EQUIVALENTS_HEADING}" with the reason no input tells it apart`);
  for (const e of j.stale) lines.push(`${DOCS} declares ${e.file} ${e.mutator}: \`${e.original}\` => \`${e.replacement}\` equivalent, but no such mutant survives: remove the row`);
  return lines;
}

export function failed(j: Judgement, threshold: number): boolean {
  return j.total.score < threshold || j.outdated.length > 0 || j.undeclared.length > 0 || j.stale.length > 0;
}

function mergeFolder(folder: string, out: string, incremental: string, readSource: (file: string) => string | undefined): MutationTestResult {
  const names = readdirSync(folder).filter((f) => f.endsWith(".json")).sort();
  const reports = names.map((name) => ({ name, report: readReport(path.join(folder, name)) }));
  if (reports.length === 0) throw new UsageError(`--merge ${shownPath(folder)}: no .json reports in it`);
  const merged = mergeReports(reports, readSource);
  const write = (file: string, report: MutationTestResult) => {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, JSON.stringify(report));
  };
  write(out, merged);
  write(incremental, detectedOnly(merged));
  return merged;
}

async function main(): Promise<void> {
  const flags = parseFlags(USAGE, { report: { type: "string" }, merge: { type: "string" } });
  const config = (await import(path.join(REPO_ROOT, "stryker.config.mjs"))) as { default: { thresholds: { high: number }; incrementalFile: string; jsonReporter: { fileName: string } } };
  const { thresholds, incrementalFile, jsonReporter } = config.default;
  const reportFile = path.resolve(flags.report ?? path.join(REPO_ROOT, jsonReporter.fileName));
  const readSource = (file: string) => {
    const absolute = path.join(REPO_ROOT, file);
    return existsSync(absolute) ? readFileSync(absolute, "utf8") : undefined;
  };
  const report = flags.merge !== undefined ? mergeFolder(existingDir(flags.merge, "--merge"), reportFile, path.join(REPO_ROOT, incrementalFile), readSource) : readReport(reportFile);
  const equivalents = parseEquivalents(readFileSync(path.join(REPO_ROOT, DOCS), "utf8"));
  const judgement = judge(report, equivalents, readSource);
  console.log(formatJudgement(judgement, thresholds.high).join("\n"));
  if (failed(judgement, thresholds.high)) process.exitCode = 1;
}

if (require.main === module) runMain(main);
