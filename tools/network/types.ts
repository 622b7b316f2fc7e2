/** Shapes shared by the network model's parts: who talks to whom, and what the render must allow. */
import type { LabelSelector } from "../label-selector";
import type { Address, Protocol } from "./evaluate";

/** Pods by namespace and labels. */
export interface PodsRef {
  namespace: string;
  selector: LabelSelector;
}

/** The clients of a flow: pods, or a party outside the pod network. */
export type FlowSource = { pods: PodsRef } | { address: Address };

/**
 * Where a flow goes: pods on a port (a number, or a container port's name resolved per pod), a
 * Service by name on one of its ports (judged as the VPC CNI does on EKS), or an address.
 */
export type FlowTarget = { pods: PodsRef; port: number | string } | { service: string; port: number } | { address: Address; port: number; endPort?: number };

/** A flow the platform needs, and where the render says so. */
export interface NeededFlow {
  /** Short, stable: named in the report, the diff and a blocked-flow error. */
  name: string;
  /** What declares it: a monitor, a Service's client, a config key, a chart's documented behaviour. */
  declaredBy: string;
  from: FlowSource;
  to: FlowTarget;
  protocol: Protocol;
}

/** A Service the model knows: the program's, a chart's, or one the operators create. */
export interface ModelService {
  namespace: string;
  name: string;
  selector?: Record<string, string>;
  ports: { port: number; targetPort: number | string; protocol: Protocol }[];
  headless?: boolean;
  /** A Service without a selector answers from these addresses (the `kubernetes` Service: the API server). */
  endpoints?: { addresses: Address[]; port: number };
  /** Its cluster IP when known (kubernetes: the Service range's first address; kube-dns: the tenth). */
  clusterIp?: string;
}
