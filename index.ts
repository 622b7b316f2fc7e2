import { Cluster } from "./components/cluster";
import { loadPlatformConfig } from "./components/config";
import { Network } from "./components/network";
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

export const vpcId = network.vpcId;
export const clusterName = cluster.name;
export const kubeconfig = cluster.kubeconfig;
export const efsFileSystemId = storage.efsFileSystemId;
export const storageClasses = storage.storageClassNames;
