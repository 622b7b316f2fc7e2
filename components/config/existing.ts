import { kubernetesVersion } from "./cluster";
import { EXISTING_KUBERNETES_MINORS } from "./kubernetes-versions";
import { cidr, int, oneOf, section, text, withRules } from "./fields";
import { engineNodeTuningFields, engineNodeTuningRules, KernelTuning } from "./nodes";
import { cidrsOverlap, isKubeconfigPath } from "./primitives";

/** A cluster the program does not create: how to reach it, and the facts the workloads' validation and network policies need. */
export interface ExistingClusterConfig {
  kubeconfig: KubeconfigSource;
  /** Kubernetes minor version of the cluster, e.g. "1.34". */
  kubernetesVersion: string;
  /** Zones (`topology.kubernetes.io/zone` values) the nodes span; 1 for kind or a single rack. */
  zones: number;
  /** Where the nodes (kubelets, host-network pods) and the API server's endpoints live. */
  nodeCidr: string;
  /** The cluster's Service range; its first address is the `kubernetes` Service. */
  serviceCidr: string;
  /** Port the API server's endpoints listen on behind the `kubernetes` Service (kubeadm and kind: 6443). */
  apiServerPort: number;
  /** The pods' address range (kind: 10.244.0.0/16): kept out of the engine's client ranges, and what the network model assumes. */
  podCidr?: string;
  /** The nodes labelled and tainted `node-type=high-performance` for the engine, prepared as `engineNodeRequirements` says. */
  engineNode: EngineNodeCapacity;
  /** StorageClasses of the cluster that play the roles of the classes the EKS mode creates. */
  storageClasses: StorageClassNames;
  /** Access mode of the engine's shared reference-data claim; ReadWriteOnce only for a single engine pod. */
  referenceDataAccessMode: ReferenceDataAccessMode;
}

/**
 * Where the kubeconfig comes from: a file path and/or a context in it; neither means the
 * `KUBECONFIG` environment variable or `~/.kube/config`. Never the file's contents: they carry
 * credentials and would end up in the stack file and the state.
 */
export interface KubeconfigSource {
  path?: string;
  context?: string;
}

export interface EngineNodeCapacity {
  /** Engine nodes available: engine pods never share a node, so this bounds engine.maxReplicas. */
  count: number;
  /** CPUs (hardware threads) the kubelet sees on one engine node. */
  cpus: number;
  memoryGiB: number;
  reservedSystemCpus: string;
  isolatedCpus?: string;
  hugepages2Mi: number;
  kernel: KernelTuning;
}

/** The StorageClass playing each storage role the workloads use. */
export interface StorageClassNames {
  /** Latency-sensitive block volumes: engine logs and data, Redis, TimescaleDB, Prometheus. */
  fastSsd: string;
  /** General-purpose block volumes: Alertmanager. */
  gp3: string;
  /** A shared filesystem for the engine's reference data, which every engine pod mounts. */
  sharedFilesystem: string;
}

export const REFERENCE_DATA_ACCESS_MODES = ["ReadWriteMany", "ReadWriteOnce"] as const;
export type ReferenceDataAccessMode = (typeof REFERENCE_DATA_ACCESS_MODES)[number];

/** DNS subdomain, as Kubernetes object names are. */
const STORAGE_CLASS_NAME = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

/** What each storage role is for, so a missing mapping says what it would break. */
const STORAGE_ROLES: Record<keyof StorageClassNames, string> = {
  fastSsd: "the StorageClass for latency-sensitive block volumes (engine logs and data, Redis, TimescaleDB data and WAL, Prometheus), ReadWriteOnce, e.g. standard on kind",
  gp3: "the StorageClass for general-purpose block volumes (Alertmanager), ReadWriteOnce, e.g. standard on kind",
  sharedFilesystem:
    "the StorageClass of the engine's reference data, which every engine pod mounts: ReadWriteMany (an NFS or CephFS class such as nfs-client), or a ReadWriteOnce class such as kind's standard with referenceDataAccessMode: ReadWriteOnce and a single engine pod",
};

const storageClass = (role: keyof StorageClassNames) => text(STORAGE_CLASS_NAME, STORAGE_ROLES[role]).describe(STORAGE_ROLES[role]);

/** The existing mode: a cluster reached through a kubeconfig instead of the EKS sections. */
export function existingClusterSchema() {
  const engineNode = section({
    count: int(1, 100, "the number of nodes labelled and tainted node-type=high-performance, 1 to 100").describe(
      "Engine nodes available (labelled and tainted node-type=high-performance); engine pods never share a node, so this bounds engine.maxReplicas.",
    ),
    cpus: int(2, 1024, "the CPUs (hardware threads) of one engine node, 2 to 1024").describe("CPUs (hardware threads) the kubelet sees on one engine node."),
    memoryGiB: int(1, 16384, "the memory of one engine node in GiB, 1 to 16384").describe("Memory of one engine node in GiB."),
    ...engineNodeTuningFields(),
  });
  const fields = section({
    kubeconfig: section({
      path: text(
        /./,
        "a path to a kubeconfig file, e.g. ~/.kube/config or ./kubeconfig-hft.yaml; never the file's contents, which carry credentials (leave kubeconfig out to use KUBECONFIG or ~/.kube/config)",
        isKubeconfigPath,
      )
        .optional()
        .describe("Path to a kubeconfig file (never its contents, which carry credentials)."),
      context: text(/^\S{1,253}$/, "the name of a context in the kubeconfig, e.g. kind-hft").optional().describe("Context in the kubeconfig, e.g. kind-hft."),
    })
      .prefault({})
      .describe("Where the kubeconfig comes from; leave it out to use KUBECONFIG or ~/.kube/config."),
    kubernetesVersion: kubernetesVersion("Kubernetes", EXISTING_KUBERNETES_MINORS).describe('Kubernetes minor version of the cluster, quoted, e.g. "1.34".'),
    zones: int(1, 10, "the number of zones the nodes span, 1 to 10 (1 for kind or a single rack)").describe(
      "Zones (topology.kubernetes.io/zone values) the nodes span; 1 for kind or a single rack.",
    ),
    nodeCidr: cidr(8, 28).describe("Where the nodes (kubelets, host-network pods) and the API server's endpoints live."),
    serviceCidr: cidr(12, 24).describe("The cluster's Service range; its first address is the kubernetes Service."),
    apiServerPort: int(1, 65535, "the port of the API server's endpoints, 1 to 65535 (kubeadm and kind: 6443)")
      .default(6443)
      .describe("Port the API server's endpoints listen on behind the kubernetes Service (kubeadm and kind: 6443)."),
    podCidr: cidr(8, 28)
      .optional()
      .describe("The pods' address range (kind: 10.244.0.0/16); kept out of engine.exposure.sourceRanges. Unset: the network model assumes a pod may have any address."),
    engineNode: withRules(engineNode, (r) => {
      const size = r.valid("cpus", "memoryGiB") ? { name: "existingCluster.engineNode", vcpus: r.value.cpus, memoryGiB: r.value.memoryGiB } : undefined;
      engineNodeTuningRules(r, size);
    }).describe("The nodes prepared for the engine, as the engineNodeRequirements output says."),
    storageClasses: section({ fastSsd: storageClass("fastSsd"), gp3: storageClass("gp3"), sharedFilesystem: storageClass("sharedFilesystem") })
      // Without the section, each missing role is named with what it is for.
      .prefault({} as StorageClassNames)
      .describe("StorageClasses of the cluster that play the roles of the classes the EKS mode creates."),
    referenceDataAccessMode: oneOf(REFERENCE_DATA_ACCESS_MODES)
      .default("ReadWriteMany")
      .describe("Access mode of the engine's shared reference-data claim; ReadWriteOnce only for a single engine pod."),
  });
  return withRules(fields, (r) => {
    const { serviceCidr, nodeCidr } = r.value;
    if (r.valid("serviceCidr", "nodeCidr") && cidrsOverlap(serviceCidr, nodeCidr)) {
      r.problem("serviceCidr", serviceCidr, `the cluster's Service range, which does not overlap existingCluster.nodeCidr ${nodeCidr}`);
    }
    const { podCidr } = r.value;
    for (const [key, other] of [["serviceCidr", serviceCidr], ["nodeCidr", nodeCidr]] as const) {
      if (podCidr !== undefined && r.valid("podCidr", key) && cidrsOverlap(podCidr, other)) r.problem("podCidr", podCidr, `the pods' range, which does not overlap existingCluster.${key} ${other}`);
    }
  });
}
