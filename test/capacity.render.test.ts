import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { REPO_ROOT } from "../tools/harness";

const scratch = mkdtempSync(path.join(tmpdir(), "hft-capacity-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function render(stack: string, configDir: string, out: string) {
  return spawnSync(process.execPath, [path.join(REPO_ROOT, "tools/run.cjs"), "tools/render.ts", "--stack", stack, "--config-dir", configDir, "--out", out], {
    cwd: REPO_ROOT,
    encoding: "utf8",
  });
}

/** A copy of a real stack file with one edit, saved as another stack in the scratch folder. */
function copyOf(stack: string, name: string, edit: (text: string) => string): void {
  const original = readFileSync(path.join(REPO_ROOT, `Pulumi.${stack}.yaml`), "utf8");
  const changed = edit(original);
  expect(changed).not.toBe(original);
  writeFileSync(path.join(scratch, `Pulumi.${name}.yaml`), changed);
}

describe("render with the capacity and cost models", () => {
  it("writes dev's capacity.json (fits at full scale) and cost.json, and prints the utilization table", () => {
    copyOf("dev", "dev-copy", (t) => t.replace("# dev:", "# dev copy:"));
    const out = path.join(scratch, "out-dev");
    const result = render("dev-copy", scratch, out);
    expect(result.status, result.stderr).toBe(0);
    const capacity = JSON.parse(readFileSync(path.join(out, "capacity.json"), "utf8"));
    expect(capacity).toMatchObject({ fits: true, unschedulable: [], nMinus1: { fits: true } });
    expect(capacity.nodeGroups.map((g: { name: string; nodes: number }) => [g.name, g.nodes])).toEqual([
      ["hft-engine", 2],
      ["hft-system", 2],
    ]);
    const cost = JSON.parse(readFileSync(path.join(out, "cost.json"), "utf8"));
    expect(cost.monthly).toBeGreaterThan(0);
    expect(cost.items.map((i: { resource: string }) => i.resource)).toContain("EC2 c6i.4xlarge (hft-engine)");
    expect(result.stdout).toMatch(/hft-system\s+2x m6i\.xlarge\s+cpu\s+[\d.]+\/[\d.]+\s+\d+%/);
    expect(result.stdout).toMatch(/cost: \$[\d.]+\/month on demand/);
  });

  it("fails a prod copy whose system nodes are m6i.large, naming pods, the group and the file, and writes nothing", () => {
    copyOf("prod", "prod-small", (t) => t.replace("      - m6i.4xlarge", "      - m6i.large"));
    const out = path.join(scratch, "out-prod-small");
    const result = render("prod-small", scratch, out);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("Invalid stack configuration in Pulumi.prod-small.yaml");
    // One line per workload, not per replica, naming the key that sizes its pods and the node group's.
    expect(result.stderr).toMatch(
      / {2}- 2 pods of monitoring\/prometheus \(0, 1\) do not fit at full scale .*hft-system \(m6i\.large x3\): insufficient cpu .*; change monitoring\.prometheus\.resources\.requests\.cpu \(per pod\) or systemNodes \(their instance type and count\)\n/,
    );
    expect(result.stderr).toMatch(/3 pods of hft-data\/timescaledb \(0, 1, 2\) do not fit.*change timescaledb\.resources\.cpu \(per pod\) or systemNodes/);
    expect(result.stderr.match(/monitoring\/prometheus-?\d/g)).toBeNull();
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(existsSync(out)).toBe(false);
    expect(existsSync(`${out}.partial`)).toBe(false);
  });

  it("refuses a chart version the capacity model does not describe as a config error naming its key and the file", () => {
    copyOf("prod", "prod-chart", (t) => t.replace("      version: 88.5.3", "      version: 88.6.0"));
    const out = path.join(scratch, "out-prod-chart");
    const result = render("prod-chart", scratch, out);
    expect(result.status).toBe(1);
    expect(result.stderr.trim().split("\n")).toEqual([
      "Invalid stack configuration in Pulumi.prod-chart.yaml (1 problem):",
      '  - hft-platform:monitoring.kubePrometheusStack.version: "88.6.0" is not allowed; allowed: 88.5.3, the version whose pods the capacity model knows ' +
        "(for another, read its templates and describe it in tools/data/chart-pods.ts) (set it in Pulumi.prod-chart.yaml)",
    ]);
    expect(existsSync(out)).toBe(false);
  });

  it("refuses a dev copy whose reserved CPUs split a core, naming the key and the whole-core set", () => {
    copyOf("dev", "dev-split", (t) => t.replace('reservedSystemCpus: "0,8"', 'reservedSystemCpus: "0-1"'));
    const out = path.join(scratch, "out-dev-split");
    const result = render("dev-split", scratch, out);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("Invalid stack configuration in Pulumi.dev-split.yaml (1 problem)");
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(result.stderr).toMatch(/engineNodes\.reservedSystemCpus: "0-1" is not allowed/);
    expect(result.stderr).toMatch(/CPU 0 shares its core with 8, e\.g\. "0-1,8-9"/);
    expect(existsSync(out)).toBe(false);
  });
});
