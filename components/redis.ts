import { createHash } from "node:crypto";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { parseQuantity, RedisConfig } from "./config";
import { selectorLabels, standardLabels } from "./k8s/labels";
import { AlertRule, MonitoringHandle, prometheusRule, scrapers, serviceMonitor } from "./k8s/monitoring";
import { namespaceGuardrails, PlatformNamespace } from "./k8s/namespace";
import { DNS_EGRESS, namespacePeer, networkPolicy, tcp } from "./k8s/network";
import { container, execProbe, restrictedContainerSecurityContext, restrictedPodSecurityContext, tcpProbe } from "./k8s/pod";
import { engineZonePreference, WorkloadCluster } from "./k8s/workload-cluster";

export const REDIS_NAMESPACE = "hft-cache";
const NAME = "redis";
const PORTS = { redis: 6379, sentinel: 26379, metrics: 9121 } as const;
/** The official image's redis user; the exporter image's own user. */
const REDIS_UID = 999;
const EXPORTER_UID = 59000;
const AUTH_SECRET = "redis-auth";
const CLIENT_SECRET = "redis-client";
const PASSWORD_KEY = "password";
const HEADLESS = `${NAME}-headless`;
const CLUSTER_DOMAIN = "svc.cluster.local";

/** How clients reach Redis; everything in it is a stable name, so it is known before deployment. */
export interface RedisEndpoint {
  namespace: string;
  /**
   * `redis.hft-cache.svc.cluster.local`: every ready data pod. With Sentinel (production) that is the
   * master and its read-only replicas, so writers ask `sentinel` for the master instead.
   */
  host: string;
  port: number;
  sentinel?: { host: string; port: number; masterName: string };
  /** Secret in the client namespace holding the password. */
  clientSecretName: string;
  passwordKey: string;
  /** Labels of the Redis pods, for the client's egress NetworkPolicy. */
  podSelector: Record<string, string>;
}

export interface RedisArgs extends RedisConfig {
  /** Namespace of the only workload allowed to connect; it also receives the client Secret. */
  clientNamespace: pulumi.Input<string>;
  clientPodSelector: Record<string, string>;
  monitoring: MonitoringHandle;
  /** Production: the StatefulSet is protected and its volumes outlive it. */
  protect: boolean;
  cluster: WorkloadCluster;
}

/**
 * Redis with AOF persistence on the fastSsd class. Production runs three data pods spread over zones, each
 * with a Sentinel sidecar: losing a pod or a zone takes one Redis and one Sentinel, and the other two
 * Sentinels still make the quorum of 2 and the majority that authorizes a failover. Sidecars keep the
 * pod count down and need no separate placement; a Sentinel restarts with its Redis, which is fine
 * because the PDB and the spread allow only one down at a time. Development runs one pod, no Sentinel.
 */
export class Redis extends pulumi.ComponentResource {
  readonly endpoint: RedisEndpoint;
  readonly namespace: pulumi.Output<string>;

  constructor(name: string, args: RedisArgs, opts?: pulumi.ComponentResourceOptions) {
    super("hft:platform:Redis", name, {}, opts);
    const identity = { name: NAME, component: "cache" };
    const labels = standardLabels(identity);
    const selector = selectorLabels(identity);
    const sentinel = args.sentinel.enabled;

    const ns = new PlatformNamespace(
      REDIS_NAMESPACE,
      {
        name: REDIS_NAMESPACE,
        labels: standardLabels({ name: REDIS_NAMESPACE, component: "cache" }),
        podSecurity: "restricted",
        provider: args.cluster.provider,
        namespaceProvider: args.cluster.secretsProvider,
      },
      { parent: this },
    );
    this.namespace = ns.name;
    const k8sOpts = { parent: this, provider: args.cluster.provider, dependsOn: [ns] };

    namespaceGuardrails(
      NAME,
      {
        namespace: ns.name,
        labels,
        pods: {
          count: args.replicas,
          containers: [args.resources, ...(args.sentinel.enabled ? [args.sentinelResources] : []), args.exporterResources],
          persistentVolumeClaims: 1,
        },
      },
      k8sOpts,
    );

    const password = new random.RandomPassword(`${name}-password`, { length: 32, special: false }, { parent: this });
    new k8s.core.v1.Secret(
      AUTH_SECRET,
      { metadata: { name: AUTH_SECRET, namespace: ns.name, labels }, type: "Opaque", stringData: { [PASSWORD_KEY]: pulumi.secret(password.result) } },
      { ...k8sOpts, provider: args.cluster.secretsProvider },
    );
    new k8s.core.v1.Secret(
      `${CLIENT_SECRET}-client`,
      {
        metadata: { name: CLIENT_SECRET, namespace: args.clientNamespace, labels },
        type: "Opaque",
        stringData: { [PASSWORD_KEY]: pulumi.secret(password.result) },
      },
      { parent: this, provider: args.cluster.secretsProvider },
    );

    const files = configFiles(args);
    const configMap = new k8s.core.v1.ConfigMap(
      `${NAME}-config`,
      { metadata: { name: `${NAME}-config`, namespace: ns.name, labels }, data: files },
      k8sOpts,
    );

    const service = (serviceName: string, ports: { name: string; port: number }[], extra: Partial<k8s.types.input.core.v1.ServiceSpec>, component = "cache") =>
      new k8s.core.v1.Service(
        serviceName,
        {
          metadata: { name: serviceName, namespace: ns.name, labels: { ...labels, "app.kubernetes.io/component": component } },
          spec: { selector, ports: ports.map((p) => ({ name: p.name, port: p.port, targetPort: p.name, protocol: "TCP" })), ...extra },
        },
        k8sOpts,
      );
    const redisPort = { name: "redis", port: PORTS.redis };
    const sentinelPort = { name: "sentinel", port: PORTS.sentinel };
    // Stable per-pod DNS names, resolvable before pods are ready so peers can find each other at boot.
    service(HEADLESS, sentinel ? [redisPort, sentinelPort] : [redisPort], { clusterIP: "None", publishNotReadyAddresses: true });
    service(NAME, [redisPort], { type: "ClusterIP" });
    if (sentinel) service(`${NAME}-sentinel`, [sentinelPort], { type: "ClusterIP" });
    // Scraped pod by pod, ready or not, so an unready Redis still reports why.
    service(`${NAME}-metrics`, [{ name: "metrics", port: PORTS.metrics }], { clusterIP: "None", publishNotReadyAddresses: true }, "metrics");

    const statefulSet = new k8s.apps.v1.StatefulSet(
      NAME,
      {
        metadata: { name: NAME, namespace: ns.name, labels },
        spec: {
          serviceName: HEADLESS,
          replicas: args.replicas,
          // Pod 0 comes up first and is the master of a fresh cluster.
          podManagementPolicy: "OrderedReady",
          updateStrategy: { type: "RollingUpdate" },
          selector: { matchLabels: selector },
          persistentVolumeClaimRetentionPolicy: args.protect
            ? { whenDeleted: "Retain", whenScaled: "Retain" }
            : { whenDeleted: "Delete", whenScaled: "Delete" },
          template: {
            metadata: {
              labels,
              // Rolls the pods when the rendered configuration changes.
              annotations: { "hft-platform/config-sha256": createHash("sha256").update(JSON.stringify(files)).digest("hex") },
            },
            spec: podSpec(args, selector, configMap.metadata.name),
          },
          volumeClaimTemplates: [
            {
              metadata: { name: "data", labels },
              spec: { storageClassName: args.cluster.storage.classes.fastSsd, accessModes: ["ReadWriteOnce"], resources: { requests: { storage: args.storageSize } } },
            },
          ],
        },
      },
      { ...k8sOpts, protect: args.protect },
    );

    new k8s.policy.v1.PodDisruptionBudget(
      NAME,
      {
        metadata: { name: NAME, namespace: ns.name, labels },
        // One pod at a time: with Sentinel the other two keep the quorum; alone, dev lets drains proceed.
        spec: { selector: { matchLabels: selector }, maxUnavailable: 1, unhealthyPodEvictionPolicy: "AlwaysAllow" },
      },
      k8sOpts,
    );

    const clientPorts = sentinel ? tcp(PORTS.redis, PORTS.sentinel) : tcp(PORTS.redis);
    const peers = sentinel ? [{ podSelector: { matchLabels: selector } }] : [];
    networkPolicy(
      NAME,
      {
        name: NAME,
        namespace: ns.name,
        labels,
        podSelector: { matchLabels: selector },
        ingress: [
          { from: [namespacePeer(args.clientNamespace, args.clientPodSelector)], ports: clientPorts },
          { from: scrapers(args.monitoring), ports: tcp(PORTS.metrics) },
          // Replication and Sentinel gossip among the Redis pods.
          ...(sentinel ? [{ from: peers, ports: tcp(PORTS.redis, PORTS.sentinel) }] : []),
        ],
        egress: [DNS_EGRESS, ...(sentinel ? [{ to: peers, ports: tcp(PORTS.redis, PORTS.sentinel) }] : [])],
      },
      k8sOpts,
    );

    const monitoringArgs = { name: NAME, namespace: ns.name, labels, monitoring: args.monitoring, provider: args.cluster.provider, parent: this };
    serviceMonitor(monitoringArgs, { ...selector, "app.kubernetes.io/component": "metrics" }, selector, [{ port: "metrics", targetPort: PORTS.metrics, interval: "15s" }]);
    prometheusRule(monitoringArgs, "redis", alertRules(args));

    const fqdn = (service: string) => `${service}.${REDIS_NAMESPACE}.${CLUSTER_DOMAIN}`;
    this.endpoint = {
      namespace: REDIS_NAMESPACE,
      host: fqdn(NAME),
      port: PORTS.redis,
      ...(sentinel ? { sentinel: { host: fqdn(`${NAME}-sentinel`), port: PORTS.sentinel, masterName: args.sentinel.masterName } } : {}),
      clientSecretName: CLIENT_SECRET,
      passwordKey: PASSWORD_KEY,
      podSelector: selector,
    };
    this.registerOutputs({ namespace: this.namespace, endpoint: this.endpoint, statefulSet: statefulSet.metadata.name });
  }
}

function podName(ordinal: number): string {
  return `${NAME}-${ordinal}.${HEADLESS}.${REDIS_NAMESPACE}.${CLUSTER_DOMAIN}`;
}

/** redis.conf from typed config, without the password (appended in memory at start). */
export function redisConf(args: RedisConfig): string {
  const lines = [
    "# Rendered by the platform from the stack's redis config. The password is appended at start.",
    "bind 0.0.0.0",
    `port ${PORTS.redis}`,
    "protected-mode yes",
    "dir /data",
    "appendonly yes",
    `appendfsync ${args.appendfsync}`,
    "aof-use-rdb-preamble yes",
    // The AOF is the durable copy; no RDB snapshots on top.
    'save ""',
    `maxmemory ${parseQuantity(args.maxmemory)}`,
    `maxmemory-policy ${args.maxmemoryPolicy}`,
    "tcp-keepalive 60",
    "enable-debug-command no",
    "enable-module-command no",
    "enable-protected-configs no",
    ...args.disabledCommands.map((c) => `rename-command ${c} ""`),
  ];
  return lines.join("\n") + "\n";
}

/** Shell that asks the sentinels for the current master (a sentinel skips itself: SKIP_SELF), else names pod 0. */
function discoverMaster(args: RedisConfig): string {
  const peers = Array.from({ length: args.replicas }, (_, i) => podName(i)).join(" ");
  return `self="$(hostname).${HEADLESS}.${REDIS_NAMESPACE}.${CLUSTER_DOMAIN}"
master=""
for peer in ${peers}; do
  [ "$peer" = "$self" ] && [ "\${SKIP_SELF:-no}" = yes ] && continue
  answer="$(timeout 3 redis-cli --raw -h "$peer" -p ${PORTS.sentinel} SENTINEL get-master-addr-by-name ${args.sentinel.masterName} 2>/dev/null | head -n 1 || true)"
  case "$answer" in ${NAME}-*.${HEADLESS}.*) master="$answer"; break ;; esac
done
# No sentinel knows a master: a fresh cluster, where pod 0 starts as master.
[ -n "$master" ] || master="${podName(0)}"
`;
}

/** Start scripts and redis.conf; none of them holds the password (it comes from the Secret's env). */
export function configFiles(args: RedisConfig): Record<string, string> {
  const header = `#!/bin/sh
# Builds the runtime config in memory (an emptyDir) from the ConfigMap plus the password in $REDIS_PASSWORD.
set -eu
umask 077
`;
  const redisStart = `${header}conf=/run/redis/redis.conf
cp /etc/redis/redis.conf "$conf"
printf 'requirepass %s\\nmasterauth %s\\n' "$REDIS_PASSWORD" "$REDIS_PASSWORD" >> "$conf"
${
  args.sentinel.enabled
    ? `${discoverMaster(args)}echo "replica-announce-ip $self" >> "$conf"
[ "$master" = "$self" ] || echo "replicaof $master ${PORTS.redis}" >> "$conf"
`
    : ""
}exec redis-server "$conf"
`;
  const files: Record<string, string> = { "redis.conf": redisConf(args), "start-redis.sh": redisStart };
  if (args.sentinel.enabled) {
    const s = args.sentinel;
    files["start-sentinel.sh"] = `${header}SKIP_SELF=yes
${discoverMaster(args)}conf=/run/sentinel/sentinel.conf
cat > "$conf" <<EOF
bind 0.0.0.0
port ${PORTS.sentinel}
protected-mode yes
dir /run/sentinel
sentinel resolve-hostnames yes
sentinel announce-hostnames yes
sentinel announce-ip $self
sentinel announce-port ${PORTS.sentinel}
requirepass $REDIS_PASSWORD
sentinel sentinel-pass $REDIS_PASSWORD
sentinel monitor ${s.masterName} $master ${PORTS.redis} ${s.quorum}
sentinel auth-pass ${s.masterName} $REDIS_PASSWORD
sentinel down-after-milliseconds ${s.masterName} ${s.downAfterMilliseconds}
sentinel failover-timeout ${s.masterName} ${s.failoverTimeoutMilliseconds}
sentinel parallel-syncs ${s.masterName} 1
EOF
exec redis-sentinel "$conf"
`;
  }
  return files;
}

function podSpec(args: RedisArgs, selector: Record<string, string>, configMapName: pulumi.Input<string>): k8s.types.input.core.v1.PodSpec {
  const secretEnv = (envName: string) => ({ name: envName, valueFrom: { secretKeyRef: { name: AUTH_SECRET, key: PASSWORD_KEY } } });
  // redis-cli reads REDISCLI_AUTH, so probes authenticate without the password on a command line.
  const authEnv = [secretEnv("REDIS_PASSWORD"), secretEnv("REDISCLI_AUTH")];
  const redisSecurity = restrictedContainerSecurityContext({ uid: REDIS_UID });
  const ping = (port: number) => ["sh", "-c", `redis-cli -h 127.0.0.1 -p ${port} ping | grep -q PONG`];
  const nodeAffinity = engineZonePreference(args.cluster.engineZone);
  const configMount = { name: "config", mountPath: "/etc/redis", readOnly: true };

  const containers = [
    container({
      name: "redis",
      image: args.image,
      command: ["sh", "/etc/redis/start-redis.sh"],
      ports: [{ name: "redis", containerPort: PORTS.redis, protocol: "TCP" }],
      env: authEnv,
      resources: args.resources,
      securityContext: redisSecurity,
      volumeMounts: [{ name: "data", mountPath: "/data" }, configMount, { name: "run", mountPath: "/run/redis" }],
      // Loading a large AOF takes a while; liveness starts only once Redis answered once.
      startupProbe: execProbe(ping(PORTS.redis), { periodSeconds: 5, timeoutSeconds: 3, failureThreshold: 120 }),
      readinessProbe: execProbe(ping(PORTS.redis), { periodSeconds: 5, timeoutSeconds: 3, failureThreshold: 2 }),
      livenessProbe: execProbe(ping(PORTS.redis), { periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 6 }),
    }),
  ];
  if (args.sentinel.enabled) {
    containers.push(
      container({
        name: "sentinel",
        image: args.image,
        command: ["sh", "/etc/redis/start-sentinel.sh"],
        ports: [{ name: "sentinel", containerPort: PORTS.sentinel, protocol: "TCP" }],
        env: authEnv,
        resources: args.sentinelResources,
        securityContext: redisSecurity,
        volumeMounts: [configMount, { name: "sentinel", mountPath: "/run/sentinel" }],
        readinessProbe: execProbe(ping(PORTS.sentinel), { periodSeconds: 5, timeoutSeconds: 3, failureThreshold: 2 }),
        livenessProbe: execProbe(ping(PORTS.sentinel), { initialDelaySeconds: 15, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 6 }),
      }),
    );
  }
  containers.push(
    container({
      name: "exporter",
      image: args.exporterImage,
      ports: [{ name: "metrics", containerPort: PORTS.metrics, protocol: "TCP" }],
      env: [{ name: "REDIS_ADDR", value: `redis://127.0.0.1:${PORTS.redis}` }, secretEnv("REDIS_PASSWORD")],
      resources: args.exporterResources,
      securityContext: restrictedContainerSecurityContext({ uid: EXPORTER_UID }),
      readinessProbe: tcpProbe("metrics", { periodSeconds: 10, timeoutSeconds: 3, failureThreshold: 3 }),
      livenessProbe: tcpProbe("metrics", { initialDelaySeconds: 10, periodSeconds: 20, timeoutSeconds: 3, failureThreshold: 3 }),
    }),
  );

  const memoryEmptyDir = { medium: "Memory", sizeLimit: "16Mi" };
  return {
    automountServiceAccountToken: false,
    enableServiceLinks: false,
    securityContext: restrictedPodSecurityContext({ uid: REDIS_UID }),
    terminationGracePeriodSeconds: 30,
    containers,
    volumes: [
      { name: "config", configMap: { name: configMapName, defaultMode: 0o444 } },
      // Runtime config with the password: memory-backed, never on disk.
      { name: "run", emptyDir: memoryEmptyDir },
      ...(args.sentinel.enabled ? [{ name: "sentinel", emptyDir: memoryEmptyDir }] : []),
    ],
    // One data pod per node and an even spread over zones, so one failure takes at most one pod.
    affinity: {
      // The first pod, the initial master, lands in the engine's zone; the spread below places the rest.
      ...(nodeAffinity ? { nodeAffinity } : {}),
      podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: selector }, topologyKey: "kubernetes.io/hostname" }] },
    },
    topologySpreadConstraints: [
      { maxSkew: 1, topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: "DoNotSchedule", labelSelector: { matchLabels: selector } },
    ],
  };
}

export function alertRules(args: RedisConfig): AlertRule[] {
  const scope = `namespace="${REDIS_NAMESPACE}"`;
  const rules: AlertRule[] = [
    {
      alert: "RedisDown",
      expr: `redis_up{${scope}} == 0 or up{${scope}, service="${NAME}-metrics"} == 0 or absent(redis_up{${scope}})`,
      for: "1m",
      severity: "critical",
      summary: "Redis is down",
      description: "Redis pod {{ $labels.pod }} has not answered its exporter for a minute (or no Redis reports at all).",
    },
    {
      alert: "RedisMemoryNearMax",
      expr: `redis_memory_used_bytes{${scope}} / redis_memory_max_bytes{${scope}} > 0.9 and redis_memory_max_bytes{${scope}} > 0`,
      for: "5m",
      severity: "warning",
      summary: "Redis memory above 90% of maxmemory",
      description: `{{ $labels.pod }} uses {{ $value | humanizePercentage }} of maxmemory; at 100% the ${args.maxmemoryPolicy} policy applies.`,
    },
    {
      alert: "RedisRejectedConnections",
      expr: `increase(redis_rejected_connections_total{${scope}}[5m]) > 0`,
      for: "0m",
      severity: "warning",
      summary: "Redis rejected connections",
      description: "{{ $labels.pod }} rejected {{ $value }} connections in 5 minutes (maxclients reached).",
    },
  ];
  if (args.sentinel.enabled) {
    rules.push({
      alert: "RedisReplicationBroken",
      expr:
        `count(redis_instance_info{${scope}, role="master"}) != 1` +
        ` or max(redis_connected_slaves{${scope}}) < ${args.replicas - 1}` +
        ` or min(redis_master_link_up{${scope}}) == 0`,
      for: "2m",
      severity: "critical",
      summary: "Redis replication broken",
      description: `Expected one master with ${args.replicas - 1} connected replicas; failover would lose data or not be possible.`,
    });
  }
  return rules;
}
