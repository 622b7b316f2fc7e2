import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

type NetworkPolicyPeer = k8s.types.input.networking.v1.NetworkPolicyPeer;
type NetworkPolicyPort = k8s.types.input.networking.v1.NetworkPolicyPort;

/** The address ranges network policies name for traffic that leaves the pod network. */
export interface ClusterNetwork {
  /** Node addresses: kubelets, host-network pods, and the API server's endpoints (the VPC on EKS). */
  nodeCidr: string;
  /** The Service range; its first address is the `kubernetes` Service. */
  serviceCidr: string;
  /** Port of the API server's endpoints: 443 on EKS, 6443 on kubeadm and kind. */
  apiServerPort: number;
}

/**
 * Ports for reaching the API server: 443 on the `kubernetes` Service, and the endpoints' own port,
 * for policy engines that match after the Service address is translated.
 */
export function apiServerPorts(network: ClusterNetwork): NetworkPolicyPort[] {
  return tcp(...new Set([443, network.apiServerPort]));
}

/** Selects a namespace by the label Kubernetes sets on every namespace. */
export function namespacePeer(namespace: string, podLabels?: Record<string, string>): NetworkPolicyPeer {
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

/** Denies all ingress and egress in a namespace; workloads then open exactly what they need. */
export function defaultDenyPolicy(namespace: string, labels: Record<string, string>, opts: pulumi.CustomResourceOptions): k8s.networking.v1.NetworkPolicy {
  return new k8s.networking.v1.NetworkPolicy(
    `${namespace}-default-deny`,
    {
      metadata: { name: "default-deny", namespace, labels },
      spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"] },
    },
    opts,
  );
}
