/**
 * A NetworkPolicy evaluator: whether one connection is allowed by a set of networking.k8s.io/v1
 * NetworkPolicies, and by which policy, or which policies block it. Pure: it knows only the objects
 * it is handed. Semantics from the Kubernetes documentation (concepts/services-networking/
 * network-policies, and the API reference of NetworkPolicySpec, read 2026-12-07):
 * - A pod is isolated for ingress (egress) when a policy in its namespace selects it and lists
 *   Ingress (Egress) in policyTypes; an isolated pod admits what at least one rule of those policies
 *   allows; the two directions are judged separately and a connection needs both.
 * - policyTypes left out means Ingress, plus Egress when the policy has egress rules.
 * - In one peer, namespaceSelector and podSelector are ANDed (those pods in those namespaces); two peers
 *   in one rule are ORed; a peer with only a podSelector means the policy's own namespace.
 * - A rule without from/to admits every peer; a rule without ports admits every port. A port entry
 *   defaults to TCP; without `port` it admits every port of its protocol; `endPort` makes a range; a
 *   named port is resolved against the destination pod's own container ports, pod by pod.
 * - ipBlock admits addresses in `cidr` and not in any `except`.
 * - hostNetwork pods are outside NetworkPolicy: the documentation leaves it to the plugin; here they
 *   are addresses on the node, as the VPC CNI sees them (no veth, no probe).
 * Where EKS (the VPC CNI's network policy agent) differs, see `serviceEgress` and tools/network/README.
 */
import { LabelSelector, selectorMatches } from "../label-selector";

export type Protocol = "TCP" | "UDP" | "SCTP";

export interface PolicyPort {
  protocol?: Protocol;
  port?: number | string;
  endPort?: number;
}

export interface PolicyPeer {
  podSelector?: LabelSelector;
  namespaceSelector?: LabelSelector;
  ipBlock?: { cidr: string; except?: string[] };
}

export interface NetworkPolicy {
  name: string;
  namespace: string;
  podSelector: LabelSelector;
  policyTypes?: ("Ingress" | "Egress")[];
  ingress?: { from?: PolicyPeer[]; ports?: PolicyPort[] }[];
  egress?: { to?: PolicyPeer[]; ports?: PolicyPort[] }[];
}

export interface ContainerPort {
  name?: string;
  port: number;
  protocol: Protocol;
}

export interface Pod {
  namespace: string;
  name: string;
  labels: Record<string, string>;
  ports: ContainerPort[];
  /** The ranges its address is taken from (on EKS the private subnets: the VPC CNI gives pods VPC addresses). */
  addresses: string[];
  hostNetwork?: boolean;
}

/** A party outside the pod network: the control plane, a node, a venue, the internet. */
export interface Address {
  name: string;
  /** Every address it may use: a policy admits it only when it admits the whole range. */
  cidr: string;
  /** Addresses of the range it never uses (clients' ranges without the pods' own). */
  except?: string[];
}

export type Endpoint = { pod: Pod } | { address: Address };

export interface World {
  policies: NetworkPolicy[];
  /** Namespace labels by name (every namespace carries kubernetes.io/metadata.name). */
  namespaces: Record<string, Record<string, string>>;
}

export interface Side {
  /** Policies that isolate the pod in this direction (none: not isolated, everything admitted). */
  isolatedBy: string[];
  /** The policies with a rule that admits the connection. */
  allowedBy: string[];
  allowed: boolean;
}

export interface Verdict {
  allowed: boolean;
  egress: Side;
  ingress: Side;
}

const OPEN: Side = { isolatedBy: [], allowedBy: [], allowed: true };

/** An IPv4 CIDR as its first and last address. */
export function cidrRange(cidr: string): [number, number] {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)\/(\d+)$/.exec(cidr);
  if (!m) throw new Error(`not an IPv4 CIDR: ${cidr}`);
  const base = m.slice(1, 5).reduce((a, o) => a * 256 + Number(o), 0);
  const size = 2 ** (32 - Number(m[5]));
  const first = base - (base % size);
  return [first, first + size - 1];
}

const contains = (outer: string, inner: string) => {
  const [a, b] = cidrRange(outer);
  const [c, d] = cidrRange(inner);
  return a <= c && d <= b;
};
const overlaps = (x: string, y: string) => {
  const [a, b] = cidrRange(x);
  const [c, d] = cidrRange(y);
  return a <= d && c <= b;
};

/** Every address of the party is in the block: the block's excepts fall only where the party never is. */
export function blockCovers(block: { cidr: string; except?: string[] }, address: Pick<Address, "cidr" | "except">): boolean {
  return contains(block.cidr, address.cidr) && !(block.except ?? []).some((e) => overlaps(e, address.cidr) && !(address.except ?? []).some((x) => contains(x, e)));
}

/** Some address of `cidr` is in the block (a pod's address, somewhere in its range). */
export function blockMayMatch(block: { cidr: string; except?: string[] }, cidr: string): boolean {
  if (!overlaps(block.cidr, cidr)) return false;
  // CIDRs nest or are apart: the common part is the smaller one; the block misses it only if its excepts cover it whole.
  const common = contains(block.cidr, cidr) ? cidr : block.cidr;
  const [first, last] = cidrRange(common);
  const inside = (block.except ?? []).filter((e) => overlaps(e, common)).map(cidrRange);
  if (inside.some(([a, b]) => a <= first && last <= b)) return false;
  const outermost = inside.filter(([a, b], i) => !inside.some(([c, d], j) => j !== i && c <= a && b <= d && (c < a || d > b || j < i)));
  return outermost.reduce((n, [a, b]) => n + (b - a + 1), 0) < last - first + 1;
}

function policyTypes(p: NetworkPolicy): ("Ingress" | "Egress")[] {
  return p.policyTypes ?? ["Ingress", ...((p.egress ?? []).length > 0 ? (["Egress"] as const) : [])];
}

const label = (p: NetworkPolicy) => `${p.namespace}/${p.name}`;

/** Whether the peer, written in a policy of `namespace`, names the endpoint. */
function peerMatches(peer: PolicyPeer, namespace: string, other: Endpoint, world: World): boolean {
  if (peer.ipBlock) return "address" in other ? blockCovers(peer.ipBlock, other.address) : other.pod.addresses.some((range) => blockMayMatch(peer.ipBlock!, range));
  if (!("pod" in other) || other.pod.hostNetwork) return false;
  const pod = other.pod;
  const inNamespace = peer.namespaceSelector ? selectorMatches(peer.namespaceSelector, world.namespaces[pod.namespace] ?? {}) : pod.namespace === namespace;
  return inNamespace && (peer.podSelector ? selectorMatches(peer.podSelector, pod.labels) : true);
}

/** Whether a port entry admits `port`/`protocol` on the destination (a named port needs a destination pod to resolve it). */
export function portMatches(entry: PolicyPort, port: number, protocol: Protocol, destination?: Pod): boolean {
  if ((entry.protocol ?? "TCP") !== protocol) return false;
  if (entry.port === undefined) return true;
  if (typeof entry.port === "string") {
    const named = destination?.ports.filter((p) => p.name === entry.port && p.protocol === protocol) ?? [];
    return named.some((p) => p.port === port);
  }
  return entry.endPort === undefined ? entry.port === port : entry.port <= port && port <= entry.endPort;
}

const portsMatch = (ports: PolicyPort[] | undefined, port: number, protocol: Protocol, destination?: Pod) =>
  !ports || ports.length === 0 || ports.some((e) => portMatches(e, port, protocol, destination));

const peersMatch = (peers: PolicyPeer[] | undefined, namespace: string, other: Endpoint, world: World) =>
  !peers || peers.length === 0 || peers.some((p) => peerMatches(p, namespace, other, world));

/** The pod's side in one direction: which policies isolate it and which of them admit the other end. */
function judge(pod: Pod, direction: "Ingress" | "Egress", other: Endpoint, port: number, protocol: Protocol, world: World): Side {
  if (pod.hostNetwork) return OPEN;
  const isolating = world.policies.filter((p) => p.namespace === pod.namespace && policyTypes(p).includes(direction) && selectorMatches(p.podSelector, pod.labels));
  if (isolating.length === 0) return OPEN;
  const destination = direction === "Ingress" ? pod : "pod" in other ? other.pod : undefined;
  const allowedBy = isolating.filter((p) =>
    direction === "Ingress"
      ? (p.ingress ?? []).some((r) => peersMatch(r.from, p.namespace, other, world) && portsMatch(r.ports, port, protocol, destination))
      : (p.egress ?? []).some((r) => peersMatch(r.to, p.namespace, other, world) && portsMatch(r.ports, port, protocol, destination)),
  );
  return { isolatedBy: isolating.map(label), allowedBy: allowedBy.map(label), allowed: allowedBy.length > 0 };
}

/** A pod on the host network is, to everything else, an address on its node. */
function asSeen(end: Endpoint, nodes: string): Endpoint {
  return "pod" in end && end.pod.hostNetwork ? { address: { name: `${end.pod.namespace}/${end.pod.name} (host network)`, cidr: nodes } } : end;
}

/**
 * One connection from `from` to `to` on the destination's port, judged on both ends with Kubernetes
 * semantics. `nodes` is the node range hostNetwork pods take their address from.
 */
export function evaluate(from: Endpoint, to: Endpoint, port: number, protocol: Protocol, world: World, nodes = "0.0.0.0/32"): Verdict {
  const src = asSeen(from, nodes);
  const dst = asSeen(to, nodes);
  const egress = "pod" in src ? judge(src.pod, "Egress", dst, port, protocol, world) : OPEN;
  const ingress = "pod" in dst ? judge(dst.pod, "Ingress", src, port, protocol, world) : OPEN;
  return { allowed: egress.allowed && ingress.allowed, egress, ingress };
}

export interface Service {
  namespace: string;
  name: string;
  /** Cluster IP as an address range (the Service range when the exact address is not known). */
  clusterIp: string;
  selector: Record<string, string>;
  /** `resolved`: what a named targetPort is on the backing pods (their container ports of that name). */
  ports: { port: number; targetPort: number | string; protocol: Protocol; resolved?: number[] }[];
  headless?: boolean;
}

/**
 * Egress from a pod to a Service's cluster IP as the VPC CNI's network policy agent judges it: its eBPF
 * probe sits on the pod's veth, before kube-proxy translates the address, so the packet still carries
 * the cluster IP and the Service port. The controller (aws/amazon-network-policy-controller-k8s
 * pkg/resolvers/endpoints.go at ecc7e6a7, read 2026-12-07) therefore admits a cluster IP when
 *   - an ipBlock covers it (on the Service port), or
 *   - a pod peer of the rule, in the Service's namespace, has a podSelector that matches the Service's
 *     own selector as a label set (not the pods behind it), the Service is not headless, and a policy
 *     port equals a Service port's targetPort, or is the number a named targetPort resolves to on the
 *     backing pods (every backing pod's number admitted by the policy, or the port is skipped as a
 *     possible bypass): that Service port is then admitted.
 * The ingress side is judged at the backend pod after translation (source: the client pod's address,
 * port: the container port). Elsewhere the connection is judged pod to pod after translation.
 */
export function serviceEgress(from: Pod, service: Service, servicePort: number, protocol: Protocol, world: World): Side {
  if (from.hostNetwork) return OPEN;
  const isolating = world.policies.filter((p) => p.namespace === from.namespace && policyTypes(p).includes("Egress") && selectorMatches(p.podSelector, from.labels));
  if (isolating.length === 0) return OPEN;
  const svcPort = service.ports.find((p) => p.port === servicePort && p.protocol === protocol);
  const address: Endpoint = { address: { name: `Service ${service.namespace}/${service.name}`, cidr: service.clusterIp } };
  const admits = (rule: { to?: PolicyPeer[]; ports?: PolicyPort[] }, namespace: string): boolean => {
    const peers = rule.to ?? [];
    const anyPort = !rule.ports || rule.ports.length === 0;
    if (peers.length === 0) return anyPort || rule.ports!.some((e) => typeof e.port !== "string" && portMatches(e, servicePort, protocol));
    return peers.some((peer) => {
      if (peer.ipBlock) return peerMatches(peer, namespace, address, world) && (anyPort || rule.ports!.some((e) => typeof e.port !== "string" && portMatches(e, servicePort, protocol)));
      if (service.headless || !svcPort) return false;
      const inNamespace = peer.namespaceSelector ? selectorMatches(peer.namespaceSelector, world.namespaces[service.namespace] ?? {}) : service.namespace === namespace;
      if (!inNamespace || !selectorMatches(peer.podSelector ?? {}, service.selector)) return false;
      if (anyPort) return true;
      const mine = rule.ports!.filter((e) => (e.protocol ?? "TCP") === protocol && e.port !== undefined);
      if (mine.some((e) => String(e.port) === String(svcPort.targetPort))) return true;
      const resolved = typeof svcPort.targetPort === "string" ? (svcPort.resolved ?? []) : [];
      return resolved.length > 0 && mine.some((e) => typeof e.port === "number" && resolved.includes(e.port)) && resolved.every((n) => mine.some((e) => portMatches(e, n, protocol)));
    });
  };
  const allowedBy = isolating.filter((p) => (p.egress ?? []).some((r) => admits(r, p.namespace)));
  return { isolatedBy: isolating.map(label), allowedBy: allowedBy.map(label), allowed: allowedBy.length > 0 };
}
