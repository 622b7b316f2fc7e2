import * as k8s from "@pulumi/kubernetes";
import { ReferenceDataAccessMode, StorageClassNames } from "../config";
import { ClusterNetwork } from "./network";

/**
 * The cluster as every workload component sees it, whichever mode built it: an EKS cluster this
 * program creates, or an existing one reached through a kubeconfig.
 */
export interface WorkloadCluster {
  /** Applies the workloads, or writes them to a directory for GitOps (see `renderTo`). */
  provider: k8s.Provider;
  storage: WorkloadStorage;
  network: ClusterNetwork;
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
