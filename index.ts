import * as pulumi from "@pulumi/pulumi";
import { Cluster } from "./components/cluster";
import { loadPlatformConfig } from "./components/config";
import { Network } from "./components/network";
import { Storage } from "./components/storage";
import { TimescaleDb } from "./components/timescaledb";
import { standardLabels } from "./components/k8s/labels";
import { PlatformNamespace } from "./components/k8s/namespace";

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

const tradingNamespace = new PlatformNamespace("hft-trading", { name: "hft-trading", labels: standardLabels({ name: "hft-trading", component: "trading" }), podSecurity: "restricted", provider: cluster.provider });

// Replaced by the Monitoring component's handle on merge.
const monitoring = { namespace: "monitoring", crds: cluster.provider };

const timescaledb = new TimescaleDb("timescaledb", {
    ...config.timescaledb,
    clusterName: cluster.name,
    clientNamespace: tradingNamespace.name,
    clientPodSelector: { "app.kubernetes.io/name": "trading-engine", "app.kubernetes.io/instance": "trading-engine" },
    monitoring,
    vpcCidr: config.network.vpcCidr,
    serviceCidr: config.cluster.serviceCidr,
    provider: cluster.provider,
    protect,
    tags,
});

export const vpcId = network.vpcId;
export const clusterName = cluster.name;
export const kubeconfig = cluster.kubeconfig;
export const efsFileSystemId = storage.efsFileSystemId;
export const storageClasses = storage.storageClassNames;
export const timescaledbEndpoint = pulumi.output({
  host: timescaledb.endpoint.host,
  port: timescaledb.endpoint.port,
  database: timescaledb.endpoint.database,
  clientSecretName: timescaledb.endpoint.clientSecretName,
});
export const timescaledbBackupBucket = timescaledb.backupBucket;
export const timescaledbBackupRoleArn = timescaledb.backupRoleArn;
