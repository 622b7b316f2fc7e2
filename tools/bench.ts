/**
 * How fast the team's loop is, as ratios measured in one run: the render and policy gate of a stack
 * against the floor (a bare `node` that only requires the five Pulumi SDKs: no render can be faster
 * than loading them), runs alternating so a busy machine slows both alike; then `npm test`.
 *
 *   npm run bench [-- --stack prod] [--runs 5] [--no-test] [--cold] [--checkout DIR]
 *
 * Each command is the one its npm script runs (read from the checkout's package.json), without
 * npm's own start-up; --checkout measures another worktree the same way (e.g. main, for a before
 * figure). --cold empties the build cache before timing `npm test`, then times it again warm.
 * Besides wall-clock time, each command's CPU time is summed over the Node processes it starts.
 */
import { spawn } from "node:child_process";
import { existsSync, readFileSync, rmSync } from "node:fs";
import * as path from "node:path";
import { cacheFile, writeAtomic } from "./build-cache";
import { existingDir, parseFlags, requireStack, runMain, UsageError } from "./cli";

const USAGE = "usage: npm run bench [-- --stack <stack>] [--runs N] [--no-test] [--cold] [--checkout DIR]";
const SDKS = ["@pulumi/pulumi", "@pulumi/aws", "@pulumi/eks", "@pulumi/kubernetes", "@pulumi/random"];

interface Row {
  what: string;
  command: string;
  seconds: number[];
  cpu: number[];
}

interface Timed {
  seconds: number;
  /** CPU seconds (user + system, all threads) of every Node process the command ran. */
  cpu: number;
  status: number;
  output: string;
}

/**
 * Preloaded into every Node process a command starts (NODE_OPTIONS), it appends the process's CPU
 * time to the file the command was given: a busy machine stretches wall-clock time far more than CPU time.
 */
const CPU_REPORTER = [
  // A worker thread's cpuUsage() is its whole process's: only the main thread reports.
  'if (require("node:worker_threads").isMainThread) process.on("exit", () => {',
  "  const u = process.cpuUsage();",
  '  require("node:fs").appendFileSync(process.env.HFT_BENCH_CPU_FILE, `${u.user + u.system}\\n`);',
  "});",
  "",
].join("\n");

function run(command: string, cwd: string): Promise<Timed> {
  const reporter = cacheFile("bench", "cpu-reporter.cjs");
  writeAtomic(reporter, CPU_REPORTER);
  const cpuFile = cacheFile("bench", `cpu-${process.pid}.txt`);
  rmSync(cpuFile, { force: true });
  const started = process.hrtime.bigint();
  const env = {
    ...process.env,
    PATH: `${path.join(cwd, "node_modules", ".bin")}${path.delimiter}${process.env.PATH ?? ""}`,
    NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ""} --require ${reporter}`.trim(),
    HFT_BENCH_CPU_FILE: cpuFile,
  };
  return new Promise((done) => {
    const child = spawn("sh", ["-c", command], { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.on("close", (code) => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const micros = existsSync(cpuFile) ? readFileSync(cpuFile, "utf8").split("\n").filter(Boolean).map(Number) : [];
      rmSync(cpuFile, { force: true });
      done({ seconds, cpu: micros.reduce((a, b) => a + b, 0) / 1e6, status: code ?? 1, output });
    });
  });
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** The commands measured against the floor, from the checkout's npm scripts. */
export function benchRows(scripts: Record<string, string>, stack: string): Row[] {
  const floor = `node -e 'for (const m of ${JSON.stringify(SDKS)}) require(m)'`;
  const rows: Row[] = [{ what: "floor: node requiring the Pulumi SDKs", command: floor, seconds: [], cpu: [] }];
  if (scripts.check) {
    rows.push({ what: `render + gate ${stack}, one process (check)`, command: `${scripts.check} --stack ${stack}`, seconds: [], cpu: [] });
    // The first render after a change of every object and policy: no verdict of the checks to reuse.
    rows.push({ what: `  the same, every check judged afresh`, command: `HFT_CHECK_CACHE=off ${scripts.check} --stack ${stack}`, seconds: [], cpu: [] });
  }
  rows.push({
    what: `render, then gate ${stack} (render; policy)`,
    command: `${scripts.render} --stack ${stack} && ${scripts.policy} --stack ${stack}`,
    seconds: [],
    cpu: [],
  });
  rows.push({ what: `render ${stack} alone (render)`, command: `${scripts.render} --stack ${stack}`, seconds: [], cpu: [] });
  return rows;
}

/** "Tests  497 passed (497)" lines of vitest's summary, as printed. */
export function testCounts(output: string): string[] {
  // eslint-disable-next-line no-control-regex -- vitest colours its summary even into a pipe
  const plain = output.replace(/\x1b\[[0-9;]*m/g, "");
  return [...plain.matchAll(/^\s*Tests\s+(.+)$/gm)].map((m) => m[1].trim());
}

async function timeNpmTest(checkout: string, label: string): Promise<string> {
  const t = await run("npm test", checkout);
  const counts = testCounts(t.output).join("; ") || "no vitest summary";
  if (t.status !== 0) process.stderr.write(t.output.split("\n").slice(-30).join("\n") + "\n");
  const verdict = t.status === 0 ? "pass" : `FAIL (exit ${t.status})`;
  return `  ${label.padEnd(44)} ${t.seconds.toFixed(1).padStart(6)} s wall, ${t.cpu.toFixed(1)} s CPU (Node processes that exited themselves; vitest ends its workers)   ${verdict}, tests: ${counts}`;
}

async function main(): Promise<void> {
  const flags = parseFlags(USAGE, {
    stack: { type: "string" },
    runs: { type: "string" },
    "no-test": { type: "boolean" },
    cold: { type: "boolean" },
    checkout: { type: "string" },
  });
  const checkout = flags.checkout === undefined ? path.resolve(__dirname, "..") : existingDir(flags.checkout, "--checkout");
  if (!existsSync(path.join(checkout, "package.json"))) throw new UsageError(`--checkout ${flags.checkout}: no package.json there`);
  const stack = requireStack(flags.stack ?? "prod", checkout, USAGE);
  const runs = Number(flags.runs ?? "5");
  if (!Number.isInteger(runs) || runs < 5) throw new UsageError(`--runs ${flags.runs}: give a whole number of at least 5; ${USAGE}`);
  if (flags.cold && flags["no-test"]) throw new UsageError(`--cold times npm test: it cannot go with --no-test; ${USAGE}`);

  const scripts = (JSON.parse(readFileSync(path.join(checkout, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts;
  const rows = benchRows(scripts, stack);
  // One untimed round first: builds the caches a developer's loop would already have.
  for (const row of rows) {
    const t = await run(row.command, checkout);
    if (t.status !== 0) throw new Error(`${row.command} failed (exit ${t.status}):\n${t.output.split("\n").slice(-20).join("\n")}`);
  }
  for (let i = 0; i < runs; i++) {
    for (const row of rows) {
      const t = await run(row.command, checkout);
      row.seconds.push(t.seconds);
      row.cpu.push(t.cpu);
    }
    process.stderr.write(`bench: round ${i + 1} of ${runs}\n`);
  }

  const floor = median(rows[0].seconds);
  const floorCpu = median(rows[0].cpu);
  const lines = [
    `bench ${stack} in ${checkout}: ${runs} runs of each command, alternating; medians`,
    `  ${"what".padEnd(44)} ${"wall".padStart(8)}  ratio  (min - max)       ${"CPU".padStart(8)}  ratio`,
  ];
  for (const row of rows) {
    const m = median(row.seconds);
    const c = median(row.cpu);
    const spread = `(${Math.min(...row.seconds).toFixed(2)} - ${Math.max(...row.seconds).toFixed(2)})`.padEnd(16);
    lines.push(
      `  ${row.what.padEnd(44)} ${m.toFixed(2).padStart(6)} s ${(m / floor).toFixed(2).padStart(5)}×  ${spread} ${c.toFixed(2).padStart(6)} s ${(c / floorCpu).toFixed(2).padStart(5)}×`,
    );
  }
  console.log(lines.join("\n"));
  if (flags["no-test"]) return;
  if (flags.cold) {
    rmSync(path.join(checkout, "node_modules", ".cache", "hft-platform"), { recursive: true, force: true });
    console.log(await timeNpmTest(checkout, "npm test, cold (build cache emptied)"));
  }
  console.log(await timeNpmTest(checkout, flags.cold ? "npm test, warm" : "npm test"));
}

if (require.main === module) runMain(main);
