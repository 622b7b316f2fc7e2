import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { ConfigError } from "../components/config";
import { REPO_ROOT } from "../tools/harness";
import { stackRegion } from "../tools/stack-region";

// The workflows as GitHub reads them: every property below is checked on the parsed files.

interface Step {
  id?: string;
  name?: string;
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
  env?: Record<string, string>;
}
interface Job {
  if?: string;
  needs?: string | string[];
  "runs-on": string;
  environment?: string;
  strategy?: { matrix?: Record<string, unknown[]> };
  outputs?: Record<string, string>;
  steps: Step[];
}
interface Workflow {
  on: Record<string, any>;
  jobs: Record<string, Job>;
}

const WORKFLOW_DIR = path.join(REPO_ROOT, ".github", "workflows");
const files = readdirSync(WORKFLOW_DIR).filter((f) => f.endsWith(".yml"));
const text = (file: string) => readFileSync(path.join(WORKFLOW_DIR, file), "utf8");
const workflow = (file: string) => parse(text(file)) as Workflow;
const allJobs = files.flatMap((file) => Object.entries(workflow(file).jobs).map(([name, job]) => ({ file, name, job })));
const stepsUsing = (job: Job, action: string) => job.steps.filter((s) => s.uses?.startsWith(`${action}@`));

const PROD_LABEL = "codebuild-${{ vars.CI_RUNNER_PROJECT_PROD }}-${{ github.run_id }}-${{ github.run_attempt }}";
const DEV_LABEL = "codebuild-${{ vars.CI_RUNNER_PROJECT_DEV }}-${{ github.run_id }}-${{ github.run_attempt }}";

/**
 * Evaluates a job `if` that is a conjunction of `context.path == 'literal'` terms against an event
 * payload. Anything else throws, so a condition this test cannot read fails the test rather than
 * passing it unread.
 */
function evaluateConjunction(expression: string, context: Record<string, unknown>): boolean {
  const operand = (token: string): unknown => {
    const literal = /^'([^']*)'$/.exec(token);
    if (literal) return literal[1];
    if (!/^[a-z_]+(\.[a-z_]+)+$/.test(token)) throw new Error(`cannot evaluate operand ${token}`);
    return token.split(".").reduce<any>((node, key) => node?.[key], context);
  };
  return expression.split("&&").every((term) => {
    const m = /^\s*(\S+)\s*==\s*(\S+)\s*$/.exec(term);
    if (!m) throw new Error(`cannot evaluate term ${term}`);
    return operand(m[1]) === operand(m[2]);
  });
}

/** The runner check's script, run with the given repository variables. */
function runRunnerCheck(step: Step, variables: Record<string, string>) {
  const env: Record<string, string> = { PATH: process.env.PATH ?? "" };
  for (const [name, value] of Object.entries(step.env ?? {})) {
    const variable = /^\$\{\{ vars\.(\w+) \}\}$/.exec(value)?.[1];
    expect(variable, `${name} comes from a repository variable`).toBeDefined();
    env[name] = variables[variable!] ?? "";
  }
  return spawnSync("bash", ["-e", "-c", step.run!], { env, encoding: "utf8" });
}

describe("every workflow", () => {
  it("pins each action to a full commit SHA with its version beside it", () => {
    const uses = files.flatMap((file) => text(file).split("\n").filter((line) => /^\s*-?\s*uses:/.test(line)));
    expect(uses.length).toBeGreaterThan(10);
    for (const line of uses) expect(line).toMatch(/uses: [\w.-]+\/[\w.-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+$/);
  });

  it("runs Node 22 or 24, never Node 20", () => {
    const setups = allJobs.flatMap(({ job }) => stepsUsing(job, "actions/setup-node"));
    expect(setups.length).toBeGreaterThanOrEqual(4);
    for (const step of setups) expect([22, 24]).toContain(Number(step.with?.["node-version"]));
    for (const file of files) expect(text(file)).not.toMatch(/node-version:\s*['"]?20\b|node20/);
  });

  it("takes the region from the stack file, never from a repository variable", () => {
    const credentialSteps = allJobs.flatMap(({ job }) => stepsUsing(job, "aws-actions/configure-aws-credentials").map((step) => ({ job, step })));
    expect(credentialSteps.length).toBe(3);
    for (const { job, step } of credentialSteps) {
      const id = /^\$\{\{ steps\.([\w-]+)\.outputs\.region \}\}$/.exec(String(step.with?.["aws-region"]))?.[1];
      expect(id, "aws-region is a step output").toBeDefined();
      const reader = job.steps.find((s) => s.id === id)!;
      expect(reader.run).toMatch(/^npx tsx tools\/stack-region\.ts --stack ("\$STACK"|dev|prod) >> "\$GITHUB_OUTPUT"$/);
      // The reader comes before the credentials step.
      expect(job.steps.indexOf(reader)).toBeLessThan(job.steps.indexOf(step));
    }
    for (const file of files) expect(text(file)).not.toContain("vars.AWS_REGION");
  });

  it("creates a missing stack on first use", () => {
    const pulumiSteps = allJobs.flatMap(({ job }) => stepsUsing(job, "pulumi/actions"));
    expect(pulumiSteps).toHaveLength(3);
    // `upsert` is an input of pulumi/actions v7.0.0 (action.yml at 8e5e406f, read 2026-11-30).
    for (const step of pulumiSteps) expect(step.with).toMatchObject({ upsert: true, policyPacks: "policy" });
  });

  it("installs the Pulumi CLI of the SDK version package-lock.json pins, not the newest 3.x", () => {
    const lock = JSON.parse(readFileSync(path.join(REPO_ROOT, "package-lock.json"), "utf8")) as { packages: Record<string, { version: string }> };
    const sdk = lock.packages["node_modules/@pulumi/pulumi"].version;
    expect(readFileSync(path.join(REPO_ROOT, ".pulumi.version"), "utf8")).toBe(`${sdk}\n`);
    // Without either input, pulumi/actions v7.0.0 installs "^3" (src/config.ts at 8e5e406f, read 2026-11-30).
    for (const step of allJobs.flatMap(({ job }) => stepsUsing(job, "pulumi/actions"))) {
      expect(step.with).toMatchObject({ "pulumi-version-file": ".pulumi.version" });
      expect(step.with).not.toHaveProperty("pulumi-version");
    }
  });

  it("runs every job that assumes an AWS role on an in-network CodeBuild runner", () => {
    const cloudJobs = allJobs.filter(({ job }) => stepsUsing(job, "aws-actions/configure-aws-credentials").length > 0);
    expect(cloudJobs.map(({ file, name }) => `${file}:${name}`).sort()).toEqual(["preview.yml:preview", "up.yml:dev", "up.yml:prod"]);
    for (const { job } of cloudJobs) expect(job["runs-on"]).toMatch(/^codebuild-\$\{\{ .+ \}\}-\$\{\{ github\.run_id \}\}-\$\{\{ github\.run_attempt \}\}$/);
  });
});

describe("the in-network runner label", () => {
  it("names the CodeBuild project the stack creates, from a repository variable", () => {
    // CodeBuild takes a job whose label is codebuild-<project>-<run id>-<run attempt> (CodeBuild
    // User Guide, "Label overrides supported with the CodeBuild-hosted GitHub Actions runner", read
    // 2026-11-30); the variable holds the stack's ciRunnerProject output (test/ci-runner.shared.ts).
    expect(workflow("up.yml").jobs.prod["runs-on"]).toBe(PROD_LABEL);
    expect(workflow("up.yml").jobs.dev["runs-on"]).toBe(DEV_LABEL);
  });

  it("sends the prod preview to the prod runner and the dev preview to the dev runner", () => {
    const preview = workflow("preview.yml").jobs.preview;
    expect(preview.strategy?.matrix?.stack).toEqual(["dev", "prod"]);
    // The one expression form GitHub evaluates as a ternary: `cond && a || b`.
    expect(preview["runs-on"]).toBe(
      "codebuild-${{ matrix.stack == 'prod' && vars.CI_RUNNER_PROJECT_PROD || vars.CI_RUNNER_PROJECT_DEV }}-${{ github.run_id }}-${{ github.run_attempt }}",
    );
  });

  for (const [file, gate, cloudJobs] of [
    ["preview.yml", "runners", ["preview"]],
    ["up.yml", "checked", ["dev", "prod"]],
  ] as const) {
    it(`${file}: fails at once, naming the variable, when a runner is not configured`, () => {
      const jobs = workflow(file).jobs;
      expect(jobs[gate]["runs-on"]).toBe("ubuntu-latest");
      for (const name of cloudJobs) expect([jobs[name].needs].flat()).toContain(gate);
      const check = jobs[gate].steps.find((s) => s.name === "Each stack names its in-network runner")!;
      const configured = { CI_RUNNER_PROJECT_DEV: "hft-dev-ci-runner", CI_RUNNER_PROJECT_PROD: "hft-prod-ci-runner" };
      expect(runRunnerCheck(check, configured).status).toBe(0);
      const missing = runRunnerCheck(check, { CI_RUNNER_PROJECT_DEV: "hft-dev-ci-runner" });
      expect(missing.status).toBe(1);
      expect(missing.stdout).toContain("::error::Repository variable CI_RUNNER_PROJECT_PROD is not set");
    });
  }
});

describe("pr-comment", () => {
  const wf = workflow("pr-comment.yml");
  const condition = wf.jobs.comment.if!;
  const run = (event: string, conclusion: string) => ({ github: { event: { workflow_run: { event, conclusion } } } });

  it("runs after `checks` completes", () => {
    expect(wf.on).toEqual({ workflow_run: { workflows: ["checks"], types: ["completed"] } });
  });

  it("comments only for a successful `checks` run of a pull request", () => {
    expect(evaluateConjunction(condition, run("pull_request", "success"))).toBe(true);
    for (const conclusion of ["failure", "cancelled", "timed_out", "action_required"]) {
      expect(evaluateConjunction(condition, run("pull_request", conclusion)), conclusion).toBe(false);
    }
    expect(evaluateConjunction(condition, run("push", "success"))).toBe(false);
  });
});

describe("up", () => {
  const wf = workflow("up.yml");
  const payload = (overrides: Record<string, unknown> = {}) => ({
    github: {
      repository: "acme/hft-platform",
      event: {
        workflow_run: {
          conclusion: "success",
          event: "push",
          head_branch: "main",
          head_sha: "0123456789abcdef0123456789abcdef01234567",
          head_repository: { full_name: "acme/hft-platform" },
          ...overrides,
        },
      },
    },
  });

  it("is started by `checks` on main only, never by a push", () => {
    expect(wf.on).toEqual({ workflow_run: { workflows: ["checks"], types: ["completed"], branches: ["main"] } });
    expect(workflow("checks.yml").on.push).toEqual({ branches: ["main"] });
  });

  it("deploys only after `checks` passed for a push to this repository's main", () => {
    const condition = wf.jobs.checked.if!;
    expect(evaluateConjunction(condition, payload())).toBe(true);
    expect(evaluateConjunction(condition, payload({ conclusion: "failure" }))).toBe(false);
    expect(evaluateConjunction(condition, payload({ conclusion: "cancelled" }))).toBe(false);
    // A pull request from a fork's branch named main also runs `checks` with head_branch main.
    expect(evaluateConjunction(condition, payload({ event: "pull_request" }))).toBe(false);
    expect(evaluateConjunction(condition, payload({ head_repository: { full_name: "fork/hft-platform" } }))).toBe(false);
  });

  it("deploys the commit `checks` passed, dev before prod", () => {
    expect(wf.jobs.checked.outputs).toEqual({ sha: "${{ github.event.workflow_run.head_sha }}" });
    expect(wf.jobs.dev.needs).toBe("checked");
    expect(wf.jobs.prod.needs).toEqual(["checked", "dev"]);
    for (const name of ["dev", "prod"]) {
      expect(stepsUsing(wf.jobs[name], "actions/checkout")[0].with?.ref).toBe("${{ needs.checked.outputs.sha }}");
      expect(wf.jobs[name].environment).toBe(name);
      expect(stepsUsing(wf.jobs[name], "pulumi/actions")[0].with).toMatchObject({
        command: "up",
        "stack-name": `\${{ vars.PULUMI_ORG }}/hft-platform/${name}`,
        policyPackConfigs: `policy/config/${name}.json`,
      });
    }
  });
});

describe("tools/stack-region.ts", () => {
  it("reads aws:region from each eks stack file", () => {
    expect(stackRegion("dev")).toBe("us-east-1");
    expect(stackRegion("prod")).toBe("us-east-1");
  });

  it("refuses a stack file without a valid region, naming the key and the file", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "hft-region-"));
    const problemsOf = (yaml: string) => {
      writeFileSync(path.join(dir, "Pulumi.staging.yaml"), yaml);
      try {
        stackRegion("staging", dir);
      } catch (err) {
        if (err instanceof ConfigError) return err.problems;
        throw err;
      }
      return [];
    };
    expect(problemsOf("config:\n  hft-platform:tier: development\n")).toEqual([
      'aws:region: null in Pulumi.staging.yaml; allowed: an AWS region such as "us-east-1"',
    ]);
    expect(problemsOf("config:\n  aws:region: US East\n")[0]).toMatch(/^aws:region: "US East" in Pulumi\.staging\.yaml; allowed:/);
    expect(problemsOf("config:\n  aws:region: us-east-9\n")[0]).toMatch(/^aws:region: "us-east-9" in Pulumi\.staging\.yaml; allowed:/);
    expect(problemsOf("config:\n  aws:region: eu-central-1\n")).toEqual([]);
  });

  it("prints the region for $GITHUB_OUTPUT, and a one-line usage error otherwise", () => {
    const tool = (...args: string[]) => spawnSync(process.execPath, ["--import", "tsx", "tools/stack-region.ts", ...args], { cwd: REPO_ROOT, encoding: "utf8" });
    expect(tool("--stack", "prod")).toMatchObject({ status: 0, stdout: "region=us-east-1\n" });
    const unknown = tool("--stack", "staging");
    expect(unknown.status).toBe(2);
    expect(unknown.stderr.trim().split("\n")).toHaveLength(1);
  });
});
