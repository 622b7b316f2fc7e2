import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO_ROOT, runStack, StackRun } from "../tools/harness";
import { InventoryEntry } from "../tools/inventory";
import { Inventory } from "./inventory";

// The dev stack with the GitOps export switched on, from a copy of its stack file.
const scratch = mkdtempSync(path.join(tmpdir(), "hft-gitops-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

let run: StackRun;
let inv: Inventory;

beforeAll(async () => {
  const dev = readFileSync(path.join(REPO_ROOT, "Pulumi.dev.yaml"), "utf8");
  writeFileSync(path.join(scratch, "Pulumi.dev-gitops.yaml"), `${dev}  hft-platform:renderYamlToDirectory: gitops/dev\n`);
  run = await runStack("dev-gitops", { configDir: scratch });
  inv = new Inventory(run.inventory);
});

const providerRef = (entry: InventoryEntry) => `${entry.urn}::${entry.name}-id`;

describe("GitOps export in eks mode", () => {
  it("still creates the cluster, its node groups and storage", () => {
    expect(inv.all("eks:index:Cluster")).toHaveLength(1);
    expect(inv.all("aws:eks/nodeGroup:NodeGroup")).toHaveLength(2);
    expect(inv.all("aws:efs/fileSystem:FileSystem")).toHaveLength(1);
  });

  it("renders the workloads through a second provider that writes to the directory, every time", () => {
    const gitops = inv.one("pulumi:providers:kubernetes", "hft-gitops");
    expect(gitops.parent).toBe(inv.one("hft:platform:Cluster", "hft").urn);
    expect(gitops.inputs).toEqual({ renderYamlToDirectory: "gitops/dev", alwaysRender: "true", enableServerSideApply: "true", kubeconfig: "[secret]" });
    const rendering = providerRef(gitops);
    for (const [type, name] of [
      ["kubernetes:apps/v1:StatefulSet", "trading-engine"],
      ["kubernetes:apps/v1:StatefulSet", "redis"],
      ["kubernetes:postgresql.cnpg.io/v1:Cluster", "timescaledb-cluster"],
      ["kubernetes:helm.sh/v4:Chart", "kube-prometheus-stack"],
      ["kubernetes:helm.sh/v4:Chart", "cert-manager"],
    ]) {
      expect(inv.one(type, name).provider, `${type} ${name}`).toBe(rendering);
    }
  });

  it("applies to the cluster only the StorageClasses, the Secrets and the Namespaces that hold them", () => {
    const applying = providerRef(inv.one("pulumi:providers:kubernetes", "hft"));
    expect(inv.one("pulumi:providers:kubernetes", "hft").inputs.renderYamlToDirectory).toBeUndefined();
    for (const name of ["fast-ssd", "gp3", "efs-sc"]) expect(inv.one("kubernetes:storage.k8s.io/v1:StorageClass", name).provider).toBe(applying);
    const applied = run.inventory.filter((e) => e.type.startsWith("kubernetes:") && e.provider === applying);
    expect([...new Set(applied.map((e) => e.type))].sort()).toEqual(["kubernetes:core/v1:Namespace", "kubernetes:core/v1:Secret", "kubernetes:storage.k8s.io/v1:StorageClass"]);
    const namespaces = applied.filter((e) => e.type === "kubernetes:core/v1:Namespace").map((e) => (e.inputs as any).metadata.name);
    const secretNamespaces = applied.filter((e) => e.type === "kubernetes:core/v1:Secret").map((e) => (e.inputs as any).metadata.namespace);
    expect(namespaces.sort()).toEqual([...new Set(secretNamespaces)].sort());
  });

  it("keeps the TimescaleDB backups of the eks mode", () => {
    // The backup bucket and the engine's audit bucket.
    expect(inv.all("aws:s3/bucket:Bucket").map((b) => b.name).sort()).toEqual(["hft-audit", "timescaledb-backups"]);
    // The database's, and the restore drill's read-only source on the same destination.
    expect(inv.all("kubernetes:barmancloud.cnpg.io/v1:ObjectStore").map((o) => (o.inputs as any).metadata.namespace)).toEqual(["hft-data", "hft-restore-drill"]);
  });
});
