import * as pulumi from "@pulumi/pulumi";
import { Cluster } from "./components/cluster";
import { loadPlatformConfig } from "./components/config";
import { ENGINE_APP, TRADING_NAMESPACE, TradingEngine } from "./components/engine";
import { selectorLabels, standardLabels } from "./components/k8s/labels";
import { PlatformNamespace } from "./components/k8s/namespace";
import { Monitoring } from "./components/monitoring";
import { Network } from "./components/network";
import { Redis } from "./components/redis";
import { Storage } from "./components/storage";
import { TimescaleDb } from "./components/timescaledb";

// Validates the whole stack file first: a bad value fails here, before any resource is registered.
const config = loadPlatformConfig();
const protect = config.tier === "production";
const tags = { "hft:project": "hft-platform", "hft:stack": config.stack, "hft:tier": config.tier, "managed-by": "pulumi" };

const network = new Network("hft", { ...config.network, clusterName: config.cluster.name, tags });

const cluster = new Cluster("hft", {
  ...config.cluster,
  vpcId: network.vpcId,
  publicSubnetIds: network.publicSubnetIds,
  privateSubnetIds: network.privateSubnetIds,
  systemNodes: config.systemNodes,
  engineNodes: config.engineNodes,
  protect,
  tags,
});

const storage = new Storage("hft", {
  ...config.storage,
  clusterName: config.cluster.name,
  vpcId: network.vpcId,
  privateSubnetIds: network.privateSubnetIds,
  nodeSecurityGroupId: cluster.nodeSecurityGroupId,
  kmsKeyArn: cluster.kmsKeyArn,
  provider: cluster.provider,
  protect,
  tags,
});

const monitoring = new Monitoring(
  "hft",
  { ...config.monitoring, vpcCidr: config.network.vpcCidr, serviceCidr: config.cluster.serviceCidr, protect, provider: cluster.provider },
  // Volumes need their StorageClasses.
  { dependsOn: [storage] },
);

// The engine's namespace exists before the data stores, which put the engine's client Secrets in it.
const tradingNamespace = new PlatformNamespace(TRADING_NAMESPACE, {
  name: TRADING_NAMESPACE,
  labels: standardLabels({ name: TRADING_NAMESPACE, component: "trading" }),
  // Host networking is not allowed below "privileged": the documented exception for the engine.
  podSecurity: config.engine.hostNetwork ? "privileged" : "restricted",
  provider: cluster.provider,
});
const engineClient = { clientNamespace: tradingNamespace.name, clientPodSelector: selectorLabels(ENGINE_APP) };

const redis = new Redis(
  "hft",
  { ...config.redis, ...engineClient, monitoring: monitoring.handle, protect, provider: cluster.provider },
  { dependsOn: [storage] },
);

const timescaledb = new TimescaleDb(
  "timescaledb",
  {
    ...config.timescaledb,
    ...engineClient,
    clusterName: cluster.name,
    monitoring: monitoring.handle,
    vpcCidr: config.network.vpcCidr,
    serviceCidr: config.cluster.serviceCidr,
    provider: cluster.provider,
    protect,
    tags,
  },
  { dependsOn: [storage] },
);

const engine = new TradingEngine(
  "trading-engine",
  {
    ...config.engine,
    namespace: tradingNamespace.name,
    redis: redis.endpoint,
    database: timescaledb.endpoint,
    monitoring: monitoring.handle,
    provider: cluster.provider,
    protect,
  },
  { dependsOn: [storage] },
);

export const vpcId = network.vpcId;
export const clusterName = cluster.name;
export const kubeconfig = cluster.kubeconfig;
export const efsFileSystemId = storage.efsFileSystemId;
export const storageClasses = storage.storageClassNames;
export const prometheusUrl = monitoring.prometheusUrl;
export const redisEndpoint = redis.endpoint;
export const timescaledbEndpoint = pulumi.output({
  host: timescaledb.endpoint.host,
  port: timescaledb.endpoint.port,
  database: timescaledb.endpoint.database,
  clientSecretName: timescaledb.endpoint.clientSecretName,
});
export const timescaledbBackupBucket = timescaledb.backupBucket;
export const timescaledbBackupRoleArn = timescaledb.backupRoleArn;
export const engineStatefulSet = engine.statefulSetName;
export const engineLoadBalancerService = engine.externalServiceName;
