import { Cluster } from "./components/cluster";
import { loadPlatformConfig } from "./components/config";
import { PlatformNamespace } from "./components/k8s/namespace";
import { standardLabels } from "./components/k8s/labels";
import { Monitoring } from "./components/monitoring";
import { Network } from "./components/network";
import { Redis } from "./components/redis";
import { Storage } from "./components/storage";

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

const tradingNamespace = new PlatformNamespace("hft-trading", { name: "hft-trading", labels: standardLabels({ name: "hft-trading", component: "trading" }), podSecurity: "restricted", provider: cluster.provider });

const redis = new Redis(
  "hft",
  {
    ...config.redis,
    clientNamespace: tradingNamespace.name,
    clientPodSelector: { "app.kubernetes.io/name": "trading-engine", "app.kubernetes.io/instance": "trading-engine" },
    monitoring: monitoring.handle,
    protect,
    provider: cluster.provider,
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
