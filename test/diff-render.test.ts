import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import { renderBoth } from "../tools/diff-render";

// A repository whose "render" (its tools/run.cjs) writes a one-resource inventory and logs each run:
// what is checked here is the orchestration, not the program.
const scratch = mkdtempSync(path.join(tmpdir(), "hft-diff-render-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
afterEach(() => vi.restoreAllMocks());

const repo = path.join(scratch, "repo");
const log = path.join(scratch, "renders.log");
const git = (...args: string[]) => execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@t.invalid", ...args], { cwd: repo, encoding: "utf8" }).trim();
const lockFile = (name: string) => JSON.stringify({ name, lockfileVersion: 3, requires: true, packages: { "": { name } } }) + "\n";

function setUp(): string {
  mkdirSync(path.join(repo, "tools"), { recursive: true });
  mkdirSync(path.join(repo, "node_modules"), { recursive: true });
  writeFileSync(
    path.join(repo, "tools", "run.cjs"),
    [
      'const fs = require("node:fs"), path = require("node:path");',
      'const arg = (f) => process.argv[process.argv.indexOf(f) + 1];',
      'fs.appendFileSync(process.env.RENDER_LOG, `${path.basename(process.cwd())} ${arg("--stack")}\\n`);',
      'fs.mkdirSync(arg("--out"), { recursive: true });',
      'const inventory = [{ urn: `urn:${arg("--stack")}`, type: "t", name: fs.readFileSync("version", "utf8").trim(), custom: true, inputs: {} }];',
      'fs.writeFileSync(path.join(arg("--out"), "inventory.json"), JSON.stringify(inventory));',
    ].join("\n"),
  );
  for (const f of ["Pulumi.a.yaml", "Pulumi.b.yaml"]) writeFileSync(path.join(repo, f), "config: {}\n");
  writeFileSync(path.join(repo, "package.json"), JSON.stringify({ name: "fake" }));
  writeFileSync(path.join(repo, "package-lock.json"), lockFile("fake"));
  writeFileSync(path.join(repo, ".gitignore"), "node_modules\n");
  writeFileSync(path.join(repo, "version"), "base\n");
  git("init", "-q");
  git("add", ".");
  git("commit", "-qm", "base");
  writeFileSync(path.join(repo, "version"), "head\n");
  return git("rev-parse", "HEAD");
}

describe("diff renders", () => {
  const commit = setUp();
  process.env.RENDER_LOG = log;
  const options = (name: string) => ({
    repoRoot: repo,
    commit,
    ref: "HEAD",
    stacks: ["a", "b"],
    baseStacks: ["a", "b"],
    headStacks: ["a", "b"],
    scratch: mkdtempSync(path.join(scratch, `${name}-`)),
    cacheDir: path.join(scratch, "cache"),
  });
  const progress = () => {
    const lines: string[] = [];
    vi.spyOn(process.stderr, "write").mockImplementation((text) => (lines.push(String(text).trimEnd()), true));
    return lines;
  };

  it("renders both sides of every stack, announcing each with its time", async () => {
    const lines = progress();
    const renders = await renderBoth(options("first"));
    git("worktree", "prune");
    expect(renders.map((r) => [r.stack, r.base && "inventory" in r.base && r.base.inventory[0].name, r.head && "inventory" in r.head && r.head.inventory[0].name])).toEqual([
      ["a", "base", "head"],
      ["b", "base", "head"],
    ]);
    for (const side of ["base", "head"]) {
      for (const stack of ["a", "b"]) {
        expect(lines).toContain(`rendering ${side} ${stack}…`);
        expect(lines.some((l) => new RegExp(`^rendered ${side} ${stack} in \\d+\\.\\ds$`).test(l))).toBe(true);
      }
    }
    expect(lines.some((l) => l.startsWith("installing"))).toBe(false); // same lock file: node_modules is shared
  });

  it("reuses an unchanged base without checking it out", async () => {
    writeFileSync(log, "");
    const lines = progress();
    const renders = await renderBoth(options("second"));
    expect(readFileSync(log, "utf8").trim().split("\n").sort()).toEqual(["repo a", "repo b"]); // the head's only
    expect(lines).toContain(`base a: HEAD (tree ${git("rev-parse", "HEAD^{tree}").slice(0, 12)}) was rendered before, reusing it`);
    expect(lines.some((l) => l.startsWith("checking out"))).toBe(false);
    expect(renders.map((r) => r.base && "inventory" in r.base && r.base.inventory[0].name)).toEqual(["base", "base"]);
  });

  it("says when it installs the base's dependencies because the lock files differ", async () => {
    writeFileSync(path.join(repo, "package-lock.json"), lockFile("fake-changed"));
    rmSync(path.join(scratch, "cache"), { recursive: true, force: true });
    const lines = progress();
    await renderBoth(options("third"));
    git("worktree", "prune");
    expect(lines.some((l) => /^installing the base's dependencies: its package-lock.json differs from the working tree's \(npm ci in .*\)…$/.test(l))).toBe(true);
  });
});
