/**
 * The exposure rules: NodePorts, open ingress into data namespaces, each namespace's Pod Security
 * level, workload namespaces' limits, and the CNI's NetworkPolicy enforcement, with exact findings.
 */
import { describe, expect, it } from "vitest";
import { EngineResource, PolicyConfigError, reconcileConfig } from "../../../tools/policy-engine";
import { K8S } from "../../kubernetes";
import * as aws from "../fixtures/aws";
import * as k from "../fixtures/kubernetes";
import { check, messages, policy, resource } from "../harness";

const configure = (rule: string, settings: Record<string, unknown>) => () => reconcileConfig([policy(rule)], { [rule]: settings });

describe("service-no-node-port", () => {
  const run = (resources: EngineResource[]) => messages("service-no-node-port", resources);
  const advice = "every node would accept it from anywhere its security group allows. Use ClusterIP, or a LoadBalancer with source ranges.";

  it("refuses a NodePort Service, named by namespace and name, or its resource name and the default namespace", async () => {
    expect(
      await run([
        resource(K8S.service, { metadata: { name: "admin", namespace: "hft-trading" }, spec: { type: "NodePort" } }, "a"),
        resource(K8S.service, { spec: { type: "NodePort" } }, "bare-nodeport"),
      ]),
    ).toEqual([`Service hft-trading/admin is type NodePort: ${advice}`, `Service default/bare-nodeport is type NodePort: ${advice}`]);
  });

  it("passes every other type, and a Service with no spec", async () => {
    const types = ["ClusterIP", "LoadBalancer", "ExternalName"].map((type) => resource(K8S.service, { metadata: { name: type }, spec: { type } }, type));
    const { findings, run: ruleRun } = await check("service-no-node-port", [...types, resource(K8S.service, {}, "bare")]);
    expect(findings).toEqual([]);
    expect(ruleRun.judged).toBe(4);
  });
});

describe("network-policy-no-open-ingress-to-data", () => {
  const rule = "network-policy-no-open-ingress-to-data";
  const netpol = (ingress: object[] | undefined, namespace = "hft-data", spec: object = {}) =>
    resource(K8S.networkPolicy, { metadata: { name: "clients", namespace }, spec: { podSelector: {}, ...(ingress ? { ingress } : {}), ...spec } }, "clients");
  const pods = { podSelector: { matchLabels: { app: "engine" } } };

  it("refuses each rule that admits any source or an open range, by its index", async () => {
    const ingress = [{ from: [pods] }, { ports: [{ port: 5432 }] }, { from: [] }, { from: [pods, { ipBlock: { cidr: "0.0.0.0/0" } }, { ipBlock: { cidr: "10.0.0.0/8" } }, { ipBlock: { cidr: "::/0" } }] }];
    expect(await messages(rule, [netpol(ingress)])).toEqual([
      "ingress[1] has no from: it admits every source, inside the cluster and out, into data namespace hft-data. Name the client pods.",
      "ingress[2] has no from: it admits every source, inside the cluster and out, into data namespace hft-data. Name the client pods.",
      "ingress[3] admits 0.0.0.0/0, ::/0 into data namespace hft-data: allow the exact client pods instead.",
    ]);
  });

  it("passes named clients and private ranges, and a policy with no ingress rules or no spec", async () => {
    expect(await messages(rule, [netpol([{ from: [pods, { ipBlock: { cidr: "10.0.0.0/8" } }, { ipBlock: {} }] }])])).toEqual([]);
    expect(await messages(rule, [netpol(undefined)])).toEqual([]);
    expect(await messages(rule, [resource(K8S.networkPolicy, { metadata: { name: "x", namespace: "hft-cache" } }, "x")])).toEqual([]);
  });

  it("judges only the stack's data namespaces", async () => {
    const open = [{ from: [{ ipBlock: { cidr: "0.0.0.0/0" } }] }];
    const elsewhere = await check(rule, [netpol(open, "hft-trading"), resource(K8S.networkPolicy, { spec: { ingress: [{}] } }, "no-namespace")]);
    expect(elsewhere.findings).toEqual([]);
    expect(elsewhere.run.notApplicable).toEqual(["clients: not in a data namespace", "no-namespace: not in a data namespace"]);
    expect(await messages(rule, [netpol(open, "hft-cache")])).toEqual(["ingress[0] admits 0.0.0.0/0 into data namespace hft-cache: allow the exact client pods instead."]);
    expect(await messages(rule, [netpol(open, "hft-cache")], { dataNamespaces: ["ledger"] })).toEqual([]);
    expect(await messages(rule, [netpol(open, "ledger")], { dataNamespaces: ["ledger"] })).toEqual(["ingress[0] admits 0.0.0.0/0 into data namespace ledger: allow the exact client pods instead."]);
  });

  it("refuses an empty or repeated data namespace in the config", () => {
    expect(configure(rule, { dataNamespaces: [] })).not.toThrow();
    expect(configure(rule, { dataNamespaces: [""] })).toThrow(PolicyConfigError);
    expect(configure(rule, { dataNamespaces: [""] })).toThrow(/network-policy-no-open-ingress-to-data: \/dataNamespaces\/0 must NOT have fewer than 1 characters/);
    expect(configure(rule, { dataNamespaces: ["a", "a"] })).toThrow(/\/dataNamespaces must NOT have duplicate items/);
    expect(configure(rule, { dataNamespaces: "hft-data" })).toThrow(/\/dataNamespaces must be array/);
  });
});

describe("namespace-pod-security-level", () => {
  const rule = "namespace-pod-security-level";
  const ENFORCE = "pod-security.kubernetes.io/enforce";
  const ns = (name: string, level?: string) => resource(K8S.namespace, { metadata: { name, ...(level ? { labels: { [ENFORCE]: level } } : {}) } }, name);

  it("holds every namespace to the default level, restricted, and says what it saw", async () => {
    expect(await messages(rule, [ns("a", "restricted"), ns("b", "baseline"), ns("c"), resource(K8S.namespace, {}, "d"), resource(K8S.namespace, { metadata: { labels: { team: "x" } } }, "e")])).toEqual([
      `namespace b enforces baseline; its stack's policy config says restricted: set the ${ENFORCE} label to restricted.`,
      `namespace c enforces privileged (unlabelled); its stack's policy config says restricted: set the ${ENFORCE} label to restricted.`,
      `namespace d enforces privileged (unlabelled); its stack's policy config says restricted: set the ${ENFORCE} label to restricted.`,
      `namespace e enforces privileged (unlabelled); its stack's policy config says restricted: set the ${ENFORCE} label to restricted.`,
    ]);
  });

  it("holds a listed namespace to its own level, in both directions, and the rest to the stack's default", async () => {
    const config = { defaultLevel: "baseline", namespaceLevels: { "node-exporter": "privileged", "hft-trading": "restricted" } };
    expect(await messages(rule, [ns("node-exporter", "privileged"), ns("hft-trading", "restricted"), ns("tools", "baseline")], config)).toEqual([]);
    expect(await messages(rule, [ns("node-exporter", "restricted"), ns("hft-trading", "baseline"), ns("tools", "restricted")], config)).toEqual([
      `namespace node-exporter enforces restricted; its stack's policy config says privileged: set the ${ENFORCE} label to privileged.`,
      `namespace hft-trading enforces baseline; its stack's policy config says restricted: set the ${ENFORCE} label to restricted.`,
      `namespace tools enforces restricted; its stack's policy config says baseline: set the ${ENFORCE} label to baseline.`,
    ]);
  });

  it("accepts only the three Pod Security levels in its config", () => {
    for (const level of ["restricted", "baseline", "privileged"]) {
      expect(configure(rule, { defaultLevel: level, namespaceLevels: { x: level } })).not.toThrow();
    }
    expect(configure(rule, { defaultLevel: "strict" })).toThrow(PolicyConfigError);
    expect(configure(rule, { defaultLevel: "strict" })).toThrow(/namespace-pod-security-level: \/defaultLevel must be equal to one of the allowed values/);
    expect(configure(rule, { namespaceLevels: { x: "open" } })).toThrow(/namespace-pod-security-level: \/namespaceLevels\/x must be equal to one of the allowed values/);
    expect(configure(rule, { defaultLevel: 1 })).toThrow(/\/defaultLevel must be string/);
    expect(configure(rule, { namespaceLevels: ["x"] })).toThrow(/\/namespaceLevels must be object/);
  });
});

describe("namespace-limits-and-quota", () => {
  const rule = "namespace-limits-and-quota";
  const inNs = (type: string, namespace: string, name = type.split(":").pop()!) => resource(type, { metadata: { name, namespace }, spec: {} }, `${namespace}-${name}`);
  const LIMITS = "kubernetes:core/v1:LimitRange";
  const QUOTA = "kubernetes:core/v1:ResourceQuota";
  const config = { workloadNamespaces: ["hft-trading", "hft-data"] };

  it("passes a listed namespace holding both objects", async () => {
    expect(await messages(rule, [k.namespace(), inNs(LIMITS, k.NS), inNs(QUOTA, k.NS)], { workloadNamespaces: [k.NS] })).toEqual([]);
  });

  it("names what a listed namespace lacks: one, the other, or both, counting only objects in that namespace", async () => {
    const resources = [k.namespace(), k.namespace("hft-data"), k.namespace("hft-cache"), inNs(LIMITS, k.NS), inNs(QUOTA, "hft-cache"), inNs(LIMITS, "hft-cache"), inNs(K8S.configMap, "hft-data")];
    expect(await messages(rule, resources, { workloadNamespaces: [k.NS, "hft-data", "hft-cache"] })).toEqual([
      "workload namespace hft-trading has no ResourceQuota: one pod could take the namespace's share of the nodes.",
      "workload namespace hft-data has no LimitRange and no ResourceQuota: one pod could take the namespace's share of the nodes.",
    ]);
    expect(await messages(rule, [k.namespace(), inNs(QUOTA, k.NS)], config)).toEqual(["workload namespace hft-trading has no LimitRange: one pod could take the namespace's share of the nodes."]);
  });

  it("refuses an unlisted namespace, saying whether it holds workloads of any kind", async () => {
    const unlisted = (ns: string, holds = "") => `namespace ${ns} is neither a listed workload namespace nor exempt${holds}: add a LimitRange and a ResourceQuota and list it, or exempt it with a reason.`;
    const job = resource(K8S.cronJob, { ...k.cronJob(), metadata: { name: "refresh", namespace: "batch" } }, "refresh");
    const pod = resource(K8S.pod, { metadata: { name: "debug", namespace: "debug" }, spec: k.appPod() }, "debug");
    const cm = inNs(K8S.configMap, "config");
    const resources = [k.namespace("batch"), k.namespace("debug"), k.namespace("config"), resource(K8S.namespace, {}, "unnamed"), job, pod, cm];
    expect(await messages(rule, resources)).toEqual([unlisted("batch", " and holds workloads"), unlisted("debug", " and holds workloads"), unlisted("config"), unlisted("unnamed")]);
    // A workload outside any namespace lands in "default".
    const stray = resource(K8S.deployment, { ...k.deployment(), metadata: { name: "stray" } }, "stray");
    expect(await messages(rule, [k.namespace("default"), stray])).toEqual([unlisted("default", " and holds workloads")]);
  });

  it("names a namespace without metadata by its resource name, and lets the config list it", async () => {
    const unnamed = resource(K8S.namespace, {}, "scratch");
    expect(await messages(rule, [unnamed, inNs(LIMITS, "scratch"), inNs(QUOTA, "scratch")], { workloadNamespaces: ["scratch"] })).toEqual([]);
  });

  it("lists no workload namespace by default: each must be listed or exempted by the stack", () => {
    expect(reconcileConfig([policy(rule)], {}).get(rule)?.properties.workloadNamespaces).toEqual([]);
  });

  it("refuses an empty or repeated namespace in the config", () => {
    expect(configure(rule, { workloadNamespaces: [""] })).toThrow(/namespace-limits-and-quota: \/workloadNamespaces\/0 must NOT have fewer than 1 characters/);
    expect(configure(rule, { workloadNamespaces: ["a", "a"] })).toThrow(/namespace-limits-and-quota: \/workloadNamespaces must NOT have duplicate items/);
    expect(configure(rule, { workloadNamespaces: [3] })).toThrow(/\/workloadNamespaces\/0 must be string/);
  });
});

describe("cni-network-policy-enforcement", () => {
  const rule = "cni-network-policy-enforcement";
  const cluster = (vpcCniOptions?: object) => resource("eks:index:Cluster", { ...aws.eksComponent(), ...(vpcCniOptions ? { vpcCniOptions } : {}) }, "hft");
  const addon = (props: object) => resource("aws:eks/addon:Addon", { addonName: "vpc-cni", ...props }, "vpc-cni");
  const CLUSTER_OFF = "vpcCniOptions.enableNetworkPolicy is not true: the cluster's NetworkPolicies, default-deny included, would not be enforced.";
  const ADDON_OFF = 'the vpc-cni add-on does not set enableNetworkPolicy: "true" in configurationValues: NetworkPolicies would be ignored.';

  it("requires the eks.Cluster option to be exactly true", async () => {
    expect(await messages(rule, [cluster({ enableNetworkPolicy: true })])).toEqual([]);
    expect(await messages(rule, [cluster(), cluster({}), cluster({ enableNetworkPolicy: false }), cluster({ enableNetworkPolicy: "true" })])).toEqual([CLUSTER_OFF, CLUSTER_OFF, CLUSTER_OFF, CLUSTER_OFF]);
    const bare = await check(rule, [resource("eks:index:Cluster", {}, "hft")]);
    expect(bare.findings).toEqual([]);
    expect(bare.run.notApplicable).toEqual([expect.stringMatching(/^hft: eks:index:Cluster inputs are not sent to policies/)]);
  });

  it("reads the vpc-cni add-on's JSON configuration values, as a string or a boolean", async () => {
    expect(await messages(rule, [addon({ configurationValues: '{"enableNetworkPolicy":"true"}' }), addon({ configurationValues: '{"enableNetworkPolicy":true}' })])).toEqual([]);
    expect(
      await messages(rule, [addon({}), addon({ configurationValues: "{}" }), addon({ configurationValues: '{"enableNetworkPolicy":"false"}' }), addon({ configurationValues: '{"env":{"enableNetworkPolicy":"true"}}' })]),
    ).toEqual([ADDON_OFF, ADDON_OFF, ADDON_OFF, ADDON_OFF]);
    expect(await messages(rule, [addon({ configurationValues: "enableNetworkPolicy: true" })])).toEqual(["configurationValues is not JSON: enableNetworkPolicy cannot be read."]);
  });

  it("is not applicable to other add-ons", async () => {
    const other = await check(rule, [resource("aws:eks/addon:Addon", { addonName: "coredns", configurationValues: "{}" }, "coredns")]);
    expect(other.findings).toEqual([]);
    expect(other.run.notApplicable).toEqual(["coredns: not the vpc-cni add-on"]);
  });
});
