import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { stacksIn } from "../tools/cli";
import { REPO_ROOT } from "../tools/harness";
import { stackClashes } from "../tools/stack-clashes";

// README "Add a stack", followed in a scratch folder holding the repository's stack files: a copy of
// dev with its own name, VPC range and CI roles passes the checks CI runs on a stack (no clash with
// the others, render with its schema, capacity and IAM checks, the policy gate); an unedited copy
// is refused, naming each clash.
const scratch = mkdtempSync(path.join(tmpdir(), "hft-new-stack-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const dev = readFileSync(path.join(REPO_ROOT, "Pulumi.dev.yaml"), "utf8");

/** A folder with every stack file of the repository and `Pulumi.<name>.yaml` holding `text`. */
function folderWith(name: string, text: string): string {
  const dir = mkdtempSync(path.join(scratch, `${name}-`));
  for (const stack of stacksIn(REPO_ROOT)) copyFileSync(path.join(REPO_ROOT, `Pulumi.${stack}.yaml`), path.join(dir, `Pulumi.${stack}.yaml`));
  writeFileSync(path.join(dir, `Pulumi.${name}.yaml`), text);
  return dir;
}

/** The render and the gate of one stack in one process, as npm run check runs them. */
function checkStack(stack: string, dir: string) {
  const out = path.join(dir, "out", stack);
  mkdirSync(path.dirname(out), { recursive: true });
  const policyConfig = path.join(dir, `${stack}.policy.json`);
  copyFileSync(path.join(REPO_ROOT, "policy", "config", "dev.json"), policyConfig);
  const args = ["tools/render.ts", "--stack", stack, "--config-dir", dir, "--out", out, "+", "tools/policy-gate.ts", "--stack", stack, "--inventory", path.join(out, "inventory.json"), "--config", policyConfig, "--report", path.join(out, "policy-report.json")];
  return spawnSync(process.execPath, [path.join(REPO_ROOT, "tools", "run.cjs"), ...args], { cwd: REPO_ROOT, encoding: "utf8" });
}

describe("a new stack copied from dev", () => {
  it("with its own name, VPC range and CI roles passes the checks CI runs", () => {
    const taken = stacksIn(REPO_ROOT).map((s) => readFileSync(path.join(REPO_ROOT, `Pulumi.${s}.yaml`), "utf8"));
    const cidr = Array.from({ length: 200 }, (_, i) => `10.${50 + i}.0.0/16`).find((c) => !taken.some((t) => t.includes(c.split(".0.0/")[0] + ".")))!;
    const copy = dev
      .replace("name: hft-dev", "name: hft-qa")
      .replaceAll("10.20.0.0/16", cidr)
      .replace("role/hft-ci-preview-dev", "role/hft-ci-preview-qa")
      .replace("role/hft-ci-deploy-dev", "role/hft-ci-deploy-qa");
    for (const edit of ["hft-qa", cidr, "hft-ci-preview-qa", "hft-ci-deploy-qa"]) expect(copy).toContain(edit);
    const dir = folderWith("qa", copy);

    expect(stackClashes(dir)).toEqual([]);
    const result = checkStack("qa", dir);
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^render qa: \d+ resources/m);
    expect(result.stdout).toMatch(/^pass: 0 mandatory, \d+ advisory violation\(s\)/m);
  });

  it("unedited, is refused, naming each clash with dev", () => {
    const dir = folderWith("qa", dev);
    const clashes = stackClashes(dir);
    expect(clashes).toEqual([
      'Pulumi.dev.yaml and Pulumi.qa.yaml both set hft-platform:cluster.name "hft-dev" in us-east-1: two stacks would create one EKS cluster; give each stack its own name',
      "Pulumi.dev.yaml and Pulumi.qa.yaml share the CI role arn:aws:iam::111122223333:role/hft-ci-preview-dev (cluster.ciAccess.previewRoleArn, cluster.ciAccess.previewRoleArn): each stack previews and deploys through its own roles; create this stack's and set them",
      "Pulumi.dev.yaml and Pulumi.qa.yaml share the CI role arn:aws:iam::111122223333:role/hft-ci-deploy-dev (cluster.ciAccess.deployRoleArn, cluster.ciAccess.deployRoleArn): each stack previews and deploys through its own roles; create this stack's and set them",
      "Pulumi.dev.yaml and Pulumi.qa.yaml have overlapping VPC ranges in hft-platform:network.vpcCidr (10.20.0.0/16, 10.20.0.0/16): peering, a transit gateway or a VPN route needs distinct ranges; choose a free one",
    ]);
    // A range inside another stack's is a clash too; a different Region frees the cluster name.
    const inside = stackClashes(folderWith("qa", dev.replace("aws:region: us-east-1", "aws:region: eu-west-1").replace("vpcCidr: 10.20.0.0/16", "vpcCidr: 10.20.128.0/17")), "qa");
    expect(inside.some((l) => l.includes("cluster.name"))).toBe(false);
    expect(inside).toContainEqual(expect.stringContaining("overlapping VPC ranges in hft-platform:network.vpcCidr (10.20.0.0/16, 10.20.128.0/17)"));
  });

  it("the repository's own stack files do not clash", () => {
    expect(stackClashes(REPO_ROOT)).toEqual([]);
  });
});
