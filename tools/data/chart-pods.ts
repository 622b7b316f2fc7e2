/**
 * Pods each Helm chart creates at its pinned version, from the values the program sets and the chart's
 * defaults for the rest. Read 2026-11-30 from the charts' templates and values.yaml:
 * - kube-prometheus-stack 88.5.3 (prometheus-community/helm-charts at cf408a290aec): the operator
 *   Deployment hard-codes `replicas: 1` (templates/prometheus-operator/deployment.yaml); Prometheus and
 *   Alertmanager run their main container plus the operator's config-reloader (and an init
 *   config-reloader) at `prometheusOperator.prometheusConfigReloader.resources`; `podAntiAffinity: hard`
 *   becomes a required anti-affinity on `podAntiAffinityTopologyKey`; `prometheus.podDisruptionBudget` and
 *   `alertmanager.podDisruptionBudget` default to `enabled: false, minAvailable: 1`. Subcharts:
 *   grafana 12.11.1 (`replicas: 1`, `podDisruptionBudget: {}`; kube-prometheus-stack enables the
 *   dashboards and datasources sidecars, each at `sidecar.resources`), kube-state-metrics 8.4.0
 *   (`replicas: 1`, `podDisruptionBudget: {}`), prometheus-node-exporter 4.56.1 (DaemonSet, default
 *   tolerations `[{effect: NoSchedule, operator: Exists}]`).
 * - prometheus-adapter 5.3.0: `replicas`, `resources`, `podDisruptionBudget.{enabled,minAvailable,maxUnavailable}`.
 * - cloudnative-pg 0.29.0: one operator Deployment, `replicaCount` (default 1), `resources`.
 * - cert-manager v1.21.1: controller, webhook and cainjector Deployments, each `replicaCount` and
 *   `resources`, `podDisruptionBudget.minAvailable`; startupapicheck is a Job (disabled here).
 * - plugin-barman-cloud 0.7.0: one Deployment, `replicaCount` (default 1), `resources`.
 * Pod labels and container ports (for the network model, tools/network/) are the ones those templates
 * put on the pods with the release names the program uses (the operator's for Prometheus and
 * Alertmanager, which it labels `app.kubernetes.io/name: prometheus|alertmanager` and
 * `<kind>: <name>`); they are not templated offline (the archives are not fetched here): refresh with
 * `kubectl get pods -A --show-labels` and `kubectl get pods -o jsonpath='{..ports}'` on a cluster.
 */
import { podRequests, quantity, unconstrainedPod } from "../capacity/pods";
import { PodNetwork, PodTemplate, Workload } from "../capacity/types";

type Values = Record<string, unknown>;
type Resources = { requests?: Record<string, unknown>; limits?: Record<string, unknown> };

/** The chart versions this table describes: another version must be read before the model trusts it. */
export const MODELLED_CHARTS: Record<string, string> = {
  "kube-prometheus-stack": "88.5.3",
  "prometheus-adapter": "5.3.0",
  "cloudnative-pg": "0.29.0",
  "cert-manager": "v1.21.1",
  "plugin-barman-cloud": "0.7.0",
};

/** kube-prometheus-stack's release name in the program (components/monitoring.ts). */
const STACK_RELEASE = "kube-prometheus-stack";

const get = (values: Values, ...path: string[]): unknown =>
  path.reduce<unknown>((v, k) => (v && typeof v === "object" ? (v as Values)[k] : undefined), values);
const num = (value: unknown, fallback: number): number => (typeof value === "number" ? value : fallback);

/** A chart pod: its own labels plus the model's workload label, which the capacity model's affinities select on. */
function template(
  workload: string,
  labels: Record<string, string>,
  containers: (Resources | undefined)[],
  extra: Partial<PodTemplate> = {},
  init: (Resources | undefined)[] = [],
): PodTemplate {
  const { requests, exclusiveCpus } = podRequests(
    containers.map((resources) => ({ resources })),
    init.map((resources) => ({ resources })),
  );
  return unconstrainedPod({ ...labels, "hft.model/workload": workload }, requests, { exclusiveCpus, ...extra });
}

const tcp = (name: string, port: number) => ({ name, port, protocol: "TCP" as const });
const ports = (...list: PodNetwork["ports"]): PodNetwork => ({ ports: list });

/** Labels kube-prometheus-stack's subcharts put on their pods for release `instance`. */
const chartLabels = (name: string, instance: string, extra: Record<string, string> = {}) => ({ "app.kubernetes.io/name": name, "app.kubernetes.io/instance": instance, ...extra });

/** minAvailable a PDB value block guarantees at `replicas` (maxUnavailable counts down from replicas). */
function pdbMinAvailable(pdb: unknown, replicas: number, enabledKey = true): number | undefined {
  if (!pdb || typeof pdb !== "object" || Object.keys(pdb).length === 0) return undefined;
  const p = pdb as Values;
  if (enabledKey && "enabled" in p && p.enabled !== true) return undefined;
  if (typeof p.maxUnavailable === "number") return Math.max(0, replicas - p.maxUnavailable);
  if (typeof p.minAvailable === "number") return p.minAvailable;
  if (typeof p.minAvailable === "string" && p.minAvailable.endsWith("%")) return Math.ceil((replicas * quantity(p.minAvailable.slice(0, -1))) / 100);
  return undefined;
}

function workload(namespace: string, name: string, kind: Workload["kind"], replicas: number, pod: PodTemplate, source: string, network: PodNetwork, minAvailable?: number): Workload {
  return { name: `${namespace}/${name}`, kind, source, replicas, pod, network, ...(minAvailable !== undefined ? { minAvailable } : {}) };
}

/** Prometheus and Alertmanager as the operator labels and ports them for the chart's release `kube-prometheus-stack`. */
const OPERATED = {
  prometheus: {
    labels: {
      "app.kubernetes.io/name": "prometheus",
      "app.kubernetes.io/instance": "kube-prometheus-stack-prometheus",
      prometheus: "kube-prometheus-stack-prometheus",
      "operator.prometheus.io/name": "kube-prometheus-stack-prometheus",
    },
    network: ports(tcp("web", 9090), tcp("reloader-web", 8080)),
  },
  alertmanager: {
    labels: { "app.kubernetes.io/name": "alertmanager", "app.kubernetes.io/instance": "kube-prometheus-stack-alertmanager", alertmanager: "kube-prometheus-stack-alertmanager" },
    network: ports(tcp("http-web", 9093), tcp("mesh-tcp", 9094), { name: "mesh-udp", port: 9094, protocol: "UDP" }, tcp("reloader-web", 8080)),
  },
};

function kubePrometheusStack(values: Values, ns: string, source: string): Workload[] {
  const reloader = get(values, "prometheusOperator", "prometheusConfigReloader", "resources") as Resources | undefined;
  const stateful = (key: "prometheus" | "alertmanager", spec: string): Workload => {
    const s = (get(values, key, spec) ?? {}) as Values;
    const replicas = num(s.replicas, 1);
    const id = `${ns}/${key}`;
    const hard = s.podAntiAffinity === "hard";
    const pod = template(id, OPERATED[key].labels, [s.resources as Resources, reloader], {
      antiAffinity: hard
        ? [{ selector: { matchLabels: { "hft.model/workload": id } }, topologyKey: typeof s.podAntiAffinityTopologyKey === "string" ? s.podAntiAffinityTopologyKey : "kubernetes.io/hostname" }]
        : [],
    }, [reloader]);
    const pdb = get(values, key, "podDisruptionBudget");
    return workload(ns, key, "StatefulSet", replicas, pod, source, OPERATED[key].network, pdbMinAvailable(pdb, replicas));
  };
  const grafanaReplicas = num(get(values, "grafana", "replicas"), 1);
  const sidecar = get(values, "grafana", "sidecar", "resources") as Resources | undefined;
  const ksm = (get(values, "kube-state-metrics") ?? {}) as Values;
  const ksmReplicas = num(ksm.replicas, 1);
  const exporter = (get(values, "prometheus-node-exporter") ?? {}) as Values;
  const exporterNs = typeof exporter.namespaceOverride === "string" ? exporter.namespaceOverride : ns;
  return [
    workload(
      ns,
      "prometheus-operator",
      "Deployment",
      1,
      template(
        `${ns}/prometheus-operator`,
        chartLabels("kube-prometheus-stack-prometheus-operator", STACK_RELEASE, { app: "kube-prometheus-stack-operator", release: STACK_RELEASE }),
        [get(values, "prometheusOperator", "resources") as Resources],
      ),
      source,
      // `prometheusOperator.tls.enabled: false` serves on http 8080 instead of https 10250.
      ports(tcp("http", 8080)),
    ),
    stateful("prometheus", "prometheusSpec"),
    stateful("alertmanager", "alertmanagerSpec"),
    workload(
      ns,
      "grafana",
      "Deployment",
      grafanaReplicas,
      template(`${ns}/grafana`, chartLabels("grafana", STACK_RELEASE), [get(values, "grafana", "resources") as Resources, sidecar, sidecar]),
      source,
      ports(tcp("grafana", 3000)),
      pdbMinAvailable(get(values, "grafana", "podDisruptionBudget"), grafanaReplicas, false),
    ),
    workload(
      ns,
      "kube-state-metrics",
      "Deployment",
      ksmReplicas,
      template(`${ns}/kube-state-metrics`, chartLabels("kube-state-metrics", STACK_RELEASE), [ksm.resources as Resources]),
      source,
      ports(tcp("http", 8080)),
      pdbMinAvailable(ksm.podDisruptionBudget, ksmReplicas, false),
    ),
    workload(
      exporterNs,
      "node-exporter",
      "DaemonSet",
      0,
      template(`${exporterNs}/node-exporter`, chartLabels("prometheus-node-exporter", STACK_RELEASE), [exporter.resources as Resources], {
        tolerations: (exporter.tolerations as PodTemplate["tolerations"]) ?? [{ effect: "NoSchedule", operator: "Exists" }],
      }),
      source,
      { ...ports(tcp("http-metrics", 9100)), hostNetwork: true },
    ),
  ];
}

const simple = (name: string, replicasKey: string, labels: Record<string, string>, network: PodNetwork) => (values: Values, ns: string, source: string): Workload[] => {
  const replicas = num(values[replicasKey], 1);
  const pdb = values.podDisruptionBudget;
  return [workload(ns, name, "Deployment", replicas, template(`${ns}/${name}`, labels, [values.resources as Resources]), source, network, pdbMinAvailable(pdb, replicas))];
};

function certManager(values: Values, ns: string, source: string): Workload[] {
  const parts: [string, Values, string, PodNetwork][] = [
    ["cert-manager", values, "controller", ports(tcp("http-metrics", 9402), tcp("http-healthz", 9403))],
    ["cert-manager-webhook", (values.webhook ?? {}) as Values, "webhook", ports(tcp("https", 10250), tcp("healthcheck", 6080), tcp("http-metrics", 9402))],
    ["cert-manager-cainjector", (values.cainjector ?? {}) as Values, "cainjector", ports(tcp("http-metrics", 9402))],
  ];
  return parts.map(([name, part, component, network]) => {
    const replicas = num(part.replicaCount, 1);
    // The controller is named cert-manager; the webhook and cainjector by their component.
    const labels = chartLabels(component === "controller" ? "cert-manager" : component, "cert-manager", { "app.kubernetes.io/component": component });
    return workload(ns, name, "Deployment", replicas, template(`${ns}/${name}`, labels, [part.resources as Resources]), source, network, pdbMinAvailable(part.podDisruptionBudget, replicas));
  });
}

const CHARTS: Record<string, (values: Values, namespace: string, source: string) => Workload[]> = {
  "kube-prometheus-stack": kubePrometheusStack,
  "prometheus-adapter": simple("prometheus-adapter", "replicas", chartLabels("prometheus-adapter", "prometheus-adapter"), ports(tcp("https", 6443))),
  "cloudnative-pg": simple("cnpg-controller-manager", "replicaCount", chartLabels("cloudnative-pg", "cnpg"), ports(tcp("metrics", 8080), tcp("webhook-server", 9443))),
  "cert-manager": certManager,
  "plugin-barman-cloud": simple("barman-cloud", "replicaCount", chartLabels("plugin-barman-cloud", "barman-cloud"), ports(tcp("grpc", 9090))),
};

/** The stack-file key that pins each chart's version (for the error naming it; a test checks each is a config key). */
export const CHART_VERSION_KEYS: Record<string, string> = {
  "kube-prometheus-stack": "monitoring.kubePrometheusStack.version",
  "prometheus-adapter": "monitoring.prometheusAdapter.version",
  "cloudnative-pg": "timescaledb.charts.cloudnativePg",
  "cert-manager": "certManager.version",
  "plugin-barman-cloud": "timescaledb.charts.barmanCloud",
};

/** A chart release at a version this table does not describe. */
export class UnmodelledChart extends Error {
  constructor(
    readonly chart: string,
    readonly version: string | undefined,
    readonly modelled: string | undefined,
  ) {
    super(`chart ${chart} ${version ?? "(local archive)"} is not modelled in tools/data/chart-pods.ts (which describes ${modelled ?? "no version"}): read its templates and add it`);
    this.name = "UnmodelledChart";
  }
}

/** The workloads a chart release creates; a chart or version the table does not describe is an UnmodelledChart. */
export function chartWorkloads(chart: string, version: string | undefined, namespace: string, values: Values): Workload[] {
  const name = chart.split("/").pop()!.replace(/-[0-9][^/]*\.tgz$/, "");
  const build = CHARTS[name];
  const modelled = MODELLED_CHARTS[name];
  if (!build || (version !== undefined && version !== modelled)) {
    throw new UnmodelledChart(name, version, modelled);
  }
  return build(values, namespace, `chart ${name} ${modelled}`);
}
