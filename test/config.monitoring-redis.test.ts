import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { parseDuration, parsePlatformConfig, parseQuantity } from "../components/config";
import { readStackConfig } from "../tools/harness";
import { expectRejected, problems, stackConfig } from "./stack-config";

const parse = (stack: "dev" | "prod", edits: Record<string, unknown> = {}) => parsePlatformConfig(stackConfig(stack, edits), stack);
const receivers = (stack: "dev" | "prod") => structuredClone(stackConfig(stack).monitoring as any).alertmanager.receivers as any[];

describe("monitoring and redis in the stack files", () => {
  it("dev: one replica each, a week of metrics, alerts to an explicit discard receiver, one Redis pod", () => {
    const dev = parse("dev");
    expect(dev.monitoring.kubePrometheusStack).toEqual({
      kind: "repository",
      chart: "kube-prometheus-stack",
      repo: "https://prometheus-community.github.io/helm-charts",
      version: "88.5.3",
    });
    expect(dev.monitoring.prometheusAdapter).toMatchObject({ kind: "repository", version: "5.3.0" });
    expect(dev.monitoring.prometheus).toMatchObject({ replicas: 1, retention: "7d", retentionSize: "40GB", storageSize: "50Gi" });
    expect(dev.monitoring.alertmanager.receivers).toEqual([{ name: "dev-discard", kind: "discard" }]);
    expect(dev.redis).toMatchObject({ replicas: 1, sentinel: { enabled: false }, maxmemory: "768Mi", appendfsync: "everysec" });
    expect(dev.redis.disabledCommands).toEqual(["FLUSHALL", "FLUSHDB", "KEYS", "DEBUG", "MONITOR"]);
  });

  it("prod: HA pairs, a month of metrics, PagerDuty by default, three Redis pods with Sentinel quorum 2", () => {
    const prod = parse("prod");
    expect(prod.monitoring.prometheus).toMatchObject({ replicas: 2, retention: "30d", retentionSize: "450GB", storageSize: "500Gi" });
    expect(prod.monitoring.alertmanager).toMatchObject({ replicas: 3, defaultReceiver: "trading-oncall" });
    // Secure values arrive as the render's placeholder.
    expect(prod.monitoring.alertmanager.receivers[0]).toEqual({ name: "trading-oncall", kind: "pagerduty", routingKey: "[secret]" });
    expect(prod.monitoring.alertmanager.routes).toEqual([
      { receiver: "heartbeat", matchers: ['alertname = "Watchdog"'], continue: false },
      { receiver: "trading-alerts", matchers: ['severity =~ "warning|info"'], continue: false },
    ]);
    expect(prod.redis).toMatchObject({ replicas: 3, sentinel: { enabled: true, quorum: 2, masterName: "hft-cache" }, maxmemory: "6Gi" });
  });

  it("the offline run reads nested secure values as placeholders and marks the whole key secret", () => {
    const { config, secretKeys } = readStackConfig("prod");
    expect(secretKeys).toEqual(["hft-platform:monitoring"]);
    expect(config["hft-platform:monitoring"]).not.toContain("v1:placeholder");
    expect(readStackConfig("dev").secretKeys).toEqual([]);
  });
});

describe("monitoring validation", () => {
  it("charts are pinned to exact versions from an https or oci repository", () => {
    expectRejected("dev", { "monitoring.kubePrometheusStack.version": "88.x" }, "monitoring.kubePrometheusStack.version", /exact chart version/);
    expectRejected("dev", { "monitoring.kubePrometheusStack.version": "^88.5.3" }, "monitoring.kubePrometheusStack.version", /no ranges/);
    expectRejected("prod", { "monitoring.prometheusAdapter.version": undefined }, "monitoring.prometheusAdapter.version", /missing/);
    expectRejected("dev", { "monitoring.prometheusAdapter.repo": "http://charts.example.com" }, "monitoring.prometheusAdapter.repo", /https:\/\//);
    expect(problems("dev", { "monitoring.prometheusAdapter.repo": "oci://ghcr.io/prometheus-community/charts" })).toEqual([]);
  });

  it("a local chart archive must carry the chart's name and version", () => {
    const local = { archive: "./charts/kube-prometheus-stack-88.5.3.tgz" };
    expect(parse("dev", { "monitoring.kubePrometheusStack": local }).monitoring.kubePrometheusStack).toEqual({
      kind: "archive",
      chart: "kube-prometheus-stack",
      path: "./charts/kube-prometheus-stack-88.5.3.tgz",
      version: "88.5.3",
    });
    expectRejected("dev", { "monitoring.kubePrometheusStack": { archive: "./charts/kube-prometheus-stack.tgz" } }, "monitoring.kubePrometheusStack.archive", /kube-prometheus-stack-<x\.y\.z>\.tgz/);
    expectRejected("dev", { "monitoring.kubePrometheusStack": { archive: "/tmp/prometheus-adapter-5.3.0.tgz" } }, "monitoring.kubePrometheusStack.archive", /named kube-prometheus-stack-/);
    expectRejected("dev", { "monitoring.prometheusAdapter": { archive: "prometheus-adapter-5.3.tgz" } }, "monitoring.prometheusAdapter.archive", /version stays pinned/);
    expectRejected(
      "dev",
      { "monitoring.kubePrometheusStack": { ...local, version: "88.5.3" } },
      "monitoring.kubePrometheusStack.archive",
      /either archive alone or repo with version/,
    );
  });

  it("Prometheus retention is a bounded duration and retentionSize leaves room on the volume", () => {
    expectRejected("dev", { "monitoring.prometheus.retention": "7days" }, "monitoring.prometheus.retention", /1d to 400d/);
    expectRejected("dev", { "monitoring.prometheus.retention": "12h" }, "monitoring.prometheus.retention", /1d to 400d/);
    expectRejected("prod", { "monitoring.prometheus.retention": "500d" }, "monitoring.prometheus.retention", /1d to 400d/);
    expectRejected("dev", { "monitoring.prometheus.retentionSize": "46Gi" }, "monitoring.prometheus.retentionSize", /at most 90% of storageSize 50Gi \(45Gi\)/);
    expectRejected("dev", { "monitoring.prometheus.retentionSize": "1536Mi" }, "monitoring.prometheus.retentionSize", /whole number of Gi/);
    expect(parse("dev", { "monitoring.prometheus.retentionSize": "45Gi" }).monitoring.prometheus.retentionSize).toBe("45GB");
    expectRejected("dev", { "monitoring.prometheus.storageSize": "5Gi" }, "monitoring.prometheus.storageSize", /10Gi to 16Ti/);
    expectRejected("dev", { "monitoring.prometheus.scrapeInterval": "0s" }, "monitoring.prometheus.scrapeInterval", /1s to 5m/);
  });

  it("holds the engine nodes' clock bound to 100 µs in production and above no other node's", () => {
    expectRejected("prod", { "monitoring.clock.engineMaxOffsetUs": 250 }, "monitoring.clock.engineMaxOffsetUs", /1 to 100 in production \(MiFID II RTS 25/);
    expect(problems("dev", { "monitoring.clock.engineMaxOffsetUs": 250 })).toEqual([]);
    expectRejected("dev", { "monitoring.clock.systemMaxOffsetUs": 500 }, "monitoring.clock.systemMaxOffsetUs", /at least engineMaxOffsetUs \(1000\)/);
    expectRejected("prod", { "monitoring.clock.lostSyncFor": "10s" }, "monitoring.clock.lostSyncFor", /1m to 1h/);
  });

  it("production runs Prometheus, Alertmanager and the adapter highly available", () => {
    expectRejected("prod", { "monitoring.prometheus.replicas": 1 }, "monitoring.prometheus.replicas", /2 to 4 in production/);
    expectRejected("prod", { "monitoring.alertmanager.replicas": 1 }, "monitoring.alertmanager.replicas", /2 to 5 in production/);
    expectRejected("prod", { "monitoring.adapter.replicas": 1 }, "monitoring.adapter.replicas", /2 to 4 in production/);
    expect(problems("dev", { "monitoring.prometheus.replicas": 1 })).toEqual([]);
  });

  it("every component has requests and limits, limits never below requests", () => {
    expectRejected(
      "dev",
      { "monitoring.grafana.resources": { requests: { cpu: "1", memory: "1Gi" }, limits: { cpu: "500m", memory: "1Gi" } } },
      "monitoring.grafana.resources.limits.cpu",
      /at least the request \(1\)/,
    );
    expectRejected("dev", { "monitoring.operator.resources": { requests: { cpu: "100m", memory: "128Mi" } } }, "monitoring.operator.resources.limits", /missing/);
    expectRejected(
      "prod",
      { "monitoring.nodeExporter.resources": { requests: { cpu: "2 cores", memory: "64Mi" }, limits: { cpu: "2", memory: "64Mi" } } },
      "monitoring.nodeExporter.resources.requests.cpu",
      /CPU quantity/,
    );
    expectRejected(
      "dev",
      { "monitoring.kubeStateMetrics.resources": { requests: { cpu: "100m", memory: "100" }, limits: { cpu: "1", memory: "1Gi" } } },
      "monitoring.kubeStateMetrics.resources.requests.memory",
      /from 1Mi/,
    );
  });

  it("the default route goes to a known receiver, which in production must notify someone", () => {
    expectRejected("dev", { "monitoring.alertmanager.defaultReceiver": "nobody" }, "monitoring.alertmanager.defaultReceiver", /one of the receivers \(dev-discard\)/);
    const discardInProd = [...receivers("prod"), { name: "devnull", discard: true }];
    expectRejected(
      "prod",
      { "monitoring.alertmanager.receivers": discardInProd, "monitoring.alertmanager.defaultReceiver": "devnull" },
      "monitoring.alertmanager.defaultReceiver",
      /notifies someone .* in production/,
    );
    // The same discard receiver is fine for a route in production, and as dev's default.
    expect(problems("prod", { "monitoring.alertmanager.receivers": discardInProd })).toEqual([]);
  });

  it("receivers have one kind each, unique names and secret credentials", () => {
    const base = receivers("prod");
    expectRejected(
      "prod",
      { "monitoring.alertmanager.receivers": [...base, { name: "both", webhook: { url: "[secret]" }, discard: true }] },
      "monitoring.alertmanager.receivers[3].name",
      /exactly one of slack, pagerduty, webhook, discard/,
    );
    expectRejected("prod", { "monitoring.alertmanager.receivers": [...base, { ...base[0] }] }, "monitoring.alertmanager.receivers", /unique receiver names/);
    expectRejected(
      "prod",
      { "monitoring.alertmanager.receivers": [base[0], base[1], { name: "heartbeat", webhook: {} }] },
      "monitoring.alertmanager.receivers[2].webhook.url",
      /pulumi config set --secret --path 'hft-platform:monitoring\.alertmanager\.receivers\[2\]\.webhook\.url' <value>/,
    );
    expectRejected(
      "prod",
      { "monitoring.alertmanager.receivers": [base[0], { name: "trading-alerts", slack: { channel: "hft-alerts", apiUrl: "[secret]" } }, base[2]] },
      "monitoring.alertmanager.receivers[1].slack.channel",
      /#hft-alerts/,
    );
    expectRejected("dev", { "monitoring.alertmanager.receivers": [{ name: "dev-discard", discard: "yes" }] }, "monitoring.alertmanager.receivers[0].discard", /true/);
    expectRejected("dev", { "monitoring.alertmanager.receivers": [] }, "monitoring.alertmanager.receivers", /at least one receiver/);
    expectRejected("dev", { "monitoring.alertmanager.receivers": [{ name: "Dev Null", discard: true }] }, "monitoring.alertmanager.receivers[0].name", /lowercase/);
  });

  it("routes name known receivers and carry valid matchers", () => {
    expectRejected("prod", { "monitoring.alertmanager.routes": [{ receiver: "nobody", matchers: ['severity = "warning"'] }] }, "monitoring.alertmanager.routes[0].receiver", /one of the receivers/);
    expectRejected("prod", { "monitoring.alertmanager.routes": [{ receiver: "heartbeat", matchers: ["Watchdog"] }] }, "monitoring.alertmanager.routes[0].matchers", /Alertmanager matchers/);
    expectRejected("prod", { "monitoring.alertmanager.routes": [{ receiver: "heartbeat", matchers: [] }] }, "monitoring.alertmanager.routes[0].matchers", /at least one matcher/);
    expect(parse("prod", { "monitoring.alertmanager.routes": [{ receiver: "heartbeat", matchers: ["team != trading"], continue: true }] }).monitoring.alertmanager.routes).toEqual([
      { receiver: "heartbeat", matchers: ["team != trading"], continue: true },
    ]);
  });
});

describe("redis validation", () => {
  it("images are pinned to an exact version, optionally with a digest, never latest", () => {
    for (const image of ["redis:latest", "redis", "redis:8", "redis:8.10", "valkey/valkey:8.1.0"]) {
      expectRejected("dev", { "redis.image": image }, "redis.image", /redis:<x\.y\.z>/);
    }
    expectRejected("dev", { "redis.exporterImage": "oliver006/redis_exporter:latest" }, "redis.exporterImage", /never latest/);
    const digest = `redis:8.10.0@sha256:${"a".repeat(64)}`;
    expect(problems("dev", { "redis.image": digest })).toEqual([]);
    expect(problems("dev", { "redis.image": "docker.io/library/redis:8.10.0-alpine" })).toEqual([]);
  });

  it("production needs Sentinel; without Sentinel there is exactly one pod", () => {
    expectRejected("prod", { "redis.sentinel.enabled": false }, "redis.sentinel.enabled", /true in production/);
    expectRejected("dev", { "redis.replicas": 3 }, "redis.replicas", /1 without Sentinel/);
  });

  it("Sentinel needs an odd number of pods and a quorum that survives one disrupted pod", () => {
    expectRejected("prod", { "redis.replicas": 2 }, "redis.replicas", /odd number of at least 3/);
    expectRejected("prod", { "redis.replicas": 4 }, "redis.replicas", /odd number/);
    expectRejected("prod", { "redis.sentinel.quorum": 1 }, "redis.sentinel.quorum", /2 to 2 for 3 sentinels/);
    expectRejected("prod", { "redis.sentinel.quorum": 3 }, "redis.sentinel.quorum", /still reachable with one pod disrupted/);
    expect(problems("prod", { "redis.replicas": 5, "redis.sentinel.quorum": 3 })).toEqual([]);
    expect(problems("prod", { "redis.replicas": 5, "redis.sentinel.quorum": 4 })).toEqual([]);
    expectRejected("prod", { "redis.replicas": 5, "redis.sentinel.quorum": 5 }, "redis.sentinel.quorum", /3 to 4 for 5 sentinels/);
    expect(problems("dev", { "redis.replicas": 3, "redis.sentinel.enabled": true })).toEqual([]);
    expectRejected("prod", { "redis.sentinel.masterName": "Master 1" }, "redis.sentinel.masterName", /lowercase/);
    expectRejected("prod", { "redis.sentinel.downAfterMilliseconds": 100 }, "redis.sentinel.downAfterMilliseconds", /1000 to 60000/);
  });

  it("maxmemory leaves a quarter of the memory limit free and the volume holds twice maxmemory", () => {
    expectRejected("prod", { "redis.maxmemory": "7Gi" }, "redis.maxmemory", /at most 75% of the memory limit 8Gi/);
    expect(problems("prod", { "redis.maxmemory": "6Gi" })).toEqual([]);
    expectRejected("dev", { "redis.maxmemory": "1Gi" }, "redis.maxmemory", /75%/);
    expectRejected("prod", { "redis.storageSize": "10Gi" }, "redis.storageSize", /at least twice maxmemory 6Gi/);
    expectRejected("dev", { "redis.maxmemory": "32Mi" }, "redis.maxmemory", /64Mi to 256Gi/);
  });

  it("AOF fsync and eviction policies are Redis's own, and production keeps fsync on", () => {
    expectRejected("prod", { "redis.appendfsync": "no" }, "redis.appendfsync", /always or everysec in production/);
    expect(problems("dev", { "redis.appendfsync": "no" })).toEqual([]);
    expectRejected("dev", { "redis.appendfsync": "sometimes" }, "redis.appendfsync", /one of always, everysec, no/);
    expectRejected("dev", { "redis.maxmemoryPolicy": "lru" }, "redis.maxmemoryPolicy", /allkeys-lru/);
  });

  it("disabled commands are command names; the default disables the dangerous ones", () => {
    expectRejected("dev", { "redis.disabledCommands": ["flushall"] }, "redis.disabledCommands", /capitals/);
    expect(parse("dev", { "redis.disabledCommands": ["FLUSHALL"] }).redis.disabledCommands).toEqual(["FLUSHALL"]);
  });

  it("unknown keys are errors", () => {
    expectRejected("dev", { "redis.password": "hunter2" }, "redis.password", /unknown key; allowed keys here: image/);
    expectRejected("prod", { "monitoring.grafana.adminPassword": "x" }, "monitoring.grafana.adminPassword", /unknown key; allowed keys here: resources/);
  });
});

describe("quantities and durations", () => {
  it("parses Kubernetes quantities into cores or bytes", () => {
    expect(parseQuantity("500m")).toBe(0.5);
    expect(parseQuantity("2")).toBe(2);
    expect(parseQuantity("4Gi")).toBe(4 * 2 ** 30);
    expect(parseQuantity("1.5G")).toBe(1.5e9);
    expect(parseQuantity("2 cores")).toBeUndefined();
    expect(parseQuantity("-1Gi")).toBeUndefined();
  });

  it("parses single-unit Prometheus durations into seconds", () => {
    expect(parseDuration("15s")).toBe(15);
    expect(parseDuration("15d")).toBe(15 * 86400);
    expect(parseDuration("100ms")).toBe(0.1);
    expect(parseDuration("1h30m")).toBeUndefined();
    expect(parseDuration("7days")).toBeUndefined();
  });
});

describe("secure values in a stack file", () => {
  it("stand in at any depth, in lists too", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "hft-secure-"));
    try {
      writeFileSync(
        path.join(dir, "Pulumi.x.yaml"),
        "config:\n  hft-platform:a:\n    b:\n      - c: { secure: v1:abc }\n      - d: plain\n  hft-platform:top:\n    secure: v1:def\n  hft-platform:plain: text\n",
      );
      const { config, secretKeys } = readStackConfig("x", dir);
      expect(JSON.parse(config["hft-platform:a"])).toEqual({ b: [{ c: "[secret]" }, { d: "plain" }] });
      expect(config["hft-platform:top"]).toBe("[secret]");
      expect(config["hft-platform:plain"]).toBe("text");
      expect(secretKeys).toEqual(["hft-platform:a", "hft-platform:top"]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
