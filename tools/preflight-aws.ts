/**
 * Preflight's account checks of an eks stack, computed from the render: the EC2 quotas the node
 * groups and NAT gateways need at their maximum, capacity for the latency group's placement group,
 * and whether the pinned AMI release is one we know exists.
 *
 * Quota codes (service code `ec2`), read 2026-12-07:
 * - L-1216C47A "Running On-Demand Standard (A, C, D, H, I, M, R, T, Z) instances", counted in vCPUs
 *   (usage metric Resource=vCPU, Class=Standard/OnDemand), default 5: AWS CLI User Guide, "Service
 *   Quotas examples using AWS CLI", get-aws-default-service-quota --service-code ec2 --quota-code L-1216C47A.
 * - L-0263D0A3 "EC2-VPC Elastic IPs", default 5 per Region: AWS EC2 User Guide, "Elastic IP addresses"
 *   (quota of five per Region); the code as quota tools use it (e.g. OpenShift's installer checks,
 *   aws-quota-checker's ElasticIpCountCheck); not read on an AWS page that names the code.
 * - A Capacity Reservation can be made inside a cluster placement group (CreateCapacityReservation
 *   PlacementGroupArn: AWS SDK reference, "Capacity Reservations for cluster placement groups").
 *   EC2 has no call that says whether N instances fit in one placement group without reserving them.
 */
import { InventoryEntry } from "./inventory";
import { EKS_AMI_RELEASES, EKS_AMI_RELEASES_SOURCE } from "./data/eks-ami-releases";
import { INSTANCE_TYPES } from "./data/instance-types";
import { AddCheck } from "./preflight-types";
import { updateSurges } from "./capacity/surge";

export const QUOTAS = {
  onDemandStandardVcpus: { serviceCode: "ec2", quotaCode: "L-1216C47A", name: "Running On-Demand Standard (A, C, D, H, I, M, R, T, Z) instances", default: 5 },
  elasticIps: { serviceCode: "ec2", quotaCode: "L-0263D0A3", name: "EC2-VPC Elastic IPs", default: 5 },
} as const;

/** Families counted by the On-Demand Standard quota (the letters in its name); Inferentia, Trainium, HPC and Mac have their own. */
const STANDARD_FAMILY = /^(a|c|d|h(?!pc)|i(?!nf)|m(?!ac)|r|t(?!rn)|z)\d/;

export interface NodeGroupMax {
  name: string;
  instanceType: string;
  maxSize: number;
  vcpus?: number;
  /** Latency-tuned: a cluster placement group in one zone. */
  placementGroup: boolean;
}

/** Every managed node group of the render at its maximum size, with its vCPUs per node where the instance table knows them. */
export function nodeGroupsAtMax(inventory: InventoryEntry[]): NodeGroupMax[] {
  const placementParents = new Set(inventory.filter((e) => e.type === "aws:ec2/placementGroup:PlacementGroup").map((e) => e.parent));
  return inventory
    .filter((e) => e.type === "aws:eks/nodeGroup:NodeGroup")
    .map((e) => {
      const inputs = e.inputs as { instanceTypes?: string[]; scalingConfig?: { maxSize?: number } };
      // A group with several types can launch the largest: count that one.
      const types = inputs.instanceTypes ?? [];
      const largest = [...types].sort((a, b) => (INSTANCE_TYPES[b]?.vcpus ?? 0) - (INSTANCE_TYPES[a]?.vcpus ?? 0))[0] ?? "?";
      return { name: e.name, instanceType: largest, maxSize: inputs.scalingConfig?.maxSize ?? 0, vcpus: INSTANCE_TYPES[largest]?.vcpus, placementGroup: placementParents.has(e.parent) };
    });
}

const quotaCommand = (q: { serviceCode: string; quotaCode: string }, inRegion: string) =>
  `aws service-quotas get-service-quota${inRegion} --service-code ${q.serviceCode} --quota-code ${q.quotaCode} --query Quota.Value --output text`;

export interface AccountCheckInput {
  stack: string;
  inventory: InventoryEntry[];
  region: string;
  kubernetesVersion: string;
  nodeAmiRelease: string;
}

export function quotaChecks(input: AccountCheckInput, add: AddCheck): void {
  const inRegion = input.region ? ` --region ${input.region}` : "";
  const groups = nodeGroupsAtMax(input.inventory);
  const standard = groups.filter((g) => STANDARD_FAMILY.test(g.instanceType));
  const vcpus = standard.reduce((sum, g) => sum + g.maxSize * (g.vcpus ?? 0), 0);
  const detail = standard.map((g) => `${g.name} ${g.maxSize} x ${g.instanceType} ${g.vcpus ?? "?"}`).join(" + ");
  const q = QUOTAS.onDemandStandardVcpus;
  add(
    "Quotas",
    "confirm",
    `${vcpus} vCPUs of On-Demand Standard instances with every node group at its maximum (${detail}): ${q.quotaCode} "${q.name}" (default ${q.default}) less the vCPUs already running in the account must be at least ${vcpus}`,
    quotaCommand(q, inRegion),
  );
  for (const g of groups.filter((g) => g.vcpus === undefined || !STANDARD_FAMILY.test(g.instanceType))) {
    add("Quotas", "review", `${g.name} uses ${g.instanceType}, which ${g.vcpus === undefined ? "tools/data/instance-types.ts does not describe" : "another On-Demand quota counts"}: find its quota`, `aws service-quotas list-service-quotas${inRegion} --service-code ec2 --query "Quotas[?contains(QuotaName, 'On-Demand')].[QuotaCode,QuotaName,Value]" --output text`);
  }
  // A node update adds nodes before it drains (tools/capacity/surge.ts); an AMI change updates every group at once.
  const surges = updateSurges(input.inventory).filter((u) => STANDARD_FAMILY.test(u.instanceType));
  const surgeVcpus = surges.reduce((sum, u) => sum + u.surgeNodes * (INSTANCE_TYPES[u.instanceType]?.vcpus ?? 0), 0);
  if (surgeVcpus > 0) {
    add(
      "Quotas",
      "confirm",
      `${vcpus + surgeVcpus} vCPUs of On-Demand Standard instances while the node groups update at their maximum (${surges.map((u) => `${u.group} +${u.surgeNodes} x ${u.instanceType}`).join(", ")} launched before the old nodes drain): ${q.quotaCode} less the vCPUs already running must be at least ${vcpus + surgeVcpus}, or an update stalls in its scale-up phase`,
      quotaCommand(q, inRegion),
    );
  }
  const eips = input.inventory.filter((e) => e.type === "aws:ec2/eip:Eip").length;
  if (eips > 0) {
    const e = QUOTAS.elasticIps;
    add(
      "Quotas",
      "confirm",
      `${eips} Elastic IP(s), one per NAT gateway (network.natGateways): ${e.quotaCode} "${e.name}" (default ${e.default} per Region) less the addresses already allocated (second number) must be at least ${eips}`,
      `${quotaCommand(e, inRegion)} && aws ec2 describe-addresses${inRegion} --query 'length(Addresses)'`,
    );
  }
}

/** Capacity for each latency group: one cluster placement group in one zone, all its nodes at once. */
export function capacityChecks(input: AccountCheckInput, add: AddCheck): void {
  const inRegion = input.region ? ` --region ${input.region}` : "";
  for (const g of nodeGroupsAtMax(input.inventory).filter((g) => g.placementGroup)) {
    const group = `Capacity: ${g.name}`;
    // The program puts the group in the first private subnet, in the first available zone that needs no opt-in.
    add(group, "confirm", `the zone its ${g.maxSize} x ${g.instanceType} land in (the first available zone that needs no opt-in)`, `aws ec2 describe-availability-zones${inRegion} --filters Name=state,Values=available Name=opt-in-status,Values=opt-in-not-required --query 'AvailabilityZones[0].ZoneName' --output text`);
    add(group, "confirm", `${g.instanceType} is offered in that zone`, `aws ec2 describe-instance-type-offerings${inRegion} --location-type availability-zone --filters Name=instance-type,Values=${g.instanceType} Name=location,Values=<zone> --query 'InstanceTypeOfferings[].Location' --output text`);
    const surge = updateSurges(input.inventory).find((u) => u.group === g.name);
    if (surge) add(group, "confirm", `room in the placement group for ${g.maxSize + surge.surgeNodes} x ${g.instanceType} during a node update (${surge.surgeNodes} launched before the old ones drain): reserve them, or expect InsufficientInstanceCapacity to stall the update`, `aws ec2 describe-capacity-reservations${inRegion} --filters Name=instance-type,Values=${g.instanceType} Name=state,Values=active --query 'sum(CapacityReservations[].AvailableInstanceCount)' --output text`);
    add(group, "confirm", `capacity reservations for ${g.instanceType} already held (zone, instances free, placement group)`, `aws ec2 describe-capacity-reservations${inRegion} --filters Name=instance-type,Values=${g.instanceType} Name=state,Values=active --query 'CapacityReservations[].[AvailabilityZone,AvailableInstanceCount,PlacementGroupArn]' --output text`);
    add(
      group,
      "review",
      `no call tells whether ${g.maxSize} x ${g.instanceType} fit in one cluster placement group; a capacity reservation proves it (billed while held, open match: the node group uses it without naming it), in the placement group the bootstrap created`,
      `aws ec2 create-capacity-reservation${inRegion} --instance-type ${g.instanceType} --instance-platform Linux/UNIX --availability-zone <zone> --instance-count ${g.maxSize} --instance-match-criteria open --placement-group-arn "$(aws ec2 describe-placement-groups${inRegion} --filters Name=strategy,Values=cluster Name=tag:hft:stack,Values=${input.stack} --query 'PlacementGroups[0].GroupArn' --output text)"`,
    );
  }
}

/** The pinned AMI release against the releases known to exist, then the SSM parameter the program reads. */
export function amiChecks(input: AccountCheckInput, parameters: string[], add: AddCheck): void {
  const inRegion = input.region ? ` --region ${input.region}` : "";
  const { nodeAmiRelease: release, kubernetesVersion: k8s } = input;
  const known = EKS_AMI_RELEASES[release]?.[k8s];
  if (known) add("AMI", "confirm", `cluster.nodeAmiRelease ${release} ships kubelet ${known} for Kubernetes ${k8s} (${EKS_AMI_RELEASES_SOURCE})`, `gh release view ${release} --repo awslabs/amazon-eks-ami`);
  else {
    const latest = Object.keys(EKS_AMI_RELEASES).filter((r) => EKS_AMI_RELEASES[r][k8s]).sort().pop();
    add(
      "AMI",
      "review",
      `cluster.nodeAmiRelease ${release} is not a release known to ship Kubernetes ${k8s} (tools/data/eks-ami-releases.ts, ${EKS_AMI_RELEASES_SOURCE}${latest ? `; newest known: ${latest}` : ""}): confirm it with the SSM parameter below, or pin a known one`,
      `pulumi config set --path cluster.nodeAmiRelease ${latest ?? "<release>"} --stack ${input.stack}`,
    );
  }
  for (const name of parameters) {
    add("AMI", "confirm", `the SSM parameter the program reads for ${release} and Kubernetes ${k8s} exists (it prints the AMI id)`, `aws ssm get-parameter${inRegion} --name ${name} --query Parameter.Value --output text`);
  }
}
