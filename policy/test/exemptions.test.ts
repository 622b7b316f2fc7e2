import { readFileSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { reconcileConfig } from "../../tools/policy-engine";
import { Exemption, KubernetesExemption } from "../exemptions";
import { K8S, POD_TYPES } from "../kubernetes";
import { allPolicies } from "../policies";
import { check, POLICY_DIR, readConfig, resource } from "./harness";

const probeless = (namespace: string, name: string) => ({
  metadata: { name, namespace },
  spec: { replicas: 2, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: "c", image: "x:1" }] } } },
});
const exemption = (over: Partial<KubernetesExemption> = {}): KubernetesExemption => ({
  kind: "Deployment",
  namespace: "cert-manager",
  name: "cert-manager-cainjector",
  reason: "the chart renders no probes at the pinned version",
  ...over,
});

describe("exemptions by name", () => {
  it("lift a resource rule for exactly the named object, with its reason, and no other", async () => {
    const named = resource(K8S.deployment, probeless("cert-manager", "cert-manager-cainjector"), "named");
    const otherName = resource(K8S.deployment, probeless("cert-manager", "cert-manager-cainjector2"), "other-name");
    const otherNamespace = resource(K8S.deployment, probeless("default", "cert-manager-cainjector"), "other-namespace");
    const otherKind = resource(K8S.statefulSet, probeless("cert-manager", "cert-manager-cainjector"), "other-kind");
    const { findings, run } = await check("container-probes", [named, otherName, otherNamespace, otherKind], { config: { exemptions: [exemption()] } });
    expect(findings.map((f) => f.name).sort()).toEqual(["other-kind", "other-name", "other-namespace"]);
    expect(run.notApplicable).toEqual(["named: exempt by the stack's policy config: the chart renders no probes at the pinned version"]);
  });

  it("drop a stack rule's violation against the named object only", async () => {
    const resources = [resource(K8S.deployment, probeless("cnpg-system", "a"), "a"), resource(K8S.deployment, probeless("cnpg-system", "b"), "b")];
    const unexempted = await check("workload-pdb", resources);
    expect(unexempted.findings.map((f) => f.name).sort()).toEqual(["a", "b"]);
    const { findings } = await check("workload-pdb", resources, { config: { exemptions: [exemption({ namespace: "cnpg-system", name: "a" })] } });
    expect(findings.map((f) => f.name)).toEqual(["b"]);
  });

  it("are a setting of every rule, and each entry needs kind, namespace, name and a reason", () => {
    for (const rule of allPolicies) expect(rule.configSchema?.properties?.exemptions, rule.name).toBeDefined();
    const bad = (entry: object) => () => reconcileConfig(allPolicies, { all: "mandatory", "container-probes": { exemptions: [entry] } });
    expect(bad({ ...exemption(), reason: "" })).toThrow(/container-probes/);
    const { name: _name, ...nameless } = exemption();
    expect(bad(nameless)).toThrow(/container-probes/);
    expect(bad({ ...exemption(), pattern: "cert-*" })).toThrow(/container-probes/);
    expect(bad(exemption())).not.toThrow();
  });

  it("name any other resource by type and name, an IAM statement by Sid and exact pairs, and never mix the two forms", () => {
    const bad = (rule: string, entry: object) => () => reconcileConfig(allPolicies, { all: "mandatory", [rule]: { exemptions: [entry] } });
    const reason = "reviewed: these actions take no resource-level permissions";
    const statement = { sid: "Describe", actions: ["ec2:DescribeVpcs"], resources: ["*"] };
    expect(bad("iam-no-wildcards", { type: "aws:iam/rolePolicy:RolePolicy", name: "ci", statement, reason })).not.toThrow();
    expect(bad("s3-bucket-versioning", { type: "aws:s3/bucket:Bucket", name: "scratch", reason })).not.toThrow();
    expect(bad("iam-no-wildcards", { type: "aws:iam/rolePolicy:RolePolicy", name: "ci", statement: { sid: "Describe", actions: [], resources: ["*"] }, reason })).toThrow(/iam-no-wildcards/);
    expect(bad("iam-no-wildcards", { kind: "Deployment", type: "aws:iam/rolePolicy:RolePolicy", name: "ci", reason })).toThrow(/iam-no-wildcards/);
    expect(bad("container-probes", { namespace: "cert-manager", name: "cert-manager", reason })).toThrow(/container-probes/);
    expect(bad("container-probes", { kind: "Deployment", namespace: "cert-manager", name: "cert-manager", statement, reason })).toThrow(/container-probes/);
  });

  it("excuse only the named statement's listed action/resource pairs", async () => {
    const doc = (statements: object[]) => JSON.stringify({ Version: "2012-10-17", Statement: statements });
    const vpc = { Sid: "Vpc", Effect: "Allow", Action: ["ec2:DescribeVpcs", "ec2:DescribeSubnets"], Resource: "*" };
    const exemptions = [{ type: "aws:iam/rolePolicy:RolePolicy", name: "ci", statement: { sid: "Vpc", actions: ["ec2:DescribeVpcs", "ec2:DescribeSubnets"], resources: ["*"] }, reason: "no resource-level permissions" }];
    const run = async (statements: object[], name = "ci") => (await check("iam-no-wildcards", [resource("aws:iam/rolePolicy:RolePolicy", { policy: doc(statements) }, name)], { config: { exemptions } })).findings.map((f) => f.message);
    expect(await run([vpc])).toEqual([]);
    expect(await run([vpc], "other")).toEqual([expect.stringMatching(/statement Vpc allows ec2:DescribeVpcs on \*, ec2:DescribeSubnets on \*/)]);
    expect(await run([{ ...vpc, Action: [...vpc.Action, "ec2:TerminateInstances"] }])).toEqual([expect.stringMatching(/statement Vpc allows ec2:TerminateInstances on \*:/)]);
    expect(await run([{ ...vpc, Sid: "Other" }])).toHaveLength(1);
    expect(await run([vpc, { Sid: "Admin", Effect: "Allow", Action: "*", Resource: "*" }])).toEqual([expect.stringMatching(/statement Admin allows \* on \*/)]);
  });
});

interface ChartWorkload {
  kind: string;
  namespace: string;
  name: string;
  replicas: number;
  createdBy?: string;
  expect: Record<string, string>;
}
interface ChartsFile {
  ruleGroups: Record<string, string[]>;
  charts: { component: string; chart: string; version: string; workloads: ChartWorkload[] }[];
}
const charts = JSON.parse(readFileSync(path.join(POLICY_DIR, "charts.json"), "utf8")) as ChartsFile;
const workloads = charts.charts.flatMap((c) => c.workloads.map((w) => ({ ...w, chart: c.chart })));
const chartWorkloadIds = new Set(workloads.map((w) => `${w.kind} ${w.namespace}/${w.name}`));

describe("the prod pack over the pinned charts' workloads (policy/charts.json)", () => {
  const prod = readConfig("prod");

  it("disables no rule in prod: everything is mandatory, exceptions are named", () => {
    expect(prod.all).toBe("mandatory");
    for (const [rule, entry] of Object.entries(prod)) {
      if (rule === "all") continue;
      expect(typeof entry, rule).toBe("object");
      expect((entry as Record<string, unknown>).enforcementLevel, rule).toBeUndefined();
    }
  });

  it("judges every chart workload under every rule that targets pod templates", () => {
    const grouped = Object.values(charts.ruleGroups).flat();
    const podRules = allPolicies.filter((p) => p.targetTypes.some((t) => POD_TYPES.includes(t))).map((p) => p.name);
    for (const rule of podRules) expect(grouped, rule).toContain(rule);
    for (const w of workloads) {
      expect(Object.keys(w.expect).sort(), w.name).toEqual(Object.keys(charts.ruleGroups).sort());
      for (const [group, verdict] of Object.entries(w.expect)) expect(verdict, `${w.name} ${group}`).toMatch(/^(pass|program|exempt|n\/a): \S/);
    }
  });

  it("exempts in prod exactly the workloads the table marks exempt, per rule", () => {
    for (const [group, rules] of Object.entries(charts.ruleGroups)) {
      const marked = workloads.filter((w) => w.expect[group].startsWith("exempt:")).map((w) => `${w.kind} ${w.namespace}/${w.name}`);
      for (const rule of rules) {
        const entry = prod[rule] as { exemptions?: Exemption[] } | undefined;
        const listed = (entry?.exemptions ?? []).map((e) => ("kind" in e ? `${e.kind} ${e.namespace}/${e.name}` : `${e.type} ${e.name}`)).filter((id) => chartWorkloadIds.has(id));
        expect(listed.sort(), rule).toEqual(marked.sort());
      }
    }
  });

  it("is the table in policy/README.md", () => {
    const readme = readFileSync(path.join(POLICY_DIR, "README.md"), "utf8");
    const section = readme.slice(readme.indexOf('<a id="charts"></a>'));
    expect(section.length).toBeGreaterThan(0);
    for (const w of workloads) {
      const row = section.split("\n").find((line) => line.startsWith(`| ${w.chart} | ${w.kind} ${w.namespace}/${w.name} `));
      expect(row, w.name).toBeDefined();
      const cells = row!.split("|").slice(3, -1).map((c) => c.trim());
      const verdicts = Object.keys(charts.ruleGroups).map((g) => w.expect[g].split(":")[0]);
      expect(cells.map((c) => c.split(":")[0]), w.name).toEqual(verdicts);
    }
  });
});
