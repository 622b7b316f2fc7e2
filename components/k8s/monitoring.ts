import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

/**
 * Host directory of node-exporter's textfile collector: node-side programs (the engine nodes'
 * verifier) write metrics here, the exporter reads it through its host-root mount.
 */
export const NODE_TEXTFILE_DIR = "/var/lib/node_exporter/textfile";

/** What workloads need from the monitoring stack to register scrape targets and alerts. */
export interface MonitoringHandle {
  /** Namespace Prometheus runs in: workloads admit its scrapes from there. */
  namespace: string;
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
  port: string;
  path?: string;
  interval: string;
}

export function serviceMonitor(args: MonitoringObjectArgs, selector: Record<string, string>, endpoints: ScrapeEndpoint[]): k8s.apiextensions.CustomResource {
  return monitoringObject("ServiceMonitor", args, {
    selector: { matchLabels: selector },
    endpoints: endpoints.map((e) => ({ port: e.port, path: e.path ?? "/metrics", interval: e.interval, scrapeTimeout: e.interval })),
  });
}

export function podMonitor(args: MonitoringObjectArgs, selector: Record<string, string>, endpoints: ScrapeEndpoint[]): k8s.apiextensions.CustomResource {
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
