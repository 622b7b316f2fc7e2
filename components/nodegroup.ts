import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { NodeScaling } from "./config";
import { ClusterIdentity, LatencyTuning, NodeRegistration, nodeUserData } from "./node-bootstrap";
import { timeSource } from "./time-sync";

export interface NodeGroupArgs extends NodeScaling {
  clusterName: pulumi.Input<string>;
  /** Endpoint, CA and service CIDR the node's NodeConfig needs to join. */
  identity: pulumi.Input<ClusterIdentity>;
  nodeRoleArn: pulumi.Input<string>;
  subnetIds: pulumi.Input<string>[];
  instanceTypes: string[];
  /** EKS-optimized AL2023 AMI, resolved from the pinned release. */
  amiId: pulumi.Input<string>;
  rootVolumeGiB: number;
  registration: NodeRegistration;
  /** Present for latency-critical nodes: kubelet and kernel tuning plus a cluster placement group. */
  latencyTuning?: LatencyTuning;
  /** The Region the nodes run in: where the PTP hardware clock is offered. */
  region: string;
  tags: Record<string, string>;
}

const TAINT_EFFECTS = { NoSchedule: "NO_SCHEDULE", NoExecute: "NO_EXECUTE", PreferNoSchedule: "PREFER_NO_SCHEDULE" } as const;

/**
 * A managed node group on its own launch template, so that IMDSv2, encrypted gp3 root volumes, the
 * placement group and the bootstrap NodeConfig are explicit resources that policies can inspect.
 */
export class NodeGroup extends pulumi.ComponentResource {
  readonly nodeGroup: aws.eks.NodeGroup;
  readonly launchTemplate: aws.ec2.LaunchTemplate;
  readonly placementGroup?: aws.ec2.PlacementGroup;

  constructor(name: string, args: NodeGroupArgs, opts?: pulumi.ComponentResourceOptions) {
    super("hft:platform:NodeGroup", name, {}, opts);

    if (args.latencyTuning) {
      // Cluster placement packs the nodes close on one network spine: lowest node-to-node latency.
      this.placementGroup = new aws.ec2.PlacementGroup(name, { strategy: "cluster", tags: args.tags }, { parent: this });
    }

    // Every instance type of the group must offer the clock the bootstrap configures: the PHC only if all do.
    const timeSources = new Set(args.instanceTypes.map((t) => timeSource(t, args.region)));
    const boot = { tuning: args.latencyTuning, timeSource: timeSources.size === 1 ? [...timeSources][0] : ("ntp" as const) };
    const userData = pulumi.output(args.identity).apply((identity) => Buffer.from(nodeUserData(identity, args.registration, boot)).toString("base64"));

    this.launchTemplate = new aws.ec2.LaunchTemplate(
      name,
      {
        description: `${name} nodes: IMDSv2 only, encrypted gp3 root, AL2023 NodeConfig bootstrap`,
        imageId: args.amiId,
        userData,
        updateDefaultVersion: true,
        metadataOptions: {
          httpEndpoint: "enabled",
          httpTokens: "required",
          // Hop limit 1 keeps pods (one network hop away) from reading the node role's credentials.
          httpPutResponseHopLimit: 1,
        },
        blockDeviceMappings: [
          {
            deviceName: "/dev/xvda",
            ebs: { volumeSize: args.rootVolumeGiB, volumeType: "gp3", encrypted: "true", deleteOnTermination: "true" },
          },
        ],
        placement: this.placementGroup ? { groupName: this.placementGroup.name } : undefined,
        tagSpecifications: [
          { resourceType: "instance", tags: { ...args.tags, Name: name } },
          { resourceType: "volume", tags: { ...args.tags, Name: name } },
        ],
        tags: args.tags,
      },
      { parent: this },
    );

    this.nodeGroup = new aws.eks.NodeGroup(
      name,
      {
        clusterName: args.clusterName,
        nodeGroupNamePrefix: `${name}-`,
        nodeRoleArn: args.nodeRoleArn,
        subnetIds: args.subnetIds,
        instanceTypes: args.instanceTypes,
        capacityType: "ON_DEMAND",
        scalingConfig: { minSize: args.minSize, desiredSize: args.desiredSize, maxSize: args.maxSize },
        // One node at a time, new node first (DEFAULT launches the replacements before draining; MINIMAL
        // drains first): the drain evicts through the engine's PodDisruptionBudget. EKS User Guide,
        // "Understand each phase of node updates", read 2026-12-07; tools/capacity/surge.ts counts the nodes it adds.
        updateConfig: { maxUnavailable: 1, updateStrategy: "DEFAULT" },
        launchTemplate: { id: this.launchTemplate.id, version: pulumi.interpolate`${this.launchTemplate.latestVersion}` },
        labels: args.registration.labels,
        taints: args.registration.taints.map((t) => ({ key: t.key, value: t.value, effect: TAINT_EFFECTS[t.effect] })),
        tags: args.tags,
      },
      // The autoscaler (or an operator) owns the live desired size once the group exists.
      { parent: this, ignoreChanges: ["scalingConfig.desiredSize"] },
    );

    this.registerOutputs({ nodeGroupName: this.nodeGroup.nodeGroupName, launchTemplateId: this.launchTemplate.id });
  }
}
