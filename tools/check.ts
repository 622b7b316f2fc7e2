/**
 * Render and policy gate of stacks, each stack's pair in one process (the SDKs load once per
 * stack), stacks side by side within the machine's cores; each stack's output is printed whole, in
 * stack order, exactly as `npm run render` and `npm run policy` print it. A single stack is rendered
 * and gated in this process itself (when tools/run.cjs started it), saving a Node start-up.
 *
 *   npm run check [-- --stack <stack> ...]        (every stack file's stack when none is named)
 *
 * Exits with the first failing stack's code (that of its render or of its gate), 0 when all pass.
 * For several stacks this process imports nothing of the program: it only schedules them.
 */
import { spawn } from "node:child_process";
import { availableParallelism } from "node:os";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { readdirSync } from "node:fs";
import { canRunTools, runTools } from "./run.cjs";

const REPO_ROOT = path.resolve(__dirname, "..");
const USAGE = "usage: npm run check [-- --stack <stack> ...]";

export interface StackResult {
  stack: string;
  status: number;
  stdout: string;
  stderr: string;
}

/** The tools that render and gate one stack, each with its arguments. */
function checkTools(stack: string): string[][] {
  return [
    [path.join(REPO_ROOT, "tools", "render.ts"), "--stack", stack],
    [path.join(REPO_ROOT, "tools", "policy-gate.ts"), "--stack", stack],
  ];
}

/** The command that renders and gates one stack in one process (tools/run.cjs chains the two). */
function checkCommand(stack: string): string[] {
  return [path.join(REPO_ROOT, "tools", "run.cjs"), ...checkTools(stack).flatMap((tool, i) => (i === 0 ? tool : ["+", ...tool]))];
}

function checkStack(stack: string): Promise<StackResult> {
  return new Promise((done) => {
    const child = spawn(process.execPath, checkCommand(stack), { cwd: REPO_ROOT, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("close", (code) => done({ stack, status: code ?? 1, stdout, stderr }));
  });
}

/** A gate for tasks: `run` starts a task when fewer than `limit` started through it are running. */
export function concurrency(limit: number): <R>(task: () => Promise<R>) => Promise<R> {
  let running = 0;
  const queue: (() => void)[] = [];
  return <R>(task: () => Promise<R>) =>
    new Promise<R>((done, fail) => {
      const start = () => {
        running++;
        task()
          .then(done, fail)
          .finally(() => {
            running--;
            queue.shift()?.();
          });
      };
      if (running < limit) start();
      else queue.push(start);
    });
}

async function main(): Promise<void> {
  let stacks: string[];
  try {
    stacks = parseArgs({ options: { stack: { type: "string", multiple: true } }, strict: true, allowPositionals: false }).values.stack ?? [];
  } catch (err) {
    console.error(`${err instanceof Error ? err.message : String(err)}; ${USAGE}`);
    process.exit(2);
  }
  if (stacks.length === 0) {
    stacks = readdirSync(REPO_ROOT)
      .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
      .filter((s): s is string => s !== undefined)
      .sort();
  }
  if (stacks.length === 1 && canRunTools()) {
    runTools(checkTools(stacks[0]));
    return;
  }
  // Printed as each stack finishes, in order: a later stack that finishes first waits for the ones before it.
  let status = 0;
  const run = concurrency(availableParallelism());
  for (const result of stacks.map((stack) => run(() => checkStack(stack)))) {
    const r = await result;
    process.stdout.write(r.stdout);
    process.stderr.write(r.stderr);
    if (r.status !== 0 && status === 0) status = r.status;
  }
  process.exitCode = status;
}

if (require.main === module) void main();
