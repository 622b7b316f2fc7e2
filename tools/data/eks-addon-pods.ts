/**
 * Pods the EKS add-ons run and what they request. EKS does not publish the manifests it applies for an
 * add-on version; these come from the upstream charts the add-ons are built from, read 2026-11-30:
 * - aws-ebs-csi-driver: kubernetes-sigs/aws-ebs-csi-driver charts/aws-ebs-csi-driver (chart 2.64.0,
 *   commit 429e202e): controller `replicaCount: 2`, `resources.requests: {cpu: 10m, memory: 40Mi}`, and
 *   every sidecar defaults to the controller's resources (templates/controller.yaml `default
 *   .Values.controller.resources .Values.sidecars.<name>.resources`): plugin, provisioner, attacher,
 *   snapshotter, resizer and liveness probe = 6 x 10m/40Mi. Node DaemonSet: plugin, registrar and
 *   liveness probe at the node's 10m/40Mi, `tolerateAllTaints: true`.
 * - aws-efs-csi-driver: kubernetes-sigs/aws-efs-csi-driver charts/aws-efs-csi-driver (chart 4.4.1):
 *   controller `replicaCount: 2` and node DaemonSet (`tolerations: [{operator: Exists}]`) with
 *   `resources: {}`: they count as pods only.
 * - vpc-cni (aws-node): aws/amazon-vpc-cni-k8s charts/aws-vpc-cni/values.yaml `resources.requests.cpu:
 *   25m`; tolerates every taint.
 * - kube-proxy (100m CPU, tolerates every taint) and coredns (2 replicas, 100m/70Mi, a PDB of
 *   maxUnavailable 1): as `kubectl get` shows them on EKS clusters; not confirmed from a published source.
 * - eks-pod-identity-agent: a DaemonSet on every node (tolerates every taint), no requests assumed.
 * - metrics-server: EKS community add-on built from kubernetes-sigs/metrics-server's chart, whose
 *   defaults are 1 replica at 100m/200Mi; AWS documents the add-on (EKS User Guide, "View resource usage
 *   with the Kubernetes Metrics Server": pre-configured on port 10251) but not its replicas.
 * Labels and ports for the network model (tools/network/): CoreDNS `k8s-app: kube-dns` with dns 53/UDP,
 * dns-tcp 53/TCP and metrics 9153 (the selector of the `kube-dns` Service every NetworkPolicy DNS rule
 * names); metrics-server `k8s-app: metrics-server` on 10251 (the EKS page above); aws-node, kube-proxy,
 * the EFS CSI pods and the pod identity agent on the host network; the EBS CSI pods with their 9808
 * health port. As the upstream charts label them; not confirmed on a running cluster.
 * Refresh: `aws eks describe-addon-configuration --addon-name <name> --addon-version <version>` shows
 * what is configurable; the requests themselves need `kubectl -n kube-system get deploy,ds -o yaml` on a
 * cluster running the pinned versions.
 */
import { unconstrainedPod } from "../capacity/pods";
import { PodNetwork, PodTemplate, Workload } from "../capacity/types";

const Mi = 1024 ** 2;
const everyTaint = [{ operator: "Exists" as const }];

interface AddonPod {
  labels: Record<string, string>;
  network: PodNetwork;
}

function pod(labels: Record<string, string>, cpu: number, memory: number, tolerateAll: boolean): PodTemplate {
  return unconstrainedPod(labels, { cpu, memory, hugepages2Mi: 0 }, tolerateAll ? { tolerations: everyTaint } : {});
}

const ds = (name: string, cpu: number, memory: number, net: AddonPod): Workload => ({
  name: `kube-system/${name}`,
  kind: "DaemonSet",
  source: "EKS add-on",
  replicas: 0,
  pod: pod(net.labels, cpu, memory, true),
  network: net.network,
});
const deploy = (name: string, replicas: number, cpu: number, memory: number, net: AddonPod, minAvailable?: number): Workload => ({
  name: `kube-system/${name}`,
  kind: "Deployment",
  source: "EKS add-on",
  replicas,
  ...(minAvailable !== undefined ? { minAvailable } : {}),
  pod: pod(net.labels, cpu, memory, false),
  network: net.network,
});

const tcp = (name: string, port: number) => ({ name, port, protocol: "TCP" as const });
const onHost = (labels: Record<string, string>, ...ports: PodNetwork["ports"]): AddonPod => ({ labels, network: { ports, hostNetwork: true } });
const inPodNetwork = (labels: Record<string, string>, ...ports: PodNetwork["ports"]): AddonPod => ({ labels, network: { ports } });

/** Pods of each add-on, by EKS add-on name. vpc-cni and kube-proxy are installed by the eks.Cluster. */
export const EKS_ADDON_PODS: Record<string, Workload[]> = {
  "vpc-cni": [ds("aws-node", 0.025, 0, onHost({ "k8s-app": "aws-node" }, tcp("metrics", 61678)))],
  "kube-proxy": [ds("kube-proxy", 0.1, 0, onHost({ "k8s-app": "kube-proxy" }))],
  // The CoreDNS add-on ships a PodDisruptionBudget with maxUnavailable 1.
  coredns: [
    deploy(
      "coredns",
      2,
      0.1,
      70 * Mi,
      inPodNetwork({ "k8s-app": "kube-dns", "eks.amazonaws.com/component": "coredns" }, { name: "dns", port: 53, protocol: "UDP" }, tcp("dns-tcp", 53), tcp("metrics", 9153)),
      1,
    ),
  ],
  "aws-ebs-csi-driver": [
    deploy("ebs-csi-controller", 2, 0.06, 240 * Mi, inPodNetwork({ app: "ebs-csi-controller", "app.kubernetes.io/name": "aws-ebs-csi-driver" }, tcp("healthz", 9808)), 1),
    ds("ebs-csi-node", 0.03, 120 * Mi, inPodNetwork({ app: "ebs-csi-node", "app.kubernetes.io/name": "aws-ebs-csi-driver" }, tcp("healthz", 9808))),
  ],
  "aws-efs-csi-driver": [
    deploy("efs-csi-controller", 2, 0, 0, onHost({ app: "efs-csi-controller", "app.kubernetes.io/name": "aws-efs-csi-driver" }, tcp("healthz", 9909))),
    ds("efs-csi-node", 0, 0, onHost({ app: "efs-csi-node", "app.kubernetes.io/name": "aws-efs-csi-driver" }, tcp("healthz", 9809))),
  ],
  "eks-pod-identity-agent": [ds("eks-pod-identity-agent", 0, 0, onHost({ "app.kubernetes.io/name": "eks-pod-identity-agent" }, tcp("proxy", 80)))],
  "metrics-server": [deploy("metrics-server", 1, 0.1, 200 * Mi, inPodNetwork({ "k8s-app": "metrics-server" }, tcp("https", 10251)))],
};
