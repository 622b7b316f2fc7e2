import { execFile, execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parseFlags, replaceableDir, stackNames, stacksIn, UsageError } from "../tools/cli";
import { REPO_ROOT } from "../tools/harness";

// The tools as users run them: each case is a real process (about a second each), so they run concurrently.
// An invalid stack configuration (exit 1, every problem, no trace) is covered by render.test.ts.

const scratch = mkdtempSync(path.join(tmpdir(), "hft-cli-"));
// Stacks are data: whatever stack files the repository holds.
const STACKS = stacksIn(REPO_ROOT);
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

function tool(script: string, ...args: string[]): Promise<Run> {
  return new Promise((done) => {
    execFile(process.execPath, [path.join(REPO_ROOT, "tools/run.cjs"), script, ...args], { cwd: REPO_ROOT, encoding: "utf8" }, (err, stdout, stderr) =>
      done({ status: err ? (typeof err.code === "number" ? err.code : null) : 0, stdout, stderr }),
    );
  });
}

/** A usage mistake: exit 2, one line on stderr, no stack frame, nothing on stdout. */
function expectUsageAnswer(run: Run): string {
  expect(run.status).toBe(2);
  expect(run.stdout).toBe("");
  const lines = run.stderr.trimEnd().split("\n");
  expect(lines).toHaveLength(1);
  expect(run.stderr).not.toMatch(/^\s+at /m);
  return lines[0];
}

const RENDER_USAGE = "usage: npm run render -- --stack <stack> [--out DIR] [--config-dir DIR]";

describe.concurrent("usage mistakes answered in one line, writing nothing", () => {
  it("render without --stack lists the stacks and the usage", async () => {
    const out = path.join(scratch, "no-stack");
    const line = expectUsageAnswer(await tool("tools/render.ts", "--out", out));
    expect(line).toBe(`missing --stack (one of ${STACKS.join(", ")}); ${RENDER_USAGE}`);
    expect(existsSync(out)).toBe(false);
  });

  it("render with a misspelt flag names it", async () => {
    const out = path.join(scratch, "misspelt");
    const line = expectUsageAnswer(await tool("tools/render.ts", "--stak", "dev", "--out", out));
    expect(line).toBe(`unknown flag --stak; ${RENDER_USAGE}`);
    expect(existsSync(out)).toBe(false);
  });

  it("render of an unknown stack lists the stack files that exist", async () => {
    const line = expectUsageAnswer(await tool("tools/render.ts", "--stack", "nosuch"));
    expect(line).toBe(`unknown stack "nosuch": stacks are ${STACKS.join(", ")} (files Pulumi.<stack>.yaml in ${REPO_ROOT})`);
    expect(existsSync(path.join(REPO_ROOT, "out", "nosuch"))).toBe(false);
  });

  it("render refuses a missing --config-dir and an --out folder it would wipe", async () => {
    const precious = path.join(scratch, "precious");
    mkdirSync(precious);
    writeFileSync(path.join(precious, "notes.txt"), "keep me");
    const [absentDir, wipeOut] = await Promise.all([
      tool("tools/render.ts", "--stack", "dev", "--config-dir", path.join(scratch, "absent")),
      tool("tools/render.ts", "--stack", "dev", "--out", precious),
    ]);
    expect(expectUsageAnswer(absentDir)).toBe(`--config-dir ${path.join(scratch, "absent")}: no such folder`);
    const wipe = expectUsageAnswer(wipeOut);
    expect(wipe).toMatch(/^--out .*precious is a folder with other content \(no inventory\.json\)/);
    expect(existsSync(path.join(precious, "notes.txt"))).toBe(true);
  });

  it("the policy gate refuses an unknown stack instead of asking to render it", async () => {
    const line = expectUsageAnswer(await tool("tools/policy-gate.ts", "--stack", "nosuch"));
    expect(line.startsWith(`unknown stack "nosuch": stacks are ${STACKS.join(", ")} `)).toBe(true);
    expect(existsSync(path.join(REPO_ROOT, "out", "nosuch"))).toBe(false);
  });

  it("diff refuses an unknown stack before checking anything out", async () => {
    const line = expectUsageAnswer(await tool("tools/diff.ts", "--base", "HEAD", "--stack", "nosuch"));
    const atHead = stackNames(execFileSync("git", ["ls-tree", "--name-only", "HEAD"], { cwd: REPO_ROOT, encoding: "utf8" }).split("\n"));
    expect(line).toBe(`unknown stack "nosuch": stacks are ${[...new Set([...STACKS, ...atHead])].sort().join(", ")} (files Pulumi.<stack>.yaml in ${REPO_ROOT} or at HEAD)`);
  });

  it("diff answers a --base that is not a commit in one line, not with git's output", async () => {
    const line = expectUsageAnswer(await tool("tools/diff.ts", "--base", "no-such-ref-xyz"));
    expect(line).toMatch(/^--base "no-such-ref-xyz" is not a commit in this repository: /);
  });

  it("a reader that stops early (| head) ends the render quietly, not with a trace", async () => {
    const out = path.join(scratch, "head");
    const command = `"${process.execPath}" tools/run.cjs tools/render.ts --stack local --out "${out}" | head -c 12`;
    const run = await new Promise<Run>((done) =>
      execFile("sh", ["-c", command], { cwd: REPO_ROOT, encoding: "utf8" }, (err, stdout, stderr) => done({ status: err ? 1 : 0, stdout, stderr })),
    );
    expect(run).toEqual({ status: 0, stdout: "render local", stderr: "" });
  });

  it("an unexpected error is a bug: it keeps its stack trace", async () => {
    const script = path.join(scratch, "bug.ts");
    writeFileSync(script, `import { runMain } from ${JSON.stringify(path.join(REPO_ROOT, "tools", "cli"))};\nrunMain(async () => { throw new TypeError("boom"); });\n`);
    const run = await tool(script);
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/^TypeError: boom\n\s+at /);
  });
});

describe("flag parsing", () => {
  const options = { stack: { type: "string" }, json: { type: "boolean" } } as const;
  const problem = (args: string[]) => {
    try {
      parseFlags("USAGE", options, args);
    } catch (e) {
      expect(e).toBeInstanceOf(UsageError);
      return (e as Error).message;
    }
    throw new Error(`${args.join(" ")} was accepted`);
  };

  it("says what is wrong with each kind of mistake, then the usage", () => {
    expect(problem(["--stack"])).toBe("--stack needs a value; usage: USAGE");
    expect(problem(["--json=yes"])).toBe("--json takes no value; usage: USAGE");
    expect(problem(["dev"])).toBe('unexpected argument "dev" (every value follows its flag); usage: USAGE');
    expect(parseFlags("USAGE", options, ["--stack", "dev", "--json"])).toEqual({ stack: "dev", json: true });
  });

  it("replaces an output folder only when it is new, empty or an earlier output", () => {
    const earlier = path.join(scratch, "earlier");
    mkdirSync(earlier);
    writeFileSync(path.join(earlier, "inventory.json"), "[]");
    expect(replaceableDir(earlier, "--out", "inventory.json")).toBe(earlier);
    expect(replaceableDir(path.join(scratch, "new"), "--out", "inventory.json")).toBe(path.join(scratch, "new"));
    expect(() => replaceableDir(REPO_ROOT, "--out", "inventory.json")).toThrow(UsageError);
  });
});
