import { beforeAll, describe, expect, it } from "vitest";
import { runStack, StackRun } from "../tools/harness";
import { Inventory } from "./inventory";

let run: StackRun;
let inv: Inventory;

const sts = () => inv.k8s("kubernetes:apps/v1:StatefulSet", "redis");
const pod = () => sts().spec.template.spec;
const containerNamed = (name: string) => pod().containers.find((c: any) => c.name === name);
const configMap = () => inv.k8s("kubernetes:core/v1:ConfigMap", "redis-config").data;
const fromAuthSecret = { secretKeyRef: { name: "redis-auth", key: "password" } };
const engine = { "app.kubernetes.io/name": "trading-engine", "app.kubernetes.io/instance": "trading-engine" };

beforeAll(async () => {
  run = await runStack("prod");
  inv = new Inventory(run.inventory);
});

describe("prod Redis topology", () => {
  it("runs three data pods, each with a Sentinel and an exporter, on pinned images", () => {
    expect(sts().metadata.namespace).toBe("hft-cache");
    expect(sts().spec).toMatchObject({ replicas: 3, serviceName: "redis-headless", podManagementPolicy: "OrderedReady" });
    expect(pod().containers.map((c: any) => [c.name, c.image])).toEqual([
      ["redis", "redis:8.10.0"],
      ["sentinel", "redis:8.10.0"],
      ["exporter", "oliver006/redis_exporter:v1.91.1"],
    ]);
  });

  it("monitors the master with quorum 2 and announces stable pod hostnames", () => {
    const script = configMap()["start-sentinel.sh"];
    expect(script).toContain("sentinel monitor hft-cache $master 6379 2");
    expect(script).toContain("sentinel down-after-milliseconds hft-cache 5000");
    expect(script).toContain("sentinel resolve-hostnames yes");
    expect(script).toContain("sentinel announce-hostnames yes");
    expect(script).toContain("requirepass $REDIS_PASSWORD");
    expect(script).toContain("redis-0.redis-headless.hft-cache.svc.cluster.local redis-1.redis-headless.hft-cache.svc.cluster.local redis-2.redis-headless.hft-cache.svc.cluster.local");
    expect(configMap()["start-redis.sh"]).toContain('echo "replicaof $master 6379"');
  });

  it("spreads the pods over zones, one per node", () => {
    expect(pod().topologySpreadConstraints).toEqual([
      { maxSkew: 1, topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: "DoNotSchedule", labelSelector: { matchLabels: { "app.kubernetes.io/name": "redis", "app.kubernetes.io/instance": "redis" } } },
    ]);
    expect(pod().affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].topologyKey).toBe("kubernetes.io/hostname");
  });

  it("allows one pod down at a time, which keeps the quorum", () => {
    const pdb = inv.k8s("kubernetes:policy/v1:PodDisruptionBudget", "redis");
    expect(pdb.spec).toMatchObject({ maxUnavailable: 1, selector: { matchLabels: { "app.kubernetes.io/name": "redis" } } });
  });

  it("serves clients, peers, sentinels and metrics through stable services", () => {
    const service = (name: string) => inv.k8s("kubernetes:core/v1:Service", name).spec;
    expect(service("redis-headless")).toMatchObject({ clusterIP: "None", publishNotReadyAddresses: true });
    expect(service("redis").ports).toEqual([{ name: "redis", port: 6379, targetPort: "redis", protocol: "TCP" }]);
    expect(service("redis-sentinel").ports).toEqual([{ name: "sentinel", port: 26379, targetPort: "sentinel", protocol: "TCP" }]);
    expect(service("redis-metrics").ports).toEqual([{ name: "metrics", port: 9121, targetPort: "metrics", protocol: "TCP" }]);
  });
});

describe("prod Redis persistence", () => {
  it("appends every write to an AOF on a fast-ssd claim retained with the StatefulSet", () => {
    expect(sts().spec.volumeClaimTemplates).toEqual([
      {
        metadata: { name: "data", labels: expect.objectContaining({ "app.kubernetes.io/name": "redis" }) },
        spec: { storageClassName: "fast-ssd", accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "50Gi" } } },
      },
    ]);
    expect(sts().spec.persistentVolumeClaimRetentionPolicy).toEqual({ whenDeleted: "Retain", whenScaled: "Retain" });
    expect(inv.one("kubernetes:apps/v1:StatefulSet", "redis").protect).toBe(true);
    const conf = configMap()["redis.conf"];
    for (const line of ["appendonly yes", "appendfsync everysec", "dir /data", "maxmemory 6442450944", "maxmemory-policy noeviction", "protected-mode yes"]) {
      expect(conf.split("\n"), line).toContain(line);
    }
    expect(containerNamed("redis").volumeMounts).toContainEqual({ name: "data", mountPath: "/data" });
  });

  it("disables the dangerous commands", () => {
    const conf = configMap()["redis.conf"];
    for (const c of ["FLUSHALL", "FLUSHDB", "KEYS", "DEBUG", "MONITOR"]) expect(conf).toContain(`rename-command ${c} ""`);
    expect(conf).toContain("enable-debug-command no");
  });
});

describe("prod Redis authentication", () => {
  it("keeps the password out of the ConfigMap: it is appended in memory from the Secret's env", () => {
    const all = Object.values(configMap()).join("\n");
    // Every password directive takes its value from the environment at start.
    const values = [...all.matchAll(/(?:requirepass|masterauth|sentinel-pass|auth-pass \S+) (\S+)/g)].map((m) => m[1]);
    expect(values.length).toBeGreaterThanOrEqual(4);
    for (const v of values) expect(v).toMatch(/^(\$REDIS_PASSWORD|%s)/);
    expect(configMap()["start-redis.sh"]).toContain(`printf 'requirepass %s\\nmasterauth %s\\n' "$REDIS_PASSWORD" "$REDIS_PASSWORD" >> "$conf"`);
    expect(pod().volumes).toContainEqual({ name: "run", emptyDir: { medium: "Memory", sizeLimit: "16Mi" } });
    expect(containerNamed("redis").env).toEqual([
      { name: "REDIS_PASSWORD", valueFrom: fromAuthSecret },
      { name: "REDISCLI_AUTH", valueFrom: fromAuthSecret },
    ]);
    expect(inv.k8s("kubernetes:core/v1:Secret", "redis-auth").stringData).toBe("[secret]");
  });

  it("authenticates probes through REDISCLI_AUTH, never with the password on a command line", () => {
    for (const name of ["redis", "sentinel"]) {
      const c = containerNamed(name);
      expect(c.env).toContainEqual({ name: "REDISCLI_AUTH", valueFrom: fromAuthSecret });
      for (const probe of [c.readinessProbe, c.livenessProbe]) {
        const command = probe.exec.command.join(" ");
        expect(command).toMatch(/redis-cli -h 127\.0\.0\.1 -p (6379|26379) ping/);
        expect(command).not.toMatch(/ -a |--pass|--user/);
      }
    }
    expect(containerNamed("redis").startupProbe.exec.command.join(" ")).toContain("redis-cli");
  });

  it("lets the exporter authenticate from the same Secret", () => {
    expect(containerNamed("exporter").env).toEqual([
      { name: "REDIS_ADDR", value: "redis://127.0.0.1:6379" },
      { name: "REDIS_PASSWORD", valueFrom: fromAuthSecret },
    ]);
  });

  it("hands the engine's namespace a client Secret and a typed endpoint", () => {
    const client = inv.k8s("kubernetes:core/v1:Secret", "redis-client");
    expect(client.metadata.namespace).toBe("hft-trading");
    expect(client.stringData).toBe("[secret]");
    expect(run.outputs.redisEndpoint).toEqual({
      namespace: "hft-cache",
      host: "redis.hft-cache.svc.cluster.local",
      port: 6379,
      sentinel: { host: "redis-sentinel.hft-cache.svc.cluster.local", port: 26379, masterName: "hft-cache" },
      clientSecretName: "redis-client",
      passwordKey: "password",
      podSelector: { "app.kubernetes.io/name": "redis", "app.kubernetes.io/instance": "redis" },
    });
  });

  it("never registers a generated password in plain text", () => {
    expect(run.generatedSecrets.length).toBeGreaterThanOrEqual(2);
    const text = JSON.stringify(run.inventory);
    for (const secret of run.generatedSecrets) expect(text).not.toContain(secret);
  });
});

describe("prod Redis pod security", () => {
  it("runs every container restricted as a non-root user, with requests and limits", () => {
    expect(pod().securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 999, runAsGroup: 999, fsGroup: 999, seccompProfile: { type: "RuntimeDefault" } });
    for (const c of pod().containers) {
      expect(c.securityContext, c.name).toMatchObject({ runAsNonRoot: true, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } });
      expect(c.resources.requests, c.name).toEqual(expect.objectContaining({ cpu: expect.any(String), memory: expect.any(String) }));
      expect(c.resources.limits, c.name).toEqual(expect.objectContaining({ cpu: expect.any(String), memory: expect.any(String) }));
    }
    expect(containerNamed("redis").resources).toEqual({ requests: { cpu: "2", memory: "8Gi" }, limits: { cpu: "2", memory: "8Gi" } });
    expect(pod().automountServiceAccountToken).toBe(false);
    expect(inv.k8s("kubernetes:core/v1:Namespace", "hft-cache").metadata.labels["pod-security.kubernetes.io/enforce"]).toBe("restricted");
  });
});

describe("prod Redis network policy", () => {
  const spec = () => inv.k8s("kubernetes:networking.k8s.io/v1:NetworkPolicy", "redis").spec;
  const redisPods = { matchLabels: { "app.kubernetes.io/name": "redis", "app.kubernetes.io/instance": "redis" } };

  it("admits the engine pods, Prometheus' pods on the exporter port, and the Redis pods to each other", () => {
    expect(spec().podSelector).toEqual(redisPods);
    expect(spec().policyTypes).toEqual(["Ingress", "Egress"]);
    expect(spec().ingress).toEqual([
      {
        from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "hft-trading" } }, podSelector: { matchLabels: engine } }],
        ports: [{ protocol: "TCP", port: 6379 }, { protocol: "TCP", port: 26379 }],
      },
      // Prometheus' pods only, on the exporter's port.
      {
        from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "monitoring" } }, podSelector: { matchLabels: { "app.kubernetes.io/name": "prometheus", "operator.prometheus.io/name": "kube-prometheus-stack-prometheus" } } }],
        ports: [{ protocol: "TCP", port: 9121 }],
      },
      { from: [{ podSelector: redisPods }], ports: [{ protocol: "TCP", port: 6379 }, { protocol: "TCP", port: 26379 }] },
    ]);
  });

  it("lets the pods out only to DNS and each other", () => {
    expect(spec().egress).toHaveLength(2);
    expect(spec().egress[0].ports).toEqual([{ protocol: "UDP", port: 53 }, { protocol: "TCP", port: 53 }]);
    expect(spec().egress[1]).toEqual({ to: [{ podSelector: redisPods }], ports: [{ protocol: "TCP", port: 6379 }, { protocol: "TCP", port: 26379 }] });
  });
});

describe("prod Redis monitoring", () => {
  it("registers the ServiceMonitor and PrometheusRule only after the chart that installs their CRDs", () => {
    const chart = inv.one("kubernetes:helm.sh/v4:Chart", "kube-prometheus-stack");
    const chartIndex = run.inventory.indexOf(chart);
    for (const type of ["kubernetes:monitoring.coreos.com/v1:ServiceMonitor", "kubernetes:monitoring.coreos.com/v1:PrometheusRule"]) {
      const cr = inv.all(type).find((e) => (e.inputs as any).metadata.namespace === "hft-cache")!;
      expect(cr.dependsOn, type).toContain(chart.urn);
      expect(run.inventory.indexOf(cr), type).toBeGreaterThan(chartIndex);
    }
  });

  it("scrapes the exporters every 15s through the metrics service", () => {
    const sm = inv.k8s("kubernetes:monitoring.coreos.com/v1:ServiceMonitor", "redis");
    expect(sm.spec.selector).toEqual({ matchLabels: { "app.kubernetes.io/name": "redis", "app.kubernetes.io/instance": "redis", "app.kubernetes.io/component": "metrics" } });
    expect(sm.spec.endpoints).toEqual([{ port: "metrics", path: "/metrics", interval: "15s", scrapeTimeout: "15s" }]);
    expect(inv.k8s("kubernetes:core/v1:Service", "redis-metrics").metadata.labels["app.kubernetes.io/component"]).toBe("metrics");
  });

  it("alerts on Redis down, memory near maxmemory, broken replication and rejected connections", () => {
    const rule = inv.k8s("kubernetes:monitoring.coreos.com/v1:PrometheusRule", "redis");
    const alerts = Object.fromEntries(rule.spec.groups[0].rules.map((r: any) => [r.alert, r]));
    expect(Object.keys(alerts)).toEqual(["RedisDown", "RedisMemoryNearMax", "RedisRejectedConnections", "RedisReplicationBroken"]);
    expect(alerts.RedisDown).toMatchObject({ for: "1m", labels: { severity: "critical" } });
    expect(alerts.RedisDown.expr).toContain('redis_up{namespace="hft-cache"} == 0');
    expect(alerts.RedisMemoryNearMax.expr).toContain("redis_memory_used_bytes");
    expect(alerts.RedisReplicationBroken.expr).toContain('max(redis_connected_slaves{namespace="hft-cache"}) < 2');
    expect(alerts.RedisRejectedConnections.expr).toContain("redis_rejected_connections_total");
  });
});

describe("prod Redis namespace guardrails", () => {
  const cpu = (q: string) => (q.endsWith("m") ? Number(q.slice(0, -1)) / 1000 : Number(q));
  const mib = (q: string) => (q.endsWith("Gi") ? Number(q.slice(0, -2)) * 1024 : Number(q.slice(0, -2)));

  it("has a quota that admits exactly the StatefulSet's pods and their claims", () => {
    const hard = (inv.one("kubernetes:core/v1:ResourceQuota", "redis-quota").inputs as any).spec.hard;
    const containers = pod().containers;
    const total = (pick: (c: any) => number) => sts().spec.replicas * containers.reduce((a: number, c: any) => a + pick(c), 0);
    expect(cpu(hard["requests.cpu"])).toBeCloseTo(total((c) => cpu(c.resources.requests.cpu)), 3);
    expect(cpu(hard["limits.cpu"])).toBeCloseTo(total((c) => cpu(c.resources.limits.cpu)), 3);
    expect(mib(hard["requests.memory"])).toBe(total((c) => mib(c.resources.requests.memory)));
    expect(mib(hard["limits.memory"])).toBe(total((c) => mib(c.resources.limits.memory)));
    expect(hard).toMatchObject({ persistentvolumeclaims: "3", "services.loadbalancers": "0", "services.nodeports": "0" });
  });

  it("has a LimitRange every Redis container fits", () => {
    const [limits] = (inv.one("kubernetes:core/v1:LimitRange", "redis-limits").inputs as any).spec.limits;
    for (const c of pod().containers) {
      expect(cpu(c.resources.limits.cpu), c.name).toBeLessThanOrEqual(cpu(limits.max.cpu));
      expect(mib(c.resources.limits.memory), c.name).toBeLessThanOrEqual(mib(limits.max.memory));
      expect(cpu(c.resources.requests.cpu), c.name).toBeGreaterThanOrEqual(cpu(limits.min.cpu));
      expect(mib(c.resources.requests.memory), c.name).toBeGreaterThanOrEqual(mib(limits.min.memory));
    }
  });
});
