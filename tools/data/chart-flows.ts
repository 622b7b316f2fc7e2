/**
 * What the charts' pods need of the network, and the Services they create, at the versions
 * tools/data/chart-pods.ts models (same sources, read 2026-12-07 from the charts' templates and values):
 * - kube-prometheus-stack 88.5.3: the operator, Prometheus (service discovery), kube-state-metrics and
 *   Grafana's sidecars use the API; Prometheus scrapes what the chart's default ServiceMonitors name
 *   (operator http 8080, Prometheus web 9090 and reloader-web 8080, Alertmanager http-web 9093 and
 *   reloader-web 8080, Grafana 3000, kube-state-metrics http 8080, CoreDNS metrics 9153 through the
 *   coreDns monitor, node-exporter 9100 and the kubelets 10250 on node addresses, the API server's
 *   endpoints on 443); the controller-manager, scheduler, etcd and kube-proxy monitors are off
 *   (components/monitoring-values.ts). Prometheus sends alerts to Alertmanager's pods (endpoints
 *   discovery, port http-web); Grafana's provisioned datasources are the Prometheus and Alertmanager
 *   Services; Alertmanager replicas gossip on 9094 TCP and UDP; receivers are on the internet over HTTPS.
 * - prometheus-adapter 5.3.0: Service port 443 -> targetPort https (6443), the APIService the API
 *   server calls through it (templates/service.yaml, custom-metrics-apiservice.yaml); queries Prometheus
 *   at `prometheus.url` (the stack's Service).
 * - cloudnative-pg 0.29.0: `cnpg-webhook-service` 443 -> webhook-server 9443, called by the API server;
 *   the operator calls each instance's status port 8000 (CloudNativePG "Security", exposed ports).
 * - cert-manager v1.21.1: `cert-manager-webhook` 443 -> https 10250, called by the API server; all three
 *   controllers use the API.
 * - plugin-barman-cloud 0.7.0: Service `barman-cloud` 9090 (gRPC, mTLS), called by the operator.
 * Not templated offline (no chart archives here): refresh against `helm template` of each pinned chart.
 */
import type { Address } from "../network/evaluate";
import type { ModelService, NeededFlow, PodsRef } from "../network/types";

export interface ChartContext {
  /** The control plane's ranges: each is a source of webhook calls and an API server address. */
  controlPlane: Address[];
  /** Port of the API server's endpoints (443 on EKS, 6443 on kubeadm and kind). */
  apiServerPort: number;
  nodes: Address;
  internet: Address;
}

type Values = Record<string, unknown>;
const STACK = "kube-prometheus-stack";
const pods = (namespace: string, matchLabels: Record<string, string>): PodsRef => ({ namespace, selector: { matchLabels } });
const service = (namespace: string, name: string, selector: Record<string, string>, ports: [number, number | string, ("TCP" | "UDP")?][]): ModelService => ({
  namespace,
  name,
  selector,
  ports: ports.map(([port, targetPort, protocol]) => ({ port, targetPort, protocol: protocol ?? "TCP" })),
});

/** Every flow a set of pods needs to the API server, through the `kubernetes` Service. */
export function apiFlow(name: string, from: PodsRef, declaredBy: string): NeededFlow {
  return { name: `${name} -> API server`, declaredBy, from: { pods: from }, to: { service: "default/kubernetes", port: 443 }, protocol: "TCP" };
}

/** The API server's calls to a webhook or aggregated API, from each of the control plane's ranges. */
function fromControlPlane(ctx: ChartContext, what: string, declaredBy: string, to: PodsRef, port: string): NeededFlow[] {
  return ctx.controlPlane.map((address) => ({ name: `API server ${address.cidr} -> ${what}`, declaredBy, from: { address }, to: { pods: to, port }, protocol: "TCP" }));
}

function kubePrometheusStack(ns: string, values: Values, ctx: ChartContext) {
  const src = `chart kube-prometheus-stack 88.5.3`;
  const p = {
    prometheus: pods(ns, { "app.kubernetes.io/name": "prometheus", "app.kubernetes.io/instance": `${STACK}-prometheus` }),
    alertmanager: pods(ns, { "app.kubernetes.io/name": "alertmanager", "app.kubernetes.io/instance": `${STACK}-alertmanager` }),
    grafana: pods(ns, { "app.kubernetes.io/name": "grafana", "app.kubernetes.io/instance": STACK }),
    ksm: pods(ns, { "app.kubernetes.io/name": "kube-state-metrics", "app.kubernetes.io/instance": STACK }),
    operator: pods(ns, { "app.kubernetes.io/name": `${STACK}-prometheus-operator`, "app.kubernetes.io/instance": STACK }),
    coredns: pods("kube-system", { "k8s-app": "kube-dns" }),
  };
  const exporterNs = ((values["prometheus-node-exporter"] as Values | undefined)?.namespaceOverride as string | undefined) ?? ns;
  const scrape = (target: keyof typeof p, port: string, monitor: string): NeededFlow => ({
    name: `scrape ${p[target].namespace}/${target} ${port}`,
    declaredBy: `${src}: ServiceMonitor ${monitor}`,
    from: { pods: p.prometheus },
    to: { pods: p[target], port },
    protocol: "TCP",
  });
  const alertmanagers = Number(((values.alertmanager as Values | undefined)?.alertmanagerSpec as Values | undefined)?.replicas ?? 1);
  const flows: NeededFlow[] = [
    ...(["operator", "prometheus", "ksm", "grafana"] as const).map((k) => apiFlow(`${ns}/${k}`, p[k], src)),
    scrape("operator", "http", "operator"),
    scrape("prometheus", "web", "prometheus"),
    scrape("prometheus", "reloader-web", "prometheus"),
    scrape("alertmanager", "http-web", "alertmanager"),
    scrape("alertmanager", "reloader-web", "alertmanager"),
    scrape("grafana", "grafana", "grafana"),
    scrape("ksm", "http", "kube-state-metrics"),
    scrape("coredns", "metrics", "coredns"),
    { name: `scrape ${exporterNs}/node-exporter`, declaredBy: `${src}: ServiceMonitor node-exporter (host network)`, from: { pods: p.prometheus }, to: { address: ctx.nodes, port: 9100 }, protocol: "TCP" },
    { name: "scrape kubelets", declaredBy: `${src}: ServiceMonitor kubelet`, from: { pods: p.prometheus }, to: { address: ctx.nodes, port: 10250 }, protocol: "TCP" },
    ...ctx.controlPlane.map((address): NeededFlow => ({ name: `scrape API server ${address.cidr}`, declaredBy: `${src}: ServiceMonitor apiserver (its endpoints)`, from: { pods: p.prometheus }, to: { address, port: ctx.apiServerPort }, protocol: "TCP" })),
    { name: "alerts -> alertmanager", declaredBy: `${src}: Prometheus alerting (endpoints of the Alertmanager Service)`, from: { pods: p.prometheus }, to: { pods: p.alertmanager, port: "http-web" }, protocol: "TCP" },
    { name: "grafana -> prometheus", declaredBy: `${src}: Grafana datasource`, from: { pods: p.grafana }, to: { service: `${ns}/${STACK}-prometheus`, port: 9090 }, protocol: "TCP" },
    { name: "grafana -> alertmanager", declaredBy: `${src}: Grafana datasource`, from: { pods: p.grafana }, to: { service: `${ns}/${STACK}-alertmanager`, port: 9093 }, protocol: "TCP" },
    { name: "alertmanager -> receivers", declaredBy: `${src}: Alertmanager receivers (monitoring.alertmanager.receivers)`, from: { pods: p.alertmanager }, to: { address: ctx.internet, port: 443 }, protocol: "TCP" },
    ...(alertmanagers > 1
      ? (["TCP", "UDP"] as const).map((protocol): NeededFlow => ({
          name: `alertmanager mesh ${protocol}`,
          declaredBy: `${src}: Alertmanager cluster (${alertmanagers} replicas)`,
          from: { pods: p.alertmanager },
          to: { pods: p.alertmanager, port: protocol === "TCP" ? "mesh-tcp" : "mesh-udp" },
          protocol,
        }))
      : []),
  ];
  const services = [
    service(ns, `${STACK}-prometheus`, { "app.kubernetes.io/name": "prometheus", "operator.prometheus.io/name": `${STACK}-prometheus` }, [[9090, 9090], [8080, 8080]]),
    service(ns, `${STACK}-alertmanager`, { "app.kubernetes.io/name": "alertmanager", alertmanager: `${STACK}-alertmanager` }, [[9093, 9093], [8080, 8080]]),
    service(ns, `${STACK}-grafana`, { "app.kubernetes.io/name": "grafana", "app.kubernetes.io/instance": STACK }, [[80, 3000]]),
    service(ns, `${STACK}-kube-state-metrics`, { "app.kubernetes.io/name": "kube-state-metrics", "app.kubernetes.io/instance": STACK }, [[8080, "http"]]),
    service(ns, `${STACK}-operator`, { app: `${STACK}-operator`, release: STACK }, [[8080, "http"]]),
  ];
  return { services, flows };
}

function prometheusAdapter(ns: string, _values: Values, ctx: ChartContext) {
  const src = "chart prometheus-adapter 5.3.0";
  const adapter = pods(ns, { "app.kubernetes.io/name": "prometheus-adapter", "app.kubernetes.io/instance": "prometheus-adapter" });
  return {
    services: [service(ns, "prometheus-adapter", adapter.selector.matchLabels!, [[443, "https"]])],
    flows: [
      apiFlow(`${ns}/prometheus-adapter`, adapter, src),
      { name: "adapter -> prometheus", declaredBy: `${src}: prometheus.url`, from: { pods: adapter }, to: { service: `${ns}/${STACK}-prometheus`, port: 9090 }, protocol: "TCP" },
      ...fromControlPlane(ctx, "adapter", `${src}: APIService v1beta1.custom.metrics.k8s.io`, adapter, "https"),
    ] satisfies NeededFlow[],
  };
}

function cloudnativePg(ns: string, _values: Values, ctx: ChartContext) {
  const src = "chart cloudnative-pg 0.29.0";
  const operator = pods(ns, { "app.kubernetes.io/name": "cloudnative-pg", "app.kubernetes.io/instance": "cnpg" });
  return {
    services: [service(ns, "cnpg-webhook-service", operator.selector.matchLabels!, [[443, "webhook-server"]])],
    flows: [
      apiFlow(`${ns}/cnpg-operator`, operator, src),
      ...fromControlPlane(ctx, "cnpg webhook", `${src}: its admission webhooks`, operator, "webhook-server"),
    ] satisfies NeededFlow[],
  };
}

function certManager(ns: string, _values: Values, ctx: ChartContext) {
  const src = "chart cert-manager v1.21.1";
  const part = (name: string, component: string) => pods(ns, { "app.kubernetes.io/name": name, "app.kubernetes.io/component": component });
  const webhook = part("webhook", "webhook");
  return {
    services: [service(ns, "cert-manager-webhook", webhook.selector.matchLabels!, [[443, "https"]])],
    flows: [
      apiFlow(`${ns}/cert-manager`, part("cert-manager", "controller"), src),
      apiFlow(`${ns}/cert-manager-webhook`, webhook, src),
      apiFlow(`${ns}/cert-manager-cainjector`, part("cainjector", "cainjector"), src),
      ...fromControlPlane(ctx, "cert-manager webhook", `${src}: its admission webhooks`, webhook, "https"),
    ] satisfies NeededFlow[],
  };
}

function barmanCloud(ns: string) {
  const src = "chart plugin-barman-cloud 0.7.0";
  const plugin = pods(ns, { "app.kubernetes.io/name": "plugin-barman-cloud", "app.kubernetes.io/instance": "barman-cloud" });
  const operator = pods(ns, { "app.kubernetes.io/name": "cloudnative-pg", "app.kubernetes.io/instance": "cnpg" });
  return {
    services: [service(ns, "barman-cloud", plugin.selector.matchLabels!, [[9090, 9090]])],
    flows: [
      apiFlow(`${ns}/barman-cloud`, plugin, src),
      { name: "cnpg operator -> barman-cloud plugin", declaredBy: `${src}: the operator calls the plugin's Service`, from: { pods: operator }, to: { service: `${ns}/barman-cloud`, port: 9090 }, protocol: "TCP" },
    ] satisfies NeededFlow[],
  };
}

const CHARTS: Record<string, (namespace: string, values: Values, ctx: ChartContext) => { services: ModelService[]; flows: NeededFlow[] }> = {
  "kube-prometheus-stack": kubePrometheusStack,
  "prometheus-adapter": prometheusAdapter,
  "cloudnative-pg": cloudnativePg,
  "cert-manager": certManager,
  "plugin-barman-cloud": barmanCloud,
};

/** The Services a chart release creates and the flows its pods need; a chart the table lacks is an error. */
export function chartNetwork(chart: string, namespace: string, values: Values, ctx: ChartContext): { services: ModelService[]; flows: NeededFlow[] } {
  const name = chart.split("/").pop()!.replace(/-[0-9][^/]*\.tgz$/, "");
  const build = CHARTS[name];
  if (!build) throw new Error(`chart ${name} has no flows in tools/data/chart-flows.ts: read its templates and add them`);
  return build(namespace, values, ctx);
}
