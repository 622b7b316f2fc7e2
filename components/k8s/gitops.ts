/** The apply order of a GitOps export, as annotations Argo CD understands (docs/gitops.md). */
import * as pulumi from "@pulumi/pulumi";

/** Argo CD's annotations (Argo CD docs, "Sync Phases and Waves" and "Sync Options", read 2026-12-07). */
export const SYNC_WAVE = "argocd.argoproj.io/sync-wave";
export const SYNC_OPTIONS = "argocd.argoproj.io/sync-options";

/** API groups built into Kubernetes: anything else is a custom resource, served by a CRD and an operator. */
const BUILT_IN_GROUPS = new Set([
  "",
  "admissionregistration.k8s.io",
  "apiextensions.k8s.io",
  "apiregistration.k8s.io",
  "apps",
  "autoscaling",
  "batch",
  "coordination.k8s.io",
  "discovery.k8s.io",
  "networking.k8s.io",
  "node.k8s.io",
  "policy",
  "rbac.authorization.k8s.io",
  "scheduling.k8s.io",
  "storage.k8s.io",
]);
const NAMESPACES = new Set(["Namespace"]);
/** What the operators and workloads need before they start. */
const PLUMBING = new Set([
  "ConfigMap",
  "LimitRange",
  "NetworkPolicy",
  "PersistentVolumeClaim",
  "PodDisruptionBudget",
  "PriorityClass",
  "ResourceQuota",
  "Role",
  "RoleBinding",
  "ClusterRole",
  "ClusterRoleBinding",
  "Secret",
  "Service",
  "ServiceAccount",
  "StorageClass",
]);

/**
 * The apply order of a GitOps export: CRDs (-3), Namespaces (-2), what pods need (-1), the operators,
 * workloads, webhooks and APIServices (0), then custom resources (1), once their operators are
 * healthy: Argo CD applies wave by wave and waits for each to be healthy before the next.
 */
export function syncWave(apiVersion: string, kind: string): number {
  const group = apiVersion.includes("/") ? apiVersion.split("/")[0] : "";
  if (kind === "CustomResourceDefinition") return -3;
  if (!BUILT_IN_GROUPS.has(group)) return 1;
  if (NAMESPACES.has(kind)) return -2;
  if (PLUMBING.has(kind)) return -1;
  return 0;
}

/**
 * A stack transform for a GitOps export: every Kubernetes object, the charts' included ("Transforms
 * support modifying child resources of packaged components", Pulumi docs, resource option
 * transformations, read 2026-12-07; the v4 Chart is one), carries its sync wave; custom resources
 * also skip Argo CD's dry-run until their CRD exists.
 */
export function gitopsSyncWaves(args: pulumi.ResourceTransformArgs): pulumi.ResourceTransformResult | undefined {
  const token = /^kubernetes:([^:]+):(\w+)$/.exec(args.type);
  if (!args.custom || !token || token[1].startsWith("helm.sh/") || token[1].startsWith("yaml/") || token[1].startsWith("kustomize/")) return undefined;
  const [group, version] = token[1].split("/");
  const apiVersion = group === "core" ? version : `${group}/${version}`;
  const wave = syncWave(apiVersion, token[2]);
  const props = args.props as { metadata?: { annotations?: Record<string, string> } };
  const annotations = {
    ...props.metadata?.annotations,
    [SYNC_WAVE]: String(wave),
    ...(wave === 1 ? { [SYNC_OPTIONS]: "SkipDryRunOnMissingResource=true" } : {}),
  };
  return { props: { ...args.props, metadata: { ...props.metadata, annotations } }, opts: args.opts };
}
