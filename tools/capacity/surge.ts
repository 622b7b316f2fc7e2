/**
 * The nodes a managed node group update adds before it drains the old ones. EKS User Guide,
 * "Understand each phase of node updates" (managed-node-update-behavior), read 2026-12-07: the scale
 * up phase raises the Auto Scaling group's maximum and desired size by the larger of up to twice the
 * number of Availability Zones the group is deployed in and the update's maxUnavailable; upgraded
 * nodes launch in the zones of the nodes they replace. A cluster placement group lives in one zone
 * (EC2 User Guide, "Placement strategies"), so every surge node of a latency group must launch into
 * it; EC2 cannot say offline whether the group's spine has room (tools/preflight-aws.ts).
 */
import { InventoryEntry } from "../inventory";
import { INSTANCE_TYPES } from "../data/instance-types";

export interface UpdateSurge {
  group: string;
  instanceType: string;
  zones: number;
  maxUnavailable: number;
  /** Nodes added on top of the group's size while an update runs. */
  surgeNodes: number;
  /** The group at its maximum plus the surge: what the account's quota must hold during an update. */
  peakNodes: number;
  peakVcpus?: number;
  placementGroup: boolean;
  /** Why the update cannot run as configured, if it cannot. */
  problem?: string;
}

export function updateSurges(inventory: InventoryEntry[]): UpdateSurge[] {
  const placementParents = new Set(inventory.filter((e) => e.type === "aws:ec2/placementGroup:PlacementGroup").map((e) => e.parent));
  return inventory
    .filter((e) => e.type === "aws:eks/nodeGroup:NodeGroup")
    .map((e) => {
      const inputs = e.inputs as { instanceTypes?: string[]; subnetIds?: unknown[]; scalingConfig?: { maxSize?: number }; updateConfig?: { maxUnavailable?: number } };
      const instanceType = [...(inputs.instanceTypes ?? [])].sort((a, b) => (INSTANCE_TYPES[b]?.vcpus ?? 0) - (INSTANCE_TYPES[a]?.vcpus ?? 0))[0] ?? "?";
      // One subnet per zone (components/network.ts): the group's zones are its subnets.
      const zones = inputs.subnetIds?.length ?? 1;
      // EKS's default when updateConfig sets none is one node.
      const maxUnavailable = inputs.updateConfig?.maxUnavailable ?? 1;
      const surgeNodes = Math.max(2 * zones, maxUnavailable);
      const peakNodes = (inputs.scalingConfig?.maxSize ?? 0) + surgeNodes;
      const vcpus = INSTANCE_TYPES[instanceType]?.vcpus;
      const placementGroup = placementParents.has(e.parent);
      const problem = placementGroup && zones > 1 ? `a cluster placement group is one zone, but ${e.name} spans ${zones}: surge nodes in the other zones cannot join it` : undefined;
      return { group: e.name, instanceType, zones, maxUnavailable, surgeNodes, peakNodes, ...(vcpus ? { peakVcpus: peakNodes * vcpus } : {}), placementGroup, ...(problem ? { problem } : {}) };
    });
}
