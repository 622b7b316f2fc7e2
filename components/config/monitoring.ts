import { z } from "zod";
import { containerResources, ContainerResources, duration, int, list, quantity, Rules, secret, section, text, TierContext, withRules, bool } from "./fields";
import { GiB, parseQuantity } from "./primitives";

/**
 * Where a Helm chart comes from, always at an exact version: a chart repository, or a local
 * `<chart>-<version>.tgz` for installs without access to the repository.
 */
export type ChartSource = { kind: "repository"; chart: string; version: string; repo: string } | { kind: "archive"; chart: string; version: string; path: string };

export interface MonitoringConfig {
  kubePrometheusStack: ChartSource;
  prometheusAdapter: ChartSource;
  prometheus: PrometheusConfig;
  alertmanager: AlertmanagerConfig;
  grafana: { resources: ContainerResources };
  operator: { resources: ContainerResources };
  kubeStateMetrics: { resources: ContainerResources };
  nodeExporter: { resources: ContainerResources };
  adapter: { replicas: number; resources: ContainerResources };
  clock: ClockAlertConfig;
}

/**
 * When the nodes' clocks page: offsets from node-exporter's timex collector (the kernel clock chrony
 * disciplines). MiFID II RTS 25 (Commission Delegated Regulation (EU) 2017/574, Annex, Table 2) holds
 * high-frequency trading to 100 µs divergence from UTC; the engine nodes' bound is capped there in
 * production.
 */
export interface ClockAlertConfig {
  /** Offset above which an engine node's clock pages, in microseconds. */
  engineMaxOffsetUs: number;
  /** Offset above which any other node's clock warns, in microseconds. */
  systemMaxOffsetUs: number;
  /** How long a node may report its clock unsynchronised before it pages (a Prometheus duration). */
  lostSyncFor: string;
}

export interface PrometheusConfig {
  /** Prometheus replicas (production: at least 2, each with its own volume). */
  replicas: number;
  /** How long samples are kept, as a Prometheus duration ("7d", "30d"). */
  retention: string;
  /** Size-based retention in Prometheus units ("40GB" = 40 GiB); below the volume size so compaction has room. */
  retentionSize: string;
  /** Volume size per replica on the fastSsd class ("50Gi"). */
  storageSize: string;
  /** Default scrape interval for targets that set none ("15s"). */
  scrapeInterval: string;
  resources: ContainerResources;
}

export interface AlertmanagerConfig {
  replicas: number;
  /** Volume size per replica on the gp3 class (silences and notification log). */
  storageSize: string;
  resources: ContainerResources;
  /** Receiver of every alert no route claims (production: not a discard receiver). */
  defaultReceiver: string;
  receivers: AlertReceiver[];
  routes: AlertRoute[];
}

/**
 * Where alerts go. Credentials (Slack webhook URL, PagerDuty routing key, webhook URL) are secret
 * config values (`pulumi config set --secret --path ...`); the program only ever puts them into a
 * Kubernetes Secret that Alertmanager reads as files.
 */
export type AlertReceiver =
  | { name: string; kind: "slack"; channel: string; apiUrl: string }
  | { name: string; kind: "pagerduty"; routingKey: string }
  | { name: string; kind: "webhook"; url: string }
  /** Drops what it receives: an explicit placeholder for stacks nobody is paged for (never the production default). */
  | { name: string; kind: "discard" };

export interface AlertRoute {
  receiver: string;
  /** Alertmanager matchers such as `severity = "warning"` or `alertname = "Watchdog"`. */
  matchers: string[];
  /** Keep evaluating later routes after this one matched. */
  continue: boolean;
}

const COMPONENT_BOUNDS = { maxCpu: 16, maxMemory: 64 * GiB };
const SEMVER = /^\d+\.\d+\.\d+$/;

/** A Helm chart at a pinned version: `{ repo, version }`, or `{ archive }` naming a local `<chart>-<x.y.z>.tgz`. */
function chartSource(chart: string) {
  const archivePattern = new RegExp(`(^|/)${chart}-(\\d+\\.\\d+\\.\\d+)\\.tgz$`);
  const fields = section({
    repo: text(/^(https:\/\/\S+|oci:\/\/\S+)$/, "an https:// or oci:// chart repository URL").optional().describe("Chart repository URL (https:// or oci://)."),
    version: text(SEMVER, "an exact chart version such as 88.5.3 (no ranges)").optional().describe("Exact chart version."),
    archive: text(archivePattern, `a local chart archive named ${chart}-<x.y.z>.tgz (the version stays pinned in the file name)`)
      .optional()
      .describe(`A local ${chart}-<x.y.z>.tgz instead of repo and version.`),
  });
  return withRules(fields, (r) => {
    const { archive, repo, version } = r.value;
    if (archive !== undefined) {
      if (repo !== undefined || version !== undefined) r.problem("archive", archive, "either archive alone or repo with version, not both");
      return;
    }
    if (repo === undefined) r.problem("repo", undefined, "an https:// or oci:// chart repository URL");
    if (version === undefined) r.problem("version", undefined, "an exact chart version such as 88.5.3 (no ranges)");
  }).transform(
    (s): ChartSource =>
      s.archive !== undefined ? { kind: "archive", chart, path: s.archive, version: archivePattern.exec(s.archive)![2] } : { kind: "repository", chart, repo: s.repo!, version: s.version! },
  );
}

function prometheusSchema({ prod }: TierContext) {
  const fields = section({
    replicas: int(prod ? 2 : 1, 4, prod ? "2 to 4 in production (an HA pair or more)" : undefined).describe("Prometheus replicas (production: at least 2, each with its own volume)."),
    retention: duration({ min: 86400, max: 400 * 86400 }, "a Prometheus duration from 1d to 400d, e.g. 15d").describe('How long samples are kept ("7d", "30d").'),
    retentionSize: quantity({ min: GiB, max: 16384 * GiB }, "a size such as 80Gi (whole Gi)").describe("Size-based retention in whole Gi; at most 90% of storageSize so compaction has room."),
    storageSize: quantity({ min: 10 * GiB, max: 16384 * GiB }, "a volume size from 10Gi to 16Ti, e.g. 100Gi").describe("Volume size per replica on the fastSsd class."),
    scrapeInterval: duration({ min: 1, max: 300 }, "a Prometheus duration from 1s to 5m, e.g. 15s").describe("Default scrape interval for targets that set none."),
    resources: containerResources(COMPONENT_BOUNDS).describe("Requests and limits."),
  });
  return withRules(fields, (r) => {
    if (!r.valid("retentionSize", "storageSize")) return;
    const { retentionSize, storageSize } = r.value;
    const bytes = parseQuantity(retentionSize)!;
    const volume = parseQuantity(storageSize)!;
    if (bytes % GiB !== 0) {
      r.problem("retentionSize", retentionSize, "a whole number of Gi, e.g. 80Gi");
    } else if (bytes > volume * 0.9) {
      r.problem("retentionSize", retentionSize, `at most 90% of storageSize ${storageSize} (${Math.floor((volume * 0.9) / GiB)}Gi), leaving room for compaction and the WAL`);
    }
    // Prometheus size units are powers of two: "GB" means GiB.
  }).transform((p): PrometheusConfig => ({ ...p, retentionSize: `${parseQuantity(p.retentionSize)! / GiB}GB` }));
}

const RECEIVER_KINDS = ["slack", "pagerduty", "webhook", "discard"] as const;

const receiver = withRules(
  section(
    {
      name: text(/^[a-z0-9][a-z0-9-]{0,40}$/, "lowercase letters, digits and '-', at most 41 characters").describe("Receiver name, referred to by routes and defaultReceiver."),
      slack: section({ channel: text(/^#[a-z0-9_-]{1,80}$/, "a Slack channel such as #hft-alerts").describe("Slack channel."), apiUrl: secret().describe("Slack webhook URL (secure).") })
        .optional()
        .describe("Post to a Slack channel."),
      pagerduty: section({ routingKey: secret().describe("PagerDuty Events API v2 routing key (secure).") }).optional().describe("Page through PagerDuty."),
      webhook: section({ url: secret().describe("Webhook URL (secure).") }).optional().describe("POST to a webhook."),
      discard: z.literal(true, { error: "true (a receiver that explicitly drops alerts)" }).optional().describe("Drop the alerts (never the production default)."),
    },
    "receivers as objects with a name and one of slack, pagerduty, webhook or discard",
  ),
  (r) => {
    const kinds = RECEIVER_KINDS.filter((k) => r.value[k] !== undefined);
    if (kinds.length !== 1) r.problem("name", r.value.name, `exactly one of ${RECEIVER_KINDS.join(", ")} per receiver (found ${kinds.length})`);
  },
).transform((v): AlertReceiver => {
  if (v.slack) return { name: v.name, kind: "slack", ...v.slack };
  if (v.pagerduty) return { name: v.name, kind: "pagerduty", ...v.pagerduty };
  if (v.webhook) return { name: v.name, kind: "webhook", ...v.webhook };
  return { name: v.name, kind: "discard" };
});

/** Alertmanager's matcher syntax: label, operator, value (quoted or not). */
const MATCHER = /^[a-zA-Z_][a-zA-Z0-9_]*\s*(=|!=|=~|!~)\s*("[^"]*"|[^\s"]+)$/;

const route = withRules(
  section(
    {
      receiver: text(/^\S+$/, "one of the receivers").describe("Receiver of the alerts this route matches."),
      matchers: list(text(MATCHER, 'Alertmanager matchers such as severity = "warning"')).describe('Alertmanager matchers such as severity = "warning".'),
      continue: bool().default(false).describe("Keep evaluating later routes after this one matched."),
    },
    "routes as objects with receiver and matchers",
  ),
  (r) => {
    if (r.valid("matchers") && r.value.matchers.length === 0) r.problem("matchers", [], "at least one matcher (a route without matchers would take every alert)");
  },
);

function alertmanagerSchema({ prod }: TierContext) {
  const fields = section({
    replicas: int(prod ? 2 : 1, 5, prod ? "2 to 5 in production (a gossip cluster)" : undefined).describe("Alertmanager replicas (production: at least 2)."),
    storageSize: quantity({ min: GiB, max: 100 * GiB }, "a volume size from 1Gi to 100Gi").describe("Volume size per replica on the gp3 class (silences and notification log)."),
    resources: containerResources(COMPONENT_BOUNDS).describe("Requests and limits."),
    defaultReceiver: text(/^\S+$/, "the name of one of the receivers").describe("Receiver of every alert no route claims (production: not a discard receiver)."),
    receivers: list(receiver).describe("Where alerts go: each a name and one of slack, pagerduty, webhook (credentials as secure values) or discard."),
    routes: list(route).default([]).describe("Routes from matchers to receivers, evaluated in order."),
  });
  return withRules(fields, (r) => alertRoutingRules(r, prod));
}

/** Receivers are unique and named by the default route and every route; production never drops unrouted alerts. */
function alertRoutingRules(r: Rules<{ receivers: unknown; defaultReceiver: string; routes: unknown }>, prod: boolean): void {
  if (!Array.isArray(r.value.receivers)) return;
  const receivers = r.value.receivers as AlertReceiver[];
  if (receivers.length === 0) r.problem("receivers", [], "at least one receiver");
  const parsed = receivers.filter((_, i) => r.valid(`receivers.${i}`));
  const names = parsed.map((x) => x.name);
  for (const dup of names.filter((n, i) => names.indexOf(n) !== i)) r.problem("receivers", dup, "unique receiver names");
  const allParsed = parsed.length === receivers.length;
  if (r.valid("defaultReceiver") && allParsed) {
    const target = parsed.find((x) => x.name === r.value.defaultReceiver);
    if (!target) r.problem("defaultReceiver", r.value.defaultReceiver, `one of the receivers (${names.join(", ")})`);
    if (prod && target?.kind === "discard") {
      r.problem("defaultReceiver", r.value.defaultReceiver, "a receiver that notifies someone (slack, pagerduty or webhook) in production: unrouted alerts must not be dropped");
    }
  }
  if (!Array.isArray(r.value.routes)) return;
  (r.value.routes as AlertRoute[]).forEach((x, i) => {
    if (r.valid(`routes.${i}.receiver`) && !names.includes(x.receiver)) r.problem(`routes.${i}.receiver`, x.receiver, `one of the receivers (${names.join(", ")})`);
  });
}

const component = () => section({ resources: containerResources(COMPONENT_BOUNDS).describe("Requests and limits.") });

export function monitoringSchema(tier: TierContext) {
  const { prod } = tier;
  return section({
    kubePrometheusStack: chartSource("kube-prometheus-stack").describe("The kube-prometheus-stack chart: repo and exact version, or a local archive."),
    prometheusAdapter: chartSource("prometheus-adapter").describe("The prometheus-adapter chart: repo and exact version, or a local archive."),
    prometheus: prometheusSchema(tier).describe("Prometheus: replicas, retention, volume, scrape interval, resources."),
    alertmanager: alertmanagerSchema(tier).describe("Alertmanager: replicas, volume, receivers and routes."),
    grafana: component().describe("Grafana."),
    operator: component().describe("The Prometheus operator."),
    kubeStateMetrics: component().describe("kube-state-metrics."),
    nodeExporter: component().describe("node-exporter (one per node)."),
    adapter: section({
      replicas: int(prod ? 2 : 1, 4, prod ? "2 to 4 in production (the HPA's metrics API)" : undefined).describe("prometheus-adapter replicas (production: at least 2; it serves the HPA's metrics API)."),
      resources: containerResources(COMPONENT_BOUNDS).describe("Requests and limits."),
    }).describe("prometheus-adapter, which serves the engine's latency to the HPA."),
    clock: withRules(
      section({
        engineMaxOffsetUs: int(1, prod ? 100 : 100_000, prod ? "an integer from 1 to 100 in production (MiFID II RTS 25: 100 µs for high-frequency trading)" : undefined).describe(
          "Clock offset (µs) above which an engine node pages (production: at most 100, MiFID II RTS 25).",
        ),
        systemMaxOffsetUs: int(1, 1_000_000).describe("Clock offset (µs) above which any other node warns."),
        lostSyncFor: duration({ min: 60, max: 3600 }, "a Prometheus duration from 1m to 1h, e.g. 5m").describe("How long a node may report its clock unsynchronised before it pages."),
      }),
      (r) => {
        const { engineMaxOffsetUs, systemMaxOffsetUs } = r.value;
        if (r.valid("engineMaxOffsetUs", "systemMaxOffsetUs") && systemMaxOffsetUs < engineMaxOffsetUs) {
          r.problem("systemMaxOffsetUs", systemMaxOffsetUs, `at least engineMaxOffsetUs (${engineMaxOffsetUs}): the engine nodes' bound is the tightest`);
        }
      },
    ).describe("Clock alerts: offset bounds for engine and other nodes, and how long a clock may be unsynchronised."),
  });
}
