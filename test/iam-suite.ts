import { beforeAll, describe, expect, it } from "vitest";
import { StackName } from "./stack-config";
import { CSI_DRIVER_IAM } from "../tools/data/csi-driver-iam";
import { runStack } from "../tools/harness";
import { checkIamPaths } from "../tools/iam-check";
import { IamReport } from "../tools/iam-paths";
import { InventoryEntry } from "../tools/inventory";

/**
 * The statement the backup bucket had before issue 14, kept as a fixture: `…IfExists` is true when
 * the request carries no key id, so it denied every upload that relies on the bucket's default
 * encryption, which is every upload the Barman Cloud plugin makes.
 */
const OLD_DENY_OTHER_KMS_KEYS = (bucketArn: string, keyArn: string) => ({
  Sid: "DenyOtherKmsKeys",
  Effect: "Deny",
  Principal: "*",
  Action: "s3:PutObject",
  Resource: `${bucketArn}/*`,
  Condition: { StringNotEqualsIfExists: { "s3:x-amz-server-side-encryption-aws-kms-key-id": keyArn } },
});

const BUCKET_POLICY = "aws:s3/bucketPolicy:BucketPolicy";

/** The inventory with its bucket policy's key statements replaced by the old one. */
function withOldBucketPolicy(inventory: InventoryEntry[]): InventoryEntry[] {
  return inventory.map((e) => {
    // The backup bucket's (the engine's audit bucket has its own paths).
    if (e.type !== BUCKET_POLICY || e.name !== "timescaledb-backups") return e;
    const policy = JSON.parse(String(e.inputs.policy)) as { Statement: { Sid: string; Resource: string | string[] }[] };
    const bucketArn = `arn:aws:s3:::${String(e.inputs.bucket)}`;
    const sse = inventory.find((s) => s.type.endsWith(":BucketServerSideEncryptionConfiguration") && s.inputs.bucket === e.inputs.bucket)!;
    const keyArn = (sse.inputs as any).rules[0].applyServerSideEncryptionByDefault.kmsMasterKeyId as string;
    const Statement = [policy.Statement.find((s) => s.Sid === "DenyInsecureTransport"), OLD_DENY_OTHER_KMS_KEYS(bucketArn, keyArn)];
    return { ...e, inputs: { ...e.inputs, policy: JSON.stringify({ ...policy, Statement }) } };
  });
}

const decision = (report: IamReport, pattern: RegExp) => {
  const found = report.results.filter((r) => pattern.test(r.path));
  expect(found, `one path matching ${pattern}`).toHaveLength(1);
  return found[0].actual;
};

/** The IAM suite over one stack's program run (one stack per test file: the program module runs once per process). */
export function iamSuite(stack: StackName): void {
describe(`IAM paths of the ${stack} stack as rendered`, () => {
  let inventory: InventoryEntry[];
  let report: IamReport;
  beforeAll(async () => {
    inventory = (await runStack(stack)).inventory;
    report = await checkIamPaths(inventory);
  }, 60_000);

  it("has no violation", () => {
    expect(report.violations).toEqual([]);
    expect(report.checked).toBeGreaterThan(80);
  });

  it("lets the backup role upload WAL without an SSE header, and base backups naming the bucket's key", () => {
    expect(decision(report, /^timescaledb-backups: s3:PutObject .*\/cnpg\/timescaledb\/wals\/.* \(WAL upload, no SSE header/)).toBe("Allowed");
    expect(decision(report, /^timescaledb-backups: s3:PutObject .*\/cnpg\/timescaledb\/base\/.*\(base backup upload, SSE-KMS naming the bucket's key\)/)).toBe("Allowed");
  });

  it("lets the backup role read, list and prune its backups and use its key through S3", () => {
    expect(decision(report, /^timescaledb-backups: s3:GetObject .*\(restore reads WAL\)/)).toBe("Allowed");
    expect(decision(report, /^timescaledb-backups: s3:ListBucket .*\(lists backups\)/)).toBe("Allowed");
    expect(decision(report, /^timescaledb-backups: s3:DeleteObject .*\(retention/)).toBe("Allowed");
    expect(decision(report, /^timescaledb-backups: kms:GenerateDataKey .*\(data key for an upload through S3\)/)).toBe("Allowed");
    expect(decision(report, /^timescaledb-backups: kms:Decrypt .*\(decrypt for a restore through S3\)/)).toBe("Allowed");
  });

  it("denies plain HTTP, another key, SSE-S3, other buckets and every other principal", () => {
    expect(decision(report, /^timescaledb-backups: s3:PutObject .*\(upload over plain HTTP\)/)).toBe("ExplicitlyDenied");
    expect(decision(report, /^timescaledb-backups: s3:PutObject .*\(upload with SSE-KMS naming another key\)/)).toBe("ExplicitlyDenied");
    expect(decision(report, /^timescaledb-backups: s3:PutObject .*\(upload with SSE-S3/)).toBe("ExplicitlyDenied");
    for (const what of ["write to another bucket", "read another bucket", "list another bucket", "write outside its folder", "decrypt for another bucket"]) {
      expect(decision(report, new RegExp(`^timescaledb-backups: .*\\(${what}\\)`)), what).not.toBe("Allowed");
    }
    const outsiders = report.results.filter((r) => r.path.includes("(not the backup role)"));
    // Every other role the program creates (node, CSI drivers, flow logs where on), and an account that allows itself all of S3;
    // the restore drill's reader has paths of its own.
    const otherRoles = inventory.filter((e) => e.type === "aws:iam/role:Role" && !e.name.startsWith("timescaledb-backups")).map((e) => e.name);
    expect(otherRoles).toEqual(expect.arrayContaining(["hft-node", "hft-ebs-csi", "hft-efs-csi"]));
    expect(new Set(outsiders.map((r) => r.path.split(":")[0]))).toEqual(new Set([...otherRoles, "another account"]));
    for (const r of outsiders) expect(r.actual, r.path).not.toBe("Allowed");
  });

  it("gives each CSI driver role every call its driver makes and nothing forbidden", () => {
    for (const driver of CSI_DRIVER_IAM) {
      const role = driver.driver === "aws-ebs-csi-driver" ? "hft-ebs-csi" : "hft-efs-csi";
      const paths = report.results.filter((r) => r.path.startsWith(`${role} (${driver.driver}): `));
      expect(paths.filter((p) => p.expected === "Allowed"), role).toHaveLength(driver.requests.length);
      for (const p of paths) expect(p.actual === "Allowed", p.path).toBe(p.expected === "Allowed");
      for (const forbidden of ["s3:GetObject", "iam:PassRole", "iam:CreateRole", "kms:ScheduleKeyDeletion", "ec2:TerminateInstances"]) {
        expect(paths.find((p) => p.path.includes(`: ${forbidden} `))?.actual, `${role} ${forbidden}`).toMatch(/Denied$/);
      }
    }
    expect(report.notEvaluated.join("\n")).not.toMatch(/csi/);
  });

  it("lets only EKS Pod Identity assume the pod-identity roles", () => {
    for (const role of ["timescaledb-backups", "hft-ebs-csi", "hft-efs-csi"]) {
      expect(decision(report, new RegExp(`^${role} trust: pods.eks.amazonaws.com sts:AssumeRole$`))).toBe("Allowed");
      expect(decision(report, new RegExp(`^${role} trust: pods.eks.amazonaws.com sts:TagSession$`))).toBe("Allowed");
      expect(decision(report, new RegExp(`^${role} trust: ec2.amazonaws.com sts:AssumeRole$`))).not.toBe("Allowed");
      expect(decision(report, new RegExp(`^${role} trust: arn:aws:iam::\\d+:root sts:AssumeRole$`))).not.toBe("Allowed");
    }
  });

  it("fails on the old bucket policy: the plugin's uploads without an SSE header are denied", async () => {
    const old = await checkIamPaths(withOldBucketPolicy(inventory));
    expect(decision(old, /\(WAL upload, no SSE header/)).toBe("ExplicitlyDenied");
    expect(old.violations.map((v) => v.path)).toEqual([expect.stringMatching(/^timescaledb-backups: s3:PutObject .*\(WAL upload, no SSE header/)]);
  });

  it("lets the restore drill's reader role read, list and decrypt its backups, and nothing more", () => {
    for (const path of [/^timescaledb-backups-reader: s3:GetObject .*\(restore drill reads a base backup\)/, /\(restore drill lists backups\)/, /\(restore drill decrypts through S3\)/]) {
      expect(decision(report, path)).toBe("Allowed");
    }
    for (const path of [/\(a reader uploads WAL\)/, /\(a reader deletes a backup\)/, /\(a reader asks for a data key\)/, /\(a reader reads outside the folder\)/]) {
      expect(decision(report, path)).not.toBe("Allowed");
    }
  });

  it("fails when the reader role is given the writer's policy", async () => {
    const writer = inventory.find((e) => e.type === "aws:iam/policy:Policy" && e.name === "timescaledb-backups")!;
    const widened = inventory.map((e) => (e.type === "aws:iam/policy:Policy" && e.name === "timescaledb-backups-reader" ? { ...e, inputs: { ...e.inputs, policy: writer.inputs.policy } } : e));
    const found = await checkIamPaths(widened);
    expect(found.violations.map((v) => v.path)).toEqual(
      expect.arrayContaining([expect.stringMatching(/\(a reader uploads WAL\)/), expect.stringMatching(/\(a reader deletes a backup\)/), expect.stringMatching(/\(a reader asks for a data key\)/)]),
    );
  });

  it("fails when a CSI driver role is given more than its driver needs", async () => {
    const ebsRole = inventory.find((e) => e.type === "aws:iam/role:Role" && e.name === "hft-ebs-csi")!;
    const widened: InventoryEntry = {
      urn: "urn:pulumi:test::hft-platform::aws:iam/rolePolicy:RolePolicy::extra",
      type: "aws:iam/rolePolicy:RolePolicy",
      name: "extra",
      custom: true,
      dependsOn: [ebsRole.urn],
      inputs: { policy: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: ["s3:*", "iam:PassRole"], Resource: "*" }] }) },
    };
    const report = await checkIamPaths([...inventory, widened]);
    expect(report.violations.map((v) => v.path)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^hft-ebs-csi \(aws-ebs-csi-driver\): s3:GetObject /),
        expect.stringMatching(/^hft-ebs-csi \(aws-ebs-csi-driver\): iam:PassRole /),
        expect.stringMatching(/^hft-ebs-csi: s3:PutObject s3:\/\/.*\(not the backup role\)/),
      ]),
    );
  });
});
}
