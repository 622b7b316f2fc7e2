/**
 * What the EBS and EFS CSI drivers may do in AWS, for the IAM evaluation of the roles the cluster
 * gives them (tools/iam-paths.ts). The program attaches the AWS managed policies by ARN, so their
 * documents are not in the render; the statements below model them from each driver's own
 * documented IAM policy, and `requests` are the calls the driver makes with the tags it sets.
 *
 * Sources, read 2026-11-30:
 * - EBS: kubernetes-sigs/aws-ebs-csi-driver docs/example-iam-policy.json at commit 050d130f5814
 *   (the driver's documented equivalent of AmazonEBSCSIDriverPolicy); KMS for volumes encrypted
 *   with a customer-managed key: the same repository's docs/install.md (grants for AWS resources,
 *   data keys and decrypt through EC2). AWS lists AmazonEBSCSIDriverPolicy at v14
 *   (edited 2026-02-12) in https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AmazonEBSCSIDriverPolicy.html
 * - EFS: kubernetes-sigs/aws-efs-csi-driver docs/iam-policy-example.json at commit 12ddb90ecd8c;
 *   AmazonEFSCSIDriverPolicy is v1 (2023-07-25) in
 *   https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AmazonEFSCSIDriverPolicy.html
 *   (it also allows elasticfilesystem:DescribeMountTargets, ec2:DescribeAvailabilityZones and
 *   tagging new access points; the model adds those, with the repository's tag tests).
 * Refresh: `aws iam get-policy-version --policy-arn <arn> --version-id "$(aws iam get-policy
 * --policy-arn <arn> --query Policy.DefaultVersionId --output text)"` (npm run preflight lists it).
 */

export interface DriverRequest {
  action: string;
  resource: string;
  context?: Record<string, string | string[]>;
}

export interface CsiDriverIam {
  driver: string;
  managedPolicyArn: string;
  /** Statements modelling the managed policy (see the sources above). */
  statements: object[];
  /** Calls the driver makes: each must be allowed. `{region}`, `{account}` and `{clusterKey}` (the cluster's KMS key) are filled in from the render. */
  requests: DriverRequest[];
}

const VOLUME = "arn:aws:ec2:{region}:{account}:volume/vol-0a1b2c3d4e5f60718";
// Snapshot ARNs carry no account.
const SNAPSHOT = "arn:aws:ec2:{region}::snapshot/snap-0a1b2c3d4e5f60718";
const INSTANCE = "arn:aws:ec2:{region}:{account}:instance/i-0a1b2c3d4e5f60718";
const ACCESS_POINT = "arn:aws:elasticfilesystem:{region}:{account}:access-point/fsap-0a1b2c3d4e5f60718";
const FILE_SYSTEM = "arn:aws:elasticfilesystem:{region}:{account}:file-system/fs-0a1b2c3d";
/** Tags the EBS driver puts on what it creates. */
const EBS_TAGS = { "aws:RequestTag/ebs.csi.aws.com/cluster": "true", "aws:RequestTag/CSIVolumeName": "pvc-0f1e2d3c", "aws:TagKeys": ["ebs.csi.aws.com/cluster", "CSIVolumeName"] };
const EBS_OWNED = { "ec2:ResourceTag/ebs.csi.aws.com/cluster": "true" };
const EFS_TAG = { "aws:RequestTag/efs.csi.aws.com/cluster": "true", "aws:TagKeys": ["efs.csi.aws.com/cluster"] };

const allow = (Action: string[], Resource: string | string[], Condition?: object) => ({ Effect: "Allow", Action, Resource, ...(Condition ? { Condition } : {}) });

export const CSI_DRIVER_IAM: CsiDriverIam[] = [
  {
    driver: "aws-ebs-csi-driver",
    managedPolicyArn: "arn:aws:iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy",
    statements: [
      allow(
        ["ec2:DescribeAvailabilityZones", "ec2:DescribeInstances", "ec2:DescribeSnapshots", "ec2:DescribeTags", "ec2:DescribeVolumes", "ec2:DescribeVolumesModifications", "ec2:DescribeVolumeStatus"],
        "*",
      ),
      allow(["ec2:CreateSnapshot", "ec2:ModifyVolume"], "arn:aws:ec2:*:*:volume/*"),
      allow(["ec2:AttachVolume", "ec2:DetachVolume"], ["arn:aws:ec2:*:*:volume/*", "arn:aws:ec2:*:*:instance/*"]),
      allow(["ec2:CopyVolumes"], "arn:aws:ec2:*:*:volume/vol-*"),
      allow(["ec2:CreateVolume", "ec2:EnableFastSnapshotRestores"], "arn:aws:ec2:*:*:snapshot/*"),
      allow(["ec2:CreateTags"], ["arn:aws:ec2:*:*:volume/*", "arn:aws:ec2:*:*:snapshot/*"], { StringEquals: { "ec2:CreateAction": ["CreateVolume", "CreateSnapshot", "CopyVolumes"] } }),
      allow(["ec2:DeleteTags"], ["arn:aws:ec2:*:*:volume/*", "arn:aws:ec2:*:*:snapshot/*"]),
      allow(["ec2:CreateVolume", "ec2:CopyVolumes"], "arn:aws:ec2:*:*:volume/*", { StringLike: { "aws:RequestTag/ebs.csi.aws.com/cluster": "true" } }),
      allow(["ec2:CreateVolume", "ec2:CopyVolumes"], "arn:aws:ec2:*:*:volume/*", { StringLike: { "aws:RequestTag/CSIVolumeName": "*" } }),
      allow(["ec2:DeleteVolume"], "arn:aws:ec2:*:*:volume/*", { StringLike: { "ec2:ResourceTag/ebs.csi.aws.com/cluster": "true" } }),
      allow(["ec2:DeleteVolume"], "arn:aws:ec2:*:*:volume/*", { StringLike: { "ec2:ResourceTag/CSIVolumeName": "*" } }),
      allow(["ec2:DeleteVolume"], "arn:aws:ec2:*:*:volume/*", { StringLike: { "ec2:ResourceTag/kubernetes.io/created-for/pvc/name": "*" } }),
      allow(["ec2:CreateSnapshot"], "arn:aws:ec2:*:*:snapshot/*", { StringLike: { "aws:RequestTag/CSIVolumeSnapshotName": "*" } }),
      allow(["ec2:CreateSnapshot"], "arn:aws:ec2:*:*:snapshot/*", { StringLike: { "aws:RequestTag/ebs.csi.aws.com/cluster": "true" } }),
      allow(["ec2:DeleteSnapshot"], "arn:aws:ec2:*:*:snapshot/*", { StringLike: { "ec2:ResourceTag/CSIVolumeSnapshotName": "*" } }),
      allow(["ec2:DeleteSnapshot"], "arn:aws:ec2:*:*:snapshot/*", { StringLike: { "ec2:ResourceTag/ebs.csi.aws.com/cluster": "true" } }),
    ],
    requests: [
      { action: "ec2:DescribeVolumes", resource: "*" },
      { action: "ec2:DescribeInstances", resource: "*" },
      { action: "ec2:DescribeAvailabilityZones", resource: "*" },
      { action: "ec2:CreateVolume", resource: VOLUME, context: EBS_TAGS },
      { action: "ec2:CreateTags", resource: VOLUME, context: { "ec2:CreateAction": "CreateVolume" } },
      { action: "ec2:AttachVolume", resource: VOLUME },
      { action: "ec2:AttachVolume", resource: INSTANCE },
      { action: "ec2:DetachVolume", resource: VOLUME },
      { action: "ec2:ModifyVolume", resource: VOLUME },
      { action: "ec2:DeleteVolume", resource: VOLUME, context: EBS_OWNED },
      { action: "ec2:CreateSnapshot", resource: VOLUME },
      { action: "ec2:CreateSnapshot", resource: SNAPSHOT, context: { "aws:RequestTag/ebs.csi.aws.com/cluster": "true" } },
      { action: "ec2:DeleteSnapshot", resource: SNAPSHOT, context: EBS_OWNED },
      // Volumes encrypted with the cluster's key: EC2 creates a grant and uses the key in the driver's name.
      { action: "kms:CreateGrant", resource: "{clusterKey}", context: { "kms:GrantIsForAWSResource": "true", "kms:ViaService": "ec2.{region}.amazonaws.com" } },
      { action: "kms:GenerateDataKeyWithoutPlaintext", resource: "{clusterKey}", context: { "kms:ViaService": "ec2.{region}.amazonaws.com" } },
      { action: "kms:Decrypt", resource: "{clusterKey}", context: { "kms:ViaService": "ec2.{region}.amazonaws.com" } },
      { action: "kms:DescribeKey", resource: "{clusterKey}" },
    ],
  },
  {
    driver: "aws-efs-csi-driver",
    managedPolicyArn: "arn:aws:iam::aws:policy/service-role/AmazonEFSCSIDriverPolicy",
    statements: [
      allow(["elasticfilesystem:DescribeAccessPoints", "elasticfilesystem:DescribeFileSystems", "elasticfilesystem:DescribeMountTargets", "ec2:DescribeAvailabilityZones"], "*"),
      allow(["elasticfilesystem:CreateAccessPoint"], "*", { StringLike: { "aws:RequestTag/efs.csi.aws.com/cluster": "true" } }),
      allow(["elasticfilesystem:TagResource"], "*", { StringEquals: { "elasticfilesystem:CreateAction": "CreateAccessPoint" }, StringLike: { "aws:RequestTag/efs.csi.aws.com/cluster": "true" } }),
      allow(["elasticfilesystem:DeleteAccessPoint"], "*", { StringEquals: { "aws:ResourceTag/efs.csi.aws.com/cluster": "true" } }),
    ],
    requests: [
      { action: "elasticfilesystem:DescribeFileSystems", resource: FILE_SYSTEM },
      { action: "elasticfilesystem:DescribeAccessPoints", resource: ACCESS_POINT },
      { action: "elasticfilesystem:DescribeMountTargets", resource: FILE_SYSTEM },
      { action: "elasticfilesystem:CreateAccessPoint", resource: FILE_SYSTEM, context: EFS_TAG },
      { action: "elasticfilesystem:TagResource", resource: ACCESS_POINT, context: { ...EFS_TAG, "elasticfilesystem:CreateAction": "CreateAccessPoint" } },
      { action: "elasticfilesystem:DeleteAccessPoint", resource: ACCESS_POINT, context: { "aws:ResourceTag/efs.csi.aws.com/cluster": "true" } },
    ],
  },
];

/**
 * Calls no CSI driver role may make: other services' data and IAM, deleting keys, the cluster and
 * its instances, and resources the driver did not create.
 */
export const CSI_FORBIDDEN: DriverRequest[] = [
  { action: "s3:GetObject", resource: "arn:aws:s3:::any-bucket/any-object" },
  { action: "s3:PutObject", resource: "arn:aws:s3:::any-bucket/any-object" },
  { action: "s3:ListAllMyBuckets", resource: "*" },
  { action: "iam:PassRole", resource: "arn:aws:iam::{account}:role/any-role" },
  { action: "iam:CreateRole", resource: "arn:aws:iam::{account}:role/any-role" },
  { action: "iam:AttachRolePolicy", resource: "arn:aws:iam::{account}:role/any-role" },
  { action: "kms:ScheduleKeyDeletion", resource: "{clusterKey}" },
  { action: "kms:CreateGrant", resource: "{clusterKey}", context: { "kms:GrantIsForAWSResource": "false" } },
  { action: "kms:PutKeyPolicy", resource: "{clusterKey}" },
  { action: "eks:DeleteCluster", resource: "arn:aws:eks:{region}:{account}:cluster/any-cluster" },
  { action: "ec2:TerminateInstances", resource: "arn:aws:ec2:{region}:{account}:instance/i-0a1b2c3d4e5f60718" },
  { action: "ec2:DeleteVolume", resource: "arn:aws:ec2:{region}:{account}:volume/vol-0ffffffffffffffff" },
  { action: "elasticfilesystem:DeleteFileSystem", resource: "arn:aws:elasticfilesystem:{region}:{account}:file-system/fs-0a1b2c3d" },
  { action: "elasticfilesystem:DeleteAccessPoint", resource: "arn:aws:elasticfilesystem:{region}:{account}:access-point/fsap-0ffffffffffffffff" },
  { action: "secretsmanager:GetSecretValue", resource: "arn:aws:secretsmanager:{region}:{account}:secret:any-secret" },
];
