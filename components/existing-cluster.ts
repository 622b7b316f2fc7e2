import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { KubeconfigSource } from "./config";
import { renderTo } from "./k8s/workload-cluster";

export interface ExistingClusterArgs {
  kubeconfig: KubeconfigSource;
  /** GitOps export: the provider writes manifests here instead of applying them. */
  renderYamlToDirectory?: string;
}

/**
 * A cluster this program does not create (kind, minikube, bare metal, an EKS cluster managed
 * elsewhere): only a Kubernetes provider for it. The provider gets the kubeconfig's path, read on
 * the machine that runs Pulumi, never its contents, so no credential lands in the stack's state;
 * without a path it uses `KUBECONFIG` or `~/.kube/config`, like kubectl.
 */
export class ExistingCluster extends pulumi.ComponentResource {
  /** Applies the workloads, or with renderYamlToDirectory writes them to that directory. */
  readonly provider: k8s.Provider;
  /** Applies Secrets and their Namespaces even in a GitOps export (WorkloadCluster.secretsProvider). */
  readonly secretsProvider: k8s.Provider;

  constructor(name: string, args: ExistingClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    super("hft:platform:ExistingCluster", name, {}, opts);
    const cluster = { kubeconfig: args.kubeconfig.path, context: args.kubeconfig.context, enableServerSideApply: true };
    this.provider = new k8s.Provider(name, { ...cluster, ...(args.renderYamlToDirectory ? renderTo(args.renderYamlToDirectory) : {}) }, { parent: this });
    this.secretsProvider = args.renderYamlToDirectory ? new k8s.Provider(`${name}-secrets`, cluster, { parent: this }) : this.provider;
    this.registerOutputs({});
  }
}
