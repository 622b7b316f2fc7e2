import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { defaultDenyPolicy } from "./network";

export type PodSecurityLevel = "restricted" | "baseline" | "privileged";

export interface PlatformNamespaceArgs {
  name: string;
  labels: Record<string, string>;
  /** Pod Security Admission level enforced; "restricted" unless a documented exception needs less. */
  podSecurity: PodSecurityLevel;
  provider: k8s.Provider;
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
      childOpts,
    );
    this.name = this.namespace.metadata.name;
    this.defaultDeny = defaultDenyPolicy(args.name, args.labels, { ...childOpts, dependsOn: [this.namespace] });
    this.registerOutputs({ name: this.name });
  }
}
