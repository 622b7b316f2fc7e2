/**
 * The storage rules (policy/policies/storage.ts) judged value by value: the StorageClass provisioner,
 * the EBS class's type, key and encryption, gp3 performance at and beyond its bounds, and encryption
 * of EFS, EBS volumes and launch templates' block devices, with the exact messages a user reads.
 */
import { describe, expect, it } from "vitest";
import { reconcileConfig } from "../../../tools/policy-engine";
import { K8S } from "../../kubernetes";
import { allPolicies } from "../../policies";
import { AWS_STORAGE } from "../../policies/storage";
import * as aws from "../fixtures/aws";
import * as k from "../fixtures/kubernetes";
import { check, messages, resource, UNKNOWN_STRING } from "../harness";

const KEY = "arn:aws:kms:us-east-1:123456789012:key/5a4c7d52-0123-a83a-f4db-8906b275dad6";
const accepts = (rule: string, settings: object) => () => reconcileConfig(allPolicies, { [rule]: settings });
const storageClass = (props: object, name = "sc") => [resource(K8S.storageClass, props, name)];
const ebsClass = (parameters: Record<string, unknown>) => storageClass({ metadata: { name: "fast-ssd" }, provisioner: "ebs.csi.aws.com", parameters });

describe("storage-class-provisioner-allowed", () => {
  const provisioner = (p: string | undefined, config?: Record<string, unknown>) => messages("storage-class-provisioner-allowed", storageClass(p === undefined ? {} : { provisioner: p }), config);

  it("accepts the default CSI drivers and refuses any other, or none, naming the list", async () => {
    expect(await provisioner("ebs.csi.aws.com")).toEqual([]);
    expect(await provisioner("efs.csi.aws.com")).toEqual([]);
    expect(await provisioner("fsx.csi.aws.com")).toEqual(["provisioner fsx.csi.aws.com is not allowed: use one of ebs.csi.aws.com, efs.csi.aws.com."]);
    expect(await provisioner(undefined)).toEqual(["provisioner (none) is not allowed: use one of ebs.csi.aws.com, efs.csi.aws.com."]);
  });

  it("refuses the removed in-tree EBS driver even where the stack lists it", async () => {
    const inTree = ["provisioner kubernetes.io/aws-ebs is the removed in-tree driver: use ebs.csi.aws.com."];
    expect(await provisioner("kubernetes.io/aws-ebs")).toEqual(inTree);
    expect(await provisioner("kubernetes.io/aws-ebs", { allowedProvisioners: ["kubernetes.io/aws-ebs"] })).toEqual(inTree);
  });

  it("takes the list from the stack's config, and validates it", async () => {
    expect(await provisioner("fsx.csi.aws.com", { allowedProvisioners: ["fsx.csi.aws.com"] })).toEqual([]);
    expect(await provisioner("efs.csi.aws.com", { allowedProvisioners: ["fsx.csi.aws.com"] })).toEqual(["provisioner efs.csi.aws.com is not allowed: use one of fsx.csi.aws.com."]);
    for (const bad of [[], [""], ["a", "a"], "ebs.csi.aws.com"]) {
      expect(accepts("storage-class-provisioner-allowed", { allowedProvisioners: bad }), JSON.stringify(bad)).toThrow(/storage-class-provisioner-allowed: \/allowedProvisioners/);
    }
  });
});

describe("ebs-storage-class-gp3-encrypted", () => {
  const encrypted = (parameters: Record<string, unknown>, config?: Record<string, unknown>) => messages("ebs-storage-class-gp3-encrypted", ebsClass(parameters), config);
  const good = { type: "gp3", encrypted: "true", kmsKeyId: KEY };

  it("accepts gp3, encrypted, with the platform key's ARN, and a key still unknown during preview", async () => {
    expect(await encrypted(good)).toEqual([]);
    const { findings } = await check("ebs-storage-class-gp3-encrypted", ebsClass({ ...good, kmsKeyId: UNKNOWN_STRING }));
    expect(findings).toEqual([]);
  });

  it("does not apply to classes of other provisioners", async () => {
    const { findings, run } = await check("ebs-storage-class-gp3-encrypted", storageClass(k.efsClass(), "efs-sc"));
    expect(findings).toEqual([]);
    expect(run.notApplicable).toEqual(["efs-sc: not an ebs.csi.aws.com StorageClass"]);
    expect((await check("ebs-storage-class-gp3-encrypted", ebsClass(good))).run.notApplicable).toEqual([]);
  });

  it("refuses a volume type outside the stack's list, or none, naming the list", async () => {
    expect(await encrypted({ ...good, type: "gp2" })).toEqual(["parameters.type gp2 is not allowed: use gp3."]);
    expect(await encrypted({ ...good, type: "st1" }, { allowedVolumeTypes: ["gp3", "io2"] })).toEqual(["parameters.type st1 is not allowed: use gp3 or io2."]);
    expect(await encrypted({ ...good, type: "io2" }, { allowedVolumeTypes: ["gp3", "io2"] })).toEqual([]);
    const { type: _type, ...untyped } = good;
    expect(await encrypted(untyped, { allowedVolumeTypes: ["gp3", "io2"] })).toEqual(["parameters.type is not set: set it to gp3 or io2."]);
    expect(accepts("ebs-storage-class-gp3-encrypted", { allowedVolumeTypes: ["gp3", "gp2", "io1", "io2", "st1", "sc1"] })).not.toThrow();
    for (const bad of [[], ["gp4"], ["gp3", "gp3"]]) {
      expect(accepts("ebs-storage-class-gp3-encrypted", { allowedVolumeTypes: bad }), JSON.stringify(bad)).toThrow(/ebs-storage-class-gp3-encrypted: \/allowedVolumeTypes/);
    }
  });

  it("refuses a missing key, an alias, a key id, or a value that only prints like an ARN", async () => {
    const { kmsKeyId: _key, ...keyless } = good;
    expect(await encrypted(keyless)).toEqual(["parameters.kmsKeyId is unset: volumes would be encrypted with the account's default aws/ebs key. Set it to the platform key's ARN."]);
    expect(await encrypted({ ...good, kmsKeyId: "alias/aws/ebs" })).toEqual([
      'parameters.kmsKeyId is "alias/aws/ebs", not a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>): set it to the platform key\'s ARN.',
    ]);
    expect(await encrypted({ ...good, kmsKeyId: [KEY] })).toEqual([`parameters.kmsKeyId is "${JSON.stringify([KEY])}", not a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>): set it to the platform key's ARN.`]);
  });

  it('refuses encrypted other than "true", saying what it is', async () => {
    expect(await encrypted({ ...good, encrypted: "false" })).toEqual(['parameters.encrypted is not "true" (it is "false"): volumes would be unencrypted.']);
    const { encrypted: _e, ...plain } = good;
    expect(await encrypted(plain)).toEqual(['parameters.encrypted is not "true" (it is unset): volumes would be unencrypted.']);
  });

  it("reports every missing parameter of a class without parameters", async () => {
    expect(await messages("ebs-storage-class-gp3-encrypted", storageClass({ provisioner: "ebs.csi.aws.com" }))).toEqual([
      "parameters.type is not set: set it to gp3.",
      "parameters.kmsKeyId is unset: volumes would be encrypted with the account's default aws/ebs key. Set it to the platform key's ARN.",
      'parameters.encrypted is not "true" (it is unset): volumes would be unencrypted.',
    ]);
  });
});

describe("ebs-storage-class-gp3-performance", () => {
  const performance = (parameters: Record<string, string>, config?: Record<string, unknown>) => messages("ebs-storage-class-gp3-performance", ebsClass({ type: "gp3", ...parameters }), config);

  it("does not apply to classes that are not EBS gp3", async () => {
    for (const props of [k.efsClass(), { provisioner: "ebs.csi.aws.com", parameters: { type: "io2", iops: "64000" } }, { provisioner: "ebs.csi.aws.com" }, { provisioner: "fsx.csi.aws.com", parameters: { type: "gp3", iops: "1" } }]) {
      const { findings, run } = await check("ebs-storage-class-gp3-performance", storageClass(props, "x"));
      expect(findings, JSON.stringify(props)).toEqual([]);
      expect(run.notApplicable).toEqual(["x: not a gp3 StorageClass"]);
    }
    expect((await check("ebs-storage-class-gp3-performance", ebsClass({ type: "gp3" }))).run.notApplicable).toEqual([]);
  });

  it("accepts iops and throughput at either end of gp3's range, and a class that sets neither", async () => {
    expect(await performance({})).toEqual([]);
    expect(await performance({ iops: "3000", throughput: "125" })).toEqual([]);
    expect(await performance({ iops: "16000", throughput: "1000" })).toEqual([]);
  });

  it("refuses iops and throughput one past either end, or not numbers", async () => {
    expect(await performance({ iops: "2999" })).toEqual(["parameters.iops 2999 is outside 3000–16000."]);
    expect(await performance({ iops: "16001", throughput: "1001" })).toEqual(["parameters.iops 16001 is outside 3000–16000.", "parameters.throughput 1001 is outside 125–1000 MiB/s."]);
    expect(await performance({ throughput: "124" })).toEqual(["parameters.throughput 124 is outside 125–1000 MiB/s."]);
    expect(await performance({ iops: "fast" })).toEqual(["parameters.iops fast is outside 3000–16000."]);
  });

  it("takes the ranges from the stack's config", async () => {
    const config = { minIops: 4000, maxIops: 8000, minThroughput: 200, maxThroughput: 500 };
    expect(await performance({ iops: "4000", throughput: "200" }, config)).toEqual([]);
    expect(await performance({ iops: "8000", throughput: "500" }, config)).toEqual([]);
    expect(await performance({ iops: "3999", throughput: "199" }, config)).toEqual(["parameters.iops 3999 is outside 4000–8000.", "parameters.throughput 199 is outside 200–500 MiB/s."]);
    expect(await performance({ iops: "8001", throughput: "501" }, config)).toEqual(["parameters.iops 8001 is outside 4000–8000.", "parameters.throughput 501 is outside 200–500 MiB/s."]);
  });

  it("refuses throughput above iops/4, reading unset iops as the baseline (minIops)", async () => {
    expect(await performance({ iops: "3200", throughput: "800" })).toEqual([]);
    expect(await performance({ iops: "3200", throughput: "801" })).toEqual(["parameters.throughput 801 MiB/s exceeds iops/4 (800) for 3200 IOPS: raise iops or lower throughput."]);
    expect(await performance({ throughput: "750" })).toEqual([]);
    expect(await performance({ throughput: "751" })).toEqual(["parameters.throughput 751 MiB/s exceeds iops/4 (750) for 3000 IOPS: raise iops or lower throughput."]);
    expect(await performance({ throughput: "1000" }, { minIops: 4000 })).toEqual([]);
  });
});

describe("efs-encrypted", () => {
  const efs = (props: object) => messages("efs-encrypted", [resource(AWS_STORAGE.efsFileSystem, props, "hft")]);

  it("accepts a file system encrypted with the platform key, or one whose key is unknown during preview", async () => {
    expect(await efs(aws.efs())).toEqual([]);
    expect(await efs({ ...aws.efs(), kmsKeyId: UNKNOWN_STRING })).toEqual([]);
  });

  it("refuses encryption off or unset, a missing key, and a key that is not a key ARN", async () => {
    expect(await efs({ ...aws.efs(), encrypted: false })).toEqual(["encrypted is false: the file system is not encrypted at rest. Set encrypted: true."]);
    expect(await efs({ kmsKeyId: KEY })).toEqual(["encrypted is unset: the file system is not encrypted at rest. Set encrypted: true."]);
    expect(await efs({ encrypted: true })).toEqual(["kmsKeyId is unset: AWS would encrypt with its managed key aws/elasticfilesystem. Set it to the platform key's ARN."]);
    expect(await efs({ encrypted: true, kmsKeyId: "alias/aws/elasticfilesystem" })).toEqual([
      'kmsKeyId is "alias/aws/elasticfilesystem", not a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>): set it to the platform key\'s ARN.',
    ]);
    expect(await efs({ encrypted: true, kmsKeyId: [KEY] })).toEqual([`kmsKeyId is "${JSON.stringify([KEY])}", not a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>): set it to the platform key's ARN.`]);
  });
});

describe("ebs-volume-encrypted", () => {
  const volume = (props: object) => messages("ebs-volume-encrypted", [resource(AWS_STORAGE.ebsVolume, props, "archive")]);

  it("accepts an encrypted volume and refuses one not encrypted, saying what it is", async () => {
    expect(await volume({ size: 100, encrypted: true })).toEqual([]);
    expect(await volume({ size: 100, encrypted: false })).toEqual(["the volume is not encrypted (encrypted is false): set encrypted: true."]);
    expect(await volume({ size: 100 })).toEqual(["the volume is not encrypted (encrypted is unset): set encrypted: true."]);
  });
});

describe("launch-template-ebs-encrypted", () => {
  const template = (blockDeviceMappings?: object[]) => messages("launch-template-ebs-encrypted", [resource(AWS_STORAGE.launchTemplate, blockDeviceMappings ? { blockDeviceMappings } : { imageId: "ami-1" }, "lt")]);
  const noEbs = [
    "blockDeviceMappings maps no EBS volume: nodes would boot the AMI's default root volume, unencrypted unless the account enables EBS encryption by default. Map the root device with ebs.encrypted: \"true\".",
  ];

  it("accepts encrypted EBS devices in any case, beside instance-store devices", async () => {
    expect(await template([{ deviceName: "/dev/sdb", virtualName: "ephemeral0" }, { deviceName: "/dev/xvda", ebs: { encrypted: "true" } }, { deviceName: "/dev/xvdb", ebs: { encrypted: "True" } }])).toEqual([]);
  });

  it("refuses a template that maps no EBS volume", async () => {
    expect(await template()).toEqual(noEbs);
    expect(await template([])).toEqual(noEbs);
    expect(await template([{ deviceName: "/dev/sdb", virtualName: "ephemeral0" }])).toEqual(noEbs);
  });

  it("refuses each EBS device not encrypted, naming it", async () => {
    expect(await template([{ deviceName: "/dev/xvda", ebs: { encrypted: "false" } }, { ebs: { volumeSize: 20 } }, { deviceName: "/dev/xvdc", ebs: { encrypted: "true" } }])).toEqual([
      'block device /dev/xvda has ebs.encrypted false: set ebs.encrypted: "true".',
      'block device (unnamed) has ebs.encrypted unset: set ebs.encrypted: "true".',
    ]);
  });
});
