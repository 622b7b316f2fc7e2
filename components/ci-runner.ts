import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { CI_RUNNER_ENVIRONMENT, CiRunnerConfig } from "./config";

export interface CiRunnerArgs extends CiRunnerConfig {
  /** CodeBuild project name; jobs select the runner with the label `codebuild-<projectName>-<run id>-<run attempt>`. */
  projectName: string;
  vpcId: pulumi.Input<string>;
  /** The runner's network interfaces go here: private subnets with NAT, next to the cluster's API endpoint. */
  privateSubnetIds: pulumi.Input<string>[];
  /** Security group of the EKS API endpoint's network interfaces (the EKS-created cluster security group). */
  clusterSecurityGroupId: pulumi.Input<string>;
  tags: Record<string, string>;
}

const HTTPS = 443;

/** The runner's CodeBuild project (the ciRunnerProject output), named after the stack's cluster. */
export const ciRunnerProjectName = (clusterName: string) => `${clusterName}-ci-runner`;

/**
 * A CodeBuild-hosted GitHub Actions runner inside the VPC, so that CI reaches a private EKS API
 * endpoint. Each queued workflow job whose `runs-on` label names this project starts an ephemeral
 * build in the private subnets (CodeBuild User Guide, "Tutorial: Configure a CodeBuild-hosted
 * GitHub Actions runner" and "Label overrides supported with the CodeBuild-hosted GitHub Actions
 * runner", read 2026-11-30).
 *
 * The build's own role can only write its logs, manage its network interfaces and use the GitHub
 * connection. A job gets its AWS permissions by assuming the preview or deploy role through GitHub's
 * OIDC token, as on a GitHub-hosted runner; those roles and their trust live outside this stack.
 */
export class CiRunner extends pulumi.ComponentResource {
  /** Jobs select the runner with `runs-on: codebuild-<projectName>-${{ github.run_id }}-${{ github.run_attempt }}`. */
  readonly projectName: pulumi.Output<string>;

  constructor(name: string, args: CiRunnerArgs, opts?: pulumi.ComponentResourceOptions) {
    super("hft:platform:CiRunner", name, {}, opts);
    const parent = { parent: this };
    const partition = aws.getPartitionOutput({}, parent).partition;

    // No ingress: the runner only calls out. Egress is HTTPS only: GitHub, Pulumi Cloud, the npm
    // registry, chart repositories, AWS APIs and the EKS endpoint all listen on 443. Security groups
    // "do not filter traffic destined to and from" Amazon DNS (Amazon VPC User Guide, security
    // groups, read 2026-11-30), so name lookups need no rule.
    const securityGroup = new aws.ec2.SecurityGroup(
      `${name}-ci-runner`,
      { vpcId: args.vpcId, description: `${args.projectName}: CI runner, HTTPS out only`, tags: { ...args.tags, Name: args.projectName } },
      parent,
    );
    new aws.vpc.SecurityGroupEgressRule(
      `${name}-ci-runner-https`,
      { securityGroupId: securityGroup.id, cidrIpv4: "0.0.0.0/0", ipProtocol: "tcp", fromPort: HTTPS, toPort: HTTPS, description: "HTTPS out", tags: args.tags },
      parent,
    );
    // The private endpoint's network interfaces carry the cluster security group: let the runner in.
    new aws.vpc.SecurityGroupIngressRule(
      `${name}-ci-runner-eks-api`,
      {
        securityGroupId: args.clusterSecurityGroupId,
        referencedSecurityGroupId: securityGroup.id,
        ipProtocol: "tcp",
        fromPort: HTTPS,
        toPort: HTTPS,
        description: `Kubernetes API from the ${args.projectName} CI runner`,
        tags: args.tags,
      },
      parent,
    );

    const logGroup = new aws.cloudwatch.LogGroup(
      `${name}-ci-runner`,
      { name: `/aws/codebuild/${args.projectName}`, retentionInDays: args.logRetentionDays, tags: args.tags },
      parent,
    );

    const role = new aws.iam.Role(
      `${name}-ci-runner`,
      {
        description: `${args.projectName}: CodeBuild service role of the CI runner (logs, VPC network interfaces, GitHub connection)`,
        assumeRolePolicy: JSON.stringify({
          Version: "2012-10-17",
          Statement: [{ Effect: "Allow", Principal: { Service: "codebuild.amazonaws.com" }, Action: "sts:AssumeRole" }],
        }),
        tags: args.tags,
      },
      parent,
    );
    const policy = new aws.iam.RolePolicy(
      `${name}-ci-runner`,
      {
        role: role.id,
        policy: pulumi.all([partition, logGroup.arn, pulumi.output(args.privateSubnetIds)]).apply(([p, logGroupArn, subnetIds]) =>
          JSON.stringify(serviceRolePolicy(p, logGroupArn, subnetIds, args.connectionArn)),
        ),
      },
      parent,
    );

    const project = new aws.codebuild.Project(
      `${name}-ci-runner`,
      {
        name: args.projectName,
        description: `GitHub Actions runner for ${args.repository}, inside the cluster's VPC`,
        serviceRole: role.arn,
        source: {
          type: "GITHUB",
          location: `https://github.com/${args.repository}`,
          auth: { type: "CODECONNECTIONS", resource: args.connectionArn },
        },
        artifacts: { type: "NO_ARTIFACTS" },
        environment: { type: CI_RUNNER_ENVIRONMENT.type, computeType: args.computeType, image: args.image, imagePullCredentialsType: "CODEBUILD" },
        vpcConfig: { vpcId: args.vpcId, subnets: args.privateSubnetIds, securityGroupIds: [securityGroup.id] },
        logsConfig: { cloudwatchLogs: { status: "ENABLED", groupName: logGroup.name }, s3Logs: { status: "DISABLED" } },
        buildTimeout: args.buildTimeoutMinutes,
        tags: args.tags,
      },
      // CodeBuild checks the VPC permissions of the role when the project is created.
      { parent: this, dependsOn: [policy] },
    );
    // Only queued workflow jobs start builds; CodeBuild ignores jobs whose label names another project.
    new aws.codebuild.Webhook(
      `${name}-ci-runner`,
      { projectName: project.name, buildType: "BUILD", filterGroups: [{ filters: [{ type: "EVENT", pattern: "WORKFLOW_JOB_QUEUED" }] }] },
      parent,
    );

    this.projectName = project.name;
    this.registerOutputs({ projectName: this.projectName });
  }
}

/**
 * The CodeBuild service role's whole policy: its log group, the network-interface calls CodeBuild
 * makes for a VPC build (CodeBuild User Guide, "Allow CodeBuild access to AWS services required to
 * create a VPC network interface", read 2026-11-30) limited to the runner's subnets, and the GitHub
 * connection's token (CodeBuild User Guide, "GitHub App connections", read 2026-11-30).
 */
function serviceRolePolicy(partition: string, logGroupArn: string, subnetIds: string[], connectionArn: string): object {
  // Connections created before the CodeConnections rename keep codestar-connections ARNs and actions.
  const connectionService = connectionArn.split(":")[2];
  return {
    Version: "2012-10-17",
    Statement: [
      { Sid: "Logs", Effect: "Allow", Action: ["logs:CreateLogStream", "logs:PutLogEvents"], Resource: [logGroupArn, `${logGroupArn}:*`] },
      {
        Sid: "VpcNetworkInterfaces",
        Effect: "Allow",
        Action: [
          "ec2:CreateNetworkInterface",
          "ec2:DeleteNetworkInterface",
          "ec2:DescribeDhcpOptions",
          "ec2:DescribeNetworkInterfaces",
          "ec2:DescribeSecurityGroups",
          "ec2:DescribeSubnets",
          "ec2:DescribeVpcs",
        ],
        Resource: "*",
      },
      {
        Sid: "VpcNetworkInterfacePermission",
        Effect: "Allow",
        Action: "ec2:CreateNetworkInterfacePermission",
        Resource: `arn:${partition}:ec2:*:*:network-interface/*`,
        // Subnet ids are unique, so the wildcard region and account widen nothing.
        Condition: {
          ArnLike: { "ec2:Subnet": subnetIds.map((id) => `arn:${partition}:ec2:*:*:subnet/${id}`) },
          StringEquals: { "ec2:AuthorizedService": "codebuild.amazonaws.com" },
        },
      },
      {
        Sid: "GitHubConnection",
        Effect: "Allow",
        Action: [`${connectionService}:GetConnectionToken`, `${connectionService}:GetConnection`],
        Resource: connectionArn,
      },
    ],
  };
}
