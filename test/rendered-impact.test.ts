import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { stacksIn } from "../tools/cli";
import { diffInventories } from "../tools/diff";
import { TradingImpact, tradingImpact } from "../tools/disruption";
import { REPO_ROOT, runStack } from "../tools/harness";
import { InventoryEntry } from "../tools/inventory";

// Every stack whose engine nodes this program creates (an AMI release to change), from the stack files.
const EKS_STACKS = stacksIn(REPO_ROOT).filter((s) => /^\s+nodeAmiRelease: /m.test(readFileSync(path.join(REPO_ROOT, `Pulumi.${s}.yaml`), "utf8")));
const scratch = mkdtempSync(path.join(tmpdir(), "hft-impact-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

async function render(stack: string, edit?: (file: string) => string): Promise<InventoryEntry[]> {
  vi.resetModules();
  if (!edit) return (await runStack(stack)).inventory;
  const dir = mkdtempSync(path.join(scratch, `${stack}-`));
  writeFileSync(path.join(dir, `Pulumi.${stack}.yaml`), edit(readFileSync(path.join(REPO_ROOT, `Pulumi.${stack}.yaml`), "utf8")));
  return (await runStack(stack, { configDir: dir })).inventory;
}

const amiBump = (file: string) => file.replace(/nodeAmiRelease: v\d+/, "nodeAmiRelease: v20260801");
const alertOnly = (file: string) => file.replace(/(engineMaxOffsetUs: )(\d+)/, (_, key: string, n: string) => `${key}${Number(n) - 10}`);

const impacts = new Map<string, { ami: TradingImpact; alert: TradingImpact; alertChanged: string[] }>();

beforeAll(async () => {
  for (const stack of EKS_STACKS) {
    const base = await render(stack);
    const [ami, alert] = [await render(stack, amiBump), await render(stack, alertOnly)];
    const alertDiff = diffInventories(stack, base, alert);
    impacts.set(stack, {
      ami: tradingImpact(diffInventories(stack, base, ami), base, ami),
      alert: tradingImpact(alertDiff, base, alert),
      alertChanged: alertDiff.changed.map((c) => c.name),
    });
  }
}, 300_000);

// The classifier (tools/disruption.ts) over real renders of each stack, not fixtures.
describe("the trading-path class of a rendered change", () => {
  it.each(EKS_STACKS)("%s: a new AMI release is disruptive, naming the engine's launch template", (stack) => {
    const { ami } = impacts.get(stack)!;
    expect(ami.class).toBe("disruptive");
    expect(ami.objects).toContainEqual(expect.objectContaining({ type: "aws:ec2/launchTemplate:LaunchTemplate", name: "hft-engine", class: "disruptive" }));
  });

  it.each(EKS_STACKS)("%s: an alert threshold alone is safe", (stack) => {
    const { alert, alertChanged } = impacts.get(stack)!;
    expect(alertChanged).toEqual(["node-clocks-prometheusrule"]);
    expect(alert.class).toBe("safe");
  });
});
