import { describe, expect, it } from "vitest";
import { diffFindings, diffInventories, diffValues, markdownReport } from "../tools/diff";
import { InventoryEntry } from "../tools/inventory";

const entry = (name: string, inputs: Record<string, unknown>, extra: Partial<InventoryEntry> = {}): InventoryEntry => ({
  urn: `urn:pulumi:prod::hft-platform::kubernetes:apps/v1:StatefulSet::${name}`,
  type: "kubernetes:apps/v1:StatefulSet",
  name,
  custom: true,
  inputs,
  ...extra,
});

const statefulSet = (cpu: string, image = "engine:v1") => ({
  spec: { replicas: 3, template: { spec: { containers: [{ name: "trading-engine", image, resources: { limits: { cpu } } }, { name: "log-shipper", image: "fluent-bit:3.1.9" }] } } },
});

describe("inventory diff", () => {
  it("finds added, removed and unchanged resources by URN", () => {
    const d = diffInventories("prod", [entry("a", {}), entry("b", {})], [entry("b", {}), entry("c", {})]);
    expect(d.added.map((r) => r.name)).toEqual(["c"]);
    expect(d.removed.map((r) => r.name)).toEqual(["a"]);
    expect(d.unchanged).toBe(1);
    expect(d.changed).toEqual([]);
  });

  it("names a nested field in a list of named objects by the item's name", () => {
    const d = diffInventories("prod", [entry("engine", statefulSet("8"))], [entry("engine", statefulSet("12"))]);
    expect(d.changed).toHaveLength(1);
    expect(d.changed[0].fields).toEqual([{ path: "inputs.spec.template.spec.containers[trading-engine].resources.limits.cpu", before: "8", after: "12" }]);
  });

  it("addresses unnamed list items by index and reports length changes whole", () => {
    expect(diffValues({ ports: [80, 443] }, { ports: [80, 8443] }, "")).toEqual([{ path: "ports[1]", before: 443, after: 8443 }]);
    expect(diffValues({ cidrs: ["a"] }, { cidrs: ["a", "b"] }, "")).toEqual([{ path: "cidrs", before: ["a"], after: ["a", "b"] }]);
  });

  it("reports fields that appear or disappear", () => {
    expect(diffValues({ a: 1 }, { a: 1, b: { c: 2 } }, "")).toEqual([{ path: "b", after: { c: 2 } }]);
    expect(diffValues({ a: 1, b: 2 }, { a: 1 }, "")).toEqual([{ path: "b", before: 2 }]);
  });

  it("reports a change of deletion protection", () => {
    const d = diffInventories("prod", [entry("fs", {})], [entry("fs", {}, { protect: true })]);
    expect(d.changed[0].fields).toEqual([{ path: "protect", before: false, after: true }]);
  });

  it("never shows a secret's value, and shows when a value became secret", () => {
    const d = diffInventories("prod", [entry("s", { stringData: "[secret]", type: "Opaque" })], [entry("s", { stringData: "[secret]", type: "kubernetes.io/basic-auth" })]);
    expect(d.changed[0].fields.map((f) => f.path)).toEqual(["inputs.type"]);
    const leaked = diffInventories("prod", [entry("s", { stringData: { password: "hunter2hunter2" } })], [entry("s", { stringData: "[secret]" })]);
    const report = markdownReport([leaked], "main");
    expect(report).toContain("→ [secret]");
  });

  it("renders a Markdown report per stack with old → new values", () => {
    const report = markdownReport(
      [
        diffInventories("prod", [entry("engine", statefulSet("8"))], [entry("engine", statefulSet("8", "engine:v2")), entry("new", {})]),
        { stack: "dev", added: [], removed: [], changed: [], unchanged: 7 },
        { stack: "broken", error: "base render failed: boom", added: [], removed: [], changed: [], unchanged: 0 },
      ],
      "origin/main",
    );
    expect(report).toContain("## Offline preview diff against `origin/main`");
    expect(report).toContain("### Stack `prod`");
    expect(report).toContain("1 to add, 1 to change, 0 to remove, 0 unchanged.");
    expect(report).toContain("- ➕ `kubernetes:apps/v1:StatefulSet` **new**");
    expect(report).toContain("  - `inputs.spec.template.spec.containers[trading-engine].image`: `engine:v1` → `engine:v2`");
    expect(report).toContain("No changes (7 resources).");
    expect(report).toContain("Not compared: base render failed: boom");
  });
});

describe("policy findings in the diff", () => {
  const finding = (rule: string, name: string) => ({ rule, level: "mandatory" as const, message: `${rule} broken`, urn: `urn:${name}`, type: "kubernetes:apps/v1:StatefulSet", name });

  it("lists findings that appear and those that are resolved, keeping the ones on both sides out", () => {
    const both = finding("pod-run-as-non-root", "a");
    const result = diffFindings([both, finding("container-not-privileged", "b")], [both, finding("image-pinned", "c")]);
    expect(result.appeared.map((f) => f.rule)).toEqual(["image-pinned"]);
    expect(result.resolved.map((f) => f.rule)).toEqual(["container-not-privileged"]);
  });

  it("reports them per stack in the Markdown", () => {
    const report = markdownReport(
      [{ stack: "prod", added: [], removed: [], changed: [], unchanged: 3, policy: diffFindings([finding("old-rule", "x")], [finding("new-rule", "y")]) }],
      "main",
    );
    expect(report).toContain("### Policy findings in `prod`");
    expect(report).toContain("- 🆕 `new-rule` (mandatory) on `kubernetes:apps/v1:StatefulSet` **y**: new-rule broken");
    expect(report).toContain("- ✅ resolved: `old-rule` (mandatory)");
  });
});
