import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { standardLabels } from "./k8s/labels";
import { MonitoringHandle } from "./k8s/monitoring";
import { PlatformNamespace } from "./k8s/namespace";
import { apiServerEgress, ClusterNetwork, DNS_EGRESS, EgressRule, fromControlPlane, IngressRule, networkPolicy, tcp } from "./k8s/network";
import type { CertManager } from "./cert-manager";


export interface PostgresOperatorArgs {
  /** Exact version of the CloudNativePG chart. */
  cloudnativePg: string;
  /** The Barman Cloud plugin's exact chart version, and the cert-manager that issues its TLS: only when backups need them. */
  backupPlugin?: { barmanCloud: string; certManager: CertManager };
  /** Where the API server calls webhooks from and listens (the node range), and the Service range (the API's ClusterIP). */
  network: ClusterNetwork;
  monitoring: MonitoringHandle;
  /** Production runs two replicas of every controller and webhook. */
  highlyAvailable: boolean;
  provider: k8s.Provider;
}

export const CNPG_NAMESPACE = "cnpg-system";
/** The plugin's name as Clusters, Backups and ObjectStores refer to it. */
export const BARMAN_CLOUD_PLUGIN = "barman-cloud.cloudnative-pg.io";
/** CloudNativePG labels every instance pod with this (jobs and poolers get other values). */
export const CNPG_INSTANCE_POD = { "cnpg.io/podRole": "instance" } as const;

const CNPG_REPO = "https://cloudnative-pg.github.io/charts";
/** Ports from the charts' defaults: operator webhook and metrics, plugin gRPC. */
// The operator's metrics port (8080) is not scraped (no monitor for it), so nothing is let in there.
const PORTS = { cnpgWebhook: 9443, instanceStatus: 8000, plugin: 9090 } as const;

/** Selector labels the charts put on their pods (`<chart name>` and the release name). */
const OPERATOR_PODS = { "app.kubernetes.io/name": "cloudnative-pg", "app.kubernetes.io/instance": "cnpg" };
const PLUGIN_PODS = { "app.kubernetes.io/name": "plugin-barman-cloud", "app.kubernetes.io/instance": "barman-cloud" };

/** Operator pods are restricted-compliant in the charts already; the platform adds requests and limits. */
const small = (cpu: string, memory: string) => ({ requests: { cpu, memory }, limits: { cpu, memory } });

/**
 * The PostgreSQL operator stack, each piece from its pinned chart: the CloudNativePG operator
 * (cluster-wide) and, for backups, the Barman Cloud plugin in the operator's namespace, as the plugin
 * requires, with its mTLS certificates from the platform's cert-manager. Every
 * namespace is restricted and default-deny, with exactly the traffic the controllers and webhooks need.
 */
export class PostgresOperator extends pulumi.ComponentResource {
  readonly namespace = CNPG_NAMESPACE;
  readonly operatorPodSelector = OPERATOR_PODS;
  readonly pluginPodSelector = PLUGIN_PODS;
  /** Creates the postgresql.cnpg.io CRDs and webhooks: every CloudNativePG object depends on it. */
  readonly operator: k8s.helm.v4.Chart;
  /** Creates the barmancloud.cnpg.io CRD and the plugin: ObjectStores and plugin backups depend on it. Only with backupPlugin. */
  readonly barmanCloud?: k8s.helm.v4.Chart;

  constructor(name: string, args: PostgresOperatorArgs, opts?: pulumi.ComponentResourceOptions) {
    super("hft:platform:PostgresOperator", name, {}, opts);
    const k8sOpts = { parent: this, provider: args.provider };
    const replicas = args.highlyAvailable ? 2 : 1;
    const apiServer = apiServerEgress(args.network);
    // Webhook calls come from the API server: on EKS its network interfaces, in the cluster's own subnets.
    const fromApiServer = fromControlPlane(args.network);

    const cnpgLabels = standardLabels({ name: "cloudnative-pg", component: "database-operator" });
    const cnpgNs = new PlatformNamespace(
      CNPG_NAMESPACE,
      { name: CNPG_NAMESPACE, labels: cnpgLabels, podSecurity: "restricted", provider: args.provider },
      { parent: this },
    );
    this.policy("cnpg-operator", CNPG_NAMESPACE, cnpgLabels, OPERATOR_PODS, [{ from: fromApiServer, ports: tcp(PORTS.cnpgWebhook) }], [
      DNS_EGRESS,
      ...apiServer,
      // The instance manager's status endpoint, in whichever namespace a Cluster runs.
      { to: [{ namespaceSelector: {}, podSelector: { matchLabels: CNPG_INSTANCE_POD } }], ports: tcp(PORTS.instanceStatus) },
      ...(args.backupPlugin ? [{ to: [{ podSelector: { matchLabels: PLUGIN_PODS } }], ports: tcp(PORTS.plugin) }] : []),
    ], k8sOpts, cnpgNs);
    if (args.backupPlugin) {
      // The plugin's operator half only answers the CloudNativePG operator; its sidecar half runs in the
      // instance pods and talks to them over a local socket, so it needs no rule here.
      this.policy("barman-cloud", CNPG_NAMESPACE, cnpgLabels, PLUGIN_PODS, [
        { from: [{ podSelector: { matchLabels: OPERATOR_PODS } }], ports: tcp(PORTS.plugin) },
      ], [DNS_EGRESS, ...apiServer], k8sOpts, cnpgNs);
    }

    this.operator = new k8s.helm.v4.Chart(
      "cnpg",
      {
        chart: "cloudnative-pg",
        version: args.cloudnativePg,
        repositoryOpts: { repo: CNPG_REPO },
        namespace: CNPG_NAMESPACE,
        values: {
          fullnameOverride: "cnpg-controller-manager",
          replicaCount: replicas,
          crds: { create: true },
          config: { clusterWide: true },
          resources: small("200m", "512Mi"),
          // PodMonitors for Clusters are created by the platform; dashboards belong to the monitoring stack.
          monitoring: { podMonitorEnabled: false, grafanaDashboard: { create: false } },
        },
      },
      { ...k8sOpts, dependsOn: [cnpgNs] },
    );
    if (args.highlyAvailable) {
      // The chart has no PodDisruptionBudget template (cloudnative-pg 0.29.0, read 2026-11-30): a drain
      // could evict both replicas and, with them, the webhook every CloudNativePG object goes through.
      new k8s.policy.v1.PodDisruptionBudget(
        "cnpg-controller-manager",
        { metadata: { name: "cnpg-controller-manager", namespace: CNPG_NAMESPACE, labels: cnpgLabels }, spec: { minAvailable: 1, selector: { matchLabels: OPERATOR_PODS } } },
        { ...k8sOpts, dependsOn: [cnpgNs] },
      );
    }
    if (args.backupPlugin) {
      this.barmanCloud = new k8s.helm.v4.Chart(
        "barman-cloud",
        {
          chart: "plugin-barman-cloud",
          version: args.backupPlugin.barmanCloud,
          repositoryOpts: { repo: CNPG_REPO },
          namespace: CNPG_NAMESPACE,
          values: {
            // The Service must stay "barman-cloud": the chart's certificates are issued for that name.
            fullnameOverride: "barman-cloud",
            crds: { create: true },
            resources: small("100m", "256Mi"),
          },
        },
        // Its Issuer and Certificates need cert-manager's webhook serving with its CA injected (else
        // "x509: certificate signed by unknown authority" on a fresh cluster); it registers with the operator.
        { ...k8sOpts, dependsOn: [cnpgNs, args.backupPlugin.certManager.chart, args.backupPlugin.certManager.ready, this.operator] },
      );
    }

    this.registerOutputs({ namespace: this.namespace });
  }

  private policy(
    policyName: string,
    namespace: string,
    labels: Record<string, string>,
    podLabels: Record<string, string>,
    ingress: IngressRule[],
    egress: EgressRule[],
    k8sOpts: { parent: pulumi.Resource; provider: k8s.Provider },
    ns: PlatformNamespace,
  ): k8s.networking.v1.NetworkPolicy {
    return networkPolicy(`${namespace}-${policyName}`, { name: policyName, namespace, labels, podSelector: { matchLabels: podLabels }, ingress, egress }, { ...k8sOpts, dependsOn: [ns] });
  }
}
