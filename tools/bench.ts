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
 */
import { spawn } from "node:child_process";
import { existsSync, readFileSync, rmSync } from "node:fs";
import * as path from "node:path";
import { existingDir, parseFlags, requireStack, runMain, UsageError } from "./cli";

const USAGE = "usage: npm run bench [-- --stack <stack>] [--runs N] [--no-test] [--cold] [--checkout DIR]";
const SDKS = ["@pulumi/pulumi", "@pulumi/aws", "@pulumi/eks", "@pulumi/kubernetes", "@pulumi/random"];

interface Row {
  what: string;
  command: string;
  seconds: number[];
}

interface Timed {
  seconds: number;
  status: number;
  output: string;
}

function run(command: string, cwd: string): Promise<Timed> {
  const started = process.hrtime.bigint();
  const env = { ...process.env, PATH: `${path.join(cwd, "node_modules", ".bin")}${path.delimiter}${process.env.PATH ?? ""}` };
  return new Promise((done) => {
    const child = spawn("sh", ["-c", command], { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.on("close", (code) => done({ seconds: Number(process.hrtime.bigint() - started) / 1e9, status: code ?? 1, output }));
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
  const rows: Row[] = [{ what: "floor: node requiring the Pulumi SDKs", command: floor, seconds: [] }];
  if (scripts.check) rows.push({ what: `render + gate ${stack}, one process (check)`, command: `${scripts.check} --stack ${stack}`, seconds: [] });
  rows.push({
    what: `render, then gate ${stack} (render; policy)`,
    command: `${scripts.render} --stack ${stack} && ${scripts.policy} --stack ${stack}`,
    seconds: [],
  });
  rows.push({ what: `render ${stack} alone (render)`, command: `${scripts.render} --stack ${stack}`, seconds: [] });
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
  return `  ${label.padEnd(44)} ${t.seconds.toFixed(1).padStart(6)} s   ${t.status === 0 ? "pass" : `FAIL (exit ${t.status})`}, tests: ${counts}`;
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
    for (const row of rows) row.seconds.push((await run(row.command, checkout)).seconds);
    process.stderr.write(`bench: round ${i + 1} of ${runs}\n`);
  }

  const floor = median(rows[0].seconds);
  const lines = [
    `bench ${stack} in ${checkout}: ${runs} runs of each command, alternating; wall-clock medians`,
    `  ${"what".padEnd(44)} ${"median".padStart(8)}   ratio to floor   (min - max)`,
  ];
  for (const row of rows) {
    const m = median(row.seconds);
    const spread = `(${Math.min(...row.seconds).toFixed(2)} - ${Math.max(...row.seconds).toFixed(2)})`;
    lines.push(`  ${row.what.padEnd(44)} ${m.toFixed(2).padStart(6)} s   ${(m / floor).toFixed(2).padStart(6)}×          ${spread}`);
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
