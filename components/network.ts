import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { formatIpv4Cidr, NetworkConfig, parseIpv4Cidr } from "./config";

export interface NetworkArgs extends NetworkConfig {
  /** EKS cluster name, for the subnets' `kubernetes.io/cluster/<name>` discovery tag. */
  clusterName: string;
  tags: Record<string, string>;
}

export interface SubnetPlan {
  private: string[];
  public: string[];
  /** One /28 per zone for the EKS control plane's network interfaces, and nothing else. */
  controlPlane: string[];
}

/**
 * Carves the VPC into per-zone subnets: private subnets get an eighth of the VPC each (the VPC CNI
 * gives every pod a VPC address, so they need room), public subnets a sixty-fourth each (load
 * balancers and NAT gateways only), placed in the seventh eighth, and the control plane a /28 each
 * in the eighth: EKS puts its 2–4 network interfaces (the API server's private endpoint, and the
 * source of its calls to webhooks and aggregated APIs) only in the subnets the cluster is given, which
 * need at least 6 free addresses and should have 16 (EKS User Guide, network-reqs "Subnet requirements
 * and considerations", read 2026-12-07). Subnets of their own make the control plane's addresses a
 * range no node or pod shares, which is what lets a NetworkPolicy admit the API server and no pod.
 */
export function planSubnets(vpcCidr: string, zones: number): SubnetPlan {
  const vpc = parseIpv4Cidr(vpcCidr);
  if (!vpc) throw new Error(`not an IPv4 CIDR: ${vpcCidr}`);
  const eighth = 2 ** (32 - vpc.prefix - 3);
  const sixtyFourth = eighth / 8;
  const zoneIndexes = Array.from({ length: zones }, (_, i) => i);
  return {
    private: zoneIndexes.map((i) => formatIpv4Cidr(vpc.base + i * eighth, vpc.prefix + 3)),
    public: zoneIndexes.map((i) => formatIpv4Cidr(vpc.base + 6 * eighth + i * sixtyFourth, vpc.prefix + 6)),
    controlPlane: zoneIndexes.map((i) => formatIpv4Cidr(vpc.base + 7 * eighth + i * 16, 28)),
  };
}

/** VPC over the configured availability zones with EKS-tagged public/private subnets, NAT and (prod) flow logs. */
export class Network extends pulumi.ComponentResource {
  readonly vpcId: pulumi.Output<string>;
  readonly publicSubnetIds: pulumi.Output<string>[];
  readonly privateSubnetIds: pulumi.Output<string>[];
  /** The EKS control plane's own subnets (see planSubnets). */
  readonly controlPlaneSubnetIds: pulumi.Output<string>[];
  readonly availabilityZones: pulumi.Output<string>[];

  constructor(name: string, args: NetworkArgs, opts?: pulumi.ComponentResourceOptions) {
    super("hft:platform:Network", name, {}, opts);
    const parent = { parent: this };
    const clusterTag = { [`kubernetes.io/cluster/${args.clusterName}`]: "shared" };
    const plan = planSubnets(args.vpcCidr, args.availabilityZones);

    const zones = aws.getAvailabilityZonesOutput({ state: "available", filters: [{ name: "opt-in-status", values: ["opt-in-not-required"] }] }, parent);
    this.availabilityZones = plan.private.map((_, i) => zones.names[i]);

    const vpc = new aws.ec2.Vpc(
      name,
      { cidrBlock: args.vpcCidr, enableDnsHostnames: true, enableDnsSupport: true, tags: { ...args.tags, Name: name } },
      parent,
    );
    this.vpcId = vpc.id;

    const igw = new aws.ec2.InternetGateway(name, { vpcId: vpc.id, tags: { ...args.tags, Name: name } }, parent);
    const publicRoutes = new aws.ec2.RouteTable(
      `${name}-public`,
      { vpcId: vpc.id, routes: [{ cidrBlock: "0.0.0.0/0", gatewayId: igw.id }], tags: { ...args.tags, Name: `${name}-public` } },
      parent,
    );

    const publicSubnets = plan.public.map((cidr, i) => {
      const subnet = new aws.ec2.Subnet(
        `${name}-public-${i}`,
        {
          vpcId: vpc.id,
          cidrBlock: cidr,
          availabilityZone: this.availabilityZones[i],
          mapPublicIpOnLaunch: false,
          tags: { ...args.tags, ...clusterTag, Name: `${name}-public-${i}`, "kubernetes.io/role/elb": "1" },
        },
        parent,
      );
      new aws.ec2.RouteTableAssociation(`${name}-public-${i}`, { subnetId: subnet.id, routeTableId: publicRoutes.id }, parent);
      return subnet;
    });

    const natGateways = publicSubnets.slice(0, args.natGateways).map((subnet, i) => {
      const eip = new aws.ec2.Eip(`${name}-nat-${i}`, { domain: "vpc", tags: { ...args.tags, Name: `${name}-nat-${i}` } }, parent);
      return new aws.ec2.NatGateway(
        `${name}-nat-${i}`,
        { subnetId: subnet.id, allocationId: eip.id, tags: { ...args.tags, Name: `${name}-nat-${i}` } },
        { parent: this, dependsOn: [igw] },
      );
    });

    const privateSubnets = plan.private.map((cidr, i) => {
      const subnet = new aws.ec2.Subnet(
        `${name}-private-${i}`,
        {
          vpcId: vpc.id,
          cidrBlock: cidr,
          availabilityZone: this.availabilityZones[i],
          tags: { ...args.tags, ...clusterTag, Name: `${name}-private-${i}`, "kubernetes.io/role/internal-elb": "1" },
        },
        parent,
      );
      // With one NAT gateway every zone shares it; with one per zone, egress survives the loss of a zone.
      const nat = natGateways[i % natGateways.length];
      const routes = new aws.ec2.RouteTable(
        `${name}-private-${i}`,
        { vpcId: vpc.id, routes: [{ cidrBlock: "0.0.0.0/0", natGatewayId: nat.id }], tags: { ...args.tags, Name: `${name}-private-${i}` } },
        parent,
      );
      new aws.ec2.RouteTableAssociation(`${name}-private-${i}`, { subnetId: subnet.id, routeTableId: routes.id }, parent);
      return subnet;
    });

    // Only the control plane's interfaces live here; the VPC's main route table (local routes) serves them.
    const controlPlaneSubnets = plan.controlPlane.map(
      (cidr, i) =>
        new aws.ec2.Subnet(
          `${name}-control-plane-${i}`,
          { vpcId: vpc.id, cidrBlock: cidr, availabilityZone: this.availabilityZones[i], tags: { ...args.tags, Name: `${name}-control-plane-${i}` } },
          parent,
        ),
    );

    this.publicSubnetIds = publicSubnets.map((s) => s.id);
    this.controlPlaneSubnetIds = controlPlaneSubnets.map((s) => s.id);
    this.privateSubnetIds = privateSubnets.map((s) => s.id);

    if (args.flowLogs) {
      const logGroup = new aws.cloudwatch.LogGroup(
        `${name}-flow-logs`,
        { name: `/hft/${args.clusterName}/vpc-flow-logs`, retentionInDays: args.flowLogRetentionDays, tags: args.tags },
        parent,
      );
      const role = new aws.iam.Role(
        `${name}-flow-logs`,
        {
          assumeRolePolicy: JSON.stringify({
            Version: "2012-10-17",
            Statement: [{ Effect: "Allow", Principal: { Service: "vpc-flow-logs.amazonaws.com" }, Action: "sts:AssumeRole" }],
          }),
          tags: args.tags,
        },
        parent,
      );
      new aws.iam.RolePolicy(
        `${name}-flow-logs`,
        {
          role: role.id,
          policy: logGroup.arn.apply((arn) =>
            JSON.stringify({
              Version: "2012-10-17",
              Statement: [
                {
                  Effect: "Allow",
                  Action: ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogGroups", "logs:DescribeLogStreams"],
                  Resource: [arn, `${arn}:*`],
                },
              ],
            }),
          ),
        },
        parent,
      );
      new aws.ec2.FlowLog(
        name,
        { vpcId: vpc.id, trafficType: "ALL", logDestinationType: "cloud-watch-logs", logDestination: logGroup.arn, iamRoleArn: role.arn, tags: args.tags },
        parent,
      );
    }

    this.registerOutputs({
      vpcId: this.vpcId,
      publicSubnetIds: this.publicSubnetIds,
      privateSubnetIds: this.privateSubnetIds,
      controlPlaneSubnetIds: this.controlPlaneSubnetIds,
    });
  }
}
