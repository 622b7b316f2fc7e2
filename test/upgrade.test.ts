import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { EKS_KUBERNETES_MINORS, EKS_MINOR_ADDON_BUILDS } from "../components/config";
import { diffInventories, StackDiff } from "../tools/diff";
import { tradingImpact, TradingImpact } from "../tools/disruption";
import { REPO_ROOT, runStack } from "../tools/harness";
import { eksConfig } from "./stack-config";

// docs/upgrade.md's first step rendered offline: prod with cluster.kubernetesVersion moved to the
// next minor (and the kube-proxy build of that minor, from the program's own table), diffed against
// prod as it is.

const scratch = mkdtempSync(path.join(tmpdir(), "hft-next-minor-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const current = eksConfig("prod").cluster;
const minor = Number(current.kubernetesVersion.split(".")[1]);
const next = `1.${minor + 1}`;
let diff: StackDiff;
let impact: TradingImpact;

beforeAll(async () => {
  expect(EKS_KUBERNETES_MINORS[minor + 1], `kubernetes-versions.ts lists no EKS minor after ${current.kubernetesVersion}`).toBeDefined();
  const kubeProxy = EKS_MINOR_ADDON_BUILDS[minor + 1]?.kubeProxy;
  expect(kubeProxy, `kubernetes-versions.ts has no kube-proxy build for ${next}`).toBeDefined();
  const file = readFileSync(path.join(REPO_ROOT, "Pulumi.prod.yaml"), "utf8");
  const bumped = file.replace(`kubernetesVersion: "${current.kubernetesVersion}"`, `kubernetesVersion: "${next}"`).replace(`kubeProxy: ${current.addons.kubeProxy}`, `kubeProxy: ${kubeProxy}`);
  expect(bumped.split("\n").filter((line, i) => line !== file.split("\n")[i])).toHaveLength(2);
  // The same stack name, so that every resource keeps its URN and the diff is field by field.
  writeFileSync(path.join(scratch, "Pulumi.prod.yaml"), bumped);
  // Each run evaluates index.ts afresh.
  vi.resetModules();
  const before = (await runStack("prod")).inventory;
  vi.resetModules();
  const after = (await runStack("prod", { configDir: scratch })).inventory;
  diff = diffInventories("prod", before, after);
  impact = tradingImpact(diff, before, after);
}, 240_000);

describe(`prod moved to the next Kubernetes minor`, () => {
  it("changes the control plane, kube-proxy, both node groups' AMIs and the monitoring chart's target version, and nothing else", () => {
    expect(diff.added).toEqual([]);
    expect(diff.removed).toEqual([]);
    const changed = Object.fromEntries(diff.changed.map((c) => [`${c.type} ${c.name}`, c.fields.map((f) => f.path).sort()]));
    expect(changed).toEqual({
      "eks:index:Cluster hft": ["inputs.kubeProxyAddonOptions.version", "inputs.version"],
      "aws:ec2/launchTemplate:LaunchTemplate hft-system": ["inputs.imageId"],
      "aws:ec2/launchTemplate:LaunchTemplate hft-engine": ["inputs.imageId"],
      // kube-prometheus-stack templates its objects for the cluster's Kubernetes version.
      "kubernetes:helm.sh/v4:Chart kube-prometheus-stack": ["inputs.values.kubeTargetVersionOverride"],
    });
    const cluster = diff.changed.find((c) => c.type === "eks:index:Cluster")!;
    expect(cluster.fields.find((f) => f.path === "inputs.version")).toMatchObject({ before: current.kubernetesVersion, after: next });
  });

  it("is disruptive: every engine and system node is replaced; the control plane and add-on are for a reviewer", () => {
    expect(impact.class).toBe("disruptive");
    expect(impact.objects.filter((o) => o.class === "disruptive").map((o) => o.name)).toEqual(["hft-engine", "hft-system"]);
    expect(impact.objects.find((o) => o.type === "eks:index:Cluster")?.class).toBe("unknown");
  });
});
