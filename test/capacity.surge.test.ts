import { describe, expect, it } from "vitest";
import { updateSurges } from "../tools/capacity/surge";
import { InventoryEntry } from "../tools/inventory";

const group = (name: string, instanceType: string, subnets: number, maxSize: number, maxUnavailable?: number, placement = false): InventoryEntry[] => [
  {
    urn: `urn:ng:${name}`,
    type: "aws:eks/nodeGroup:NodeGroup",
    name,
    custom: true,
    parent: `urn:component:${name}`,
    inputs: { instanceTypes: [instanceType], subnetIds: Array.from({ length: subnets }, (_, i) => `subnet-${i}`), scalingConfig: { maxSize }, ...(maxUnavailable ? { updateConfig: { maxUnavailable } } : {}) },
  },
  ...(placement ? [{ urn: `urn:pg:${name}`, type: "aws:ec2/placementGroup:PlacementGroup", name, custom: true, parent: `urn:component:${name}`, inputs: { strategy: "cluster" } }] : []),
];

describe("nodes a managed node group update adds", () => {
  it("is the larger of twice the zones and maxUnavailable (EKS scale-up phase)", () => {
    const [engine, system, wide] = updateSurges([...group("hft-engine", "c6i.metal", 1, 5, 1, true), ...group("hft-system", "m6i.4xlarge", 3, 6, 1), ...group("batch", "m6i.large", 2, 40, 10)]);
    expect(engine).toMatchObject({ surgeNodes: 2, peakNodes: 7, peakVcpus: 7 * 128, placementGroup: true });
    expect(engine.problem).toBeUndefined();
    expect(system).toMatchObject({ zones: 3, surgeNodes: 6, peakNodes: 12, peakVcpus: 12 * 16 });
    expect(wide).toMatchObject({ surgeNodes: 10 });
    // Without updateConfig EKS updates one node at a time.
    expect(updateSurges(group("x", "m6i.large", 1, 3))[0]).toMatchObject({ maxUnavailable: 1, surgeNodes: 2 });
  });

  it("says when a cluster placement group cannot hold them: surge nodes in other zones", () => {
    const [spread] = updateSurges(group("hft-engine", "c6i.metal", 2, 5, 1, true));
    expect(spread.problem).toMatch(/cluster placement group is one zone, but hft-engine spans 2/);
  });
});
