import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { parseStackConfig } from "../components/config";
import { ciStacks } from "../tools/ci-stacks";
import { diffInventories } from "../tools/diff";
import { tradingImpact } from "../tools/disruption";
import { readStackConfig, REPO_ROOT } from "../tools/harness";
import { InventoryEntry } from "../tools/inventory";
import { sessionAt } from "../tools/trading-session";

// The prod deploy's trading-session gate as up.yml runs it: its steps' scripts, executed with a
// scripted clock, a diff classified by tools/disruption.ts, and the workflow_dispatch override.

interface Step {
  name?: string;
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
  env?: Record<string, string>;
}
const up = parse(readFileSync(path.join(REPO_ROOT, ".github", "workflows", "up.yml"), "utf8")) as {
  on: { workflow_dispatch?: { inputs?: Record<string, { type: string; required: boolean }> } };
  jobs: Record<string, { steps: Step[] }>;
};
const steps = up.jobs.production.steps;
const step = (name: string) => {
  const found = steps.find((s) => s.name === name);
  if (!found) throw new Error(`up.yml's production job has no step "${name}"`);
  return found;
};
const CLASS_STEP = "Trading-path class of the change";
const GATE_STEP = "Trading session gate";

const PRODUCTION = ciStacks().filter((s) => s.tier === "production");
const scratch = mkdtempSync(path.join(tmpdir(), "hft-gate-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** A step's env with its expressions filled in: only the matrix's stack and the dispatch input are expected. */
function stepEnv(s: Step, stack: string, overrideReason: string): Record<string, string> {
  return Object.fromEntries(
    Object.entries(s.env ?? {}).map(([k, v]) => [
      k,
      v.replace(/\$\{\{\s*(.+?)\s*\}\}/g, (_, expr: string) => {
        if (expr === "matrix.stack") return stack;
        if (expr === "inputs.override_reason") return overrideReason;
        if (expr === "steps.deployed.outputs.sha") return "";
        throw new Error(`cannot evaluate \${{ ${expr} }} in step ${s.name}`);
      }),
    ]),
  );
}

/** Runs a step's script as the runner would, with a scripted clock; returns its exit and the summary it wrote. */
function runStep(s: Step, stack: string, clock: string, overrideReason = "") {
  const summary = path.join(scratch, `summary-${stack}-${Math.random().toString(36).slice(2)}.md`);
  writeFileSync(summary, "");
  const result = spawnSync("bash", ["-e", "-c", s.run!], {
    cwd: REPO_ROOT,
    encoding: "utf8",
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", RUNNER_TEMP: scratch, GITHUB_STEP_SUMMARY: summary, GITHUB_ACTOR: "alice", TRADING_SESSION_CLOCK: clock, ...stepEnv(s, stack, overrideReason) },
  });
  return { status: result.status, stderr: result.stderr, summary: readFileSync(summary, "utf8") };
}

/** The diff JSON `npm run diff -- --json` writes for a change of the engine nodes' AMI, classified by the real rules. */
function engineAmiDiff(stack: string): string {
  const template = (imageId: string): InventoryEntry => ({
    urn: `urn:pulumi:${stack}::hft-platform::hft:platform:Cluster$hft:platform:NodeGroup$aws:ec2/launchTemplate:LaunchTemplate::hft-engine`,
    type: "aws:ec2/launchTemplate:LaunchTemplate",
    name: "hft-engine",
    custom: true,
    inputs: { imageId },
  });
  const base = [template("ami-0aaaaaaaaaaaaaaaa")];
  const head = [template("ami-0bbbbbbbbbbbbbbbb")];
  const diff = diffInventories(stack, base, head);
  return JSON.stringify({ base: "deployed", stacks: [{ ...diff, trading: tradingImpact(diff, base, head) }] });
}

describe("up.yml's trading-session gate", () => {
  it("runs before `pulumi up` in the production job, on the class the diff step wrote, with the dispatch input as the override", () => {
    const names = steps.map((s) => s.name ?? s.uses ?? "");
    const upIndex = steps.findIndex((s) => s.uses?.startsWith("pulumi/actions@") && s.with?.command === "up");
    expect(names.indexOf(CLASS_STEP)).toBeGreaterThan(-1);
    expect(names.indexOf(CLASS_STEP)).toBeLessThan(names.indexOf(GATE_STEP));
    expect(names.indexOf(GATE_STEP)).toBeLessThan(upIndex);
    const written = /> "(\$RUNNER_TEMP\/[\w.-]+)"/.exec(step(CLASS_STEP).run!)?.[1];
    expect(written).toBeDefined();
    expect(step(GATE_STEP).run).toContain(`--diff "${written}"`);
    expect(up.on.workflow_dispatch?.inputs?.override_reason).toMatchObject({ type: "string", required: false });
    expect(step(GATE_STEP).env?.OVERRIDE_REASON).toBe("${{ inputs.override_reason }}");
    // The development job deploys without the gate: only production stacks are held to the session.
    expect(up.jobs.development.steps.some((s) => s.name === GATE_STEP)).toBe(false);
  });

  it.each(PRODUCTION.map((s) => s.stack))("refuses a disruptive change to %s during the session without the override, proceeds with it, and proceeds outside the session", (stack) => {
    const { config, secretKeys } = readStackConfig(stack);
    const session = parseStackConfig(config, stack, (k) => secretKeys.includes(k)).tradingSession;
    // Monday 2027-03-15 11:00 New York (EDT, after the DST change) and Saturday 2027-03-13.
    const during = "2027-03-15T15:00:00Z";
    const outside = "2027-03-13T15:00:00Z";
    expect(sessionAt(session, new Date(during)).open, `${stack}'s session is open on ${during}`).toBe(true);
    expect(sessionAt(session, new Date(outside)).open).toBe(false);
    writeFileSync(path.join(scratch, "trading-diff.json"), engineAmiDiff(stack));

    const refused = runStep(step(GATE_STEP), stack, during);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(new RegExp(`^::error::${stack}: a disruptive change during the trading session`, "m"));
    expect(refused.summary).toContain("Decision: **refused**");
    expect(refused.summary).toContain("hft-engine: replaces the engine nodes");

    const overridden = runStep(step(GATE_STEP), stack, during, "exchange-mandated kernel fix, approved by the desk head");
    expect(overridden.status).toBe(0);
    expect(overridden.summary).toContain("proceed by override** from alice: exchange-mandated kernel fix, approved by the desk head");

    const after = runStep(step(GATE_STEP), stack, outside);
    expect(after.status).toBe(0);
    expect(after.summary).toContain("Decision: **proceed** (outside the trading session)");
  });

  it("holds a change it could not classify (no commit recorded as deployed) like a disruptive one", () => {
    const stack = PRODUCTION[0].stack;
    expect(runStep(step(CLASS_STEP), stack, "2027-03-15T15:00:00Z").status).toBe(0);
    const gate = runStep(step(GATE_STEP), stack, "2027-03-15T15:00:00Z");
    expect(gate.status).toBe(1);
    expect(gate.summary).toContain("Change: **unknown**");
  });
});
