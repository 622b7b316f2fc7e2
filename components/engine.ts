import { createHash } from "node:crypto";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { stringify } from "yaml";
import { EngineConfig, Tier } from "./config";
import { AppIdentity, ENGINE_NODE_SELECTOR, LATENCY_VERIFIED_LABEL, selectorLabels, standardLabels } from "./k8s/labels";
import { MonitoringHandle, prometheusRule, scrapers, serviceMonitor } from "./k8s/monitoring";
import { clientPeers, DNS_EGRESS, EgressRule, internetEgress, namespacePeer, networkPolicy, tcp } from "./k8s/network";
import { container, httpProbe, restrictedPodSecurityContext } from "./k8s/pod";
import { WorkloadCluster } from "./k8s/workload-cluster";
import { applicationConfig, ENGINE_PORTS as PORTS, engineAlerts, fluentBitConfig } from "./engine-files";
import { loadBalancerAnnotations, servicePorts } from "./engine-exposure";
import { engineGuardrails, PRIORITY_CLASS } from "./engine-guardrails";
import { engineLatencyPathAlerts } from "./engine-latency-alerts";

export const ENGINE_APP: AppIdentity = { name: "trading-engine", component: "engine" };
export const TRADING_NAMESPACE = "hft-trading";

/** How the engine reaches Redis: its service and the client Secret in the engine's namespace. */
export interface RedisClientEndpoint {
  namespace: string;
  host: pulumi.Input<string>;
  port: number;
  sentinel?: { host: pulumi.Input<string>; port: number; masterName: string };
  clientSecretName: pulumi.Input<string>;
  passwordKey: string;
  podSelector: Record<string, string>;
}

/** How the engine reaches TimescaleDB: its read-write service and the connection Secret in the engine's namespace. */
export interface DatabaseClientEndpoint {
  namespace: string;
  host: pulumi.Input<string>;
  port: number;
  database: string;
  /** Secret with keys host, port, dbname, user, password, uri. */
  clientSecretName: pulumi.Input<string>;
  podSelector: Record<string, string>;
}

export interface TradingEngineArgs extends EngineConfig {
  /** The trading namespace (created with its guardrails by the caller, shared with the data clients' Secrets). */
  namespace: pulumi.Input<string>;
  redis: RedisClientEndpoint;
  database: DatabaseClientEndpoint;
  monitoring: MonitoringHandle;
  cluster: WorkloadCluster;
  /** Production keeps the volumes of deleted or scaled-in pods. */
  protect: boolean;
  /** The stack's tier: the engine reads it as HFT_ENV (reference seed 000, section 3). */
  tier: Tier;
  /** Where the log shipper sends (eks mode); absent, it writes to stdout for the cluster's own log pipeline. */
  logs?: EngineLogSink;
}

/** CloudWatch Logs and the Object Lock bucket the platform made, as plain values, and the credentials' readiness. */
export interface EngineLogSink {
  logGroupName: string;
  region: string;
  auditBucket: pulumi.Input<string>;
  auditPrefix: string;
  ready: pulumi.Resource[];
}

/** Pod identity's credential endpoint: the agent on every node listens on this link-local address. */
const POD_IDENTITY_AGENT = { cidr: "169.254.170.23/32", port: 80 } as const;

/** Pod label carrying the stack's tier. */
const TIER_LABEL = "hft-platform/tier";

/**
 * The trading engine: namespace guardrails (engine-guardrails.ts), configuration and generated
 * credentials, the latency-pinned StatefulSet with its log shipper, services, autoscaling,
 * disruption budget, network policies, and its scrape target and alerts.
 */
export class TradingEngine extends pulumi.ComponentResource {
  readonly statefulSetName: pulumi.Output<string>;
  readonly externalServiceName: pulumi.Output<string>;

  constructor(name: string, args: TradingEngineArgs, opts?: pulumi.ComponentResourceOptions) {
    super("hft:platform:TradingEngine", name, {}, opts);
    const k8sOpts = { parent: this, provider: args.cluster.provider };
    const labels = standardLabels(ENGINE_APP);
    const selector = selectorLabels(ENGINE_APP);
    const ns = args.namespace;
    const meta = (objectName: string, extra: Record<string, string> = {}) => ({ name: objectName, namespace: ns, labels: { ...labels, ...extra } });

    engineGuardrails(name, args, labels, k8sOpts);

    const config = new k8s.core.v1.ConfigMap(
      `${name}-config`,
      { metadata: meta("trading-engine-config"), data: { "application.yaml": applicationConfig(args).apply((c) => stringify(c)) } },
      k8sOpts,
    );
    const logShipperConfig = new k8s.core.v1.ConfigMap(
      `${name}-fluent-bit`,
      {
        metadata: meta("fluent-bit-config"),
        data: pulumi.output(args.logs?.auditBucket).apply((auditBucket) => ({
          "fluent-bit.conf": fluentBitConfig(args.logs && auditBucket ? { ...args.logs, auditBucket } : undefined),
        })),
      },
      k8sOpts,
    );

    // Credentials the engine owns; Redis and TimescaleDB credentials come from their own client Secrets.
    const generated = (secretName: string) =>
      new random.RandomPassword(`${name}-${secretName}`, { length: 48, special: false }, { parent: this }).result;
    const secret = new k8s.core.v1.Secret(
      `${name}-secrets`,
      {
        metadata: meta("trading-engine-secrets"),
        type: "Opaque",
        stringData: pulumi.secret({ "api-key": generated("api-key"), "jwt-secret": generated("jwt-secret") }),
      },
      { ...k8sOpts, provider: args.cluster.secretsProvider },
    );

    const serviceAccount = new k8s.core.v1.ServiceAccount(
      `${name}-sa`,
      // The engine never calls the Kubernetes API: no token in its pods.
      { metadata: meta("trading-engine"), automountServiceAccountToken: false },
      k8sOpts,
    );

    const referenceData = new k8s.core.v1.PersistentVolumeClaim(
      `${name}-reference-data`,
      {
        metadata: meta("trading-reference-data"),
        spec: {
          accessModes: [args.cluster.storage.referenceDataAccessMode],
          storageClassName: args.cluster.storage.classes.sharedFilesystem,
          resources: { requests: { storage: args.volumes.referenceData } },
        },
      },
      k8sOpts,
    );

    const headless = new k8s.core.v1.Service(
      `${name}-headless`,
      {
        // Only this service carries the metrics port, so the ServiceMonitor scrapes each pod once.
        metadata: meta("trading-engine-headless", { "hft-platform/metrics": "true" }),
        spec: {
          clusterIP: "None",
          publishNotReadyAddresses: true,
          selector,
          ports: servicePorts(["http", "websocket", "metrics"]),
        },
      },
      k8sOpts,
    );
    new k8s.core.v1.Service(
      `${name}-internal`,
      {
        metadata: meta("trading-engine-internal"),
        spec: {
          type: "ClusterIP",
          selector,
          ports: servicePorts(["http", "websocket"]),
          // A client stays on one engine so its session state and order flow stay together.
          sessionAffinity: "ClientIP",
          sessionAffinityConfig: { clientIP: { timeoutSeconds: 3600 } },
        },
      },
      k8sOpts,
    );
    const external = new k8s.core.v1.Service(
      `${name}-external`,
      {
        metadata: {
          ...meta("trading-engine-external"),
          // An AWS NLB where its scheme is configured; elsewhere the cluster's own load balancer (MetalLB, cloud-provider-kind).
          ...(args.exposure.internal !== undefined ? { annotations: loadBalancerAnnotations(args.exposure.internal, args.exposure.targetType) } : {}),
        },
        spec: {
          type: "LoadBalancer",
          // Keeps the client's source address (for the source-range check and the engine's own logs).
          externalTrafficPolicy: "Local",
          loadBalancerSourceRanges: args.exposure.sourceRanges,
          selector,
          ports: [{ name: "https", port: 443, targetPort: PORTS.websocket, protocol: "TCP" }],
        },
      },
      k8sOpts,
    );
    this.externalServiceName = external.metadata.name;

    const statefulSet = new k8s.apps.v1.StatefulSet(
      name,
      {
        metadata: meta("trading-engine"),
        spec: {
          serviceName: headless.metadata.name,
          replicas: args.replicas,
          podManagementPolicy: "Parallel",
          updateStrategy: { type: "RollingUpdate", rollingUpdate: { partition: 0 } },
          persistentVolumeClaimRetentionPolicy: args.protect
            ? { whenDeleted: "Retain", whenScaled: "Retain" }
            : { whenDeleted: "Delete", whenScaled: "Delete" },
          selector: { matchLabels: selector },
          template: {
            metadata: {
              labels: { ...labels, [TIER_LABEL]: args.tier },
              // Rolls the pods when their configuration changes.
              annotations: { "hft-platform/config-hash": config.data.apply((d) => configHash(d)) },
            },
            spec: this.podSpec(args, {
              config: config.metadata.name,
              logShipperConfig: logShipperConfig.metadata.name,
              secret: secret.metadata.name,
              serviceAccount: serviceAccount.metadata.name,
              referenceData: referenceData.metadata.name,
            }),
          },
          volumeClaimTemplates: [
            claimTemplate("logs", args.volumes.logs, args.cluster.storage.classes.fastSsd, labels),
            claimTemplate("data", args.volumes.data, args.cluster.storage.classes.fastSsd, labels),
          ],
        },
      },
      // The HPA owns spec.replicas once it scales: `replicas` sizes the first create only. Under
      // server-side apply, pulumi-kubernetes drops an ignored field from its patch when another
      // field manager owns it, and re-sends the live value otherwise, so `pulumi up` neither
      // conflicts with the HPA nor resets the count (handleSSAIgnoreFields in
      // provider/pkg/await/await.go, v4.32.0 to main, read 2026-11-30). Omitting the field instead
      // would reset a never-scaled StatefulSet to 1 replica on the next apply.
      // The shipper's pod-identity credentials exist before the first pod starts.
      { ...k8sOpts, ignoreChanges: ["spec.replicas"], dependsOn: args.logs?.ready ?? [] },
    );
    this.statefulSetName = statefulSet.metadata.name;

    new k8s.autoscaling.v2.HorizontalPodAutoscaler(
      `${name}-hpa`,
      {
        metadata: meta("trading-engine-hpa"),
        spec: {
          scaleTargetRef: { apiVersion: "apps/v1", kind: "StatefulSet", name: statefulSet.metadata.name },
          minReplicas: args.replicas,
          maxReplicas: args.maxReplicas,
          behavior: {
            scaleDown: {
              stabilizationWindowSeconds: 300,
              policies: [
                { type: "Percent", value: 50, periodSeconds: 60 },
                { type: "Pods", value: 2, periodSeconds: 60 },
              ],
              selectPolicy: "Min",
            },
            scaleUp: {
              stabilizationWindowSeconds: 0,
              policies: [
                { type: "Percent", value: 100, periodSeconds: 30 },
                { type: "Pods", value: 4, periodSeconds: 30 },
              ],
              selectPolicy: "Max",
            },
          },
          metrics: [
            { type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 70 } } },
            { type: "Resource", resource: { name: "memory", target: { type: "Utilization", averageUtilization: 80 } } },
            {
              type: "Pods",
              // prometheus-adapter serves latency_p99 in microseconds (whole units survive its milli-unit rounding).
              pods: { metric: { name: "latency_p99" }, target: { type: "AverageValue", averageValue: String(args.latency.hpaP99Us) } },
            },
          ],
        },
      },
      k8sOpts,
    );

    new k8s.policy.v1.PodDisruptionBudget(
      `${name}-pdb`,
      {
        metadata: meta("trading-engine-pdb"),
        spec: { minAvailable: args.pdbMinAvailable, selector: { matchLabels: selector }, unhealthyPodEvictionPolicy: "AlwaysAllow" },
      },
      k8sOpts,
    );

    this.networkPolicies(name, args, meta, selector, k8sOpts);

    const monitoringArgs = { name: "trading-engine", namespace: ns, labels, monitoring: args.monitoring, provider: args.cluster.provider, parent: this };
    serviceMonitor(monitoringArgs, { ...selector, "hft-platform/metrics": "true" }, selector, [{ port: "metrics", targetPort: PORTS.metrics, interval: args.metricsInterval }]);
    prometheusRule(monitoringArgs, "trading-engine", engineAlerts(args, TRADING_NAMESPACE), "10s");
    prometheusRule({ ...monitoringArgs, name: "trading-engine-latency-path" }, "trading-engine-latency-path", engineLatencyPathAlerts(args, TRADING_NAMESPACE));

    this.registerOutputs({ statefulSetName: this.statefulSetName, externalServiceName: this.externalServiceName });
  }

  private podSpec(
    args: TradingEngineArgs,
    refs: Record<"config" | "logShipperConfig" | "secret" | "serviceAccount" | "referenceData", pulumi.Input<string>>,
  ): k8s.types.input.core.v1.PodSpec {
    const secretEnv = (envName: string, secretName: pulumi.Input<string>, key: string) => ({
      name: envName,
      valueFrom: { secretKeyRef: { name: secretName, key } },
    });
    const fieldEnv = (envName: string, fieldPath: string) => ({ name: envName, valueFrom: { fieldRef: { fieldPath } } });
    const waitFor = [
      { name: "Redis", host: args.redis.host, port: args.redis.port },
      { name: "TimescaleDB", host: args.database.host, port: args.database.port },
    ];

    return {
      serviceAccountName: refs.serviceAccount,
      automountServiceAccountToken: false,
      priorityClassName: PRIORITY_CLASS,
      nodeSelector: { [ENGINE_NODE_SELECTOR.key]: ENGINE_NODE_SELECTOR.value },
      tolerations: [{ key: ENGINE_NODE_SELECTOR.key, operator: "Equal", value: ENGINE_NODE_SELECTOR.value, effect: "NoSchedule" }],
      affinity: {
        // Only a node whose verifier read the live tuning and passed (node-isolation.ts) gets the engine.
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: {
            nodeSelectorTerms: [{ matchExpressions: [{ key: LATENCY_VERIFIED_LABEL.key, operator: "In", values: [LATENCY_VERIFIED_LABEL.value] }] }],
          },
        },
        podAntiAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: [
            { labelSelector: { matchLabels: selectorLabels(ENGINE_APP) }, topologyKey: "kubernetes.io/hostname" },
          ],
        },
      },
      hostNetwork: args.hostNetwork,
      dnsPolicy: args.hostNetwork ? "ClusterFirstWithHostNet" : "ClusterFirst",
      dnsConfig: {
        options: [
          { name: "ndots", value: "1" },
          { name: "timeout", value: "1" },
          { name: "attempts", value: "2" },
        ],
      },
      securityContext: restrictedPodSecurityContext(),
      terminationGracePeriodSeconds: 30,
      initContainers: [
        container({
          name: "wait-for-dependencies",
          image: args.initImage,
          command: [
            "sh",
            "-c",
            pulumi
              .all(waitFor.map((d) => pulumi.interpolate`until nc -z -w 2 ${d.host} ${d.port}; do echo "waiting for ${d.name}"; sleep 2; done`))
              .apply((lines) => lines.join("\n")),
          ],
          resources: { cpu: "50m", memory: "64Mi" },
        }),
      ],
      containers: [
        container({
          name: "trading-engine",
          image: args.image,
          ports: [
            { name: "http", containerPort: PORTS.http, protocol: "TCP" },
            { name: "websocket", containerPort: PORTS.websocket, protocol: "TCP" },
            { name: "metrics", containerPort: PORTS.metrics, protocol: "TCP" },
          ],
          env: [
            fieldEnv("POD_NAME", "metadata.name"),
            fieldEnv("POD_NAMESPACE", "metadata.namespace"),
            fieldEnv("POD_IP", "status.podIP"),
            fieldEnv("NODE_NAME", "spec.nodeName"),
            // The tier is a pod label (queries and dashboards see it too); the engine reads it as HFT_ENV.
            fieldEnv("HFT_ENV", `metadata.labels['${TIER_LABEL}']`),
            fieldEnv("HFT_INSTANCE_ID", "metadata.name"),
            secretEnv("DATABASE_URL", args.database.clientSecretName, "uri"),
            secretEnv("REDIS_PASSWORD", args.redis.clientSecretName, args.redis.passwordKey),
            secretEnv("API_KEY", refs.secret, "api-key"),
            secretEnv("JWT_SECRET", refs.secret, "jwt-secret"),
          ],
          // Guaranteed QoS: requests equal limits, whole CPUs and hugepages, so the static CPU
          // manager gives the engine exclusive cores on one NUMA node.
          resources: {
            cpu: String(args.cpu),
            memory: args.memory,
            hugepages2Mi: args.hugepages,
            ephemeralStorage: args.ephemeralStorage,
          },
          volumeMounts: [
            { name: "config", mountPath: "/app/config", readOnly: true },
            { name: "logs", mountPath: "/var/log/trading" },
            { name: "data", mountPath: "/app/data" },
            { name: "reference-data", mountPath: "/app/reference", readOnly: true },
            { name: "tmp", mountPath: "/tmp" },
            { name: "hugepages", mountPath: "/dev/hugepages" },
          ],
          startupProbe: httpProbe("/health/startup", PORTS.http, { periodSeconds: 5, timeoutSeconds: 3, failureThreshold: 30 }),
          livenessProbe: httpProbe("/health/live", PORTS.http, { periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 3 }),
          readinessProbe: httpProbe("/health/ready", PORTS.http, { periodSeconds: 5, timeoutSeconds: 3, failureThreshold: 3 }),
          lifecycle: {
            // Gives the load balancer and kube-proxy time to stop sending new orders before SIGTERM.
            preStop: { exec: { command: ["/bin/sh", "-c", "sleep 10"] } },
          },
        }),
        container({
          name: "log-shipper",
          image: args.logShipper.image,
          ports: [{ name: "shipper-http", containerPort: PORTS.logShipper, protocol: "TCP" }],
          resources: { cpu: args.logShipper.cpu, memory: args.logShipper.memory },
          // Names the CloudWatch stream and the audit objects after the pod.
          env: [fieldEnv("POD_NAME", "metadata.name")],
          volumeMounts: [
            { name: "logs", mountPath: "/var/log/trading", readOnly: true },
            { name: "fluent-bit-config", mountPath: "/fluent-bit/etc/", readOnly: true },
            { name: "log-shipper-state", mountPath: "/fluent-bit/state" },
          ],
          livenessProbe: httpProbe("/", PORTS.logShipper, { periodSeconds: 10, timeoutSeconds: 3, failureThreshold: 3 }),
          readinessProbe: httpProbe("/api/v1/health", PORTS.logShipper, { periodSeconds: 10, timeoutSeconds: 3, failureThreshold: 3 }),
        }),
      ],
      volumes: [
        { name: "config", configMap: { name: refs.config } },
        { name: "fluent-bit-config", configMap: { name: refs.logShipperConfig } },
        { name: "reference-data", persistentVolumeClaim: { claimName: refs.referenceData, readOnly: true } },
        { name: "tmp", emptyDir: { medium: "Memory", sizeLimit: "1Gi" } },
        { name: "log-shipper-state", emptyDir: { sizeLimit: "256Mi" } },
        { name: "hugepages", emptyDir: { medium: "HugePages-2Mi", sizeLimit: args.hugepages } },
      ],
    };
  }

  /**
   * Ingress: Prometheus on the metrics port, the peers on 8080/8443, the load balancer's clients on the
   * order port (their ranges without the pods' own addresses). Egress: DNS, Redis, TimescaleDB, the
   * peers and the declared venues (engine.venues); nothing else leaves.
   */
  private networkPolicies(
    name: string,
    args: TradingEngineArgs,
    meta: (objectName: string) => { name: string; namespace: pulumi.Input<string>; labels: Record<string, string> },
    selector: Record<string, string>,
    k8sOpts: pulumi.CustomResourceOptions,
  ): void {
    // Peers talk on 8080/8443 whenever more than one pod can run.
    const peers = { to: [{ podSelector: { matchLabels: selector } }], ports: tcp(PORTS.http, PORTS.websocket) };
    const withPeers = args.maxReplicas > 1;
    networkPolicy(
      `${name}-ingress`,
      {
        ...meta("trading-engine-ingress"),
        podSelector: { matchLabels: selector },
        ingress: [
          { from: scrapers(args.monitoring), ports: tcp(PORTS.metrics) },
          ...(withPeers ? [{ from: peers.to, ports: peers.ports }] : []),
          { from: clientPeers(args.exposure.sourceRanges, args.cluster.network), ports: tcp(PORTS.websocket) },
          // With ip targets the NLB's health checks come from its own addresses in the cluster's subnets, to the pod.
          ...(args.exposure.targetType === "ip" ? [{ from: [{ ipBlock: { cidr: args.cluster.network.nodeCidr } }], ports: tcp(PORTS.websocket) }] : []),
        ],
      },
      k8sOpts,
    );
    networkPolicy(
      `${name}-egress`,
      {
        ...meta("trading-engine-egress"),
        podSelector: { matchLabels: selector },
        egress: [
          DNS_EGRESS,
          {
            to: [namespacePeer(args.redis.namespace, args.redis.podSelector)],
            ports: tcp(args.redis.port, ...(args.redis.sentinel ? [args.redis.sentinel.port] : [])),
          },
          { to: [namespacePeer(args.database.namespace, args.database.podSelector)], ports: tcp(args.database.port) },
          ...(withPeers ? [peers] : []),
          ...args.venues.map(venueEgress),
          // The log shipper's CloudWatch Logs and S3 endpoints have no fixed addresses: HTTPS to the public
          // internet (private ranges and the Service range excepted), with credentials from the pod identity agent.
          ...(args.logs
            ? [internetEgress(args.cluster.network, tcp(443)), { to: [{ ipBlock: { cidr: POD_IDENTITY_AGENT.cidr } }], ports: tcp(POD_IDENTITY_AGENT.port) }]
            : []),
        ],
      },
      k8sOpts,
    );
  }
}

/** One venue: exactly its ranges and ports. */
function venueEgress(venue: TradingEngineArgs["venues"][number]): EgressRule {
  return {
    to: venue.cidrs.map((cidr) => ({ ipBlock: { cidr } })),
    ports: venue.ports.map((p) => ({ protocol: p.protocol, port: p.port, ...(p.endPort !== undefined && p.endPort !== p.port ? { endPort: p.endPort } : {}) })),
  };
}

function claimTemplate(claimName: string, size: string, storageClassName: string, labels: Record<string, string>): k8s.types.input.core.v1.PersistentVolumeClaim {
  return {
    metadata: { name: claimName, labels },
    spec: { accessModes: ["ReadWriteOnce"], storageClassName, resources: { requests: { storage: size } } },
  };
}

function configHash(data: Record<string, string>): string {
  return createHash("sha256").update(JSON.stringify(data)).digest("hex").slice(0, 16);
}
