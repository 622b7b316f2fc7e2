import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ReferenceDataAccessMode, StorageClassNames } from "../config";
import { ClusterNetwork } from "./network";

/**
 * The cluster as every workload component sees it, whichever mode built it: an EKS cluster this
 * program creates, or an existing one reached through a kubeconfig.
 */
export interface WorkloadCluster {
  /** Applies the workloads, or writes them to a directory for GitOps (see `renderTo`). */
  provider: k8s.Provider;
  /**
   * Always applies to the cluster: Secrets, and the Namespaces that hold them. In a GitOps export
   * `provider` would write a Secret's values into the export's files (base64 only), so Secrets never
   * go through it; otherwise the two are the same provider (docs/gitops.md).
   */
  secretsProvider: k8s.Provider;
  /** Set in a GitOps export: the directory `provider` writes to. */
  exportDirectory?: string;
  storage: WorkloadStorage;
  network: ClusterNetwork;
  /**
   * The zone the engine runs in (its placement group's), where the cluster knows it: the data stores'
   * primaries prefer it. Undefined on an existing cluster, whose zones this program does not see.
   */
  engineZone?: pulumi.Input<string>;
  /** Kubernetes minor version, e.g. "1.34": what charts are templated for when no cluster is asked (GitOps export). */
  kubernetesVersion: string;
}

export interface WorkloadStorage {
  /** The StorageClass of each storage role. */
  classes: StorageClassNames;
  /** ReadWriteMany for a shared filesystem; ReadWriteOnce where the cluster has none and one engine pod runs. */
  referenceDataAccessMode: ReferenceDataAccessMode;
}

/**
 * Provider settings of the GitOps export: every object is written to `directory` instead of being
 * applied, and all of them are rewritten on every update, so a fresh checkout of the GitOps
 * repository gets the complete set, not only what changed.
 */
export function renderTo(directory: string): Pick<k8s.ProviderArgs, "renderYamlToDirectory" | "alwaysRender"> {
  return { renderYamlToDirectory: directory, alwaysRender: true };
}

/**
 * A preferred node affinity for the engine's zone: the scheduler places the first pod of a spread
 * set (the initial Redis master, CloudNativePG's first instance and initial primary) there.
 */
export function engineZonePreference(zone: pulumi.Input<string> | undefined): k8s.types.input.core.v1.NodeAffinity | undefined {
  if (zone === undefined) return undefined;
  return {
    preferredDuringSchedulingIgnoredDuringExecution: [
      { weight: 100, preference: { matchExpressions: [{ key: "topology.kubernetes.io/zone", operator: "In", values: [zone] }] } },
    ],
  };
}
