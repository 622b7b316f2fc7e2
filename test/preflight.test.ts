import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { parsePlatformConfig, projectConfig } from "../components/config";
import { readSecureValues, readStackConfig, REPO_ROOT, runStack, StackRun } from "../tools/harness";
import { readFileSync } from "node:fs";
import { EksPlatformConfig } from "../components/config";
import { EKS_AMI_RELEASES } from "../tools/data/eks-ami-releases";
import { INSTANCE_TYPES } from "../tools/data/instance-types";
import { commandTools, exitCode, formatReport, PreflightInput, preflightChecks, prerequisites, registryPolicy, TOOLS } from "../tools/preflight";

let run: StackRun;
let prod: PreflightInput;

beforeAll(async () => {
  run = await runStack("prod");
  const all = readStackConfig("prod").config;
  const raw = projectConfig(all);
  const policy = registryPolicy("policy/config/prod.json", JSON.parse(readFileSync(path.join(REPO_ROOT, "policy/config/prod.json"), "utf8")) as Record<string, unknown>);
  prod = { stack: "prod", config: parsePlatformConfig(raw, "prod"), raw, secure: readSecureValues("prod"), region: all["aws:region"], run, policy };
});

const eks = (input: PreflightInput) => input.config as EksPlatformConfig;

const lines = (input: PreflightInput, kind?: string) => preflightChecks(input).checks.filter((c) => !kind || c.kind === kind);
const REAL_IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/hft-trading-engine:v1.0.0";

/** The prod run with the engine image and the receiver secrets replaced as an operator would. */
function replaced(input: PreflightInput): PreflightInput {
  const inventory = JSON.parse(JSON.stringify(input.run.inventory).replaceAll("registry.example.com/hft-trading-engine:v1.0.0", REAL_IMAGE)) as StackRun["inventory"];
  const raw = structuredClone(input.raw) as Record<string, any>;
  raw.engine.image = REAL_IMAGE;
  raw.cluster.ciAccess = { previewRoleArn: "arn:aws:iam::123456789012:role/hft-ci-preview-prod", deployRoleArn: "arn:aws:iam::123456789012:role/hft-ci-deploy-prod" };
  // Venues reached over Direct Connect, at their published ranges.
  raw.engine.venues = raw.engine.venues.map((v: { cidrs: string[] }, i: number) => ({ ...v, cidrs: [`10.200.${i}.0/26`] }));
  raw.ciRunner = { ...raw.ciRunner, repository: "acme/hft-platform", connectionArn: "arn:aws:codeconnections:us-east-1:123456789012:connection/6f1c2d3e-4a5b-4c6d-8e9f-0a1b2c3d4e5f" };
  const policy = { ...input.policy!, allowedRegistries: [...input.policy!.allowedRegistries.filter((r) => r !== "registry.example.com"), REAL_IMAGE.split(":")[0]] };
  return { ...input, raw, policy, run: { ...input.run, inventory }, secure: input.secure.map((s) => ({ ...s, ciphertext: "v1:3q2+7w3q2+7w3q2+:c2VjcmV0IGNpcGhlcnRleHQ=" })) };
}

describe("preflight of prod", () => {
  it("names every placeholder with the pulumi config command that replaces it, and fails the production stack", () => {
    const placeholders = lines(prod, "placeholder");
    expect(placeholders.map((c) => c.command)).toEqual([
      "pulumi config set --path 'engine.image' <registry>/<repository>:<tag> --stack prod",
      "pulumi config set --secret --path 'monitoring.alertmanager.receivers[0].pagerduty.routingKey' <value> --stack prod",
      "pulumi config set --secret --path 'monitoring.alertmanager.receivers[1].slack.apiUrl' <value> --stack prod",
      "pulumi config set --secret --path 'monitoring.alertmanager.receivers[2].webhook.url' <value> --stack prod",
      "pulumi config set --path 'engine.venues[0].cidrs[0]' <cidr> --stack prod",
      "pulumi config set --path 'engine.venues[1].cidrs[0]' <cidr> --stack prod",
      "pulumi config set --path 'engine.venues[2].cidrs[0]' <cidr> --stack prod",
      "pulumi config set --path 'cluster.ciAccess.previewRoleArn' <arn in this stack's account> --stack prod",
      "pulumi config set --path 'cluster.ciAccess.deployRoleArn' <arn in this stack's account> --stack prod",
      "pulumi config set --path 'ciRunner.repository' <owner>/<repository> --stack prod",
      "pulumi config set --path 'ciRunner.connectionArn' <arn in this stack's account> --stack prod",
      `jq '."image-registry-allowed".allowedRegistries -= ["registry.example.com"]' policy/config/prod.json > policy/config/prod.json.new && mv policy/config/prod.json.new policy/config/prod.json`,
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
    expect(result.checks.filter((c) => c.kind === "placeholder")).toHaveLength(12);
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

  it("knows the pinned AMI release exists for the Kubernetes version, and checks the parameter the program read", () => {
    const { nodeAmiRelease, kubernetesVersion } = eks(prod).cluster;
    expect(EKS_AMI_RELEASES[nodeAmiRelease][kubernetesVersion]).toMatch(new RegExp(`^${kubernetesVersion.replace(".", "\\.")}\\.\\d+-`));
    const ami = lines(prod).filter((c) => c.group === "AMI");
    const parameter = run.invokes.find((i) => i.token === "aws:ssm/getParameter:getParameter")!.inputs.name as string;
    expect(parameter).toBe(`/aws/service/eks/optimized-ami/${kubernetesVersion}/amazon-linux-2023/x86_64/standard/amazon-eks-node-al2023-x86_64-standard-${kubernetesVersion}-${nodeAmiRelease}/image_id`);
    expect(ami.map((c) => [c.kind, c.command])).toEqual([
      ["confirm", `gh release view ${nodeAmiRelease} --repo awslabs/amazon-eks-ami`],
      ["confirm", `aws ssm get-parameter --region us-east-1 --name ${parameter} --query Parameter.Value --output text`],
    ]);
  });

  it("flags a release it does not know for the Kubernetes version, offering the newest it knows", () => {
    const config = { ...eks(prod), cluster: { ...eks(prod).cluster, nodeAmiRelease: "v20251103" } };
    const [unknown] = lines({ ...prod, config }).filter((c) => c.group === "AMI");
    expect(unknown.kind).toBe("review");
    expect(unknown.what).toMatch(/v20251103 is not a release known to ship Kubernetes 1\.34 .*newest known: v20260714/);
    expect(unknown.command).toBe("pulumi config set --path cluster.nodeAmiRelease v20260714 --stack prod");
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
      // The restore drill's runner.
      "registry.k8s.io/kubectl:v1.34.2",
      "timescale/timescaledb-ha:pg18.4-ts2.28.2",
    ]);
  });
});

describe("preflight of prod: quotas, capacity, registries, pulls", () => {
  it("counts the vCPUs every node group needs at its maximum against the On-Demand Standard quota", () => {
    const { engineNodes, systemNodes } = eks(prod);
    const vcpus = engineNodes.maxSize * INSTANCE_TYPES[engineNodes.instanceType].vcpus + systemNodes.maxSize * INSTANCE_TYPES[systemNodes.instanceTypes[0]].vcpus;
    const [quota] = lines(prod).filter((c) => c.group === "Quotas");
    expect(quota.what).toMatch(new RegExp(`^${vcpus} vCPUs of On-Demand Standard instances .*L-1216C47A`));
    expect(quota.command).toBe("aws service-quotas get-service-quota --region us-east-1 --service-code ec2 --quota-code L-1216C47A --query Quota.Value --output text");
    // A bigger engine group needs more.
    const bigger = JSON.parse(JSON.stringify(run.inventory).replace(`"maxSize":${engineNodes.maxSize}`, `"maxSize":${engineNodes.maxSize + 1}`)) as StackRun["inventory"];
    expect(lines({ ...prod, run: { ...run, inventory: bigger } }).find((c) => c.group === "Quotas")!.what).toMatch(new RegExp(`^${vcpus + INSTANCE_TYPES[engineNodes.instanceType].vcpus} vCPUs`));
  });

  it("counts the nodes a node group update launches before draining against the same quota", () => {
    const quotas = lines(prod).filter((c) => c.group === "Quotas" && c.what.includes("L-1216C47A"));
    const atMax = Number(/^(\d+)/.exec(quotas[0].what)![1]);
    // prod: the engine group in one zone adds 2 c6i.metal (128 vCPUs), the system group over 3 zones 6 m6i.4xlarge (16).
    expect(quotas[1].what).toMatch(new RegExp(`^${atMax + 2 * 128 + 6 * 16} vCPUs .* while the node groups update .*hft-engine \\+2 x c6i\\.metal, hft-system \\+6 x m6i\\.4xlarge`));
  });

  it("counts one Elastic IP per NAT gateway against the Elastic IP quota", () => {
    const eip = lines(prod).find((c) => c.group === "Quotas" && c.what.includes("Elastic IP"))!;
    expect(eip.what).toMatch(new RegExp(`^${eks(prod).network.natGateways} Elastic IP\\(s\\), one per NAT gateway .*L-0263D0A3`));
    expect(eip.command).toBe(
      "aws service-quotas get-service-quota --region us-east-1 --service-code ec2 --quota-code L-0263D0A3 --query Quota.Value --output text && aws ec2 describe-addresses --region us-east-1 --query 'length(Addresses)'",
    );
  });

  it("asks for capacity for the whole engine group in its placement group's zone", () => {
    const { engineNodes } = eks(prod);
    const capacity = lines(prod).filter((c) => c.group === "Capacity: hft-engine");
    expect(capacity.map((c) => c.command)).toContain(
      `aws ec2 describe-capacity-reservations --region us-east-1 --filters Name=instance-type,Values=${engineNodes.instanceType} Name=state,Values=active --query 'CapacityReservations[].[AvailabilityZone,AvailableInstanceCount,PlacementGroupArn]' --output text`,
    );
    const reserve = capacity.find((c) => c.command.startsWith("aws ec2 create-capacity-reservation"))!;
    expect(reserve.kind).toBe("review");
    expect(reserve.command).toContain(`--instance-type ${engineNodes.instanceType} --instance-platform Linux/UNIX --availability-zone <zone> --instance-count ${engineNodes.maxSize} `);
    expect(reserve.command).toContain("Name=strategy,Values=cluster Name=tag:hft:stack,Values=prod");
    // Only the placement-group (latency) group needs it.
    expect(lines(prod).some((c) => c.group === "Capacity: hft-system")).toBe(false);
  });

  it("refuses a real engine image its registry allow-list does not name, naming policy/config/prod.json, and passes once it does", () => {
    const operator = replaced(prod);
    expect(exitCode(preflightChecks(operator))).toBe(0);
    const policy = { ...operator.policy!, allowedRegistries: operator.policy!.allowedRegistries.filter((r) => !r.includes(".dkr.ecr.")) };
    const refused = lines({ ...operator, policy }, "refused");
    expect(refused.map((c) => c.what)).toEqual([
      `engine.image = ${REAL_IMAGE}: ${REAL_IMAGE.split(":")[0]} is not on image-registry-allowed.allowedRegistries in policy/config/prod.json (mandatory): allow the repository, or copy the image to an allowed registry`,
    ]);
    expect(refused[0].command).toBe(
      `jq '."image-registry-allowed".allowedRegistries += ["${REAL_IMAGE.split(":")[0]}"]' policy/config/prod.json > policy/config/prod.json.new && mv policy/config/prod.json.new policy/config/prod.json`,
    );
    expect(exitCode(preflightChecks({ ...operator, policy }))).toBe(1);
  });

  it("compares Docker Hub pulls at full scale with the unauthenticated limit of the NAT addresses", () => {
    const [pulls] = lines(prod).filter((c) => c.group === "Image pulls");
    expect(pulls.what).toMatch(new RegExp(`through ${eks(prod).network.natGateways} NAT address\\(es\\): ${10 * eks(prod).network.natGateways} per hour`));
    expect(pulls.command).toContain("https://registry-1.docker.io/v2/ratelimitpreview/test/manifests/latest");
    const starts = Number(/in up to (\d+) pod start/.exec(pulls.what)![1]);
    expect(pulls.kind).toBe(starts > 10 * eks(prod).network.natGateways ? "review" : "confirm");
    // Behind one NAT address the same pulls exceed the limit.
    const oneNat = run.inventory.filter((e) => e.type !== "aws:ec2/eip:Eip" || e.name.endsWith("-0"));
    const throttled = lines({ ...prod, run: { ...run, inventory: oneNat } }).find((c) => c.group === "Image pulls")!;
    expect(throttled.kind).toBe(starts > 10 ? "review" : "confirm");
    expect(throttled.what).toMatch(/through 1 NAT address\(es\): 10 per hour/);
  });

  it("lists the tools its commands run, each with where to get it, and says which are missing", () => {
    const checks = preflightChecks(prod).checks;
    const tools = commandTools(checks);
    expect(tools).toEqual(expect.arrayContaining(["aws", "crane", "curl", "gh", "helm", "jq", "pulumi"]));
    for (const tool of tools) expect(TOOLS[tool], tool).toBeDefined();
    const found = prerequisites(checks, (tool) => tool !== "crane");
    expect(found.filter((t) => !t.found).map((t) => t.tool)).toEqual(["crane"]);
    expect(formatReport(preflightChecks(prod), "Pulumi.prod.yaml", found)).toMatch(/^ {2}! crane is not on PATH: crane \(go-containerregistry\), https:/m);
  });
});

describe("preflight CLI", () => {
  const cli = (...args: string[]) =>
    spawnSync(process.execPath, [path.join(REPO_ROOT, "tools/run.cjs"), "tools/preflight.ts", ...args], { cwd: REPO_ROOT, encoding: "utf8" });

  it("exits 1 on prod while placeholders remain, one line per check with its command", () => {
    const result = cli("--stack", "prod");
    expect(result.status).toBe(1);
    expect(result.stdout).toMatch(/^preflight prod \(tier production, Pulumi\.prod\.yaml\): 12 placeholder\(s\) or refused image\(s\)/);
    expect(result.stdout).toMatch(/^Prerequisites: the commands below run aws, crane, curl, gh, helm, jq, pulumi/m);
    expect(result.stdout).toMatch(/^ {2}· \d+ vCPUs of On-Demand Standard instances .*--quota-code L-1216C47A /m);
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
