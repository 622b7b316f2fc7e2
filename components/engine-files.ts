/** What the trading engine reads (its application.yaml, the log shipper's config) and the alerts that watch it. */
import * as pulumi from "@pulumi/pulumi";
import { AlertRule } from "./k8s/monitoring";
import type { TradingEngineArgs } from "./engine";

export const ENGINE_PORTS = { http: 8080, websocket: 8443, metrics: 9090, logShipper: 2020 } as const;

/** application.yaml: the engine's settings from the stack config and the data stores' endpoints (never credentials). */
export function applicationConfig(args: TradingEngineArgs): pulumi.Output<object> {
  return pulumi.all([args.redis.host, args.database.host, args.redis.sentinel?.host]).apply(([redisHost, databaseHost, sentinelHost]) => ({
    server: { host: "0.0.0.0", port: ENGINE_PORTS.http, websocketPort: ENGINE_PORTS.websocket, threads: args.threads },
    trading: {
      symbols: args.symbols,
      risk_limits: {
        max_order_size: args.risk.maxOrderSize,
        max_position_size: args.risk.maxPositionSize,
        max_daily_loss: args.risk.maxDailyLoss,
      },
      latency: { target_p99_us: args.latency.targetP99Us, target_p999_us: args.latency.targetP999Us },
    },
    features: args.features,
    network: { tcp_nodelay: true, so_reuseaddr: true, buffer_size: 2097152, host_network: args.hostNetwork },
    redis: {
      host: redisHost,
      port: args.redis.port,
      ...(args.redis.sentinel && sentinelHost
        ? { sentinel: { host: sentinelHost, port: args.redis.sentinel.port, master_name: args.redis.sentinel.masterName } }
        : {}),
      password_env: "REDIS_PASSWORD",
    },
    database: { host: databaseHost, port: args.database.port, name: args.database.database, url_env: "DATABASE_URL" },
    logging: { level: args.logLevel, format: "json", output: "/var/log/trading/app.log" },
    metrics: { enabled: true, port: ENGINE_PORTS.metrics, interval: args.metricsInterval },
  }));
}

export function fluentBitConfig(): string {
  return `[SERVICE]
    Flush         1
    Log_Level     info
    HTTP_Server   On
    HTTP_Listen   0.0.0.0
    HTTP_Port     ${ENGINE_PORTS.logShipper}
    Health_Check  On

[INPUT]
    Name          tail
    Path          /var/log/trading/*.log
    DB            /fluent-bit/state/tail.db
    Mem_Buf_Limit 50MB
    Refresh_Interval 5

[OUTPUT]
    Name          stdout
    Match         *
    Format        json_lines
`;
}

export function engineAlerts(args: TradingEngineArgs, namespace: string): AlertRule[] {
  const p99Seconds = args.latency.targetP99Us / 1e6;
  return [
    {
      alert: "HighLatency",
      expr: `histogram_quantile(0.99, sum by (le, pod) (rate(latency_seconds_bucket{namespace="${namespace}"}[1m]))) > ${p99Seconds}`,
      for: "1m",
      severity: "critical",
      summary: "Trading engine p99 latency above target",
      description: `p99 latency of {{ $labels.pod }} is {{ $value | humanizeDuration }}, above the ${args.latency.targetP99Us}µs target`,
    },
    {
      alert: "HighErrorRate",
      expr: `sum by (pod) (rate(errors_total{namespace="${namespace}"}[5m])) > 0.01`,
      for: "2m",
      severity: "warning",
      summary: "Trading engine error rate high",
      description: "{{ $labels.pod }} logs {{ $value }} errors per second",
    },
    {
      alert: "PodNotReady",
      expr: `kube_pod_status_ready{namespace="${namespace}", condition="false", pod=~"trading-engine-.*"} == 1`,
      for: "5m",
      severity: "warning",
      summary: "Trading engine pod not ready",
      description: "{{ $labels.pod }} has not been ready for 5 minutes",
    },
  ];
}

