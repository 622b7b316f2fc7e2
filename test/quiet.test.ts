import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { REPO_ROOT } from "../tools/harness";

const scratch = mkdtempSync(path.join(tmpdir(), "hft-quiet-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** A stack's render and gate in one process, as npm run check runs them, into the scratch folder. */
function check(stack: string, env: Record<string, string>) {
  const out = path.join(scratch, `out-${stack}-${Object.keys(env).length}`);
  const args = ["tools/render.ts", "--stack", stack, "--out", out, "+", "tools/policy-gate.ts", "--stack", stack, "--inventory", path.join(out, "inventory.json"), "--report", path.join(out, "policy-report.json")];
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== "HFT_QUIET"));
  return spawnSync(process.execPath, [path.join(REPO_ROOT, "tools", "run.cjs"), ...args], { cwd: REPO_ROOT, encoding: "utf8", env: { ...inherited, ...env } });
}

describe("npm test's check, quiet", () => {
  it("prints a stack's verdicts and counts in six lines; run alone, the tools print their tables", () => {
    const quiet = check("dev", { HFT_QUIET: "1" });
    expect(quiet.status, quiet.stderr).toBe(0);
    const lines = quiet.stdout.trimEnd().split("\n");
    expect(lines).toHaveLength(6);
    expect(lines[0]).toMatch(/^render dev: \d+ resources, \d+ Kubernetes objects, .* \(\d+\.\ds\)$/);
    expect(lines[1]).toMatch(/^capacity: fits at full scale/);
    expect(lines[2]).toMatch(/^cost: \$[\d.]+\/month/);
    expect(lines[3]).toMatch(/^network: (\d+)\/\1 needed flows allowed; \d+ allowed pairs, \d+ unexplained/);
    expect(lines[4]).toMatch(/^policy gate dev: \d+ of \d+ rules over \d+ resources/);
    // dev's advisories are in the report file; the verdict counts them.
    expect(lines[5]).toMatch(/^pass: 0 mandatory, [1-9]\d* advisory violation\(s\) -> /);

    const full = check("dev", {});
    expect(full.status, full.stderr).toBe(0);
    expect(full.stdout).toMatch(/^ {2}hft-engine +\dx c6i\./m);
    expect(full.stdout).toMatch(/^ {2}✓ container-resources-set /m);
    expect(full.stdout).toMatch(/^ {2}\[advisory\] /m);
  });

  it("npm test takes --verbose and nothing else", () => {
    const result = spawnSync(process.execPath, [path.join(REPO_ROOT, "tools", "test.cjs"), "--quiet"], { cwd: REPO_ROOT, encoding: "utf8" });
    expect(result.status).toBe(2);
    expect(result.stderr).toBe("unknown argument --quiet; usage: npm test [-- --verbose]\n");
  });
});
