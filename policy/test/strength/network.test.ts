/**
 * The network rules: what counts as a namespace's default-deny (Kubernetes' own policyTypes
 * defaulting included), which annotations make an NLB, and which source ranges open a load balancer.
 */
import { describe, expect, it } from "vitest";
import { EngineResource, PolicyConfigError, reconcileConfig } from "../../../tools/policy-engine";
import { K8S } from "../../kubernetes";
import * as k from "../fixtures/kubernetes";
import { check, messages, policy, resource } from "../harness";


describe("namespace-default-deny", () => {
  const run = (resources: EngineResource[], config?: Record<string, unknown>) => messages("namespace-default-deny", resources, config);
  const missing = (ns: string, types = "Ingress and Egress") => `namespace "${ns}" has no default-deny NetworkPolicy (podSelector {}, policyTypes ${types}, no rules): add one.`;
  const deny = (spec: object, ns = k.NS) => k.defaultDeny(ns, spec);

  it("names every namespace without one, by its metadata name or else its resource name", async () => {
    const unnamed = resource(K8S.namespace, {}, "scratch");
    expect(await run([k.namespace(), k.namespace("hft-data"), unnamed, k.defaultDeny("hft-data")])).toEqual([missing(k.NS), missing("scratch")]);
    expect(await run([unnamed, k.defaultDeny("scratch")])).toEqual([]);
  });

  it("counts only a policy in the namespace itself that selects every pod and allows nothing", async () => {
    expect(await run([k.namespace(), k.defaultDeny()])).toEqual([]);
    const outside = resource(K8S.networkPolicy, { spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"] } }, "no-metadata");
    const noSpec = resource(K8S.networkPolicy, { metadata: { name: "empty", namespace: k.NS } }, "empty");
    const someLabels = deny({ podSelector: { matchLabels: { app: "x" } }, policyTypes: ["Ingress", "Egress"] });
    const someExpression = deny({ podSelector: { matchExpressions: [{ key: "app", operator: "Exists" }] }, policyTypes: ["Ingress", "Egress"] });
    const noSelector = deny({ policyTypes: ["Ingress", "Egress"] });
    expect(await run([k.namespace(), outside, noSpec, someLabels, someExpression, noSelector])).toEqual([missing(k.NS)]);
  });

  it("does not count a policy that allows traffic in a required direction", async () => {
    expect(await run([k.namespace(), deny({ podSelector: {}, policyTypes: ["Ingress", "Egress"], ingress: [{}] })])).toEqual([missing(k.NS)]);
    expect(await run([k.namespace(), deny({ podSelector: {}, policyTypes: ["Ingress", "Egress"], egress: [{}] })])).toEqual([missing(k.NS)]);
    // An empty rule list allows nothing.
    expect(await run([k.namespace(), deny({ podSelector: {}, policyTypes: ["Ingress", "Egress"], ingress: [], egress: [] })])).toEqual([]);
  });

  it("judges only the directions the stack requires", async () => {
    const ingressOnly = { policyTypes: ["Ingress"] };
    const egressOnly = { policyTypes: ["Egress"] };
    const allowsEgress = deny({ podSelector: {}, policyTypes: ["Ingress", "Egress"], egress: [{}] });
    const allowsIngress = deny({ podSelector: {}, policyTypes: ["Ingress", "Egress"], ingress: [{}] });
    expect(await run([k.namespace(), allowsEgress], ingressOnly)).toEqual([]);
    expect(await run([k.namespace(), allowsIngress], ingressOnly)).toEqual([missing(k.NS, "Ingress")]);
    expect(await run([k.namespace(), allowsIngress], egressOnly)).toEqual([]);
    expect(await run([k.namespace(), allowsEgress], egressOnly)).toEqual([missing(k.NS, "Egress")]);
    expect(await run([k.namespace(), deny({ podSelector: {}, policyTypes: ["Ingress"] })], egressOnly)).toEqual([missing(k.NS, "Egress")]);
  });

  it("reads an omitted or empty policyTypes as Kubernetes defaults it: Ingress only, so an empty egress list denies no egress", async () => {
    for (const spec of [{ podSelector: {} }, { podSelector: {}, policyTypes: [] }, { podSelector: {}, egress: [] }, { podSelector: {}, policyTypes: [], ingress: [], egress: [] }]) {
      expect(await run([k.namespace(), deny(spec)]), JSON.stringify(spec)).toEqual([missing(k.NS)]);
      expect(await run([k.namespace(), deny(spec)], { policyTypes: ["Egress"] }), JSON.stringify(spec)).toEqual([missing(k.NS, "Egress")]);
      expect(await run([k.namespace(), deny(spec)], { policyTypes: ["Ingress"] }), JSON.stringify(spec)).toEqual([]);
    }
  });

  it("counts only NetworkPolicy objects: a patch shaped like one is not the namespace's policy", async () => {
    const patch = resource("kubernetes:networking.k8s.io/v1:NetworkPolicyPatch", { metadata: { name: "default-deny", namespace: k.NS }, spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"] } }, "patch");
    expect(await run([k.namespace(), patch])).toEqual([missing(k.NS)]);
  });

  it("refuses a config that requires no direction, an unknown one, or the same one twice", () => {
    const configure = (policyTypes: unknown) => () => reconcileConfig([policy("namespace-default-deny")], { "namespace-default-deny": { policyTypes } });
    expect(configure(["Egress"])).not.toThrow();
    expect(configure([])).toThrow(PolicyConfigError);
    expect(configure([])).toThrow(/namespace-default-deny: \/policyTypes must NOT have fewer than 1 items/);
    expect(configure(["Ingress", "Ingress"])).toThrow(/namespace-default-deny: \/policyTypes must NOT have duplicate items/);
    expect(configure(["Inbound"])).toThrow(/namespace-default-deny: \/policyTypes\/0 must be equal to one of the allowed values/);
    expect(configure([1])).toThrow(/namespace-default-deny: \/policyTypes\/0 must be string/);
  });
});

const LB_TYPE = "service.beta.kubernetes.io/aws-load-balancer-type";
const TARGET_TYPE = "service.beta.kubernetes.io/aws-load-balancer-nlb-target-type";

describe("load-balancer-nlb", () => {
  const run = (annotations?: Record<string, string>) => {
    const service: any = k.loadBalancer(annotations);
    if (annotations === undefined) delete service.metadata.annotations;
    return messages("load-balancer-nlb", [resource(K8S.service, service, "lb")]);
  };

  it("passes an nlb, and an external load balancer with ip or instance targets", async () => {
    expect(await run({ [LB_TYPE]: "nlb" })).toEqual([]);
    expect(await run({ [LB_TYPE]: "external", [TARGET_TYPE]: "ip" })).toEqual([]);
    expect(await run({ [LB_TYPE]: "external", [TARGET_TYPE]: "instance" })).toEqual([]);
  });

  it("names what the Service would get instead", async () => {
    expect(await run()).toEqual([`the Service would get a Classic Load Balancer: annotate ${LB_TYPE}: nlb.`]);
    expect(await run({ "other/annotation": "x" })).toEqual([`the Service would get a Classic Load Balancer: annotate ${LB_TYPE}: nlb.`]);
    expect(await run({ [LB_TYPE]: "external" })).toEqual([`the Service would get a "external" load balancer: annotate ${LB_TYPE}: nlb.`]);
    expect(await run({ [LB_TYPE]: "external", [TARGET_TYPE]: "alb" })).toEqual([`the Service would get a "external" load balancer: annotate ${LB_TYPE}: nlb.`]);
    expect(await run({ [LB_TYPE]: "clb", [TARGET_TYPE]: "ip" })).toEqual([`the Service would get a "clb" load balancer: annotate ${LB_TYPE}: nlb.`]);
  });

  it("is not applicable to a Service that is not a LoadBalancer, and judges one with no metadata", async () => {
    const clusterIp = await check("load-balancer-nlb", [resource(K8S.service, { metadata: { name: "x" }, spec: { type: "ClusterIP" } }, "x"), resource(K8S.service, {}, "bare")]);
    expect(clusterIp.findings).toEqual([]);
    expect(clusterIp.run.notApplicable).toEqual(["x: not a LoadBalancer Service", "bare: not a LoadBalancer Service"]);
    expect(await messages("load-balancer-nlb", [resource(K8S.service, { spec: { type: "LoadBalancer" } }, "lb")])).toEqual([
      `the Service would get a Classic Load Balancer: annotate ${LB_TYPE}: nlb.`,
    ]);
  });
});

describe("load-balancer-source-ranges", () => {
  const run = (ranges: string[] | undefined, config?: Record<string, unknown>) => {
    const service: any = k.loadBalancer();
    if (ranges === undefined) delete service.spec.loadBalancerSourceRanges;
    else service.spec.loadBalancerSourceRanges = ranges;
    return messages("load-balancer-source-ranges", [resource(K8S.service, service, "lb")], config);
  };

  it("passes the clients' CIDRs, and refuses no ranges or an empty list", async () => {
    expect(await run(["10.0.0.0/8", "192.0.2.0/24"])).toEqual([]);
    const every = "the load balancer accepts every address: set spec.loadBalancerSourceRanges to the clients' CIDRs.";
    expect(await run(undefined)).toEqual([every]);
    expect(await run([])).toEqual([every]);
    expect(await run([], { allowInternet: true })).toEqual([every]);
  });

  it("names each open range, IPv4 and IPv6, unless the stack allows the internet", async () => {
    expect(await run(["10.0.0.0/8", "0.0.0.0/0", "::/0"])).toEqual(["spec.loadBalancerSourceRanges includes 0.0.0.0/0, ::/0: restrict it to the clients' CIDRs."]);
    expect(await run(["::/0"])).toEqual(["spec.loadBalancerSourceRanges includes ::/0: restrict it to the clients' CIDRs."]);
    expect(await run(["0.0.0.0/0"], { allowInternet: true })).toEqual([]);
  });

  it("is not applicable to a Service that is not a LoadBalancer", async () => {
    const { findings, run: ruleRun } = await check("load-balancer-source-ranges", [resource(K8S.service, { spec: { type: "NodePort" } }, "np"), resource(K8S.service, {}, "bare")]);
    expect(findings).toEqual([]);
    expect(ruleRun.notApplicable).toEqual(["np: not a LoadBalancer Service", "bare: not a LoadBalancer Service"]);
  });

  it("refuses a non-boolean allowInternet", () => {
    expect(() => reconcileConfig([policy("load-balancer-source-ranges")], { "load-balancer-source-ranges": { allowInternet: "yes" } })).toThrow(
      /load-balancer-source-ranges: \/allowInternet must be boolean/,
    );
  });
});
