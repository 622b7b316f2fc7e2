import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { REPO_ROOT } from "../tools/harness";
import { installMocks } from "../tools/mocks";
import { runChecks } from "../tools/render-checks";
import { kubernetesManifests } from "../tools/render";

const scratch = mkdtempSync(path.join(tmpdir(), "hft-render-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function render(stack: string, configDir: string, out: string) {
  return spawnSync(process.execPath, [path.join(REPO_ROOT, "tools/run.cjs"), "tools/render.ts", "--stack", stack, "--config-dir", configDir, "--out", out], {
    cwd: REPO_ROOT,
    encoding: "utf8",
  });
}

describe("render CLI", () => {
  it("rejects a prod copy with a non-c6i engine type and too many IOPS, names both keys and the file, writes nothing", () => {
    const prod = readFileSync(path.join(REPO_ROOT, "Pulumi.prod.yaml"), "utf8");
    const broken = prod.replace("instanceType: c6i.metal", "instanceType: m5.large").replace("iops: 16000", "iops: 20000");
    expect(broken).not.toBe(prod);
    writeFileSync(path.join(scratch, "Pulumi.prod-copy.yaml"), broken);
    const out = path.join(scratch, "out-prod-copy");

    const result = render("prod-copy", scratch, out);

    expect(result.status).toBe(1);
    expect(result.stderr).toContain("Invalid stack configuration in Pulumi.prod-copy.yaml (2 problems)");
    expect(result.stderr).toMatch(/hft-platform:engineNodes\.instanceType: "m5\.large" is not allowed; allowed: c6i\.metal/);
    expect(result.stderr).toMatch(/hft-platform:storage\.fastSsd\.iops: 20000 is not allowed; allowed: an integer from 3000 to 16000/);
    expect(result.stderr).not.toMatch(/\n\s+at /); // a config error is a message for the user, not a stack trace
    expect(existsSync(out)).toBe(false);
  });

  it("refuses a dev copy whose 5Gi Redis claim is on a 6000-IOPS fast-ssd, naming the claim's key and the file", () => {
    const dev = readFileSync(path.join(REPO_ROOT, "Pulumi.dev.yaml"), "utf8");
    const broken = dev.replace("      iops: 3000\n", "      iops: 6000\n");
    expect(broken).not.toBe(dev);
    expect(broken).toContain("storageSize: 5Gi");
    writeFileSync(path.join(scratch, "Pulumi.dev-iops.yaml"), broken);
    const out = path.join(scratch, "out-dev-iops");

    const result = render("dev-iops", scratch, out);

    expect(result.status).toBe(1);
    expect(result.stderr).toContain("Invalid stack configuration in Pulumi.dev-iops.yaml");
    expect(result.stderr).toMatch(/hft-platform:redis\.storageSize: "5Gi" is not allowed; allowed: at least 12Gi on fast-ssd/);
    expect(result.stderr).toMatch(/or storage\.fastSsd\.iops at most 3000 for 5Gi/);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(existsSync(out)).toBe(false);
  });

  it("names a missing StorageClass mapping of a local copy, what the class is for, and writes nothing", () => {
    const local = readFileSync(path.join(REPO_ROOT, "Pulumi.local.yaml"), "utf8");
    const broken = local.replace("      fastSsd: standard\n", "");
    expect(broken).not.toBe(local);
    writeFileSync(path.join(scratch, "Pulumi.local-copy.yaml"), broken);
    const out = path.join(scratch, "out-local-copy");

    const result = render("local-copy", scratch, out);

    expect(result.status).toBe(1);
    expect(result.stderr).toContain("Invalid stack configuration in Pulumi.local-copy.yaml (1 problem)");
    expect(result.stderr).toMatch(
      /hft-platform:existingCluster\.storageClasses\.fastSsd: missing; allowed: the StorageClass for latency-sensitive block volumes .* \(set it in Pulumi\.local-copy\.yaml\)/,
    );
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(existsSync(out)).toBe(false);
  });

  it("renders a valid stack file from another folder", () => {
    writeFileSync(path.join(scratch, "Pulumi.dev-copy.yaml"), readFileSync(path.join(REPO_ROOT, "Pulumi.dev.yaml"), "utf8"));
    const out = path.join(scratch, "out-dev-copy");
    const result = render("dev-copy", scratch, out);
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    const inventory = JSON.parse(readFileSync(path.join(out, "inventory.json"), "utf8"));
    expect(inventory.some((r: any) => r.type === "eks:index:Cluster")).toBe(true);
    expect(existsSync(path.join(out, "manifests/_cluster/StorageClass-fast-ssd.yaml"))).toBe(true);
    expect(readFileSync(path.join(out, "charts/monitoring/kube-prometheus-stack.yaml"), "utf8")).toMatch(/^chart: kube-prometheus-stack$/m);

    // The next render writes over this one's files: what it does not write again is gone.
    const before = readFileSync(path.join(out, "manifests/_cluster/StorageClass-fast-ssd.yaml"), "utf8");
    mkdirSync(path.join(out, "manifests/retired"));
    writeFileSync(path.join(out, "manifests/retired/ConfigMap-old.yaml"), "kind: ConfigMap\n");
    writeFileSync(path.join(out, "policy-report.json"), "{}\n");
    expect(render("dev-copy", scratch, out).status).toBe(0);
    expect(existsSync(path.join(out, "manifests/retired"))).toBe(false);
    expect(existsSync(path.join(out, "policy-report.json"))).toBe(false);
    expect(existsSync(`${out}.partial`)).toBe(false);
    expect(readFileSync(path.join(out, "manifests/_cluster/StorageClass-fast-ssd.yaml"), "utf8")).toBe(before);
    expect(JSON.parse(readFileSync(path.join(out, "inventory.json"), "utf8"))).toEqual(inventory);
  });
});

describe("a failed render", () => {
  it("leaves the last good render of prod as it was: a config error, pods that do not fit", () => {
    const dir = mkdtempSync(path.join(scratch, "prod-"));
    const prod = readFileSync(path.join(REPO_ROOT, "Pulumi.prod.yaml"), "utf8");
    const out = path.join(dir, "out-prod");
    writeFileSync(path.join(dir, "Pulumi.prod.yaml"), prod);
    expect(render("prod", dir, out).status).toBe(0);
    const good = readFileSync(path.join(out, "inventory.json"));
    const files = readdirSync(out, { recursive: true }).sort();

    const broken = {
      config: prod.replace(/^(\s+cpu:) "?\d+"?$/m, '$1 "7"'),
      capacity: prod.replace("      - m6i.4xlarge", "      - m6i.large"),
    };
    for (const [why, text] of Object.entries(broken)) {
      expect(text, why).not.toBe(prod);
      writeFileSync(path.join(dir, "Pulumi.prod.yaml"), text);
      const result = render("prod", dir, out);
      expect(result.status, why).toBe(1);
      expect(result.stderr, why).toContain("Invalid stack configuration in Pulumi.prod.yaml");
      expect(readFileSync(path.join(out, "inventory.json")).equals(good), why).toBe(true);
      expect(readdirSync(out, { recursive: true }).sort(), why).toEqual(files);
      expect(readdirSync(dir).sort(), why).toEqual(["Pulumi.prod.yaml", "out-prod"]);
    }
  });
});

describe("the render's checks on a worker", () => {
  const badConfigMap = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "cm", labels: { tier: 3 } } };
  // A tool started by tools/run.cjs, as the render is, so the checks run on a worker thread.
  function onWorker(input: string): { status: number | null; stdout: string; stderr: string } {
    const tool = path.join(scratch, `checks-${Math.random().toString(36).slice(2)}.ts`);
    writeFileSync(
      tool,
      [
        `const { startChecks } = require(${JSON.stringify(path.join(REPO_ROOT, "tools", "render-checks.ts"))});`,
        `startChecks().run(${input}).then((r) => console.log(JSON.stringify(r)), (e) => { console.log("failed: " + e.message.split("\\n")[0]); });`,
        "",
      ].join("\n"),
    );
    return spawnSync(process.execPath, [path.join(REPO_ROOT, "tools", "run.cjs"), tool], { cwd: REPO_ROOT, encoding: "utf8" });
  }

  it("report what the same checks report in the render's own thread", async () => {
    const input = { manifests: [{ file: "cm.yaml", object: badConfigMap }], inventory: [] };
    const result = onWorker(JSON.stringify(input));
    expect(result.stderr).toBe("");
    const reports = JSON.parse(result.stdout);
    expect(reports.schema.errors).toHaveLength(1);
    expect(reports).toEqual(await runChecks(input));
  });

  it("fail the render with the worker's error when a check throws", () => {
    const result = onWorker(`{ manifests: [], inventory: null }`);
    expect(result.stdout).toMatch(/^failed: TypeError: /);
  });
});

describe("the offline harness", () => {
  it("tracks the SDK's promises without a stack trace for each, and leaves the stack limit as it was", async () => {
    await installMocks("dev");
    const debuggable = createRequire(__filename)("@pulumi/pulumi/runtime/debuggable") as { debuggablePromise(p: Promise<unknown>, ctx: string): Promise<unknown> };
    const limit = Error.stackTraceLimit;
    const tracked = Promise.resolve(1);
    expect(await debuggable.debuggablePromise(tracked, "a test")).toBe(1);
    const debug = tracked as unknown as { _debugCtx: string; _debugStackTrace: string };
    expect(debug._debugCtx).toBe("a test");
    expect(debug._debugStackTrace).toMatch(/^Error/);
    // With PULUMI_DEBUG_PROMISE_LEAKS set, the leak report gets its stacks.
    if (process.env.PULUMI_DEBUG_PROMISE_LEAKS) expect(debug._debugStackTrace).toMatch(/\n\s+at /);
    else expect(debug._debugStackTrace).not.toMatch(/\n\s+at /);
    expect(Error.stackTraceLimit).toBe(limit);
  });
});

describe("manifest extraction", () => {
  it("refuses a Kubernetes object without a stable name", () => {
    expect(() =>
      kubernetesManifests([
        { urn: "urn:x", type: "kubernetes:core/v1:ConfigMap", name: "cm", custom: true, inputs: { apiVersion: "v1", kind: "ConfigMap", metadata: {} } },
      ]),
    ).toThrow(/has no metadata.name/);
  });

  it("files namespaced objects under their namespace and leaves providers and charts out", () => {
    const manifests = kubernetesManifests([
      { urn: "a", type: "kubernetes:core/v1:ConfigMap", name: "cm", custom: true, inputs: { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "cfg", namespace: "hft-trading" } } },
      { urn: "b", type: "pulumi:providers:kubernetes", name: "k8s", custom: true, inputs: {} },
      { urn: "c", type: "kubernetes:helm.sh/v4:Chart", name: "chart", custom: false, inputs: { chart: "x" } },
    ]);
    expect(manifests.map((m) => m.file)).toEqual([path.join("hft-trading", "ConfigMap-cfg.yaml")]);
  });
});
