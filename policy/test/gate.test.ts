import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InventoryEntry } from "../../tools/inventory";
import { chartExpectations, formatReport, GateInputError, runGate } from "../../tools/policy-gate";
import { readConfig, readInventory, REPO_ROOT } from "./harness";

const FIXTURE = path.join(__dirname, "fixtures", "prod-inventory.json");
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), "policy-gate-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, content: unknown): string {
  const file = path.join(dir, name);
  writeFileSync(file, JSON.stringify(content));
  return file;
}

/** The fixture with the engine's launch template allowing IMDSv1 and its engine container asking for 32 cores. */
function violatingInventory(): string {
  const inventory = readInventory(FIXTURE);
  const template = inventory.find((e) => e.type === "aws:ec2/launchTemplate:LaunchTemplate" && e.name === "hft-engine")!;
  (template.inputs.metadataOptions as Record<string, unknown>).httpTokens = "optional";
  const engine = inventory.find((e) => e.type === "kubernetes:apps/v1:StatefulSet" && e.name === "trading-engine")! as InventoryEntry & { inputs: any };
  const main = engine.inputs.spec.template.spec.containers[0];
  main.resources.requests.cpu = main.resources.limits.cpu = "32";
  return write("violating.json", inventory);
}

describe("the gate over the compliant fixture", () => {
  it("passes in prod with mandatory enforcement and says what it could not see", async () => {
    const report = await runGate({ stack: "prod", inventory: FIXTURE });
    expect(report.violations).toEqual([]);
    expect(report.summary).toMatchObject({ rules: 43, run: 43, disabled: 0, mandatory: 0, advisory: 0 });
    expect(report.unseen).toEqual([{ rule: "ebs-volume-encrypted", reason: "no aws:ebs/volume:Volume in the inventory" }]);
    expect(report.opaqueComponents.map((c) => c.type).sort()).toEqual(["eks:index:Cluster", "kubernetes:helm.sh/v4:Chart"]);
    const eks = report.rules.find((r) => r.rule === "eks-control-plane-logging")!;
    // Offline only the component's inputs are visible; the aws:eks/cluster:Cluster it creates is not.
    expect(eks.targets).toEqual({ "aws:eks/cluster:Cluster": 0, "eks:index:Cluster": 1 });
    expect(eks.judged).toBe(1);
  });

  it("prints beside a chart it cannot see into what the prod rules expect of its workloads", async () => {
    const report = await runGate({ stack: "prod", inventory: FIXTURE });
    const cnpg = report.opaqueComponents.find((c) => c.type === "kubernetes:helm.sh/v4:Chart" && c.name === "cnpg")!;
    expect(cnpg.expected).toEqual([
      expect.stringMatching(/^cloudnative-pg 0\.29\.0 Deployment cnpg-system\/cnpg-controller-manager: .*pdb program: the chart has no PodDisruptionBudget template/),
    ]);
    expect(report.opaqueComponents.find((c) => c.type === "eks:index:Cluster")!.expected).toBeUndefined();
    const text = formatReport(report, path.join(dir, "report.json"));
    expect(text).toContain("kubernetes:helm.sh/v4:Chart cnpg — expected under the prod pack (policy/README.md#charts):");
    expect(chartExpectations("cert-manager")).toContainEqual(expect.stringMatching(/cert-manager-cainjector: probes exempt: the template has no probes/));
    expect(chartExpectations("kube-prometheus-stack")).toContainEqual(
      "kube-prometheus-stack 88.5.3 StatefulSet monitoring/prometheus-kube-prometheus-stack-prometheus: not a Pulumi resource, not judged",
    );
  });

  it("lists a rule whose targets are present but none applicable, with the rule's reasons", async () => {
    const inventory = readInventory(FIXTURE).filter((e) => !(e.type === "kubernetes:apps/v1:StatefulSet" && e.name === "trading-engine"));
    const report = await runGate({ stack: "prod", inventory: write("no-engine.json", inventory) });
    const unseen = Object.fromEntries(report.unseen.map((u) => [u.rule, u.reason]));
    expect(unseen["engine-guaranteed-qos"]).toMatch(/^1 kubernetes:apps\/v1:Deployment, 1 kubernetes:apps\/v1:StatefulSet, 1 kubernetes:batch\/v1:CronJob present, none applicable \(the pod does not tolerate the engine taint\)$/);
    expect(unseen["engine-whole-cpus"]).toBeDefined();
  });
});

describe("the real renders", () => {
  for (const stack of ["dev", "prod"]) {
    it(`${stack} passes its own policy config without findings`, async (ctx) => {
      const inventory = path.join(REPO_ROOT, "out", stack, "inventory.json");
      ctx.skip(!existsSync(inventory), `out/${stack}/inventory.json is absent: run \`npm run render -- --stack ${stack}\` first`);
      const report = await runGate({ stack, inventory });
      expect(report.violations).toEqual([]);
      expect(report.config).toBe(`policy/config/${stack}.json`);
    });
  }
});

describe("enforcement levels and bounds per stack", () => {
  it("prod makes the findings mandatory; dev reports them as advisory under its own bounds", async () => {
    const inventory = violatingInventory();
    const prod = await runGate({ stack: "prod", inventory });
    expect(prod.violations.map((v) => [v.rule, v.level, v.name])).toEqual([["launch-template-imdsv2", "mandatory", "hft-engine"]]);

    const dev = await runGate({ stack: "dev", inventory });
    // 32 cores fit prod's 64-core bound but not dev's 16.
    expect(dev.violations.map((v) => [v.rule, v.level, v.message])).toEqual([
      ["container-resources-within-bounds", "advisory", expect.stringMatching(/requests\.cpu 32 exceeds the stack's maximum of 16 cores/)],
      ["container-resources-within-bounds", "advisory", expect.stringMatching(/limits\.cpu 32 exceeds/)],
      ["launch-template-imdsv2", "advisory", expect.stringMatching(/IMDSv1 is allowed/)],
    ]);
    expect(dev.summary.mandatory).toBe(0);
  });

  it("a per-rule level overrides all, and disabled rules are skipped and listed", async () => {
    const config = write("levels.json", {
      ...readConfig("prod"),
      "launch-template-imdsv2": { enforcementLevel: "advisory", maxHopLimit: 1 },
      "container-resources-within-bounds": { enforcementLevel: "disabled", maxCpu: 16, maxMemory: "64Gi" },
    });
    const report = await runGate({ stack: "prod", inventory: violatingInventory(), config });
    expect(report.violations.map((v) => [v.rule, v.level])).toEqual([["launch-template-imdsv2", "advisory"]]);
    expect(report.disabled).toEqual(["container-resources-within-bounds"]);
    expect(report.summary).toMatchObject({ run: 42, disabled: 1, mandatory: 0 });
  });

  it("applies the schema defaults under a config that names only the level", async () => {
    const config = write("all-only.json", { all: "mandatory" });
    const report = await runGate({ stack: "prod", inventory: violatingInventory(), config });
    // Defaults: maxCpu 16, registries registry.example.com and docker.io/library only, no metal or private endpoint required.
    expect([...new Set(report.violations.map((v) => v.rule))].sort()).toEqual(["container-resources-within-bounds", "image-registry-allowed", "launch-template-imdsv2"]);
    expect(report.violations.filter((v) => v.rule === "image-registry-allowed").map((v) => v.message).join("\n")).toMatch(/oliver006\/redis_exporter[\s\S]*fluent\/fluent-bit:3\.1\.9/);
  });
});

describe("invalid input", () => {
  it.each([
    [{ all: "mandatory", "no-such-rule": "advisory" }, /"no-such-rule" is not a rule of this pack/],
    [{ all: "strict" }, /"all" must be one of/],
    [{ "container-resources-within-bounds": { maxCpu: "lots" } }, /container-resources-within-bounds: \/maxCpu must be number/],
    [{ "eks-endpoint-access": { requirePrivate: true } }, /eks-endpoint-access: "requirePrivate" is not a setting of this rule/],
    [{ "launch-template-imdsv2": { enforcementLevel: "blocking" } }, /enforcementLevel "blocking" is not an enforcement level/],
    [{ "image-registry-allowed": { allowedRegistries: [] } }, /image-registry-allowed: \/allowedRegistries must NOT have fewer than 1 items/],
  ])("rejects config %j", async (config, message) => {
    await expect(runGate({ stack: "prod", inventory: FIXTURE, config: write("bad.json", config) })).rejects.toThrow(message);
  });

  it("tells to render first when the inventory is missing", async () => {
    const missing = runGate({ stack: "staging", inventory: path.join(dir, "absent.json") });
    await expect(missing).rejects.toBeInstanceOf(GateInputError);
    await expect(missing).rejects.toThrow(/run `npm run render -- --stack staging` first/);
  });
});

describe("the command line", () => {
  const gate = (...args: string[]) =>
    spawnSync(path.join(REPO_ROOT, "node_modules", ".bin", "tsx"), [path.join(REPO_ROOT, "tools", "policy-gate.ts"), ...args], { cwd: REPO_ROOT, encoding: "utf8" });

  it("writes the report, names each violating rule and resource, and fails on a mandatory violation", () => {
    const reportFile = path.join(dir, "report.json");
    const result = gate("--stack", "prod", "--inventory", violatingInventory(), "--report", reportFile);
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
});
