import { describe, expect, it } from "vitest";
import { CapacityReport } from "../tools/capacity";
import { costOfRender } from "../tools/cost";
import { HOURS_PER_MONTH, PRICES } from "../tools/data/prices";
import { InventoryEntry } from "../tools/inventory";

const p = PRICES["us-east-1"];
const entry = (type: string, name: string, inputs: Record<string, unknown>, parent?: string): InventoryEntry => ({ urn: `urn:${name}`, type, name, custom: true, inputs, ...(parent ? { parent } : {}) });

function capacityWith(nodes: number, maxNodes: number): CapacityReport {
  const group = { name: "g-system", instanceType: "m6i.xlarge", nodes, maxNodes, zones: ["us-east-1a"], allocatable: { cpu: 0, memory: 0 }, requested: { cpu: 0, memory: 0 }, perNode: { cpu: 0, memory: 0, hugepages2Mi: 0, pods: 0 }, reservations: { source: "", cpu: 0, memory: 0, hugepages: 0 } };
  return { stack: "t", fits: true, unschedulable: [], nodeGroups: [group], configured: { fits: true, unschedulable: [] }, nMinus1: { fits: true, short: [], scenarios: 0 }, hpaMetrics: [], notModelled: [] };
}

const inventory: InventoryEntry[] = [
  entry("aws:ec2/subnet:Subnet", "x-private-0", { availabilityZone: "us-east-1a" }),
  entry("aws:eks/nodeGroup:NodeGroup", "g-system", {}, "urn:ng"),
  entry("aws:ec2/launchTemplate:LaunchTemplate", "g-system", { blockDeviceMappings: [{ ebs: { volumeSize: 50 } }] }, "urn:ng"),
  entry("kubernetes:storage.k8s.io/v1:StorageClass", "fast", { metadata: { name: "fast" }, provisioner: "ebs.csi.aws.com", parameters: { iops: "6000", throughput: "250" } }),
  entry("kubernetes:apps/v1:StatefulSet", "db", {
    metadata: { name: "db", namespace: "d" },
    spec: { replicas: 2, volumeClaimTemplates: [{ metadata: { name: "data" }, spec: { storageClassName: "fast", resources: { requests: { storage: "100Gi" } } } }] },
  }),
  entry("kubernetes:autoscaling/v2:HorizontalPodAutoscaler", "db", { metadata: { namespace: "d" }, spec: { scaleTargetRef: { name: "db" }, maxReplicas: 4 } }),
  entry("aws:ec2/natGateway:NatGateway", "nat", {}),
];

describe("cost of a render", () => {
  const cost = costOfRender("t", inventory, capacityWith(2, 4));

  it("prices instances at configured and maximum node counts", () => {
    expect(cost.items[0]).toEqual({
      resource: "EC2 m6i.xlarge (g-system)",
      quantity: 2,
      unit: "instances",
      monthly: Math.round(2 * p.ec2Hourly["m6i.xlarge"] * HOURS_PER_MONTH * 100) / 100,
      monthlyAtMax: Math.round(4 * p.ec2Hourly["m6i.xlarge"] * HOURS_PER_MONTH * 100) / 100,
    });
  });

  it("charges claim templates per replica (and at the HPA maximum) with IOPS and throughput above the gp3 baseline", () => {
    const db = cost.items.find((i) => i.resource.startsWith("EBS gp3 d/db data"))!;
    const perVolume = 100 * 0.08 + 3000 * 0.005 + 125 * 0.04;
    expect(db).toMatchObject({ quantity: 2, monthly: 2 * perVolume, monthlyAtMax: 4 * perVolume });
    expect(cost.items.find((i) => i.resource.startsWith("EBS gp3 g-system root"))).toMatchObject({ quantity: 2, monthly: 2 * 50 * 0.08, monthlyAtMax: 4 * 50 * 0.08 });
  });

  it("states the assumed usage and totals configured and maximum", () => {
    expect(cost.items.find((i) => i.resource === "NAT gateway data processed (assumed)")).toMatchObject({ quantity: 100 });
    expect(cost.assumptions).toContain("natGbPerGatewayMonth: 100");
    expect(cost.monthly).toBeCloseTo(cost.items.reduce((s, i) => s + i.monthly, 0), 2);
    expect(cost.monthlyAtMax).toBeGreaterThan(cost.monthly);
  });

  it("refuses a region without a price table", () => {
    const elsewhere = inventory.map((e) => (e.type === "aws:ec2/subnet:Subnet" ? { ...e, inputs: { availabilityZone: "ap-south-2a" } } : e));
    expect(() => costOfRender("t", elsewhere, capacityWith(1, 1))).toThrow(/no price table for region ap-south-2/);
  });

  it("charges nothing for a stack on an existing cluster", () => {
    expect(costOfRender("local", [], capacityWith(0, 0))).toMatchObject({ monthly: 0, items: [], region: "n/a" });
  });
});
