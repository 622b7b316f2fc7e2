import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { ConfigError, EksPlatformConfig, parseStackConfig } from "../components/config";
import { ciStacks, CiStack, runnerProblems } from "../tools/ci-stacks";
import { stacksIn } from "../tools/cli";
import { readStackConfig, REPO_ROOT, runStack } from "../tools/harness";
import { decide, PolicyDocument } from "../tools/iam-paths";
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
  "timeout-minutes": number;
  strategy?: { matrix?: Record<string, unknown> };
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

const RUNNER_LABEL = "codebuild-${{ vars[format('CI_RUNNER_PROJECT_{0}', matrix.key)] }}-${{ github.run_id }}-${{ github.run_attempt }}";
/** The jobs that run on a stack's in-network runner, one per matrix entry. */
const CLOUD_JOBS = [
  { file: "preview.yml", name: "preview", gate: "stacks", list: "stacks" },
  { file: "up.yml", name: "development", gate: "checked", list: "development" },
  { file: "up.yml", name: "production", gate: "checked", list: "production" },
] as const;
const STACKS = ciStacks();

/** An eks stack file as the program reads it. */
function parseStackConfigOf(stack: string): EksPlatformConfig {
  const { config, secretKeys } = readStackConfig(stack);
  return parseStackConfig(config, stack, (key) => secretKeys.includes(key)) as EksPlatformConfig;
}

/**
 * A workflow value with its `${{ }}` expressions evaluated for one matrix entry: the forms the
 * workflows use (context paths, `vars[format('<PREFIX>{0}', matrix.key)]`). Anything else throws,
 * so an expression this test cannot read fails the test rather than passing it unread.
 */
function expand(template: string, context: Record<string, unknown>): string {
  return template.replace(/\$\{\{\s*(.+?)\s*\}\}/g, (_, expression: string) => {
    const path = (p: string) => p.split(".").reduce<any>((node, key) => node?.[key], context);
    const indexed = /^vars\[format\('(\w*)\{0\}(\w*)', matrix\.(\w+)\)\]$/.exec(expression);
    if (indexed) return String(path(`vars.${indexed[1]}${path(`matrix.${indexed[3]}`)}${indexed[2]}`) ?? "");
    if (/^[a-z_]+(\.[\w-]+)+$/.test(expression)) return String(path(expression) ?? "");
    throw new Error(`cannot evaluate \${{ ${expression} }}`);
  });
}

/** The JSON policy that docs/ci-cd.md shows after `<!-- iam:<name> -->`, placeholders filled in. */
function documentedPolicy(name: string, values: Record<string, string>): PolicyDocument {
  const doc = readFileSync(path.join(REPO_ROOT, "docs", "ci-cd.md"), "utf8");
  const block = new RegExp(`<!-- iam:${name} -->\\s*\`\`\`json\\n([\\s\\S]*?)\`\`\``).exec(doc)?.[1];
  if (!block) throw new Error(`docs/ci-cd.md shows no iam:${name} policy`);
  return JSON.parse(block.replace(/<(\w+)>/g, (m, key: string) => values[key] ?? m)) as PolicyDocument;
}

/**
 * Evaluates a job `if` that is a disjunction (`||`) of conjunctions of `context.path == 'literal'`
 * terms against an event payload. Anything else throws, so a condition this test cannot read fails
 * the test rather than passing it unread.
 */
function evaluateConjunction(expression: string, context: Record<string, unknown>): boolean {
  const operand = (token: string): unknown => {
    const literal = /^'([^']*)'$/.exec(token);
    if (literal) return literal[1];
    if (!/^[a-z_]+(\.[a-z_]+)+$/.test(token)) throw new Error(`cannot evaluate operand ${token}`);
    return token.split(".").reduce<any>((node, key) => node?.[key], context);
  };
  return expression.split("||").some((conjunction) =>
    conjunction.split("&&").every((term) => {
      const m = /^\s*(\S+)\s*==\s*(\S+)\s*$/.exec(term);
      if (!m) throw new Error(`cannot evaluate term ${term}`);
      return operand(m[1]) === operand(m[2]);
    }),
  );
}

/** The runner check's script, run with the given repository variables. */
function runRunnerCheck(step: Step, variables: Record<string, string>) {
  expect(step.env).toEqual({ VARS_JSON: "${{ toJSON(vars) }}" });
  return spawnSync("bash", ["-e", "-c", step.run!], { cwd: REPO_ROOT, env: { PATH: process.env.PATH ?? "", VARS_JSON: JSON.stringify(variables) }, encoding: "utf8" });
}

/** What a stack's job in `file`/`name` would run with: its label, environment and each step's inputs. */
function jobFor(file: string, name: string, entry: CiStack, vars: Record<string, string> = {}) {
  const job = workflow(file).jobs[name];
  const context = { matrix: entry, vars, github: { run_id: "7", run_attempt: "1" } };
  return {
    label: expand(job["runs-on"], context),
    environment: expand(job.environment ?? "", context),
    // The step of that action that runs a command (pulumi/actions also appears to install the CLI alone).
    step: (action: string) => {
      const found = stepsUsing(job, action);
      return Object.fromEntries(Object.entries((found.find((s) => s.with?.command) ?? found[0]).with ?? {}).map(([k, v]) => [k, expand(String(v), context)]));
    },
  };
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
    expect(credentialSteps.length).toBe(CLOUD_JOBS.length);
    for (const { job, step } of credentialSteps) {
      const id = /^\$\{\{ steps\.([\w-]+)\.outputs\.region \}\}$/.exec(String(step.with?.["aws-region"]))?.[1];
      expect(id, "aws-region is a step output").toBeDefined();
      const reader = job.steps.find((s) => s.id === id)!;
      expect(reader.run).toBe('npx tsx tools/stack-region.ts --stack "$STACK" >> "$GITHUB_OUTPUT"');
      expect(reader.env).toEqual({ STACK: "${{ matrix.stack }}" });
      // The reader comes before the credentials step.
      expect(job.steps.indexOf(reader)).toBeLessThan(job.steps.indexOf(step));
    }
    for (const file of files) expect(text(file)).not.toContain("vars.AWS_REGION");
  });

  it("creates a missing stack on first use", () => {
    // The steps that run a command: up.yml's production job also uses the action to install the CLI alone.
    const pulumiSteps = allJobs.flatMap(({ job }) => stepsUsing(job, "pulumi/actions")).filter((s) => s.with?.command);
    expect(pulumiSteps).toHaveLength(CLOUD_JOBS.length);
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

  it("runs every job that assumes an AWS role on the stack's in-network CodeBuild runner", () => {
    const cloudJobs = allJobs.filter(({ job }) => stepsUsing(job, "aws-actions/configure-aws-credentials").length > 0);
    expect(cloudJobs.map(({ file, name }) => `${file}:${name}`).sort()).toEqual(CLOUD_JOBS.map(({ file, name }) => `${file}:${name}`).sort());
    // CodeBuild takes a job whose label is codebuild-<project>-<run id>-<run attempt> (CodeBuild
    // User Guide, "Label overrides supported with the CodeBuild-hosted GitHub Actions runner", read
    // 2026-11-30).
    for (const { job } of cloudJobs) expect(job["runs-on"]).toBe(RUNNER_LABEL);
  });

  it("stops every runner job before CodeBuild stops the build that hosts it", () => {
    const runnerJobs = allJobs.filter(({ job }) => job["runs-on"].startsWith("codebuild-"));
    const longest = Math.max(...runnerJobs.map(({ job }) => job["timeout-minutes"]));
    expect(runnerJobs).toHaveLength(CLOUD_JOBS.length);
    for (const { file, name, job } of runnerJobs) expect(job["timeout-minutes"], `${file}:${name} states its timeout`).toBeGreaterThan(0);
    for (const stack of STACKS) {
      const { ciRunner } = parseStackConfigOf(stack.stack);
      expect(ciRunner.buildTimeoutMinutes, `ciRunner.buildTimeoutMinutes of Pulumi.${stack.stack}.yaml vs the longest job (${longest} min)`).toBeGreaterThan(longest);
    }
  });
});

describe("stacks are data", () => {
  it("every eks stack file is a CI stack, with its own roles and runner from its own file", () => {
    const eks = stacksIn(REPO_ROOT).filter((stack) => (parse(readFileSync(path.join(REPO_ROOT, `Pulumi.${stack}.yaml`), "utf8")).config["hft-platform:clusterMode"] ?? "eks") === "eks");
    expect(STACKS.map((s) => s.stack)).toEqual(eks);
    for (const s of STACKS) {
      const { cluster } = parseStackConfigOf(s.stack);
      expect(s).toMatchObject({ previewRoleArn: cluster.ciAccess.previewRoleArn, deployRoleArn: cluster.ciAccess.deployRoleArn, runner: `${cluster.name}-ci-runner` });
    }
  });

  it("no workflow names a stack or chooses one stack's setting by a condition", () => {
    for (const file of files) {
      const code = text(file)
        .split("\n")
        .filter((line) => !/^\s*#/.test(line))
        .join("\n");
      for (const stack of stacksIn(REPO_ROOT)) {
        expect(code, `${file} names stack ${stack}`).not.toMatch(new RegExp(`['"/_-]${stack}\\b|\\b${stack}['"]|--stack ${stack}\\b|_${stack.toUpperCase()}\\b`));
      }
      expect(code, `${file}: a ternary`).not.toMatch(/matrix\.\w+\s*==/);
    }
  });

  it("takes each cloud job's matrix from tools/ci-stacks.ts over the stack files", () => {
    for (const { file, name, gate, list } of CLOUD_JOBS) {
      const jobs = workflow(file).jobs;
      expect(jobs[name].strategy?.matrix).toEqual({ include: `\${{ fromJSON(needs.${gate}.outputs.${list}) }}` });
      expect([jobs[name].needs].flat()).toContain(gate);
      expect(jobs[gate].outputs?.[list]).toBe(`\${{ steps.stacks.outputs.${list} }}`);
      expect(jobs[gate].steps.find((s) => s.id === "stacks")?.run).toBe('npx tsx tools/ci-stacks.ts >> "$GITHUB_OUTPUT"');
    }
  });

  describe("a new stack copied from dev with its own name and roles", () => {
    const scratch = mkdtempSync(path.join(tmpdir(), "hft-ci-stacks-"));
    afterAll(() => rmSync(scratch, { recursive: true, force: true }));
    const dev = readFileSync(path.join(REPO_ROOT, "Pulumi.dev.yaml"), "utf8");
    const staging = dev.replace("name: hft-dev", "name: hft-staging").replaceAll("hft-ci-preview-dev", "hft-ci-preview-staging").replaceAll("hft-ci-deploy-dev", "hft-ci-deploy-staging");
    writeFileSync(path.join(scratch, "Pulumi.dev.yaml"), dev);
    writeFileSync(path.join(scratch, "Pulumi.staging.yaml"), staging);
    const entry = () => ciStacks(scratch).find((s) => s.stack === "staging")!;
    const vars = { CI_RUNNER_PROJECT_DEV: "hft-dev-ci-runner", CI_RUNNER_PROJECT_STAGING: "hft-staging-ci-runner" };

    it("is previewed on its own runner, as its own preview role, in its own environment", () => {
      expect(staging).not.toBe(dev);
      expect(entry()).toMatchObject({ key: "STAGING", tier: "development", runner: "hft-staging-ci-runner" });
      const job = jobFor("preview.yml", "preview", entry(), vars);
      expect(job.label).toBe("codebuild-hft-staging-ci-runner-7-1");
      expect(job.environment).toBe("preview-staging");
      expect(job.step("aws-actions/configure-aws-credentials")["role-to-assume"]).toBe("arn:aws:iam::111122223333:role/hft-ci-preview-staging");
      expect(job.step("pulumi/actions")).toMatchObject({ "stack-name": "/hft-platform/staging", policyPackConfigs: "policy/config/staging.json" });
    });

    it("is deployed with the development stacks, as its own deploy role, in its own environment", () => {
      const job = jobFor("up.yml", "development", entry(), vars);
      expect(job.label).toBe("codebuild-hft-staging-ci-runner-7-1");
      expect(job.environment).toBe("staging");
      expect(job.step("aws-actions/configure-aws-credentials")["role-to-assume"]).toBe("arn:aws:iam::111122223333:role/hft-ci-deploy-staging");
    });
  });
});

describe("the in-network runner", () => {
  for (const { file, gate } of [CLOUD_JOBS[0], CLOUD_JOBS[1]]) {
    it(`${file}: fails at once, naming the variable, when a stack's runner is not configured or is another stack's`, () => {
      const jobs = workflow(file).jobs;
      expect(jobs[gate]["runs-on"]).toBe("ubuntu-latest");
      const check = jobs[gate].steps.find((s) => s.name === "Each stack names its in-network runner")!;
      const configured = Object.fromEntries(STACKS.map((s) => [`CI_RUNNER_PROJECT_${s.key}`, s.runner]));
      expect(runnerProblems(STACKS, configured)).toEqual([]);
      // One run of the step itself: prod's variable unset, dev's naming prod's runner.
      const wrong = runRunnerCheck(check, { ...configured, CI_RUNNER_PROJECT_PROD: "", CI_RUNNER_PROJECT_DEV: "hft-prod-ci-runner" });
      expect(wrong.status).toBe(1);
      expect(wrong.stdout.trim().split("\n")).toEqual([
        expect.stringMatching(/^::error::Repository variable CI_RUNNER_PROJECT_DEV is hft-prod-ci-runner, but stack dev's runner is hft-dev-ci-runner \(cluster\.name in Pulumi\.dev\.yaml\)/),
        expect.stringMatching(/^::error::Repository variable CI_RUNNER_PROJECT_PROD is not set: set it to hft-prod-ci-runner, the ciRunnerProject output of stack prod/),
      ]);
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

/** GitHub's OIDC token as the role's trust policy sees it (GitHub docs, "About security hardening with OpenID Connect", subject claims, read 2026-12-07). */
const REPO = { org: "acme", repo: "hft-platform", account: "111122223333" };
async function assume(trust: PolicyDocument, role: string, sub: string) {
  return decide({
    principal: `arn:aws:iam::${REPO.account}:oidc-provider/token.actions.githubusercontent.com`,
    action: "sts:AssumeRoleWithWebIdentity",
    resource: role,
    resourceAccount: REPO.account,
    context: { "token.actions.githubusercontent.com:sub": sub, "token.actions.githubusercontent.com:aud": "sts.amazonaws.com" },
    identityPolicies: [],
    resourcePolicy: trust,
  });
}
const subject = (claim: string) => `repo:${REPO.org}/${REPO.repo}:${claim}`;

describe("preview", () => {
  const wf = workflow("preview.yml");

  it("runs for pull requests from this repository only, never forks", () => {
    expect(wf.on).toEqual({ pull_request: null });
    expect(wf.jobs.stacks.if).toBe("github.event.pull_request.head.repo.full_name == github.repository");
    expect(wf.jobs.preview.needs).toBe("stacks");
  });

  it("runs each stack's preview in its environment preview-<stack>, as the stack's read-only preview role", () => {
    for (const entry of STACKS) {
      const job = jobFor("preview.yml", "preview", entry);
      expect(job.environment).toBe(`preview-${entry.stack}`);
      expect(job.step("aws-actions/configure-aws-credentials")["role-to-assume"]).toBe(entry.previewRoleArn);
      expect(job.step("pulumi/actions")).toMatchObject({ command: "preview", policyPackConfigs: `policy/config/${entry.stack}.json` });
    }
  });

  it("the prod preview runs in a reviewed environment: docs require reviewers, and the role trusts nothing else", async () => {
    const doc = readFileSync(path.join(REPO_ROOT, "docs", "ci-cd.md"), "utf8");
    expect(doc).toMatch(/\| `preview-<stack>` of a production stack \| `preview\.yml` \| yes \|/);
    const production = STACKS.filter((s) => s.tier === "production");
    expect(production.map((s) => s.stack)).toContain("prod");
    for (const entry of production) {
      const trust = documentedPolicy("preview-trust", { ...REPO, stack: entry.stack });
      expect(await assume(trust, entry.previewRoleArn, subject(`environment:preview-${entry.stack}`))).toBe("Allowed");
      // A job whose workflow was edited to drop the environment (and so its reviewers).
      expect(await assume(trust, entry.previewRoleArn, subject("pull_request"))).toBe("ImplicitlyDenied");
      for (const other of ["environment:preview-dev", `environment:${entry.stack}`, "ref:refs/heads/main"]) {
        expect(await assume(trust, entry.previewRoleArn, subject(other)), other).toBe("ImplicitlyDenied");
      }
      expect(await assume(trust, entry.previewRoleArn, `repo:fork/${REPO.repo}:environment:preview-${entry.stack}`)).toBe("ImplicitlyDenied");
    }
  });

  it("gives the preview role only the AWS reads the program makes, not the backups, secrets or any write", async () => {
    const policy = documentedPolicy("preview-permissions", REPO);
    const role = `arn:aws:sts::${REPO.account}:assumed-role/hft-ci-preview-prod/preview`;
    const may = (action: string, resource: string) =>
      decide({ principal: role, action, resource, resourceAccount: REPO.account, identityPolicies: [{ name: "preview", policy }] });
    // Each invoke the prod render makes (tools/mocks.ts refuses any other), as the API call it is.
    const { invokes } = await runStack("prod");
    const tokens = [...new Set(invokes.map((i) => i.token))].sort();
    expect(tokens).toEqual(["aws:index/getAvailabilityZones:getAvailabilityZones", "aws:index/getPartition:getPartition", "aws:ssm/getParameter:getParameter"]);
    expect(await may("ec2:DescribeAvailabilityZones", "*")).toBe("Allowed");
    // A public parameter's ARN has no account (arn:aws:ssm:<region>::parameter/aws/service/…); the
    // simulator needs one, and the policy's `*` account matches either.
    for (const invoke of invokes.filter((i) => i.token === "aws:ssm/getParameter:getParameter")) {
      expect(await may("ssm:GetParameter", `arn:aws:ssm:us-east-1:${REPO.account}:parameter${String(invoke.inputs.name)}`)).toBe("Allowed");
    }
    for (const [action, resource] of [
      ["s3:GetObject", "arn:aws:s3:::hft-prod-timescaledb-backups/base/backup.tar"],
      ["ssm:GetParameter", `arn:aws:ssm:us-east-1:${REPO.account}:parameter/hft/prod/database-password`],
      ["secretsmanager:GetSecretValue", `arn:aws:secretsmanager:us-east-1:${REPO.account}:secret:hft-prod`],
      ["eks:UpdateClusterConfig", `arn:aws:eks:us-east-1:${REPO.account}:cluster/hft-prod`],
      ["iam:PassRole", `arn:aws:iam::${REPO.account}:role/hft-ci-deploy-prod`],
    ]) {
      expect(await may(action, resource), action).toBe("ImplicitlyDenied");
    }
  }, 120_000);
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

  it("is started by `checks` on main, or by hand (the trading-session override), never by a push", () => {
    expect(wf.on.workflow_run).toEqual({ workflows: ["checks"], types: ["completed"], branches: ["main"] });
    expect(Object.keys(wf.on).sort()).toEqual(["workflow_dispatch", "workflow_run"]);
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
    expect(evaluateConjunction(condition, payload({ head_branch: "feature" }))).toBe(false);
    // By hand: from main only (a step then requires `checks` to have passed for the commit).
    const dispatch = (ref: string) => ({ github: { event_name: "workflow_dispatch", ref, repository: "acme/hft-platform", event: {} } });
    expect(evaluateConjunction(condition, dispatch("refs/heads/main"))).toBe(true);
    expect(evaluateConjunction(condition, dispatch("refs/heads/feature"))).toBe(false);
    const checksPassed = wf.jobs.checked.steps.find((s) => s.run?.includes("gh run list"));
    expect(checksPassed?.run).toMatch(/--workflow checks\.yml --commit "\$SHA" --status success/);
  });

  it("deploys the commit `checks` passed, development stacks before production ones", () => {
    expect(wf.jobs.checked.outputs?.sha).toBe("${{ github.event.workflow_run.head_sha || github.sha }}");
    expect(stepsUsing(wf.jobs.checked, "actions/checkout")[0].with?.ref).toBe("${{ github.event.workflow_run.head_sha || github.sha }}");
    expect(wf.jobs.development.needs).toBe("checked");
    expect(wf.jobs.production.needs).toEqual(["checked", "development"]);
    expect(wf.jobs.production.if).toContain("needs.development.result == 'success' || needs.development.result == 'skipped'");
    for (const name of ["development", "production"]) expect(stepsUsing(wf.jobs[name], "actions/checkout")[0].with?.ref).toBe("${{ needs.checked.outputs.sha }}");
  });

  it("deploys each stack in its environment, from main only, as a deploy role that trusts that environment alone", async () => {
    const doc = readFileSync(path.join(REPO_ROOT, "docs", "ci-cd.md"), "utf8");
    expect(doc).toMatch(/\| `<stack>` of a production stack \| `up\.yml` \| yes \| `main` only \|/);
    expect(doc).toMatch(/\| `<stack>` of a development stack \| `up\.yml` \| none \| `main` only \|/);
    for (const entry of STACKS) {
      const job = jobFor("up.yml", entry.tier === "production" ? "production" : "development", entry);
      expect(job.environment).toBe(entry.stack);
      expect(job.step("aws-actions/configure-aws-credentials")["role-to-assume"]).toBe(entry.deployRoleArn);
      expect(job.step("pulumi/actions")).toMatchObject({ command: "up", policyPackConfigs: `policy/config/${entry.stack}.json` });
      const trust = documentedPolicy("deploy-trust", { ...REPO, stack: entry.stack });
      expect(await assume(trust, entry.deployRoleArn, subject(`environment:${entry.stack}`))).toBe("Allowed");
      for (const other of ["pull_request", `environment:preview-${entry.stack}`, "ref:refs/heads/main", "environment:other"]) {
        expect(await assume(trust, entry.deployRoleArn, subject(other)), other).toBe("ImplicitlyDenied");
      }
    }
    // Only up.yml's deploy jobs name a deploy role.
    const deployers = allJobs.filter(({ job }) => stepsUsing(job, "aws-actions/configure-aws-credentials").some((s) => s.with?.["role-to-assume"] === "${{ matrix.deployRoleArn }}"));
    expect(deployers.map(({ file, name }) => `${file}:${name}`).sort()).toEqual(["up.yml:development", "up.yml:production"]);
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
    const unknown = tool("--stack", "nosuch");
    expect(unknown.status).toBe(2);
    expect(unknown.stderr.trim().split("\n")).toHaveLength(1);
  });
});
