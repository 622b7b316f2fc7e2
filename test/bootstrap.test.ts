import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { parse } from "yaml";
import { REPO_ROOT, runStack, StackRun } from "../tools/harness";
import { InventoryEntry } from "../tools/inventory";
import { problems } from "./stack-config";

/**
 * The first deploy of an eks stack (docs/deploy.md): an `up` with `hft-platform:bootstrap: true` from
 * outside the VPC, then every `up` without it from the in-VPC runner. Neither `--exclude` nor
 * `--target` can do the first step: the engine always includes provider resources, and a provider-
 * constructed component (the helm v4 Chart) is constructed before any filter applies, failing with
 * "configured Kubernetes cluster is unreachable" (engine facts with sources in docs/deploy.md). So
 * the bootstrap must not register a Kubernetes provider or anything through one.
 */

const stackFiles = readdirSync(REPO_ROOT).filter((f) => /^Pulumi\.[^.]+\.yaml$/.test(f));
const stackOf = (file: string) => file.slice("Pulumi.".length, -".yaml".length);
const config = (file: string) => (parse(readFileSync(path.join(REPO_ROOT, file), "utf8")) as { config?: Record<string, unknown> }).config ?? {};
const eksStacks = stackFiles.filter((f) => (config(f)["hft-platform:clusterMode"] ?? "eks") === "eks").map(stackOf);

/**
 * IAM service prefixes (Service Authorization Reference, "Actions, resources, and condition keys for
 * AWS services", read 2026-12-07) of the pulumi-aws modules and invokes the program uses.
 */
const IAM_PREFIX: Record<string, string> = {
  ec2: "ec2",
  vpc: "ec2",
  eks: "eks",
  iam: "iam",
  kms: "kms",
  efs: "elasticfilesystem",
  s3: "s3",
  cloudwatch: "logs",
  codebuild: "codebuild",
  ssm: "ssm",
};

/** The partition lookup is answered from the provider's own configuration, with no AWS call (terraform-provider-aws's aws_partition data source). */
const LOCAL_INVOKES = ["aws:index/getPartition:getPartition"];

/** The IAM services of the deploy role's table in docs/deploy.md. */
function deployRoleServices(): string[] {
  const section = readFileSync(path.join(REPO_ROOT, "docs/deploy.md"), "utf8").split(/^## /m).find((s) => s.startsWith("The deploy role's permissions")) ?? "";
  return [...section.matchAll(/^\| `([a-z0-9-]+)` \|/gm)].map((m) => m[1]);
}

const isKubernetes = (e: InventoryEntry) => e.type.startsWith("kubernetes:") || e.type === "pulumi:providers:kubernetes";

const scratch = mkdtempSync(path.join(tmpdir(), "hft-bootstrap-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** The same stack file with the bootstrap key set, as `pulumi config set hft-platform:bootstrap true` leaves it. */
async function bootstrapRun(stack: string): Promise<StackRun> {
  const file = readFileSync(path.join(REPO_ROOT, `Pulumi.${stack}.yaml`), "utf8");
  const dir = mkdtempSync(path.join(scratch, `${stack}-`));
  writeFileSync(path.join(dir, `Pulumi.${stack}.yaml`), `${file.trimEnd()}\n  hft-platform:bootstrap: "true"\n`);
  return runStack(stack, { configDir: dir });
}

it("has eks stacks to bootstrap", () => {
  expect(eksStacks.length).toBeGreaterThan(0);
});

describe.each(eksStacks)("%s: platform-only bootstrap, then the full stack", (stack) => {
  let bootstrap: StackRun;
  let full: StackRun;
  beforeAll(async () => {
    // Each run evaluates index.ts afresh.
    vi.resetModules();
    bootstrap = await bootstrapRun(stack);
    vi.resetModules();
    full = await runStack(stack);
  });

  it("registers no Kubernetes provider and no Kubernetes object or chart", () => {
    expect(bootstrap.inventory.filter(isKubernetes).map((e) => e.urn)).toEqual([]);
    expect(bootstrap.inventory.filter((e) => e.provider?.includes("pulumi:providers:kubernetes"))).toEqual([]);
  });

  it("creates what the runner needs to exist and to reach the cluster, and exports the runner's project", () => {
    const types = new Set(bootstrap.inventory.map((e) => e.type));
    for (const type of ["aws:ec2/vpc:Vpc", "aws:ec2/natGateway:NatGateway", "eks:index:Cluster", "aws:eks/nodeGroup:NodeGroup", "aws:eks/addon:Addon", "aws:efs/fileSystem:FileSystem", "aws:codebuild/project:Project", "aws:codebuild/webhook:Webhook"]) {
      expect(types.has(type), type).toBe(true);
    }
    expect(bootstrap.outputs.ciRunnerProject).toBe(full.outputs.ciRunnerProject);
    expect(bootstrap.outputs.ciRunnerProject).toMatch(/-ci-runner$/);
    expect(bootstrap.outputs.engineStatefulSet).toBeUndefined();
  });

  it("is a part of the full stack, resource for resource and input for input: the full up changes none of it", () => {
    const inFull = new Map(full.inventory.map((e) => [e.urn, e]));
    for (const e of bootstrap.inventory) {
      const same = inFull.get(e.urn);
      expect(same, `${e.urn} would be deleted by the full up`).toBeDefined();
      expect(same!.inputs, e.urn).toEqual(e.inputs);
      expect(same!.protect, e.urn).toEqual(e.protect);
    }
  });

  it("needs no AWS permission docs/deploy.md does not give the deploy role", () => {
    const table = deployRoleServices();
    const needed = new Set<string>();
    for (const e of full.inventory.filter((e) => e.custom && e.type.startsWith("aws:"))) needed.add(IAM_PREFIX[e.type.split(/[:/]/)[1]] ?? `unmapped module ${e.type}`);
    for (const i of full.invokes.filter((i) => i.token.startsWith("aws:") && !LOCAL_INVOKES.includes(i.token))) needed.add(IAM_PREFIX[i.token.split(/[:/]/)[1]] ?? (i.token.startsWith("aws:index/getAvailabilityZones") ? "ec2" : `unmapped invoke ${i.token}`));
    if (full.inventory.some((e) => e.type === "aws:codebuild/project:Project" && JSON.stringify(e.inputs).includes('"CODECONNECTIONS"'))) needed.add("codeconnections");
    // pulumi-eks's cluster, roles and OIDC provider are inside its component: eks, iam and ec2 already cover them.
    expect([...needed].filter((p) => !table.includes(p))).toEqual([]);
  });

  it("leaves out exactly the Kubernetes side: what the full stack adds goes through a Kubernetes provider or is one", () => {
    const inBootstrap = new Set(bootstrap.inventory.map((e) => e.urn));
    const added = full.inventory.filter((e) => !inBootstrap.has(e.urn));
    const byUrn = new Map(full.inventory.map((e) => [e.urn, e]));
    // A component or a generated password counts as Kubernetes side when everything it holds is.
    const children = (urn: string) => full.inventory.filter((c) => c.parent === urn);
    const kubernetesSide = (e: InventoryEntry): boolean =>
      isKubernetes(e) || (e.type.startsWith("random:") && byUrn.get(e.parent ?? "")?.type.startsWith("hft:platform:") === true) || (!e.custom && children(e.urn).length > 0 && children(e.urn).every(kubernetesSide));
    expect(added.filter((e) => !kubernetesSide(e)).map((e) => e.urn)).toEqual([]);
    expect(added.filter(isKubernetes).length).toBe(full.inventory.filter(isKubernetes).length);
    expect(added.some((e) => e.type === "kubernetes:helm.sh/v4:Chart")).toBe(true);
  });
});

describe("bootstrap key", () => {
  it("is refused on an existing cluster, naming the key and the stack file", () => {
    const found = problems("local", { bootstrap: true });
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(/^hft-platform:bootstrap: .*EKS-only.*no platform side to create first.*Pulumi\.local\.yaml/);
  });

  it("is set in no committed stack file: the runner's up always deploys the whole stack", () => {
    for (const file of stackFiles) expect(Object.keys(config(file)), file).not.toContain("hft-platform:bootstrap");
  });
});
