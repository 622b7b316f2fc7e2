/**
 * Pods the EKS add-ons run, at the requests their manifests set (the add-ons' own manifests are not
 * published; these are the upstream charts/manifests they are built from). Read 2026-11-30:
 * - vpc-cni (aws-node): aws/amazon-vpc-cni-k8s charts/aws-vpc-cni/values.yaml, `resources.requests.cpu: 25m`;
 *   tolerates every taint (`operator: Exists`).
 * - kube-proxy: the EKS kube-proxy DaemonSet requests `cpu: 100m`; tolerates every taint.
 * - coredns: EKS CoreDNS Deployment, 2 replicas, `cpu: 100m, memory: 70Mi`.
 * - aws-ebs-csi-driver: kubernetes-sigs/aws-ebs-csi-driver charts values: controller 2 replicas, six
 *   containers (plugin, provisioner, attacher, snapshotter, resizer, liveness probe) at 10m/40Mi each;
 *   node DaemonSet three containers at 10m/40Mi, `tolerateAllTaints: true`.
 * - aws-efs-csi-driver: kubernetes-sigs/aws-efs-csi-driver charts values: controller 2 replicas and node
 *   DaemonSet (tolerates every taint) set no requests (`resources: {}`): they count as pods only.
 * - eks-pod-identity-agent: DaemonSet on every node, no requests in its chart (aws/eks-pod-identity-agent).
 * - metrics-server (EKS community add-on, built from kubernetes-sigs/metrics-server's chart): 1 replica,
 *   `cpu: 100m, memory: 200Mi`.
 * Not confirmed: the exact manifests EKS applies for each pinned add-on version (`aws eks
 * describe-addon-configuration` shows the configurable values only): see docs/capacity-and-cost.md.
 */
import { PodTemplate, Workload } from "../capacity/types";

const Mi = 1024 ** 2;
const everyTaint = [{ operator: "Exists" as const }];

function pod(name: string, cpu: number, memory: number, tolerateAll: boolean): PodTemplate {
  return {
    labels: { "app.kubernetes.io/name": name },
    requests: { cpu, memory, hugepages2Mi: 0 },
    exclusiveCpus: [],
    tolerations: tolerateAll ? everyTaint : [],
    nodeSelector: {},
    nodeAffinity: [],
    antiAffinity: [],
    spread: [],
  };
}

const ds = (name: string, cpu: number, memory: number): Workload => ({
  name: `kube-system/${name}`,
  kind: "DaemonSet",
  source: "EKS add-on",
  replicas: 0,
  pod: pod(name, cpu, memory, true),
});
const deploy = (name: string, replicas: number, cpu: number, memory: number, minAvailable?: number): Workload => ({
  name: `kube-system/${name}`,
  kind: "Deployment",
  source: "EKS add-on",
  replicas,
  ...(minAvailable !== undefined ? { minAvailable } : {}),
  pod: pod(name, cpu, memory, false),
});

/** Pods of each add-on, by EKS add-on name. vpc-cni and kube-proxy are installed by the eks.Cluster. */
export const EKS_ADDON_PODS: Record<string, Workload[]> = {
  "vpc-cni": [ds("aws-node", 0.025, 0)],
  "kube-proxy": [ds("kube-proxy", 0.1, 0)],
  // The CoreDNS add-on ships a PodDisruptionBudget with maxUnavailable 1.
  coredns: [deploy("coredns", 2, 0.1, 70 * Mi, 1)],
  "aws-ebs-csi-driver": [deploy("ebs-csi-controller", 2, 0.06, 240 * Mi, 1), ds("ebs-csi-node", 0.03, 120 * Mi)],
  "aws-efs-csi-driver": [deploy("efs-csi-controller", 2, 0, 0), ds("efs-csi-node", 0, 0)],
  "eks-pod-identity-agent": [ds("eks-pod-identity-agent", 0, 0)],
  "metrics-server": [deploy("metrics-server", 1, 0.1, 200 * Mi)],
};
