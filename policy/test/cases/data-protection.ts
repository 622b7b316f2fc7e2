/** Fixtures for the data protection rules. */
import { K8S } from "../../kubernetes";
import { DATA } from "../../policies/data-protection";
import { AWS_STORAGE } from "../../policies/storage";
import * as aws from "../fixtures/aws";
import * as k from "../fixtures/kubernetes";
import { resource } from "../harness";
import { Case, of } from "./case";

export function cnpgCluster(): Record<string, unknown> {
  return {
    metadata: { name: "timescaledb", namespace: "hft-data" },
    spec: { instances: 3, plugins: [{ name: "barman-cloud.cloudnative-pg.io", isWALArchiver: true, parameters: { barmanObjectName: "timescaledb" } }] },
  };
}

export function scheduledBackup(namespace = "hft-data"): Record<string, unknown> {
  return { metadata: { name: "timescaledb-daily", namespace }, spec: { cluster: { name: "timescaledb" }, schedule: "0 0 3 * * *", method: "plugin" } };
}

const versioning = (status: string) => {
  const b = aws.bucket();
  return [{ ...b, protect: true }, aws.onBucket(DATA.versioning, { versioningConfiguration: { status } }, b)];
};

export const DATA_CASES: Case[] = [
  {
    rule: "stateful-resources-protected",
    compliant: () => [...of(DATA.kmsKey, { enableKeyRotation: true }, () => {}, "hft-secrets", { protect: true }), ...of(K8S.statefulSet, k.statefulSet(), () => {}, "redis", { protect: true })],
    violating: () => of(AWS_STORAGE.efsFileSystem, aws.efs(), () => {}, "hft"),
    message: /aws:efs\/fileSystem:FileSystem hft is not protected \(protect is false\): .*Set the protect resource option/,
  },
  {
    rule: "storage-class-reclaim-retain",
    compliant: () => of(K8S.storageClass, k.gp3Class()),
    violating: () => of(K8S.storageClass, k.efsClass()),
    message: /reclaimPolicy is unset \(Delete\): deleting a claim would delete its volume/,
  },
  {
    rule: "database-replicas",
    compliant: () => of(DATA.cnpgCluster, cnpgCluster()),
    violating: () => of(DATA.cnpgCluster, cnpgCluster(), (c) => (c.spec.instances = 1)),
    message: /spec\.instances is 1: run at least 3/,
  },
  {
    rule: "database-wal-archiving",
    compliant: () => of(DATA.cnpgCluster, cnpgCluster()),
    violating: () => of(DATA.cnpgCluster, cnpgCluster(), (c) => (c.spec.plugins[0].isWALArchiver = false)),
    message: /the Cluster archives no WAL/,
  },
  {
    rule: "database-scheduled-backup",
    compliant: () => [...of(DATA.cnpgCluster, cnpgCluster(), () => {}, "timescaledb"), resource(DATA.cnpgScheduledBackup, scheduledBackup(), "daily")],
    // A ScheduledBackup only reaches a Cluster in its own namespace.
    violating: () => [...of(DATA.cnpgCluster, cnpgCluster(), () => {}, "timescaledb"), resource(DATA.cnpgScheduledBackup, scheduledBackup("hft-trading"), "daily")],
    message: /database Cluster timescaledb has no active ScheduledBackup/,
  },
  {
    rule: "s3-bucket-versioning",
    compliant: () => versioning("Enabled"),
    violating: () => versioning("Suspended"),
    message: /bucket timescaledb-backups has no enabled versioning/,
  },
  {
    rule: "kms-key-rotation",
    compliant: () => [...of(DATA.kmsKey, { enableKeyRotation: true, rotationPeriodInDays: 180 }), ...of(DATA.kmsKey, { keySpec: "RSA_2048", keyUsage: "SIGN_VERIFY" }, () => {}, "signing")],
    violating: () => of(DATA.kmsKey, { deletionWindowInDays: 30 }),
    message: /automatic key rotation is off: set enableKeyRotation: true/,
  },
];
