import { bool, int, oneOf, Rules, section, TierContext, withRules } from "./fields";
import { GiB, parseQuantity } from "./primitives";

export interface StorageConfig {
  /** What happens to a volume when its claim is deleted, for every class the platform creates (production: Retain). */
  reclaimPolicy: ReclaimPolicy;
  /** The `fast-ssd` class for latency-sensitive volumes. */
  fastSsd: Gp3Settings;
  efs: EfsConfig;
}

export interface Gp3Settings {
  iops: number;
  /** MiB/s. */
  throughput: number;
}

export type ReclaimPolicy = "Retain" | "Delete";

export interface EfsConfig {
  /** AWS Backup for the file system (required in production). */
  backups: boolean;
  /** When files move to Infrequent Access. */
  transitionToIa: EfsTransition;
}

export const EFS_TRANSITIONS = [
  "AFTER_1_DAY",
  "AFTER_7_DAYS",
  "AFTER_14_DAYS",
  "AFTER_30_DAYS",
  "AFTER_60_DAYS",
  "AFTER_90_DAYS",
  "AFTER_180_DAYS",
  "AFTER_270_DAYS",
  "AFTER_365_DAYS",
] as const;
export type EfsTransition = (typeof EFS_TRANSITIONS)[number];

/**
 * gp3 limits. AWS (EC2 user guide, "Amazon EBS volume types", gp3): 3000 IOPS and 125 MiB/s at any
 * size, at most 500 IOPS per GiB and 0.25 MiB/s per provisioned IOPS. Since AWS raised the gp3 maxima
 * in 2025 (64 TiB, 80,000 IOPS: re:Invent 2025 STG320; CreateVolume Throughput "125 - 2000 MiB/s":
 * EC2 API reference), 16000 IOPS and 1000 MiB/s are this project's own ceilings, the same as the
 * policy pack's ebs-storage-class-gp3-performance bounds; raise both together. Read 2026-11-30; the
 * per-GiB and per-IOPS ratios were not seen restated for the new maxima.
 */
export const GP3 = { minIops: 3000, maxIops: 16000, minThroughput: 125, maxThroughput: 1000, throughputPerIops: 0.25, maxIopsPerGiB: 500 };

/** Every claim the program makes on the fast-ssd class, by its config key. */
export const FAST_SSD_CLAIMS = [
  "engine.volumes.logs",
  "engine.volumes.data",
  "redis.storageSize",
  "timescaledb.storage.size",
  "timescaledb.storage.walSize",
  "monitoring.prometheus.storageSize",
] as const;

/**
 * A gp3 volume gets at most 500 IOPS per GiB unless it asks for the 3000 every size has. The EBS CSI
 * driver (v1.51.1, pkg/cloud/cloud.go capIOPS, with the pinned add-on v1.51.1-eksbuild.1) lowers a
 * class's IOPS to 500 × GiB only when that is still at least 3000, so a claim under 6 GiB fails
 * CreateVolume and its pod stays Pending, and a larger one silently gets less than the class says
 * (allowAutoIOPSPerGBIncrease only raises IOPS, and only with iopsPerGB). Either way the claim is
 * refused here, with the size that fits or the IOPS that fit. (Alertmanager's claim is on the gp3
 * class at the 3000 baseline, which fits any size.)
 */
export function gp3ClaimRules(r: Rules<Record<string, unknown>>, classIopsKey: string, claimKeys: readonly string[]): void {
  if (!r.valid(classIopsKey)) return;
  const iops = at(r.value, classIopsKey) as number;
  if (iops <= GP3.minIops) return;
  const minGiB = Math.ceil(iops / GP3.maxIopsPerGiB);
  for (const key of claimKeys) {
    if (!r.valid(key)) continue;
    const size = at(r.value, key) as string;
    // The driver provisions whole GiB, rounding the request up.
    const gib = Math.ceil(parseQuantity(size)! / GiB);
    if (iops > gib * GP3.maxIopsPerGiB) {
      r.problem(
        key,
        size,
        `at least ${minGiB}Gi on fast-ssd (gp3 gives at most ${GP3.maxIopsPerGiB} IOPS per GiB, and ${classIopsKey} is ${iops}), or ${classIopsKey} at most ${Math.max(GP3.minIops, gib * GP3.maxIopsPerGiB)} for ${size}`,
      );
    }
  }
}

function at(value: Record<string, unknown>, dotted: string): unknown {
  return dotted.split(".").reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], value);
}

export function storageSchema({ prod }: TierContext) {
  const fastSsd = section({
    iops: int(GP3.minIops, GP3.maxIops).describe("Provisioned IOPS of the fast-ssd gp3 class (3000–16000); above 3000, every claim on the class needs at least iops/500 GiB (gp3 gives at most 500 IOPS per GiB)."),
    throughput: int(GP3.minThroughput, GP3.maxThroughput, "125–1000 MiB/s").describe("Throughput of the fast-ssd gp3 class in MiB/s (125–1000, at most iops/4)."),
  });
  const efs = section({
    backups: bool().describe("AWS Backup for the file system (required in production)."),
    transitionToIa: oneOf(EFS_TRANSITIONS).default("AFTER_30_DAYS").describe("When files move to Infrequent Access."),
  });
  const fields = section({
    reclaimPolicy: oneOf(["Retain", "Delete"]).describe("What happens to a volume when its claim is deleted, for every class the platform creates (production: Retain)."),
    fastSsd: withRules(fastSsd, (r) => {
      const { iops, throughput } = r.value;
      if (r.valid("iops", "throughput") && throughput > iops * GP3.throughputPerIops) {
        r.problem("throughput", throughput, `at most iops/4 = ${Math.floor(iops * GP3.throughputPerIops)} MiB/s for ${iops} IOPS`);
      }
    }).describe("The fast-ssd class for latency-sensitive volumes."),
    efs: withRules(efs, (r) => {
      if (prod && r.valid("backups") && r.value.backups === false) r.problem("backups", false, "true in production");
    }).describe("The EFS file system for the engine's shared reference data."),
  });
  return withRules(fields, (r) => {
    if (prod && r.valid("reclaimPolicy") && r.value.reclaimPolicy === "Delete") r.problem("reclaimPolicy", "Delete", "Retain in production");
  });
}
