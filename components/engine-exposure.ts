/** How the engine's Services expose it: their ports and, for the load balancer, its annotations. */
import * as k8s from "@pulumi/kubernetes";
import { ENGINE_PORTS } from "./engine-files";

/**
 * The NLB's annotations. "instance": the in-tree controller (cloud-provider-aws) makes an NLB whose
 * targets are the nodes' NodePort, where kube-proxy's iptables forwards to the pod. "ip": type
 * "external" hands the Service to the AWS Load Balancer Controller, whose NLB targets the pod IPs
 * directly (VPC CNI pods have VPC addresses), keeping the client's address so the engine's
 * source-range NetworkPolicy still applies (LBC docs, guide/service/nlb and annotations, read 2026-12-07).
 */
export function loadBalancerAnnotations(internal: boolean, targetType: "instance" | "ip"): Record<string, string> {
  if (targetType === "ip") {
    return {
      "service.beta.kubernetes.io/aws-load-balancer-type": "external",
      "service.beta.kubernetes.io/aws-load-balancer-nlb-target-type": "ip",
      "service.beta.kubernetes.io/aws-load-balancer-scheme": internal ? "internal" : "internet-facing",
      "service.beta.kubernetes.io/aws-load-balancer-attributes": "load_balancing.cross_zone.enabled=true",
      "service.beta.kubernetes.io/aws-load-balancer-target-group-attributes": "preserve_client_ip.enabled=true",
    };
  }
  return {
    "service.beta.kubernetes.io/aws-load-balancer-type": "nlb",
    "service.beta.kubernetes.io/aws-load-balancer-internal": String(internal),
    "service.beta.kubernetes.io/aws-load-balancer-cross-zone-load-balancing-enabled": "true",
    "service.beta.kubernetes.io/aws-load-balancer-backend-protocol": "tcp",
  };
}

export function servicePorts(names: ("http" | "websocket" | "metrics")[]): k8s.types.input.core.v1.ServicePort[] {
  return names.map((portName) => ({ name: portName, port: ENGINE_PORTS[portName], targetPort: ENGINE_PORTS[portName], protocol: "TCP" }));
}
