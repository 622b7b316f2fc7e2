/**
 * Monitoring that tells the truth: every PromQL expression the program makes parses with
 * Prometheus's grammar and passes promtool's checker, on every stack; every alert behaves as
 * test/alert-cases.ts says on synthetic series, evaluated by promtool itself.
 */
import { writeFileSync } from "node:fs";
import * as path from "node:path";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { stringify } from "yaml";
import { stacksIn } from "../tools/cli";
import { REPO_ROOT, runStack } from "../tools/harness";
import { InventoryEntry } from "../tools/inventory";
import { programExpressions, promqlErrors, ruleGroups } from "../tools/promql";
import { checkPromtool, checkRules, RuleFile, testRules, withRuleDir, writeRuleFiles } from "../tools/promtool";
import { ALERT_CASES, AlertCase } from "./alert-cases";

const STACKS = stacksIn(REPO_ROOT);
const inventories = new Map<string, InventoryEntry[]>();

beforeAll(async () => {
  checkPromtool();
  for (const stack of STACKS) {
    // A fresh program per stack (the worker keeps the SDKs loaded; see test/setup.ts).
    vi.resetModules();
    inventories.set(stack, (await runStack(stack)).inventory);
  }
}, 300_000);

const alertNames = (inventory: InventoryEntry[]) => ruleGroups(inventory).flatMap((f) => f.groups.flatMap((g) => g.rules.flatMap((r) => r.alert ?? [])));

describe("PromQL the program makes", () => {
  it.each(STACKS)("%s: every rule and adapter query parses with Prometheus's grammar", (stack) => {
    const expressions = programExpressions(inventories.get(stack)!);
    expect(expressions.filter((e) => e.source.startsWith("prometheus-adapter")).length).toBeGreaterThanOrEqual(2);
    const failures = expressions.flatMap((e) => promqlErrors(e.expr).map((err) => `${e.source}: ${err}`));
    expect(failures).toEqual([]);
  });

  it.each(STACKS)("%s: promtool check rules accepts every rule file and the adapter's queries", (stack) => {
    withRuleDir((dir) => {
      const files = writeRuleFiles(inventories.get(stack)!, dir).map((f) => f.file);
      const result = checkRules(dir, files);
      expect(result.ok, result.output).toBe(true);
      expect(result.output.match(/SUCCESS/g)).toHaveLength(files.length);
    });
  });

  it("refuses a broken expression: the grammar finds the syntax error, promtool the type error", () => {
    const latency = programExpressions(inventories.get("prod")!).find((e) => e.source.endsWith("/HighLatency"))!;
    expect(promqlErrors(latency.expr.replace("sum by (le, pod)", "sum by (le, pod"))).not.toEqual([]);
    const typeError = latency.expr.replace(/\[1m\]/, "");
    expect(promqlErrors(typeError)).toEqual([]);
    withRuleDir((dir) => {
      writeFileSync(path.join(dir, "bad.yaml"), stringify({ groups: [{ name: "bad", rules: [{ alert: "Bad", expr: typeError }] }] }));
      const result = checkRules(dir, ["bad.yaml"]);
      expect(result.ok).toBe(false);
      expect(result.output).toMatch(/expected type range vector/);
    });
  });
});

/**
 * One promtool test per case over the rule file holding its alert, evaluated at its group's interval
 * (promtool 2.42 steps every group at the test's evaluation_interval): labels and annotations must
 * match exactly, or nothing must fire.
 */
function promtoolTest(c: AlertCase, files: RuleFile[]) {
  const file = files.find((f) => f.groups.some((g) => g.rules.some((r) => r.alert === c.alert)))!;
  const group = file.groups.find((g) => g.rules.some((r) => r.alert === c.alert))!;
  return {
    rule_files: [file.file],
    evaluation_interval: group.interval ?? "1m",
    tests: [
      {
        name: `${c.alert}: ${c.what}`,
        interval: c.interval,
        input_series: c.series,
        alert_rule_test: [
          {
            eval_time: c.evalTime,
            alertname: c.alert,
            exp_alerts: c.firing.map((a) => ({ exp_labels: a.labels, exp_annotations: a.annotations })),
          },
        ],
      },
    ],
  };
}

describe("alert behaviour on synthetic series (promtool test rules, prod's rules)", () => {
  it("has a case where it fires and one where it stays quiet for every alert any stack makes", () => {
    const made = new Set([...inventories.values()].flatMap(alertNames));
    for (const alert of made) {
      const cases = ALERT_CASES.filter((c) => c.alert === alert);
      expect(cases.some((c) => c.firing.length > 0), `${alert} fires somewhere`).toBe(true);
      expect(cases.some((c) => c.firing.length === 0), `${alert} stays quiet somewhere`).toBe(true);
    }
    expect([...new Set(ALERT_CASES.map((c) => c.alert))].filter((a) => !made.has(a))).toEqual([]);
  });

  it.each(ALERT_CASES.map((c) => [`${c.alert}: ${c.what}`, c] as const))("%s", (_name, c) => {
    withRuleDir((dir) => {
      const files = writeRuleFiles(inventories.get("prod")!, dir);
      writeFileSync(path.join(dir, "test.yaml"), stringify(promtoolTest(c, files)));
      const result = testRules(dir, "test.yaml");
      expect(result.ok, result.output).toBe(true);
    });
  });
});
