import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { namespacePeer, networkPolicy, tcp } from "./network";

type NetworkPolicyPeer = k8s.types.input.networking.v1.NetworkPolicyPeer;

/**
 * Host directory of node-exporter's textfile collector: node-side programs (the engine nodes'
 * verifier) write metrics here, the exporter reads it through its host-root mount.
 */
export const NODE_TEXTFILE_DIR = "/var/lib/node_exporter/textfile";

/** What workloads need from the monitoring stack to register scrape targets and alerts. */
export interface MonitoringHandle {
  /** Namespace Prometheus runs in. */
  namespace: string;
  /** Labels of the Prometheus pods: workloads admit scrapes from these pods only. */
  scraper: Record<string, string>;
  /** The resource that installs the prometheus-operator CRDs; monitoring objects depend on it. */
  crds: pulumi.Resource;
}

export interface MonitoringObjectArgs {
  name: string;
  namespace: pulumi.Input<string>;
  labels: Record<string, string>;
  monitoring: MonitoringHandle;
  provider: k8s.Provider;
  parent: pulumi.Resource;
}

function monitoringObject(kind: string, args: MonitoringObjectArgs, spec: Record<string, unknown>): k8s.apiextensions.CustomResource {
  return new k8s.apiextensions.CustomResource(
    `${args.name}-${kind.toLowerCase()}`,
    { apiVersion: "monitoring.coreos.com/v1", kind, metadata: { name: args.name, namespace: args.namespace, labels: args.labels }, spec },
    // Created only once the operator's CRDs exist, or the API server rejects the kind.
    { parent: args.parent, provider: args.provider, dependsOn: [args.monitoring.crds] },
  );
}

export interface ScrapeEndpoint {
  /** The port's name (the Service's for a ServiceMonitor, the container's for a PodMonitor). */
  port: string;
  /** The container port it reaches: Prometheus is let out to it and nothing else. */
  targetPort: number;
  path?: string;
  interval: string;
}

/** The peer a workload's ingress rule admits scrapes from: Prometheus' pods. */
export function scrapers(monitoring: MonitoringHandle): NetworkPolicyPeer[] {
  return [namespacePeer(monitoring.namespace, monitoring.scraper)];
}

/**
 * Lets Prometheus out to the scraped pods on the scraped ports only: each monitor brings the egress
 * rule for its own targets, in the monitoring namespace.
 */
function scrapeEgress(args: MonitoringObjectArgs, pods: Record<string, string>, endpoints: ScrapeEndpoint[]): void {
  networkPolicy(
    `${args.name}-scrape`,
    {
      name: `scrape-${args.name}`,
      namespace: args.monitoring.namespace,
      labels: args.labels,
      podSelector: { matchLabels: args.monitoring.scraper },
      egress: [{ to: [namespacePeer(args.namespace, pods)], ports: tcp(...new Set(endpoints.map((e) => e.targetPort))) }],
    },
    { parent: args.parent, provider: args.provider },
  );
}

/** A ServiceMonitor over the Services `selector` picks, whose `pods` Prometheus is let out to. */
export function serviceMonitor(args: MonitoringObjectArgs, selector: Record<string, string>, pods: Record<string, string>, endpoints: ScrapeEndpoint[]): k8s.apiextensions.CustomResource {
  scrapeEgress(args, pods, endpoints);
  return monitoringObject("ServiceMonitor", args, {
    selector: { matchLabels: selector },
    endpoints: endpoints.map((e) => ({ port: e.port, path: e.path ?? "/metrics", interval: e.interval, scrapeTimeout: e.interval })),
  });
}

export function podMonitor(args: MonitoringObjectArgs, selector: Record<string, string>, endpoints: ScrapeEndpoint[]): k8s.apiextensions.CustomResource {
  scrapeEgress(args, selector, endpoints);
  return monitoringObject("PodMonitor", args, {
    selector: { matchLabels: selector },
    podMetricsEndpoints: endpoints.map((e) => ({ port: e.port, path: e.path ?? "/metrics", interval: e.interval })),
  });
}

export interface AlertRule {
  alert: string;
  expr: string;
  for: string;
  severity: "critical" | "warning" | "info";
  summary: string;
  description: string;
}

export function prometheusRule(args: MonitoringObjectArgs, group: string, rules: AlertRule[], interval = "30s"): k8s.apiextensions.CustomResource {
  return monitoringObject("PrometheusRule", args, {
    groups: [
      {
        name: group,
        interval,
        rules: rules.map((r) => ({
          alert: r.alert,
          expr: r.expr,
          for: r.for,
          labels: { severity: r.severity },
          annotations: { summary: r.summary, description: r.description },
        })),
      },
    ],
  });
}
