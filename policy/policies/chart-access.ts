/**
 * What the charts' own identities and endpoints may do: Grafana reads its dashboards and
 * datasources in its namespace, never a Secret cluster-wide; an aggregated API (the metrics adapter
 * the engine's HPA trusts) is verified by TLS; a GitOps export holds no Secret value.
 *
 * Two views of each: the chart values (what the offline gate sees: a v4 Chart's inputs never reach
 * policies at a real preview, pulumi/pulumi#10533) and the objects the charts template (what a real
 * preview sees: the Chart's children).
 */
import { PolicyConfigSchema } from "@pulumi/policy";
import { K8S, ObjectMeta } from "../kubernetes";
import { asArray, HftPolicy, requireComponentInputs, resourceRule } from "../rules";

const API_SERVICE = "kubernetes:apiregistration.k8s.io/v1:APIService";
const CLUSTER_ROLE = "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole";
const CLUSTER_ROLE_BINDING = "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding";
/** cert-manager's cainjector fills an APIService's caBundle from this Certificate's CA (cert-manager docs, "CA Injector", read 2026-12-07). */
const INJECT_CA = "cert-manager.io/inject-ca-from";

type Values = Record<string, unknown>;
interface ChartProps {
  chart?: string;
  values?: Values;
}

/** Whether a Chart's `chart` (a name, or a local `<name>-<x.y.z>.tgz`) is `name`. */
const isChart = (chart: ChartProps, name: string) => typeof chart.chart === "string" && new RegExp(`(^|/)${name}(-\\d+\\.\\d+\\.\\d+\\.tgz)?$`).test(chart.chart);
const section = (values: unknown, key: string): Values => ((values as Values | undefined)?.[key] ?? {}) as Values;

interface GrafanaConfig {
  searchNamespaces: string[];
}

/**
 * The grafana chart (12.11.1, read 2026-12-07): without `rbac.namespaced` it renders a ClusterRole
 * with get/list/watch on configmaps and secrets and binds it (templates/clusterrole.yaml,
 * clusterrolebinding.yaml); with it, a Role with the same verbs on configmaps and secrets in its
 * namespace (templates/role.yaml) unless `rbac.useExistingRole` names one to bind instead.
 * kube-prometheus-stack 88.5.3 sets `grafana.sidecar.dashboards.searchNamespace: ALL`.
 */
const grafanaRbacNamespaced = resourceRule<ChartProps, GrafanaConfig>(
  {
    name: "grafana-rbac-namespaced",
    description:
      "Grafana (kube-prometheus-stack's or its own chart) gets no ClusterRole and reads no Secret: rbac.namespaced true, rbac.useExistingRole naming a Role on ConfigMaps, no extraClusterRoleRules, sidecars searching only the allowed namespaces.",
    enforcementLevel: "mandatory",
    targetTypes: [K8S.helmChart, K8S.helmRelease],
    configSchema: {
      properties: {
        searchNamespaces: {
          type: "array",
          items: { type: "string", minLength: 1 },
          default: ["monitoring"],
          description: "Namespaces Grafana's dashboard and datasource sidecars may search.",
        },
      },
    } satisfies PolicyConfigSchema,
  },
  (chart, report, config, args) => {
    if (args.type === K8S.helmChart) requireComponentInputs(chart, args);
    const stack = isChart(chart, "kube-prometheus-stack");
    if (!stack && !isChart(chart, "grafana")) args.notApplicable("not a chart that installs Grafana");
    const grafana = stack ? section(chart.values, "grafana") : (chart.values ?? {});
    if (grafana.enabled === false) return;
    const at = stack ? "values.grafana" : "values";
    const rbac = section(grafana, "rbac");
    if (rbac.namespaced !== true) {
      report(`${at}.rbac.namespaced is ${JSON.stringify(rbac.namespaced ?? null)}: the grafana chart then binds a ClusterRole with get/list/watch on secrets in every namespace; set it to true.`);
    }
    if (asArray(rbac.extraClusterRoleRules as unknown[]).length > 0) report(`${at}.rbac.extraClusterRoleRules adds a ClusterRole: Grafana needs none.`);
    if (typeof rbac.useExistingRole !== "string" || rbac.useExistingRole.length === 0) {
      report(`${at}.rbac.useExistingRole is not set: the chart's own Role reads Secrets in its namespace; bind a Role on ConfigMaps instead.`);
    }
    const sidecar = section(grafana, "sidecar");
    for (const kind of ["dashboards", "datasources"]) {
      // kube-prometheus-stack's default for dashboards is ALL; the grafana chart's is its own namespace.
      const searched: unknown = section(sidecar, kind).searchNamespace ?? (stack && kind === "dashboards" ? "ALL" : undefined);
      const namespaces = Array.isArray(searched) ? searched.map((n) => (typeof n === "string" ? n : JSON.stringify(n))) : typeof searched === "string" ? searched.split(",") : [];
      for (const ns of namespaces.filter((n) => !config.searchNamespaces.includes(n))) {
        report(`${at}.sidecar.${kind}.searchNamespace includes ${JSON.stringify(ns)}: outside the allowed namespaces ${JSON.stringify(config.searchNamespaces)} (policy config grafana-rbac-namespaced.searchNamespaces).`);
      }
    }
  },
);

interface RbacObject {
  metadata?: ObjectMeta;
  rules?: { apiGroups?: string[]; resources?: string[]; verbs?: string[] }[];
}

/** The templated objects' view of the same rule: no ClusterRole or ClusterRoleBinding of Grafana. */
const grafanaNoClusterRole = resourceRule<RbacObject>(
  {
    name: "grafana-no-cluster-role",
    description: "No ClusterRole or ClusterRoleBinding belongs to Grafana (labelled app.kubernetes.io/name: grafana): its sidecars read ConfigMaps in their own namespace only.",
    enforcementLevel: "mandatory",
    targetTypes: [CLUSTER_ROLE, CLUSTER_ROLE_BINDING],
  },
  (object, report, _config, args) => {
    if (object.metadata?.labels?.["app.kubernetes.io/name"] !== "grafana") return;
    const secrets = asArray(object.rules).some((r) => asArray(r.resources).some((res) => res === "secrets" || res === "*"));
    report(`${args.type.split(":").pop()} ${object.metadata.name ?? ""} belongs to Grafana${secrets ? " and reads secrets in every namespace" : ""}: set rbac.namespaced with rbac.useExistingRole in its chart values.`);
  },
);

interface ApiServiceProps {
  metadata?: ObjectMeta;
  spec?: { insecureSkipTLSVerify?: boolean; caBundle?: string; service?: { name?: string; namespace?: string } };
}

/** An aggregated API served in the cluster: the API server must verify whom it forwards to. */
const apiServiceVerifiesTls = resourceRule<ApiServiceProps>(
  {
    name: "apiservice-verifies-tls",
    description:
      "An APIService backed by a Service verifies its TLS: no insecureSkipTLSVerify, and a caBundle or cert-manager's inject-ca-from annotation (the HPA that sizes the engine trusts what answers custom.metrics.k8s.io).",
    enforcementLevel: "mandatory",
    targetTypes: [API_SERVICE],
  },
  (apiService, report) => {
    // Local APIServices (no service) are served by the API server itself.
    if (!apiService.spec?.service) return;
    const name = apiService.metadata?.name ?? "";
    if (apiService.spec.insecureSkipTLSVerify === true) report(`APIService ${name} sets insecureSkipTLSVerify: true: give it a caBundle (or ${INJECT_CA}).`);
    else if (!apiService.spec.caBundle && !apiService.metadata?.annotations?.[INJECT_CA]) report(`APIService ${name} has no caBundle and no ${INJECT_CA} annotation: the API server cannot verify the service.`);
  },
);

/**
 * prometheus-adapter 5.3.0 (templates/*-apiservice.yaml, read 2026-12-07) renders
 * `insecureSkipTLSVerify: true` unless `tls.enable` (a CA in the values) or `certManager.enabled`
 * (its own Issuers and Certificates, CA injected by cainjector).
 */
const adapterApiServiceTls = resourceRule<ChartProps>(
  {
    name: "prometheus-adapter-verifies-tls",
    description: "The prometheus-adapter chart's APIServices verify TLS: certManager.enabled (or tls.enable), else the chart renders insecureSkipTLSVerify: true.",
    enforcementLevel: "mandatory",
    targetTypes: [K8S.helmChart, K8S.helmRelease],
  },
  (chart, report, _config, args) => {
    if (args.type === K8S.helmChart) requireComponentInputs(chart, args);
    if (!isChart(chart, "prometheus-adapter")) args.notApplicable("not the prometheus-adapter chart");
    const certManager = section(chart.values, "certManager").enabled;
    const tls = section(chart.values, "tls").enable;
    if (certManager !== true && tls !== true) {
      report(`values.certManager.enabled is ${JSON.stringify(certManager ?? null)} and values.tls.enable is ${JSON.stringify(tls ?? null)}: the chart then renders its APIServices with insecureSkipTLSVerify: true; set certManager.enabled.`);
    }
  },
);

interface SecretProps {
  metadata?: ObjectMeta;
  data?: unknown;
  stringData?: unknown;
}

/**
 * A provider with `renderYamlToDirectory` writes every object it is given into files, Secrets with
 * their values in base64 (pulumi-kubernetes provider.go, render mode; read 2026-12-07). The program
 * applies Secrets through the cluster's applying provider instead (docs/gitops.md).
 */
const gitopsExportNoSecretData = resourceRule<SecretProps>(
  {
    name: "gitops-export-no-secret-data",
    description: "A Secret written by a rendering provider (renderYamlToDirectory: a GitOps export) carries no data or stringData: Secrets reach the cluster through the applying provider, never through the export's files.",
    enforcementLevel: "mandatory",
    targetTypes: [K8S.secret],
  },
  (secret, report, _config, args) => {
    const directory: unknown = args.provider?.props.renderYamlToDirectory;
    if (typeof directory !== "string" || directory.length === 0) return;
    const fields = (["data", "stringData"] as const).filter((f) => secret[f] !== undefined && secret[f] !== null);
    if (fields.length > 0) {
      report(`Secret ${secret.metadata?.namespace ?? ""}/${secret.metadata?.name ?? ""} with ${fields.join(" and ")} is written to ${directory} by provider ${args.provider!.name}: apply it through the cluster's applying provider instead.`);
    }
  },
);

export const chartAccessPolicies: HftPolicy[] = [grafanaRbacNamespaced, grafanaNoClusterRole, apiServiceVerifiesTls, adapterApiServiceTls, gitopsExportNoSecretData];
