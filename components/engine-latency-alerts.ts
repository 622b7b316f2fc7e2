/**
 * Alerts on the engine's latency path outside the engine itself (a leaf of engine.ts): an engine node
 * whose verifier reports a failed check or that never got the verified label, and a data store's
 * primary (the Redis master, the TimescaleDB primary) in another zone than the engine. Node names
 * come from node-exporter's `node` label (monitoring.ts relabels it) and kube-state-metrics; zones from
 * kube_node_labels, whose zone and engine labels monitoring.ts allowlists.
 */
import { ENGINE_NODE_SELECTOR, LATENCY_VERIFIED_LABEL } from "./k8s/labels";
import { AlertRule } from "./k8s/monitoring";
import type { TradingEngineArgs } from "./engine";

/** A label as kube-state-metrics names it in kube_node_labels (label_ + the key with every other character as _). */
const ksmLabel = (key: string) => `label_${key.replace(/[^a-zA-Z0-9_]/g, "_")}`;
const ZONE = ksmLabel("topology.kubernetes.io/zone");

/** The zone each series' pod runs in, keeping the series' namespace and pod. */
function zoneOf(series: string): string {
  return `max by (namespace, pod, ${ZONE}) ((${series}) * on (namespace, pod) group_left (node) max by (namespace, pod, node) (kube_pod_info) * on (node) group_left (${ZONE}) max by (node, ${ZONE}) (kube_node_labels))`;
}

export function engineLatencyPathAlerts(args: TradingEngineArgs, namespace: string): AlertRule[] {
  const enginePods = `kube_pod_info{namespace="${namespace}", pod=~"trading-engine-[0-9]+"}`;
  const engineZones = `max by (${ZONE}) (${zoneOf(enginePods)})`;
  const outsideEngineZone = (primary: string) => `(${zoneOf(primary)} unless on (${ZONE}) ${engineZones}) and on () (count(${enginePods}) > 0)`;
  const engineNode = `kube_node_labels{${ksmLabel(ENGINE_NODE_SELECTOR.key)}="${ENGINE_NODE_SELECTOR.value}"}`;
  const verified = `kube_node_labels{${ksmLabel(LATENCY_VERIFIED_LABEL.key)}="${LATENCY_VERIFIED_LABEL.value}"}`;
  return [
    {
      alert: "EngineNodeLatencyCheckFailed",
      expr: "hft_node_latency_check == 0",
      for: "2m",
      severity: "critical",
      summary: "An engine node failed a latency check",
      description: "Engine node {{ $labels.node }} fails its check {{ $labels.check }} (hft-verify-node; journalctl -u hft-node-verify on the node). Drain it: the engine's cores are not isolated as configured.",
    },
    {
      alert: "EngineNodeUnverified",
      expr: `${engineNode} unless on (node) ${verified}`,
      for: "15m",
      severity: "warning",
      summary: "An engine node never passed its verifier",
      description: `Node {{ $labels.node }} has no ${LATENCY_VERIFIED_LABEL.key}=${LATENCY_VERIFIED_LABEL.value} label: the engine will not run there. See its hft_node_latency_check series for the failed check.`,
    },
    {
      alert: "RedisMasterOutsideEngineZone",
      expr: outsideEngineZone(`redis_instance_info{namespace="${args.redis.namespace}", role="master"}`),
      for: "5m",
      severity: "warning",
      summary: "The Redis master is in another zone than the engine",
      description: `Redis master {{ $labels.pod }} runs in {{ $labels.${ZONE} }}, not the engine's zone: every cache round trip crosses zones. Fail over to the replica in the engine's zone (SENTINEL FAILOVER after raising the others' replica-priority).`,
    },
    {
      alert: "TimescaleDbPrimaryOutsideEngineZone",
      expr: outsideEngineZone(`cnpg_pg_replication_in_recovery{namespace="${args.database.namespace}"} == 0`),
      for: "5m",
      severity: "warning",
      summary: "The TimescaleDB primary is in another zone than the engine",
      description: `Primary {{ $labels.pod }} runs in {{ $labels.${ZONE} }}, not the engine's zone: every write crosses zones. Switch over to the instance in the engine's zone (kubectl cnpg promote).`,
    },
  ];
}
