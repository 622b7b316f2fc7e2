/** Shapes shared by the capacity model's parts (CPU in cores, memory in bytes). */
import type { LabelSelector, MatchExpression } from "../label-selector";

export interface Toleration {
  key?: string;
  operator?: "Equal" | "Exists";
  value?: string;
  effect?: string;
}

export interface Taint {
  key: string;
  value: string;
  effect: "NoSchedule" | "NoExecute" | "PreferNoSchedule";
}


export interface Requests {
  cpu: number;
  memory: number;
  hugepages2Mi: number;
}

/** One pod template as the scheduler sees it. */
export interface PodTemplate {
  labels: Record<string, string>;
  requests: Requests;
  /** Whole CPUs each container would get from the static CPU manager (Guaranteed pod, integer CPU). */
  exclusiveCpus: number[];
  /** The pod's PriorityClass, when it names one. */
  priorityClassName?: string;
  tolerations: Toleration[];
  nodeSelector: Record<string, string>;
  /** Required node affinity: any one term must match. */
  nodeAffinity: MatchExpression[][];
  antiAffinity: { selector: LabelSelector; topologyKey: string }[];
  spread: { selector: LabelSelector; topologyKey: string; maxSkew: number }[];
}

/** What the network model needs of a pod: its container ports and whether it shares the node's network. */
export interface PodNetwork {
  ports: { name?: string; port: number; protocol: "TCP" | "UDP" | "SCTP" }[];
  hostNetwork?: boolean;
}

export interface Workload {
  /** `<namespace>/<name>`. */
  name: string;
  kind: "Deployment" | "StatefulSet" | "DaemonSet" | "Cluster" | "CronJob";
  /** Where the model took it from (the program, a chart at its version, an EKS add-on). */
  source: string;
  replicas: number;
  /** HPA maximum, when an HPA scales it. */
  maxReplicas?: number;
  /** Pods a disruption budget keeps available, at configured replicas. */
  minAvailable?: number;
  /** Below default priority and never preempting (a batch drill): evicted, not placed, when a node is lost. */
  preemptible?: boolean;
  pod: PodTemplate;
  /** Ports and host networking, where the source says them (the network model's pods). */
  network?: PodNetwork;
}

/** A node group as the render declares it: its instances, sizes, zones and scheduling marks. */
export interface NodeGroupShape {
  name: string;
  instanceType: string;
  nodes: number;
  minSize: number;
  maxSize: number;
  zones: string[];
  labels: Record<string, string>;
  taints: Taint[];
}

export interface NodeGroupModel extends NodeGroupShape {
  allocatable: { cpu: number; memory: number; hugepages2Mi: number; pods: number };
  /** Static CPU manager: exclusive CPUs per NUMA node, and whether a container must get whole cores. */
  staticCpu?: { cpusPerNuma: number[]; threadsPerCore: number; fullPcpusOnly: boolean; singleNumaNode: boolean };
  /** How the reservations were found: the NodeConfig in the launch template, or nodeadm's defaults. */
  reservations: { source: string; cpu: number; memory: number; hugepages: number };
}
