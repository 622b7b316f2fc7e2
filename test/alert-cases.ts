/**
 * Alert behaviour on synthetic series, as promtool unit tests (`promtool test rules`): for each
 * alert the program makes, a case where it must fire (with the labels and text the on-call sees)
 * and one where it must stay quiet. Series follow the exporters' real names and labels: CloudNativePG
 * (config/manager/default-monitoring.yaml, pg_collector.go), redis_exporter, kube-state-metrics,
 * kubelet, and the engine's metrics contract (components/engine-metrics.ts). Thresholds are prod's.
 */

export interface Series {
  series: string;
  /** promtool's expanding notation: "0+10x30" is 0, 10, 20, … 31 samples; "_" is a missing sample. */
  values: string;
}

export interface ExpectedAlert {
  labels: Record<string, string>;
  annotations: { summary: string; description: string };
}

export interface AlertCase {
  alert: string;
  what: string;
  /** Spacing of the input samples. */
  interval: string;
  series: Series[];
  evalTime: string;
  /** Empty: the alert must not be firing at evalTime. */
  firing: ExpectedAlert[];
}

const ENGINE = 'namespace="hft-trading"';
const CACHE = 'namespace="hft-cache"';
const DATA = 'namespace="hft-data"';
const DRILL = 'namespace="hft-restore-drill"';
/** kube_node_labels of an engine node (kube-state-metrics with node-type allow-listed). */
const ENGINE_NODE = 'label_node_type="high-performance"';

/** The engine pod on an engine node in us-east-1a, and another node (a data store's) in `zone`. */
function enginePlacement(otherNode: string, zone: string): Series[] {
  return [
    { series: `kube_pod_info{${ENGINE}, pod="trading-engine-0", node="ip-10-30-1-10"}`, values: "1x10" },
    { series: 'kube_node_labels{node="ip-10-30-1-10", label_topology_kubernetes_io_zone="us-east-1a"}', values: "1x10" },
    { series: `kube_node_labels{node="${otherNode}", label_topology_kubernetes_io_zone="${zone}"}`, values: "1x10" },
  ];
}

/** Cumulative bucket counters of a histogram at `perSecond` observations in each bucket, sampled every 10s. */
function histogram(name: string, labels: string, perBucket: [le: string, perSecond: number][]): Series[] {
  let cumulative = 0;
  const rows = perBucket.map(([le, n]) => {
    cumulative += n;
    return { series: `${name}_bucket{${labels}, le="${le}"}`, values: `0+${cumulative * 10}x40` };
  });
  return [...rows, { series: `${name}_count{${labels}}`, values: `0+${cumulative * 10}x40` }];
}

/** prod's bounds (Pulumi.prod.yaml engine.latency.bucketsUs) in seconds, as the engine renders `le`. */
const PROD_BOUNDS = ["1e-05", "2e-05", "3e-05", "4e-05", "5e-05", "6e-05", "7e-05", "8e-05", "9e-05", "0.0001", "0.00015", "0.0002", "0.0003", "0.0005", "0.001", "0.0025", "0.005", "0.01"];

/** 1000 observations a second with `spread` giving how many land in each prod bucket (the rest in none). */
function prodLatency(pod: string, spread: Record<string, number>): Series[] {
  return histogram("latency_seconds", `${ENGINE}, pod="${pod}"`, [...PROD_BOUNDS.map((le): [string, number] => [le, spread[le] ?? 0]), ["+Inf", 0]]);
}

const latencyText = (value: string) => ({
  summary: "Trading engine p99 latency above target",
  description: `p99 latency of trading-engine-0 is ${value}, above the 100µs target`,
});

const metricsAbsentSummary = "The trading engine's latency metrics are missing";
const metricsAbsentTail = ": the latency alert is blind and the HPA cannot read latency_p99. Check the ServiceMonitor target and the engine's metrics port.";

export const ALERT_CASES: AlertCase[] = [
  {
    alert: "HighLatency",
    what: "5% of orders take 100-150 µs: p99 is 140 µs, above the 100 µs target",
    interval: "10s",
    series: prodLatency("trading-engine-0", { "5e-05": 950, "0.00015": 50 }),
    evalTime: "3m",
    firing: [{ labels: { severity: "critical", pod: "trading-engine-0" }, annotations: latencyText("140us") }],
  },
  {
    alert: "HighLatency",
    what: "every order in 40-50 µs with the contract's bounds: p99 reads 49.9 µs, no page",
    interval: "10s",
    series: prodLatency("trading-engine-0", { "5e-05": 1000 }),
    evalTime: "3m",
    firing: [],
  },
  {
    alert: "HighLatency",
    what: "the same 50 µs engine with a client library's default buckets (5 ms and up) reads 4.95 ms and pages: why the contract fixes the bounds",
    interval: "10s",
    series: histogram("latency_seconds", `${ENGINE}, pod="trading-engine-0"`, [
      ["0.005", 1000],
      ["0.01", 0],
      ["0.025", 0],
      ["+Inf", 0],
    ]),
    evalTime: "3m",
    firing: [{ labels: { severity: "critical", pod: "trading-engine-0" }, annotations: latencyText("4.95ms") }],
  },
  {
    alert: "EngineMetricsAbsent",
    what: "a ready engine pod exports no latency histogram",
    interval: "10s",
    series: [{ series: `kube_pod_status_ready{${ENGINE}, pod="trading-engine-0", condition="true", uid="a"}`, values: "1x40" }],
    evalTime: "3m",
    firing: [
      {
        labels: { severity: "critical", namespace: "hft-trading", pod: "trading-engine-0" },
        annotations: { summary: metricsAbsentSummary, description: `trading-engine-0 is ready but exports no latency_seconds histogram${metricsAbsentTail}` },
      },
      {
        labels: { severity: "critical", namespace: "hft-trading" },
        annotations: { summary: metricsAbsentSummary, description: `No engine pod exports latency_seconds${metricsAbsentTail}` },
      },
    ],
  },
  {
    alert: "EngineMetricsAbsent",
    what: "the ready pod exports its histogram",
    interval: "10s",
    series: [
      { series: `kube_pod_status_ready{${ENGINE}, pod="trading-engine-0", condition="true", uid="a"}`, values: "1x40" },
      ...prodLatency("trading-engine-0", { "5e-05": 1000 }),
    ],
    evalTime: "3m",
    firing: [],
  },
  {
    alert: "HighErrorRate",
    what: "one error a second for five minutes",
    interval: "10s",
    series: [{ series: `errors_total{${ENGINE}, pod="trading-engine-1"}`, values: "0+10x60" }],
    evalTime: "8m",
    firing: [
      {
        labels: { severity: "warning", pod: "trading-engine-1" },
        annotations: { summary: "Trading engine error rate high", description: "trading-engine-1 logs 1 errors per second" },
      },
    ],
  },
  {
    alert: "HighErrorRate",
    what: "no new errors",
    interval: "10s",
    series: [{ series: `errors_total{${ENGINE}, pod="trading-engine-1"}`, values: "3x60" }],
    evalTime: "8m",
    firing: [],
  },
  {
    alert: "PodNotReady",
    what: "an engine pod unready for six minutes",
    interval: "1m",
    series: [{ series: `kube_pod_status_ready{${ENGINE}, pod="trading-engine-2", condition="false", uid="c"}`, values: "1x10" }],
    evalTime: "6m",
    firing: [
      {
        labels: { severity: "warning", namespace: "hft-trading", pod: "trading-engine-2", condition: "false", uid: "c" },
        annotations: { summary: "Trading engine pod not ready", description: "trading-engine-2 has not been ready for 5 minutes" },
      },
    ],
  },
  {
    alert: "PodNotReady",
    what: "unready for three minutes (a restart), then ready",
    interval: "1m",
    series: [{ series: `kube_pod_status_ready{${ENGINE}, pod="trading-engine-2", condition="false", uid="c"}`, values: "1 1 1 0 0 0 0 0" }],
    evalTime: "6m",
    firing: [],
  },
  {
    alert: "RedisDown",
    what: "redis-1's exporter reports Redis down",
    interval: "1m",
    series: [
      { series: `redis_up{${CACHE}, pod="redis-0"}`, values: "1x10" },
      { series: `redis_up{${CACHE}, pod="redis-1"}`, values: "0x10" },
    ],
    evalTime: "3m",
    firing: [
      {
        labels: { severity: "critical", namespace: "hft-cache", pod: "redis-1" },
        annotations: { summary: "Redis is down", description: "Redis pod redis-1 has not answered its exporter for a minute (or no Redis reports at all)." },
      },
    ],
  },
  {
    alert: "RedisDown",
    what: "every Redis up and scraped",
    interval: "1m",
    series: [
      { series: `redis_up{${CACHE}, pod="redis-0"}`, values: "1x10" },
      { series: `up{${CACHE}, pod="redis-0", service="redis-metrics"}`, values: "1x10" },
    ],
    evalTime: "3m",
    firing: [],
  },
  {
    alert: "RedisMemoryNearMax",
    what: "95% of maxmemory used",
    interval: "1m",
    series: [
      { series: `redis_memory_used_bytes{${CACHE}, pod="redis-0"}`, values: "95x10" },
      { series: `redis_memory_max_bytes{${CACHE}, pod="redis-0"}`, values: "100x10" },
    ],
    evalTime: "6m",
    firing: [
      {
        labels: { severity: "warning", namespace: "hft-cache", pod: "redis-0" },
        annotations: { summary: "Redis memory above 90% of maxmemory", description: "redis-0 uses 95% of maxmemory; at 100% the noeviction policy applies." },
      },
    ],
  },
  {
    alert: "RedisMemoryNearMax",
    what: "half of maxmemory used",
    interval: "1m",
    series: [
      { series: `redis_memory_used_bytes{${CACHE}, pod="redis-0"}`, values: "50x10" },
      { series: `redis_memory_max_bytes{${CACHE}, pod="redis-0"}`, values: "100x10" },
    ],
    evalTime: "6m",
    firing: [],
  },
  {
    alert: "RedisRejectedConnections",
    what: "connections rejected at maxclients",
    interval: "1m",
    series: [{ series: `redis_rejected_connections_total{${CACHE}, pod="redis-0"}`, values: "0 0 0 4 8 8" }],
    evalTime: "4m",
    firing: [
      {
        labels: { severity: "warning", namespace: "hft-cache", pod: "redis-0" },
        annotations: { summary: "Redis rejected connections", description: "redis-0 rejected 8 connections in 5 minutes (maxclients reached)." },
      },
    ],
  },
  {
    alert: "RedisRejectedConnections",
    what: "no rejections",
    interval: "1m",
    series: [{ series: `redis_rejected_connections_total{${CACHE}, pod="redis-0"}`, values: "2x10" }],
    evalTime: "4m",
    firing: [],
  },
  {
    alert: "RedisReplicationBroken",
    what: "the master sees one of its two replicas",
    interval: "1m",
    series: [
      { series: `redis_instance_info{${CACHE}, pod="redis-0", role="master"}`, values: "1x10" },
      { series: `redis_connected_slaves{${CACHE}, pod="redis-0"}`, values: "1x10" },
      { series: `redis_master_link_up{${CACHE}, pod="redis-1"}`, values: "1x10" },
    ],
    evalTime: "4m",
    firing: [
      {
        labels: { severity: "critical" },
        annotations: { summary: "Redis replication broken", description: "Expected one master with 2 connected replicas; failover would lose data or not be possible." },
      },
    ],
  },
  {
    alert: "RedisReplicationBroken",
    what: "one master, two replicas with their links up",
    interval: "1m",
    series: [
      { series: `redis_instance_info{${CACHE}, pod="redis-0", role="master"}`, values: "1x10" },
      { series: `redis_connected_slaves{${CACHE}, pod="redis-0"}`, values: "2x10" },
      { series: `redis_master_link_up{${CACHE}, pod="redis-1"}`, values: "1x10" },
      { series: `redis_master_link_up{${CACHE}, pod="redis-2"}`, values: "1x10" },
    ],
    evalTime: "4m",
    firing: [],
  },
  {
    alert: "TimescaleDBInstanceDown",
    what: "timescaledb-1's exporter reports PostgreSQL down",
    interval: "1m",
    series: [{ series: `cnpg_collector_up{${DATA}, pod="timescaledb-1", cluster="timescaledb"}`, values: "0x10" }],
    evalTime: "3m",
    firing: [
      {
        labels: { severity: "critical", namespace: "hft-data", pod: "timescaledb-1", cluster: "timescaledb" },
        annotations: { summary: "A TimescaleDB instance is not running PostgreSQL", description: "timescaledb-1 reports PostgreSQL down; CloudNativePG fails over if it is the primary." },
      },
    ],
  },
  {
    alert: "TimescaleDBInstanceDown",
    what: "PostgreSQL up",
    interval: "1m",
    series: [{ series: `cnpg_collector_up{${DATA}, pod="timescaledb-1", cluster="timescaledb"}`, values: "1x10" }],
    evalTime: "3m",
    firing: [],
  },
  {
    alert: "TimescaleDBInstancesMissing",
    what: "two of three instances up",
    interval: "1m",
    series: [0, 1].map((i) => ({ series: `cnpg_collector_up{${DATA}, pod="timescaledb-${i}", cluster="timescaledb"}`, values: "1x10" })),
    evalTime: "6m",
    firing: [
      {
        labels: { severity: "critical" },
        annotations: { summary: "Fewer TimescaleDB instances are up than configured", description: "Expected 3 running instance(s); check pending pods, nodes and volumes in hft-data." },
      },
    ],
  },
  {
    alert: "TimescaleDBInstancesMissing",
    what: "all three up",
    interval: "1m",
    series: [0, 1, 2].map((i) => ({ series: `cnpg_collector_up{${DATA}, pod="timescaledb-${i}", cluster="timescaledb"}`, values: "1x10" })),
    evalTime: "6m",
    firing: [],
  },
  {
    alert: "TimescaleDBReplicationLag",
    what: "a standby replays 12 s behind",
    interval: "1m",
    series: [{ series: `cnpg_pg_replication_lag{${DATA}, pod="timescaledb-2"}`, values: "12x10" }],
    evalTime: "3m",
    firing: [
      {
        labels: { severity: "warning", pod: "timescaledb-2" },
        annotations: { summary: "A TimescaleDB standby is lagging", description: "timescaledb-2 replays WAL 12s behind the primary (threshold 5s)." },
      },
    ],
  },
  {
    alert: "TimescaleDBReplicationLag",
    what: "lag under a second",
    interval: "1m",
    series: [{ series: `cnpg_pg_replication_lag{${DATA}, pod="timescaledb-2"}`, values: "0.4x10" }],
    evalTime: "3m",
    firing: [],
  },
  {
    alert: "TimescaleDBWALArchivingFailing",
    what: "archive attempts keep failing",
    interval: "1m",
    series: [{ series: `cnpg_pg_stat_archiver_failed_count{${DATA}, pod="timescaledb-0"}`, values: "0+1x30" }],
    evalTime: "20m",
    firing: [
      {
        labels: { severity: "critical", namespace: "hft-data", pod: "timescaledb-0" },
        annotations: {
          summary: "WAL archiving to S3 is failing",
          description: "timescaledb-0 cannot archive WAL: point-in-time recovery stops at the last archived segment and pg_wal fills up.",
        },
      },
    ],
  },
  {
    alert: "TimescaleDBWALArchivingFailing",
    what: "an old failure, none since",
    interval: "1m",
    series: [{ series: `cnpg_pg_stat_archiver_failed_count{${DATA}, pod="timescaledb-0"}`, values: "2x30" }],
    evalTime: "20m",
    firing: [],
  },
  {
    alert: "TimescaleDBBackupFailed",
    what: "the newest attempt failed after the last good backup",
    interval: "1m",
    series: [
      { series: `barman_cloud_cloudnative_pg_io_last_available_backup_timestamp{${DATA}, pod="timescaledb-0"}`, values: "1000x10" },
      { series: `barman_cloud_cloudnative_pg_io_last_failed_backup_timestamp{${DATA}, pod="timescaledb-0"}`, values: "2000x10" },
    ],
    evalTime: "6m",
    firing: [
      {
        labels: { severity: "critical" },
        annotations: { summary: "The last TimescaleDB base backup failed", description: "The newest backup attempt failed after the last successful one; see the Backup resources in hft-data." },
      },
    ],
  },
  {
    alert: "TimescaleDBBackupFailed",
    what: "a failure, then a good backup",
    interval: "1m",
    series: [
      { series: `barman_cloud_cloudnative_pg_io_last_available_backup_timestamp{${DATA}, pod="timescaledb-0"}`, values: "3000x10" },
      { series: `barman_cloud_cloudnative_pg_io_last_failed_backup_timestamp{${DATA}, pod="timescaledb-0"}`, values: "2000x10" },
    ],
    evalTime: "6m",
    firing: [],
  },
  {
    alert: "TimescaleDBBackupTooOld",
    // promtool's clock starts at 0: a backup 28 h before the window has the timestamp -100800.
    what: "the last backup finished 28 hours ago (prod's maxAgeHours is 26)",
    interval: "1m",
    series: [{ series: `barman_cloud_cloudnative_pg_io_last_available_backup_timestamp{${DATA}, pod="timescaledb-0"}`, values: "-100800x30" }],
    evalTime: "20m",
    firing: [
      {
        labels: { severity: "critical" },
        annotations: { summary: "No recent TimescaleDB base backup", description: 'The newest base backup is older than 26h (schedule "0 0 3 * * *").' },
      },
    ],
  },
  {
    alert: "TimescaleDBBackupTooOld",
    what: "the primary reports no backup at all",
    interval: "5m",
    series: [{ series: `cnpg_collector_up{${DATA}, pod="timescaledb-0"}`, values: "1x10" }],
    evalTime: "20m",
    firing: [
      {
        labels: { severity: "critical", namespace: "hft-data" },
        annotations: { summary: "No recent TimescaleDB base backup", description: 'The newest base backup is older than 26h (schedule "0 0 3 * * *").' },
      },
    ],
  },
  {
    alert: "TimescaleDBBackupTooOld",
    what: "the last backup finished 20 hours ago",
    interval: "1m",
    series: [{ series: `barman_cloud_cloudnative_pg_io_last_available_backup_timestamp{${DATA}, pod="timescaledb-0"}`, values: "-72000x30" }],
    evalTime: "20m",
    firing: [],
  },
  {
    alert: "TimescaleDBVolumeFillingUp",
    what: "the data volume is 90% full",
    interval: "1m",
    series: [
      { series: `kubelet_volume_stats_available_bytes{${DATA}, persistentvolumeclaim="timescaledb-0"}`, values: "10x20" },
      { series: `kubelet_volume_stats_capacity_bytes{${DATA}, persistentvolumeclaim="timescaledb-0"}`, values: "100x20" },
    ],
    evalTime: "12m",
    firing: [
      {
        labels: { severity: "warning", namespace: "hft-data", persistentvolumeclaim: "timescaledb-0" },
        annotations: { summary: "A TimescaleDB volume is over 85% full", description: "timescaledb-0 has 10% free; grow timescaledb.storage in the stack file." },
      },
    ],
  },
  {
    alert: "TimescaleDBVolumeFillingUp",
    what: "the WAL volume is half full",
    interval: "1m",
    series: [
      { series: `kubelet_volume_stats_available_bytes{${DATA}, persistentvolumeclaim="timescaledb-0-wal"}`, values: "50x20" },
      { series: `kubelet_volume_stats_capacity_bytes{${DATA}, persistentvolumeclaim="timescaledb-0-wal"}`, values: "100x20" },
    ],
    evalTime: "12m",
    firing: [],
  },
  {
    alert: "TimescaleDBVolumeNearlyFull",
    what: "the WAL volume is 98% full",
    interval: "1m",
    series: [
      { series: `kubelet_volume_stats_available_bytes{${DATA}, persistentvolumeclaim="timescaledb-1-wal"}`, values: "2x20" },
      { series: `kubelet_volume_stats_capacity_bytes{${DATA}, persistentvolumeclaim="timescaledb-1-wal"}`, values: "100x20" },
    ],
    evalTime: "8m",
    firing: [
      {
        labels: { severity: "critical", namespace: "hft-data", persistentvolumeclaim: "timescaledb-1-wal" },
        annotations: { summary: "A TimescaleDB volume is over 95% full", description: "timescaledb-1-wal has 2% free; PostgreSQL stops when it fills." },
      },
    ],
  },
  {
    alert: "TimescaleDBVolumeNearlyFull",
    what: "90% full is a warning, not this page",
    interval: "1m",
    series: [
      { series: `kubelet_volume_stats_available_bytes{${DATA}, persistentvolumeclaim="timescaledb-1-wal"}`, values: "10x20" },
      { series: `kubelet_volume_stats_capacity_bytes{${DATA}, persistentvolumeclaim="timescaledb-1-wal"}`, values: "100x20" },
    ],
    evalTime: "8m",
    firing: [],
  },
  {
    alert: "TimescaleDBSynchronousStandbysMissing",
    what: "no standby streams, while synchronous_standby_names still asks for one (the collector's sync_replicas stays at 1)",
    interval: "1m",
    series: [
      { series: `cnpg_collector_sync_replicas{${DATA}, pod="timescaledb-0", value="observed"}`, values: "1x10" },
      { series: `cnpg_pg_replication_in_recovery{${DATA}, pod="timescaledb-0"}`, values: "0x10" },
      { series: `cnpg_pg_replication_streaming_replicas{${DATA}, pod="timescaledb-0"}`, values: "0x10" },
      { series: `cnpg_pg_replication_in_recovery{${DATA}, pod="timescaledb-1"}`, values: "1x10" },
      { series: `cnpg_pg_replication_streaming_replicas{${DATA}, pod="timescaledb-1"}`, values: "0x10" },
    ],
    evalTime: "3m",
    firing: [
      {
        labels: { severity: "critical" },
        annotations: {
          summary: "Too few standbys stream from the primary",
          description: "0 standby(s) stream from the primary; 1 must be synchronous. Commits wait for a synchronous standby that is not there: writes are blocked.",
        },
      },
    ],
  },
  {
    alert: "TimescaleDBSynchronousStandbysMissing",
    what: "both standbys stream from the primary",
    interval: "1m",
    series: [
      { series: `cnpg_pg_replication_in_recovery{${DATA}, pod="timescaledb-0"}`, values: "0x10" },
      { series: `cnpg_pg_replication_streaming_replicas{${DATA}, pod="timescaledb-0"}`, values: "2x10" },
      { series: `cnpg_pg_replication_in_recovery{${DATA}, pod="timescaledb-1"}`, values: "1x10" },
      { series: `cnpg_pg_replication_streaming_replicas{${DATA}, pod="timescaledb-1"}`, values: "0x10" },
    ],
    evalTime: "3m",
    firing: [],
  },
  {
    alert: "EngineNodeClockOffsetHigh",
    what: "an engine node's clock 150 µs off (prod's bound is 100 µs)",
    interval: "30s",
    series: [
      { series: 'node_timex_offset_seconds{node="ip-10-30-1-10", instance="10.30.1.10:9100"}', values: "-0.00015x10" },
      { series: `kube_node_labels{node="ip-10-30-1-10", ${ENGINE_NODE}}`, values: "1x10" },
    ],
    evalTime: "3m",
    firing: [
      {
        labels: { severity: "critical", node: "ip-10-30-1-10" },
        annotations: {
          summary: "An engine node's clock is off by more than its bound",
          description: "ip-10-30-1-10's clock is 150us off, above the 100 µs bound: order timestamps from it are out of tolerance.",
        },
      },
    ],
  },
  {
    alert: "EngineNodeClockOffsetHigh",
    what: "150 µs on a system node is not the engine's page",
    interval: "30s",
    series: [
      { series: 'node_timex_offset_seconds{node="ip-10-30-2-20", instance="10.30.2.20:9100"}', values: "0.00015x10" },
      { series: 'kube_node_labels{node="ip-10-30-2-20", label_node_type="system"}', values: "1x10" },
      { series: 'node_timex_offset_seconds{node="ip-10-30-1-10", instance="10.30.1.10:9100"}', values: "0.00002x10" },
      { series: `kube_node_labels{node="ip-10-30-1-10", ${ENGINE_NODE}}`, values: "1x10" },
    ],
    evalTime: "3m",
    firing: [],
  },
  {
    alert: "NodeClockOffsetHigh",
    what: "a system node's clock 2 ms off (prod's bound is 1000 µs)",
    interval: "30s",
    series: [
      { series: 'node_timex_offset_seconds{node="ip-10-30-2-20", instance="10.30.2.20:9100"}', values: "0.002x20" },
      { series: 'kube_node_labels{node="ip-10-30-2-20", label_node_type="system"}', values: "1x20" },
    ],
    evalTime: "7m",
    firing: [
      {
        labels: { severity: "warning", node: "ip-10-30-2-20" },
        annotations: { summary: "A node's clock is off by more than its bound", description: "ip-10-30-2-20's clock is 2ms off, above the 1000 µs bound." },
      },
    ],
  },
  {
    alert: "NodeClockOffsetHigh",
    what: "an engine node 2 ms off pages as an engine node, not here",
    interval: "30s",
    series: [
      { series: 'node_timex_offset_seconds{node="ip-10-30-1-10", instance="10.30.1.10:9100"}', values: "0.002x20" },
      { series: `kube_node_labels{node="ip-10-30-1-10", ${ENGINE_NODE}}`, values: "1x20" },
    ],
    evalTime: "7m",
    firing: [],
  },
  {
    alert: "NodeClockNotSynchronised",
    what: "chrony lost its source for three minutes",
    interval: "30s",
    series: [{ series: 'node_timex_sync_status{node="ip-10-30-1-10", instance="10.30.1.10:9100"}', values: "1 1 0 0 0 0 0 0 0 0 0" }],
    evalTime: "5m",
    firing: [
      {
        labels: { severity: "critical", node: "ip-10-30-1-10" },
        annotations: {
          summary: "A node's clock has lost synchronisation",
          description: "ip-10-30-1-10 reports its clock unsynchronised for 2m: chrony lost the Amazon Time Sync Service (chronyc sources on the node).",
        },
      },
    ],
  },
  {
    alert: "NodeClockNotSynchronised",
    what: "a one-minute loss recovers before the 2m allowance",
    interval: "30s",
    series: [{ series: 'node_timex_sync_status{node="ip-10-30-1-10", instance="10.30.1.10:9100"}', values: "1 1 0 0 1 1 1 1 1 1 1" }],
    evalTime: "5m",
    firing: [],
  },
  {
    alert: "RestoreDrillTooOld",
    // promtool's clock starts at 0: a success nine days before the window has the timestamp -777600.
    what: "the last successful drill was nine days ago (prod allows eight)",
    interval: "5m",
    series: [{ series: `kube_cronjob_status_last_successful_time{${DRILL}, cronjob="restore-drill"}`, values: "-777600x30" }],
    evalTime: "2h",
    firing: [
      {
        labels: { severity: "warning" },
        annotations: {
          summary: "No recent successful restore drill",
          description:
            'The last successful restore drill is older than 8 days (schedule "0 6 * * 6" UTC), or none has succeeded: nobody knows the backups restore. See the restore-drill Jobs in hft-restore-drill.',
        },
      },
    ],
  },
  {
    alert: "RestoreDrillTooOld",
    what: "last Saturday's drill succeeded",
    interval: "5m",
    series: [{ series: `kube_cronjob_status_last_successful_time{${DRILL}, cronjob="restore-drill"}`, values: "-259200x30" }],
    evalTime: "2h",
    firing: [],
  },
  {
    alert: "RestoreDrillFailed",
    what: "this week's drill job failed",
    interval: "1m",
    series: [{ series: `kube_job_status_failed{${DRILL}, job_name="restore-drill-29412360", reason="DeadlineExceeded"}`, values: "0 0 1 1 1" }],
    evalTime: "3m",
    firing: [
      {
        labels: { severity: "warning", job_name: "restore-drill-29412360" },
        annotations: {
          summary: "A restore drill failed",
          description:
            "Job restore-drill-29412360 failed: the backup did not restore, the checks failed, or it ran out of time. kubectl -n hft-restore-drill logs job/restore-drill-29412360.",
        },
      },
    ],
  },
  {
    alert: "RestoreDrillFailed",
    what: "the drill job succeeded",
    interval: "1m",
    series: [{ series: `kube_job_status_failed{${DRILL}, job_name="restore-drill-29412360", reason="DeadlineExceeded"}`, values: "0 0 0 0 0" }],
    evalTime: "3m",
    firing: [],
  },
  {
    alert: "EngineNodeLatencyCheckFailed",
    what: "an engine node's verifier reports its isolated CPUs wrong for two minutes",
    interval: "30s",
    series: [{ series: 'hft_node_latency_check{node="ip-10-30-1-10", instance="10.30.1.10:9100", check="isolated_cpus"}', values: "0x10" }],
    evalTime: "3m",
    firing: [
      {
        labels: { severity: "critical", node: "ip-10-30-1-10", instance: "10.30.1.10:9100", check: "isolated_cpus" },
        annotations: {
          summary: "An engine node failed a latency check",
          description:
            "Engine node ip-10-30-1-10 fails its check isolated_cpus (hft-verify-node; journalctl -u hft-node-verify on the node). Drain it: the engine's cores are not isolated as configured.",
        },
      },
    ],
  },
  {
    alert: "EngineNodeLatencyCheckFailed",
    what: "every check passes",
    interval: "30s",
    series: [
      { series: 'hft_node_latency_check{node="ip-10-30-1-10", instance="10.30.1.10:9100", check="isolated_cpus"}', values: "1x10" },
      { series: 'hft_node_latency_check{node="ip-10-30-1-10", instance="10.30.1.10:9100", check="irq_affinity"}', values: "1x10" },
    ],
    evalTime: "3m",
    firing: [],
  },
  {
    alert: "EngineNodeUnverified",
    what: "an engine node registered without the verified label",
    interval: "1m",
    series: [{ series: `kube_node_labels{node="ip-10-30-1-10", ${ENGINE_NODE}}`, values: "1x30" }],
    evalTime: "20m",
    firing: [
      {
        labels: { severity: "warning", node: "ip-10-30-1-10", label_node_type: "high-performance" },
        annotations: {
          summary: "An engine node never passed its verifier",
          description: "Node ip-10-30-1-10 has no hft-platform/latency-verified=true label: the engine will not run there. See its hft_node_latency_check series for the failed check.",
        },
      },
    ],
  },
  {
    alert: "EngineNodeUnverified",
    what: "the engine node carries the verified label",
    interval: "1m",
    series: [{ series: `kube_node_labels{node="ip-10-30-1-10", ${ENGINE_NODE}, label_hft_platform_latency_verified="true"}`, values: "1x30" }],
    evalTime: "20m",
    firing: [],
  },
  {
    alert: "RedisMasterOutsideEngineZone",
    what: "the Redis master runs in us-east-1b, the engine in us-east-1a",
    interval: "1m",
    series: [...enginePlacement("ip-10-30-33-10", "us-east-1b"), { series: `redis_instance_info{${CACHE}, pod="redis-0", role="master"}`, values: "1x10" }, { series: `kube_pod_info{${CACHE}, pod="redis-0", node="ip-10-30-33-10"}`, values: "1x10" }],
    evalTime: "7m",
    firing: [
      {
        labels: { severity: "warning", namespace: "hft-cache", pod: "redis-0", label_topology_kubernetes_io_zone: "us-east-1b" },
        annotations: {
          summary: "The Redis master is in another zone than the engine",
          description:
            "Redis master redis-0 runs in us-east-1b, not the engine's zone: every cache round trip crosses zones. Fail over to the replica in the engine's zone (SENTINEL FAILOVER after raising the others' replica-priority).",
        },
      },
    ],
  },
  {
    alert: "RedisMasterOutsideEngineZone",
    what: "the Redis master shares the engine's zone",
    interval: "1m",
    series: [...enginePlacement("ip-10-30-1-20", "us-east-1a"), { series: `redis_instance_info{${CACHE}, pod="redis-0", role="master"}`, values: "1x10" }, { series: `kube_pod_info{${CACHE}, pod="redis-0", node="ip-10-30-1-20"}`, values: "1x10" }],
    evalTime: "7m",
    firing: [],
  },
  {
    alert: "TimescaleDbPrimaryOutsideEngineZone",
    what: "the primary (not in recovery) runs in us-east-1c, the engine in us-east-1a",
    interval: "1m",
    series: [
      ...enginePlacement("ip-10-30-65-10", "us-east-1c"),
      { series: `cnpg_pg_replication_in_recovery{${DATA}, pod="timescaledb-1"}`, values: "0x10" },
      { series: `kube_pod_info{${DATA}, pod="timescaledb-1", node="ip-10-30-65-10"}`, values: "1x10" },
    ],
    evalTime: "7m",
    firing: [
      {
        labels: { severity: "warning", namespace: "hft-data", pod: "timescaledb-1", label_topology_kubernetes_io_zone: "us-east-1c" },
        annotations: {
          summary: "The TimescaleDB primary is in another zone than the engine",
          description: "Primary timescaledb-1 runs in us-east-1c, not the engine's zone: every write crosses zones. Switch over to the instance in the engine's zone (kubectl cnpg promote).",
        },
      },
    ],
  },
  {
    alert: "TimescaleDbPrimaryOutsideEngineZone",
    what: "only a standby sits in another zone",
    interval: "1m",
    series: [
      ...enginePlacement("ip-10-30-65-10", "us-east-1c"),
      { series: `cnpg_pg_replication_in_recovery{${DATA}, pod="timescaledb-2"}`, values: "1x10" },
      { series: `kube_pod_info{${DATA}, pod="timescaledb-2", node="ip-10-30-65-10"}`, values: "1x10" },
    ],
    evalTime: "7m",
    firing: [],
  },
];
