/**
 * Alerts on the nodes' clocks, from node-exporter's timex collector (the kernel clock chrony
 * disciplines: node_timex_offset_seconds, node_timex_sync_status) joined by node name with
 * kube-state-metrics' node labels (kube_node_labels, with the node-type label allow-listed).
 */
import { ClockAlertConfig } from "./config";
import { ENGINE_NODE_SELECTOR } from "./k8s/labels";
import { AlertRule } from "./k8s/monitoring";

/** kube-state-metrics exports a node label as `label_<key>` with every character outside [a-zA-Z0-9_] as "_". */
export const ENGINE_NODE_LABEL_MATCHER = `label_${ENGINE_NODE_SELECTOR.key.replace(/[^a-zA-Z0-9_]/g, "_")}="${ENGINE_NODE_SELECTOR.value}"`;

export function clockAlerts(clock: ClockAlertConfig): AlertRule[] {
  const offset = "max by (node) (abs(node_timex_offset_seconds))";
  const engineNodes = `kube_node_labels{${ENGINE_NODE_LABEL_MATCHER}}`;
  return [
    {
      alert: "EngineNodeClockOffsetHigh",
      expr: `${offset} > ${clock.engineMaxOffsetUs / 1e6} and on (node) ${engineNodes}`,
      for: "1m",
      severity: "critical",
      summary: "An engine node's clock is off by more than its bound",
      description: `{{ $labels.node }}'s clock is {{ $value | humanizeDuration }} off, above the ${clock.engineMaxOffsetUs} µs bound: order timestamps from it are out of tolerance.`,
    },
    {
      alert: "NodeClockOffsetHigh",
      expr: `${offset} > ${clock.systemMaxOffsetUs / 1e6} unless on (node) ${engineNodes}`,
      for: "5m",
      severity: "warning",
      summary: "A node's clock is off by more than its bound",
      description: `{{ $labels.node }}'s clock is {{ $value | humanizeDuration }} off, above the ${clock.systemMaxOffsetUs} µs bound.`,
    },
    {
      alert: "NodeClockNotSynchronised",
      expr: "min by (node) (node_timex_sync_status) == 0",
      for: clock.lostSyncFor,
      severity: "critical",
      summary: "A node's clock has lost synchronisation",
      description: `{{ $labels.node }} reports its clock unsynchronised for ${clock.lostSyncFor}: chrony lost the Amazon Time Sync Service (chronyc sources on the node).`,
    },
  ];
}
