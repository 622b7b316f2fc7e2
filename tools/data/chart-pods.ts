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
 */
import { podRequests, quantity, unconstrainedPod } from "../capacity/pods";
import { PodTemplate, Workload } from "../capacity/types";

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

const get = (values: Values, ...path: string[]): unknown =>
  path.reduce<unknown>((v, k) => (v && typeof v === "object" ? (v as Values)[k] : undefined), values);
const num = (value: unknown, fallback: number): number => (typeof value === "number" ? value : fallback);

function template(workload: string, containers: (Resources | undefined)[], extra: Partial<PodTemplate> = {}, init: (Resources | undefined)[] = []): PodTemplate {
  const { requests, exclusiveCpus } = podRequests(
    containers.map((resources) => ({ resources })),
    init.map((resources) => ({ resources })),
  );
  return unconstrainedPod({ "hft.model/workload": workload }, requests, { exclusiveCpus, ...extra });
}

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

function workload(namespace: string, name: string, kind: Workload["kind"], replicas: number, pod: PodTemplate, source: string, minAvailable?: number): Workload {
  return { name: `${namespace}/${name}`, kind, source, replicas, pod, ...(minAvailable !== undefined ? { minAvailable } : {}) };
}

function kubePrometheusStack(values: Values, ns: string, source: string): Workload[] {
  const reloader = get(values, "prometheusOperator", "prometheusConfigReloader", "resources") as Resources | undefined;
  const stateful = (key: "prometheus" | "alertmanager", spec: string): Workload => {
    const s = (get(values, key, spec) ?? {}) as Values;
    const replicas = num(s.replicas, 1);
    const id = `${ns}/${key}`;
    const hard = s.podAntiAffinity === "hard";
    const pod = template(id, [s.resources as Resources, reloader], {
      antiAffinity: hard
        ? [{ selector: { matchLabels: { "hft.model/workload": id } }, topologyKey: typeof s.podAntiAffinityTopologyKey === "string" ? s.podAntiAffinityTopologyKey : "kubernetes.io/hostname" }]
        : [],
    }, [reloader]);
    const pdb = get(values, key, "podDisruptionBudget");
    return workload(ns, key, "StatefulSet", replicas, pod, source, pdbMinAvailable(pdb, replicas));
  };
  const grafanaReplicas = num(get(values, "grafana", "replicas"), 1);
  const sidecar = get(values, "grafana", "sidecar", "resources") as Resources | undefined;
  const ksm = (get(values, "kube-state-metrics") ?? {}) as Values;
  const ksmReplicas = num(ksm.replicas, 1);
  const exporter = (get(values, "prometheus-node-exporter") ?? {}) as Values;
  const exporterNs = typeof exporter.namespaceOverride === "string" ? exporter.namespaceOverride : ns;
  return [
    workload(ns, "prometheus-operator", "Deployment", 1, template(`${ns}/prometheus-operator`, [get(values, "prometheusOperator", "resources") as Resources]), source),
    stateful("prometheus", "prometheusSpec"),
    stateful("alertmanager", "alertmanagerSpec"),
    workload(
      ns,
      "grafana",
      "Deployment",
      grafanaReplicas,
      template(`${ns}/grafana`, [get(values, "grafana", "resources") as Resources, sidecar, sidecar]),
      source,
      pdbMinAvailable(get(values, "grafana", "podDisruptionBudget"), grafanaReplicas, false),
    ),
    workload(ns, "kube-state-metrics", "Deployment", ksmReplicas, template(`${ns}/kube-state-metrics`, [ksm.resources as Resources]), source, pdbMinAvailable(ksm.podDisruptionBudget, ksmReplicas, false)),
    workload(
      exporterNs,
      "node-exporter",
      "DaemonSet",
      0,
      template(`${exporterNs}/node-exporter`, [exporter.resources as Resources], {
        tolerations: (exporter.tolerations as PodTemplate["tolerations"]) ?? [{ effect: "NoSchedule", operator: "Exists" }],
      }),
      source,
    ),
  ];
}

const simple = (name: string, replicasKey: string) => (values: Values, ns: string, source: string): Workload[] => {
  const replicas = num(values[replicasKey], 1);
  const pdb = values.podDisruptionBudget;
  return [workload(ns, name, "Deployment", replicas, template(`${ns}/${name}`, [values.resources as Resources]), source, pdbMinAvailable(pdb, replicas))];
};

function certManager(values: Values, ns: string, source: string): Workload[] {
  return [
    ["cert-manager", values],
    ["cert-manager-webhook", (values.webhook ?? {}) as Values],
    ["cert-manager-cainjector", (values.cainjector ?? {}) as Values],
  ].map(([name, v]) => {
    const part = v as Values;
    const replicas = num(part.replicaCount, 1);
    return workload(ns, name as string, "Deployment", replicas, template(`${ns}/${name as string}`, [part.resources as Resources]), source, pdbMinAvailable(part.podDisruptionBudget, replicas));
  });
}

const CHARTS: Record<string, (values: Values, namespace: string, source: string) => Workload[]> = {
  "kube-prometheus-stack": kubePrometheusStack,
  "prometheus-adapter": simple("prometheus-adapter", "replicas"),
  "cloudnative-pg": simple("cnpg-controller-manager", "replicaCount"),
  "cert-manager": certManager,
  "plugin-barman-cloud": simple("barman-cloud", "replicaCount"),
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
