/**
 * The policy gate as users run it: `npm run policy` as a child process. Kept apart from gate.test.ts
 * because StrykerJS's vitest runner activates a mutant inside the test worker only, so a child process
 * always runs the original rules: policy/vitest.stryker.config.mts leaves this file out.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { scratchDir, violatingInventory } from "./gate-inputs";
import { REPO_ROOT } from "./harness";

const { dir, write } = scratchDir("policy-gate-cli-");
const gate = (...args: string[]) =>
  spawnSync(process.execPath, [path.join(REPO_ROOT, "tools", "run.cjs"), path.join(REPO_ROOT, "tools", "policy-gate.ts"), ...args], { cwd: REPO_ROOT, encoding: "utf8" });

describe("npm run policy", () => {
  it("writes the report, names each violating rule and resource, and fails on a mandatory violation", () => {
    const reportFile = path.join(dir, "report.json");
    const result = gate("--stack", "prod", "--inventory", violatingInventory(write), "--report", reportFile);
    expect(result.status).toBe(1);
    expect(result.stdout).toMatch(/\[mandatory\] launch-template-imdsv2 {2}aws:ec2\/launchTemplate:LaunchTemplate hft-engine\n {6}IMDSv1 is allowed/);
    expect(result.stdout).toMatch(/ebs-volume-encrypted: no aws:ebs\/volume:Volume in the inventory/);
    expect(result.stdout).toMatch(/FAIL: 1 mandatory, 0 advisory/);
    const report = JSON.parse(readFileSync(reportFile, "utf8"));
    expect(report.violations[0]).toMatchObject({ rule: "launch-template-imdsv2", level: "mandatory", type: "aws:ec2/launchTemplate:LaunchTemplate", name: "hft-engine" });
    expect(report.violations[0].urn).toMatch(/LaunchTemplate::hft-engine$/);
  });

  it("exits non-zero with a hint when the inventory is missing", () => {
    const result = gate("--stack", "qa", "--inventory", path.join(dir, "absent.json"));
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/run `npm run render -- --stack qa` first/);
  });

  it("answers an empty inventory on the command line in one line, exit 2, no report", () => {
    const file = write("empty.json", []);
    const result = gate("--stack", "prod", "--inventory", file);
    expect(result.status).toBe(2);
    expect(result.stderr.trimEnd().split("\n")).toEqual([expect.stringMatching(/^inventory .*empty\.json is empty: a gate over no resources proves nothing/)]);
    expect(existsSync(path.join(dir, "empty.policy-report.json"))).toBe(false);
  });


  it("refuses the real dev render under --stack prod", (ctx) => {
    const dev = path.join(REPO_ROOT, "out", "dev", "inventory.json");
    ctx.skip(!existsSync(dev), "out/dev/inventory.json is absent: run `npm run render -- --stack dev` first");
    const result = gate("--stack", "prod", "--inventory", dev);
    expect(result.status).toBe(2);
    expect(result.stderr.trimEnd()).toBe("inventory out/dev/inventory.json was rendered for stack dev, not prod: gate it with --stack dev or render prod");
  });


  it("writes the report of --inventory FILE beside FILE, never over the stack's own report", () => {
    const own = path.join(REPO_ROOT, "out", "prod", "policy-report.json");
    const before = existsSync(own) ? readFileSync(own, "utf8") : undefined;
    const result = gate("--stack", "prod", "--inventory", violatingInventory(write));
    expect(result.status).toBe(1);
    const beside = path.join(dir, "violating.policy-report.json");
    expect(JSON.parse(readFileSync(beside, "utf8")).violations[0]).toMatchObject({ rule: "launch-template-imdsv2" });
    expect(result.stdout).toMatch(/violating\.policy-report\.json$/m);
    expect(existsSync(own) ? readFileSync(own, "utf8") : undefined).toBe(before);
  });
});
