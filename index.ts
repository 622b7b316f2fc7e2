import * as pulumi from "@pulumi/pulumi";
import { CertManager } from "./components/cert-manager";
import { loadPlatformConfig } from "./components/config";
import { ENGINE_APP, TRADING_NAMESPACE, TradingEngine } from "./components/engine";
import { eksFoundation, existingClusterFoundation } from "./components/foundation";
import { selectorLabels, standardLabels } from "./components/k8s/labels";
import { PlatformNamespace } from "./components/k8s/namespace";
import { gitopsSyncWaves } from "./components/k8s/gitops";
import { WorkloadCluster } from "./components/k8s/workload-cluster";
import { MONITORING_NAMESPACE, Monitoring } from "./components/monitoring";
import { engineNodeRequirements as requirementsOf } from "./components/node-bootstrap";
import { Redis } from "./components/redis";
import { DRILL_CLUSTER, DRILL_NAMESPACE } from "./components/restore-drill";
import { BACKUP_CLIENT, BACKUP_PREFIX, CLUSTER_NAME as DATABASE_NAME, TimescaleDb } from "./components/timescaledb";

// Validates the whole stack file first: a bad value fails here, before any resource is registered.
const config = loadPlatformConfig();
// A GitOps export carries the apply order its tool needs (Argo CD sync waves).
if (config.renderYamlToDirectory !== undefined) pulumi.runtime.registerResourceTransform(gitopsSyncWaves);
const protect = config.tier === "production";
const tags = { "hft:project": "hft-platform", "hft:stack": config.stack, "hft:tier": config.tier, "managed-by": "pulumi" };

// Built once: an EKS cluster with its network and storage, or a provider for a cluster that exists.
// Everything below is the same in both modes.
const backupClient = {
  ...BACKUP_CLIENT,
  database: DATABASE_NAME,
  prefix: BACKUP_PREFIX,
  reader: { namespace: DRILL_NAMESPACE, serviceAccount: DRILL_CLUSTER },
  // The backup store's resources were children of the TimescaleDb component until it moved to the platform side.
  formerParentUrn: pulumi.createUrn("timescaledb", "hft:platform:TimescaleDb"),
};
const logClient = { namespace: TRADING_NAMESPACE, serviceAccount: ENGINE_APP.name };
const foundation = config.clusterMode === "eks" ? eksFoundation(config, { protect, tags, backupClient, logClient }) : existingClusterFoundation(config);
// The platform-only bootstrap has no Kubernetes provider: nothing below runs until the first full `up`.
const workloads = foundation.workloads && deployWorkloads(foundation.workloads);

/** Monitoring, the data stores and the engine on the foundation's cluster: the same in both modes. */
function deployWorkloads(cluster: WorkloadCluster) {
  // Volumes need their StorageClasses.
  const afterStorage = { dependsOn: foundation.ready };

  // The platform's certificate issuer: the metrics adapter's serving certificate, the backup plugin's mTLS.
  const certManager = new CertManager(
    "hft",
    {
      ...config.certManager,
      network: cluster.network,
      monitoringNamespace: MONITORING_NAMESPACE,
      highlyAvailable: protect,
      provider: cluster.provider,
      // Its objects were children of the PostgreSQL operator's component until the adapter needed it too.
      formerParent: pulumi.createUrn("timescaledb-operator", "hft:platform:PostgresOperator", pulumi.createUrn("timescaledb", "hft:platform:TimescaleDb")),
    },
    afterStorage,
  );

  const monitoring = new Monitoring("hft", { ...config.monitoring, cluster, protect, certManager }, afterStorage);

  // The engine's namespace exists before the data stores, which put the engine's client Secrets in it.
  const tradingNamespace = new PlatformNamespace(TRADING_NAMESPACE, {
    name: TRADING_NAMESPACE,
    labels: standardLabels({ name: TRADING_NAMESPACE, component: "trading" }),
    // Host networking is not allowed below "privileged": the documented exception for the engine.
    podSecurity: config.engine.hostNetwork ? "privileged" : "restricted",
    provider: cluster.provider,
    // It holds the engine's and its clients' Secrets.
    namespaceProvider: cluster.secretsProvider,
  });
  const engineClient = { clientNamespace: tradingNamespace.name, clientPodSelector: selectorLabels(ENGINE_APP) };

  const redis = new Redis("hft", { ...config.redis, ...engineClient, monitoring: monitoring.handle, protect, cluster }, afterStorage);

  // Backups go to the foundation's store: only the eks mode has the S3 and Pod Identity they need.
  const { charts, backup, ...timescaledbConfig } = config.timescaledb;
  const store = foundation.backupStore;
  const timescaledb = new TimescaleDb(
    "timescaledb",
    {
      ...timescaledbConfig,
      charts: { cloudnativePg: charts.cloudnativePg },
      ...engineClient,
      monitoring: monitoring.handle,
      cluster,
      backups:
        store && backup && charts.barmanCloud
          ? { ...backup, charts: { barmanCloud: charts.barmanCloud }, certManager, store }
          : undefined,
      protect,
    },
    afterStorage,
  );

  const engine = new TradingEngine(
    "trading-engine",
    {
      ...config.engine,
      namespace: tradingNamespace.name,
      redis: redis.endpoint,
      database: timescaledb.endpoint,
      monitoring: monitoring.handle,
      cluster,
      protect,
      tier: config.tier,
      logs: foundation.logStore,
    },
    afterStorage,
  );
  return { certManager, monitoring, redis, timescaledb, engine };
}

export const vpcId = foundation.aws?.vpcId;
export const clusterName = foundation.aws?.clusterName;
export const kubeconfig = foundation.aws?.kubeconfig;
export const efsFileSystemId = foundation.aws?.efsFileSystemId;
/** Set the repository variable CI_RUNNER_PROJECT_<STACK> to this (docs/ci-cd.md). */
export const ciRunnerProject = foundation.aws?.ciRunnerProject;
export const storageClasses = foundation.workloads?.storage.classes;
/** The address ranges the NetworkPolicies were built with (nodes, Services, control plane, pods); the network model reads them. */
export const clusterNetwork = foundation.workloads?.network;
/** What nodes labelled node-type=high-performance must offer; on an existing cluster, prepare them accordingly. */
export const engineNodeRequirements = requirementsOf(foundation.engineNodeTuning);
export const prometheusUrl = workloads?.monitoring.prometheusUrl;
export const redisEndpoint = workloads?.redis.endpoint;
export const timescaledbEndpoint = workloads && pulumi.output({
  host: workloads.timescaledb.endpoint.host,
  port: workloads.timescaledb.endpoint.port,
  database: workloads.timescaledb.endpoint.database,
  clientSecretName: workloads.timescaledb.endpoint.clientSecretName,
});
export const timescaledbBackupBucket = foundation.backupStore?.bucket;
export const timescaledbBackupRoleArn = foundation.backupStore?.roleArn;
export const engineStatefulSet = workloads?.engine.statefulSetName;
export const engineLoadBalancerService = workloads?.engine.externalServiceName;
