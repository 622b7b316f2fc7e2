import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { formatIpv4Cidr, parseIpv4Cidr } from "../config";

type NetworkPolicyPeer = k8s.types.input.networking.v1.NetworkPolicyPeer;
type NetworkPolicyPort = k8s.types.input.networking.v1.NetworkPolicyPort;
export type IngressRule = k8s.types.input.networking.v1.NetworkPolicyIngressRule;
export type EgressRule = k8s.types.input.networking.v1.NetworkPolicyEgressRule;

/** The address ranges network policies name for traffic that leaves the pod network. */
export interface ClusterNetwork {
  /** Node addresses: kubelets and host-network pods. */
  nodeCidr: string;
  /** The Service range; its first address is the `kubernetes` Service. */
  serviceCidr: string;
  /** Port of the API server's endpoints: 443 on EKS, 6443 on kubeadm and kind. */
  apiServerPort: number;
  /**
   * Where the control plane's addresses are: the API server's endpoints and the source of its calls to
   * webhooks and aggregated APIs. On EKS, the subnets the cluster was given, which hold nothing else.
   */
  controlPlaneCidrs: string[];
  /** Where pods take their addresses from; undefined when the cluster does not say (any address). */
  podCidrs?: string[];
}

/** Selects a namespace by the label Kubernetes sets on every namespace. */
export function namespacePeer(namespace: pulumi.Input<string>, podLabels?: Record<string, string>): NetworkPolicyPeer {
  return {
    namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": namespace } },
    ...(podLabels ? { podSelector: { matchLabels: podLabels } } : {}),
  };
}

export function tcp(...ports: number[]): NetworkPolicyPort[] {
  return ports.map((port) => ({ protocol: "TCP", port }));
}

/** DNS to CoreDNS in kube-system, the one egress every pod needs. */
export const DNS_EGRESS = {
  to: [namespacePeer("kube-system", { "k8s-app": "kube-dns" })],
  ports: [
    { protocol: "UDP", port: 53 },
    { protocol: "TCP", port: 53 },
  ],
};

/**
 * HTTPS to the Kubernetes API: the `kubernetes` Service's cluster IP (the first address of the
 * Service range) on 443, which the VPC CNI judges before the address is translated, and the API
 * server's own addresses on their port, for policy engines that judge after it.
 */
export function apiServerEgress(network: ClusterNetwork): EgressRule[] {
  const services = parseIpv4Cidr(network.serviceCidr);
  if (!services) throw new Error(`invalid Service CIDR ${network.serviceCidr}`);
  const clusterIp = { ipBlock: { cidr: formatIpv4Cidr(services.base + 1, 32) } };
  const endpoints = network.controlPlaneCidrs.map((cidr) => ({ ipBlock: { cidr } }));
  return network.apiServerPort === 443
    ? [{ to: [...endpoints, clusterIp], ports: tcp(443) }]
    : [
        { to: [clusterIp], ports: tcp(443) },
        { to: endpoints, ports: tcp(network.apiServerPort) },
      ];
}

/** Calls from the API server (admission webhooks, aggregated APIs): the control plane's addresses only. */
export function fromControlPlane(network: ClusterNetwork): NetworkPolicyPeer[] {
  return network.controlPlaneCidrs.map((cidr) => ({ ipBlock: { cidr } }));
}

/** Addresses that are never the public internet: private, shared (CGNAT) and link-local ranges. */
const NOT_INTERNET = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "169.254.0.0/16"];

/**
 * The public internet on `ports` (for services without fixed addresses: S3, alert receivers). The
 * private ranges are excepted, and with them the Service range and the VPC: an egress rule for
 * 0.0.0.0/0 on 443 would otherwise also open every Service listening on 443 in the cluster, since
 * the VPC CNI judges egress to a cluster IP before translating it.
 */
export function internetEgress(network: ClusterNetwork, ports: NetworkPolicyPort[]): EgressRule {
  const inside = [network.serviceCidr, network.nodeCidr, ...(network.podCidrs ?? [])].filter((c) => !NOT_INTERNET.some((n) => contains(n, c)));
  return { to: [{ ipBlock: { cidr: "0.0.0.0/0", except: [...NOT_INTERNET, ...inside] } }], ports };
}

/**
 * Clients outside the cluster by their ranges, with the pods' and the control plane's own addresses
 * cut out: the VPC CNI gives pods VPC addresses, so a client range holding the VPC would admit every pod.
 */
export function clientPeers(ranges: string[], network: ClusterNetwork): NetworkPolicyPeer[] {
  const pods = network.podCidrs ?? [];
  return ranges.map((cidr) => {
    // The stack config refuses such a range first (engine.exposure.sourceRanges); this guards other callers.
    const holding = pods.find((p) => contains(p, cidr));
    if (holding) throw new Error(`client range ${cidr} lies inside the pods' range ${holding}: it would admit pods, not clients`);
    const except = [...pods, ...network.controlPlaneCidrs].filter((p) => p !== cidr && contains(cidr, p));
    return { ipBlock: { cidr, ...(except.length ? { except } : {}) } };
  });
}

function contains(outer: string, inner: string): boolean {
  const a = parseIpv4Cidr(outer)!;
  const b = parseIpv4Cidr(inner)!;
  const size = (prefix: number) => 2 ** (32 - prefix);
  return a.prefix <= b.prefix && b.base >= a.base && b.base + size(b.prefix) <= a.base + size(a.prefix);
}

export interface NetworkPolicyArgs {
  name: string;
  namespace: pulumi.Input<string>;
  labels: Record<string, string>;
  /** The pods the policy isolates. */
  podSelector: k8s.types.input.meta.v1.LabelSelector;
  /** Ingress rules; when given (even empty) the pods are isolated for ingress. */
  ingress?: IngressRule[];
  /** Egress rules; when given (even empty) the pods are isolated for egress. */
  egress?: EgressRule[];
}

/** A NetworkPolicy whose policyTypes say exactly the directions it is given rules for. */
export function networkPolicy(resourceName: string, args: NetworkPolicyArgs, opts: pulumi.CustomResourceOptions): k8s.networking.v1.NetworkPolicy {
  const policyTypes = [...(args.ingress ? ["Ingress"] : []), ...(args.egress ? ["Egress"] : [])];
  return new k8s.networking.v1.NetworkPolicy(
    resourceName,
    {
      metadata: { name: args.name, namespace: args.namespace, labels: args.labels },
      spec: {
        podSelector: args.podSelector,
        policyTypes,
        // An empty list isolates as well as no list once the type is named: left out, as `kubectl get` shows it.
        ...(args.ingress?.length ? { ingress: args.ingress } : {}),
        ...(args.egress?.length ? { egress: args.egress } : {}),
      },
    },
    opts,
  );
}

/** Denies all ingress and egress in a namespace; workloads then open exactly what they need. */
export function defaultDenyPolicy(namespace: string, labels: Record<string, string>, opts: pulumi.CustomResourceOptions): k8s.networking.v1.NetworkPolicy {
  return networkPolicy(`${namespace}-default-deny`, { name: "default-deny", namespace, labels, podSelector: {}, ingress: [], egress: [] }, opts);
}
