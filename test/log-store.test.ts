import { beforeAll, describe, expect, it } from "vitest";
import { runStack, StackRun } from "../tools/harness";
import { checkIamPaths } from "../tools/iam-check";
import { IamReport } from "../tools/iam-paths";
import { Inventory } from "./inventory";
import { expectRejected } from "./stack-config";

let run: StackRun;
let inv: Inventory;
let report: IamReport;

beforeAll(async () => {
  run = await runStack("prod");
  inv = new Inventory(run.inventory);
  report = await checkIamPaths(run.inventory);
});

const decision = (pattern: RegExp) => {
  const found = report.results.filter((r) => pattern.test(r.path));
  expect(found, String(pattern)).toHaveLength(1);
  return found[0].actual;
};

describe("prod engine logs that survive their node", () => {
  it("keeps the application log a year in a KMS-encrypted CloudWatch Logs group only CloudWatch Logs may use the key for", () => {
    const group = inv.one("aws:cloudwatch/logGroup:LogGroup", "hft-engine").inputs as any;
    expect(group).toMatchObject({ name: "/hft/hft-prod/engine", retentionInDays: 365, kmsKeyId: expect.stringMatching(/^arn:aws:kms:/) });
    expect(inv.one("aws:cloudwatch/logGroup:LogGroup", "hft-engine").protect).toBe(true);
    const keyPolicy = JSON.parse(String(inv.one("aws:kms/keyPolicy:KeyPolicy", "hft-logs").inputs.policy));
    const logs = keyPolicy.Statement.find((s: any) => s.Principal.Service === "logs.us-east-1.amazonaws.com");
    expect(logs.Condition).toEqual({ ArnEquals: { "kms:EncryptionContext:aws:logs:arn": expect.stringMatching(/:log-group:\/hft\/hft-prod\/engine$/) } });
  });

  it("keeps order/audit records write-once for seven years: Object Lock in compliance mode, versioned, KMS, private, TLS only", () => {
    const bucket = inv.one("aws:s3/bucket:Bucket", "hft-audit");
    expect(bucket.inputs).toMatchObject({ objectLockEnabled: true, forceDestroy: false });
    expect(bucket.protect).toBe(true);
    expect(inv.one("aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration", "hft-audit").inputs).toMatchObject({
      objectLockEnabled: "Enabled",
      rule: { defaultRetention: { mode: "COMPLIANCE", days: 2557 } },
    });
    expect((inv.one("aws:s3/bucketVersioning:BucketVersioning", "hft-audit").inputs as any).versioningConfiguration.status).toBe("Enabled");
    expect((inv.one("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", "hft-audit").inputs as any).rules[0].applyServerSideEncryptionByDefault.sseAlgorithm).toBe("aws:kms");
    expect(inv.one("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "hft-audit").inputs).toMatchObject({ blockPublicAcls: true, restrictPublicBuckets: true });
  });

  it("ships the application log to CloudWatch Logs and the audit stream to the bucket with Content-MD5, as Object Lock requires", () => {
    const conf = inv.k8s("kubernetes:core/v1:ConfigMap", "fluent-bit-config").data["fluent-bit.conf"] as string;
    expect(conf).toMatch(/Name +cloudwatch_logs\n +Match +app\n +region +us-east-1\n +log_group_name +\/hft\/hft-prod\/engine\n/);
    expect(conf).toMatch(/Name +s3\n +Match +audit\n/);
    expect(conf).toMatch(/send_content_md5 +On/);
    expect(conf).toMatch(/use_put_object +On/);
    expect(conf).toMatch(/bucket +hft-prod-engine-audit-/);
    expect(conf).not.toMatch(/Name +stdout/);
    const app = inv.k8s("kubernetes:core/v1:ConfigMap", "trading-engine-config").data["application.yaml"] as string;
    expect(app).toContain("audit_output: /var/log/trading/audit/orders.log");
  });

  it("lets the engine pod reach the pod-identity agent for the shipper's credentials", () => {
    const egress = inv.k8s("kubernetes:networking.k8s.io/v1:NetworkPolicy", "trading-engine-egress").spec.egress;
    expect(egress.at(-1)).toEqual({ to: [{ ipBlock: { cidr: "169.254.170.23/32" } }], ports: [{ protocol: "TCP", port: 80 }] });
    const association = inv.all("aws:eks/podIdentityAssociation:PodIdentityAssociation").find((a) => (a.inputs as any).namespace === "hft-trading")!;
    expect(association.inputs).toMatchObject({ serviceAccount: "trading-engine" });
  });

  it("gives the shipper's role append and put only: no read back, delete, retention change or lock bypass", () => {
    expect(decision(/^hft-engine-logs: logs:PutLogEvents .*\(the shipper sends application log events\)/)).toBe("Allowed");
    expect(decision(/^hft-engine-logs: s3:PutObject .*\(the shipper puts an order\/audit object\)/)).toBe("Allowed");
    expect(decision(/^hft-engine-logs: kms:GenerateDataKey .*\(data key for an audit upload through S3\)/)).toBe("Allowed");
    for (const what of ["read an order/audit object back", "delete an order/audit object", "delete a locked version", "shorten an object's retention", "bypass governance retention", "delete its log group", "read its log back"]) {
      expect(decision(new RegExp(`^hft-engine-logs: .*\\(${what.replace("/", "\\/")}\\)`)), what).not.toBe("Allowed");
    }
    expect(report.violations).toEqual([]);
  });

  it("fails when the shipper's role may delete what it wrote", async () => {
    const widened = run.inventory.map((e) =>
      e.type === "aws:iam/policy:Policy" && e.name === "hft-engine-logs"
        ? { ...e, inputs: { ...e.inputs, policy: String(e.inputs.policy).replace('"Action":"s3:PutObject"', '"Action":["s3:PutObject","s3:DeleteObject","s3:GetObject"]') } }
        : e,
    );
    const found = await checkIamPaths(widened);
    expect(found.violations.map((v) => v.path)).toEqual([
      expect.stringMatching(/\(read an order\/audit object back\)/),
      expect.stringMatching(/\(delete an order\/audit object\)/),
    ]);
  });

  it("holds production's audit retention to at least five years", () => {
    expectRejected("prod", { "logs.auditRetentionDays": 365 }, "logs.auditRetentionDays", /from 1825 \(five years, MiFID II order records\)/);
    expectRejected("prod", { "logs.engineRetentionDays": 100 }, "logs.engineRetentionDays", /one of 1, 3, 5/);
  });
});
