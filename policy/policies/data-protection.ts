/**
 * Data protection: stateful resources protected from `pulumi destroy`, volumes that outlive their
 * claims, a replicated database that archives its WAL and is backed up on a schedule, versioned backup
 * buckets and rotated keys. Resources are judged by type and properties, so new ones are covered too.
 */
import { PolicyResource } from "@pulumi/policy";
import { K8S, ObjectMeta } from "../kubernetes";
import { asArray, HftPolicy, resourceRule, stackRule } from "../rules";

export const DATA = {
  kmsKey: "aws:kms/key:Key",
  efs: "aws:efs/fileSystem:FileSystem",
  bucket: "aws:s3/bucket:Bucket",
  bucketV2: "aws:s3/bucketV2:BucketV2",
  versioning: "aws:s3/bucketVersioning:BucketVersioning",
  versioningV2: "aws:s3/bucketVersioningV2:BucketVersioningV2",
  rdsCluster: "aws:rds/cluster:Cluster",
  rdsInstance: "aws:rds/instance:Instance",
  elasticache: "aws:elasticache/replicationGroup:ReplicationGroup",
  eksCluster: "aws:eks/cluster:Cluster",
  eksComponent: "eks:index:Cluster",
  cnpgCluster: "kubernetes:postgresql.cnpg.io/v1:Cluster",
  cnpgScheduledBackup: "kubernetes:postgresql.cnpg.io/v1:ScheduledBackup",
} as const;

/** Types whose deletion loses data or the cluster itself: protected wherever they appear. */
const ALWAYS_PROTECTED: readonly string[] = [
  DATA.kmsKey,
  DATA.efs,
  DATA.bucket,
  DATA.bucketV2,
  DATA.rdsCluster,
  DATA.rdsInstance,
  DATA.elasticache,
  DATA.eksCluster,
  DATA.eksComponent,
  DATA.cnpgCluster,
];

interface StatefulSetLike {
  metadata?: ObjectMeta;
  spec?: { volumeClaimTemplates?: object[] };
}

const statefulResourcesProtected = resourceRule<StatefulSetLike>(
  {
    name: "stateful-resources-protected",
    description: "Stateful resources (KMS keys, EFS, S3 buckets, databases, the EKS cluster, StatefulSets with volume claim templates) carry the protect option, so no destroy or replacement deletes them: set protect.",
    enforcementLevel: "mandatory",
    targetTypes: [...ALWAYS_PROTECTED, K8S.statefulSet],
  },
  (props, report, _config, args) => {
    if (args.type === K8S.statefulSet && asArray(props.spec?.volumeClaimTemplates).length === 0) args.notApplicable("a StatefulSet without volume claim templates holds no data");
    // CrossGuard passes resource options with every resource: opts.protect is a boolean (the analyzer reads getProtect()).
    if (!args.opts.protect) report(`${args.type} ${args.name} is not protected (protect is false): a destroy or a replacing change would delete it. Set the protect resource option.`);
  },
);

interface StorageClassProps {
  metadata?: ObjectMeta;
  reclaimPolicy?: string;
}

const storageClassRetain = resourceRule<StorageClassProps>(
  {
    name: "storage-class-reclaim-retain",
    description: "StorageClasses reclaim Retain (Kubernetes defaults to Delete), so a deleted claim leaves its volume and data behind: set reclaimPolicy: Retain.",
    enforcementLevel: "mandatory",
    targetTypes: [K8S.storageClass],
  },
  (sc, report) => {
    if (sc.reclaimPolicy !== "Retain") report(`reclaimPolicy is ${sc.reclaimPolicy ?? "unset (Delete)"}: deleting a claim would delete its volume. Set Retain.`);
  },
);

interface CnpgCluster {
  metadata?: ObjectMeta;
  spec?: {
    instances?: number;
    plugins?: { name?: string; isWALArchiver?: boolean; enabled?: boolean }[];
    backup?: { barmanObjectStore?: { destinationPath?: string } };
  };
}

const databaseReplicas = resourceRule<CnpgCluster, { minInstances: number }>(
  {
    name: "database-replicas",
    description: "The database Cluster (CloudNativePG) runs at least minInstances instances (3 in prod): a primary and replicas to fail over to.",
    enforcementLevel: "mandatory",
    targetTypes: [DATA.cnpgCluster],
    configSchema: { properties: { minInstances: { type: "integer", minimum: 1, default: 3, description: "Fewest instances a database Cluster may run." } } },
  },
  (cluster, report, config) => {
    const instances = cluster.spec?.instances ?? 1;
    if (instances < config.minInstances) report(`spec.instances is ${instances}: run at least ${config.minInstances} so a failed primary has replicas to fail over to.`);
  },
);

const databaseWalArchiving = resourceRule<CnpgCluster>(
  {
    name: "database-wal-archiving",
    description: "The database Cluster archives its WAL (a plugin with isWALArchiver, or spec.backup.barmanObjectStore), so it can be restored to any point in time.",
    enforcementLevel: "mandatory",
    targetTypes: [DATA.cnpgCluster],
  },
  (cluster, report) => {
    const plugin = asArray(cluster.spec?.plugins).some((p) => p.isWALArchiver === true && p.enabled !== false);
    const inTree = cluster.spec?.backup?.barmanObjectStore !== undefined;
    if (!plugin && !inTree) report("the Cluster archives no WAL: add the Barman Cloud plugin with isWALArchiver: true (or spec.backup.barmanObjectStore).");
  },
);

const databaseScheduledBackup = stackRule(
  {
    name: "database-scheduled-backup",
    description: "Every database Cluster is named by a ScheduledBackup in its namespace, so base backups run without anyone remembering to.",
    enforcementLevel: "mandatory",
    targetTypes: [DATA.cnpgCluster],
  },
  (resources, report) => {
    const backups = resources.filter((r) => r.type === DATA.cnpgScheduledBackup).map((r) => r.props as { metadata?: ObjectMeta; spec?: { cluster?: { name?: string }; suspend?: boolean } });
    for (const cluster of resources.filter((r) => r.type === DATA.cnpgCluster)) {
      const meta = (cluster.props as CnpgCluster).metadata ?? {};
      const name = meta.name;
      // Without metadata.name the Kubernetes provider auto-names the Cluster with a random suffix
      // (pulumi/pulumi-kubernetes#2539, read 2026-12-07), which no ScheduledBackup can name in advance.
      if (name === undefined) {
        report(`database Cluster ${cluster.name} sets no metadata.name, so no ScheduledBackup can name it: set metadata.name and add one naming it in spec.cluster.name.`, cluster.urn);
        continue;
      }
      const scheduled = backups.some((b) => b.spec?.cluster?.name === name && (b.metadata?.namespace ?? "default") === (meta.namespace ?? "default") && b.spec.suspend !== true);
      if (!scheduled) report(`database Cluster ${name} has no active ScheduledBackup: add one naming it in spec.cluster.name.`, cluster.urn);
    }
  },
);

const BUCKETS: readonly string[] = [DATA.bucket, DATA.bucketV2];

function versioned(bucket: PolicyResource, resources: PolicyResource[]): boolean {
  return resources.some(
    (r) =>
      (r.type === DATA.versioning || r.type === DATA.versioningV2) &&
      r.dependencies.some((d) => d.urn === bucket.urn) &&
      (r.props as { versioningConfiguration?: { status?: string } }).versioningConfiguration?.status === "Enabled",
  );
}

/** What the bucket's versioning resources say, for the message. */
function versioningStatus(bucket: PolicyResource, resources: PolicyResource[]): string {
  const statuses = resources
    .filter((r) => (r.type === DATA.versioning || r.type === DATA.versioningV2) && r.dependencies.some((d) => d.urn === bucket.urn))
    .map((r) => (r.props as { versioningConfiguration?: { status?: string } }).versioningConfiguration?.status ?? "unset");
  return statuses.length === 0 ? "no BucketVersioning" : `status ${statuses.join(", ")}`;
}

const bucketVersioning = stackRule(
  {
    name: "s3-bucket-versioning",
    description: "Every S3 bucket has a BucketVersioning with status Enabled referencing it, so an overwrite or delete of a backup can be undone: add one.",
    enforcementLevel: "mandatory",
    targetTypes: BUCKETS,
  },
  (resources, report) => {
    for (const bucket of resources.filter((r) => BUCKETS.includes(r.type))) {
      if (!versioned(bucket, resources)) report(`bucket ${bucket.name} has no enabled versioning (${versioningStatus(bucket, resources)}): add a BucketVersioning with status Enabled that references bucket.id.`, bucket.urn);
    }
  },
);

interface KmsKey {
  customerMasterKeySpec?: string;
  keySpec?: string;
  enableKeyRotation?: boolean;
  rotationPeriodInDays?: number;
}

const kmsKeyRotation = resourceRule<KmsKey, { maxRotationPeriodDays: number }>(
  {
    name: "kms-key-rotation",
    description: "Symmetric KMS keys rotate automatically (enableKeyRotation), at most every maxRotationPeriodDays: set enableKeyRotation: true.",
    enforcementLevel: "mandatory",
    targetTypes: [DATA.kmsKey],
    configSchema: {
      properties: { maxRotationPeriodDays: { type: "integer", minimum: 90, maximum: 2560, default: 365, description: "Longest automatic rotation period (AWS allows 90 to 2560 days)." } },
    },
  },
  (key, report, config, args) => {
    // AWS rotates only symmetric encryption keys (KMS developer guide, "Rotating AWS KMS keys", read 2026-11-30).
    const spec = key.keySpec ?? key.customerMasterKeySpec ?? "SYMMETRIC_DEFAULT";
    if (spec !== "SYMMETRIC_DEFAULT") args.notApplicable(`${spec} keys cannot rotate automatically`);
    if (key.enableKeyRotation !== true) report("automatic key rotation is off: set enableKeyRotation: true.");
    else if ((key.rotationPeriodInDays ?? 365) > config.maxRotationPeriodDays) report(`rotationPeriodInDays ${key.rotationPeriodInDays ?? "unset (AWS's default, 365)"} is above ${config.maxRotationPeriodDays}.`);
  },
);

export const dataProtectionPolicies: HftPolicy[] = [
  statefulResourcesProtected,
  storageClassRetain,
  databaseReplicas,
  databaseWalArchiving,
  databaseScheduledBackup,
  bucketVersioning,
  kmsKeyRotation,
];
