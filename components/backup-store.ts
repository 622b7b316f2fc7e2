import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { podIdentityRole } from "./cluster";
import { denyInsecureTransport, privateBucketControls } from "./private-bucket";

export interface BackupStoreArgs {
  /** Names the bucket, key alias and role after the cluster and the database they serve. */
  eksClusterName: pulumi.Input<string>;
  database: string;
  /** The Kubernetes identity EKS Pod Identity hands the role to: the database's service account. */
  client: { namespace: string; serviceAccount: string };
  /** An identity that only reads the client's backups (the restore drill): list, get and decrypt, never write or delete. */
  reader: { namespace: string; serviceAccount: string };
  /** Folder the client writes under; the role reaches nothing else in the bucket. */
  prefix: string;
  /** Days S3 keeps object versions the client's retention deleted or overwrote. */
  noncurrentVersionDays: number;
  /** Production: the bucket and its key cannot be deleted by accident. */
  protect: boolean;
  tags: Record<string, string>;
  /**
   * URN of the component these resources were children of before they moved here (the
   * TimescaleDb component): aliases keep every existing bucket, key and role in place.
   */
  formerParentUrn?: pulumi.Input<string>;
}

/** What the database workload receives: plain values, no AWS resource. */
export interface BackupStoreHandle {
  bucket: pulumi.Output<string>;
  region: pulumi.Output<string>;
  /** `s3://<bucket>/<prefix>`, the client's destination path. */
  destinationPath: pulumi.Output<string>;
  roleArn: pulumi.Output<string>;
  /** Done when the pod-identity association exists: the client's first pod must start after it, or it has no credentials. */
  ready: pulumi.Resource[];
  /** The same for the reader. */
  readerReady: pulumi.Resource[];
}

/**
 * A versioned S3 bucket encrypted with its own rotating KMS key, private and TLS-only, with old
 * versions expired, and the IAM role a service account gets through EKS Pod Identity to write,
 * read, list and prune its prefix there: the AWS side of a database's backups.
 */
export class BackupStore extends pulumi.ComponentResource {
  readonly handle: BackupStoreHandle;

  constructor(name: string, args: BackupStoreArgs, opts?: pulumi.ComponentResourceOptions) {
    const former = args.formerParentUrn;
    // Every direct child (including the role podIdentityRole creates) answers to its old URN as well.
    const self: { store?: BackupStore } = {};
    const keepUrns: pulumi.ResourceTransformation = (child) =>
      former && child.opts.parent === self.store ? { props: child.props, opts: pulumi.mergeOptions(child.opts, { aliases: [{ parent: former }] }) } : undefined;
    super("hft:platform:BackupStore", name, {}, { ...opts, transformations: [...(opts?.transformations ?? []), keepUrns] });
    self.store = this;
    const parent = { parent: this };
    const stateful = { parent: this, protect: args.protect, retainOnDelete: args.protect };
    const label = pulumi.interpolate`${args.eksClusterName}-${args.database}-backups`;

    const key = new aws.kms.Key(
      `${name}-backups`,
      { description: `${args.database} backups (base backups and WAL)`, enableKeyRotation: true, deletionWindowInDays: 30, tags: args.tags },
      stateful,
    );
    new aws.kms.Alias(`${name}-backups`, { name: pulumi.interpolate`alias/${label}`, targetKeyId: key.keyId }, parent);
    const bucket = new aws.s3.Bucket(
      `${name}-backups`,
      // Outside production the stack may take its backups with it.
      { bucketPrefix: pulumi.interpolate`${label}-`, forceDestroy: !args.protect, tags: args.tags },
      stateful,
    );
    const { publicAccess, versioning } = privateBucketControls(`${name}-backups`, bucket, key, parent);
    new aws.s3.BucketLifecycleConfiguration(
      `${name}-backups`,
      {
        bucket: bucket.id,
        rules: [
          {
            // The client's retention policy deletes obsolete backups and WAL; versioning keeps what it (or
            // anyone) deleted for a while longer. Current objects never expire by age: a stalled backup
            // schedule must not let S3 delete the only base backup a restore needs.
            id: "expire-deleted-backups",
            status: "Enabled",
            filter: {},
            noncurrentVersionExpiration: { noncurrentDays: args.noncurrentVersionDays },
            expiration: { expiredObjectDeleteMarker: true },
            abortIncompleteMultipartUpload: { daysAfterInitiation: 7 },
          },
        ],
      },
      { parent: this, dependsOn: [versioning] },
    );
    new aws.s3.BucketPolicy(
      `${name}-backups`,
      { bucket: bucket.id, policy: pulumi.all([bucket.arn, key.arn]).apply(([bucketArn, keyArn]) => JSON.stringify(backupBucketPolicy(bucketArn, keyArn))) },
      // S3 rejects a bucket policy while the public access block is still being applied.
      { parent: this, dependsOn: [publicAccess] },
    );

    const policy = new aws.iam.Policy(
      `${name}-backups`,
      {
        description: `${args.database}: WAL archiving, base backups, retention and restore in its backup bucket`,
        policy: pulumi.all([bucket.arn, key.arn]).apply(([bucketArn, keyArn]) => JSON.stringify(backupRolePolicy(bucketArn, keyArn, args.prefix))),
        tags: args.tags,
      },
      parent,
    );
    const role = podIdentityRole(`${name}-backups`, policy.arn, args.tags, this);
    const association = new aws.eks.PodIdentityAssociation(
      `${name}-backups`,
      { clusterName: args.eksClusterName, namespace: args.client.namespace, serviceAccount: args.client.serviceAccount, roleArn: role.arn, tags: args.tags },
      parent,
    );

    const readerPolicy = new aws.iam.Policy(
      `${name}-backups-reader`,
      {
        description: `${args.database}: read its backups (restore drills), never write or delete`,
        policy: pulumi.all([bucket.arn, key.arn]).apply(([bucketArn, keyArn]) => JSON.stringify(backupReaderPolicy(bucketArn, keyArn, args.prefix))),
        tags: args.tags,
      },
      parent,
    );
    const readerRole = podIdentityRole(`${name}-backups-reader`, readerPolicy.arn, args.tags, this);
    const readerAssociation = new aws.eks.PodIdentityAssociation(
      `${name}-backups-reader`,
      { clusterName: args.eksClusterName, namespace: args.reader.namespace, serviceAccount: args.reader.serviceAccount, roleArn: readerRole.arn, tags: args.tags },
      parent,
    );

    this.handle = {
      bucket: bucket.bucket,
      region: bucket.region,
      destinationPath: pulumi.interpolate`s3://${bucket.bucket}/${args.prefix}`,
      roleArn: role.arn,
      ready: [association],
      readerReady: [readerAssociation],
    };
    this.registerOutputs({ bucket: this.handle.bucket, roleArn: this.handle.roleArn });
  }
}

/**
 * TLS only, and objects encrypted with this bucket's key. An upload without encryption headers
 * gets the bucket's default (SSE-KMS with the key), which is what the Barman Cloud plugin sends:
 * its ObjectStore can name "aws:kms" but no key. So only requests whose headers choose something
 * else are refused: another key id, or another algorithm (SSE-S3, DSSE). A `…IfExists` test on
 * the key id would refuse the header-less uploads too, and with them every backup.
 */
export function backupBucketPolicy(bucketArn: string, keyArn: string): object {
  const objects = `${bucketArn}/*`;
  const put = { Effect: "Deny", Principal: "*", Action: "s3:PutObject", Resource: objects };
  return {
    Version: "2012-10-17",
    Statement: [
      denyInsecureTransport(bucketArn),
      {
        Sid: "DenyOtherKmsKeys",
        ...put,
        Condition: {
          Null: { "s3:x-amz-server-side-encryption-aws-kms-key-id": "false" },
          StringNotEquals: { "s3:x-amz-server-side-encryption-aws-kms-key-id": keyArn },
        },
      },
      {
        Sid: "DenyOtherEncryption",
        ...put,
        Condition: { Null: { "s3:x-amz-server-side-encryption": "false" }, StringNotEquals: { "s3:x-amz-server-side-encryption": "aws:kms" } },
      },
    ],
  };
}

/** The client's role: list the bucket, read, write and delete under its prefix, and use the key only through S3 for this bucket. */
export function backupRolePolicy(bucketArn: string, keyArn: string, prefix: string): object {
  return {
    Version: "2012-10-17",
    Statement: [
      { Sid: "ListBackups", Effect: "Allow", Action: ["s3:ListBucket", "s3:GetBucketLocation"], Resource: bucketArn },
      {
        Sid: "ReadWriteBackups",
        Effect: "Allow",
        // Delete: the retention policy removes obsolete backups (versioning keeps them a while).
        Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"],
        Resource: `${bucketArn}/${prefix}/*`,
      },
      {
        Sid: "UseBackupKeyThroughS3",
        Effect: "Allow",
        Action: ["kms:GenerateDataKey", "kms:Decrypt"],
        Resource: keyArn,
        // With bucket keys, S3 passes the bucket's ARN as the encryption context.
        Condition: { StringLike: { "kms:EncryptionContext:aws:s3:arn": [bucketArn, `${bucketArn}/*`] } },
      },
    ],
  };
}

/** The reader's role: list the bucket and read under the prefix, decrypting through S3 only. */
export function backupReaderPolicy(bucketArn: string, keyArn: string, prefix: string): object {
  return {
    Version: "2012-10-17",
    Statement: [
      { Sid: "ListBackups", Effect: "Allow", Action: ["s3:ListBucket", "s3:GetBucketLocation"], Resource: bucketArn },
      { Sid: "ReadBackups", Effect: "Allow", Action: "s3:GetObject", Resource: `${bucketArn}/${prefix}/*` },
      {
        Sid: "DecryptThroughS3",
        Effect: "Allow",
        Action: "kms:Decrypt",
        Resource: keyArn,
        Condition: { StringLike: { "kms:EncryptionContext:aws:s3:arn": [bucketArn, `${bucketArn}/*`] } },
      },
    ],
  };
}
