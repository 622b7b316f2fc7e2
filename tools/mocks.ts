import { createHash } from "node:crypto";
import { createRequire } from "node:module";
import * as pulumi from "@pulumi/pulumi";
import { MockMonitor } from "@pulumi/pulumi/runtime/mocks";
import { InventoryEntry, SECRET_PLACEHOLDER } from "./inventory";

/**
 * Pulumi mocks shared by the unit tests and the offline render. They answer the invokes the program
 * makes with realistic values, give every resource stable, realistically shaped ids and outputs
 * (so two renders of the same program are identical), and throw on anything they do not know, so a
 * new invoke cannot slip through unmocked.
 */

const ACCOUNT = "123456789012";

export interface MockSession {
  /** Every resource registration, in order, with secrets redacted. */
  inventory: InventoryEntry[];
  /** Plain values the mocks generated for secret outputs (passwords, keys): must never appear in rendered output. */
  generatedSecrets: string[];
  /** Every invoke (data-source lookup) the program made, with its arguments: what a real deployment asks AWS. */
  invokes: { token: string; inputs: Record<string, unknown> }[];
}

function digest(...parts: string[]): string {
  return createHash("sha256").update(parts.join("\0")).digest("hex");
}

function fakeUuid(seed: string): string {
  const h = digest(seed);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

const ID_PREFIXES: Record<string, string> = {
  "aws:ec2/vpc:Vpc": "vpc",
  "aws:ec2/subnet:Subnet": "subnet",
  "aws:ec2/internetGateway:InternetGateway": "igw",
  "aws:ec2/natGateway:NatGateway": "nat",
  "aws:ec2/eip:Eip": "eipalloc",
  "aws:ec2/routeTable:RouteTable": "rtb",
  "aws:ec2/routeTableAssociation:RouteTableAssociation": "rtbassoc",
  "aws:ec2/securityGroup:SecurityGroup": "sg",
  "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": "sgr",
  "aws:ec2/launchTemplate:LaunchTemplate": "lt",
  "aws:ec2/placementGroup:PlacementGroup": "pg",
  "aws:ec2/flowLog:FlowLog": "fl",
  "aws:efs/fileSystem:FileSystem": "fs",
  "aws:efs/mountTarget:MountTarget": "fsmt",
};

const ID_FROM_STATE: Record<string, string> = {
  "aws:s3/bucket:Bucket": "bucket",
};

function region(): string {
  return pulumi.runtime.getConfig("aws:region") ?? "us-east-1";
}

function arn(service: string, resource: string, withRegion = true): string {
  return `arn:aws:${service}:${withRegion ? region() : ""}:${ACCOUNT}:${resource}`;
}

/** Computed outputs a real provider would add to a resource's inputs. */
function computedState(type: string, name: string, inputs: Record<string, unknown>, id: string, session: MockSession): Record<string, unknown> {
  switch (type) {
    case "aws:iam/role:Role": {
      const roleName = (inputs.name as string | undefined) ?? `${name}-${digest(name).slice(0, 7)}`;
      return { name: roleName, arn: arn("iam", `role/${roleName}`, false), uniqueId: `AROA${digest(name).slice(0, 17).toUpperCase()}` };
    }
    case "aws:kms/key:Key": {
      const keyId = fakeUuid(name);
      return { keyId, arn: arn("kms", `key/${keyId}`) };
    }
    case "aws:ec2/launchTemplate:LaunchTemplate":
      return { latestVersion: 1, defaultVersion: 1, arn: arn("ec2", `launch-template/${id}`) };
    case "aws:ec2/placementGroup:PlacementGroup":
      return { name: inputs.name ?? `${name}-${digest(name).slice(0, 7)}`, arn: arn("ec2", `placement-group/${name}`) };
    case "aws:efs/fileSystem:FileSystem":
      return { arn: arn("elasticfilesystem", `file-system/${id}`), dnsName: `${id}.efs.${region()}.amazonaws.com` };
    case "aws:cloudwatch/logGroup:LogGroup":
      return { arn: arn("logs", `log-group:${String(inputs.name)}`) };
    case "aws:ec2/securityGroup:SecurityGroup":
      return { arn: arn("ec2", `security-group/${id}`) };
    case "aws:eks/nodeGroup:NodeGroup": {
      const nodeGroupName = `${(inputs.nodeGroupNamePrefix as string | undefined) ?? name}${digest(name).slice(0, 8)}`;
      return { nodeGroupName, arn: arn("eks", `nodegroup/${String(inputs.clusterName)}/${nodeGroupName}/${fakeUuid(name)}`), status: "ACTIVE" };
    }
    case "aws:s3/bucket:Bucket": {
      const prefix = (inputs.bucketPrefix as string | undefined) ?? `${name}-`;
      const bucket = (inputs.bucket as string | undefined) ?? `${prefix}${digest("bucket", name).slice(0, 26)}`;
      return { bucket, arn: `arn:aws:s3:::${bucket}`, bucketDomainName: `${bucket}.s3.amazonaws.com`, region: region() };
    }
    case "aws:iam/policy:Policy": {
      const policyName = (inputs.name as string | undefined) ?? `${name}-${digest(name).slice(0, 7)}`;
      return { name: policyName, arn: arn("iam", `policy/${policyName}`, false), policyId: `ANPA${digest(name).slice(0, 17).toUpperCase()}` };
    }
    case "aws:eks/podIdentityAssociation:PodIdentityAssociation": {
      const associationId = `a-${digest(name).slice(0, 17)}`;
      return { associationId, associationArn: arn("eks", `podidentityassociation/${String(inputs.clusterName)}/${associationId}`) };
    }
    case "aws:eks/addon:Addon":
      return { arn: arn("eks", `addon/${String(inputs.clusterName)}/${String(inputs.addonName)}/${fakeUuid(name)}`) };
    case "random:index/randomPassword:RandomPassword": {
      const length = Number(inputs.length ?? 32);
      const result = Buffer.from(digest("password", pulumi.getStack(), name)).toString("base64").replace(/[^A-Za-z0-9]/g, "").slice(0, length);
      session.generatedSecrets.push(result);
      return { result };
    }
    case "eks:index:Cluster":
      return eksClusterState(name, inputs);
    default:
      return {};
  }
}

/**
 * `eks.Cluster` is a remote component: under mocks it is one resource, so the mock returns the
 * outputs the program reads, including `eksCluster` as a reference to an `aws:eks/cluster:Cluster`
 * that it registers with the mock monitor so the reference can be rehydrated.
 */
function eksClusterState(name: string, inputs: Record<string, unknown>): Record<string, unknown> {
  const clusterName = (inputs.name as string | undefined) ?? name;
  const endpoint = `https://${digest(clusterName).slice(0, 32).toUpperCase()}.gr7.${region()}.eks.amazonaws.com`;
  const caData = Buffer.from(`-----BEGIN CERTIFICATE-----\nMIIC${digest("ca", clusterName).slice(0, 48)}\n-----END CERTIFICATE-----\n`).toString("base64");
  const oidcId = digest("oidc", clusterName).slice(0, 32).toUpperCase();
  const oidcIssuer = `oidc.eks.${region()}.amazonaws.com/id/${oidcId}`;
  const clusterSecurityGroupId = `sg-${digest("cluster-sg", clusterName).slice(0, 17)}`;

  const monitor = pulumi.runtime.getMonitor() as unknown as MockMonitor;
  const urn = `urn:pulumi:${pulumi.getStack()}::${pulumi.getProject()}::eks:index:Cluster$aws:eks/cluster:Cluster::${name}-eksCluster`;
  monitor.resources.set(urn, {
    urn,
    id: clusterName,
    state: {
      name: clusterName,
      arn: arn("eks", `cluster/${clusterName}`),
      endpoint,
      version: inputs.version,
      certificateAuthority: { data: caData },
      kubernetesNetworkConfig: { serviceIpv4Cidr: inputs.kubernetesServiceIpAddressRange ?? "172.20.0.0/16", ipFamily: "ipv4" },
      vpcConfig: { clusterSecurityGroupId, vpcId: inputs.vpcId, endpointPublicAccess: inputs.endpointPublicAccess },
      identities: [{ oidcs: [{ issuer: `https://${oidcIssuer}` }] }],
    },
  });

  const kubeconfig = {
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: clusterName, cluster: { server: endpoint, "certificate-authority-data": caData } }],
    contexts: [{ name: "aws", context: { cluster: clusterName, user: "aws" } }],
    "current-context": "aws",
    users: [
      {
        name: "aws",
        user: {
          exec: {
            apiVersion: "client.authentication.k8s.io/v1beta1",
            command: "aws",
            args: ["eks", "get-token", "--cluster-name", clusterName, "--output", "json"],
          },
        },
      },
    ],
  };
  return {
    kubeconfig,
    kubeconfigJson: JSON.stringify(kubeconfig),
    eksCluster: { [pulumi.runtime.specialSigKey]: pulumi.runtime.specialResourceSig, urn, id: clusterName, packageVersion: "" },
    clusterSecurityGroupId: `sg-${digest("eks-sg", clusterName).slice(0, 17)}`,
    nodeSecurityGroupId: `sg-${digest("node-sg", clusterName).slice(0, 17)}`,
    oidcProviderArn: arn("iam", `oidc-provider/${oidcIssuer}`, false),
    oidcProviderUrl: `https://${oidcIssuer}`,
    oidcIssuer,
  };
}

/** AL2023 AMI parameters the program may read: /aws/service/eks/optimized-ami/<k8s>/amazon-linux-2023/... */
const AL2023_AMI_PARAMETER = /^\/aws\/service\/eks\/optimized-ami\/1\.\d+\/amazon-linux-2023\/x86_64\/standard\/[\w.-]+\/image_id$/;

function call(args: pulumi.runtime.MockCallArgs): Record<string, unknown> {
  const inputs = args.inputs as Record<string, unknown>;
  switch (args.token) {
    case "aws:index/getAvailabilityZones:getAvailabilityZones": {
      const names = ["a", "b", "c", "d", "f"].map((z) => `${region()}${z}`);
      return { id: region(), names, zoneIds: names.map((_, i) => `use1-az${i + 1}`), state: "available", groupNames: [region()] };
    }
    case "aws:index/getPartition:getPartition":
      return { id: "aws", partition: "aws", dnsSuffix: "amazonaws.com", reverseDnsPrefix: "com.amazonaws" };
    case "aws:ssm/getParameter:getParameter": {
      const name = String(inputs.name);
      if (!AL2023_AMI_PARAMETER.test(name)) throw new Error(`ParameterNotFound: ${name}`);
      return { id: name, name, type: "String", value: `ami-${digest(name).slice(0, 17)}`, version: 1, arn: arn("ssm", `parameter${name}`) };
    }
    default:
      throw new Error(`unmocked invoke ${args.token}: add it to tools/mocks.ts with a realistic answer`);
  }
}

function redact(value: unknown): unknown {
  if (pulumi.runtime.isRpcSecret(value)) return SECRET_PLACEHOLDER;
  if (Array.isArray(value)) return value.map(redact);
  if (value && typeof value === "object" && !(value instanceof pulumi.asset.Asset) && !(value instanceof pulumi.asset.Archive)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redact(v)]));
  }
  return value;
}

/** The URNs a resource also answers to (its `aliases`), as the engine would compute them from alias specs. */
function aliasUrns(req: RegisterResourceRequest, urn: string): { aliases?: string[] } {
  const urns = req.getAliasesList().map((alias) => {
    const spec = alias.getSpec();
    if (!spec) return alias.getUrn();
    const type = spec.getType() || req.getType();
    const name = spec.getName() || req.getName();
    const root = urn.slice(0, urn.indexOf("::", urn.indexOf("::") + 2) + 2);
    const parent = spec.getNoparent() ? "" : spec.getParenturn() || req.getParent();
    // A child's URN type is its parent's type chain, then its own.
    return parent ? `${root}${parent.slice(root.length, parent.lastIndexOf("::"))}$${type}::${name}` : `${root}${type}::${name}`;
  });
  return urns.length ? { aliases: urns.sort() } : {};
}

interface RegisterResourceRequest {
  getType(): string;
  getName(): string;
  getParent(): string;
  getCustom(): boolean;
  getProvider(): string;
  getProtect(): boolean;
  getRetainondelete(): boolean;
  getIgnorechangesList(): string[];
  getDependenciesList(): string[];
  getAliasesList(): { getUrn(): string; getSpec(): { getName(): string; getType(): string; getParenturn(): string; getNoparent(): boolean } | undefined }[];
  getObject(): Parameters<typeof pulumi.runtime.deserializeProperties>[0];
  setObject(value: unknown): void;
}

/** google-protobuf's Struct, as the SDK's own copy builds request objects. */
const { Struct } = createRequire(require.resolve("@pulumi/pulumi"))("google-protobuf/google/protobuf/struct_pb") as {
  Struct: { fromJavaScript(value: Record<string, unknown>): unknown };
};

/** Runs the stack transforms on a custom resource's inputs and puts the result back into the request. */
async function applyTransforms(req: RegisterResourceRequest, transforms: pulumi.ResourceTransform[]): Promise<void> {
  if (transforms.length === 0 || !req.getCustom()) return;
  let props = pulumi.runtime.deserializeProperties(req.getObject());
  let changed = false;
  for (const transform of transforms) {
    const result = await transform({ type: req.getType(), name: req.getName(), custom: true, props, opts: {} });
    if (result) [props, changed] = [result.props, true];
  }
  if (changed) req.setObject(Struct.fromJavaScript(await pulumi.runtime.serializeProperties("transform", props)));
}

const WITHOUT_STACK = Symbol.for("hft-platform.promiseWithoutStack");

/**
 * Pulumi's runtime captures and formats a stack trace for every promise it tracks
 * (runtime/debuggable.js), only to print it in the leak report that PULUMI_DEBUG_PROMISE_LEAKS asks
 * for: under the mocks that is a quarter of a render's program time. Without that variable the
 * stack is left out; the promises are tracked, and leaks reported, as before. Every caller in the
 * SDK reaches the function through the module's exports, so replacing the export reaches them all.
 */
function skipPromiseStacks(): void {
  if (process.env.PULUMI_DEBUG_PROMISE_LEAKS) return;
  const debuggable = createRequire(__filename)("@pulumi/pulumi/runtime/debuggable") as Record<string | symbol, unknown>;
  if (debuggable[WITHOUT_STACK]) return;
  const track = debuggable.debuggablePromise as (p: Promise<unknown>, ctx: unknown) => Promise<unknown>;
  debuggable.debuggablePromise = (p: Promise<unknown>, ctx: unknown) => {
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    try {
      return track(p, ctx);
    } finally {
      Error.stackTraceLimit = limit;
    }
  };
  debuggable[WITHOUT_STACK] = true;
}

/**
 * Installs the mocks for a stack and records every registration (with its parent, which the mock
 * callbacks themselves do not see) into the returned session.
 */
export async function installMocks(stack: string): Promise<MockSession> {
  skipPromiseStacks();
  const session: MockSession = { inventory: [], generatedSecrets: [], invokes: [] };
  // The mock monitor records stack transforms but never runs them (runtime/mocks.d.ts): they are run
  // here on each registration, before it is recorded, as the engine runs them before the provider sees it.
  const transforms: pulumi.ResourceTransform[] = [];
  await pulumi.runtime.setMocks(
    {
      newResource: (args) => {
        const inputs = args.inputs as Record<string, unknown>;
        const prefix = ID_PREFIXES[args.type];
        const id = prefix ? `${prefix}-${digest(args.type, args.name).slice(0, 17)}` : `${args.name}-id`;
        const state = { ...inputs, ...computedState(args.type, args.name, inputs, id, session) };
        // Some providers use a computed name as the id (an S3 bucket's id is its name).
        const idField = ID_FROM_STATE[args.type];
        return { id: idField ? String(state[idField]) : id, state };
      },
      call: (args) => {
        session.invokes.push({ token: args.token, inputs: args.inputs as Record<string, unknown> });
        return call(args);
      },
      registerTransform: (transform) => transforms.push(transform),
    },
    "hft-platform",
    stack,
    false,
  );

  const monitor = pulumi.runtime.getMonitor() as unknown as MockMonitor;
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req: RegisterResourceRequest, callback: (err: unknown, response: { getUrn(): string } | undefined) => void) =>
    applyTransforms(req, transforms).then(() => register(req, (err: unknown, response: { getUrn(): string } | undefined) => {
      if (!err && response) {
        const inputs = redact(pulumi.runtime.deserializeProperties(req.getObject())) as Record<string, unknown>;
        const userData = req.getType() === "aws:ec2/launchTemplate:LaunchTemplate" ? inputs.userData : undefined;
        session.inventory.push({
          urn: response.getUrn(),
          type: req.getType(),
          name: req.getName(),
          ...(req.getParent() ? { parent: req.getParent() } : {}),
          custom: req.getCustom(),
          ...(req.getProvider() ? { provider: req.getProvider() } : {}),
          ...(req.getProtect() ? { protect: true } : {}),
          ...(req.getRetainondelete() ? { retainOnDelete: true } : {}),
          ...(req.getIgnorechangesList().length ? { ignoreChanges: [...req.getIgnorechangesList()] } : {}),
          ...(req.getDependenciesList().length ? { dependsOn: [...req.getDependenciesList()].sort() } : {}),
          ...aliasUrns(req, response.getUrn()),
          inputs,
          ...(typeof userData === "string" && userData !== SECRET_PLACEHOLDER
            ? { decoded: { userData: Buffer.from(userData, "base64").toString("utf8") } }
            : {}),
        });
      }
      callback(err, response);
    }), (err: unknown) => callback(err, undefined));
  return session;
}
