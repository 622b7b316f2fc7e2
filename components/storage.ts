import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { GP3, StorageClassNames, StorageConfig } from "./config";

export interface StorageArgs extends StorageConfig {
  clusterName: string;
  vpcId: pulumi.Input<string>;
  privateSubnetIds: pulumi.Input<string>[];
  /** Security group of the nodes: the only source allowed to reach EFS on NFS. */
  nodeSecurityGroupId: pulumi.Input<string>;
  /** Customer-managed key for EBS volumes and EFS. */
  kmsKeyArn: pulumi.Input<string>;
  /**
   * Creates the StorageClasses through it. Absent in the platform-only bootstrap (`bootstrap: true`):
   * the classes are Kubernetes objects and wait for the first `up` from inside the VPC.
   */
  provider?: k8s.Provider;
  /** Production: EFS cannot be deleted by accident, and survives removal from the program. */
  protect: boolean;
  tags: Record<string, string>;
}

/** The classes Storage creates, by the role the workloads know them by. */
const STORAGE_CLASSES: StorageClassNames = { fastSsd: "fast-ssd", gp3: "gp3", sharedFilesystem: "efs-sc" };

/** POSIX owner of EFS access-point directories: the uid/gid every platform workload runs as. */
export const WORKLOAD_UID = 1000;

const NFS_PORT = 2049;

/**
 * Block storage (gp3 classes on the EBS CSI driver, KMS-encrypted) and shared storage (an encrypted
 * EFS file system reachable from the nodes only, with an access-point StorageClass).
 */
export class Storage extends pulumi.ComponentResource {
  readonly efsFileSystemId: pulumi.Output<string>;
  readonly storageClassNames: StorageClassNames = STORAGE_CLASSES;

  constructor(name: string, args: StorageArgs, opts?: pulumi.ComponentResourceOptions) {
    super("hft:platform:Storage", name, {}, opts);
    const parent = { parent: this };
    const k8sOpts = { parent: this, provider: args.provider };
    const kubernetes = args.provider !== undefined;

    const gp3Class = (className: string, iops: number, throughput: number, isDefault: boolean) =>
      new k8s.storage.v1.StorageClass(
        className,
        {
          metadata: {
            name: className,
            annotations: { "storageclass.kubernetes.io/is-default-class": String(isDefault) },
          },
          provisioner: "ebs.csi.aws.com",
          parameters: {
            type: "gp3",
            iops: String(iops),
            throughput: String(throughput),
            fsType: "ext4",
            encrypted: "true",
            kmsKeyId: args.kmsKeyArn,
          },
          reclaimPolicy: args.reclaimPolicy,
          // Bind where the pod lands: EBS volumes are zonal.
          volumeBindingMode: "WaitForFirstConsumer",
          allowVolumeExpansion: true,
        },
        k8sOpts,
      );
    if (kubernetes) {
      gp3Class(STORAGE_CLASSES.fastSsd, args.fastSsd.iops, args.fastSsd.throughput, false);
      // The cluster default, for claims that name no class: gp3 baseline performance, never gp2.
      gp3Class(STORAGE_CLASSES.gp3, GP3.minIops, GP3.minThroughput, true);
    }

    const fileSystem = new aws.efs.FileSystem(
      name,
      {
        encrypted: true,
        kmsKeyId: args.kmsKeyArn,
        performanceMode: "generalPurpose",
        throughputMode: "elastic",
        lifecyclePolicies: [{ transitionToIa: args.efs.transitionToIa }, { transitionToPrimaryStorageClass: "AFTER_1_ACCESS" }],
        tags: { ...args.tags, Name: `${args.clusterName}-shared` },
      },
      { parent: this, protect: args.protect, retainOnDelete: args.protect },
    );
    this.efsFileSystemId = fileSystem.id;
    new aws.efs.BackupPolicy(
      name,
      { fileSystemId: fileSystem.id, backupPolicy: { status: args.efs.backups ? "ENABLED" : "DISABLED" } },
      parent,
    );

    const efsSecurityGroup = new aws.ec2.SecurityGroup(
      `${name}-efs`,
      { vpcId: args.vpcId, description: "EFS mount targets: NFS from cluster nodes only", tags: { ...args.tags, Name: `${args.clusterName}-efs` } },
      parent,
    );
    new aws.vpc.SecurityGroupIngressRule(
      `${name}-efs-nfs`,
      {
        securityGroupId: efsSecurityGroup.id,
        referencedSecurityGroupId: args.nodeSecurityGroupId,
        ipProtocol: "tcp",
        fromPort: NFS_PORT,
        toPort: NFS_PORT,
        description: "NFS from cluster nodes",
        tags: args.tags,
      },
      parent,
    );
    args.privateSubnetIds.forEach(
      (subnetId, i) =>
        new aws.efs.MountTarget(`${name}-${i}`, { fileSystemId: fileSystem.id, subnetId, securityGroups: [efsSecurityGroup.id] }, parent),
    );

    if (kubernetes) {
      new k8s.storage.v1.StorageClass(
        STORAGE_CLASSES.sharedFilesystem,
        {
          metadata: { name: STORAGE_CLASSES.sharedFilesystem },
          provisioner: "efs.csi.aws.com",
          parameters: {
            // One access point per claim: each claim gets its own directory and POSIX identity.
            provisioningMode: "efs-ap",
            fileSystemId: fileSystem.id,
            directoryPerms: "750",
            uid: String(WORKLOAD_UID),
            gid: String(WORKLOAD_UID),
            basePath: "/platform",
          },
          reclaimPolicy: args.reclaimPolicy,
          volumeBindingMode: "Immediate",
        },
        k8sOpts,
      );
    }

    this.registerOutputs({ efsFileSystemId: this.efsFileSystemId });
  }
}
