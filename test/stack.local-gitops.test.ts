import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { check } from "../policy/test/harness";
import { REPO_ROOT, runStack, StackRun } from "../tools/harness";
import { InventoryEntry } from "../tools/inventory";
import { engineResource } from "../tools/policy-gate";
import { SYNC_OPTIONS, SYNC_WAVE, syncWave } from "../components/k8s/gitops";
import { Inventory } from "./inventory";

// The local stack with the GitOps export switched on, from a copy of its stack file (docs/gitops.md).
const scratch = mkdtempSync(path.join(tmpdir(), "hft-gitops-local-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

let local: StackRun;
let localInv: Inventory;

beforeAll(async () => {
  const yaml = readFileSync(path.join(REPO_ROOT, "Pulumi.local.yaml"), "utf8");
  writeFileSync(path.join(scratch, "Pulumi.local-gitops.yaml"), `${yaml}  hft-platform:renderYamlToDirectory: gitops/local\n`);
  local = await runStack("local-gitops", { configDir: scratch });
  localInv = new Inventory(local.inventory);
});

const renders = (entry: InventoryEntry) => {
  const provider = local.inventory.find((p) => p.type === "pulumi:providers:kubernetes" && entry.provider?.startsWith(`${p.urn}::`));
  return provider?.inputs.renderYamlToDirectory !== undefined;
};

describe("GitOps export of the local stack (existing mode)", () => {
  it("writes no Secret into the export: every Secret, with its values, goes through the applying provider", () => {
    const secrets = localInv.all("kubernetes:core/v1:Secret");
    expect(secrets.map((s) => (s.inputs as any).metadata.name).sort()).toEqual(
      expect.arrayContaining(["alertmanager-config", "grafana-admin", "redis-auth", "redis-client", "timescaledb-app", "timescaledb-client", "timescaledb-superuser", "trading-engine-secrets"]),
    );
    for (const secret of secrets) expect(renders(secret), (secret.inputs as any).metadata.name).toBe(false);
    const exported = local.inventory.filter((e) => e.type.startsWith("kubernetes:") && renders(e));
    expect(exported.length).toBeGreaterThan(50);
    expect(exported.filter((e) => e.type === "kubernetes:core/v1:Secret")).toEqual([]);
    expect(localInv.one("pulumi:providers:kubernetes", "hft").inputs).toMatchObject({ renderYamlToDirectory: "gitops/local" });
    expect(localInv.one("pulumi:providers:kubernetes", "hft-secrets").inputs.renderYamlToDirectory).toBeUndefined();
  });

  it("gives no chart a value that makes it template a Secret with data", () => {
    const values = (name: string) => (localInv.one("kubernetes:helm.sh/v4:Chart", name).inputs as any).values;
    // kube-prometheus-stack 88.5.3 templates/alertmanager/secret.yaml renders unless useExistingSecret.
    expect(values("kube-prometheus-stack").alertmanager).toMatchObject({ alertmanagerSpec: { useExistingSecret: true, configSecret: "alertmanager-config" } });
    expect(values("kube-prometheus-stack").alertmanager.config).toBeUndefined();
    // grafana 12.11.1 templates/secret.yaml renders unless admin.existingSecret.
    expect(values("kube-prometheus-stack").grafana.admin.existingSecret).toBe("grafana-admin");
    // prometheus-adapter 5.3.0 templates/secret.yaml renders with tls.enable (its key in the values).
    expect(values("prometheus-adapter").tls).toBeUndefined();
  });

  it("passes the pack's GitOps rule, which refuses the same Secret through the rendering provider", async () => {
    const resources = local.inventory.map(engineResource);
    expect((await check("gitops-export-no-secret-data", resources)).findings).toEqual([]);
    const rendering = localInv.one("pulumi:providers:kubernetes", "hft");
    const moved = local.inventory.map((e) => (e.type === "kubernetes:core/v1:Secret" ? { ...e, provider: `${rendering.urn}::hft-id` } : e));
    const findings = (await check("gitops-export-no-secret-data", moved.map(engineResource))).findings;
    expect(findings.length).toBe(localInv.all("kubernetes:core/v1:Secret").length);
    expect(findings[0].message).toMatch(/is written to gitops\/local by provider hft: apply it through the cluster's applying provider/);
  });
});

describe("the export's apply order (Argo CD sync waves)", () => {
  it("puts CRDs, namespaces, what pods need, operators and workloads, then custom resources in that order", () => {
    expect(syncWave("apiextensions.k8s.io/v1", "CustomResourceDefinition")).toBe(-3);
    expect(syncWave("v1", "Namespace")).toBe(-2);
    expect(syncWave("v1", "ServiceAccount")).toBe(-1);
    expect(syncWave("rbac.authorization.k8s.io/v1", "ClusterRole")).toBe(-1);
    expect(syncWave("apps/v1", "Deployment")).toBe(0);
    expect(syncWave("admissionregistration.k8s.io/v1", "ValidatingWebhookConfiguration")).toBe(0);
    expect(syncWave("cert-manager.io/v1", "Certificate")).toBe(1);
    expect(syncWave("postgresql.cnpg.io/v1", "Cluster")).toBe(1);
  });

  it("annotates every exported object with its wave, and custom resources to wait for their CRDs", () => {
    const annotations = (type: string, name: string) => (localInv.one(type, name).inputs as any).metadata.annotations ?? {};
    expect(annotations("kubernetes:networking.k8s.io/v1:NetworkPolicy", "monitoring-prometheus")[SYNC_WAVE]).toBe("-1");
    expect(annotations("kubernetes:apps/v1:StatefulSet", "redis")[SYNC_WAVE]).toBe("0");
    expect(annotations("kubernetes:postgresql.cnpg.io/v1:Cluster", "timescaledb-cluster")).toMatchObject({ [SYNC_WAVE]: "1", [SYNC_OPTIONS]: "SkipDryRunOnMissingResource=true" });
    const exported = local.inventory.filter((e) => e.custom && e.type.startsWith("kubernetes:") && !e.type.startsWith("kubernetes:helm.sh/") && renders(e));
    expect(exported.length).toBeGreaterThan(50);
    for (const e of exported) expect((e.inputs as any).metadata?.annotations?.[SYNC_WAVE], e.urn).toMatch(/^-?\d$/);
  });
});
