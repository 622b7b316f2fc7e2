import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ContainerResources, parseQuantity } from "../config";
import { defaultDenyPolicy } from "./network";

export type PodSecurityLevel = "restricted" | "baseline" | "privileged";

export interface PlatformNamespaceArgs {
  name: string;
  labels: Record<string, string>;
  /** Pod Security Admission level enforced; "restricted" unless a documented exception needs less. */
  podSecurity: PodSecurityLevel;
  provider: k8s.Provider;
  /**
   * Applies the Namespace itself when it holds Secrets the program applies (WorkloadCluster.secretsProvider):
   * in a GitOps export they must find it in the cluster. Its NetworkPolicy still goes through `provider`.
   */
  namespaceProvider?: k8s.Provider;
}

/** A namespace with Pod Security Admission enforced and a default-deny NetworkPolicy. */
export class PlatformNamespace extends pulumi.ComponentResource {
  readonly name: pulumi.Output<string>;
  readonly namespace: k8s.core.v1.Namespace;
  readonly defaultDeny: k8s.networking.v1.NetworkPolicy;

  constructor(name: string, args: PlatformNamespaceArgs, opts?: pulumi.ComponentResourceOptions) {
    super("hft:platform:Namespace", name, {}, opts);
    const childOpts = { parent: this, provider: args.provider };
    this.namespace = new k8s.core.v1.Namespace(
      args.name,
      {
        metadata: {
          name: args.name,
          labels: {
            ...args.labels,
            "pod-security.kubernetes.io/enforce": args.podSecurity,
            "pod-security.kubernetes.io/enforce-version": "latest",
            // Warn and audit at "restricted" even where enforcement is relaxed, so exceptions stay visible.
            "pod-security.kubernetes.io/warn": "restricted",
            "pod-security.kubernetes.io/audit": "restricted",
          },
        },
      },
      { parent: this, provider: args.namespaceProvider ?? args.provider },
    );
    this.name = this.namespace.metadata.name;
    this.defaultDeny = defaultDenyPolicy(args.name, args.labels, { ...childOpts, dependsOn: [this.namespace] });
    this.registerOutputs({ name: this.name });
  }
}

/** The pods a namespace is meant to hold: its quota is exactly their sum, so nothing else fits. */
export interface NamespacePods {
  count: number;
  /** Every container of one pod (the containers that run together, not init containers). */
  containers: ContainerResources[];
  persistentVolumeClaims: number;
}

const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);
// Rounded to a microcore first, so a sum such as 3 × 2.2 cores is not pushed a millicore up by float error.
const cpuQuantity = (cores: number) => `${Math.ceil(Math.round(cores * 1e6) / 1000)}m`;
const memoryQuantity = (bytes: number) => `${Math.ceil(bytes / 2 ** 20)}Mi`;

/**
 * A ResourceQuota and LimitRange for a namespace that holds one workload: the quota admits the
 * workload's pods and no more (a stray pod or a resized one fails admission instead of starving the
 * node), and the LimitRange keeps any container within the largest the workload runs.
 */
export function namespaceGuardrails(
  name: string,
  args: { namespace: pulumi.Input<string>; labels: Record<string, string>; pods: NamespacePods },
  opts: pulumi.CustomResourceOptions,
): void {
  const { count, containers } = args.pods;
  const total = (pick: (c: ContainerResources) => string) => count * sum(containers.map((c) => parseQuantity(pick(c))!));
  const largest = (pick: (c: ContainerResources) => string) => Math.max(...containers.map((c) => parseQuantity(pick(c))!));
  const smallest = (pick: (c: ContainerResources) => string) => Math.min(...containers.map((c) => parseQuantity(pick(c))!));
  new k8s.core.v1.ResourceQuota(
    `${name}-quota`,
    {
      metadata: { name: "hft-resource-quota", namespace: args.namespace, labels: args.labels },
      spec: {
        hard: {
          "requests.cpu": cpuQuantity(total((c) => c.cpu)),
          "limits.cpu": cpuQuantity(total((c) => c.limits.cpu)),
          "requests.memory": memoryQuantity(total((c) => c.memory)),
          "limits.memory": memoryQuantity(total((c) => c.limits.memory)),
          persistentvolumeclaims: String(count * args.pods.persistentVolumeClaims),
          "services.loadbalancers": "0",
          "services.nodeports": "0",
        },
      },
    },
    opts,
  );
  new k8s.core.v1.LimitRange(
    `${name}-limits`,
    {
      metadata: { name: "hft-limit-range", namespace: args.namespace, labels: args.labels },
      spec: {
        limits: [
          {
            type: "Container",
            min: { cpu: cpuQuantity(smallest((c) => c.cpu)), memory: memoryQuantity(smallest((c) => c.memory)) },
            max: { cpu: cpuQuantity(largest((c) => c.limits.cpu)), memory: memoryQuantity(largest((c) => c.limits.memory)) },
            // The builders always set resources; a container that states none gets the smallest the workload runs.
            default: { cpu: cpuQuantity(smallest((c) => c.limits.cpu)), memory: memoryQuantity(smallest((c) => c.limits.memory)) },
            defaultRequest: { cpu: cpuQuantity(smallest((c) => c.cpu)), memory: memoryQuantity(smallest((c) => c.memory)) },
          },
        ],
      },
    },
    opts,
  );
}
