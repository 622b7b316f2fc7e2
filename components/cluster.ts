import * as aws from "@pulumi/aws";
import * as eks from "@pulumi/eks";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ClusterConfig, EngineNodesConfig, STACK_PARTITION, SystemNodesConfig } from "./config";
import { renderTo } from "./k8s/workload-cluster";
import { ClusterIdentity, ENGINE_NODE_REGISTRATION, LatencyTuning } from "./node-bootstrap";
import { NodeGroup } from "./nodegroup";

export interface ClusterArgs extends ClusterConfig {
  vpcId: pulumi.Input<string>;
  privateSubnetIds: pulumi.Input<string>[];
  /** The subnets of the control plane's network interfaces: the cluster's own subnets. */
  controlPlaneSubnetIds: pulumi.Input<string>[];
  systemNodes: SystemNodesConfig;
  engineNodes: EngineNodesConfig;
  /** The engine nodes' kubelet, kernel and isolation tuning, derived once from the config. */
  engineNodeTuning: LatencyTuning;
  /**
   * Production: the control plane and the KMS key (it decrypts the cluster's secrets and volumes)
   * cannot be deleted by accident.
   */
  protect: boolean;
  /**
   * The platform-only bootstrap from outside the VPC: no Kubernetes provider at all, since the
   * provider would be configured against a private endpoint it cannot reach (docs/deploy.md).
   */
  platformOnly: boolean;
  /** GitOps export: the workloads' provider writes manifests here instead of applying them (the cluster itself is still created). */
  renderYamlToDirectory?: string;
  tags: Record<string, string>;
}

export const CONTROL_PLANE_LOG_TYPES = ["api", "audit", "authenticator", "controllerManager", "scheduler"];

/** EKS access policies (EKS User Guide, "Review access policy permissions", read 2026-12-07). */
const accessPolicy = (name: string) => `arn:${STACK_PARTITION}:eks::aws:cluster-access-policy/${name}`;
/** Everything, cluster-wide: the deploy role and the people in cluster.adminRoleArns only. */
export const EKS_CLUSTER_ADMIN_POLICY = accessPolicy("AmazonEKSClusterAdminPolicy");
/** Read (get, list, watch) of most resources, like Kubernetes' `view` ClusterRole: no Secrets, no writes. */
export const EKS_VIEW_POLICY = accessPolicy("AmazonEKSViewPolicy");

/**
 * The EKS access policy of each CI role. The preview role reads: with server-side apply a preview
 * sends each create or update as a dry-run, which Kubernetes authorizes like the write, so the view
 * policy's dry-runs are refused, and pulumi-kubernetes answers a Forbidden dry-run during a preview
 * by returning the planned inputs instead of failing (provider/pkg/provider/provider.go, Create and
 * Update, `req.GetPreview() && apierrors.IsForbidden(awaitErr)`: present from v4.20.0 through v4.32.0
 * and main at 94977969 of 2026-07-01, the newest source reachable here; read 2026-12-07). Such a
 * preview still shows every create, update and replacement (Diff compares inputs with the state,
 * no dry-run), without the API server's defaults and admission checks; the deploy's `up` runs them.
 * A pull request's code therefore cannot write to the cluster or read a Secret.
 */
export const CI_ACCESS_POLICIES = { preview: EKS_VIEW_POLICY, deploy: EKS_CLUSTER_ADMIN_POLICY } as const;

/**
 * EKS control plane (API access entries, private endpoint in prod, all control-plane logs, KMS
 * envelope encryption), managed addons with pod-identity roles, a system node group and the
 * latency-tuned engine node group, and the Kubernetes provider every workload uses.
 */
export class Cluster extends pulumi.ComponentResource {
  /** Applies to the cluster: what the cluster needs itself (StorageClasses). Absent in the platform-only bootstrap. */
  readonly provider?: k8s.Provider;
  /** The workloads' provider: `provider`, or with renderYamlToDirectory one that writes manifests instead. Absent in the platform-only bootstrap. */
  readonly workloadProvider?: k8s.Provider;
  readonly name: pulumi.Output<string>;
  readonly kmsKeyArn: pulumi.Output<string>;
  /** Security group EKS attaches to managed nodes (the EKS-created cluster security group). */
  readonly nodeSecurityGroupId: pulumi.Output<string>;
  readonly oidcProviderArn: pulumi.Output<string>;
  readonly kubeconfig: pulumi.Output<string>;
  readonly systemNodeGroup: NodeGroup;
  readonly engineNodeGroup: NodeGroup;

  constructor(name: string, args: ClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    super("hft:platform:Cluster", name, {}, opts);
    const parent = { parent: this };
    const partition = aws.getPartitionOutput({}, parent).partition;
    const managedPolicy = (policy: string) => pulumi.interpolate`arn:${partition}:iam::aws:policy/${policy}`;

    const key = new aws.kms.Key(
      `${name}-secrets`,
      {
        description: `${args.name}: EKS secrets envelope encryption and EBS/EFS volume encryption`,
        enableKeyRotation: true,
        deletionWindowInDays: 30,
        tags: args.tags,
      },
      { parent: this, protect: args.protect, retainOnDelete: args.protect },
    );
    new aws.kms.Alias(`${name}-secrets`, { name: `alias/${args.name}`, targetKeyId: key.keyId }, parent);
    this.kmsKeyArn = key.arn;

    const nodeRole = new aws.iam.Role(
      `${name}-node`,
      { assumeRolePolicy: servicePrincipalTrust("ec2.amazonaws.com"), tags: args.tags },
      parent,
    );
    for (const policy of ["AmazonEKSWorkerNodePolicy", "AmazonEKS_CNI_Policy", "AmazonEC2ContainerRegistryPullOnly", "AmazonSSMManagedInstanceCore"]) {
      new aws.iam.RolePolicyAttachment(`${name}-node-${policy}`, { role: nodeRole.name, policyArn: managedPolicy(policy) }, parent);
    }

    // One access entry per principal, each with one cluster-wide access policy.
    const entry = (principalArn: string, access: "admin" | "view", policyArn: string) => ({
      principalArn,
      accessPolicies: { [access]: { policyArn, accessScope: { type: "cluster" } } },
    });
    const principalEntries = {
      ...Object.fromEntries(args.adminRoleArns.map((arn, i) => [`admin-${i}`, entry(arn, "admin", EKS_CLUSTER_ADMIN_POLICY)])),
      "ci-preview": entry(args.ciAccess.previewRoleArn, "view", CI_ACCESS_POLICIES.preview),
      "ci-deploy": entry(args.ciAccess.deployRoleArn, "admin", CI_ACCESS_POLICIES.deploy),
    };

    const cluster = new eks.Cluster(
      name,
      {
        name: args.name,
        version: args.kubernetesVersion,
        vpcId: args.vpcId,
        // The cluster's subnets are where EKS puts its network interfaces, and only there: subnets of
        // their own, so NetworkPolicies can tell the API server from pods. Node groups name the private
        // subnets themselves; load balancers find subnets by their tags. EKS changes a cluster's
        // subnets in place (UpdateClusterConfig, since 2023-10; terraform-provider-aws 5.25.0 updates
        // vpc_config.subnet_ids in place), so an existing cluster moves without being replaced.
        subnetIds: args.controlPlaneSubnetIds,
        nodeAssociatePublicIpAddress: false,
        skipDefaultNodeGroup: true,
        authenticationMode: eks.AuthenticationMode.Api,
        accessEntries: {
          nodes: { principalArn: nodeRole.arn, type: eks.AccessEntryType.EC2Linux },
          ...principalEntries,
        },
        endpointPrivateAccess: true,
        endpointPublicAccess: args.endpointPublicAccess,
        publicAccessCidrs: args.endpointPublicAccess ? args.publicAccessCidrs : undefined,
        enabledClusterLogTypes: CONTROL_PLANE_LOG_TYPES,
        encryptionConfigKeyArn: key.arn,
        kubernetesServiceIpAddressRange: args.serviceCidr,
        createOidcProvider: true,
        vpcCniOptions: {
          addonVersion: args.addons.vpcCni,
          // Without it the VPC CNI ignores NetworkPolicies and every namespace is wide open.
          enableNetworkPolicy: true,
        },
        kubeProxyAddonOptions: { enabled: true, version: args.addons.kubeProxy },
        // CoreDNS needs nodes to schedule on: it is installed below, after the system node group.
        corednsAddonOptions: { enabled: false },
        tags: args.tags,
      },
      // A child inherits `protect` from its parent (@pulumi/pulumi resource.js; pulumi-eks is a Node
      // component, so this reaches its aws.eks.Cluster, IAM role and security group): deleting or
      // replacing any of them in production first needs `pulumi state unprotect`. Checked 2026-11-30.
      { parent: this, dependsOn: [key], protect: args.protect },
    );
    const eksCluster = cluster.eksCluster;
    this.name = eksCluster.name;
    this.nodeSecurityGroupId = eksCluster.vpcConfig.clusterSecurityGroupId;
    this.oidcProviderArn = cluster.oidcProviderArn;
    this.kubeconfig = pulumi.secret(cluster.kubeconfigJson);

    const identity: pulumi.Output<ClusterIdentity> = pulumi.output({
      name: eksCluster.name,
      apiServerEndpoint: eksCluster.endpoint,
      certificateAuthority: eksCluster.certificateAuthority.data,
      serviceCidr: args.serviceCidr,
    });
    const amiId = aws.ssm.getParameterOutput(
      {
        name: `/aws/service/eks/optimized-ami/${args.kubernetesVersion}/amazon-linux-2023/x86_64/standard/amazon-eks-node-al2023-x86_64-standard-${args.kubernetesVersion}-${args.nodeAmiRelease}/image_id`,
      },
      parent,
    ).value;

    // EKS mode requires aws:region (config/stack-file.ts): the default provider's Region is where the nodes run.
    const common = { clusterName: eksCluster.name, identity, nodeRoleArn: nodeRole.arn, amiId, region: aws.config.region ?? "", tags: args.tags };
    this.systemNodeGroup = new NodeGroup(
      `${name}-system`,
      {
        ...common,
        ...args.systemNodes,
        subnetIds: args.privateSubnetIds,
        registration: { labels: { "node-type": "system" }, taints: [] },
      },
      { parent: this, dependsOn: [cluster] },
    );
    this.engineNodeGroup = new NodeGroup(
      `${name}-engine`,
      {
        ...common,
        minSize: args.engineNodes.minSize,
        desiredSize: args.engineNodes.desiredSize,
        maxSize: args.engineNodes.maxSize,
        instanceTypes: [args.engineNodes.instanceType],
        rootVolumeGiB: args.engineNodes.rootVolumeGiB,
        // A cluster placement group lives in one zone: the engine nodes share the first private subnet.
        subnetIds: [args.privateSubnetIds[0]],
        registration: ENGINE_NODE_REGISTRATION,
        latencyTuning: args.engineNodeTuning,
      },
      { parent: this, dependsOn: [cluster] },
    );

    const afterNodes: pulumi.CustomResourceOptions = { parent: this, dependsOn: [this.systemNodeGroup] };
    const addon = (addonName: string, addonVersion: string, extra: Partial<aws.eks.AddonArgs> = {}, addonOpts = afterNodes) =>
      new aws.eks.Addon(
        `${name}-${addonName}`,
        {
          clusterName: eksCluster.name,
          addonName,
          addonVersion,
          resolveConflictsOnCreate: "OVERWRITE",
          resolveConflictsOnUpdate: "OVERWRITE",
          tags: args.tags,
          ...extra,
        },
        addonOpts,
      );

    addon("coredns", args.addons.coredns);
    // metrics.k8s.io for the HPA's CPU and memory metrics: prometheus-adapter serves only custom metrics.
    addon("metrics-server", args.addons.metricsServer);
    const podIdentityAgent = addon("eks-pod-identity-agent", args.addons.podIdentityAgent);
    const afterAgent: pulumi.CustomResourceOptions = { parent: this, dependsOn: [this.systemNodeGroup, podIdentityAgent] };

    const ebsCsiRole = podIdentityRole(`${name}-ebs-csi`, managedPolicy("service-role/AmazonEBSCSIDriverPolicy"), args.tags, this);
    // Volumes encrypted with the cluster key need the driver to create grants on it.
    new aws.iam.RolePolicy(
      `${name}-ebs-csi-kms`,
      {
        role: ebsCsiRole.id,
        policy: key.arn.apply((arn) =>
          JSON.stringify({
            Version: "2012-10-17",
            Statement: [
              { Effect: "Allow", Action: ["kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"], Resource: arn, Condition: { Bool: { "kms:GrantIsForAWSResource": "true" } } },
              { Effect: "Allow", Action: ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"], Resource: arn },
            ],
          }),
        ),
      },
      parent,
    );
    addon(
      "aws-ebs-csi-driver",
      args.addons.ebsCsiDriver,
      { podIdentityAssociations: [{ roleArn: ebsCsiRole.arn, serviceAccount: "ebs-csi-controller-sa" }] },
      afterAgent,
    );
    const efsCsiRole = podIdentityRole(`${name}-efs-csi`, managedPolicy("service-role/AmazonEFSCSIDriverPolicy"), args.tags, this);
    addon(
      "aws-efs-csi-driver",
      args.addons.efsCsiDriver,
      { podIdentityAssociations: [{ roleArn: efsCsiRole.arn, serviceAccount: "efs-csi-controller-sa" }] },
      afterAgent,
    );

    if (!args.platformOnly) {
      this.provider = new k8s.Provider(
        name,
        { kubeconfig: this.kubeconfig, enableServerSideApply: true },
        { parent: this, dependsOn: [this.systemNodeGroup] },
      );
      // The kubeconfig lets the rendering provider look up whether custom resources are namespaced.
      this.workloadProvider = args.renderYamlToDirectory
        ? new k8s.Provider(`${name}-gitops`, { kubeconfig: this.kubeconfig, enableServerSideApply: true, ...renderTo(args.renderYamlToDirectory) }, { parent: this })
        : this.provider;
    }

    this.registerOutputs({
      name: this.name,
      kmsKeyArn: this.kmsKeyArn,
      oidcProviderArn: this.oidcProviderArn,
      kubeconfig: this.kubeconfig,
    });
  }
}

function servicePrincipalTrust(service: string, actions: string[] = ["sts:AssumeRole"]): string {
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [{ Effect: "Allow", Principal: { Service: service }, Action: actions }],
  });
}

/** An IAM role that EKS Pod Identity lets a service account assume (no static keys, no OIDC trust juggling). */
export function podIdentityRole(name: string, policyArn: pulumi.Input<string>, tags: Record<string, string>, parent: pulumi.Resource): aws.iam.Role {
  const role = new aws.iam.Role(
    name,
    { assumeRolePolicy: servicePrincipalTrust("pods.eks.amazonaws.com", ["sts:AssumeRole", "sts:TagSession"]), tags },
    { parent },
  );
  new aws.iam.RolePolicyAttachment(name, { role: role.name, policyArn }, { parent });
  return role;
}
