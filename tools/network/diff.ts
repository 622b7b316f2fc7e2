/**
 * Flow changes between two renders of a stack, judged by the working tree's network model over both
 * inventories (as the diff judges both with the working tree's policy pack): pairs newly allowed,
 * pairs no longer allowed, needed flows that became blocked or were fixed.
 */
import type { ClusterNetwork } from "../../components/k8s/network";
import { readStackConfig } from "../harness";
import { InventoryEntry } from "../inventory";
import { networkModel } from "./model";
import { networkReport } from "./report";

export interface FlowDiff {
  /** Allowed pairs (from -> to port) that only the head allows. */
  opened: string[];
  /** Allowed pairs only the base allowed. */
  closed: string[];
  /** Needed flows blocked in the head and not in the base, and the reverse. */
  blocked: string[];
  unblocked: string[];
}

/**
 * The address ranges a render's policies were built with, read from the render: the VPC, its private
 * subnets (pods) and the control plane's subnets (or, before they existed, the public and private
 * ones the cluster was given), the Service range; an existing cluster's from its stack file.
 */
export function clusterNetworkOf(inventory: InventoryEntry[], stack: string, configDir: string): ClusterNetwork {
  const vpc = inventory.find((r) => r.type === "aws:ec2/vpc:Vpc");
  const cluster = inventory.find((r) => r.type === "eks:index:Cluster");
  if (vpc && cluster) {
    const subnets = (part: string) => inventory.filter((r) => r.type === "aws:ec2/subnet:Subnet" && r.name.includes(`-${part}-`)).map((r) => String(r.inputs.cidrBlock));
    const controlPlane = subnets("control-plane");
    return {
      nodeCidr: String(vpc.inputs.cidrBlock),
      serviceCidr: String(cluster.inputs.kubernetesServiceIpAddressRange),
      apiServerPort: 443,
      controlPlaneCidrs: controlPlane.length ? controlPlane : [...subnets("private"), ...subnets("public")],
      podCidrs: subnets("private"),
    };
  }
  const existing = JSON.parse(readStackConfig(stack, configDir).config["hft-platform:existingCluster"] ?? "{}") as { nodeCidr: string; serviceCidr: string; apiServerPort?: number; podCidr?: string };
  return {
    nodeCidr: existing.nodeCidr,
    serviceCidr: existing.serviceCidr,
    apiServerPort: existing.apiServerPort ?? 6443,
    controlPlaneCidrs: [existing.nodeCidr],
    ...(existing.podCidr ? { podCidrs: [existing.podCidr] } : {}),
  };
}

function judged(inventory: InventoryEntry[], stack: string, configDir: string) {
  // A stack that exists on one side only allows nothing on the other.
  if (inventory.length === 0) return { pairs: new Set<string>(), blocked: new Set<string>() };
  const report = networkReport(stack, networkModel(inventory, clusterNetworkOf(inventory, stack, configDir)));
  return { report, pairs: new Set(report.pairs.map((p) => `${p.from} -> ${p.to} ${p.port}`)), blocked: new Set(report.flows.filter((f) => !f.allowed).map((f) => f.name)) };
}

export function flowDiff(stack: string, base: InventoryEntry[], head: InventoryEntry[], baseConfigDir: string, headConfigDir: string): FlowDiff {
  const before = judged(base, stack, baseConfigDir);
  const after = judged(head, stack, headConfigDir);
  const only = (a: Set<string>, b: Set<string>) => [...a].filter((x) => !b.has(x)).sort();
  return { opened: only(after.pairs, before.pairs), closed: only(before.pairs, after.pairs), blocked: only(after.blocked, before.blocked), unblocked: only(before.blocked, after.blocked) };
}

/** The diff's lines for a stack's flows; none when nothing changed. */
export function flowDiffLines(d: FlowDiff): string[] {
  if (!d.opened.length && !d.closed.length && !d.blocked.length && !d.unblocked.length) return ["Network flows: unchanged."];
  return [
    `Network flows: ${d.opened.length} newly allowed, ${d.closed.length} no longer allowed, ${d.blocked.length} needed flow(s) newly blocked, ${d.unblocked.length} unblocked.`,
    ...d.blocked.map((f) => `- ⛔ needed flow blocked: ${f}`),
    ...d.unblocked.map((f) => `- ✅ needed flow allowed again: ${f}`),
    ...d.opened.map((p) => `- 🔓 ${p}`),
    ...d.closed.map((p) => `- 🔒 ${p}`),
  ];
}
