import { K8S } from "../kubernetes";
import { asArray, has, HftPolicy, KMS_KEY_ARN, knownValue, shown, resourceRule } from "../rules";

export const AWS_STORAGE = {
  efsFileSystem: "aws:efs/fileSystem:FileSystem",
  ebsVolume: "aws:ebs/volume:Volume",
  launchTemplate: "aws:ec2/launchTemplate:LaunchTemplate",
} as const;

const EBS_CSI = "ebs.csi.aws.com";
const IN_TREE_EBS = "kubernetes.io/aws-ebs";

/** StorageClass parameters are strings in Kubernetes; rules read them by key so computed ones (KMS key, file system id) stay unread. */
interface StorageClass {
  provisioner?: string;
  parameters?: Record<string, string>;
}

interface ProvisionerConfig {
  allowedProvisioners: string[];
}

const storageClassProvisioner = resourceRule<StorageClass, ProvisionerConfig>(
  {
    name: "storage-class-provisioner-allowed",
    description: `StorageClasses use a CSI provisioner on the allow-list (default ${EBS_CSI}, efs.csi.aws.com); the in-tree ${IN_TREE_EBS} is removed from Kubernetes: switch to ${EBS_CSI}.`,
    enforcementLevel: "mandatory",
    targetTypes: [K8S.storageClass],
    configSchema: {
      properties: {
        allowedProvisioners: {
          type: "array",
          items: { type: "string", minLength: 1 },
          minItems: 1,
          uniqueItems: true,
          default: [EBS_CSI, "efs.csi.aws.com"],
          description: `Provisioners StorageClasses may use; the in-tree ${IN_TREE_EBS} is rejected even if listed.`,
        },
      },
    },
  },
  (storageClass, report, config) => {
    const provisioner = storageClass.provisioner;
    if (provisioner === IN_TREE_EBS) report(`provisioner ${IN_TREE_EBS} is the removed in-tree driver: use ${EBS_CSI}.`);
    else if (!config.allowedProvisioners.some((p) => p === provisioner)) {
      report(`provisioner ${provisioner ?? "(none)"} is not allowed: use one of ${config.allowedProvisioners.join(", ")}.`);
    }
  },
);

interface VolumeTypeConfig {
  allowedVolumeTypes: string[];
}

const ebsStorageClassEncrypted = resourceRule<StorageClass, VolumeTypeConfig>(
  {
    name: "ebs-storage-class-gp3-encrypted",
    description: `${EBS_CSI} StorageClasses set parameters.type gp3 (others only if allowed for the stack), parameters.encrypted "true" and kmsKeyId the ARN of the platform's KMS key (not the account's aws/ebs default).`,
    enforcementLevel: "mandatory",
    targetTypes: [K8S.storageClass],
    configSchema: {
      properties: {
        allowedVolumeTypes: {
          type: "array",
          items: { type: "string", enum: ["gp3", "gp2", "io1", "io2", "st1", "sc1"] },
          minItems: 1,
          uniqueItems: true,
          default: ["gp3"],
          description: "EBS volume types StorageClasses may provision.",
        },
      },
    },
  },
  (storageClass, report, config, args) => {
    if (storageClass.provisioner !== EBS_CSI) args.notApplicable(`not an ${EBS_CSI} StorageClass`);
    const type = storageClass.parameters?.type;
    if (type === undefined) report(`parameters.type is not set: set it to ${config.allowedVolumeTypes.join(" or ")}.`);
    else if (!config.allowedVolumeTypes.includes(type)) report(`parameters.type ${type} is not allowed: use ${config.allowedVolumeTypes.join(" or ")}.`);
    // Without kmsKeyId the EBS CSI driver encrypts with the account's default key (aws/ebs), whose policy the stack does not control.
    if (!has(storageClass.parameters, "kmsKeyId")) report("parameters.kmsKeyId is unset: volumes would be encrypted with the account's default aws/ebs key. Set it to the platform key's ARN.");
    const key = knownValue(storageClass.parameters, "kmsKeyId");
    if (key !== undefined && !(typeof key === "string" && KMS_KEY_ARN.test(key))) report(`parameters.kmsKeyId is "${shown(key)}", not a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>): set it to the platform key's ARN.`);
    if (storageClass.parameters?.encrypted !== "true") report(`parameters.encrypted is not "true" (it is ${storageClass.parameters?.encrypted === undefined ? "unset" : `"${storageClass.parameters.encrypted}"`}): volumes would be unencrypted.`);
  },
);

interface Gp3Config {
  minIops: number;
  maxIops: number;
  minThroughput: number;
  maxThroughput: number;
}

/** A number from a StorageClass parameter string; NaN when not numeric. */
function numberParameter(value: string | undefined): number | undefined {
  return value === undefined ? undefined : Number(value);
}

const ebsStorageClassPerformance = resourceRule<StorageClass, Gp3Config>(
  {
    name: "ebs-storage-class-gp3-performance",
    description: "gp3 StorageClasses set iops and throughput within gp3's range (3000–16000 IOPS, 125–1000 MiB/s) and throughput at most iops/4: adjust parameters.iops/throughput.",
    enforcementLevel: "mandatory",
    targetTypes: [K8S.storageClass],
    configSchema: {
      properties: {
        minIops: { type: "integer", minimum: 0, default: 3000, description: "Lowest gp3 iops a class may set (the gp3 baseline)." },
        maxIops: { type: "integer", minimum: 0, default: 16000, description: "Highest gp3 iops a class may set." },
        minThroughput: { type: "integer", minimum: 0, default: 125, description: "Lowest gp3 throughput (MiB/s) a class may set (the gp3 baseline)." },
        maxThroughput: { type: "integer", minimum: 0, default: 1000, description: "Highest gp3 throughput (MiB/s) a class may set." },
      },
    },
  },
  (storageClass, report, config, args) => {
    const parameters = storageClass.parameters ?? {};
    if (storageClass.provisioner !== EBS_CSI || parameters.type !== "gp3") args.notApplicable("not a gp3 StorageClass");
    const iops = numberParameter(parameters.iops);
    const throughput = numberParameter(parameters.throughput);
    if (iops !== undefined && !(iops >= config.minIops && iops <= config.maxIops)) {
      report(`parameters.iops ${parameters.iops} is outside ${config.minIops}–${config.maxIops}.`);
    }
    if (throughput !== undefined) {
      if (!(throughput >= config.minThroughput && throughput <= config.maxThroughput)) {
        report(`parameters.throughput ${parameters.throughput} is outside ${config.minThroughput}–${config.maxThroughput} MiB/s.`);
      }
      // gp3 allows 0.25 MiB/s per provisioned IOPS; without iops the volume gets the baseline.
      const effectiveIops = iops ?? config.minIops;
      if (throughput > effectiveIops / 4) {
        report(`parameters.throughput ${throughput} MiB/s exceeds iops/4 (${effectiveIops / 4}) for ${effectiveIops} IOPS: raise iops or lower throughput.`);
      }
    }
  },
);

const efsEncrypted = resourceRule<{ encrypted?: boolean; kmsKeyId?: string }>(
  {
    name: "efs-encrypted",
    description: "EFS file systems are encrypted at rest with the platform's KMS key: set encrypted: true and kmsKeyId to the key's ARN (without it AWS uses its managed key aws/elasticfilesystem, whose policy the stack does not control).",
    enforcementLevel: "mandatory",
    targetTypes: [AWS_STORAGE.efsFileSystem],
  },
  (fileSystem, report) => {
    if (fileSystem.encrypted !== true) report(`encrypted is ${String(fileSystem.encrypted ?? "unset")}: the file system is not encrypted at rest. Set encrypted: true.`);
    if (!has(fileSystem, "kmsKeyId")) report("kmsKeyId is unset: AWS would encrypt with its managed key aws/elasticfilesystem. Set it to the platform key's ARN.");
    const key = knownValue(fileSystem, "kmsKeyId");
    if (key !== undefined && !(typeof key === "string" && KMS_KEY_ARN.test(key))) report(`kmsKeyId is "${shown(key)}", not a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>): set it to the platform key's ARN.`);
  },
);

const ebsVolumeEncrypted = resourceRule<{ encrypted?: boolean }>(
  {
    name: "ebs-volume-encrypted",
    description: "EBS volumes are encrypted: set encrypted: true.",
    enforcementLevel: "mandatory",
    targetTypes: [AWS_STORAGE.ebsVolume],
  },
  (volume, report) => {
    if (volume.encrypted !== true) report(`the volume is not encrypted (encrypted is ${String(volume.encrypted ?? "unset")}): set encrypted: true.`);
  },
);

interface LaunchTemplate {
  blockDeviceMappings?: { deviceName?: string; ebs?: { encrypted?: string } }[];
}

const launchTemplateEbsEncrypted = resourceRule<LaunchTemplate>(
  {
    name: "launch-template-ebs-encrypted",
    description: 'Launch templates map at least one EBS block device (the root volume) and every one is encrypted: set blockDeviceMappings[].ebs.encrypted: "true".',
    enforcementLevel: "mandatory",
    targetTypes: [AWS_STORAGE.launchTemplate],
  },
  (template, report) => {
    // Without a mapping the instance boots the AMI's own root volume, encrypted only if the account's EBS default says so.
    if (!asArray(template.blockDeviceMappings).some((m) => m.ebs !== undefined)) {
      report('blockDeviceMappings maps no EBS volume: nodes would boot the AMI\'s default root volume, unencrypted unless the account enables EBS encryption by default. Map the root device with ebs.encrypted: "true".');
    }
    for (const mapping of asArray(template.blockDeviceMappings)) {
      // Instance-store and suppressed devices carry no ebs block.
      if (mapping.ebs === undefined) continue;
      if (String(mapping.ebs.encrypted).toLowerCase() !== "true") {
        report(`block device ${mapping.deviceName ?? "(unnamed)"} has ebs.encrypted ${String(mapping.ebs.encrypted ?? "unset")}: set ebs.encrypted: "true".`);
      }
    }
  },
);

export const storagePolicies: HftPolicy[] = [
  storageClassProvisioner,
  ebsStorageClassEncrypted,
  ebsStorageClassPerformance,
  efsEncrypted,
  ebsVolumeEncrypted,
  launchTemplateEbsEncrypted,
];
