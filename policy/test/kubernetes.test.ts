import { describe, expect, it } from "vitest";
import { isEnginePod, parseImage, parseQuantity, selectorMatches, selectsAllPods } from "../kubernetes";

describe("parseQuantity", () => {
  it.each([
    ["500m", 0.5],
    ["2", 2],
    [8, 8],
    ["8000m", 8],
    ["1.5", 1.5],
    ["16Gi", 16 * 2 ** 30],
    ["512Mi", 512 * 2 ** 20],
    ["1G", 1e9],
    ["1e3", 1000],
    ["100k", 1e5],
  ])("%s is %d", (quantity, value) => {
    expect(parseQuantity(quantity)).toBe(value);
  });

  it.each(["", "abc", "12Xi", "1.2.3", "Gi"])("rejects %j", (quantity) => {
    expect(parseQuantity(quantity)).toBeUndefined();
  });
});

describe("parseImage", () => {
  it.each([
    ["redis:7.4.1", { repository: "docker.io/library/redis", tag: "7.4.1" }],
    ["redis", { repository: "docker.io/library/redis" }],
    ["fluent/fluent-bit:3.1.9", { repository: "docker.io/fluent/fluent-bit", tag: "3.1.9" }],
    ["docker.io/redis:7", { repository: "docker.io/library/redis", tag: "7" }],
    ["index.docker.io/library/busybox:1.36.1", { repository: "docker.io/library/busybox", tag: "1.36.1" }],
    ["registry.example.com/hft-trading-engine:v1.0.0", { repository: "registry.example.com/hft-trading-engine", tag: "v1.0.0" }],
    ["localhost:5000/team/app", { repository: "localhost:5000/team/app" }],
    ["quay.io/jetstack/cert-manager-controller:v1.21.1@sha256:abc", { repository: "quay.io/jetstack/cert-manager-controller", tag: "v1.21.1", digest: "sha256:abc" }],
    ["ghcr.io/cloudnative-pg/cloudnative-pg@sha256:def", { repository: "ghcr.io/cloudnative-pg/cloudnative-pg", digest: "sha256:def" }],
  ])("%s", (image, expected) => {
    expect(parseImage(image)).toEqual(expected);
  });
});

describe("label selectors", () => {
  const labels = { app: "engine", tier: "trading" };

  it("matches labels and every expression operator", () => {
    expect(selectorMatches({ matchLabels: { app: "engine" } }, labels)).toBe(true);
    expect(selectorMatches({ matchLabels: { app: "redis" } }, labels)).toBe(false);
    expect(selectorMatches({ matchExpressions: [{ key: "tier", operator: "In", values: ["trading", "data"] }] }, labels)).toBe(true);
    expect(selectorMatches({ matchExpressions: [{ key: "tier", operator: "NotIn", values: ["trading"] }] }, labels)).toBe(false);
    expect(selectorMatches({ matchExpressions: [{ key: "zone", operator: "DoesNotExist" }] }, labels)).toBe(true);
    expect(selectorMatches({ matchExpressions: [{ key: "zone", operator: "Exists" }] }, labels)).toBe(false);
    expect(selectorMatches({ matchExpressions: [{ key: "app", operator: "Bogus" }] }, labels)).toBe(false);
  });

  it("a missing selector selects nothing, an empty one everything (policy/v1 and NetworkPolicy semantics)", () => {
    expect(selectorMatches(undefined, labels)).toBe(false);
    expect(selectorMatches({}, labels)).toBe(true);
    expect(selectsAllPods({})).toBe(true);
    expect(selectsAllPods({ matchLabels: {} })).toBe(true);
    expect(selectsAllPods({ matchLabels: { app: "engine" } })).toBe(false);
    expect(selectsAllPods(undefined)).toBe(false);
  });
});

describe("engine pods", () => {
  it("are the pods tolerating node-type=high-performance", () => {
    expect(isEnginePod({ tolerations: [{ key: "node-type", operator: "Equal", value: "high-performance", effect: "NoSchedule" }] })).toBe(true);
    expect(isEnginePod({ tolerations: [{ key: "node-type", operator: "Exists" }] })).toBe(true);
    expect(isEnginePod({ tolerations: [{ key: "node-type", operator: "Equal", value: "system" }] })).toBe(false);
    // Tolerating every taint is how node agents run everywhere, not a claim to the engine's cores.
    expect(isEnginePod({ tolerations: [{ operator: "Exists" }] })).toBe(false);
    expect(isEnginePod({})).toBe(false);
  });
});
