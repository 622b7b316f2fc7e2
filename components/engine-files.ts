/** What the trading engine reads (its application.yaml, the log shipper's config) and the alerts that watch it. */
import * as pulumi from "@pulumi/pulumi";
import { AlertRule } from "./k8s/monitoring";
import type { EngineLogSink, TradingEngineArgs } from "./engine";
import { ENGINE_METRICS, LATENCY_BUCKET_SERIES, LATENCY_COUNT_SERIES, latencyBucketsSeconds } from "./engine-metrics";

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
    // Where the engine connects outside the cluster; the egress NetworkPolicy admits exactly these.
    venues: args.venues.map((v) => ({ name: v.name, cidrs: v.cidrs, ports: v.ports.map((p) => ({ protocol: p.protocol, port: p.port, ...(p.endPort !== undefined ? { end_port: p.endPort } : {}) })) })),
    redis: {
      host: redisHost,
      port: args.redis.port,
      ...(args.redis.sentinel && sentinelHost
        ? { sentinel: { host: sentinelHost, port: args.redis.sentinel.port, master_name: args.redis.sentinel.masterName } }
        : {}),
      password_env: "REDIS_PASSWORD",
    },
    database: { host: databaseHost, port: args.database.port, name: args.database.database, url_env: "DATABASE_URL" },
    // The order/audit stream is its own file: the shipper sends it to the write-once bucket.
    logging: { level: args.logLevel, format: "json", output: `${LOG_DIR}/app.log`, audit_output: `${LOG_DIR}/audit/orders.log` },
    metrics: {
      enabled: true,
      port: ENGINE_PORTS.metrics,
      interval: args.metricsInterval,
      // The contract the alerts and the HPA rely on (engine-metrics.ts): these names, these bounds.
      latency_histogram: { name: ENGINE_METRICS.latency, unit: "seconds", buckets: latencyBucketsSeconds(args.latency.bucketsUs) },
      error_counter: { name: ENGINE_METRICS.errors },
    },
  }));
}

const LOG_DIR = "/var/log/trading";

/**
 * The log shipper's fluent-bit.conf. The application log (`app`) and the order/audit stream (`audit`)
 * are tailed separately. With a sink (eks mode) the first goes to CloudWatch Logs and the second to
 * the Object Lock bucket: PutObject with Content-MD5, which S3 requires for Object Lock uploads
 * (fluent-bit-docs pipeline/outputs/s3.md, send_content_md5, read 2026-12-07). Without one, both go
 * to stdout for the cluster's own log pipeline.
 */
export function fluentBitConfig(logs?: Pick<EngineLogSink, "logGroupName" | "region" | "auditPrefix"> & { auditBucket: string }): string {
  const service = `[SERVICE]
    Flush         1
    Log_Level     info
    HTTP_Server   On
    HTTP_Listen   0.0.0.0
    HTTP_Port     ${ENGINE_PORTS.logShipper}
    Health_Check  On
    storage.path  /fluent-bit/state/buffer
`;
  const inputs = `
[INPUT]
    Name          tail
    Tag           app
    Path          ${LOG_DIR}/app.log
    DB            /fluent-bit/state/app.db
    Mem_Buf_Limit 50MB
    storage.type  filesystem
    Refresh_Interval 5

[INPUT]
    Name          tail
    Tag           audit
    Path          ${LOG_DIR}/audit/*.log
    DB            /fluent-bit/state/audit.db
    Mem_Buf_Limit 50MB
    storage.type  filesystem
    Refresh_Interval 1
`;
  const outputs = logs
    ? `
[OUTPUT]
    Name              cloudwatch_logs
    Match             app
    region            ${logs.region}
    log_group_name    ${logs.logGroupName}
    log_stream_name   \${POD_NAME}
    auto_create_group Off

[OUTPUT]
    Name              s3
    Match             audit
    region            ${logs.region}
    bucket            ${logs.auditBucket}
    use_put_object    On
    send_content_md5  On
    total_file_size   10M
    upload_timeout    1m
    store_dir         /fluent-bit/state/s3
    s3_key_format     /${logs.auditPrefix}/\${POD_NAME}/%Y/%m/%d/%H%M%S-$UUID.jsonl
`
    : `
[OUTPUT]
    Name          stdout
    Match         *
    Format        json_lines
`;
  return service + inputs + outputs;
}

/** Engine pods by their StatefulSet's names (trading-engine-0, -1, …). */
const ENGINE_POD = 'pod=~"trading-engine-[0-9]+"';

export function engineAlerts(args: TradingEngineArgs, namespace: string): AlertRule[] {
  const p99Seconds = args.latency.targetP99Us / 1e6;
  const ns = `namespace="${namespace}"`;
  return [
    {
      alert: "HighLatency",
      expr: `histogram_quantile(0.99, sum by (le, pod) (rate(${LATENCY_BUCKET_SERIES}{${ns}}[1m]))) > ${p99Seconds}`,
      for: "1m",
      severity: "critical",
      summary: "Trading engine p99 latency above target",
      description: `p99 latency of {{ $labels.pod }} is {{ $value | humanizeDuration }}, above the ${args.latency.targetP99Us}µs target`,
    },
    {
      // Without the histogram the latency alert cannot fire and the HPA cannot scale (down or up).
      alert: "EngineMetricsAbsent",
      expr:
        `(max by (namespace, pod) (kube_pod_status_ready{${ns}, ${ENGINE_POD}, condition="true"}) == 1)` +
        ` unless on (namespace, pod) max by (namespace, pod) (${LATENCY_COUNT_SERIES}{${ns}})` +
        ` or absent(${LATENCY_COUNT_SERIES}{${ns}})`,
      for: "2m",
      severity: "critical",
      summary: "The trading engine's latency metrics are missing",
      description:
        "{{ if $labels.pod }}{{ $labels.pod }} is ready but exports no " +
        `${ENGINE_METRICS.latency} histogram{{ else }}No engine pod exports ${ENGINE_METRICS.latency}{{ end }}: ` +
        "the latency alert is blind and the HPA cannot read latency_p99. Check the ServiceMonitor target and the engine's metrics port.",
    },
    {
      alert: "HighErrorRate",
      expr: `sum by (pod) (rate(${ENGINE_METRICS.errors}{${ns}}[5m])) > 0.01`,
      for: "2m",
      severity: "warning",
      summary: "Trading engine error rate high",
      description: "{{ $labels.pod }} logs {{ $value }} errors per second",
    },
    {
      alert: "PodNotReady",
      expr: `kube_pod_status_ready{${ns}, condition="false", ${ENGINE_POD}} == 1`,
      for: "5m",
      severity: "warning",
      summary: "Trading engine pod not ready",
      description: "{{ $labels.pod }} has not been ready for 5 minutes",
    },
  ];
}
