/**
 * Mutations for the chart access rules: Grafana's RBAC and sidecars, the adapter's APIService TLS,
 * Secrets written by a rendering provider. Objects the charts template at a real preview are added
 * as the chart would render them with the wrong values.
 */
import { K8S } from "../../kubernetes";
import { Entry, find, Inventory, Mutation } from "./kit";

const chart = (inv: Inventory, name: string) => find(inv, `chart ${name}`, (e) => e.type === K8S.helmChart && e.name === name);
const grafanaValues = (inv: Inventory) => chart(inv, "kube-prometheus-stack").inputs.values.grafana;

/** An object as a chart's child registers it. */
function added(inv: Inventory, type: string, name: string, inputs: Record<string, unknown>): string {
  const entry = { urn: `urn:pulumi:prod::hft-platform::kubernetes:helm.sh/v4:Chart$${type}::${name}`, type, name, custom: true, inputs } as Entry;
  inv.push(entry);
  return entry.urn;
}

export const CHART_ACCESS_MUTATIONS: Mutation[] = [
  {
    name: "turn Grafana's namespaced RBAC off",
    rule: "grafana-rbac-namespaced",
    kind: "value",
    apply: (inv) => {
      grafanaValues(inv).rbac.namespaced = false;
      return chart(inv, "kube-prometheus-stack").urn;
    },
  },
  {
    name: "let Grafana's dashboard sidecar search every namespace",
    rule: "grafana-rbac-namespaced",
    kind: "value",
    apply: (inv) => {
      grafanaValues(inv).sidecar.dashboards.searchNamespace = "ALL";
      return chart(inv, "kube-prometheus-stack").urn;
    },
  },
  {
    name: "template Grafana's ClusterRole on configmaps and secrets",
    rule: "grafana-no-cluster-role",
    kind: "value",
    apply: (inv) =>
      added(inv, "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole", "monitoring/kube-prometheus-stack-grafana-clusterrole", {
        metadata: { name: "kube-prometheus-stack-grafana-clusterrole", labels: { "app.kubernetes.io/name": "grafana" } },
        rules: [{ apiGroups: [""], resources: ["configmaps", "secrets"], verbs: ["get", "watch", "list"] }],
      }),
  },
  {
    name: "template the adapter's APIService with insecureSkipTLSVerify",
    rule: "apiservice-verifies-tls",
    kind: "value",
    apply: (inv) =>
      added(inv, "kubernetes:apiregistration.k8s.io/v1:APIService", "v1beta1.custom.metrics.k8s.io", {
        metadata: { name: "v1beta1.custom.metrics.k8s.io" },
        spec: { service: { name: "prometheus-adapter", namespace: "monitoring" }, group: "custom.metrics.k8s.io", version: "v1beta1", insecureSkipTLSVerify: true },
      }),
  },
  {
    name: "turn the adapter's cert-manager certificates off",
    rule: "prometheus-adapter-verifies-tls",
    kind: "value",
    apply: (inv) => {
      chart(inv, "prometheus-adapter").inputs.values.certManager.enabled = false;
      return chart(inv, "prometheus-adapter").urn;
    },
  },
  {
    name: "give the Secrets' provider a GitOps export directory",
    rule: "gitops-export-no-secret-data",
    kind: "value",
    apply: (inv) => {
      const secret = find(inv, "a Secret with data", (e) => e.type === K8S.secret && (e.inputs.data !== undefined || e.inputs.stringData !== undefined));
      // The fixture keeps no provider references: the cluster's provider, as the render registers it.
      const provider = secret.provider
        ? find(inv, "the Secret's provider", (e) => e.urn === secret.provider!.split("::").slice(0, -1).join("::"))
        : find(inv, "a Kubernetes provider", (e) => e.type === "pulumi:providers:kubernetes");
      secret.provider ??= `${provider.urn}::${provider.name}-id`;
      provider.inputs.renderYamlToDirectory = "gitops/prod";
      return secret.urn;
    },
  },
];
