import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import type { CertManager } from "./cert-manager";
import { alertmanagerConfigFile, RECEIVER_SECRET, receiverCredentials } from "./alertmanager-config";
import { ChartSource, ContainerResources, MonitoringConfig } from "./config";
import { clockAlerts } from "./clock-alerts";
import { LATENCY_BUCKET_SERIES } from "./engine-metrics";
import { ENGINE_NODE_SELECTOR, LATENCY_VERIFIED_LABEL, standardLabels } from "./k8s/labels";
import { MonitoringHandle, NODE_TEXTFILE_DIR, prometheusRule } from "./k8s/monitoring";
import { PlatformNamespace } from "./k8s/namespace";
import { apiServerEgress, DNS_EGRESS, EgressRule, fromControlPlane, IngressRule, internetEgress, namespacePeer, networkPolicy, tcp } from "./k8s/network";
import { resources, restrictedContainerSecurityContext, restrictedPodSecurityContext } from "./k8s/pod";
import { WorkloadCluster } from "./k8s/workload-cluster";
import { AdapterRule, disruptionBudget, KubePrometheusStackValues, PrometheusAdapterValues, StatefulPodValues } from "./monitoring-values";

type PersistentVolumeClaimSpec = k8s.types.input.core.v1.PersistentVolumeClaimSpec;

export const MONITORING_NAMESPACE = "monitoring";
/**
 * node-exporter needs the host's network, PID namespace and root filesystem, which only the
 * "privileged" Pod Security level admits. It gets a namespace of its own so that exception covers
 * that one DaemonSet; everything else in `monitoring` runs under "restricted".
 */
export const NODE_EXPORTER_NAMESPACE = "node-exporter";

/** Release and object name prefix of kube-prometheus-stack (fixed, so service names are stable). */
const STACK = "kube-prometheus-stack";
const ADAPTER = "prometheus-adapter";
export const PROMETHEUS_SERVICE = { name: `${STACK}-prometheus`, port: 9090 } as const;

/**
 * Labels the charts put on each component's pods (the operator's for Prometheus and Alertmanager), as
 * tools/data/chart-pods.ts records them with their source; the network policies select by them.
 * Prometheus and Alertmanager are selected by their Services' own selectors: the VPC CNI admits a
 * Service's cluster IP only to an egress peer whose podSelector matches the Service's selector
 * (amazon-network-policy-controller-k8s pkg/resolvers/endpoints.go), and Grafana and the adapter
 * reach them through their Services.
 */
const PODS = {
  prometheus: { "app.kubernetes.io/name": "prometheus", "operator.prometheus.io/name": `${STACK}-prometheus` },
  alertmanager: { "app.kubernetes.io/name": "alertmanager", alertmanager: `${STACK}-alertmanager` },
  grafana: { "app.kubernetes.io/name": "grafana", "app.kubernetes.io/instance": STACK },
  kubeStateMetrics: { "app.kubernetes.io/name": "kube-state-metrics", "app.kubernetes.io/instance": STACK },
  operator: { "app.kubernetes.io/name": `${STACK}-prometheus-operator`, "app.kubernetes.io/instance": STACK },
  adapter: { "app.kubernetes.io/name": ADAPTER, "app.kubernetes.io/instance": ADAPTER },
};
/** The components' container ports (chart defaults; the operator's web port with its TLS off). */
const PORTS = {
  prometheus: 9090,
  reloader: 8080,
  alertmanager: 9093,
  alertmanagerMesh: 9094,
  http: 8080,
  grafana: 3000,
  adapter: 6443,
  corednsMetrics: 9153,
  kubelet: 10250,
  nodeExporter: 9100,
};
export const GRAFANA_ADMIN_SECRET = { name: "grafana-admin", userKey: "admin-user", passwordKey: "admin-password" } as const;
/** Alertmanager's configuration in a GitOps export, applied by the program instead of written by the chart. */
export const ALERTMANAGER_CONFIG_SECRET = "alertmanager-config";
/** The Role Grafana's sidecars are bound to: ConfigMaps in `monitoring`, nothing else. */
export const GRAFANA_SIDECAR_ROLE = "grafana-sidecar";

/**
 * The custom metric the engine's HPA scales on: p99 of the engine's `latency_seconds` histogram per
 * pod, over one minute, in microseconds. prometheus-adapter hands values to Kubernetes as milli-units,
 * so a p99 of 85 µs in seconds (0.000085) would round to 0; in microseconds it is "85".
 */
export const ENGINE_LATENCY_METRIC = {
  name: "latency_p99",
  unit: "microseconds",
  histogram: LATENCY_BUCKET_SERIES,
  window: "1m",
} as const;

export interface MonitoringArgs extends MonitoringConfig {
  /** Provider, StorageClasses, and the node range (kubelets, node-exporter, the API server's endpoints) and Service range. */
  cluster: WorkloadCluster;
  /** Issues the adapter's serving certificate; cainjector puts its CA in the adapter's APIService. */
  certManager: CertManager;
  /** Production: metric and alert volumes survive their StatefulSets. */
  protect: boolean;
}

const SIDECAR_RESOURCES: ContainerResources = { cpu: "10m", memory: "32Mi", limits: { cpu: "100m", memory: "64Mi" } };

/**
 * The Prometheus stack: kube-prometheus-stack (operator and its CRDs, Prometheus, Alertmanager,
 * Grafana, kube-state-metrics, node-exporter) and prometheus-adapter serving the engine's latency
 * as a custom metric. Workloads register scrape targets and alerts through `handle`.
 */
export class Monitoring extends pulumi.ComponentResource {
  readonly handle: MonitoringHandle;
  readonly namespace: pulumi.Output<string>;
  readonly kubePrometheusStack: k8s.helm.v4.Chart;
  readonly prometheusAdapter: k8s.helm.v4.Chart;
  /** In-cluster Prometheus URL. */
  readonly prometheusUrl: string;

  constructor(name: string, args: MonitoringArgs, opts?: pulumi.ComponentResourceOptions) {
    super("hft:platform:Monitoring", name, {}, opts);
    const k8sOpts = { parent: this, provider: args.cluster.provider };
    const labels = standardLabels({ name: "monitoring", component: "monitoring" });

    const namespace = new PlatformNamespace(
      MONITORING_NAMESPACE,
      { name: MONITORING_NAMESPACE, labels, podSecurity: "restricted", provider: args.cluster.provider, namespaceProvider: args.cluster.secretsProvider },
      { parent: this },
    );
    const nodeExporterNamespace = new PlatformNamespace(
      NODE_EXPORTER_NAMESPACE,
      {
        name: NODE_EXPORTER_NAMESPACE,
        labels: standardLabels({ name: "node-exporter", component: "monitoring" }),
        // hostNetwork, hostPID and read-only hostPath mounts of /, /proc and /sys: see NODE_EXPORTER_NAMESPACE.
        podSecurity: "privileged",
        provider: args.cluster.provider,
      },
      { parent: this },
    );
    this.namespace = namespace.name;
    const inNamespace = { ...k8sOpts, dependsOn: [namespace] };

    const adminPassword = new random.RandomPassword(`${name}-grafana-admin`, { length: 32, special: false }, { parent: this });
    const grafanaAdmin = new k8s.core.v1.Secret(
      GRAFANA_ADMIN_SECRET.name,
      {
        metadata: { name: GRAFANA_ADMIN_SECRET.name, namespace: namespace.name, labels },
        type: "Opaque",
        stringData: {
          [GRAFANA_ADMIN_SECRET.userKey]: "admin",
          [GRAFANA_ADMIN_SECRET.passwordKey]: pulumi.secret(adminPassword.result),
        },
      },
      { ...inNamespace, provider: args.cluster.secretsProvider },
    );

    const credentials = receiverCredentials(args.alertmanager.receivers);
    const receiverSecret =
      Object.keys(credentials).length > 0
        ? new k8s.core.v1.Secret(
            RECEIVER_SECRET,
            {
              metadata: { name: RECEIVER_SECRET, namespace: namespace.name, labels },
              type: "Opaque",
              stringData: pulumi.secret(credentials),
            },
            { ...inNamespace, provider: args.cluster.secretsProvider },
          )
        : undefined;

    // In a GitOps export the chart would write its config Secret (alertmanager.yaml) into the
    // directory (kube-prometheus-stack 88.5.3 templates/alertmanager/secret.yaml, unless
    // alertmanagerSpec.useExistingSecret): the program applies it instead. JSON is YAML.
    const alertmanagerConfig =
      args.cluster.exportDirectory === undefined
        ? undefined
        : new k8s.core.v1.Secret(
            ALERTMANAGER_CONFIG_SECRET,
            {
              metadata: { name: ALERTMANAGER_CONFIG_SECRET, namespace: namespace.name, labels },
              type: "Opaque",
              stringData: pulumi.secret({ "alertmanager.yaml": JSON.stringify(alertmanagerConfigFile(args.alertmanager)) }),
            },
            { ...inNamespace, provider: args.cluster.secretsProvider },
          );

    this.networkPolicies(namespace.name, labels, args, inNamespace);
    const grafanaRole = this.grafanaSidecarRole(namespace.name, labels, inNamespace);

    this.kubePrometheusStack = new k8s.helm.v4.Chart(
      STACK,
      {
        ...chartReference(args.kubePrometheusStack),
        name: STACK,
        namespace: namespace.name,
        values: kubePrometheusStackValues(args, Boolean(receiverSecret)) as unknown as Record<string, pulumi.Input<unknown>>,
      },
      {
        parent: this,
        provider: args.cluster.provider,
        // Grafana and Alertmanager mount these Secrets by name; node-exporter lands in its own namespace.
        dependsOn: [namespace, nodeExporterNamespace, grafanaAdmin, grafanaRole, ...(receiverSecret ? [receiverSecret] : []), ...(alertmanagerConfig ? [alertmanagerConfig] : [])],
      },
    );

    this.prometheusUrl = `http://${PROMETHEUS_SERVICE.name}.${MONITORING_NAMESPACE}.svc:${PROMETHEUS_SERVICE.port}`;
    this.prometheusAdapter = new k8s.helm.v4.Chart(
      ADAPTER,
      {
        ...chartReference(args.prometheusAdapter),
        name: ADAPTER,
        namespace: namespace.name,
        values: prometheusAdapterValues(args) as unknown as Record<string, pulumi.Input<unknown>>,
      },
      // Its queries go to the stack's Prometheus; its Issuers and Certificates need cert-manager serving.
      { parent: this, provider: args.cluster.provider, dependsOn: [this.kubePrometheusStack, args.certManager.chart, args.certManager.ready] },
    );

    this.handle = { namespace: MONITORING_NAMESPACE, scraper: PODS.prometheus, crds: this.kubePrometheusStack };
    prometheusRule(
      { name: "node-clocks", namespace: namespace.name, labels, monitoring: this.handle, provider: args.cluster.provider, parent: this },
      "node-clocks",
      clockAlerts(args.clock),
    );
    this.registerOutputs({ namespace: this.namespace, prometheusUrl: this.prometheusUrl });
  }

  /**
   * What Grafana's dashboard and datasource sidecars may do: read ConfigMaps in `monitoring`, where
   * kube-prometheus-stack puts its dashboards and datasources. The chart's own Role (and, unless
   * `rbac.namespaced`, its ClusterRole) grants get/list/watch on `configmaps` and `secrets` whatever
   * the sidecars read (grafana 12.11.1, templates/role.yaml and clusterrole.yaml, read 2026-12-07),
   * so the chart binds this Role instead (`rbac.useExistingRole`): no Secret in any namespace.
   */
  private grafanaSidecarRole(namespace: pulumi.Input<string>, labels: Record<string, string>, opts: pulumi.CustomResourceOptions): k8s.rbac.v1.Role {
    return new k8s.rbac.v1.Role(
      GRAFANA_SIDECAR_ROLE,
      { metadata: { name: GRAFANA_SIDECAR_ROLE, namespace, labels }, rules: [{ apiGroups: [""], resources: ["configmaps"], verbs: ["get", "list", "watch"] }] },
      opts,
    );
  }

  /**
   * The namespace denies everything by default; each component gets exactly its flows. Prometheus
   * scrapes the stack's own components, CoreDNS, the kubelets and node-exporter (node addresses) and the
   * API server; workloads let it out to their own targets through their monitors. Grafana and the
   * adapter query Prometheus; Prometheus and Grafana reach Alertmanager, whose replicas gossip and send
   * notifications to the internet over HTTPS; the API server (and nothing else) calls the adapter.
   */
  private networkPolicies(namespace: pulumi.Input<string>, labels: Record<string, string>, args: MonitoringArgs, opts: pulumi.CustomResourceOptions): void {
    const network = args.cluster.network;
    const policy = (name: string, pods: Record<string, string>, ingress: IngressRule[], egress: EgressRule[]) =>
      networkPolicy(`${MONITORING_NAMESPACE}-${name}`, { name, namespace, labels, podSelector: { matchLabels: pods }, ingress, egress }, opts);
    const from = (...pods: Record<string, string>[]) => pods.map((p) => ({ podSelector: { matchLabels: p } }));
    const api = apiServerEgress(network);
    const mesh = [{ protocol: "TCP", port: PORTS.alertmanagerMesh }, { protocol: "UDP", port: PORTS.alertmanagerMesh }];
    // Replicas gossip to form a cluster; a single Alertmanager has no one to talk to.
    const gossip = args.alertmanager.replicas > 1;

    policy(
      "prometheus",
      PODS.prometheus,
      [
        { from: from(PODS.grafana, PODS.adapter), ports: tcp(PORTS.prometheus) },
        { from: from(PODS.prometheus), ports: tcp(PORTS.prometheus, PORTS.reloader) },
      ],
      [
        DNS_EGRESS,
        // Service discovery, and the API server's own metrics.
        ...api,
        { to: from(PODS.prometheus), ports: tcp(PORTS.prometheus, PORTS.reloader) },
        { to: from(PODS.alertmanager), ports: tcp(PORTS.alertmanager, PORTS.reloader) },
        { to: from(PODS.operator, PODS.kubeStateMetrics), ports: tcp(PORTS.http) },
        { to: from(PODS.grafana), ports: tcp(PORTS.grafana) },
        { to: [namespacePeer("kube-system", { "k8s-app": "kube-dns" })], ports: tcp(PORTS.corednsMetrics) },
        // Host-network targets: the kubelet (cAdvisor) and node-exporter listen on node addresses.
        { to: [{ ipBlock: { cidr: network.nodeCidr } }], ports: tcp(PORTS.kubelet, PORTS.nodeExporter) },
      ],
    );
    policy(
      "alertmanager",
      PODS.alertmanager,
      [
        { from: from(PODS.prometheus), ports: tcp(PORTS.alertmanager, PORTS.reloader) },
        { from: from(PODS.grafana), ports: tcp(PORTS.alertmanager) },
        ...(gossip ? [{ from: from(PODS.alertmanager), ports: mesh }] : []),
      ],
      [DNS_EGRESS, ...(gossip ? [{ to: from(PODS.alertmanager), ports: mesh }] : []), internetEgress(network, tcp(443))],
    );
    policy("grafana", PODS.grafana, [{ from: from(PODS.prometheus), ports: tcp(PORTS.grafana) }], [
      DNS_EGRESS,
      // The dashboard and datasource sidecars watch ConfigMaps.
      ...api,
      { to: from(PODS.prometheus), ports: tcp(PORTS.prometheus) },
      { to: from(PODS.alertmanager), ports: tcp(PORTS.alertmanager) },
    ]);
    policy("kube-state-metrics", PODS.kubeStateMetrics, [{ from: from(PODS.prometheus), ports: tcp(PORTS.http) }], [DNS_EGRESS, ...api]);
    policy("prometheus-operator", PODS.operator, [{ from: from(PODS.prometheus), ports: tcp(PORTS.http) }], [DNS_EGRESS, ...api]);
    // The aggregation layer calls the adapter from the API server's addresses.
    policy("prometheus-adapter", PODS.adapter, [{ from: fromControlPlane(network), ports: tcp(PORTS.adapter) }], [
      DNS_EGRESS,
      ...api,
      { to: from(PODS.prometheus), ports: tcp(PORTS.prometheus) },
    ]);
  }
}

/** Chart args for a repository chart at its pinned version, or for a local archive. */
function chartReference(source: ChartSource): Pick<k8s.helm.v4.ChartArgs, "chart" | "version" | "repositoryOpts"> {
  return source.kind === "repository"
    ? { chart: source.chart, version: source.version, repositoryOpts: { repo: source.repo } }
    : { chart: source.path };
}

function claim(storageClassName: string, size: string): { volumeClaimTemplate: { spec: PersistentVolumeClaimSpec } } {
  return { volumeClaimTemplate: { spec: { storageClassName, accessModes: ["ReadWriteOnce"], resources: { requests: { storage: size } } } } };
}

function statefulPods(replicas: number, quantities: ContainerResources, ids: { uid: number; gid: number }, protect: boolean): StatefulPodValues {
  const keep = protect ? "Retain" : "Delete";
  return {
    replicas,
    resources: resources(quantities),
    securityContext: restrictedPodSecurityContext(ids),
    // Replicas in different zones: losing a zone keeps one copy of metrics and one Alertmanager.
    podAntiAffinity: replicas > 1 ? "hard" : "soft",
    podAntiAffinityTopologyKey: replicas > 1 ? "topology.kubernetes.io/zone" : "kubernetes.io/hostname",
    persistentVolumeClaimRetentionPolicy: { whenDeleted: keep, whenScaled: keep },
  };
}

/** uids the charts' images run as. */
const IDS = {
  operator: { uid: 65534, gid: 65534 },
  prometheus: { uid: 1000, gid: 2000 },
  alertmanager: { uid: 1000, gid: 2000 },
  grafana: { uid: 472, gid: 472 },
  kubeStateMetrics: { uid: 65534, gid: 65534 },
  nodeExporter: { uid: 65534, gid: 65534 },
  adapter: { uid: 10001, gid: 10001 },
};

export function kubePrometheusStackValues(args: MonitoringArgs, hasReceiverSecret: boolean): KubePrometheusStackValues {
  const { prometheus, alertmanager } = args;
  const exporting = args.cluster.exportDirectory !== undefined;
  return {
    fullnameOverride: STACK,
    // The chart's version-dependent templates read the cluster's version, which a GitOps render cannot ask for.
    kubeTargetVersionOverride: args.cluster.kubernetesVersion,
    crds: { enabled: true },
    windowsMonitoring: { enabled: false },
    // EKS runs the control plane, and kubeadm binds these to 127.0.0.1: controller manager, scheduler and etcd cannot be scraped.
    kubeControllerManager: { enabled: false },
    kubeScheduler: { enabled: false },
    kubeEtcd: { enabled: false },
    // kube-proxy serves metrics on 127.0.0.1 only (EKS and kubeadm defaults): scraping it would only raise KubeProxyDown.
    kubeProxy: { enabled: false },
    prometheusOperator: {
      // The webhook's certificate comes from Helm hook Jobs, which the v4 Chart never runs. Without the
      // webhooks the operator needs no certificate either, so it serves plain HTTP (metrics only);
      // rule syntax is still checked by Prometheus on load and by the tests' schema validation.
      admissionWebhooks: { enabled: false, patch: { enabled: false }, deployment: { enabled: false } },
      tls: { enabled: false },
      resources: resources(args.operator.resources),
      securityContext: restrictedPodSecurityContext(IDS.operator),
      containerSecurityContext: restrictedContainerSecurityContext(IDS.operator),
      prometheusConfigReloader: { resources: resources(SIDECAR_RESOURCES) },
    },
    prometheus: {
      prometheusSpec: {
        ...statefulPods(prometheus.replicas, prometheus.resources, IDS.prometheus, args.protect),
        retention: prometheus.retention,
        retentionSize: prometheus.retentionSize,
        scrapeInterval: prometheus.scrapeInterval,
        evaluationInterval: prometheus.scrapeInterval,
        storageSpec: claim(args.cluster.storage.classes.fastSsd, prometheus.storageSize),
        // Select every ServiceMonitor, PodMonitor, Probe, ScrapeConfig and rule in the cluster, not
        // only those labelled with this release: the platform's components create their own.
        ruleSelectorNilUsesHelmValues: false,
        serviceMonitorSelectorNilUsesHelmValues: false,
        podMonitorSelectorNilUsesHelmValues: false,
        probeSelectorNilUsesHelmValues: false,
        scrapeConfigSelectorNilUsesHelmValues: false,
      },
      podDisruptionBudget: disruptionBudget(prometheus.replicas),
    },
    alertmanager: {
      ...(exporting ? {} : { config: alertmanagerConfigFile(alertmanager) }),
      alertmanagerSpec: {
        ...statefulPods(alertmanager.replicas, alertmanager.resources, IDS.alertmanager, args.protect),
        storage: claim(args.cluster.storage.classes.gp3, alertmanager.storageSize),
        secrets: hasReceiverSecret ? [RECEIVER_SECRET] : [],
        ...(exporting ? { useExistingSecret: true, configSecret: ALERTMANAGER_CONFIG_SECRET } : {}),
      },
      podDisruptionBudget: disruptionBudget(alertmanager.replicas),
    },
    grafana: {
      // The admin login comes from the platform's generated Secret; the chart sets no password.
      admin: { existingSecret: GRAFANA_ADMIN_SECRET.name, userKey: GRAFANA_ADMIN_SECRET.userKey, passwordKey: GRAFANA_ADMIN_SECRET.passwordKey },
      resources: resources(args.grafana.resources),
      securityContext: restrictedPodSecurityContext(IDS.grafana),
      containerSecurityContext: restrictedContainerSecurityContext(IDS.grafana),
      // Writable scratch space for a read-only root filesystem (data lives on the chart's storage volume).
      extraEmptyDirMounts: [{ name: "tmp", mountPath: "/tmp" }],
      // A Helm test hook: never run by the v4 Chart.
      testFramework: { enabled: false },
      // A Role and RoleBinding in `monitoring` instead of the chart's ClusterRole on configmaps and
      // secrets in every namespace (grafana 12.11.1 clusterrole.yaml renders only without
      // rbac.namespaced; rolebinding.yaml binds useExistingRole; read 2026-12-07).
      rbac: { namespaced: true, useExistingRole: GRAFANA_SIDECAR_ROLE },
      sidecar: {
        resources: resources(SIDECAR_RESOURCES),
        securityContext: restrictedContainerSecurityContext(IDS.grafana),
        // kube-prometheus-stack 88.5.3 sets dashboards.searchNamespace to ALL; its dashboards and
        // datasource ConfigMaps are in the release namespace. ConfigMaps only: the Role has no Secrets.
        dashboards: { searchNamespace: [MONITORING_NAMESPACE], resource: "configmap" },
        datasources: { searchNamespace: [MONITORING_NAMESPACE], resource: "configmap" },
      },
    },
    "kube-state-metrics": {
      // kube_node_labels carries no label unless allow-listed: the clock alerts tell engine nodes by node-type, the
      // latency-path alerts read the zone (locality) and the verified label (unverified engine nodes).
      metricLabelsAllowlist: [`nodes=[topology.kubernetes.io/zone,${ENGINE_NODE_SELECTOR.key},${LATENCY_VERIFIED_LABEL.key}]`],
      resources: resources(args.kubeStateMetrics.resources),
      securityContext: { enabled: true, ...restrictedPodSecurityContext(IDS.kubeStateMetrics) },
      containerSecurityContext: restrictedContainerSecurityContext(IDS.kubeStateMetrics),
    },
    "prometheus-node-exporter": {
      namespaceOverride: NODE_EXPORTER_NAMESPACE,
      // kube-prometheus-stack's own two filesystem filters (values.yaml, prometheus-node-exporter.extraArgs, read
      // 2026-12-07), restated because a value replaces the list; plus the textfile directory the engine nodes'
      // verifier writes its checks to, under the host root the chart mounts at /host/root (hostRootFsMount).
      extraArgs: [
        "--collector.filesystem.mount-points-exclude=^/(dev|proc|sys|var/lib/docker/.+|var/lib/kubelet/.+)($|/)",
        "--collector.filesystem.fs-types-exclude=^(autofs|binfmt_misc|bpf|cgroup2?|configfs|debugfs|devpts|devtmpfs|fusectl|hugetlbfs|iso9660|mqueue|nsfs|overlay|proc|procfs|pstore|rpc_pipefs|securityfs|selinuxfs|squashfs|sysfs|tracefs|erofs)$",
        `--collector.textfile.directory=/host/root${NODE_TEXTFILE_DIR}`,
      ],
      // Each series names its Kubernetes node, which the clock alerts join with kube_node_labels.
      prometheus: { monitor: { relabelings: [{ sourceLabels: ["__meta_kubernetes_pod_node_name"], targetLabel: "node", action: "replace" }] } },
      resources: resources(args.nodeExporter.resources),
      // Host namespaces aside, the exporter itself runs unprivileged and read-only.
      securityContext: restrictedPodSecurityContext(IDS.nodeExporter),
      containerSecurityContext: restrictedContainerSecurityContext(IDS.nodeExporter),
    },
  };
}

/** The adapter rule behind ENGINE_LATENCY_METRIC. */
export function latencyRule(): AdapterRule {
  const m = ENGINE_LATENCY_METRIC;
  return {
    seriesQuery: `${m.histogram}{namespace!="",pod!=""}`,
    resources: { overrides: { namespace: { resource: "namespace" }, pod: { resource: "pod" } } },
    name: { matches: `^${m.histogram}$`, as: m.name },
    metricsQuery: `histogram_quantile(0.99, sum by (le, <<.GroupBy>>) (rate(<<.Series>>{<<.LabelMatchers>>}[${m.window}]))) * 1e6`,
  };
}

export function prometheusAdapterValues(args: MonitoringArgs): PrometheusAdapterValues {
  return {
    fullnameOverride: ADAPTER,
    replicas: args.adapter.replicas,
    prometheus: { url: `http://${PROMETHEUS_SERVICE.name}.${MONITORING_NAMESPACE}.svc`, port: PROMETHEUS_SERVICE.port },
    // Only the platform's own metric: the default rules would publish every series as a custom metric.
    rules: { default: false, custom: [latencyRule()], external: [] },
    resources: resources(args.adapter.resources),
    podSecurityContext: restrictedPodSecurityContext(IDS.adapter),
    securityContext: restrictedContainerSecurityContext(IDS.adapter),
    podDisruptionBudget: { enabled: args.adapter.replicas > 1, maxUnavailable: 1 },
    // The chart's own cert-manager Issuers and Certificates (templates/certmanager.yaml at 5.3.0): a
    // serving certificate mounted by the adapter, and cert-manager.io/inject-ca-from on its
    // APIService, which then has a caBundle and no insecureSkipTLSVerify (custom-metrics-apiservice.yaml
    // renders `insecureSkipTLSVerify: true` unless tls.enable or certManager.enabled; read 2026-12-07).
    certManager: { enabled: true },
  };
}
