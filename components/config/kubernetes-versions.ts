/**
 * Kubernetes minor versions the stack files may name, pinned with their dates.
 *
 * EKS (`cluster.kubernetesVersion`): the minors Amazon EKS still runs on 2026-11-30, with the end of
 * extended support, after which EKS upgrades the cluster itself. Source: Amazon EKS User Guide,
 * "Understand the Kubernetes version lifecycle on EKS", and endoflife.date/amazon-eks, taken 2026-11-30.
 * 1.31 left on 2026-11-26. 1.35 is the newest minor we could confirm on EKS; a newer one is added here
 * when its add-on builds are pinned (the CoreDNS table in "Manage CoreDNS for DNS in Amazon EKS clusters"
 * lists v1.12.4-eksbuild.1, the build our stacks pin, for 1.33 and 1.34).
 * Refresh: `aws eks describe-cluster-versions --query 'clusterVersions[].[clusterVersion,endOfExtendedSupportDate]'`.
 */
export const EKS_KUBERNETES_MINORS: Record<number, { endOfExtendedSupport: string }> = {
  32: { endOfExtendedSupport: "2027-03-23" },
  33: { endOfExtendedSupport: "2027-07-29" },
  34: { endOfExtendedSupport: "2027-12-02" },
  35: { endOfExtendedSupport: "2028-03-27" },
};

/**
 * Existing clusters (`existingCluster.kubernetesVersion`): from the oldest minor the workloads are
 * tested against to the newest upstream release we could confirm (Kubernetes 1.35, December 2025,
 * kubernetes.io/releases, taken 2026-11-30).
 */
export const EXISTING_KUBERNETES_MINORS = { min: 31, max: 35 };

export const EKS_KUBERNETES_RANGE = {
  min: Math.min(...Object.keys(EKS_KUBERNETES_MINORS).map(Number)),
  max: Math.max(...Object.keys(EKS_KUBERNETES_MINORS).map(Number)),
};

/**
 * Add-on builds tied to a Kubernetes minor, for moving a stack to the next one (docs/upgrade.md):
 * kube-proxy must match the cluster's minor (cluster.ts refuses another). Source: Amazon EKS User
 * Guide, "Manage kube-proxy in Amazon EKS clusters", table "kube-proxy versions" (latest Amazon EKS
 * add-on type per Kubernetes version), read 2026-12-07 (1.35: v1.35.3-eksbuild.2); 1.34's entry is the
 * build the stacks pin, listed there on 2026-11-30. The other add-ons (VPC CNI, CoreDNS, CSI drivers,
 * Pod Identity Agent, metrics-server) are checked per minor with
 * `aws eks describe-addon-versions --kubernetes-version <minor> --addon-name <name>` before a move.
 */
export const EKS_MINOR_ADDON_BUILDS: Record<number, { kubeProxy: string }> = {
  34: { kubeProxy: "v1.34.1-eksbuild.2" },
  35: { kubeProxy: "v1.35.3-eksbuild.2" },
};
