import { readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { reconcileConfig } from "../../tools/policy-engine";
import { allPolicies } from "../policies";
import { POLICY_DIR, readConfig } from "./harness";

describe("the pack's rules", () => {
  it("have unique, stable kebab-case names", () => {
    const names = allPolicies.map((p) => p.name);
    expect(new Set(names).size).toBe(names.length);
    for (const name of names) expect(name).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
    expect(names.length).toBeGreaterThanOrEqual(25);
  });

  it("each have a one-line description, a default enforcement level and target types", () => {
    for (const p of allPolicies) {
      expect(p.description, p.name).toMatch(/^[^\n]{20,300}$/);
      expect(["advisory", "mandatory"], p.name).toContain(p.enforcementLevel);
      expect(p.targetTypes.length, p.name).toBeGreaterThan(0);
    }
  });

  it("describe every setting of their config: it is what `pulumi policy` and the gate's errors show", () => {
    for (const p of allPolicies) {
      for (const [setting, schema] of Object.entries(p.configSchema?.properties ?? {})) {
        expect((schema as { description?: string }).description, `${p.name}.${setting}`).toMatch(/^[^\n]{10,300}$/);
      }
    }
  });

  it("are each listed once in policy/README.md's table of the value each rule judges", () => {
    const readme = readFileSync(path.join(POLICY_DIR, "README.md"), "utf8");
    const start = readme.indexOf("### The value each rule judges");
    expect(start).toBeGreaterThan(0);
    const table = readme.slice(start, readme.indexOf("\n### ", start + 1));
    const rows = [...table.matchAll(/^\| `([a-z0-9-]+)`(?: \(stack\))? \| [^|]+ \| [^|]+ \|$/gm)].map((m) => m[1]);
    expect(rows.sort()).toEqual(allPolicies.map((p) => p.name).sort());
  });

  it("have config schemas whose defaults validate", () => {
    expect(() => reconcileConfig(allPolicies, {})).not.toThrow();
  });
});

describe("per-stack policy config", () => {
  const dev = readConfig("dev");
  const prod = readConfig("prod");
  const bounds = (config: Record<string, unknown>, rule: string) => config[rule] as Record<string, unknown>;

  it("is valid for the pack in both stacks", () => {
    expect(() => reconcileConfig(allPolicies, dev)).not.toThrow();
    expect(() => reconcileConfig(allPolicies, prod)).not.toThrow();
  });

  it("names the same rules in both stacks, each a rule with bounds", () => {
    expect(Object.keys(dev).sort()).toEqual(Object.keys(prod).sort());
    const configurable = allPolicies.filter((p) => p.configSchema).map((p) => p.name);
    for (const rule of Object.keys(prod).filter((k) => k !== "all")) expect(configurable).toContain(rule);
  });

  it("is advisory in dev and mandatory in prod", () => {
    expect(dev.all).toBe("advisory");
    expect(prod.all).toBe("mandatory");
    for (const config of [dev, prod]) {
      for (const [rule, entry] of Object.entries(config)) {
        if (rule !== "all") expect((entry as Record<string, unknown>).enforcementLevel, rule).toBeUndefined();
      }
    }
  });

  it("tightens the bounds that differ between stacks in prod", () => {
    expect(bounds(prod, "eks-endpoint-access").requirePrivateEndpoint).toBe(true);
    expect(bounds(dev, "eks-endpoint-access").requirePrivateEndpoint).toBe(false);
    expect(bounds(prod, "engine-node-instance-types").requireMetal).toBe(true);
    expect(bounds(dev, "engine-node-instance-types").requireMetal).toBe(false);
    expect(bounds(prod, "container-resources-within-bounds").maxCpu).toBe(64);
    expect(bounds(dev, "container-resources-within-bounds").maxCpu).toBe(16);
  });
});

describe("the engine's identity and the exemptions in the stack configs", () => {
  // Every stack file's policy config; a production-tier stack's is mandatory, any other advisory.
  const repo = path.join(POLICY_DIR, "..");
  const tierOf = (s: string) => (parse(readFileSync(path.join(repo, `Pulumi.${s}.yaml`), "utf8")) as { config: Record<string, unknown> }).config["hft-platform:tier"];
  const stacks = readdirSync(repo)
    .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
    .filter((s): s is string => s !== undefined)
    .map((s) => [s, readConfig(s), tierOf(s)] as const);
  const engineRules = allPolicies.filter((p) => p.configSchema?.properties?.engine).map((p) => p.name);
  const nodeRules = allPolicies.filter((p) => p.configSchema?.properties?.nodeGroupNames).map((p) => p.name);

  it("name the engine and its node group the same way for every engine rule in every stack", () => {
    expect(engineRules.length).toBeGreaterThanOrEqual(7);
    expect(nodeRules.length).toBeGreaterThanOrEqual(6);
    expect(stacks.length).toBeGreaterThanOrEqual(3);
    for (const [stack, config, tier] of stacks) {
      expect(config.all, stack).toBe(tier === "production" ? "mandatory" : "advisory");
      expect(() => reconcileConfig(allPolicies, config), stack).not.toThrow();
      for (const rule of engineRules) expect((config[rule] as any)?.engine, `${stack} ${rule}`).toEqual({ names: ["trading-engine"], labels: { "app.kubernetes.io/name": "trading-engine" } });
      for (const rule of nodeRules) expect((config[rule] as any)?.nodeGroupNames, `${stack} ${rule}`).toEqual(["hft-engine"]);
    }
  });

  it("exempt prod namespaces from limits and quotas only by name with a reason, never the trading namespace", () => {
    const prod = readConfig("prod")["namespace-limits-and-quota"] as any;
    expect(prod.workloadNamespaces).toEqual(["hft-trading", "hft-cache"]);
    expect(prod.exemptions.map((e: any) => e.name)).not.toContain("hft-trading");
    for (const e of prod.exemptions) expect(e, e.name).toMatchObject({ kind: "Namespace", reason: expect.stringMatching(/^.{20,}$/) });
  });
});

describe("the pack's package", () => {
  it("pins @pulumi/policy and @pulumi/pulumi exactly, at the program's pulumi version", () => {
    const pack = JSON.parse(readFileSync(path.join(POLICY_DIR, "package.json"), "utf8"));
    const root = JSON.parse(readFileSync(path.join(POLICY_DIR, "..", "package.json"), "utf8"));
    expect(pack).toMatchObject({ name: "hft-guardrails", private: true, dependencies: { "@pulumi/policy": "1.21.0", "@pulumi/pulumi": root.dependencies["@pulumi/pulumi"] } });
    expect(pack.version).toMatch(/^\d+\.\d+\.\d+$/);
  });
});
