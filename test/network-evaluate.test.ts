/**
 * The NetworkPolicy evaluator against the examples of the Kubernetes documentation
 * (kubernetes.io/docs/concepts/services-networking/network-policies/, read 2026-12-07), and the VPC
 * CNI's judgement of egress to a Service's cluster IP.
 */
import { describe, expect, it } from "vitest";
import { Endpoint, evaluate, NetworkPolicy, Pod, serviceEgress, Service, World } from "../tools/network/evaluate";

const PODS = "10.30.0.0/16";
const pod = (namespace: string, name: string, labels: Record<string, string>, ports: Pod["ports"] = []): Endpoint => ({
  pod: { namespace, name, labels, ports, addresses: [PODS] },
});
const address = (cidr: string): Endpoint => ({ address: { name: cidr, cidr } });
const world = (policies: NetworkPolicy[], namespaces: Record<string, Record<string, string>> = {}): World => ({
  policies,
  namespaces: { default: {}, ...namespaces, ...Object.fromEntries(Object.keys(namespaces).map((n) => [n, { "kubernetes.io/metadata.name": n, ...namespaces[n] }])) },
});

// The documentation's test-network-policy.
const testNetworkPolicy: NetworkPolicy = {
  name: "test-network-policy",
  namespace: "default",
  podSelector: { matchLabels: { role: "db" } },
  policyTypes: ["Ingress", "Egress"],
  ingress: [
    {
      from: [
        { ipBlock: { cidr: "172.17.0.0/16", except: ["172.17.1.0/24"] } },
        { namespaceSelector: { matchLabels: { project: "myproject" } } },
        { podSelector: { matchLabels: { role: "frontend" } } },
      ],
      ports: [{ protocol: "TCP", port: 6379 }],
    },
  ],
  egress: [{ to: [{ ipBlock: { cidr: "10.0.0.0/24" } }], ports: [{ protocol: "TCP", port: 5978 }] }],
};

describe("the documentation's test-network-policy", () => {
  const w = world([testNetworkPolicy], { default: {}, mine: { project: "myproject" }, other: {} });
  const db = pod("default", "db", { role: "db" });

  it("admits frontends of its namespace, every pod of myproject, and 172.17.0.0/16 but not 172.17.1.0/24, on 6379 only", () => {
    expect(evaluate(pod("default", "web", { role: "frontend" }), db, 6379, "TCP", w).allowed).toBe(true);
    expect(evaluate(pod("default", "web", { role: "frontend" }), db, 6380, "TCP", w).allowed).toBe(false);
    expect(evaluate(pod("default", "web", { role: "frontend" }), db, 6379, "UDP", w).allowed).toBe(false);
    expect(evaluate(pod("mine", "any", {}), db, 6379, "TCP", w).allowed).toBe(true);
    expect(evaluate(pod("other", "web", { role: "frontend" }), db, 6379, "TCP", w).allowed).toBe(false);
    expect(evaluate(address("172.17.0.5/32"), db, 6379, "TCP", w).allowed).toBe(true);
    expect(evaluate(address("172.17.1.5/32"), db, 6379, "TCP", w).allowed).toBe(false);
    expect(evaluate(address("172.17.0.0/16"), db, 6379, "TCP", w).allowed).toBe(false);
  });

  it("lets the db out to 10.0.0.0/24 on 5978 only; isolates it, not its neighbours", () => {
    expect(evaluate(db, address("10.0.0.7/32"), 5978, "TCP", w).allowed).toBe(true);
    expect(evaluate(db, address("10.0.1.7/32"), 5978, "TCP", w).allowed).toBe(false);
    const verdict = evaluate(db, address("10.0.0.7/32"), 443, "TCP", w);
    expect(verdict).toMatchObject({ allowed: false, egress: { isolatedBy: ["default/test-network-policy"], allowedBy: [] } });
    // A pod no policy selects is not isolated: everything reaches it and it reaches everything.
    const free = pod("default", "cache", { role: "cache" });
    expect(evaluate(pod("other", "x", {}), free, 1, "TCP", w)).toMatchObject({ allowed: true, ingress: { isolatedBy: [] } });
    expect(evaluate(free, address("8.8.8.8/32"), 53, "UDP", w).allowed).toBe(true);
  });
});

describe("namespaceSelector and podSelector: one peer or two", () => {
  const alice = { user: "alice" };
  const onePeer: NetworkPolicy = {
    name: "one",
    namespace: "default",
    podSelector: {},
    policyTypes: ["Ingress"],
    ingress: [{ from: [{ namespaceSelector: { matchLabels: alice }, podSelector: { matchLabels: { role: "client" } } }] }],
  };
  const twoPeers: NetworkPolicy = { ...onePeer, name: "two", ingress: [{ from: [{ namespaceSelector: { matchLabels: alice } }, { podSelector: { matchLabels: { role: "client" } } }] }] };
  const ns = { a: alice, b: {} };
  const target = pod("default", "t", {});

  it("one peer: clients in alice's namespaces only", () => {
    const w = world([onePeer], ns);
    expect(evaluate(pod("a", "c", { role: "client" }), target, 80, "TCP", w).allowed).toBe(true);
    expect(evaluate(pod("a", "x", {}), target, 80, "TCP", w).allowed).toBe(false);
    expect(evaluate(pod("default", "c", { role: "client" }), target, 80, "TCP", w).allowed).toBe(false);
  });

  it("two peers: any pod of alice's namespaces, or clients of the policy's own namespace", () => {
    const w = world([twoPeers], ns);
    expect(evaluate(pod("a", "x", {}), target, 80, "TCP", w).allowed).toBe(true);
    expect(evaluate(pod("default", "c", { role: "client" }), target, 80, "TCP", w).allowed).toBe(true);
    expect(evaluate(pod("b", "c", { role: "client" }), target, 80, "TCP", w).allowed).toBe(false);
  });

  it("namespaceSelector {} is every namespace; matchExpressions select too", () => {
    const every: NetworkPolicy = { ...onePeer, ingress: [{ from: [{ namespaceSelector: {}, podSelector: { matchExpressions: [{ key: "role", operator: "In", values: ["client", "admin"] }] } }] }] };
    const w = world([every], ns);
    expect(evaluate(pod("b", "c", { role: "admin" }), target, 80, "TCP", w).allowed).toBe(true);
    expect(evaluate(pod("b", "c", { role: "other" }), target, 80, "TCP", w).allowed).toBe(false);
  });
});

describe("default policies", () => {
  const a = pod("default", "a", { app: "a" });
  const b = pod("default", "b", { app: "b" });
  const denyIngress: NetworkPolicy = { name: "default-deny-ingress", namespace: "default", podSelector: {}, policyTypes: ["Ingress"] };
  const denyAll: NetworkPolicy = { name: "default-deny-all", namespace: "default", podSelector: {}, policyTypes: ["Ingress", "Egress"] };

  it("deny ingress isolates ingress only; allow-all ingress ({} rule) opens it again, as policies add up", () => {
    expect(evaluate(a, b, 80, "TCP", world([denyIngress])).allowed).toBe(false);
    expect(evaluate(a, address("1.1.1.1/32"), 80, "TCP", world([denyIngress])).allowed).toBe(true);
    const allowAll: NetworkPolicy = { name: "allow-all-ingress", namespace: "default", podSelector: {}, ingress: [{}] };
    expect(evaluate(a, b, 80, "TCP", world([denyIngress, allowAll]))).toMatchObject({ allowed: true, ingress: { allowedBy: ["default/allow-all-ingress"] } });
  });

  it("deny all blocks both ways; policyTypes left out means Egress only when egress rules are written", () => {
    expect(evaluate(a, address("1.1.1.1/32"), 443, "TCP", world([denyAll])).allowed).toBe(false);
    const ingressOnly: NetworkPolicy = { name: "i", namespace: "default", podSelector: {}, ingress: [] };
    expect(evaluate(a, address("1.1.1.1/32"), 443, "TCP", world([ingressOnly])).allowed).toBe(true);
    const withEgress: NetworkPolicy = { name: "e", namespace: "default", podSelector: {}, egress: [{ ports: [{ port: 53, protocol: "UDP" }] }] };
    expect(evaluate(a, address("1.1.1.1/32"), 443, "TCP", world([withEgress])).allowed).toBe(false);
    expect(evaluate(a, address("1.1.1.1/32"), 53, "UDP", world([withEgress])).allowed).toBe(true);
  });

  it("a policy binds only pods of its own namespace", () => {
    const elsewhere = pod("other", "x", {});
    expect(evaluate(elsewhere, address("1.1.1.1/32"), 443, "TCP", world([denyAll], { other: {} })).allowed).toBe(true);
  });
});

describe("ports", () => {
  it("endPort admits the range, both ends included (the documentation's multi-port-egress)", () => {
    const multiPort: NetworkPolicy = {
      name: "multi-port-egress",
      namespace: "default",
      podSelector: { matchLabels: { role: "db" } },
      policyTypes: ["Egress"],
      egress: [{ to: [{ ipBlock: { cidr: "10.0.0.0/24" } }], ports: [{ protocol: "TCP", port: 32000, endPort: 32768 }] }],
    };
    const db = pod("default", "db", { role: "db" });
    const w = world([multiPort]);
    expect([31999, 32000, 32768, 32769].map((p) => evaluate(db, address("10.0.0.1/32"), p, "TCP", w).allowed)).toEqual([false, true, true, false]);
  });

  it("a named port is resolved per destination pod: same name, different numbers", () => {
    const policy: NetworkPolicy = { name: "web", namespace: "default", podSelector: {}, policyTypes: ["Ingress"], ingress: [{ ports: [{ port: "http" }] }] };
    const w = world([policy]);
    const v1 = pod("default", "v1", { v: "1" }, [{ name: "http", port: 8080, protocol: "TCP" }]);
    const v2 = pod("default", "v2", { v: "2" }, [{ name: "http", port: 9000, protocol: "TCP" }, { name: "admin", port: 8080, protocol: "TCP" }]);
    const client = pod("default", "c", {});
    expect(evaluate(client, v1, 8080, "TCP", w).allowed).toBe(true);
    expect(evaluate(client, v2, 8080, "TCP", w).allowed).toBe(false);
    expect(evaluate(client, v2, 9000, "TCP", w).allowed).toBe(true);
  });

  it("a named egress port cannot name an address outside the cluster", () => {
    const policy: NetworkPolicy = { name: "out", namespace: "default", podSelector: {}, policyTypes: ["Egress"], egress: [{ to: [{ ipBlock: { cidr: "0.0.0.0/0" } }], ports: [{ port: "https" }] }] };
    expect(evaluate(pod("default", "a", {}), address("1.1.1.1/32"), 443, "TCP", world([policy])).allowed).toBe(false);
  });
});

describe("ipBlock and pod addresses", () => {
  const vpcWide: NetworkPolicy = { name: "vpc", namespace: "default", podSelector: {}, policyTypes: ["Ingress"], ingress: [{ from: [{ ipBlock: { cidr: "10.0.0.0/8" } }] }] };
  it("a block that holds the pod network admits every pod (the VPC CNI gives pods VPC addresses)", () => {
    expect(evaluate(pod("other", "x", {}), pod("default", "t", {}), 8443, "TCP", world([vpcWide], { other: {} })).allowed).toBe(true);
  });
  it("excepting the pod network keeps the clients and shuts the pods out", () => {
    const narrowed: NetworkPolicy = { ...vpcWide, ingress: [{ from: [{ ipBlock: { cidr: "10.0.0.0/8", except: [PODS] } }] }] };
    const w = world([narrowed], { other: {} });
    expect(evaluate(pod("other", "x", {}), pod("default", "t", {}), 8443, "TCP", w).allowed).toBe(false);
    expect(evaluate(address("10.99.0.0/16"), pod("default", "t", {}), 8443, "TCP", w).allowed).toBe(true);
  });
  it("host-network pods are addresses on their node, and no policy binds them", () => {
    const hostPod: Endpoint = { pod: { namespace: "default", name: "h", labels: {}, ports: [], addresses: [PODS], hostNetwork: true } };
    const denyAll: NetworkPolicy = { name: "deny", namespace: "default", podSelector: {}, policyTypes: ["Ingress", "Egress"] };
    const fromNodes: NetworkPolicy = { name: "nodes", namespace: "default", podSelector: {}, policyTypes: ["Ingress"], ingress: [{ from: [{ ipBlock: { cidr: "10.30.0.0/19" } }] }] };
    expect(evaluate(hostPod, address("1.1.1.1/32"), 443, "TCP", world([denyAll]), "10.30.0.0/19").allowed).toBe(true);
    expect(evaluate(hostPod, pod("default", "t", {}), 80, "TCP", world([fromNodes]), "10.30.0.0/19").allowed).toBe(true);
    expect(evaluate(hostPod, pod("default", "t", {}), 80, "TCP", world([denyAll]), "10.30.0.0/19").allowed).toBe(false);
  });
});

describe("egress to a Service's cluster IP on EKS (VPC CNI)", () => {
  const webhook: Service = {
    namespace: "cnpg-system",
    name: "cnpg-webhook-service",
    clusterIp: "172.20.0.0/16",
    selector: { app: "cnpg" },
    ports: [{ port: 443, targetPort: 9443, protocol: "TCP" }],
  };
  const client: Pod = { namespace: "apps", name: "c", labels: {}, ports: [], addresses: [PODS] };
  const ns = { apps: {}, "cnpg-system": {} };

  it("an ipBlock rule for 443 covering the Service range opens every Service listening on 443", () => {
    const https: NetworkPolicy = { name: "https", namespace: "apps", podSelector: {}, policyTypes: ["Egress"], egress: [{ to: [{ ipBlock: { cidr: "0.0.0.0/0" } }], ports: [{ port: 443 }] }] };
    expect(serviceEgress(client, webhook, 443, "TCP", world([https], ns)).allowed).toBe(true);
    const outside: NetworkPolicy = { ...https, egress: [{ to: [{ ipBlock: { cidr: "0.0.0.0/0", except: ["172.20.0.0/16"] } }], ports: [{ port: 443 }] }] };
    expect(serviceEgress(client, webhook, 443, "TCP", world([outside], ns)).allowed).toBe(false);
  });

  it("a pod peer admits the cluster IP when its selector matches the Service's selector and a policy port is the targetPort", () => {
    const toPods: NetworkPolicy = {
      name: "to-cnpg",
      namespace: "apps",
      podSelector: {},
      policyTypes: ["Egress"],
      egress: [{ to: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "cnpg-system" } }, podSelector: { matchLabels: { app: "cnpg" } } }], ports: [{ port: 9443 }] }],
    };
    expect(serviceEgress(client, webhook, 443, "TCP", world([toPods], ns))).toMatchObject({ allowed: true, allowedBy: ["apps/to-cnpg"] });
    // A policy port equal to the Service port, not its targetPort, does not admit it.
    const byServicePort = { ...toPods, egress: [{ ...toPods.egress![0], ports: [{ port: 443 }] }] };
    expect(serviceEgress(client, webhook, 443, "TCP", world([byServicePort], ns)).allowed).toBe(false);
    // A peer selector naming a label the pods carry but the Service's selector does not.
    const byPodLabel = { ...toPods, egress: [{ ...toPods.egress![0], to: [{ namespaceSelector: {}, podSelector: { matchLabels: { app: "cnpg", extra: "x" } } }] }] };
    expect(serviceEgress(client, webhook, 443, "TCP", world([byPodLabel], ns)).allowed).toBe(false);
    expect(serviceEgress(client, { ...webhook, headless: true }, 443, "TCP", world([toPods], ns)).allowed).toBe(false);
  });
});
