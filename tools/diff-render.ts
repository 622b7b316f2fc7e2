/**
 * The renders a diff compares: every stack of the base commit and of the working tree, rendered
 * side by side within the machine's cores, each announced on stderr with its time. The base's
 * renders are kept in the build cache under the base commit's tree hash, so an unchanged base is
 * rendered once: when every stack it needs is cached, nothing is checked out at all.
 */
import { execFile, execFileSync, spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync } from "node:fs";
import { availableParallelism } from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import { cacheFile, writeAtomic } from "./build-cache";
import { concurrency } from "./check";
import { InventoryEntry } from "./inventory";

/** One side's render of a stack: its inventory file and entries and the folder of its stack file, or why there is none. */
export type Rendered = { inventoryFile: string; inventory: InventoryEntry[]; configDir: string } | { error: string };

export interface StackRenders {
  stack: string;
  /** Undefined when the stack does not exist on that side. */
  base?: Rendered;
  head?: Rendered;
}

export interface RenderBothOptions {
  repoRoot: string;
  /** The base commit, and how the user named it (for messages). */
  commit: string;
  ref: string;
  stacks: string[];
  baseStacks: string[];
  headStacks: string[];
  /** A scratch folder the caller removes: the base checkout and the renders go there. */
  scratch: string;
  /** Where base renders are kept; the build cache's diff-base/ unless a test gives its own. */
  cacheDir?: string;
}

/** Base trees whose renders are kept (one per base a reviewer compares against recently). */
const KEEP_BASES = 8;

const seconds = (since: number) => `${((Date.now() - since) / 1000).toFixed(1)}s`;
const say = (line: string) => process.stderr.write(`${line}\n`);

/** The command that renders a stack in a checkout: its own runner, or tsx for a base older than the runner. */
function renderCommand(checkout: string, stack: string, out: string): string[] {
  const runner = path.join(checkout, "tools", "run.cjs");
  const start = existsSync(runner) ? [runner] : [path.join(checkout, "node_modules", "tsx", "dist", "cli.mjs")];
  return [...start, "tools/render.ts", "--stack", stack, "--out", out];
}

function render(side: "base" | "head", checkout: string, stack: string, out: string): Promise<Rendered> {
  const started = Date.now();
  say(`rendering ${side} ${stack}…`);
  return new Promise((done) => {
    const child = spawn(process.execPath, renderCommand(checkout, stack, out), { cwd: checkout, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.on("close", (code) => {
      const inventoryFile = path.join(out, "inventory.json");
      say(`rendered ${side} ${stack} in ${seconds(started)}${code === 0 ? "" : ` (exit ${code})`}`);
      // A schema error still writes the inventory: the diff can show what caused it.
      if (!existsSync(inventoryFile)) {
        done({ error: output.trim().split("\n").slice(0, 5).join(" ") || "render failed" });
        return;
      }
      done({ inventoryFile, inventory: JSON.parse(readFileSync(inventoryFile, "utf8")) as InventoryEntry[], configDir: checkout });
    });
  });
}

/** A detached worktree of the base commit, sharing node_modules when the lock file is the same. */
async function checkoutBase(repoRoot: string, commit: string, ref: string, scratch: string): Promise<string> {
  const started = Date.now();
  const dir = path.join(scratch, "base");
  say(`checking out base ${ref} (${commit.slice(0, 12)})…`);
  await promisify(execFile)("git", ["worktree", "add", "--detach", "--quiet", dir, commit], { cwd: repoRoot });
  const lock = (root: string) => readFileSync(path.join(root, "package-lock.json"), "utf8");
  if (existsSync(path.join(dir, "package-lock.json")) && lock(dir) === lock(repoRoot)) {
    symlinkSync(path.join(repoRoot, "node_modules"), path.join(dir, "node_modules"), "dir");
  } else {
    say(`installing the base's dependencies: its package-lock.json differs from the working tree's (npm ci in ${dir})…`);
    await promisify(execFile)("npm", ["ci", "--no-audit", "--no-fund"], { cwd: dir, maxBuffer: 64 * 1024 * 1024 });
  }
  say(`checked out base in ${seconds(started)}`);
  return dir;
}

function pruneBases(dir: string, current: string): void {
  const old = readdirSync(dir)
    .filter((d) => d !== current)
    .map((d) => ({ d, mtime: statSync(path.join(dir, d)).mtimeMs }))
    .sort((a, b) => b.mtime - a.mtime)
    .slice(KEEP_BASES - 1);
  for (const { d } of old) rmSync(path.join(dir, d), { recursive: true, force: true });
}

/** Renders every stack on both sides; the base from the cache where its tree was rendered before. */
export async function renderBoth(options: RenderBothOptions): Promise<StackRenders[]> {
  const { repoRoot, commit, ref, scratch } = options;
  const tree = execFileSync("git", ["rev-parse", `${commit}^{tree}`], { cwd: repoRoot, encoding: "utf8" }).trim();
  const cacheDir = options.cacheDir ?? cacheFile("diff-base", "");
  const cachedBase = (stack: string) => path.join(cacheDir, tree, stack, "inventory.json");
  const isCached = (stack: string) => existsSync(cachedBase(stack)) && existsSync(path.join(cacheDir, tree, stack, `Pulumi.${stack}.yaml`));
  const run = concurrency(availableParallelism());

  const head = new Map(
    options.stacks.filter((s) => options.headStacks.includes(s)).map((s) => [s, run(() => render("head", repoRoot, s, path.join(scratch, "out-head", s)))]),
  );
  const baseToRender = options.stacks.filter((s) => options.baseStacks.includes(s) && !isCached(s));
  for (const s of options.stacks.filter((s) => options.baseStacks.includes(s) && isCached(s))) {
    say(`base ${s}: ${ref} (tree ${tree.slice(0, 12)}) was rendered before, reusing it`);
  }
  // The checkout (and any npm ci) runs while the head's stacks render.
  const baseDir = baseToRender.length > 0 ? await checkoutBase(repoRoot, commit, ref, scratch) : undefined;
  const base = new Map<string, Promise<Rendered>>();
  for (const s of options.stacks.filter((s) => options.baseStacks.includes(s))) {
    if (!baseDir || !baseToRender.includes(s)) {
      const inventoryFile = cachedBase(s);
      const inventory = JSON.parse(readFileSync(inventoryFile, "utf8")) as InventoryEntry[];
      base.set(s, Promise.resolve({ inventoryFile, inventory, configDir: path.dirname(inventoryFile) }));
      continue;
    }
    base.set(
      s,
      run(() => render("base", baseDir, s, path.join(scratch, "out-base", s))).then((r) => {
        // The stack file goes with the render: what reads the base's config (the models) needs no checkout.
        if ("inventory" in r) {
          const stackFile = `Pulumi.${s}.yaml`;
          writeAtomic(path.join(path.dirname(cachedBase(s)), stackFile), readFileSync(path.join(baseDir, stackFile), "utf8"));
          writeAtomic(cachedBase(s), readFileSync(r.inventoryFile, "utf8"));
        }
        return r;
      }),
    );
  }
  const result: StackRenders[] = [];
  for (const stack of options.stacks) result.push({ stack, base: await base.get(stack), head: await head.get(stack) });
  if (baseToRender.length > 0) pruneBases(cacheDir, tree);
  return result;
}
