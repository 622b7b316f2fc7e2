import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { parsePlatformConfig, projectConfig } from "../components/config";
import { readSecureValues, readStackConfig, REPO_ROOT, runStack, StackRun } from "../tools/harness";
import { exitCode, formatReport, PreflightInput, preflightChecks } from "../tools/preflight";

let run: StackRun;
let prod: PreflightInput;

beforeAll(async () => {
  run = await runStack("prod");
  const all = readStackConfig("prod").config;
  const raw = projectConfig(all);
  prod = { stack: "prod", config: parsePlatformConfig(raw, "prod"), raw, secure: readSecureValues("prod"), region: all["aws:region"], run };
});

const lines = (input: PreflightInput, kind?: string) => preflightChecks(input).checks.filter((c) => !kind || c.kind === kind);
const REAL_IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/hft-trading-engine:v1.0.0";

/** The prod run with the engine image and the receiver secrets replaced as an operator would. */
function replaced(input: PreflightInput): PreflightInput {
  const inventory = JSON.parse(JSON.stringify(input.run.inventory).replaceAll("registry.example.com/hft-trading-engine:v1.0.0", REAL_IMAGE)) as StackRun["inventory"];
  const raw = structuredClone(input.raw) as Record<string, any>;
  raw.engine.image = REAL_IMAGE;
  raw.cluster.ciAccess = { previewRoleArn: "arn:aws:iam::123456789012:role/hft-ci-preview-prod", deployRoleArn: "arn:aws:iam::123456789012:role/hft-ci-deploy-prod" };
  raw.ciRunner = { ...raw.ciRunner, repository: "acme/hft-platform", connectionArn: "arn:aws:codeconnections:us-east-1:123456789012:connection/6f1c2d3e-4a5b-4c6d-8e9f-0a1b2c3d4e5f" };
  return { ...input, raw, run: { ...input.run, inventory }, secure: input.secure.map((s) => ({ ...s, ciphertext: "v1:3q2+7w3q2+7w3q2+:c2VjcmV0IGNpcGhlcnRleHQ=" })) };
}

describe("preflight of prod", () => {
  it("names every placeholder with the pulumi config command that replaces it, and fails the production stack", () => {
    const placeholders = lines(prod, "placeholder");
    expect(placeholders.map((c) => c.command)).toEqual([
      "pulumi config set --path 'engine.image' <registry>/<repository>:<tag> --stack prod",
      "pulumi config set --secret --path 'monitoring.alertmanager.receivers[0].pagerduty.routingKey' <value> --stack prod",
      "pulumi config set --secret --path 'monitoring.alertmanager.receivers[1].slack.apiUrl' <value> --stack prod",
      "pulumi config set --secret --path 'monitoring.alertmanager.receivers[2].webhook.url' <value> --stack prod",
      "pulumi config set --path 'cluster.ciAccess.previewRoleArn' <arn in this stack's account> --stack prod",
      "pulumi config set --path 'cluster.ciAccess.deployRoleArn' <arn in this stack's account> --stack prod",
      "pulumi config set --path 'ciRunner.repository' <owner>/<repository> --stack prod",
      "pulumi config set --path 'ciRunner.connectionArn' <arn in this stack's account> --stack prod",
    ]);
    expect(exitCode(preflightChecks(prod))).toBe(1);
  });

  it("passes once they are replaced, and asks to confirm that the secrets decrypt", () => {
    const result = preflightChecks(replaced(prod));
    expect(result.checks.filter((c) => c.kind === "placeholder")).toEqual([]);
    expect(exitCode(result)).toBe(0);
    expect(result.checks.filter((c) => c.group === "Secrets").map((c) => c.command)).toContain(
      "pulumi config get --path 'monitoring.alertmanager.receivers[0].pagerduty.routingKey' --stack prod >/dev/null",
    );
    expect(result.checks.find((c) => c.group === "Container images" && c.what === REAL_IMAGE)?.command).toBe(`crane digest ${REAL_IMAGE}`);
  });

  it("asks to confirm the CI roles, the runner's connection and its repository variable", () => {
    const ci = lines(prod).filter((c) => c.group === "CI and access").map((c) => c.command);
    expect(ci).toContain("aws iam get-role --role-name hft-ci-deploy-prod --query Role.Arn --output text");
    expect(ci.some((c) => c.startsWith("aws codeconnections get-connection --region us-east-1 --connection-arn arn:aws:codeconnections:"))).toBe(true);
    expect(ci).toContain("gh variable list --repo example-org/hft-platform | grep CI_RUNNER_PROJECT_PROD");
  });

  it("only warns about the same placeholders outside production", () => {
    const development = { ...prod, config: { ...prod.config, tier: "development" } } as PreflightInput;
    const result = preflightChecks(development);
    expect(result.checks.filter((c) => c.kind === "placeholder")).toHaveLength(8);
    expect(exitCode(result)).toBe(0);
    expect(formatReport(result, "Pulumi.prod.yaml")).toMatch(/^ {2}! engine\.image = /m);
  });

  it("treats a documentation range in an allow-list as a placeholder", () => {
    const operator = replaced(prod);
    const raw = structuredClone(operator.raw) as Record<string, any>;
    raw.engine.exposure.sourceRanges = ["10.0.0.0/8", "198.51.100.0/24"];
    const found = lines({ ...operator, raw }, "placeholder");
    expect(found.map((c) => c.command)).toEqual(["pulumi config set --path 'engine.exposure.sourceRanges[1]' <cidr> --stack prod"]);
  });

  it("checks the AMI parameter the program read, for its Kubernetes version and release", () => {
    const ami = lines(prod).filter((c) => c.group === "AMI");
    const parameter = run.invokes.find((i) => i.token === "aws:ssm/getParameter:getParameter")!.inputs.name as string;
    expect(parameter).toContain("/1.34/");
    expect(parameter).toContain("v20251103");
    expect(ami[0].command).toBe(`aws ssm get-parameter --region us-east-1 --name ${parameter} --query Parameter.Value --output text`);
    expect(ami[1].command).toBe("gh release view v20251103 --repo awslabs/amazon-eks-ami");
  });

  it("checks every add-on version the stack pins against its Kubernetes version", () => {
    const addons = lines(prod).filter((c) => c.group === "EKS add-ons for Kubernetes 1.34");
    const pinned = Object.values(prod.config.clusterMode === "eks" ? prod.config.cluster.addons : {});
    expect(addons).toHaveLength(pinned.length);
    for (const version of pinned) {
      const line = addons.find((c) => c.what.endsWith(` ${version}`));
      expect(line?.command, version).toMatch(new RegExp(`^aws eks describe-addon-versions --region us-east-1 --kubernetes-version 1\\.34 --addon-name [a-z-]+ --query "addons\\[\\]\\.addonVersions\\[\\?addonVersion=='${version.replace(/\./g, "\\.")}'\\]`));
    }
  });

  it("checks each chart and image as rendered, so a changed pin changes the check", () => {
    const charts = lines(prod).filter((c) => c.group === "Helm charts").map((c) => c.command);
    expect(charts).toContain("helm show chart cloudnative-pg --repo https://cloudnative-pg.github.io/charts --version 0.29.0");
    expect(charts).toHaveLength(run.inventory.filter((e) => e.type === "kubernetes:helm.sh/v4:Chart").length);
    const bumped = JSON.parse(JSON.stringify(run.inventory).replace('"version":"0.29.0"', '"version":"0.30.1"')) as StackRun["inventory"];
    expect(lines({ ...prod, run: { ...run, inventory: bumped } }).filter((c) => c.group === "Helm charts").map((c) => c.command)).toContain(
      "helm show chart cloudnative-pg --repo https://cloudnative-pg.github.io/charts --version 0.30.1",
    );
    const images = lines(prod).filter((c) => c.group === "Container images").map((c) => c.what);
    expect(images).toEqual([
      "busybox:1.36.1",
      "fluent/fluent-bit:3.1.9",
      "oliver006/redis_exporter:v1.91.1",
      // cert-manager's start-up check, run by the program as a Job (the v4 Chart omits the chart's hook).
      "quay.io/jetstack/cert-manager-startupapicheck:v1.21.1",
      "redis:8.10.0",
      "timescale/timescaledb-ha:pg18.4-ts2.28.2",
    ]);
  });
});

describe("preflight CLI", () => {
  const cli = (...args: string[]) =>
    spawnSync(process.execPath, [path.join(REPO_ROOT, "tools/run.cjs"), "tools/preflight.ts", ...args], { cwd: REPO_ROOT, encoding: "utf8" });

  it("exits 1 on prod while placeholders remain, one line per check with its command", () => {
    const result = cli("--stack", "prod");
    expect(result.status).toBe(1);
    expect(result.stdout).toMatch(/^preflight prod \(tier production, Pulumi\.prod\.yaml\): 8 placeholder\(s\)/);
    expect(result.stdout).toContain("  ✗ engine.image = registry.example.com/hft-trading-engine:v1.0.0: registry.example.com is reserved for documentation: pulumi config set --path 'engine.image'");
    expect(result.stdout).toMatch(/^ {2}· aws-ebs-csi-driver v1\.51\.1-eksbuild\.1: aws eks describe-addon-versions /m);
  });

  it("answers a usage mistake in one line", () => {
    const result = cli("--stack", "nope");
    expect(result.status).toBe(2);
    expect(result.stderr.trim().split("\n")).toHaveLength(1);
    expect(result.stderr).toMatch(/unknown stack "nope"/);
  });
});
