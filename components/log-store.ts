import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { podIdentityRole } from "./cluster";
import { denyInsecureTransport, privateBucketControls } from "./private-bucket";

export interface LogStoreArgs {
  eksClusterName: pulumi.Input<string>;
  /** Names the log group (`/hft/<cluster>/engine`) and the bucket. */
  clusterName: string;
  region: string;
  /** The Kubernetes identity EKS Pod Identity hands the writer role to: the engine pod, whose log shipper sends. */
  client: { namespace: string; serviceAccount: string };
  engineRetentionDays: number;
  auditRetentionDays: number;
  /** Folder of the order/audit objects; the role writes nothing else. */
  auditPrefix: string;
  protect: boolean;
  tags: Record<string, string>;
}

/** What the engine receives: plain values, no AWS resource. */
export interface LogStoreHandle {
  logGroupName: string;
  region: string;
  auditBucket: pulumi.Output<string>;
  auditPrefix: string;
  /** The pod-identity association: the engine's pods start after it, or the shipper has no credentials. */
  ready: pulumi.Resource[];
}

/**
 * Where the engine's logs outlive their node: a KMS-encrypted CloudWatch Logs group for its
 * application log, and for its order/audit stream an S3 bucket with Object Lock in compliance mode
 * (no one, root included, can delete or shorten a locked version before its retention ends), both
 * written through one pod-identity role that can append and put, never read back, delete or unlock.
 */
export class LogStore extends pulumi.ComponentResource {
  readonly handle: LogStoreHandle;

  constructor(name: string, args: LogStoreArgs, opts?: pulumi.ComponentResourceOptions) {
    super("hft:platform:LogStore", name, {}, opts);
    const parent = { parent: this };
    const stateful = { parent: this, protect: args.protect, retainOnDelete: args.protect };
    const logGroupName = `/hft/${args.clusterName}/engine`;

    const key = new aws.kms.Key(`${name}-logs`, { description: `${args.clusterName} engine logs and order/audit records`, enableKeyRotation: true, deletionWindowInDays: 30, tags: args.tags }, stateful);
    new aws.kms.Alias(`${name}-logs`, { name: `alias/${args.clusterName}-engine-logs`, targetKeyId: key.keyId }, parent);
    // CloudWatch Logs checks its access to the key when the group is created: the policy comes first.
    const keyPolicy = new aws.kms.KeyPolicy(
      `${name}-logs`,
      { keyId: key.keyId, policy: key.arn.apply((arn) => JSON.stringify(logKeyPolicy(arn, args.region, logGroupName))) },
      parent,
    );
    const logGroup = new aws.cloudwatch.LogGroup(
      `${name}-engine`,
      { name: logGroupName, retentionInDays: args.engineRetentionDays, kmsKeyId: key.arn, tags: args.tags },
      { ...stateful, dependsOn: [keyPolicy] },
    );

    const bucket = new aws.s3.Bucket(
      `${name}-audit`,
      // Object Lock is set when the bucket is created and implies versioning; compliance-mode objects
      // outlive any forceDestroy, so even dev buckets keep what they locked until it expires.
      { bucketPrefix: `${args.clusterName}-engine-audit-`, objectLockEnabled: true, forceDestroy: false, tags: args.tags },
      stateful,
    );
    const { publicAccess, versioning } = privateBucketControls(`${name}-audit`, bucket, key, parent);
    new aws.s3.BucketObjectLockConfiguration(
      `${name}-audit`,
      { bucket: bucket.id, objectLockEnabled: "Enabled", rule: { defaultRetention: { mode: "COMPLIANCE", days: args.auditRetentionDays } } },
      { parent: this, dependsOn: [versioning] },
    );
    new aws.s3.BucketPolicy(
      `${name}-audit`,
      { bucket: bucket.id, policy: bucket.arn.apply((arn) => JSON.stringify(auditBucketPolicy(arn))) },
      { parent: this, dependsOn: [publicAccess] },
    );

    const policy = new aws.iam.Policy(
      `${name}-engine-logs`,
      {
        description: "The engine's log shipper: append to its log group, put order/audit objects; never read back, delete or unlock",
        policy: pulumi.all([logGroup.arn, bucket.arn, key.arn]).apply(([groupArn, bucketArn, keyArn]) => JSON.stringify(logWriterPolicy(groupArn, bucketArn, keyArn, args.auditPrefix))),
        tags: args.tags,
      },
      parent,
    );
    const role = podIdentityRole(`${name}-engine-logs`, policy.arn, args.tags, this);
    const association = new aws.eks.PodIdentityAssociation(
      `${name}-engine-logs`,
      { clusterName: args.eksClusterName, namespace: args.client.namespace, serviceAccount: args.client.serviceAccount, roleArn: role.arn, tags: args.tags },
      parent,
    );

    this.handle = { logGroupName, region: args.region, auditBucket: bucket.bucket, auditPrefix: args.auditPrefix, ready: [association] };
    this.registerOutputs({ logGroupName, auditBucket: this.handle.auditBucket });
  }
}

/**
 * The account's administrators keep the key (and IAM policies grant its use); CloudWatch Logs in this
 * Region may use it only for this log group: the encryption context names the group's ARN
 * (CloudWatch Logs User Guide, "Encrypt log data in CloudWatch Logs using AWS KMS", read 2026-12-07).
 */
export function logKeyPolicy(keyArn: string, region: string, logGroupName: string): object {
  const account = keyArn.split(":")[4];
  return {
    Version: "2012-10-17",
    Statement: [
      { Sid: "AccountAdministers", Effect: "Allow", Principal: { AWS: `arn:aws:iam::${account}:root` }, Action: "kms:*", Resource: "*" },
      {
        Sid: "CloudWatchLogsForTheEngineGroup",
        Effect: "Allow",
        Principal: { Service: `logs.${region}.amazonaws.com` },
        Action: ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
        Resource: "*",
        Condition: { ArnEquals: { "kms:EncryptionContext:aws:logs:arn": `arn:aws:logs:${region}:${account}:log-group:${logGroupName}` } },
      },
    ],
  };
}

/** TLS only; objects encrypted with the bucket's default (SSE-KMS with the log key). */
export function auditBucketPolicy(bucketArn: string): object {
  return {
    Version: "2012-10-17",
    Statement: [
      denyInsecureTransport(bucketArn),
    ],
  };
}

/**
 * The shipper's role. CloudWatch Logs: create its streams in the engine's group and put events there.
 * S3: put objects under the audit folder (the bucket's default retention locks each version). KMS:
 * data keys through S3 for this bucket. No GetObject, DeleteObject, retention or legal-hold calls.
 */
export function logWriterPolicy(logGroupArn: string, bucketArn: string, keyArn: string, prefix: string): object {
  return {
    Version: "2012-10-17",
    Statement: [
      { Sid: "EngineLogStreams", Effect: "Allow", Action: ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"], Resource: [logGroupArn, `${logGroupArn}:log-stream:*`] },
      { Sid: "PutAuditRecords", Effect: "Allow", Action: "s3:PutObject", Resource: `${bucketArn}/${prefix}/*` },
      {
        Sid: "AuditKeyThroughS3",
        Effect: "Allow",
        Action: "kms:GenerateDataKey",
        Resource: keyArn,
        Condition: { StringLike: { "kms:EncryptionContext:aws:s3:arn": [bucketArn, `${bucketArn}/*`] } },
      },
    ],
  };
}
