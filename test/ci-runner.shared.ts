import { beforeAll, describe, expect, it } from "vitest";
import { runStack, StackRun } from "../tools/harness";
import { Inventory } from "./inventory";
import { stackConfig } from "./stack-config";

const ACCESS_POLICY = "arn:aws:eks::aws:cluster-access-policy/";
const CLUSTER_ADMIN = `${ACCESS_POLICY}AmazonEKSClusterAdminPolicy`;

/**
 * The runner and the CI roles' access entries of docs/ci-cd.md, over a whole-stack run (one stack per test file: the program module runs once per process).
 */
export function ciRunnerSuite(stack: "dev" | "prod"): void {
  let run: StackRun;
  let inventory: Inventory;
  beforeAll(async () => {
    run = await runStack(stack);
    inventory = new Inventory(run.inventory);
  });

  describe(`${stack} CI runner`, () => {
    const inv = () => inventory;
    const settings = () => stackConfig(stack).ciRunner as Record<string, any>;
    const projectName = `hft-${stack}-ci-runner`;
    const project = () => inv().one("aws:codebuild/project:Project", "hft-ci-runner").inputs as any;
    // The runner's security group id, as its egress rule names it.
    const securityGroupId = () =>
      (inv().one("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule", "hft-ci-runner-https").inputs as any).securityGroupId as string;
    const privateSubnetIds = () =>
      inv()
        .all("aws:ec2/subnet:Subnet")
        .filter((s) => (s.inputs as any).tags["kubernetes.io/role/internal-elb"] === "1")
        .map((s) => s.urn);

    it("is a CodeBuild project in the private subnets, taking this repository's jobs through the GitHub connection", () => {
      expect(project()).toMatchObject({
        name: projectName,
        source: { type: "GITHUB", location: `https://github.com/${settings().repository}`, auth: { type: "CODECONNECTIONS", resource: settings().connectionArn } },
        artifacts: { type: "NO_ARTIFACTS" },
        environment: { type: "LINUX_CONTAINER", computeType: "BUILD_GENERAL1_MEDIUM", image: "aws/codebuild/amazonlinux-x86_64-standard:5.0" },
        logsConfig: { cloudwatchLogs: { status: "ENABLED", groupName: `/aws/codebuild/${projectName}` }, s3Logs: { status: "DISABLED" } },
        buildTimeout: 150,
      });
      expect(project().vpcConfig.subnets).toHaveLength(3);
      expect(project().vpcConfig.securityGroupIds).toEqual([securityGroupId()]);
      // The subnets are the private ones (their registrations are the project's dependencies).
      const projectEntry = inv().one("aws:codebuild/project:Project", "hft-ci-runner");
      for (const subnet of privateSubnetIds()) expect(projectEntry.dependsOn).toContain(subnet);
      expect(run.outputs.ciRunnerProject).toBe(projectName);
    });

    it("starts a build only for queued workflow jobs", () => {
      expect(inv().one("aws:codebuild/webhook:Webhook", "hft-ci-runner").inputs).toEqual({
        projectName,
        buildType: "BUILD",
        filterGroups: [{ filters: [{ type: "EVENT", pattern: "WORKFLOW_JOB_QUEUED" }] }],
      });
    });

    it("sends only HTTPS out, takes nothing in, and is let into the Kubernetes API", () => {
      const sg = inv().one("aws:ec2/securityGroup:SecurityGroup", "hft-ci-runner").inputs as any;
      expect(sg.ingress ?? []).toEqual([]);
      expect(sg.egress ?? []).toEqual([]);
      const egress = inv().all("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule").map((r) => r.inputs as any);
      expect(egress.filter((r) => r.securityGroupId === securityGroupId())).toEqual([
        expect.objectContaining({ ipProtocol: "tcp", fromPort: 443, toPort: 443, cidrIpv4: "0.0.0.0/0" }),
      ]);
      const ingress = inv().all("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule").map((r) => r.inputs as any);
      const intoApi = ingress.filter((r) => r.referencedSecurityGroupId === securityGroupId());
      expect(intoApi).toHaveLength(1);
      expect(intoApi[0]).toMatchObject({ ipProtocol: "tcp", fromPort: 443, toPort: 443 });
      // The cluster security group: the one the EFS mount targets also admit the nodes from.
      const efsRule = ingress.find((r) => r.fromPort === 2049)!;
      expect(intoApi[0].securityGroupId).toBe(efsRule.referencedSecurityGroupId);
    });

    it("runs as a role that can only log, manage its network interfaces and use the GitHub connection", () => {
      const role = inv().one("aws:iam/role:Role", "hft-ci-runner").inputs as any;
      expect(JSON.parse(role.assumeRolePolicy).Statement).toEqual([
        { Effect: "Allow", Principal: { Service: "codebuild.amazonaws.com" }, Action: "sts:AssumeRole" },
      ]);
      expect(inv().all("aws:iam/rolePolicyAttachment:RolePolicyAttachment").filter((a) => (a.inputs as any).role === project().serviceRole)).toEqual([]);
      const statements = JSON.parse((inv().one("aws:iam/rolePolicy:RolePolicy", "hft-ci-runner").inputs as any).policy).Statement;
      const actions = statements.flatMap((s: any) => [s.Action].flat()).sort();
      expect(actions).toEqual([
        "codeconnections:GetConnection",
        "codeconnections:GetConnectionToken",
        "ec2:CreateNetworkInterface",
        "ec2:CreateNetworkInterfacePermission",
        "ec2:DeleteNetworkInterface",
        "ec2:DescribeDhcpOptions",
        "ec2:DescribeNetworkInterfaces",
        "ec2:DescribeSecurityGroups",
        "ec2:DescribeSubnets",
        "ec2:DescribeVpcs",
        "logs:CreateLogStream",
        "logs:PutLogEvents",
      ]);
      const bySid = Object.fromEntries(statements.map((s: any) => [s.Sid, s]));
      expect(bySid.Logs.Resource).toEqual([expect.stringMatching(new RegExp(`:log-group:/aws/codebuild/${projectName}$`)), expect.stringMatching(/:\*$/)]);
      expect(bySid.GitHubConnection.Resource).toBe(settings().connectionArn);
      expect(bySid.VpcNetworkInterfacePermission.Condition).toEqual({
        ArnLike: { "ec2:Subnet": project().vpcConfig.subnets.map((id: string) => `arn:aws:ec2:*:*:subnet/${id}`) },
        StringEquals: { "ec2:AuthorizedService": "codebuild.amazonaws.com" },
      });
    });

    it("keeps its job logs for the configured days", () => {
      expect(inv().one("aws:cloudwatch/logGroup:LogGroup", "hft-ci-runner").inputs).toMatchObject({ name: `/aws/codebuild/${projectName}`, retentionInDays: 90 });
    });
  });

  describe(`${stack} access entries of the CI roles`, () => {
    const entries = () => (inventory.one("eks:index:Cluster", "hft").inputs as any).accessEntries;
    const ciAccess = () => (stackConfig(stack).cluster as any).ciAccess;

    const policiesOf = (entry: any) => Object.values<{ policyArn: string; accessScope: { type: string } }>(entry.accessPolicies ?? {});

    it("give the preview role read access only: the view policy, no admin or edit policy, no Kubernetes group", () => {
      const preview = entries()["ci-preview"];
      expect(preview.principalArn).toBe(ciAccess().previewRoleArn);
      expect(policiesOf(preview)).toEqual([{ policyArn: `${ACCESS_POLICY}AmazonEKSViewPolicy`, accessScope: { type: "cluster" } }]);
      for (const { policyArn } of policiesOf(preview)) expect(policyArn).not.toMatch(/Admin|Edit/);
      // A group such as system:masters would grant through RBAC what the access policy withholds.
      expect(preview.kubernetesGroups).toBeUndefined();
      expect(ciAccess().previewRoleArn).toMatch(new RegExp(`:role/hft-ci-preview-${stack}$`));
    });

    it("make the deploy role the only cluster admin besides cluster.adminRoleArns", () => {
      const admins = Object.values(entries())
        .filter((entry: any) => policiesOf(entry).some((p) => /Admin|Edit/.test(p.policyArn)) || entry.kubernetesGroups !== undefined)
        .map((entry: any) => entry.principalArn);
      expect(admins.sort()).toEqual([ciAccess().deployRoleArn, ...((stackConfig(stack).cluster as any).adminRoleArns ?? [])].sort());
      expect(policiesOf(entries()["ci-deploy"])).toEqual([{ policyArn: CLUSTER_ADMIN, accessScope: { type: "cluster" } }]);
      expect(ciAccess().deployRoleArn).toMatch(new RegExp(`:role/hft-ci-deploy-${stack}$`));
      // The nodes' entry is EKS's own node type, with no access policy.
      expect(entries().nodes).toMatchObject({ type: "EC2_LINUX" });
      expect(entries().nodes.accessPolicies).toBeUndefined();
    });
  });
}
