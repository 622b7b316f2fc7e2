import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

/**
 * What every bucket of the platform carries besides its own policy: objects owned by the bucket
 * owner (no ACLs), every public access blocked, versioning, and SSE-KMS with the bucket's own key.
 * Bucket keys cut the KMS calls a stream of small objects (WAL, log chunks) would make per object.
 * Returns the public access block and versioning, which a bucket's policy and lifecycle wait on.
 */
export function privateBucketControls(
  name: string,
  bucket: aws.s3.Bucket,
  key: aws.kms.Key,
  opts: pulumi.CustomResourceOptions,
): { publicAccess: aws.s3.BucketPublicAccessBlock; versioning: aws.s3.BucketVersioning } {
  new aws.s3.BucketOwnershipControls(name, { bucket: bucket.id, rule: { objectOwnership: "BucketOwnerEnforced" } }, opts);
  const publicAccess = new aws.s3.BucketPublicAccessBlock(
    name,
    { bucket: bucket.id, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true },
    opts,
  );
  const versioning = new aws.s3.BucketVersioning(name, { bucket: bucket.id, versioningConfiguration: { status: "Enabled" } }, opts);
  new aws.s3.BucketServerSideEncryptionConfiguration(
    name,
    { bucket: bucket.id, rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: key.arn }, bucketKeyEnabled: true }] },
    opts,
  );
  return { publicAccess, versioning };
}

/** The statement every platform bucket policy starts with: any request without TLS is denied. */
export function denyInsecureTransport(bucketArn: string): object {
  return {
    Sid: "DenyInsecureTransport",
    Effect: "Deny",
    Principal: "*",
    Action: "s3:*",
    Resource: [bucketArn, `${bucketArn}/*`],
    Condition: { Bool: { "aws:SecureTransport": "false" } },
  };
}
