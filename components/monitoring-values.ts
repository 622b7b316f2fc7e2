/** The shapes of the values the platform gives its monitoring charts (kube-prometheus-stack, prometheus-adapter): only what it sets. */
import * as k8s from "@pulumi/kubernetes";

type ResourceRequirements = k8s.types.input.core.v1.ResourceRequirements;
type PodSecurityContext = k8s.types.input.core.v1.PodSecurityContext;
type ContainerSecurityContext = k8s.types.input.core.v1.SecurityContext;
type PersistentVolumeClaimSpec = k8s.types.input.core.v1.PersistentVolumeClaimSpec;

/** Values given to kube-prometheus-stack: only what the platform sets; the chart defaults the rest. */
export interface KubePrometheusStackValues {
  fullnameOverride: string;
  kubeTargetVersionOverride: string;
  crds: { enabled: boolean };
  windowsMonitoring: { enabled: boolean };
  kubeControllerManager: { enabled: boolean };
  kubeScheduler: { enabled: boolean };
  kubeEtcd: { enabled: boolean };
  kubeProxy: { enabled: boolean };
  prometheusOperator: {
    admissionWebhooks: { enabled: boolean; patch: { enabled: boolean }; deployment: { enabled: boolean } };
    tls: { enabled: boolean };
    resources: ResourceRequirements;
    securityContext: PodSecurityContext;
    containerSecurityContext: ContainerSecurityContext;
    prometheusConfigReloader: { resources: ResourceRequirements };
  };
  prometheus: { prometheusSpec: PrometheusSpecValues; podDisruptionBudget: DisruptionBudgetValues };
  /** `config` renders the chart's own config Secret; a GitOps export names the program's instead (`useExistingSecret`). */
  alertmanager: { config?: AlertmanagerConfigFile; alertmanagerSpec: AlertmanagerSpecValues; podDisruptionBudget: DisruptionBudgetValues };
  grafana: GrafanaValues;
  "kube-state-metrics": {
    /** kube-state-metrics chart: `--metric-labels-allowlist` (templates/deployment.yaml). */
    metricLabelsAllowlist: string[];
    resources: ResourceRequirements;
    securityContext: PodSecurityContext & { enabled: boolean };
    containerSecurityContext: ContainerSecurityContext;
  };
  "prometheus-node-exporter": {
    namespaceOverride: string;
    /** prometheus-node-exporter chart: node_exporter's flags (replaces kube-prometheus-stack's list). */
    extraArgs: string[];
    /** prometheus-node-exporter chart: relabelings of its ServiceMonitor's endpoint (templates/servicemonitor.yaml). */
    prometheus: { monitor: { relabelings: { sourceLabels: string[]; targetLabel: string; action: "replace" }[] } };
    resources: ResourceRequirements;
    securityContext: PodSecurityContext;
    containerSecurityContext: ContainerSecurityContext;
  };
}

/**
 * kube-prometheus-stack's `prometheus.podDisruptionBudget` and `alertmanager.podDisruptionBudget`
 * (values.yaml at 88.5.3: `enabled: false, minAvailable: 1, unhealthyPodEvictionPolicy: AlwaysAllow`).
 */
export interface DisruptionBudgetValues {
  enabled: boolean;
  minAvailable: number;
  unhealthyPodEvictionPolicy: "AlwaysAllow";
}

/**
 * A replicated pair or trio keeps all but one replica through node drains and upgrades; a single
 * replica gets no budget, which would block every drain of its node.
 */
export function disruptionBudget(replicas: number): DisruptionBudgetValues {
  return { enabled: replicas > 1, minAvailable: Math.max(1, replicas - 1), unhealthyPodEvictionPolicy: "AlwaysAllow" };
}

export interface StatefulPodValues {
  replicas: number;
  resources: ResourceRequirements;
  securityContext: PodSecurityContext;
  podAntiAffinity: "hard" | "soft";
  podAntiAffinityTopologyKey: string;
  persistentVolumeClaimRetentionPolicy: { whenDeleted: "Retain" | "Delete"; whenScaled: "Retain" | "Delete" };
}

export interface PrometheusSpecValues extends StatefulPodValues {
  retention: string;
  retentionSize: string;
  scrapeInterval: string;
  evaluationInterval: string;
  storageSpec: { volumeClaimTemplate: { spec: PersistentVolumeClaimSpec } };
  ruleSelectorNilUsesHelmValues: boolean;
  serviceMonitorSelectorNilUsesHelmValues: boolean;
  podMonitorSelectorNilUsesHelmValues: boolean;
  probeSelectorNilUsesHelmValues: boolean;
  scrapeConfigSelectorNilUsesHelmValues: boolean;
}

export interface AlertmanagerSpecValues extends StatefulPodValues {
  storage: { volumeClaimTemplate: { spec: PersistentVolumeClaimSpec } };
  /** Secrets mounted under /etc/alertmanager/secrets/<name>/: the receivers' credentials. */
  secrets: string[];
  /** The chart renders no config Secret; the operator reads `alertmanager.yaml` from `configSecret`. */
  useExistingSecret?: boolean;
  configSecret?: string;
}

export interface GrafanaValues {
  admin: { existingSecret: string; userKey: string; passwordKey: string };
  resources: ResourceRequirements;
  securityContext: PodSecurityContext;
  containerSecurityContext: ContainerSecurityContext;
  extraEmptyDirMounts: { name: string; mountPath: string }[];
  testFramework: { enabled: boolean };
  rbac: { namespaced: boolean; useExistingRole: string };
  sidecar: {
    resources: ResourceRequirements;
    securityContext: ContainerSecurityContext;
    dashboards: SidecarWatch;
    datasources: SidecarWatch;
  };
}

/** Where a Grafana sidecar looks for its objects (grafana chart `sidecar.<kind>.searchNamespace` and `.resource`). */
export interface SidecarWatch {
  searchNamespace: string[];
  resource: "configmap" | "secret" | "both";
}

/** Alertmanager's configuration file (alertmanager.yml), as the chart renders `alertmanager.config`. */
export interface AlertmanagerConfigFile {
  global: { resolve_timeout: string };
  route: {
    receiver: string;
    group_by: string[];
    group_wait: string;
    group_interval: string;
    repeat_interval: string;
    routes: { receiver: string; matchers: string[]; continue: boolean }[];
  };
  receivers: Record<string, unknown>[];
  inhibit_rules: { source_matchers?: string[]; target_matchers: string[]; equal?: string[] }[];
  templates: string[];
}

export interface PrometheusAdapterValues {
  fullnameOverride: string;
  replicas: number;
  prometheus: { url: string; port: number };
  rules: { default: boolean; custom: AdapterRule[]; external: AdapterRule[] };
  resources: ResourceRequirements;
  podSecurityContext: PodSecurityContext;
  securityContext: ContainerSecurityContext;
  podDisruptionBudget: { enabled: boolean; maxUnavailable: number };
  certManager: { enabled: boolean };
}

export interface AdapterRule {
  seriesQuery: string;
  resources: { overrides: Record<string, { resource: string }> };
  name: { matches: string; as: string };
  metricsQuery: string;
}

/** Sidecars the charts run next to the main containers (config reloader, Grafana's dashboard loader). */
