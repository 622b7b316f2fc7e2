import { readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "../tools/harness";

/** The documents a user follows, and what they may tell them to run. */
const DOCS = ["README.md", "policy/README.md", ...readdirSync(path.join(REPO_ROOT, "docs")).filter((f) => f.endsWith(".md")).map((f) => `docs/${f}`)];
const read = (file: string) => readFileSync(path.join(REPO_ROOT, file), "utf8");
const scripts = (JSON.parse(read("package.json")) as { scripts: Record<string, string> }).scripts;

/** Every `npm run <script> [-- flags]` a document names: its script and the flags it passes. */
function documentedRuns(): { file: string; line: string; script: string; flags: string[] }[] {
  const found: { file: string; line: string; script: string; flags: string[] }[] = [];
  for (const file of DOCS) {
    for (const match of read(file).matchAll(/npm run (?:-s )?([a-z][\w:-]*)([^`\n|&>)#]*)/g)) {
      // Flags reach the tool after npm's own `--`.
      const rest = match[2];
      const separator = rest.search(/(^|\s)--(\s|$)/);
      const flags = separator < 0 ? [] : [...rest.slice(separator).replace(/^\s*--/, "").matchAll(/(?:^|[\s[])(--[a-z][\w-]*)/g)].map((m) => m[1]);
      found.push({ file, line: match[0].trim(), script: match[1], flags });
    }
  }
  return found;
}

/** The flags a tool's usage line offers, from the tool the script runs. */
function toolFlags(script: string): string[] | undefined {
  const tool = /node tools\/run\.cjs (tools\/[\w-]+\.ts)/.exec(scripts[script])?.[1];
  if (!tool) return undefined;
  const usage = /const USAGE = "([^"]+)"/.exec(read(tool))?.[1] ?? "";
  return [...usage.matchAll(/--[a-z][\w-]*/g)].map((m) => m[0]);
}

describe("documented npm run lines", () => {
  const runs = documentedRuns();

  it("are found in the documents", () => {
    expect(runs.length).toBeGreaterThan(30);
    expect(runs.some((r) => r.file === "docs/deploy.md" && r.script === "preflight" && r.flags.includes("--stack"))).toBe(true);
  });

  it("name scripts that exist, with flags their tool's usage offers", () => {
    const wrong: string[] = [];
    for (const run of runs) {
      if (!(run.script in scripts)) {
        wrong.push(`${run.file}: "${run.line}": no script ${run.script} in package.json`);
        continue;
      }
      const offered = toolFlags(run.script) ?? [];
      for (const flag of run.flags) if (!offered.includes(flag)) wrong.push(`${run.file}: "${run.line}": ${run.script} has no ${flag} (${offered.join(" ") || "no flags"})`);
    }
    expect(wrong).toEqual([]);
  });
});

describe("the first-deploy path", () => {
  const steps = [...read("docs/deploy.md").matchAll(/^## (\d+)\. (.+)$/gm)].map((m) => `${m[1]}. ${m[2]}`);
  const deploySection = read("README.md").split(/^## /m).find((s) => s.startsWith("Deploy\n")) ?? "";
  const readmeSteps = [...deploySection.matchAll(/^(\d+)\. \*\*(.+?)\*\*/gm)].map((m) => `${m[1]}. ${m[2]}`);

  it("is told in the same order by README's Deploy section and docs/deploy.md", () => {
    expect(steps.length).toBeGreaterThanOrEqual(8);
    expect(readmeSteps).toEqual(steps);
  });
});
