import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { parsePlatformConfig } from "../components/config";
import { TradingEngine, TradingEngineArgs } from "../components/engine";
import { installMocks, MockSession } from "../tools/mocks";
import { Inventory } from "./inventory";
import { stackConfig } from "./stack-config";

/** The engine built alone, with the prod stack's engine settings and data-store endpoints as Redis and TimescaleDB publish them. */
async function buildEngine(overrides: Partial<TradingEngineArgs> = {}): Promise<{ inv: Inventory; session: MockSession }> {
  const session = await installMocks("prod");
  const provider = new k8s.Provider("k8s", { kubeconfig: "{}" });
  const crds = new k8s.core.v1.Namespace("monitoring", { metadata: { name: "monitoring" } }, { provider });
  new TradingEngine("trading-engine", {
    ...parsePlatformConfig(stackConfig("prod"), "prod").engine,
    namespace: "hft-trading",
    redis: {
      namespace: "hft-cache",
      host: "redis.hft-cache.svc.cluster.local",
      port: 6379,
      sentinel: { host: "redis-sentinel.hft-cache.svc.cluster.local", port: 26379, masterName: "hft" },
      clientSecretName: "redis-client",
      passwordKey: "password",
      podSelector: { "app.kubernetes.io/name": "redis" },
    },
    database: {
      namespace: "hft-data",
      host: "timescaledb-rw.hft-data.svc.cluster.local",
      port: 5432,
      database: "hft_trading",
      clientSecretName: "timescaledb-client",
      podSelector: { "cnpg.io/cluster": "timescaledb" },
    },
    monitoring: { namespace: "monitoring", scraper: { "app.kubernetes.io/name": "prometheus" }, crds },
    cluster: {
      provider,
      secretsProvider: provider,
      storage: { classes: { fastSsd: "fast-ssd", gp3: "gp3", sharedFilesystem: "efs-sc" }, referenceDataAccessMode: "ReadWriteMany" },
      network: { nodeCidr: "10.30.0.0/16", serviceCidr: "172.20.0.0/16", apiServerPort: 443, controlPlaneCidrs: ["10.30.224.0/28"], podCidrs: ["10.30.0.0/19"] },
      kubernetesVersion: "1.34",
    },
    protect: true,
    tier: "production",
    ...overrides,
  });
  await pulumi.runtime.disconnect();
  return { inv: new Inventory(session.inventory), session };
}

let inv: Inventory;
let session: MockSession;
beforeAll(async () => {
  ({ inv, session } = await buildEngine());
});

const sts = () => inv.k8s("kubernetes:apps/v1:StatefulSet", "trading-engine");
const pod = () => sts().spec.template.spec;
const engineContainer = () => pod().containers.find((c: any) => c.name === "trading-engine");
const allContainers = () => [...pod().initContainers, ...pod().containers];

describe("trading engine guardrails", () => {
  it("bounds the namespace with the configured quota and sane per-container limits", () => {
    const quota = inv.k8s("kubernetes:core/v1:ResourceQuota", "hft-resource-quota");
    expect(quota.metadata.namespace).toBe("hft-trading");
    expect(quota.spec.hard).toMatchObject({ "requests.cpu": "48", "limits.memory": "96Gi", persistentvolumeclaims: "12", "services.loadbalancers": "2" });
    const limits = inv.k8s("kubernetes:core/v1:LimitRange", "hft-limit-range").spec.limits;
    const containerLimits = limits.find((l: any) => l.type === "Container");
    expect(containerLimits.max).toEqual({ cpu: "8", memory: "16Gi" });
    expect(containerLimits.min).toEqual({ cpu: "50m", memory: "64Mi" });
  });

  it("creates the high-priority class", () => {
    expect(inv.k8s("kubernetes:scheduling.k8s.io/v1:PriorityClass", "high-priority")).toMatchObject({ value: 1000000, globalDefault: false });
  });
});

describe("trading engine StatefulSet", () => {
  it("runs 3 replicas in parallel on the tainted engine nodes, one per host", () => {
    expect(sts().spec).toMatchObject({ replicas: 3, podManagementPolicy: "Parallel", serviceName: "trading-engine-headless" });
    expect(sts().spec.persistentVolumeClaimRetentionPolicy).toEqual({ whenDeleted: "Retain", whenScaled: "Retain" });
    expect(pod().priorityClassName).toBe("high-priority");
    expect(pod().nodeSelector).toEqual({ "node-type": "high-performance" });
    expect(pod().tolerations).toEqual([{ key: "node-type", operator: "Equal", value: "high-performance", effect: "NoSchedule" }]);
    const antiAffinity = pod().affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution;
    expect(antiAffinity).toEqual([{ labelSelector: { matchLabels: sts().spec.selector.matchLabels }, topologyKey: "kubernetes.io/hostname" }]);
    expect(pod().hostNetwork).toBe(false);
    expect(pod().dnsPolicy).toBe("ClusterFirst");
    expect(pod().dnsConfig.options).toContainEqual({ name: "ndots", value: "1" });
  });

  it("is Guaranteed QoS with whole CPUs and 2Mi hugepages, so the static CPU manager pins it", () => {
    expect(engineContainer().resources).toEqual({
      requests: { cpu: "8", memory: "16Gi", "hugepages-2Mi": "4Gi", "ephemeral-storage": "20Gi" },
      limits: { cpu: "8", memory: "16Gi", "hugepages-2Mi": "4Gi", "ephemeral-storage": "20Gi" },
    });
    for (const c of allContainers()) expect(c.resources.requests, c.name).toEqual(c.resources.limits);
    expect(Number.isInteger(Number(engineContainer().resources.limits.cpu))).toBe(true);
    expect(pod().volumes).toContainEqual({ name: "hugepages", emptyDir: { medium: "HugePages-2Mi", sizeLimit: "4Gi" } });
    expect(pod().volumes).toContainEqual({ name: "tmp", emptyDir: { medium: "Memory", sizeLimit: "1Gi" } });
  });

  it("runs every container restricted: non-root, no escalation, no capabilities, read-only root, RuntimeDefault seccomp", () => {
    expect(pod().securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: "RuntimeDefault" } });
    for (const c of allContainers()) {
      expect(c.securityContext, c.name).toMatchObject({
        runAsNonRoot: true,
        allowPrivilegeEscalation: false,
        privileged: false,
        readOnlyRootFilesystem: true,
        capabilities: { drop: ["ALL"] },
        seccompProfile: { type: "RuntimeDefault" },
      });
      expect(c.securityContext.capabilities.add, c.name).toBeUndefined();
      expect(c.image, c.name).toMatch(/:[\w.-]+$/);
      expect(c.image, c.name).not.toMatch(/:latest$/);
    }
    expect(pod().volumes.some((v: any) => v.hostPath)).toBe(false);
  });

  it("serves the reference ports and probes, and drains before stopping", () => {
    expect(engineContainer().ports.map((p: any) => p.containerPort)).toEqual([8080, 8443, 9090]);
    expect(engineContainer().startupProbe.httpGet).toEqual({ path: "/health/startup", port: 8080 });
    expect(engineContainer().livenessProbe.httpGet).toEqual({ path: "/health/live", port: 8080 });
    expect(engineContainer().readinessProbe.httpGet).toEqual({ path: "/health/ready", port: 8080 });
    expect(engineContainer().lifecycle.preStop.exec.command).toEqual(["/bin/sh", "-c", "sleep 10"]);
    expect(pod().terminationGracePeriodSeconds).toBe(30);
  });

  it("leaves spec.replicas to the HPA after the first create", () => {
    const statefulSet = inv.one("kubernetes:apps/v1:StatefulSet", "trading-engine");
    expect(statefulSet.ignoreChanges).toEqual(["spec.replicas"]);
    // The first create starts at the HPA's floor, so the HPA never has to scale up from the default of 1.
    const hpa = inv.k8s("kubernetes:autoscaling/v2:HorizontalPodAutoscaler", "trading-engine-hpa");
    expect(sts().spec.replicas).toBe(hpa.spec.minReplicas);
    expect(hpa.spec.scaleTargetRef).toEqual({ apiVersion: "apps/v1", kind: "StatefulSet", name: "trading-engine" });
  });

  it("tells the engine its environment (HFT_ENV, reference seed 000) from the stack's tier", () => {
    expect(engineContainer().env).toContainEqual({ name: "HFT_ENV", valueFrom: { fieldRef: { fieldPath: "metadata.labels['hft-platform/tier']" } } });
    expect(sts().spec.template.metadata.labels["hft-platform/tier"]).toBe("production");
  });

  it("takes credentials by reference only", () => {
    const env = engineContainer().env;
    for (const e of env) expect(e.value, e.name).toBeUndefined();
    expect(env.find((e: any) => e.name === "DATABASE_URL").valueFrom).toEqual({ secretKeyRef: { name: "timescaledb-client", key: "uri" } });
    expect(env.find((e: any) => e.name === "REDIS_PASSWORD").valueFrom).toEqual({ secretKeyRef: { name: "redis-client", key: "password" } });
    expect(env.find((e: any) => e.name === "JWT_SECRET").valueFrom.secretKeyRef).toEqual({ name: "trading-engine-secrets", key: "jwt-secret" });
    const secret = inv.k8s("kubernetes:core/v1:Secret", "trading-engine-secrets");
    expect(secret.stringData).toBe("[secret]");
    expect(session.generatedSecrets).toHaveLength(2);
    const everything = JSON.stringify(session.inventory);
    for (const value of session.generatedSecrets) expect(everything).not.toContain(value);
  });

  it("waits for Redis and TimescaleDB with an unprivileged init container", () => {
    const init = pod().initContainers[0];
    expect(init.name).toBe("wait-for-dependencies");
    expect(init.command[2]).toContain("nc -z -w 2 redis.hft-cache.svc.cluster.local 6379");
    expect(init.command[2]).toContain("nc -z -w 2 timescaledb-rw.hft-data.svc.cluster.local 5432");
    expect(pod().initContainers).toHaveLength(1);
  });

  it("ships logs with a pinned, limited fluent-bit sidecar reading the logs volume", () => {
    const shipper = pod().containers.find((c: any) => c.name === "log-shipper");
    expect(shipper.image).toBe("fluent/fluent-bit:3.1.9");
    expect(shipper.resources.limits).toEqual({ cpu: "200m", memory: "256Mi" });
    expect(shipper.volumeMounts).toContainEqual({ name: "logs", mountPath: "/var/log/trading", readOnly: true });
    const config = inv.k8s("kubernetes:core/v1:ConfigMap", "fluent-bit-config").data["fluent-bit.conf"];
    // Built alone, without a log sink: the application log and the audit stream are tailed apart and go to stdout.
    expect(config).toMatch(/Tag +app\n +Path +\/var\/log\/trading\/app\.log\n/);
    expect(config).toMatch(/Tag +audit\n +Path +\/var\/log\/trading\/audit\/\*\.log\n/);
    expect(config).toMatch(/Name +stdout\n +Match +\*/);
  });

  it("keeps logs and data on fast-ssd and shares reference data over EFS", () => {
    expect(sts().spec.volumeClaimTemplates.map((t: any) => [t.metadata.name, t.spec.storageClassName, t.spec.resources.requests.storage])).toEqual([
      ["logs", "fast-ssd", "50Gi"],
      ["data", "fast-ssd", "100Gi"],
    ]);
    const shared = inv.k8s("kubernetes:core/v1:PersistentVolumeClaim", "trading-reference-data");
    expect(shared.spec).toMatchObject({ accessModes: ["ReadWriteMany"], storageClassName: "efs-sc", resources: { requests: { storage: "500Gi" } } });
  });

  it("generates application.yaml from the typed config, with endpoints but no credentials", () => {
    const app = inv.k8s("kubernetes:core/v1:ConfigMap", "trading-engine-config").data["application.yaml"];
    expect(app).toContain("max_order_size: 10000");
    expect(app).toContain("target_p99_us: 100");
    expect(app).toContain("host: redis.hft-cache.svc.cluster.local");
    expect(app).toContain("master_name: hft");
    expect(app).toContain("host: timescaledb-rw.hft-data.svc.cluster.local");
    expect(app).not.toMatch(/password:|secret:/i);
    // The metrics contract the alerts and the HPA read: names and prod's bounds in seconds, 100 µs among them.
    const metrics = parse(app).metrics;
    expect(metrics.latency_histogram).toMatchObject({ name: "latency_seconds", unit: "seconds" });
    expect(metrics.latency_histogram.buckets).toContain(0.0001);
    expect(metrics.latency_histogram.buckets.filter((b: number) => b <= 0.0001)).toHaveLength(10);
    expect(metrics.error_counter).toEqual({ name: "errors_total" });
    expect(sts().spec.template.metadata.annotations["hft-platform/config-hash"]).toMatch(/^[0-9a-f]{16}$/);
  });

  it("mounts no service account token", () => {
    expect(inv.k8s("kubernetes:core/v1:ServiceAccount", "trading-engine").automountServiceAccountToken).toBe(false);
    expect(pod().automountServiceAccountToken).toBe(false);
  });
});

describe("trading engine services, scaling and policies", () => {
  it("exposes a headless, an internal and an NLB service", () => {
    const services = inv.all("kubernetes:core/v1:Service").map((s) => s.inputs as any);
    expect(services.map((s) => s.metadata.name).sort()).toEqual(["trading-engine-external", "trading-engine-headless", "trading-engine-internal"]);
    expect(inv.k8s("kubernetes:core/v1:Service", "trading-engine-headless").spec.clusterIP).toBe("None");
    expect(inv.k8s("kubernetes:core/v1:Service", "trading-engine-internal").spec.sessionAffinity).toBe("ClientIP");
    const nlb = inv.k8s("kubernetes:core/v1:Service", "trading-engine-external");
    expect(nlb.spec).toMatchObject({ type: "LoadBalancer", externalTrafficPolicy: "Local", loadBalancerSourceRanges: ["10.0.0.0/8"] });
    expect(nlb.metadata.annotations).toMatchObject({
      "service.beta.kubernetes.io/aws-load-balancer-type": "nlb",
      "service.beta.kubernetes.io/aws-load-balancer-internal": "true",
    });
  });

  it("autoscales on CPU, memory and p99 latency with the reference behaviours", () => {
    const hpa = inv.k8s("kubernetes:autoscaling/v2:HorizontalPodAutoscaler", "trading-engine-hpa").spec;
    expect(hpa).toMatchObject({ minReplicas: 3, maxReplicas: 5, scaleTargetRef: { kind: "StatefulSet", name: "trading-engine" } });
    expect(hpa.metrics).toContainEqual({ type: "Pods", pods: { metric: { name: "latency_p99" }, target: { type: "AverageValue", averageValue: "80" } } });
    expect(hpa.metrics).toContainEqual({ type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 70 } } });
    expect(hpa.behavior.scaleDown.stabilizationWindowSeconds).toBe(300);
    expect(hpa.behavior.scaleUp.selectPolicy).toBe("Max");
  });

  it("keeps two engines up through voluntary disruptions", () => {
    expect(inv.k8s("kubernetes:policy/v1:PodDisruptionBudget", "trading-engine-pdb").spec).toMatchObject({ minAvailable: 2, unhealthyPodEvictionPolicy: "AlwaysAllow" });
  });

  it("admits Prometheus, its peers and the clients' range without pods or control plane; reaches DNS, the data stores, its peers and its venues only", () => {
    const ingress = inv.k8s("kubernetes:networking.k8s.io/v1:NetworkPolicy", "trading-engine-ingress").spec.ingress;
    expect(ingress[0]).toEqual({
      from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "monitoring" } }, podSelector: { matchLabels: { "app.kubernetes.io/name": "prometheus" } } }],
      ports: [{ protocol: "TCP", port: 9090 }],
    });
    expect(ingress[1].ports.map((p: any) => p.port)).toEqual([8080, 8443]);
    // The VPC CNI gives pods VPC addresses: 10.0.0.0/8 without them (and the control plane's subnet).
    expect(ingress[2]).toEqual({ from: [{ ipBlock: { cidr: "10.0.0.0/8", except: ["10.30.0.0/19", "10.30.224.0/28"] } }], ports: [{ protocol: "TCP", port: 8443 }] });
    const egress = inv.k8s("kubernetes:networking.k8s.io/v1:NetworkPolicy", "trading-engine-egress").spec.egress;
    expect(egress.slice(0, 4).map((e: any) => e.ports.map((p: any) => p.port))).toEqual([[53, 53], [6379, 26379], [5432], [8080, 8443]]);
    expect(egress[3].to).toEqual([{ podSelector: { matchLabels: { "app.kubernetes.io/name": "trading-engine", "app.kubernetes.io/instance": "trading-engine" } } }]);
    expect(egress[1].to[0]).toEqual({ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "hft-cache" } }, podSelector: { matchLabels: { "app.kubernetes.io/name": "redis" } } });
    // Venues, exactly as configured; no rule for the internet at large.
    const { venues } = parsePlatformConfig(stackConfig("prod"), "prod").engine;
    expect(venues.length).toBeGreaterThan(0);
    expect(egress.slice(4)).toEqual(
      venues.map((v) => ({ to: v.cidrs.map((cidr) => ({ ipBlock: { cidr } })), ports: v.ports.map((p) => ({ protocol: p.protocol, port: p.port, ...(p.endPort ? { endPort: p.endPort } : {}) })) })),
    );
    expect(JSON.stringify(egress)).not.toContain("0.0.0.0/0");
  });

  it("scrapes metrics every second and alerts on p99 above 100µs", () => {
    const monitor = inv.k8s("kubernetes:monitoring.coreos.com/v1:ServiceMonitor", "trading-engine");
    expect(monitor.spec.endpoints).toEqual([{ port: "metrics", path: "/metrics", interval: "1s", scrapeTimeout: "1s" }]);
    const rules = inv.k8s("kubernetes:monitoring.coreos.com/v1:PrometheusRule", "trading-engine").spec.groups[0].rules;
    expect(rules.map((r: any) => r.alert)).toEqual(["HighLatency", "EngineMetricsAbsent", "HighErrorRate", "PodNotReady"]);
    expect(rules[0]).toMatchObject({ for: "1m", labels: { severity: "critical" } });
    expect(rules[0].expr).toMatch(/> 0\.0001$/);
  });
});

describe("host networking exception", () => {
  it("switches DNS to ClusterFirstWithHostNet when the engine uses the host network", async () => {
    const { inv: hostInv } = await buildEngine({ hostNetwork: true });
    const spec = hostInv.k8s("kubernetes:apps/v1:StatefulSet", "trading-engine").spec.template.spec;
    expect(spec.hostNetwork).toBe(true);
    expect(spec.dnsPolicy).toBe("ClusterFirstWithHostNet");
  });
});
