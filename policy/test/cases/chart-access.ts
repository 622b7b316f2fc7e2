/** Fixtures for the chart access rules: Grafana's RBAC, aggregated APIs' TLS, Secrets in a GitOps export. */
import { K8S } from "../../kubernetes";
import { resource } from "../harness";
import { Case, of } from "./case";

const API_SERVICE = "kubernetes:apiregistration.k8s.io/v1:APIService";
const CLUSTER_ROLE = "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole";

/** kube-prometheus-stack's values as the program sets Grafana's. */
function monitoringStack(): Record<string, unknown> {
  return {
    chart: "kube-prometheus-stack",
    version: "88.5.3",
    values: {
      grafana: {
        rbac: { namespaced: true, useExistingRole: "grafana-sidecar" },
        sidecar: { dashboards: { searchNamespace: ["monitoring"], resource: "configmap" }, datasources: { searchNamespace: ["monitoring"], resource: "configmap" } },
      },
    },
  };
}

function apiService(): Record<string, unknown> {
  return {
    metadata: { name: "v1beta1.custom.metrics.k8s.io", annotations: { "cert-manager.io/inject-ca-from": "monitoring/prometheus-adapter-root-cert" } },
    spec: { service: { name: "prometheus-adapter", namespace: "monitoring" }, group: "custom.metrics.k8s.io", version: "v1beta1", groupPriorityMinimum: 100, versionPriority: 100 },
  };
}

const secret = { metadata: { name: "grafana-admin", namespace: "monitoring" }, type: "Opaque", stringData: { "admin-password": "[secret]" } };
const provider = (renderYamlToDirectory?: string) => ({
  type: "pulumi:providers:kubernetes",
  urn: "urn:pulumi:test::hft-platform::pulumi:providers:kubernetes::hft-gitops",
  name: "hft-gitops",
  props: renderYamlToDirectory ? { renderYamlToDirectory, alwaysRender: "true" } : {},
});

export const CHART_ACCESS_CASES: Case[] = [
  {
    rule: "grafana-rbac-namespaced",
    compliant: () => of(K8S.helmChart, monitoringStack()),
    // kube-prometheus-stack's own default for the dashboards sidecar.
    violating: () => of(K8S.helmChart, monitoringStack(), (c) => (c.values.grafana.sidecar.dashboards.searchNamespace = "ALL")),
    message: /values\.grafana\.sidecar\.dashboards\.searchNamespace includes "ALL": outside the allowed namespaces \["monitoring"\] \(policy config grafana-rbac-namespaced\.searchNamespaces\)/,
  },
  {
    rule: "grafana-no-cluster-role",
    compliant: () => of(CLUSTER_ROLE, { metadata: { name: "kube-prometheus-stack-kube-state-metrics", labels: { "app.kubernetes.io/name": "kube-state-metrics" } }, rules: [] }),
    violating: () =>
      of(CLUSTER_ROLE, {
        metadata: { name: "kube-prometheus-stack-grafana-clusterrole", labels: { "app.kubernetes.io/name": "grafana" } },
        rules: [{ apiGroups: [""], resources: ["configmaps", "secrets"], verbs: ["get", "watch", "list"] }],
      }),
    message: /ClusterRole kube-prometheus-stack-grafana-clusterrole belongs to Grafana and reads secrets in every namespace: set rbac\.namespaced/,
  },
  {
    rule: "apiservice-verifies-tls",
    compliant: () => of(API_SERVICE, apiService()),
    // What prometheus-adapter 5.3.0 renders without certManager.enabled or tls.enable.
    violating: () => of(API_SERVICE, apiService(), (a) => {
      delete a.metadata.annotations;
      a.spec.insecureSkipTLSVerify = true;
    }),
    message: /APIService v1beta1\.custom\.metrics\.k8s\.io sets insecureSkipTLSVerify: true/,
  },
  {
    rule: "prometheus-adapter-verifies-tls",
    compliant: () => of(K8S.helmChart, { chart: "prometheus-adapter", version: "5.3.0", values: { certManager: { enabled: true } } }),
    violating: () => of(K8S.helmChart, { chart: "prometheus-adapter", version: "5.3.0", values: { certManager: { enabled: false } } }),
    message: /values\.certManager\.enabled is false and values\.tls\.enable is null: the chart then renders its APIServices with insecureSkipTLSVerify: true/,
  },
  {
    rule: "gitops-export-no-secret-data",
    // The same Secret through the applying provider is fine; through the rendering one it is not.
    compliant: () => [resource(K8S.secret, secret, "grafana-admin", { provider: provider() })],
    violating: () => [resource(K8S.secret, secret, "grafana-admin", { provider: provider("gitops/local") })],
    message: /Secret monitoring\/grafana-admin with stringData is written to gitops\/local by provider hft-gitops: apply it through the cluster's applying provider/,
  },
];
