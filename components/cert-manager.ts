import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { CertManagerConfig } from "./config";
import { standardLabels } from "./k8s/labels";
import { PlatformNamespace } from "./k8s/namespace";
import { apiServerEgress, ClusterNetwork, DNS_EGRESS, fromControlPlane, networkPolicy, tcp } from "./k8s/network";
import { container, restrictedPodSecurityContext } from "./k8s/pod";

export interface CertManagerArgs extends CertManagerConfig {
  /** Where the API server calls the webhook from (the node range), and the Service range (the API's ClusterIP). */
  network: ClusterNetwork;
  /** Namespace whose Prometheus scrapes the controllers' metrics. */
  monitoringNamespace: string;
  /** Production runs two replicas of every controller and of the webhook. */
  highlyAvailable: boolean;
  provider: k8s.Provider;
  /** URN of the component that held cert-manager before it was its own (keeps a deployed stack's objects in place). */
  formerParent?: pulumi.Input<string>;
}

export const CERT_MANAGER_NAMESPACE = "cert-manager";
const JETSTACK_REPO = "https://charts.jetstack.io";
/** Ports from the chart's defaults: webhook and metrics. */
const PORTS = { webhook: 10250 } as const;

const small = (cpu: string, memory: string) => ({ requests: { cpu, memory }, limits: { cpu, memory } });

/**
 * cert-manager, the platform's certificate issuer: the metrics adapter's serving certificate (its
 * APIService verifies TLS with the CA cainjector puts in it) and, with backups, the mTLS between the
 * CloudNativePG operator and the Barman Cloud plugin. Restricted and default-deny, with the traffic
 * its webhook and controllers need. Issuers and Certificates depend on `ready`.
 */
export class CertManager extends pulumi.ComponentResource {
  readonly chart: k8s.helm.v4.Chart;
  /** Completes once cert-manager's webhook answers with its CA injected: Issuers and Certificates wait for it. */
  readonly ready: k8s.batch.v1.Job;

  constructor(name: string, args: CertManagerArgs, opts?: pulumi.ComponentResourceOptions) {
    super("hft:platform:CertManager", name, {}, opts);
    const aliases = args.formerParent ? [{ parent: args.formerParent }] : [];
    const k8sOpts = { parent: this, provider: args.provider, aliases };
    const replicas = args.highlyAvailable ? 2 : 1;
    const labels = standardLabels({ name: "cert-manager", component: "certificates" });
    const namespace = new PlatformNamespace(
      CERT_MANAGER_NAMESPACE,
      { name: CERT_MANAGER_NAMESPACE, labels, podSecurity: "restricted", provider: args.provider },
      { parent: this, aliases },
    );
    // Every pod in the namespace is a cert-manager controller: one policy fits them all.
    networkPolicy(
      `${CERT_MANAGER_NAMESPACE}-cert-manager`,
      {
        name: "cert-manager",
        namespace: CERT_MANAGER_NAMESPACE,
        labels,
        podSelector: {},
        // Webhook calls come from the API server: on EKS its network interfaces, in the cluster's own subnets.
        // The metrics port is not scraped (no monitor for it), so nothing is let in there.
        ingress: [{ from: fromControlPlane(args.network), ports: tcp(PORTS.webhook) }],
        egress: [DNS_EGRESS, ...apiServerEgress(args.network)],
      },
      { ...k8sOpts, dependsOn: [namespace] },
    );
    this.chart = new k8s.helm.v4.Chart(
      "cert-manager",
      {
        chart: "cert-manager",
        version: args.version,
        repositoryOpts: { repo: JETSTACK_REPO },
        namespace: CERT_MANAGER_NAMESPACE,
        values: {
          crds: { enabled: true, keep: true },
          // Leader election defaults to kube-system; keep the Leases next to the controllers.
          global: { leaderElection: { namespace: CERT_MANAGER_NAMESPACE } },
          // startupapicheck (and its RBAC) are Helm post-install hooks, which the v4 Chart omits
          // (@pulumi/kubernetes 4.34.2 ChartArgs.includeHooks: "hooks are not supported" outside render
          // mode): the Job below runs the same check.
          startupapicheck: { enabled: false },
          replicaCount: replicas,
          podDisruptionBudget: { enabled: args.highlyAvailable, minAvailable: 1 },
          resources: small("100m", "256Mi"),
          webhook: { replicaCount: replicas, podDisruptionBudget: { enabled: args.highlyAvailable, minAvailable: 1 }, resources: small("50m", "64Mi") },
          cainjector: { replicaCount: replicas, podDisruptionBudget: { enabled: args.highlyAvailable, minAvailable: 1 }, resources: small("100m", "256Mi") },
          prometheus: { enabled: true, servicemonitor: { enabled: false } },
        },
      },
      { ...k8sOpts, dependsOn: [namespace] },
    );
    this.ready = this.apiCheck(args.version, k8sOpts);
    this.registerOutputs({});
  }

  /**
   * cert-manager's own start-up check, as the chart's hook would run it (templates/startupapicheck-*.yaml
   * at v1.21.1, read 2026-11-30): `cmctl check api` makes dry-run CertificateRequests until the webhook
   * accepts them, which needs the webhook serving and cainjector's CA in the webhook configuration.
   * pulumi-kubernetes waits for a Job to complete (await/job.go), so dependents start after it.
   */
  private apiCheck(version: string, k8sOpts: pulumi.CustomResourceOptions): k8s.batch.v1.Job {
    const name = "cert-manager-startupapicheck";
    const labels = standardLabels({ name: "cert-manager", component: "startupapicheck" });
    const meta = { name, namespace: CERT_MANAGER_NAMESPACE, labels };
    const afterChart = { ...k8sOpts, dependsOn: [this.chart] };
    const account = new k8s.core.v1.ServiceAccount(name, { metadata: meta, automountServiceAccountToken: true }, afterChart);
    const role = new k8s.rbac.v1.Role(name, { metadata: meta, rules: [{ apiGroups: ["cert-manager.io"], resources: ["certificaterequests"], verbs: ["create"] }] }, afterChart);
    const binding = new k8s.rbac.v1.RoleBinding(
      name,
      {
        metadata: meta,
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: role.metadata.name },
        subjects: [{ kind: "ServiceAccount", name: account.metadata.name, namespace: CERT_MANAGER_NAMESPACE }],
      },
      k8sOpts,
    );
    return new k8s.batch.v1.Job(
      name,
      {
        metadata: meta,
        spec: {
          backoffLimit: 4,
          template: {
            metadata: { labels },
            spec: {
              restartPolicy: "OnFailure",
              serviceAccountName: account.metadata.name,
              securityContext: restrictedPodSecurityContext(),
              containers: [
                container({
                  name: "startupapicheck",
                  // The chart's image for this version: quay.io/jetstack/cert-manager-startupapicheck:<appVersion>.
                  image: `quay.io/jetstack/cert-manager-startupapicheck:${version}`,
                  args: ["check", "api", "--wait=1m", "-v"],
                  env: [{ name: "POD_NAMESPACE", valueFrom: { fieldRef: { fieldPath: "metadata.namespace" } } }],
                  resources: { cpu: "50m", memory: "64Mi" },
                }),
              ],
            },
          },
        },
      },
      { ...k8sOpts, dependsOn: [this.chart, binding] },
    );
  }
}
