/**
 * Alertmanager's configuration file and the Secret keys its receivers read their credentials from:
 * alertmanager.yml names only file paths, so no credential is ever in the chart's values.
 */
import type { AlertReceiver, MonitoringConfig } from "./config";
import type { AlertmanagerConfigFile } from "./monitoring-values";

export const RECEIVER_SECRET = "alertmanager-receivers";
/** Where the operator mounts `alertmanagerSpec.secrets` inside Alertmanager pods. */
const RECEIVER_SECRET_DIR = `/etc/alertmanager/secrets/${RECEIVER_SECRET}`;

/** Secret keys holding receiver credentials, by receiver; discard receivers have none. */
export function receiverCredentials(receivers: AlertReceiver[]): Record<string, string> {
  const entries = receivers.flatMap((r): [string, string][] => {
    switch (r.kind) {
      case "slack":
        return [[`${r.name}-api-url`, r.apiUrl]];
      case "pagerduty":
        return [[`${r.name}-routing-key`, r.routingKey]];
      case "webhook":
        return [[`${r.name}-url`, r.url]];
      default:
        return [];
    }
  });
  return Object.fromEntries(entries);
}

/** Receivers read their credentials from the mounted Secret's files: alertmanager.yml holds only paths. */
function receiverConfig(r: AlertReceiver): Record<string, unknown> {
  const file = (key: string) => `${RECEIVER_SECRET_DIR}/${r.name}-${key}`;
  switch (r.kind) {
    case "slack":
      return { name: r.name, slack_configs: [{ api_url_file: file("api-url"), channel: r.channel, send_resolved: true }] };
    case "pagerduty":
      return { name: r.name, pagerduty_configs: [{ routing_key_file: file("routing-key"), send_resolved: true }] };
    case "webhook":
      return { name: r.name, webhook_configs: [{ url_file: file("url"), send_resolved: true }] };
    default:
      return { name: r.name };
  }
}

export function alertmanagerConfigFile(am: MonitoringConfig["alertmanager"]): AlertmanagerConfigFile {
  return {
    global: { resolve_timeout: "5m" },
    route: {
      receiver: am.defaultReceiver,
      group_by: ["namespace", "alertname"],
      group_wait: "30s",
      group_interval: "5m",
      repeat_interval: "4h",
      routes: am.routes.map((r) => ({ receiver: r.receiver, matchers: r.matchers, continue: r.continue })),
    },
    receivers: am.receivers.map(receiverConfig),
    inhibit_rules: [
      // A critical alert silences the warnings and infos it explains.
      { source_matchers: ['severity = "critical"'], target_matchers: ['severity =~ "warning|info"'], equal: ["namespace", "alertname"] },
      { source_matchers: ['severity = "warning"'], target_matchers: ['severity = "info"'], equal: ["namespace", "alertname"] },
      // The chart's InfoInhibitor only exists to mute info alerts; it never notifies itself.
      { source_matchers: ['alertname = "InfoInhibitor"'], target_matchers: ['severity = "info"'], equal: ["namespace"] },
      { target_matchers: ['alertname = "InfoInhibitor"'] },
    ],
    templates: ["/etc/alertmanager/config/*.tmpl"],
  };
}
