import { bool, int, oneOf, section, TierContext, withRules } from "./fields";

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

/** gp3 limits (AWS EBS documentation): IOPS 3000–16000, throughput 125–1000 MiB/s, at most 0.25 MiB/s per IOPS. */
export const GP3 = { minIops: 3000, maxIops: 16000, minThroughput: 125, maxThroughput: 1000, throughputPerIops: 0.25 };

export function storageSchema({ prod }: TierContext) {
  const fastSsd = section({
    iops: int(GP3.minIops, GP3.maxIops).describe("Provisioned IOPS of the fast-ssd gp3 class (3000–16000)."),
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
