import { beforeAll, describe, expect, it } from "vitest";
import { runStack, StackRun } from "../tools/harness";
import { Inventory } from "./inventory";

let run: StackRun;
let inv: Inventory;

const CHART = "kubernetes:helm.sh/v4:Chart";
const stackChart = () => inv.one(CHART, "kube-prometheus-stack");
const values = () => stackChart().inputs.values as any;
const adapter = () => inv.one(CHART, "prometheus-adapter").inputs as any;

/** Every key path in a values tree, for "this key is set nowhere" checks. */
function keyPaths(value: unknown, prefix = ""): string[] {
  if (!value || typeof value !== "object") return [];
  return Object.entries(value).flatMap(([k, v]) => [`${prefix}${k}`, ...keyPaths(v, `${prefix}${k}.`)]);
}

function expectRequestsAndLimits(resources: any, what: string): void {
  for (const side of ["requests", "limits"]) {
    expect(resources?.[side]?.cpu, `${what} ${side}.cpu`).toBeTruthy();
    expect(resources?.[side]?.memory, `${what} ${side}.memory`).toBeTruthy();
  }
}

beforeAll(async () => {
  run = await runStack("prod");
  inv = new Inventory(run.inventory);
});

describe("prod kube-prometheus-stack chart", () => {
  it("is the pinned chart from its repository, released into the monitoring namespace", () => {
    const chart = stackChart();
    expect(chart.custom).toBe(false);
    expect(chart.inputs).toMatchObject({
      chart: "kube-prometheus-stack",
      version: "88.5.3",
      repositoryOpts: { repo: "https://prometheus-community.github.io/helm-charts" },
      name: "kube-prometheus-stack",
      namespace: "monitoring",
    });
    expect(values().fullnameOverride).toBe("kube-prometheus-stack");
    expect(values().crds).toEqual({ enabled: true });
  });

  it("does not scrape EKS's managed control plane or kube-proxy", () => {
    for (const component of ["kubeControllerManager", "kubeScheduler", "kubeEtcd", "kubeProxy"]) {
      expect(values()[component], component).toEqual({ enabled: false });
    }
  });

  it("selects monitors and rules from every namespace, not just the release's", () => {
    const spec = values().prometheus.prometheusSpec;
    for (const key of ["rule", "serviceMonitor", "podMonitor", "probe", "scrapeConfig"]) {
      expect(spec[`${key}SelectorNilUsesHelmValues`], key).toBe(false);
    }
  });

  it("keeps 30 days / 450 GiB of metrics on fast-ssd volumes that outlive the StatefulSet, one replica per zone", () => {
    const spec = values().prometheus.prometheusSpec;
    expect(spec).toMatchObject({ replicas: 2, retention: "30d", retentionSize: "450GB", scrapeInterval: "15s" });
    expect(spec.storageSpec.volumeClaimTemplate.spec).toEqual({
      storageClassName: "fast-ssd",
      accessModes: ["ReadWriteOnce"],
      resources: { requests: { storage: "500Gi" } },
    });
    expect(spec.persistentVolumeClaimRetentionPolicy).toEqual({ whenDeleted: "Retain", whenScaled: "Retain" });
    expect(spec).toMatchObject({ podAntiAffinity: "hard", podAntiAffinityTopologyKey: "topology.kubernetes.io/zone" });
  });

  it("runs three Alertmanagers on gp3 volumes", () => {
    const spec = values().alertmanager.alertmanagerSpec;
    expect(spec.replicas).toBe(3);
    expect(spec.storage.volumeClaimTemplate.spec).toMatchObject({ storageClassName: "gp3", resources: { requests: { storage: "10Gi" } } });
  });

  it("sets requests and limits on every component, the operator and sidecars included", () => {
    const v = values();
    expectRequestsAndLimits(v.prometheusOperator.resources, "operator");
    expectRequestsAndLimits(v.prometheusOperator.prometheusConfigReloader.resources, "config reloader");
    expectRequestsAndLimits(v.prometheus.prometheusSpec.resources, "prometheus");
    expectRequestsAndLimits(v.alertmanager.alertmanagerSpec.resources, "alertmanager");
    expectRequestsAndLimits(v.grafana.resources, "grafana");
    expectRequestsAndLimits(v.grafana.sidecar.resources, "grafana sidecar");
    expectRequestsAndLimits(v["kube-state-metrics"].resources, "kube-state-metrics");
    expectRequestsAndLimits(v["prometheus-node-exporter"].resources, "node-exporter");
    expectRequestsAndLimits(adapter().values.resources, "prometheus-adapter");
    expect(v.prometheus.prometheusSpec.resources).toEqual({ requests: { cpu: "2", memory: "8Gi" }, limits: { cpu: "4", memory: "16Gi" } });
  });

  it("gives every component a restricted security context", () => {
    const v = values();
    const containers = [
      v.prometheusOperator.containerSecurityContext,
      v.grafana.containerSecurityContext,
      v.grafana.sidecar.securityContext,
      v["kube-state-metrics"].containerSecurityContext,
      v["prometheus-node-exporter"].containerSecurityContext,
      adapter().values.securityContext,
    ];
    for (const c of containers) {
      expect(c).toMatchObject({ runAsNonRoot: true, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } });
    }
    const pods = [
      v.prometheusOperator.securityContext,
      v.prometheus.prometheusSpec.securityContext,
      v.alertmanager.alertmanagerSpec.securityContext,
      v.grafana.securityContext,
      v["kube-state-metrics"].securityContext,
      v["prometheus-node-exporter"].securityContext,
      adapter().values.podSecurityContext,
    ];
    for (const p of pods) expect(p).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } });
  });

  it("turns off the admission webhooks and the operator TLS that depend on Helm hook certificates", () => {
    expect(values().prometheusOperator).toMatchObject({
      admissionWebhooks: { enabled: false, patch: { enabled: false }, deployment: { enabled: false } },
      tls: { enabled: false },
    });
  });
});

describe("prod Grafana admin", () => {
  it("comes from the generated grafana-admin Secret, never from a chart default", () => {
    expect(values().grafana.admin).toEqual({ existingSecret: "grafana-admin", userKey: "admin-user", passwordKey: "admin-password" });
    const secret = inv.k8s("kubernetes:core/v1:Secret", "grafana-admin");
    expect(secret.metadata.namespace).toBe("monitoring");
    // The password makes the whole stringData a secret.
    expect(secret.stringData).toBe("[secret]");
    expect(inv.all("random:index/randomPassword:RandomPassword").map((p) => p.name)).toContain("hft-grafana-admin");
  });

  it("sets no admin password anywhere in the chart values", () => {
    const keys = [...keyPaths(values()), ...keyPaths(adapter().values)];
    expect(keys.filter((k) => /adminPassword$/i.test(k))).toEqual([]);
    expect(JSON.stringify(values())).not.toMatch(/prom-operator/);
  });
});

describe("prod Alertmanager routing", () => {
  const config = () => values().alertmanager.config;

  it("sends unrouted alerts to PagerDuty, the Watchdog to the dead man's switch and warnings to Slack", () => {
    expect(config().route).toMatchObject({
      receiver: "trading-oncall",
      routes: [
        { receiver: "heartbeat", matchers: ['alertname = "Watchdog"'], continue: false },
        { receiver: "trading-alerts", matchers: ['severity =~ "warning|info"'], continue: false },
      ],
    });
    expect(config().receivers.map((r: any) => r.name)).toEqual(["trading-oncall", "trading-alerts", "heartbeat"]);
    expect(config().receivers.some((r: any) => r.name === "null")).toBe(false);
  });

  it("reads credentials from files of a mounted Secret, so the values hold none", () => {
    const [pagerduty, slack, webhook] = config().receivers;
    const dir = "/etc/alertmanager/secrets/alertmanager-receivers";
    expect(pagerduty.pagerduty_configs).toEqual([{ routing_key_file: `${dir}/trading-oncall-routing-key`, send_resolved: true }]);
    expect(slack.slack_configs).toEqual([{ api_url_file: `${dir}/trading-alerts-api-url`, channel: "#hft-alerts", send_resolved: true }]);
    expect(webhook.webhook_configs).toEqual([{ url_file: `${dir}/heartbeat-url`, send_resolved: true }]);
    const paths = keyPaths(config());
    expect(paths.filter((p) => /(routing_key|api_url|\.url|service_key)$/.test(p))).toEqual([]);
    expect(values().alertmanager.alertmanagerSpec.secrets).toEqual(["alertmanager-receivers"]);
    const secret = inv.k8s("kubernetes:core/v1:Secret", "alertmanager-receivers");
    expect(secret.stringData).toBe("[secret]");
  });
});

describe("prod prometheus-adapter", () => {
  it("is the pinned chart, installed after the stack and pointed at its Prometheus", () => {
    expect(adapter()).toMatchObject({
      chart: "prometheus-adapter",
      version: "5.3.0",
      repositoryOpts: { repo: "https://prometheus-community.github.io/helm-charts" },
      namespace: "monitoring",
    });
    expect(adapter().values.prometheus).toEqual({ url: "http://kube-prometheus-stack-prometheus.monitoring.svc", port: 9090 });
    expect(inv.one(CHART, "prometheus-adapter").dependsOn).toContain(stackChart().urn);
    expect(adapter().values).toMatchObject({ replicas: 2, podDisruptionBudget: { enabled: true, maxUnavailable: 1 } });
  });

  it("serves only latency_p99: the engine's p99 per pod over one minute, in microseconds", () => {
    expect(adapter().values.rules.default).toBe(false);
    expect(adapter().values.rules.custom).toEqual([
      {
        seriesQuery: 'latency_seconds_bucket{namespace!="",pod!=""}',
        resources: { overrides: { namespace: { resource: "namespace" }, pod: { resource: "pod" } } },
        name: { matches: "^latency_seconds_bucket$", as: "latency_p99" },
        metricsQuery: "histogram_quantile(0.99, sum by (le, <<.GroupBy>>) (rate(<<.Series>>{<<.LabelMatchers>>}[1m]))) * 1e6",
      },
    ]);
  });
});

describe("prod node clocks", () => {
  it("pages when an engine node's clock is more than 100 µs off and when any clock loses sync", () => {
    const rules = inv.k8s("kubernetes:monitoring.coreos.com/v1:PrometheusRule", "node-clocks").spec.groups[0].rules;
    expect(rules.map((r: any) => [r.alert, r.labels.severity, r.for])).toEqual([
      ["EngineNodeClockOffsetHigh", "critical", "1m"],
      ["NodeClockOffsetHigh", "warning", "5m"],
      ["NodeClockNotSynchronised", "critical", "2m"],
    ]);
    expect(rules[0].expr).toBe(
      'max by (node) (abs(node_timex_offset_seconds)) > 0.0001 and on (node) kube_node_labels{label_node_type="high-performance"}',
    );
    expect(rules[1].expr).toContain("> 0.001 unless on (node)");
  });

  it("labels node-exporter series with their node and exports the node-type label the alerts join on", () => {
    expect(values()["prometheus-node-exporter"].prometheus.monitor.relabelings).toEqual([
      { sourceLabels: ["__meta_kubernetes_pod_node_name"], targetLabel: "node", action: "replace" },
    ]);
    expect(values()["kube-state-metrics"].metricLabelsAllowlist).toEqual(["nodes=[topology.kubernetes.io/zone,node-type,hft-platform/latency-verified]"]);
  });
});

describe("prod monitoring namespaces", () => {
  it("enforces restricted in monitoring and privileged only in node-exporter's namespace", () => {
    const monitoring = inv.k8s("kubernetes:core/v1:Namespace", "monitoring");
    expect(monitoring.metadata.labels["pod-security.kubernetes.io/enforce"]).toBe("restricted");
    const nodeExporter = inv.k8s("kubernetes:core/v1:Namespace", "node-exporter");
    expect(nodeExporter.metadata.labels).toMatchObject({ "pod-security.kubernetes.io/enforce": "privileged", "pod-security.kubernetes.io/warn": "restricted" });
    expect(values()["prometheus-node-exporter"].namespaceOverride).toBe("node-exporter");
  });

  it("opens the default-deny monitoring namespace component by component, Prometheus only to scraped ports", () => {
    const policies = inv.all("kubernetes:networking.k8s.io/v1:NetworkPolicy").map((p) => p.inputs as any).filter((p) => p.metadata.namespace === "monitoring");
    const byName = Object.fromEntries(policies.map((p) => [p.metadata.name, p.spec]));
    expect(Object.keys(byName).sort()).toEqual([
      "alertmanager",
      "default-deny",
      "grafana",
      "kube-state-metrics",
      "prometheus",
      "prometheus-adapter",
      "prometheus-operator",
      "scrape-redis",
      "scrape-timescaledb",
      "scrape-trading-engine",
    ]);
    const controlPlane = ["10.30.224.0/28", "10.30.224.16/28", "10.30.224.32/28"].map((cidr) => ({ ipBlock: { cidr } }));
    // The API: the control plane's own subnets and the kubernetes Service's address, not the VPC or the Service range.
    expect(byName["grafana"].egress).toContainEqual({ to: [...controlPlane, { ipBlock: { cidr: "172.20.0.1/32" } }], ports: [{ protocol: "TCP", port: 443 }] });
    // No rule lets Prometheus out without ports, nor to every namespace.
    for (const rule of byName["prometheus"].egress) expect(rule.ports?.length).toBeGreaterThan(0);
    expect(JSON.stringify(byName["prometheus"].egress)).not.toContain('"namespaceSelector":{}');
    // Each workload's monitor lets Prometheus out to its own pods on its metrics port.
    expect(byName["scrape-trading-engine"].egress).toEqual([
      {
        to: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "hft-trading" } }, podSelector: { matchLabels: { "app.kubernetes.io/name": "trading-engine", "app.kubernetes.io/instance": "trading-engine" } } }],
        ports: [{ protocol: "TCP", port: 9090 }],
      },
    ]);
    // Notifications: HTTPS to the internet, never to a private range or the Service range.
    const notify = byName["alertmanager"].egress.find((r: any) => r.to[0].ipBlock?.cidr === "0.0.0.0/0");
    expect(notify.ports).toEqual([{ protocol: "TCP", port: 443 }]);
    expect(notify.to[0].ipBlock.except).toEqual(expect.arrayContaining(["10.0.0.0/8", "172.16.0.0/12"]));
    // The aggregation layer's calls: the control plane only.
    expect(byName["prometheus-adapter"].ingress).toEqual([{ from: controlPlane, ports: [{ protocol: "TCP", port: 6443 }] }]);
  });
});

describe("prod secrets", () => {
  it("never appear in plain text in anything registered", () => {
    expect(run.generatedSecrets.length).toBeGreaterThanOrEqual(2);
    const text = JSON.stringify(run.inventory);
    for (const secret of run.generatedSecrets) expect(text).not.toContain(secret);
  });

  it("exports the in-cluster Prometheus URL", () => {
    expect(run.outputs.prometheusUrl).toBe("http://kube-prometheus-stack-prometheus.monitoring.svc:9090");
  });
});
