/**
 * Monthly on-demand cost of a rendered stack, from the pinned price table (tools/data/prices.ts):
 * EC2 per node group (configured and maximum node counts), EBS gp3 for every volume (root volumes,
 * claims, volumeClaimTemplates, chart and CloudNativePG storage at their replicas), EFS, NAT gateways,
 * the EKS control plane, load balancers, S3, CloudWatch Logs and KMS keys. Usage-based lines rest on
 * the stated assumptions in USAGE_ASSUMPTIONS.
 */
import { CapacityReport } from "./capacity";
import { quantity } from "./capacity/pods";
import { HOURS_PER_MONTH, regionPrices } from "./data/prices";
import { InventoryEntry } from "./inventory";

export interface CostItem {
  resource: string;
  quantity: number;
  unit: string;
  monthly: number;
  /** Same line with every node group at its maximum size, where that differs. */
  monthlyAtMax?: number;
}

export interface CostReport {
  stack: string;
  region: string;
  currency: "USD";
  priceDate: string;
  monthly: number;
  monthlyAtMax: number;
  items: CostItem[];
  assumptions: string[];
}

/** Usage the render cannot know, stated so the totals can be read (and changed) honestly. */
export const USAGE_ASSUMPTIONS = {
  natGbPerGatewayMonth: 100,
  controlPlaneLogGbPerTypeMonth: 5,
  flowLogGbMonth: 50,
  nlbLcusPerBalancer: 1,
  /** Barman base backups plus WAL in S3, as multiples of the database's data + WAL volume. */
  backupCopiesOfDatabase: 1,
};

const Gi = 1024 ** 3;
const money = (n: number) => Math.round(n * 100) / 100;

interface Volume {
  name: string;
  storageClass: string;
  gib: number;
  count: number;
  countAtMax: number;
}

function volumes(inventory: InventoryEntry[], capacity: CapacityReport): Volume[] {
  const out: Volume[] = [];
  const maxOf = (ns: string, name: string, replicas: number) => {
    const hpa = inventory.find(
      (r) => r.type === "kubernetes:autoscaling/v2:HorizontalPodAutoscaler" && (r.inputs.metadata as { namespace?: string })?.namespace === ns && (r.inputs.spec as { scaleTargetRef: { name: string } }).scaleTargetRef.name === name,
    );
    return hpa ? Number((hpa.inputs.spec as { maxReplicas: number }).maxReplicas) : replicas;
  };
  for (const r of inventory) {
    const meta = (r.inputs.metadata ?? {}) as { name?: string; namespace?: string };
    const spec = (r.inputs.spec ?? {}) as Record<string, unknown>;
    if (r.type === "kubernetes:apps/v1:StatefulSet") {
      const replicas = Number(spec.replicas ?? 1);
      for (const t of (spec.volumeClaimTemplates ?? []) as { metadata: { name: string }; spec: { storageClassName: string; resources: { requests: { storage: string } } } }[]) {
        out.push({ name: `${meta.namespace}/${meta.name} ${t.metadata.name}`, storageClass: t.spec.storageClassName, gib: quantity(t.spec.resources.requests.storage) / Gi, count: replicas, countAtMax: maxOf(meta.namespace ?? "", meta.name ?? "", replicas) });
      }
    } else if (r.type === "kubernetes:core/v1:PersistentVolumeClaim") {
      const s = spec as { storageClassName: string; resources: { requests: { storage: string } } };
      out.push({ name: `${meta.namespace}/${meta.name}`, storageClass: s.storageClassName, gib: quantity(s.resources.requests.storage) / Gi, count: 1, countAtMax: 1 });
    } else if (r.type === "kubernetes:postgresql.cnpg.io/v1:Cluster") {
      const s = spec as { instances?: number; storage?: { size: string; storageClass: string }; walStorage?: { size: string; storageClass: string } };
      for (const [label, v] of [["data", s.storage], ["wal", s.walStorage]] as const) {
        if (v) out.push({ name: `${meta.namespace}/${meta.name} ${label}`, storageClass: v.storageClass, gib: quantity(v.size) / Gi, count: s.instances ?? 1, countAtMax: s.instances ?? 1 });
      }
    } else if (r.type.startsWith("kubernetes:helm.sh/") && String(r.inputs.chart).includes("kube-prometheus-stack")) {
      const values = (r.inputs.values ?? {}) as Record<string, Record<string, Record<string, unknown>>>;
      for (const [key, specKey, storageKey] of [["prometheus", "prometheusSpec", "storageSpec"], ["alertmanager", "alertmanagerSpec", "storage"]]) {
        const s = values[key]?.[specKey] as { replicas?: number } & Record<string, { volumeClaimTemplate?: { spec: { storageClassName: string; resources: { requests: { storage: string } } } } }> | undefined;
        const claim = s?.[storageKey]?.volumeClaimTemplate?.spec;
        if (claim) out.push({ name: `${String(r.inputs.namespace)}/${key}`, storageClass: claim.storageClassName, gib: quantity(claim.resources.requests.storage) / Gi, count: s?.replicas ?? 1, countAtMax: s?.replicas ?? 1 });
      }
    }
  }
  // Root volumes: one per node.
  for (const g of capacity.nodeGroups) {
    const group = inventory.find((r) => r.type === "aws:eks/nodeGroup:NodeGroup" && r.name === g.name);
    const template = inventory.find((r) => r.type === "aws:ec2/launchTemplate:LaunchTemplate" && r.parent === group?.parent);
    const size = (template?.inputs.blockDeviceMappings as { ebs: { volumeSize: number } }[] | undefined)?.[0]?.ebs.volumeSize;
    if (size) out.push({ name: `${g.name} root volumes`, storageClass: "root", gib: size, count: g.nodes, countAtMax: g.maxNodes });
  }
  return out;
}

export function costOfRender(stack: string, inventory: InventoryEntry[], capacity: CapacityReport): CostReport {
  const zone = inventory.find((r) => r.type === "aws:ec2/subnet:Subnet")?.inputs.availabilityZone;
  const assumptions = Object.entries(USAGE_ASSUMPTIONS).map(([k, v]) => `${k}: ${v}`);
  if (typeof zone !== "string") {
    return { stack, region: "n/a", currency: "USD", priceDate: "n/a", monthly: 0, monthlyAtMax: 0, items: [], assumptions: ["existing cluster: the stack creates no AWS resources; its nodes are paid for elsewhere"] };
  }
  const region = zone.slice(0, -1);
  const p = regionPrices(region);
  const items: CostItem[] = [];
  const add = (resource: string, qty: number, unit: string, monthly: number, monthlyAtMax = monthly) =>
    items.push({ resource, quantity: Math.round(qty * 100) / 100, unit, monthly: money(monthly), ...(money(monthlyAtMax) !== money(monthly) ? { monthlyAtMax: money(monthlyAtMax) } : {}) });
  const count = (type: string) => inventory.filter((r) => r.type === type).length;

  for (const g of capacity.nodeGroups) {
    const hourly = p.ec2Hourly[g.instanceType];
    if (hourly === undefined) throw new Error(`no ${region} price for ${g.instanceType} in tools/data/prices.ts`);
    add(`EC2 ${g.instanceType} (${g.name})`, g.nodes, "instances", g.nodes * hourly * HOURS_PER_MONTH, g.maxNodes * hourly * HOURS_PER_MONTH);
  }
  const classes = new Map(
    inventory.filter((r) => r.type === "kubernetes:storage.k8s.io/v1:StorageClass").map((r) => [String((r.inputs.metadata as { name: string }).name), r.inputs as { provisioner: string; parameters?: Record<string, string> }]),
  );
  let efsGib = 0;
  for (const v of volumes(inventory, capacity)) {
    const sc = classes.get(v.storageClass);
    if (sc?.provisioner === "efs.csi.aws.com") {
      efsGib += v.gib * v.count;
      continue;
    }
    const iops = Math.max(0, Number(sc?.parameters?.iops ?? 3000) - 3000);
    const mibps = Math.max(0, Number(sc?.parameters?.throughput ?? 125) - 125);
    const perVolume = v.gib * p.ebsGp3.gbMonth + iops * p.ebsGp3.iopsMonthAbove3000 + mibps * p.ebsGp3.mibpsMonthAbove125;
    add(`EBS gp3 ${v.name} (${v.gib} GiB${iops || mibps ? `, +${iops} IOPS, +${mibps} MiB/s` : ""})`, v.count, "volumes", perVolume * v.count, perVolume * v.countAtMax);
  }
  if (count("aws:efs/fileSystem:FileSystem")) {
    add("EFS Standard storage (claims filled to their size)", efsGib, "GB-month", efsGib * p.efsStandardGbMonth);
    const backup = inventory.some((r) => r.type === "aws:efs/backupPolicy:BackupPolicy" && (r.inputs.backupPolicy as { status?: string })?.status === "ENABLED");
    if (backup) add("AWS Backup of EFS (warm)", efsGib, "GB-month", efsGib * p.efsBackupWarmGbMonth);
  }
  const nats = count("aws:ec2/natGateway:NatGateway");
  if (nats) {
    add("NAT gateway hours", nats, "gateways", nats * p.natGatewayHour * HOURS_PER_MONTH);
    add("NAT gateway data processed (assumed)", nats * USAGE_ASSUMPTIONS.natGbPerGatewayMonth, "GB", nats * USAGE_ASSUMPTIONS.natGbPerGatewayMonth * p.natGatewayGb);
  }
  const eips = count("aws:ec2/eip:Eip");
  if (eips) add("Public IPv4 addresses", eips, "addresses", eips * p.publicIpv4Hour * HOURS_PER_MONTH);
  const cluster = inventory.find((r) => r.type === "eks:index:Cluster");
  if (cluster) {
    add("EKS control plane (standard support)", 1, "clusters", p.eksClusterHour * HOURS_PER_MONTH);
    const logTypes = ((cluster.inputs.enabledClusterLogTypes as string[] | undefined) ?? []).length;
    const gb = logTypes * USAGE_ASSUMPTIONS.controlPlaneLogGbPerTypeMonth;
    if (gb) add("CloudWatch Logs ingestion, control plane (assumed)", gb, "GB", gb * p.cloudWatchLogsIngestGb);
  }
  if (count("aws:ec2/flowLog:FlowLog")) add("CloudWatch Logs ingestion, VPC flow logs (assumed)", USAGE_ASSUMPTIONS.flowLogGbMonth, "GB", USAGE_ASSUMPTIONS.flowLogGbMonth * p.cloudWatchLogsIngestGb);
  const nlbs = inventory.filter((r) => r.type === "kubernetes:core/v1:Service" && (r.inputs.spec as { type?: string })?.type === "LoadBalancer").length;
  if (nlbs) add("Network Load Balancers (1 LCU each, assumed)", nlbs, "balancers", nlbs * (p.nlbHour + USAGE_ASSUMPTIONS.nlbLcusPerBalancer * p.nlbLcuHour) * HOURS_PER_MONTH);
  if (count("aws:s3/bucket:Bucket")) {
    const db = volumes(inventory, capacity).filter((v) => /cnpg|timescale/i.test(v.name) && !v.name.includes("root"));
    const gb = db.reduce((s, v) => s + v.gib, 0) * USAGE_ASSUMPTIONS.backupCopiesOfDatabase;
    add("S3 Standard, database backups (assumed size)", gb, "GB-month", gb * p.s3StandardGbMonth);
  }
  const keys = count("aws:kms/key:Key");
  if (keys) add("KMS keys", keys, "keys", keys * p.kmsKeyMonth);

  const monthly = money(items.reduce((s, i) => s + i.monthly, 0));
  const monthlyAtMax = money(items.reduce((s, i) => s + (i.monthlyAtMax ?? i.monthly), 0));
  return { stack, region, currency: "USD", priceDate: p.priceDate, monthly, monthlyAtMax, items, assumptions };
}
