/**
 * The reachability report of a render: every needed flow judged (the render fails when one is
 * blocked, naming the flow and the policies), and every pod -> port pair the policies allow that no
 * needed flow explains, each with the policies that allow it, and with the reason it stays when it
 * is one of the known exceptions below.
 */
import { selectorMatches } from "../label-selector";
import { Address, blockCovers, Endpoint, evaluate, Pod, portMatches, Protocol, serviceEgress, Service, Side, Verdict, World } from "./evaluate";
import { ModelPod, NetworkModel } from "./model";
import { ModelService, NeededFlow, PodsRef } from "./types";

export interface FlowResult {
  name: string;
  declaredBy: string;
  /** Pod -> destination pairs it stands for. */
  pairs: number;
  allowed: boolean;
  /** One line per blocked pair: which side, and which policies isolate it without admitting it. */
  blocked: string[];
}

export interface Pair {
  from: string;
  to: string;
  port: string;
  allowedBy: string[];
  /** Why it stays although no needed flow explains it (a known exception), when it does. */
  reason?: string;
}

export interface NetworkReport {
  stack: string;
  enforcement: string;
  needed: { flows: number; allowed: number; blocked: number };
  flows: FlowResult[];
  /** Every allowed pair no needed flow explains. */
  unexplained: Pair[];
  /** Allowed pairs in all, explained or not. */
  allowedPairs: number;
  /** Every allowed pair, explained or not (what the diff compares). */
  pairs: Pair[];
  /** Pods no policy isolates, by direction: what reaches them, or what they reach, is not the platform's to decide. */
  notIsolated: string[];
  /** A declared flow the model could not place (no such pods, no such port). */
  problems: string[];
}

/**
 * Allowed pod pairs kept on purpose, with the reason. Anything else unexplained is listed without a
 * reason, as something to close.
 */
const KNOWN: { applies: (from: Endpoint, to: Pod, port: string) => boolean; reason: string }[] = [
  {
    applies: (from, to, port) => port === "5432/TCP" && isSelf(from, to) && isCnpgInstance(to),
    reason: "a single instance replicates to no one: kept for CloudNativePG's join job and the instances a scale-out adds, which copy the primary with pg_basebackup",
  },
  {
    applies: (from, to, port) => port === "8000/TCP" && isSelf(from, to) && isCnpgInstance(to),
    reason:
      "CloudNativePG instances may call each other's status endpoint during failover and switchover; not confirmed from its source here, kept so a promotion cannot stall",
  },
];

const isSelf = (from: Endpoint, to: Pod) => "pod" in from && from.pod.namespace === to.namespace && from.pod.name === to.name;
const isCnpgInstance = (pod: Pod) => pod.labels["cnpg.io/podRole"] === "instance";

const id = (p: Pod) => `${p.namespace}/${p.name}`;
const endpointId = (e: Endpoint) => ("pod" in e ? id(e.pod) : e.address.name);
/** Pairs match by pod, or by an outsider's range (the same range may be named as clients and as the control plane). */
const keyOf = (e: Endpoint) => ("pod" in e ? id(e.pod) : e.address.cidr);
const key = (from: Endpoint, to: Endpoint, port: number, protocol: Protocol) => `${keyOf(from)}|${keyOf(to)}|${port}/${protocol}`;

function podsOf(model: NetworkModel, ref: PodsRef): ModelPod[] {
  return model.pods.filter((p) => p.namespace === ref.namespace && !p.source.startsWith("model") && selectorMatches(ref.selector, p.labels));
}

/** A container port by number or name on one pod. */
function resolvePort(pod: Pod, port: number | string, protocol: Protocol): number | undefined {
  if (typeof port === "number") return port;
  return pod.ports.find((p) => p.name === port && p.protocol === protocol)?.port;
}

function asService(s: ModelService, model: NetworkModel): Service {
  const backends = s.selector ? podsOf(model, { namespace: s.namespace, selector: { matchLabels: s.selector } }) : [];
  const ports = s.ports.map((p) => ({
    ...p,
    resolved: typeof p.targetPort === "string" ? backends.flatMap((b) => resolvePort(b, p.targetPort, p.protocol) ?? []) : undefined,
  }));
  return { namespace: s.namespace, name: s.name, clusterIp: s.clusterIp ?? model.network.serviceCidr, selector: s.selector ?? {}, ports, headless: s.headless };
}

function why(side: Side, direction: "egress" | "ingress", who: string): string {
  return `${direction} of ${who} is isolated by ${side.isolatedBy.join(", ")} and none of them admits it`;
}

interface Explained {
  pairs: Set<string>;
  /** Pod -> address allowances a flow explains (ipBlock egress rules are checked against them). */
  addresses: { from: string; address: Address; port: number; endPort?: number; protocol: Protocol }[];
}

/** Judges one declared flow pair by pair; records what it explains. */
function judgeFlow(flow: NeededFlow, model: NetworkModel, world: World, explained: Explained, problems: string[]): FlowResult {
  const sources: Endpoint[] = "pods" in flow.from ? podsOf(model, flow.from.pods).map((pod) => ({ pod })) : [{ address: flow.from.address }];
  if (sources.length === 0) problems.push(`flow "${flow.name}" (${flow.declaredBy}) names pods the model does not know`);
  const blocked: string[] = [];
  let pairs = 0;
  const check = (src: Endpoint, dst: Endpoint, port: number, verdict: Pick<Verdict, "egress" | "ingress">, via = "") => {
    pairs++;
    explained.pairs.add(key(src, dst, port, flow.protocol));
    if (!verdict.egress.allowed) blocked.push(`${endpointId(src)} -> ${endpointId(dst)}${via} ${port}/${flow.protocol}: ${why(verdict.egress, "egress", endpointId(src))}`);
    else if (!verdict.ingress.allowed) blocked.push(`${endpointId(src)} -> ${endpointId(dst)}${via} ${port}/${flow.protocol}: ${why(verdict.ingress, "ingress", endpointId(dst))}`);
  };
  for (const src of sources) {
    const to = flow.to;
    if ("pods" in to) {
      const targets = podsOf(model, to.pods);
      if (targets.length === 0) problems.push(`flow "${flow.name}" (${flow.declaredBy}) goes to pods the model does not know`);
      for (const pod of targets) {
        const port = resolvePort(pod, to.port, flow.protocol);
        if (port === undefined) problems.push(`flow "${flow.name}": ${id(pod)} has no ${flow.protocol} port ${to.port}`);
        else check(src, { pod }, port, evaluate(src, { pod }, port, flow.protocol, world, model.network.nodeCidr));
      }
    } else if ("service" in to) {
      const svc = model.services.find((s) => `${s.namespace}/${s.name}` === to.service);
      const svcPort = svc?.ports.find((p) => p.port === to.port && p.protocol === flow.protocol);
      if (!svc || !svcPort) {
        problems.push(`flow "${flow.name}" (${flow.declaredBy}) goes to ${to.service}:${to.port}/${flow.protocol}, which the model does not know`);
        continue;
      }
      // On EKS the client's egress is judged at the cluster IP, before translation.
      const clusterEgress = model.eks && "pod" in src ? serviceEgress(src.pod, asService(svc, model), to.port, flow.protocol, world) : undefined;
      // A policy may name a known cluster IP for plugins that judge before translation.
      if (svc.clusterIp) explained.addresses.push({ from: endpointId(src), address: { name: to.service, cidr: svc.clusterIp }, port: to.port, protocol: flow.protocol });
      const backends: { dst: Endpoint; port: number }[] = svc.endpoints
        ? svc.endpoints.addresses.map((address) => ({ dst: { address }, port: svc.endpoints!.port }))
        : podsOf(model, { namespace: svc.namespace, selector: { matchLabels: svc.selector ?? {} } }).flatMap((pod) => {
            const port = resolvePort(pod, svcPort.targetPort, flow.protocol);
            return port === undefined ? [] : [{ dst: { pod }, port }];
          });
      if (backends.length === 0) problems.push(`flow "${flow.name}": ${to.service} has no backends in the model`);
      for (const b of backends) {
        if ("address" in b.dst) explained.addresses.push({ from: endpointId(src), address: b.dst.address, port: b.port, protocol: flow.protocol });
        const direct = evaluate(src, b.dst, b.port, flow.protocol, world, model.network.nodeCidr);
        check(src, b.dst, b.port, clusterEgress ? { egress: clusterEgress, ingress: direct.ingress } : direct, ` (via ${to.service}:${to.port})`);
      }
    } else {
      explained.addresses.push({ from: endpointId(src), address: to.address, port: to.port, endPort: to.endPort, protocol: flow.protocol });
      for (const port of new Set([to.port, to.endPort ?? to.port])) {
        check(src, { address: to.address }, port, evaluate(src, { address: to.address }, port, flow.protocol, world, model.network.nodeCidr));
      }
    }
  }
  return { name: flow.name, declaredBy: flow.declaredBy, pairs, allowed: blocked.length === 0, blocked };
}

/** The cluster-IP way to a pod's port on EKS: a Service selecting the pod whose targetPort is that port. */
function viaService(model: NetworkModel, world: World, src: Pod, dst: Pod, port: number, protocol: Protocol): Side | undefined {
  for (const svc of model.services) {
    if (svc.endpoints || svc.headless || svc.namespace !== dst.namespace || !svc.selector || !selectorMatches({ matchLabels: svc.selector }, dst.labels)) continue;
    for (const p of svc.ports.filter((x) => x.protocol === protocol && resolvePort(dst, x.targetPort, protocol) === port)) {
      const side = serviceEgress(src, asService(svc, model), p.port, protocol, world);
      if (side.allowed && side.isolatedBy.length > 0) return side;
    }
  }
  return undefined;
}

/** Every allowed pair that at least one policy decided on. */
interface Found {
  pair: Pair;
  /** The pod pair's ends, for the known exceptions. */
  ends?: { from: Endpoint; to: Pod };
  /** Pod pairs are explained by key; pairs to an ipBlock by the addresses the flows reach. */
  key?: string;
}

function allowedPairs(model: NetworkModel, world: World): Found[] {
  const found: Found[] = [];
  const sources: Endpoint[] = [...model.pods.filter((p) => !p.hostNetwork).map((pod) => ({ pod })), ...model.outsiders.map((address) => ({ address }))];
  const targets = model.pods.filter((p) => !p.hostNetwork);
  for (const src of sources) {
    for (const dst of targets) {
      for (const cp of dst.ports) {
        const verdict = evaluate(src, { pod: dst }, cp.port, cp.protocol, world, model.network.nodeCidr);
        let egress = verdict.egress;
        if (!egress.allowed && model.eks && "pod" in src) egress = viaService(model, world, src.pod, dst, cp.port, cp.protocol) ?? egress;
        if (!egress.allowed || !verdict.ingress.allowed) continue;
        if (egress.isolatedBy.length === 0 && verdict.ingress.isolatedBy.length === 0) continue;
        found.push({
          ends: { from: src, to: dst },
          key: key(src, { pod: dst }, cp.port, cp.protocol),
          pair: { from: endpointId(src), to: id(dst), port: `${cp.port}/${cp.protocol}`, allowedBy: [...new Set([...egress.allowedBy, ...verdict.ingress.allowedBy])] },
        });
      }
    }
  }
  // What leaves the pod network: each ipBlock an egress rule admits, as a pair of its own.
  for (const src of model.pods.filter((p) => !p.hostNetwork)) {
    for (const policy of world.policies.filter((p) => p.namespace === src.namespace && selectorMatches(p.podSelector, src.labels) && (p.policyTypes ?? []).includes("Egress"))) {
      for (const rule of policy.egress ?? []) {
        for (const peer of (rule.to ?? []).filter((x) => x.ipBlock)) {
          const block = peer.ipBlock!;
          const shown = `${block.cidr}${block.except?.length ? ` except ${block.except.join(",")}` : ""}`;
          for (const port of rule.ports?.length ? rule.ports : [{}]) {
            const portText = port.port === undefined ? `any/${port.protocol ?? "TCP"}` : `${port.port}${port.endPort ? `-${port.endPort}` : ""}/${port.protocol ?? "TCP"}`;
            found.push({ pair: { from: id(src), to: shown, port: portText, allowedBy: [`${policy.namespace}/${policy.name}`] } });
          }
        }
      }
    }
  }
  return found;
}

/** An ipBlock pair is explained when a needed flow of that pod goes at least that wide, on those ports. */
function addressExplained(pair: Pair, explained: Explained): boolean {
  const [cidrPart, exceptPart] = pair.to.split(" except ");
  const block = { cidr: cidrPart, except: exceptPart ? exceptPart.split(",") : undefined };
  const [portText, protocol] = pair.port.split("/");
  if (portText === "any") return false;
  const [first, last] = portText.split("-").map(Number);
  return explained.addresses.some(
    (a) =>
      a.from === pair.from &&
      a.protocol === protocol &&
      blockCovers({ cidr: a.address.cidr, except: a.address.except }, block) &&
      portMatches({ protocol: a.protocol, port: a.port, endPort: a.endPort }, first, a.protocol) &&
      portMatches({ protocol: a.protocol, port: a.port, endPort: a.endPort }, last ?? first, a.protocol),
  );
}

export function networkReport(stack: string, model: NetworkModel): NetworkReport {
  const world: World = { policies: model.policies, namespaces: model.namespaces };
  const explained: Explained = { pairs: new Set(), addresses: [] };
  const problems: string[] = [];
  const flows = model.flows.map((f) => judgeFlow(f, model, world, explained, problems));
  const found = allowedPairs(model, world);
  const unexplained = found
    .filter((f) => (f.key ? !explained.pairs.has(f.key) : !addressExplained(f.pair, explained)))
    .map(({ pair: p, ends }) => {
      const known = ends && KNOWN.find((k) => k.applies(ends.from, ends.to, p.port));
      return known ? { ...p, reason: known.reason } : p;
    });
  const notIsolated = model.pods
    .filter((p) => !p.hostNetwork)
    .flatMap((p) =>
      (["Ingress", "Egress"] as const)
        .filter((d) => !model.policies.some((x) => x.namespace === p.namespace && (x.policyTypes ?? []).includes(d) && selectorMatches(x.podSelector, p.labels)))
        .map((d) => `${id(p)} ${d.toLowerCase()}`),
    );
  return {
    stack,
    enforcement: model.eks
      ? "EKS, VPC CNI network policy agent: Kubernetes semantics, egress to a cluster IP judged before translation, the local node always admitted"
      : "Kubernetes semantics (the cluster's network plugin)",
    needed: { flows: flows.length, allowed: flows.filter((f) => f.allowed).length, blocked: flows.filter((f) => !f.allowed).length },
    flows,
    unexplained,
    allowedPairs: found.length,
    pairs: found.map((f) => f.pair),
    notIsolated,
    problems,
  };
}

/** One line per blocked flow pair and per problem: what fails the render. */
export function networkErrors(report: NetworkReport): string[] {
  return [
    ...report.flows.flatMap((f) => f.blocked.map((b) => `network: needed flow "${f.name}" (${f.declaredBy}) is blocked: ${b}`)),
    ...report.problems.map((p) => `network: ${p}`),
  ];
}

export function networkSummary(report: NetworkReport): string {
  const reasoned = report.unexplained.filter((p) => p.reason).length;
  return (
    `network: ${report.needed.allowed}/${report.needed.flows} needed flows allowed; ${report.allowedPairs} allowed pairs, ` +
    `${report.unexplained.length} unexplained (${reasoned} with a reason)`
  );
}
