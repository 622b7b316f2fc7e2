/**
 * What must be true before a stack's first real `pulumi up` that no offline test can know, each
 * with the exact command that checks or fixes it: placeholders still in the stack file (images on
 * documentation registries, secrets that are placeholder ciphertexts, documentation CIDRs in
 * allow-lists), and every pinned external version the program relies on (AMI release, EKS add-ons
 * for the Kubernetes version, Helm charts, container images, AWS managed policies), read from the
 * stack's config and from the program's render under the mocks.
 *
 *   npm run preflight -- --stack <stack> [--config-dir DIR]
 *
 * Exits 1 while a placeholder remains in a production-tier stack; elsewhere placeholders are
 * warnings and it exits 0.
 */
import { accessSync, constants, existsSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { parseStackConfig, PlatformConfig, projectConfig } from "../components/config";
import { ENGINE_NODE_SELECTOR, LATENCY_VERIFIED_LABEL } from "../components/k8s/labels";
import { existingDir, parseFlags, requireStack, runMain } from "./cli";
import { readSecureValues, readStackConfig, REPO_ROOT, runStack, StackRun } from "./harness";
import { InventoryEntry } from "./inventory";
import { amiChecks, capacityChecks, nodeGroupsAtMax, quotaChecks } from "./preflight-aws";
import { pullLimitChecks, registryChecks, RegistryPolicy, registryPolicy } from "./preflight-images";
import { AddCheck, Check, CheckKind } from "./preflight-types";

export type { Check, CheckKind } from "./preflight-types";
export { registryPolicy } from "./preflight-images";

export interface PreflightInput {
  stack: string;
  config: PlatformConfig;
  /** The stack file's project config as the program receives it (secrets as placeholders). */
  raw: Record<string, unknown>;
  secure: { key: string; path: string; ciphertext: string }[];
  /** `aws:region` of the stack file, where set. */
  region?: string;
  run: Pick<StackRun, "inventory" | "invokes">;
  /** The image allow-list of policy/config/<stack>.json, where that file has one. */
  policy?: RegistryPolicy;
}

export interface PreflightResult {
  stack: string;
  tier: string;
  checks: Check[];
}

/** Where to get each tool the printed commands run (their first word), so a missing one is one line with its source. */
export const TOOLS: Record<string, string> = {
  aws: "AWS CLI v2, https://docs.aws.amazon.com/cli/latest/userguide/getting-started-install.html",
  pulumi: "Pulumi CLI of .pulumi.version, https://www.pulumi.com/docs/install/",
  gh: "GitHub CLI, https://cli.github.com",
  helm: "Helm 3, https://helm.sh/docs/intro/install/",
  crane: "crane (go-containerregistry), https://github.com/google/go-containerregistry/tree/main/cmd/crane",
  kubectl: "kubectl, https://kubernetes.io/docs/tasks/tools/",
  jq: "jq, https://jqlang.org/download/",
  curl: "curl, from the system's packages",
};

/** Shell words the commands use that every POSIX shell has. */
const SHELL_WORDS = new Set(["grep", "ls", "mv"]);

/** The programs the checks' commands run: the first word of each command and of each part after &&, | or $(. */
export function commandTools(checks: Check[]): string[] {
  const words = new Set<string>();
  for (const c of checks) for (const part of c.command.split(/&&|\||\$\(/)) words.add(part.trim().split(/\s+/)[0].replace(/^"/, ""));
  return [...words].filter((w) => w && !SHELL_WORDS.has(w)).sort();
}

export interface Prerequisite {
  tool: string;
  install: string;
  found: boolean;
}

/** Each tool the commands need, and whether it is on this machine's PATH. */
export function prerequisites(checks: Check[], onPath: (tool: string) => boolean): Prerequisite[] {
  return commandTools(checks).map((tool) => ({ tool, install: TOOLS[tool] ?? "unknown: add it to TOOLS in tools/preflight.ts", found: onPath(tool) }));
}

function onPath(tool: string): boolean {
  return (process.env.PATH ?? "").split(path.delimiter).some((dir) => {
    try {
      accessSync(path.join(dir, tool), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

const PROJECT = "hft-platform";
/** Names reserved for documentation and tests (RFC 2606, RFC 6761): no real registry lives there. */
const RESERVED_HOST = /(^|\.)(example\.(com|net|org)|example|invalid|test|localhost)$/;
/** Address blocks reserved for documentation (RFC 5737, RFC 3849): no real client sends from them. */
const DOCUMENTATION_CIDRS = [/^192\.0\.2\./, /^198\.51\.100\./, /^203\.0\.113\./, /^2001:db8:/i];
const CIDR = /^[0-9a-f.:]+\/\d{1,3}$/i;
/** AWS's documentation account (IAM User Guide examples): no real role or connection lives in it. */
const DOCUMENTATION_ACCOUNT = /^arn:aws[a-z-]*:[a-z0-9-]+:[a-z0-9-]*:111122223333:/;
/** GitHub's reserved example owners: no repository of a team's is there. */
const EXAMPLE_REPOSITORY = /^(example-org|example|octo-org|your-org)\//;
/** How the stack files mark a secret still to be set (see the comment above the receivers in Pulumi.prod.yaml). */
const PLACEHOLDER_CIPHERTEXT = /placeholder/i;

const quote = (s: string) => `'${s.replace(/'/g, "'\\''")}'`;

/** Dotted `--path` forms of every config value, as `pulumi config set --path` takes them. */
function configPaths(raw: Record<string, unknown>): { path: string; value: unknown }[] {
  const out: { path: string; value: unknown }[] = [];
  const walk = (at: string, value: unknown): void => {
    out.push({ path: at, value });
    if (Array.isArray(value)) value.forEach((v, i) => walk(`${at}[${i}]`, v));
    else if (value && typeof value === "object") for (const [k, v] of Object.entries(value)) walk(`${at}.${k}`, v);
  };
  for (const [key, value] of Object.entries(raw)) walk(key, value);
  return out;
}

/** Every container image the render names (pod specs, CloudNativePG image catalogs and extensions). */
export function renderedImages(inventory: InventoryEntry[]): string[] {
  const images = new Set<string>();
  const walk = (key: string | undefined, value: unknown): void => {
    if (typeof value === "string" && (key === "image" || key === "reference") && /[:@]/.test(value)) images.add(value);
    else if (Array.isArray(value)) value.forEach((v) => walk(key, v));
    else if (value && typeof value === "object") for (const [k, v] of Object.entries(value)) walk(k, v);
  };
  for (const e of inventory.filter((e) => e.type.startsWith("kubernetes:") && !e.type.startsWith("kubernetes:helm.sh/"))) walk(undefined, e.inputs);
  return [...images].sort();
}

function registryHost(image: string): string | undefined {
  const first = image.split("/")[0];
  return image.includes("/") && /[.:]/.test(first) ? first.split(":")[0] : undefined;
}

export function preflightChecks(input: PreflightInput): PreflightResult {
  const { stack, config, raw, secure, run } = input;
  const at = ` --stack ${stack}`;
  const paths = configPaths(raw);
  const keyOf = (value: string) => paths.find((p) => p.value === value)?.path;
  const checks: Check[] = [];
  const add: AddCheck = (group, kind, what, command) => checks.push({ group, kind, what, command });

  // --- Placeholders ---
  const images = renderedImages(run.inventory);
  const isPlaceholder = (image: string) => RESERVED_HOST.test(registryHost(image) ?? "");
  for (const image of images) {
    const host = registryHost(image);
    if (host && isPlaceholder(image)) {
      const key = keyOf(image) ?? "<key naming the image>";
      add("Placeholders", "placeholder", `${key} = ${image}: ${host} is reserved for documentation`, `pulumi config set --path ${quote(key)} <registry>/<repository>:<tag>${at}`);
    }
  }
  for (const s of secure) {
    const key = s.key.startsWith(`${PROJECT}:`) ? s.key.slice(PROJECT.length + 1) : s.key;
    const full = s.path ? `${key}.${s.path}` : key;
    if (PLACEHOLDER_CIPHERTEXT.test(s.ciphertext)) add("Placeholders", "placeholder", `${full}: secret is a placeholder ciphertext`, `pulumi config set --secret --path ${quote(full)} <value>${at}`);
    else add("Secrets", "confirm", `${full} decrypts with this stack's secrets provider`, `pulumi config get --path ${quote(full)}${at} >/dev/null`);
  }
  // Allow-lists: every list of CIDRs in the stack file.
  for (const p of paths.filter((p) => Array.isArray(p.value) && p.value.length > 0 && p.value.every((v) => typeof v === "string" && CIDR.test(v)))) {
    (p.value as string[]).forEach((cidr, i) => {
      const item = `${p.path}[${i}]`;
      if (DOCUMENTATION_CIDRS.some((d) => d.test(cidr))) add("Placeholders", "placeholder", `${item} = ${cidr}: a documentation range, no real client`, `pulumi config set --path ${quote(item)} <cidr>${at}`);
      else add("Allow-lists", "review", `${item} = ${cidr}: only these addresses reach it`, `pulumi config set --path ${quote(item)} <cidr>${at}`);
    });
  }

  // ARNs in AWS's documentation account and example repositories (the CI roles, the runner's connection).
  for (const p of paths.filter((p) => typeof p.value === "string")) {
    const value = p.value as string;
    if (DOCUMENTATION_ACCOUNT.test(value)) add("Placeholders", "placeholder", `${p.path} = ${value}: 111122223333 is AWS's documentation account`, `pulumi config set --path ${quote(p.path)} <arn in this stack's account>${at}`);
    else if (p.path.endsWith(".repository") && EXAMPLE_REPOSITORY.test(value)) add("Placeholders", "placeholder", `${p.path} = ${value}: an example repository`, `pulumi config set --path ${quote(p.path)} <owner>/<repository>${at}`);
  }

  if (config.engine.exposure.targetType === "ip") {
    add(
      "Cluster",
      "confirm",
      "the AWS Load Balancer Controller (v2.2 or later) runs in the cluster: engine.exposure.targetType ip needs it, and this program does not install it",
      "kubectl -n kube-system get deployment aws-load-balancer-controller -o jsonpath='{.spec.template.spec.containers[0].image}'",
    );
  }
  if (config.clusterMode === "eks") eksChecks(input, add);
  else {
    const { kubeconfig, kubernetesVersion } = config.existingCluster;
    const flags = `${kubeconfig.path ? ` --kubeconfig ${kubeconfig.path}` : ""}${kubeconfig.context ? ` --context ${kubeconfig.context}` : ""}`;
    add("Cluster", "confirm", `existingCluster.kubeconfig reaches a cluster at Kubernetes ${kubernetesVersion} (serverVersion)`, `kubectl${flags} version -o json`);
    add(
      "Cluster",
      "confirm",
      `engine nodes are labelled, tainted and verified (existingCluster.engineNode; the engine requires ${LATENCY_VERIFIED_LABEL.key}=${LATENCY_VERIFIED_LABEL.value})`,
      `kubectl${flags} get nodes -l ${ENGINE_NODE_SELECTOR.key}=${ENGINE_NODE_SELECTOR.value},${LATENCY_VERIFIED_LABEL.key}=${LATENCY_VERIFIED_LABEL.value} -o custom-columns=NAME:.metadata.name,TAINTS:.spec.taints`,
    );
  }

  registryChecks(images, input.policy, (host) => RESERVED_HOST.test(host), keyOf, stack, add);

  // --- Helm charts, from the render ---
  for (const chart of run.inventory.filter((e) => e.type.startsWith("kubernetes:helm.sh/"))) {
    const { chart: name, version, repositoryOpts } = chart.inputs as { chart: string; version: string; repositoryOpts?: { repo?: string } };
    const repo = repositoryOpts?.repo ?? "";
    add("Helm charts", "confirm", `${name} ${version} (${repo})`, `helm show chart ${name} --repo ${repo} --version ${version}`);
  }
  // --- Container images ---
  for (const image of images.filter((i) => !isPlaceholder(i))) add("Container images", "confirm", image, `crane digest ${image}`);

  return { stack, tier: config.tier, checks };
}

/** The AWS side: account and region, the AMI release, add-ons for the Kubernetes version, instance types, managed policies. */
function eksChecks(input: PreflightInput, add: AddCheck): void {
  const { config, run } = input;
  if (config.clusterMode !== "eks") return;
  const region = input.region ?? "";
  const inRegion = region ? ` --region ${region}` : "";
  const k8s = config.cluster.kubernetesVersion;
  add("AWS account", "confirm", `credentials for the account that will own the stack (region ${region || "from the environment"})`, `aws sts get-caller-identity`);
  if (config.cluster.adminRoleArns.length === 0) {
    add(
      "AWS account",
      "review",
      "cluster.adminRoleArns is empty: people reach the cluster's API only as the identity that created it; CI reaches it through cluster.ciAccess",
      `pulumi config set --path 'cluster.adminRoleArns[0]' arn:aws:iam::<account>:role/<role> --stack ${input.stack}`,
    );
  }
  const { previewRoleArn, deployRoleArn } = config.cluster.ciAccess;
  for (const arn of [previewRoleArn, deployRoleArn, ...config.cluster.adminRoleArns]) {
    add("CI and access", "confirm", `${arn} exists (an EKS access entry is made for it)`, `aws iam get-role --role-name ${arn.split("/").pop()} --query Role.Arn --output text`);
  }
  const runner = config.ciRunner;
  add("CI and access", "confirm", `ciRunner.connectionArn is AVAILABLE (its GitHub handshake is done once, in the console)`, `aws codeconnections get-connection${inRegion} --connection-arn ${runner.connectionArn} --query Connection.ConnectionStatus --output text`);
  const variable = `CI_RUNNER_PROJECT_${input.stack.toUpperCase().replace(/[^A-Z0-9]/g, "_")}`;
  add("CI and access", "confirm", `repository variable ${variable} names this stack's runner (pulumi stack output ciRunnerProject) after the bootstrap (docs/ci-cd.md)`, `gh variable list --repo ${runner.repository} | grep ${variable}`);
  const account = { stack: input.stack, inventory: run.inventory, region, kubernetesVersion: k8s, nodeAmiRelease: config.cluster.nodeAmiRelease };
  quotaChecks(account, add);
  capacityChecks(account, add);
  const parameters = run.invokes.filter((i) => i.token === "aws:ssm/getParameter:getParameter").map((i) => String(i.inputs.name));
  amiChecks(account, parameters, add);
  const nodes = nodeGroupsAtMax(run.inventory).reduce((sum, g) => sum + g.maxSize, 0);
  pullLimitChecks(run.inventory, nodes, run.inventory.filter((e) => e.type === "aws:ec2/eip:Eip").length, add);

  const cluster = run.inventory.find((e) => e.type === "eks:index:Cluster");
  const clusterInputs = (cluster?.inputs ?? {}) as { vpcCniOptions?: { addonVersion?: string }; kubeProxyAddonOptions?: { version?: string } };
  const addons: [string, string | undefined][] = [
    ["vpc-cni", clusterInputs.vpcCniOptions?.addonVersion],
    ["kube-proxy", clusterInputs.kubeProxyAddonOptions?.version],
    ...run.inventory.filter((e) => e.type === "aws:eks/addon:Addon").map((e) => [String(e.inputs.addonName), String(e.inputs.addonVersion)] as [string, string]),
  ];
  for (const [name, version] of addons) {
    if (!version) continue;
    add(
      `EKS add-ons for Kubernetes ${k8s}`,
      "confirm",
      `${name} ${version}`,
      `aws eks describe-addon-versions${inRegion} --kubernetes-version ${k8s} --addon-name ${name} --query "addons[].addonVersions[?addonVersion=='${version}'].addonVersion" --output text`,
    );
  }
  const instanceTypes = [...new Set(run.inventory.filter((e) => e.type === "aws:eks/nodeGroup:NodeGroup").flatMap((e) => (e.inputs.instanceTypes as string[] | undefined) ?? []))];
  for (const type of instanceTypes) {
    add(
      "Instance types",
      "confirm",
      `${type} is offered in the stack's zones`,
      `aws ec2 describe-instance-type-offerings${inRegion} --location-type availability-zone --filters Name=instance-type,Values=${type} --query "InstanceTypeOfferings[].Location" --output text`,
    );
  }
  const managed = [
    ...new Set(
      run.inventory
        .filter((e) => e.type === "aws:iam/rolePolicyAttachment:RolePolicyAttachment")
        .map((e) => String(e.inputs.policyArn))
        .filter((arn) => arn.startsWith("arn:aws:iam::aws:policy/")),
    ),
  ];
  for (const arn of managed) add("AWS managed policies", "confirm", `${arn.split("/").pop()} exists (its default version is what the roles get)`, `aws iam get-policy --policy-arn ${arn} --query Policy.DefaultVersionId --output text`);
}

/** 1 while a placeholder, or an image the gate would refuse, remains in a production-tier stack, else 0. */
export function exitCode(result: PreflightResult): number {
  return result.tier === "production" && result.checks.some((c) => BLOCKING.includes(c.kind)) ? 1 : 0;
}

const BLOCKING: CheckKind[] = ["placeholder", "refused"];

const MARK: Record<CheckKind, (production: boolean) => string> = {
  placeholder: (production) => (production ? "✗" : "!"),
  refused: (production) => (production ? "✗" : "!"),
  review: () => "?",
  confirm: () => "·",
};

export function formatReport(result: PreflightResult, stackFile: string, tools: Prerequisite[] = []): string {
  const production = result.tier === "production";
  const blocking = result.checks.filter((c) => BLOCKING.includes(c.kind)).length;
  const missing = tools.filter((t) => !t.found);
  const lines = [
    `preflight ${result.stack} (tier ${result.tier}, ${stackFile}): ${blocking} placeholder(s) or refused image(s)` +
      `${blocking && !production ? " (warnings outside production)" : ""}, ${result.checks.length - blocking} check(s) to run against the real world`,
    "  ✗/! placeholder to replace, or an image the policy gate refuses   ? review   · confirm (the command prints the value, or fails if it does not exist)",
  ];
  if (tools.length > 0) {
    lines.push("", `Prerequisites: the commands below run ${tools.map((t) => t.tool).join(", ")}${missing.length ? `; ${missing.length} not on PATH` : ""}`);
    for (const t of missing) lines.push(`  ! ${t.tool} is not on PATH: ${t.install}`);
  }
  for (const group of [...new Set(result.checks.map((c) => c.group))]) {
    lines.push("", group);
    for (const c of result.checks.filter((x) => x.group === group)) lines.push(`  ${MARK[c.kind](production)} ${c.what}: ${c.command}`);
  }
  return lines.join("\n");
}

const USAGE = "npm run preflight -- --stack <stack> [--config-dir DIR]";

async function main(): Promise<void> {
  const flags = parseFlags(USAGE, { stack: { type: "string" }, "config-dir": { type: "string" } });
  const configDir = flags["config-dir"] === undefined ? REPO_ROOT : existingDir(flags["config-dir"], "--config-dir");
  const stack = requireStack(flags.stack, configDir, USAGE);
  // The render's loader: the same values, the same validation, secrets standing in as placeholders.
  const { config: all, secretKeys } = readStackConfig(stack, configDir);
  const raw = projectConfig(all);
  // The whole stack file's rules (strays, aws:region, credentials), as the render applies them.
  const config = parseStackConfig(all, stack, (key) => secretKeys.includes(key));
  const run = await runStack(stack, { configDir });
  const policyFile = path.join(REPO_ROOT, "policy", "config", `${stack}.json`);
  const policy = existsSync(policyFile) ? registryPolicy(path.relative(process.cwd(), policyFile), JSON.parse(readFileSync(policyFile, "utf8")) as Record<string, unknown>) : undefined;
  const result = preflightChecks({ stack, config, raw, secure: readSecureValues(stack, configDir), region: all["aws:region"], run, policy });
  console.log(formatReport(result, path.relative(process.cwd(), path.join(configDir, `Pulumi.${stack}.yaml`)), prerequisites(result.checks, onPath)));
  process.exitCode = exitCode(result);
}

if (require.main === module) runMain(main);
