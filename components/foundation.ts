import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { LogStore, LogStoreHandle } from "./log-store";
import { BackupStore, BackupStoreHandle } from "./backup-store";
import { CiRunner, ciRunnerProjectName } from "./ci-runner";
import { Cluster } from "./cluster";
import {
  C6I_PROCESSOR_STATE_CONTROL,
  C6I_SIZES,
  EksPlatformConfig,
  engineCpuSets,
  EngineNodesConfig,
  ExistingPlatformConfig,
  instanceMemoryReservation,
  KUBELET_DEFAULT_MAX_PODS,
  memoryReservation,
} from "./config";
import { ExistingCluster } from "./existing-cluster";
import { ClusterNetwork } from "./k8s/network";
import { WorkloadCluster } from "./k8s/workload-cluster";
import { Network, planSubnets } from "./network";
import { LatencyTuning } from "./node-bootstrap";
import { Storage } from "./storage";

/**
 * What the workloads stand on, built once per stack by its cluster mode: the handle every workload
 * component receives, and what the mode adds around it.
 */
export interface ClusterFoundation {
  /** Absent in the platform-only bootstrap (`bootstrap: true`): no Kubernetes provider, so no workloads. */
  workloads?: WorkloadCluster;
  /** Kubelet and kernel settings of the engine nodes: built into the EKS engine nodes, prepared by hand elsewhere. */
  engineNodeTuning: LatencyTuning;
  /** What the workloads wait for: the StorageClasses their volumes name, where this program creates them. */
  ready: pulumi.Resource[];
  /** The database's backup bucket and role, where S3 and EKS Pod Identity exist. */
  backupStore?: BackupStoreHandle;
  /** Where the engine's logs are shipped: CloudWatch Logs and the audit bucket (eks mode). */
  logStore?: LogStoreHandle;
  /** The AWS side, for stack outputs (eks mode). */
  aws?: {
    vpcId: pulumi.Output<string>;
    clusterName: pulumi.Output<string>;
    kubeconfig: pulumi.Output<string>;
    efsFileSystemId: pulumi.Output<string>;
    /** CodeBuild project of the in-network CI runner: the repository variable CI_RUNNER_PROJECT_<STACK>. */
    ciRunnerProject: pulumi.Output<string>;
  };
}

/** Who the backup store is for: the database's name, its service account, the folder it writes, and where its resources lived before. */
export interface BackupClient {
  database: string;
  namespace: string;
  serviceAccount: string;
  prefix: string;
  /** A second identity that only reads the backups: the restore drill's scratch cluster. */
  reader: { namespace: string; serviceAccount: string };
  formerParentUrn?: pulumi.Input<string>;
}

/**
 * The EKS mode: VPC, cluster with its node groups, storage, the database's backup store and the CI
 * runner that reaches the cluster's private endpoint, then the workloads on that cluster.
 */
export function eksFoundation(
  config: EksPlatformConfig,
  opts: { protect: boolean; tags: Record<string, string>; backupClient: BackupClient; logClient: { namespace: string; serviceAccount: string } },
): ClusterFoundation {
  const { protect, tags, backupClient } = opts;
  const network = new Network("hft", { ...config.network, clusterName: config.cluster.name, tags });
  const engineNodeTuning = eksEngineNodeTuning(config.engineNodes);
  const cluster = new Cluster("hft", {
    ...config.cluster,
    vpcId: network.vpcId,
    privateSubnetIds: network.privateSubnetIds,
    controlPlaneSubnetIds: network.controlPlaneSubnetIds,
    systemNodes: config.systemNodes,
    engineNodes: config.engineNodes,
    engineNodeTuning,
    protect,
    platformOnly: config.bootstrap,
    renderYamlToDirectory: config.renderYamlToDirectory,
    tags,
  });
  const storage = new Storage("hft", {
    ...config.storage,
    clusterName: config.cluster.name,
    vpcId: network.vpcId,
    privateSubnetIds: network.privateSubnetIds,
    nodeSecurityGroupId: cluster.nodeSecurityGroupId,
    kmsKeyArn: cluster.kmsKeyArn,
    // The cluster's own provider: StorageClasses are part of the cluster, applied even when the workloads are only rendered.
    provider: cluster.provider,
    protect,
    tags,
  });
  // CI's way into the private API endpoint: a runner in the same private subnets.
  const ciRunner = new CiRunner("hft", {
    ...config.ciRunner,
    projectName: ciRunnerProjectName(config.cluster.name),
    vpcId: network.vpcId,
    privateSubnetIds: network.privateSubnetIds,
    clusterSecurityGroupId: cluster.nodeSecurityGroupId,
    tags,
  });
  const { database, namespace, serviceAccount, prefix, formerParentUrn, reader } = backupClient;
  const backups = new BackupStore(backupClient.database, {
    eksClusterName: cluster.name,
    database,
    client: { namespace, serviceAccount },
    reader,
    prefix,
    noncurrentVersionDays: config.timescaledb.backup.noncurrentVersionDays,
    protect,
    tags,
    formerParentUrn,
  });
  const logs = new LogStore("hft", {
    eksClusterName: cluster.name,
    clusterName: config.cluster.name,
    region: aws.config.region ?? "",
    client: opts.logClient,
    engineRetentionDays: config.logs.engineRetentionDays,
    auditRetentionDays: config.logs.auditRetentionDays,
    auditPrefix: "orders",
    protect,
    tags,
  });
  const provider = cluster.workloadProvider;
  return {
    workloads: provider && {
      provider,
      // The cluster's applying provider: a GitOps export holds no Secret value.
      secretsProvider: cluster.provider!,
      exportDirectory: config.renderYamlToDirectory,
      // EFS is a shared filesystem: every engine pod mounts the reference data.
      storage: { classes: storage.storageClassNames, referenceDataAccessMode: "ReadWriteMany" },
      network: clusterNetwork(config),
      kubernetesVersion: config.cluster.kubernetesVersion,
      // The engine node group uses the first private subnet (cluster.ts): its zone.
      engineZone: network.availabilityZones[0],
    },
    engineNodeTuning,
    ready: provider ? [storage] : [],
    backupStore: backups.handle,
    logStore: logs.handle,
    aws: {
      vpcId: network.vpcId,
      clusterName: cluster.name,
      kubeconfig: cluster.kubeconfig,
      efsFileSystemId: storage.efsFileSystemId,
      ciRunnerProject: ciRunner.projectName,
    },
  };
}

/** The EKS engine nodes' tuning, derived once from engineNodes: the CPU sets, C-/P-state control, memory reservations. */
function eksEngineNodeTuning(nodes: EngineNodesConfig): LatencyTuning {
  return {
    cpus: engineCpuSets(C6I_SIZES[nodes.instanceType].vcpus, nodes.reservedSystemCpus, nodes.isolatedCpus),
    processorStateControl: C6I_PROCESSOR_STATE_CONTROL[nodes.instanceType] === true,
    hugepages2Mi: nodes.hugepages2Mi,
    kernel: nodes.kernel,
    memory: instanceMemoryReservation(nodes.instanceType),
  };
}

/**
 * The EKS cluster's address ranges: nodes and pods in the private subnets (the VPC CNI gives pods VPC
 * addresses), the control plane's interfaces in their own subnets, listening on 443.
 */
export function clusterNetwork(config: Pick<EksPlatformConfig, "network" | "cluster">): ClusterNetwork {
  const plan = planSubnets(config.network.vpcCidr, config.network.availabilityZones);
  return {
    nodeCidr: config.network.vpcCidr,
    serviceCidr: config.cluster.serviceCidr,
    apiServerPort: 443,
    controlPlaneCidrs: plan.controlPlane,
    podCidrs: plan.private,
  };
}

/** An existing cluster's ranges as its config states them: the API server lives among the nodes. */
export function existingClusterNetwork(existing: ExistingPlatformConfig["existingCluster"]): ClusterNetwork {
  return {
    nodeCidr: existing.nodeCidr,
    serviceCidr: existing.serviceCidr,
    apiServerPort: existing.apiServerPort,
    controlPlaneCidrs: [existing.nodeCidr],
    ...(existing.podCidr ? { podCidrs: [existing.podCidr] } : {}),
  };
}

/** The existing mode: only a provider for a cluster someone else runs; nothing on AWS. */
export function existingClusterFoundation(config: ExistingPlatformConfig): ClusterFoundation {
  const existing = config.existingCluster;
  const cluster = new ExistingCluster("hft", { kubeconfig: existing.kubeconfig, renderYamlToDirectory: config.renderYamlToDirectory });
  const { cpus, reservedSystemCpus, isolatedCpus, hugepages2Mi, kernel } = existing.engineNode;
  return {
    workloads: {
      provider: cluster.provider,
      secretsProvider: cluster.secretsProvider,
      exportDirectory: config.renderYamlToDirectory,
      storage: { classes: existing.storageClasses, referenceDataAccessMode: existing.referenceDataAccessMode },
      network: existingClusterNetwork(existing),
      kubernetesVersion: existing.kubernetesVersion,
    },
    // Nodes prepared by hand: as the config assumes (the kubelet's default pod limit, one NUMA node).
    // Prepared by hand: C-/P-state control unknown, so neither is asked for.
    engineNodeTuning: {
      cpus: engineCpuSets(cpus, reservedSystemCpus, isolatedCpus),
      processorStateControl: false,
      hugepages2Mi,
      kernel,
      memory: memoryReservation(KUBELET_DEFAULT_MAX_PODS, 1),
    },
    // The StorageClasses exist already.
    ready: [],
  };
}
