/**
 * Mutation tests: each breaks one guardrail in a compliant platform and expects the gate to catch it
 * as a mandatory prod violation on the right resource. They run over the fixture and over the real
 * prod render, so a rule that stops matching what the program actually renders fails here. Every
 * rule needs a mutation that sets a wrong value, not only one that removes a setting (mutations/kit.ts).
 */
import { existsSync } from "node:fs";
import * as path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { engineResource } from "../../tools/policy-gate";
import { reconcileConfig, RuleSettings, runPolicies } from "../../tools/policy-engine";
import { allPolicies } from "../policies";
import { OFFLINE_TAGS, readConfig, readInventory, REPO_ROOT, runPack } from "./harness";
import { MUTATIONS } from "./mutations";
import { Inventory } from "./mutations/kit";

const FIXTURE = path.join(__dirname, "fixtures", "prod-inventory.json");
const RENDER = path.join(REPO_ROOT, "out", "prod", "inventory.json");

const SOURCES = [
  { label: "the prod fixture", file: FIXTURE },
  { label: "the real prod render", file: RENDER },
];

/** Paths of the object keys in `before` that `after` no longer has ("" when `after` is not an object at all). */
function removedKeys(before: unknown, after: unknown, at = ""): string[] {
  if (typeof before !== "object" || before === null || Array.isArray(before)) return [];
  if (typeof after !== "object" || after === null || Array.isArray(after)) return [at];
  const a = after as Record<string, unknown>;
  return Object.entries(before as Record<string, unknown>).flatMap(([k, v]) => (k in a ? removedKeys(v, a[k], `${at}.${k}`) : [`${at}.${k}`]));
}

/** What a value mutation must not do: delete a resource, or a key of one. Array elements are values. */
function removals(before: Inventory, after: Inventory): string[] {
  const byUrn = new Map(after.map((e) => [e.urn, e]));
  return before.flatMap((e) => {
    const now = byUrn.get(e.urn);
    if (!now) return [`${e.urn} was removed`];
    return removedKeys(e, now).map((p) => `${e.urn}: ${p.slice(1)} was removed`);
  });
}

describe("mutation catalogue", () => {
  it("names only rules of the pack, and covers every rule", () => {
    const names = new Set(allPolicies.map((p) => p.name));
    expect(MUTATIONS.filter((m) => !names.has(m.rule)).map((m) => m.rule)).toEqual([]);
    expect(allPolicies.filter((p) => !MUTATIONS.some((m) => m.rule === p.name)).map((p) => p.name)).toEqual([]);
  });

  it("sets a wrong value (not only removes a setting) for every rule of the pack", () => {
    const valueBlind = allPolicies.filter((p) => !MUTATIONS.some((m) => m.rule === p.name && m.kind === "value")).map((p) => p.name);
    expect(valueBlind, "rules with no value mutation in policy/test/mutations/").toEqual([]);
  });

  it("gives each mutation a distinct name", () => {
    const names = MUTATIONS.map((m) => m.name);
    expect(names.filter((n, i) => names.indexOf(n) !== i)).toEqual([]);
  });
});

for (const source of SOURCES) {
  describe(`mutations of ${source.label}`, () => {
    const present = existsSync(source.file);
    const skipReason = `${path.relative(REPO_ROOT, source.file)} is absent: run \`npm run render -- --stack prod\` first`;
    let baseline: Inventory = [];
    let settings: Map<string, RuleSettings>;

    beforeAll(() => {
      if (!present) return;
      baseline = readInventory(source.file);
      settings = reconcileConfig(allPolicies, readConfig("prod"));
    });

    it("passes every rule with prod's mandatory enforcement before mutation", async (ctx) => {
      ctx.skip(!present, skipReason);
      expect(await runPack(baseline, readConfig("prod"))).toEqual([]);
    });

    for (const mutation of MUTATIONS) {
      it(`${mutation.kind}: ${mutation.name} -> ${mutation.rule}`, async (ctx) => {
        ctx.skip(!present, skipReason);
        const inventory = structuredClone(baseline);
        const urn = mutation.apply(inventory);
        if (mutation.kind === "value") expect(removals(baseline, inventory), "a value mutation removes nothing").toEqual([]);
        const rule = allPolicies.find((p) => p.name === mutation.rule)!;
        const run = await runPolicies([rule], inventory.map(engineResource), settings, { stackTags: OFFLINE_TAGS });
        expect(run.findings.map((f) => ({ rule: f.rule, level: f.level, urn: f.urn }))).toContainEqual({ rule: mutation.rule, level: "mandatory", urn });
      });
    }
  });
}
