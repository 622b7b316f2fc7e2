import { AlertRule } from "./k8s/monitoring";
import type { TimescaleDbArgs, TimescaleDbBackups } from "./timescaledb";

const REPLICATION_LAG_ALERT_SECONDS = 5;

/** Alerts on what loses data or availability: instances, replication, WAL archiving and backups (when on), disk. */
export function timescaleDbAlerts(
  args: Pick<TimescaleDbArgs, "instances" | "synchronous" | "backups">,
  names: { namespace: string; cluster: string },
): AlertRule[] {
  const sel = `namespace="${names.namespace}", pod=~"${names.cluster}-[0-9]+"`;
  const volumes = `namespace="${names.namespace}", persistentvolumeclaim=~"${names.cluster}-[0-9]+(-wal)?"`;
  const rules: AlertRule[] = [
    {
      alert: "TimescaleDBInstanceDown",
      expr: `cnpg_collector_up{${sel}} == 0`,
      for: "1m",
      severity: "critical",
      summary: "A TimescaleDB instance is not running PostgreSQL",
      description: "{{ $labels.pod }} reports PostgreSQL down; CloudNativePG fails over if it is the primary.",
    },
    {
      alert: "TimescaleDBInstancesMissing",
      expr: `count(cnpg_collector_up{${sel}} == 1) < ${args.instances} or absent(cnpg_collector_up{${sel}})`,
      for: "5m",
      severity: "critical",
      summary: "Fewer TimescaleDB instances are up than configured",
      description: `Expected ${args.instances} running instance(s); check pending pods, nodes and volumes in ${names.namespace}.`,
    },
    {
      alert: "TimescaleDBReplicationLag",
      expr: `max by (pod) (cnpg_pg_replication_lag{${sel}}) > ${REPLICATION_LAG_ALERT_SECONDS}`,
      for: "2m",
      severity: "warning",
      summary: "A TimescaleDB standby is lagging",
      description: `{{ $labels.pod }} replays WAL {{ $value }}s behind the primary (threshold ${REPLICATION_LAG_ALERT_SECONDS}s).`,
    },
    ...(args.backups ? backupAlerts(sel, args.backups) : []),
    {
      alert: "TimescaleDBVolumeFillingUp",
      expr: `kubelet_volume_stats_available_bytes{${volumes}} / kubelet_volume_stats_capacity_bytes{${volumes}} < 0.15`,
      for: "10m",
      severity: "warning",
      summary: "A TimescaleDB volume is over 85% full",
      description: "{{ $labels.persistentvolumeclaim }} has {{ $value | humanizePercentage }} free; grow timescaledb.storage in the stack file.",
    },
    {
      alert: "TimescaleDBVolumeNearlyFull",
      expr: `kubelet_volume_stats_available_bytes{${volumes}} / kubelet_volume_stats_capacity_bytes{${volumes}} < 0.05`,
      for: "5m",
      severity: "critical",
      summary: "A TimescaleDB volume is over 95% full",
      description: "{{ $labels.persistentvolumeclaim }} has {{ $value | humanizePercentage }} free; PostgreSQL stops when it fills.",
    },
  ];
  if (args.synchronous.number > 0) {
    // cnpg_collector_sync_replicas{value="observed"} is the count synchronous_standby_names asks
    // for (its help text: "Number of requested synchronous replicas"), so it stays at the configured
    // number while standbys are gone. cnpg_pg_replication_streaming_replicas is the primary's row
    // count of pg_stat_replication: the standbys actually connected (CloudNativePG
    // config/manager/default-monitoring.yaml, pg_replication; read 2026-12-07).
    const primary = `cnpg_pg_replication_in_recovery{${sel}} == 0`;
    rules.push({
      alert: "TimescaleDBSynchronousStandbysMissing",
      expr: `max(cnpg_pg_replication_streaming_replicas{${sel}} and on (pod) (${primary})) < ${args.synchronous.number}`,
      for: "1m",
      severity: "critical",
      summary: "Too few standbys stream from the primary",
      description:
        `{{ $value }} standby(s) stream from the primary; ${args.synchronous.number} must be synchronous. ` +
        (args.synchronous.dataDurability === "required"
          ? "Commits wait for a synchronous standby that is not there: writes are blocked."
          : "Commits are acknowledged without a synchronous standby: a failover now can lose them."),
    });
  }
  return rules;
}

/** WAL archiving and base backups: failing, failed, or too old. */
function backupAlerts(sel: string, backups: Pick<TimescaleDbBackups, "maxAgeHours" | "schedule">): AlertRule[] {
  const lastBackup = `barman_cloud_cloudnative_pg_io_last_available_backup_timestamp{${sel}}`;
  return [
    {
      alert: "TimescaleDBWALArchivingFailing",
      expr: `increase(cnpg_pg_stat_archiver_failed_count{${sel}}[10m]) > 0`,
      for: "10m",
      severity: "critical",
      summary: "WAL archiving to S3 is failing",
      description: "{{ $labels.pod }} cannot archive WAL: point-in-time recovery stops at the last archived segment and pg_wal fills up.",
    },
    {
      alert: "TimescaleDBBackupFailed",
      expr: `max(barman_cloud_cloudnative_pg_io_last_failed_backup_timestamp{${sel}}) > max(${lastBackup})`,
      for: "5m",
      severity: "critical",
      summary: "The last TimescaleDB base backup failed",
      description: "The newest backup attempt failed after the last successful one; see the Backup resources in hft-data.",
    },
    {
      alert: "TimescaleDBBackupTooOld",
      expr: `time() - max(${lastBackup}) > ${backups.maxAgeHours * 3600} or absent(${lastBackup})`,
      for: "15m",
      severity: "critical",
      summary: "No recent TimescaleDB base backup",
      description: `The newest base backup is older than ${backups.maxAgeHours}h (schedule "${backups.schedule}").`,
    },
  ];
}
