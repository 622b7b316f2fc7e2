import { describe, expect, it } from "vitest";
import { cpuSiblings, formatCpuSet, splitCoresProblem } from "../components/config/primitives";
import { eksConfig, expectRejected, problems } from "./stack-config";

describe("reservedSystemCpus keeps whole cores on EKS engine nodes (full-pcpus-only)", () => {
  it("numbers hyperthread siblings n and n + cores", () => {
    expect(cpuSiblings(0, { vcpus: 16, threadsPerCore: 2 })).toEqual([0, 8]);
    expect(cpuSiblings(97, { vcpus: 128, threadsPerCore: 2 })).toEqual([33, 97]);
    expect(formatCpuSet([9, 0, 1, 8, 8])).toBe("0-1,8-9");
    expect(splitCoresProblem([0, 1, 32, 33, 64, 65, 96, 97], { vcpus: 128, threadsPerCore: 2 })).toBeUndefined();
  });

  it("refuses dev's former 0-1 on a c6i.4xlarge and names the whole-core set", () => {
    expectRejected("dev", { "engineNodes.reservedSystemCpus": "0-1" }, "engineNodes.reservedSystemCpus", /CPU 0 shares its core with 8, e\.g\. "0-1,8-9" on c6i\.4xlarge/);
    expectRejected("prod", { "engineNodes.reservedSystemCpus": "0-3" }, "engineNodes.reservedSystemCpus", /CPU 0 shares its core with 64, e\.g\. "0-3,64-67" on c6i\.metal/);
    expect(problems("dev", { "engineNodes.reservedSystemCpus": "0-1,8-9" })).toEqual([]);
    expect(eksConfig("dev").engineNodes.reservedSystemCpus).toBe("0,8");
  });

  it("leaves an existing cluster's engine node alone, whose topology the config does not know", () => {
    expect(problems("local", { "existingCluster.engineNode.reservedSystemCpus": "0-1" })).toEqual([]);
  });
});

describe("engine nodes cover the HPA maximum", () => {
  it("needs engineNodes.minSize nodes for engine.maxReplicas: nothing adds engine nodes", () => {
    expectRejected("dev", { "engineNodes.minSize": 1, "engineNodes.desiredSize": 1 }, "engine.maxReplicas", /at most engineNodes\.minSize \(1\): engine pods never share a node/);
    expect(eksConfig("prod").engineNodes).toMatchObject({ minSize: 5, desiredSize: 5, maxSize: 5 });
  });
});

describe("metrics-server add-on", () => {
  it("is pinned per stack and required", () => {
    expect(eksConfig("prod").cluster.addons.metricsServer).toBe("v0.8.0-eksbuild.2");
    expectRejected("dev", { "cluster.addons.metricsServer": undefined }, "cluster.addons.metricsServer", /eksbuild/);
    expectRejected("dev", { "cluster.addons.metricsServer": "latest" }, "cluster.addons.metricsServer", /exact EKS addon version/);
  });
});
