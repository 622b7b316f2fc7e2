import { readFileSync } from "node:fs";
import * as path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { REPO_ROOT, runStack, StackRun } from "../tools/harness";

/** Module specifiers a source file imports. */
function importsOf(file: string): string[] {
  const text = readFileSync(path.join(REPO_ROOT, file), "utf8");
  return [...text.matchAll(/^import[^"]*"([^"]+)";/gm)].map((m) => m[1]);
}

describe("layers (ARCHITECTURE.md): workloads receive what they need, they do not reach down", () => {
  it("keeps AWS and the platform side out of the workloads", () => {
    for (const workload of ["components/timescaledb.ts", "components/engine.ts", "components/redis.ts", "components/monitoring.ts", "components/postgres-operator.ts"]) {
      const imports = importsOf(workload);
      expect(imports, workload).not.toContain("@pulumi/aws");
      for (const platform of ["./cluster", "./node-bootstrap", "./nodegroup", "./network", "./storage", "./foundation", "./backup-store", "./ci-runner"]) {
        expect(imports, `${workload} imports ${platform}`).not.toContain(platform);
      }
    }
  });

  it("keeps the platform side from importing a workload", () => {
    for (const platform of ["components/foundation.ts", "components/backup-store.ts", "components/cluster.ts", "components/node-bootstrap.ts", "components/storage.ts", "components/ci-runner.ts"]) {
      const imports = importsOf(platform);
      for (const workload of ["./timescaledb", "./engine", "./redis", "./monitoring", "./postgres-operator"]) {
        expect(imports, `${platform} imports ${workload}`).not.toContain(workload);
      }
    }
  });
});

describe("the backup store on the platform side", () => {
  let run: StackRun;
  beforeAll(async () => {
    run = await runStack("prod");
  });

  it("is a BackupStore component whose resources keep their URNs from under the TimescaleDb component", () => {
    const store = run.inventory.find((e) => e.type === "hft:platform:BackupStore");
    expect(store?.name).toBe("timescaledb");
    const children = run.inventory.filter((e) => e.parent === store?.urn);
    // The writer's identity and, since the restore drill, a reader's: association, policy, role, attachment each.
    expect(children.map((c) => c.type).sort()).toEqual([
      "aws:eks/podIdentityAssociation:PodIdentityAssociation",
      "aws:eks/podIdentityAssociation:PodIdentityAssociation",
      "aws:iam/policy:Policy",
      "aws:iam/policy:Policy",
      "aws:iam/role:Role",
      "aws:iam/role:Role",
      "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
      "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
      "aws:kms/alias:Alias",
      "aws:kms/key:Key",
      "aws:s3/bucket:Bucket",
      "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
      "aws:s3/bucketOwnershipControls:BucketOwnershipControls",
      "aws:s3/bucketPolicy:BucketPolicy",
      "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
      "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
      "aws:s3/bucketVersioning:BucketVersioning",
    ]);
    for (const child of children) {
      // The URN it had as a child of the TimescaleDb component, so `pulumi up` moves it instead of replacing it.
      expect(child.aliases, child.type).toContain(`urn:pulumi:prod::hft-platform::hft:platform:TimescaleDb$${child.type}::${child.name}`);
    }
    expect(run.inventory.filter((e) => e.type.startsWith("aws:") && e.parent?.includes("hft:platform:TimescaleDb"))).toEqual([]);
  });

  it("hands the workload plain values: the ObjectStore's path, region and the Cluster's wait for the pod-identity association", () => {
    const association = run.inventory.find((e) => e.type === "aws:eks/podIdentityAssociation:PodIdentityAssociation" && e.inputs.namespace === "hft-data")!;
    const cluster = run.inventory.find((e) => e.type === "kubernetes:postgresql.cnpg.io/v1:Cluster")!;
    expect(cluster.dependsOn).toContain(association.urn);
    expect(run.outputs.timescaledbBackupBucket).toMatch(/^hft-prod-timescaledb-backups-/);
  });
});
