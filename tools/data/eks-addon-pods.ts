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
 * Refresh: `aws eks describe-addon-configuration --addon-name <name> --addon-version <version>` shows
 * what is configurable; the requests themselves need `kubectl -n kube-system get deploy,ds -o yaml` on a
 * cluster running the pinned versions.
 */
import { unconstrainedPod } from "../capacity/pods";
import { PodTemplate, Workload } from "../capacity/types";

const Mi = 1024 ** 2;
const everyTaint = [{ operator: "Exists" as const }];

function pod(name: string, cpu: number, memory: number, tolerateAll: boolean): PodTemplate {
  return unconstrainedPod({ "app.kubernetes.io/name": name }, { cpu, memory, hugepages2Mi: 0 }, tolerateAll ? { tolerations: everyTaint } : {});
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
