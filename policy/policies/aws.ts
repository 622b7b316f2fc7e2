import { PolicyResource, ResourceValidationArgs } from "@pulumi/policy";
import { asArray, has, HftPolicy, KMS_KEY_ARN, knownValue, shown, OPEN_CIDRS, requireComponentInputs, resourceRule, stackRule } from "../rules";
import { EngineNodeGroup, isEngineNodeGroup, NODE_GROUP_NAMES_SCHEMA } from "./engine-nodes";
import { list } from "./iam";

export const AWS = {
  eksCluster: "aws:eks/cluster:Cluster",
  eksComponent: "eks:index:Cluster",
  nodeGroup: "aws:eks/nodeGroup:NodeGroup",
  launchTemplate: "aws:ec2/launchTemplate:LaunchTemplate",
  securityGroup: "aws:ec2/securityGroup:SecurityGroup",
  securityGroupRule: "aws:ec2/securityGroupRule:SecurityGroupRule",
  ingressRule: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
  bucket: "aws:s3/bucket:Bucket",
  bucketV2: "aws:s3/bucketV2:BucketV2",
  bucketAcl: "aws:s3/bucketAcl:BucketAcl",
  bucketAclV2: "aws:s3/bucketAclV2:BucketAclV2",
  publicAccessBlock: "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
  encryption: "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
  encryptionV2: "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2",
} as const;

/**
 * The EKS settings the rules judge, from either the aws:eks/cluster:Cluster resource (seen at a real
 * preview) or the eks:index:Cluster component's inputs (seen only offline, see pulumi/pulumi#10533).
 */
interface EksSettings {
  logTypes?: string[];
  /** Whether an encryption key is configured. */
  hasKey: boolean;
  /** The key's ARN when known (it is unknown during preview until the key exists). */
  keyArn?: unknown;
  encryptedResources?: string[];
  publicAccess?: boolean;
  privateAccess?: boolean;
  publicAccessCidrs?: string[];
}

interface AwsEksCluster {
  enabledClusterLogTypes?: string[];
  encryptionConfig?: { provider?: object; resources?: string[] };
  vpcConfig?: { endpointPublicAccess?: boolean; endpointPrivateAccess?: boolean; publicAccessCidrs?: string[] };
}

interface EksComponent {
  enabledClusterLogTypes?: string[];
  encryptionConfigKeyArn?: string;
  endpointPublicAccess?: boolean;
  endpointPrivateAccess?: boolean;
  publicAccessCidrs?: string[];
}

function eksSettings(props: object, args: ResourceValidationArgs): EksSettings {
  if (args.type === AWS.eksComponent) {
    requireComponentInputs(props, args);
    const c = props as EksComponent;
    return {
      logTypes: c.enabledClusterLogTypes,
      hasKey: has(c, "encryptionConfigKeyArn"),
      keyArn: knownValue(c, "encryptionConfigKeyArn"),
      // The component encrypts Kubernetes secrets with the key it is given (read only when there is one).
      encryptedResources: ["secrets"],
      publicAccess: c.endpointPublicAccess,
      privateAccess: c.endpointPrivateAccess,
      publicAccessCidrs: c.publicAccessCidrs,
    };
  }
  const c = props as AwsEksCluster;
  return {
    logTypes: c.enabledClusterLogTypes,
    hasKey: has(c.encryptionConfig?.provider, "keyArn"),
    keyArn: knownValue(c.encryptionConfig?.provider, "keyArn"),
    encryptedResources: c.encryptionConfig?.resources,
    publicAccess: c.vpcConfig?.endpointPublicAccess,
    privateAccess: c.vpcConfig?.endpointPrivateAccess,
    publicAccessCidrs: c.vpcConfig?.publicAccessCidrs,
  };
}

const EKS_TYPES = [AWS.eksCluster, AWS.eksComponent];
const ALL_LOG_TYPES = ["api", "audit", "authenticator", "controllerManager", "scheduler"];

const eksControlPlaneLogging = resourceRule<object, { requiredLogTypes: string[] }>(
  {
    name: "eks-control-plane-logging",
    description: "EKS clusters send every control-plane log type (api, audit, authenticator, controllerManager, scheduler) to CloudWatch: set enabledClusterLogTypes.",
    enforcementLevel: "mandatory",
    targetTypes: EKS_TYPES,
    configSchema: {
      properties: {
        requiredLogTypes: {
          type: "array",
          items: { type: "string", enum: ALL_LOG_TYPES },
          uniqueItems: true,
          default: ALL_LOG_TYPES,
          description: "Control-plane log types that must be enabled.",
        },
      },
    },
  },
  (props, report, config, args) => {
    const enabled = asArray(eksSettings(props, args).logTypes);
    const missing = config.requiredLogTypes.filter((t) => !enabled.includes(t));
    if (missing.length > 0) report(`control-plane logging is off for ${missing.join(", ")}: add them to enabledClusterLogTypes.`);
  },
);

const eksSecretsEncryption = resourceRule<object>(
  {
    name: "eks-secrets-encryption",
    description: "EKS clusters envelope-encrypt Kubernetes secrets with a KMS key given by its key ARN: set encryptionConfig {provider.keyArn, resources: [secrets]} (encryptionConfigKeyArn on eks.Cluster).",
    enforcementLevel: "mandatory",
    targetTypes: EKS_TYPES,
  },
  (props, report, _config, args) => {
    const settings = eksSettings(props, args);
    if (!settings.hasKey) report("no KMS key encrypts Kubernetes secrets: set the cluster's encryption key.");
    else if (settings.keyArn !== undefined && !(typeof settings.keyArn === "string" && KMS_KEY_ARN.test(settings.keyArn))) {
      report(`the secrets encryption key is "${shown(settings.keyArn)}", not a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>): set it to the platform key's ARN.`);
    } else if (!asArray(settings.encryptedResources).includes("secrets")) report(`encryptionConfig.resources is [${asArray(settings.encryptedResources).join(", ")}]: it must include "secrets".`);
  },
);

interface EndpointConfig {
  requirePrivateEndpoint: boolean;
}

const eksEndpointAccess = resourceRule<object, EndpointConfig>(
  {
    name: "eks-endpoint-access",
    description: "The EKS API endpoint is private-only where requirePrivateEndpoint is set (prod), and elsewhere any public endpoint is limited to publicAccessCidrs that are not 0.0.0.0/0.",
    enforcementLevel: "mandatory",
    targetTypes: EKS_TYPES,
    configSchema: {
      properties: {
        requirePrivateEndpoint: { type: "boolean", default: false, description: "Whether the API endpoint must be reachable from the VPC only." },
      },
    },
  },
  (props, report, config, args) => {
    const settings = eksSettings(props, args);
    // AWS defaults: public endpoint on, private endpoint off, public CIDRs 0.0.0.0/0.
    const publicAccess = settings.publicAccess ?? true;
    const privateAccess = settings.privateAccess ?? false;
    if (config.requirePrivateEndpoint) {
      if (publicAccess) report("the API endpoint is public: set endpointPublicAccess: false for this stack.");
      if (!privateAccess) report("the API endpoint is not reachable from the VPC: set endpointPrivateAccess: true.");
      return;
    }
    if (!publicAccess) return;
    const cidrs = settings.publicAccessCidrs ?? ["0.0.0.0/0"];
    const open = cidrs.filter((c) => OPEN_CIDRS.includes(c));
    if (open.length > 0) report(`the public API endpoint is open to ${open.join(", ")}: limit publicAccessCidrs to known ranges.`);
  },
);

interface LaunchTemplateMetadata {
  metadataOptions?: { httpEndpoint?: string; httpTokens?: string; httpPutResponseHopLimit?: number };
}

const launchTemplateImdsv2 = resourceRule<LaunchTemplateMetadata, { maxHopLimit: number }>(
  {
    name: "launch-template-imdsv2",
    description: 'Launch templates require IMDSv2 (metadataOptions.httpTokens "required") with a hop limit no higher than maxHopLimit (default 2).',
    enforcementLevel: "mandatory",
    targetTypes: [AWS.launchTemplate],
    configSchema: {
      properties: {
        maxHopLimit: { type: "integer", minimum: 1, maximum: 64, default: 2, description: "Largest httpPutResponseHopLimit; 1 keeps pods off the node's metadata." },
      },
    },
  },
  (template, report, config) => {
    const options = template.metadataOptions;
    // With the metadata service off there is nothing to protect.
    if (options?.httpEndpoint === "disabled") return;
    if (options?.httpTokens !== "required") report(`IMDSv1 is allowed (httpTokens is ${options?.httpTokens ?? "unset, which means optional"}): set metadataOptions.httpTokens: "required".`);
    const hops = options?.httpPutResponseHopLimit;
    // An unset limit is never above the bound (its minimum is 1).
    if ((hops ?? 0) > config.maxHopLimit) report(`metadataOptions.httpPutResponseHopLimit ${hops} is above ${config.maxHopLimit}: lower it.`);
  },
);

interface EngineInstanceConfig {
  allowedFamilies: string[];
  requireMetal: boolean;
  nodeGroupNames: string[];
}

const engineNodeInstanceTypes = resourceRule<EngineNodeGroup, EngineInstanceConfig>(
  {
    name: "engine-node-instance-types",
    description: "The engine node group (by name, or label node-type=high-performance) sets instanceTypes from the allowed families (default c6i), and bare-metal (.metal) sizes where requireMetal is set (prod).",
    enforcementLevel: "mandatory",
    targetTypes: [AWS.nodeGroup],
    configSchema: {
      properties: {
        allowedFamilies: {
          type: "array",
          items: { type: "string", pattern: "^[a-z0-9-]+$" },
          minItems: 1,
          uniqueItems: true,
          default: ["c6i"],
          description: "Instance families the engine may run on.",
        },
        requireMetal: { type: "boolean", default: false, description: "Whether engine nodes must be bare metal (no hypervisor jitter)." },
        nodeGroupNames: NODE_GROUP_NAMES_SCHEMA,
      },
    },
  },
  (nodeGroup, report, config, args) => {
    if (!isEngineNodeGroup(args.name, nodeGroup, config.nodeGroupNames)) args.notApplicable("not the engine node group");
    const types = asArray(nodeGroup.instanceTypes);
    if (types.length === 0) report("the engine node group sets no instanceTypes: set them on the node group.");
    for (const type of types) {
      const [family, size] = type.split(".", 2);
      if (!config.allowedFamilies.includes(family)) report(`instance type ${type} is not in the allowed families ${config.allowedFamilies.join(", ")}.`);
      if (config.requireMetal && size !== "metal") report(`instance type ${type} is not bare metal: use ${family}.metal for this stack.`);
    }
  },
);

interface PublicIngressConfig {
  publicPorts: number[];
}

interface Permission {
  label: string;
  protocol?: string;
  fromPort?: number;
  toPort?: number;
  cidrs: string[];
}

/** Ingress permissions of the three ways to write one, in one shape. */
function ingressPermissions(type: string, props: Record<string, unknown>): Permission[] {
  if (type === AWS.securityGroup) {
    const rules = asArray(props.ingress as { protocol?: string; fromPort?: number; toPort?: number; cidrBlocks?: string[]; ipv6CidrBlocks?: string[] }[] | undefined);
    return rules.map((r, i) => ({ label: `ingress[${i}]`, ...r, cidrs: [...asArray(r.cidrBlocks), ...asArray(r.ipv6CidrBlocks)] }));
  }
  if (type === AWS.securityGroupRule) {
    const r = props as { type?: string; protocol?: string; fromPort?: number; toPort?: number; cidrBlocks?: string[]; ipv6CidrBlocks?: string[] };
    if (r.type !== "ingress") return [];
    return [{ label: "the rule", ...r, cidrs: [...asArray(r.cidrBlocks), ...asArray(r.ipv6CidrBlocks)] }];
  }
  const r = props as { ipProtocol?: string; fromPort?: number; toPort?: number; cidrIpv4?: string; cidrIpv6?: string };
  return [
    {
      label: "the rule",
      protocol: r.ipProtocol,
      fromPort: r.fromPort,
      toPort: r.toPort,
      cidrs: [...list(r.cidrIpv4), ...list(r.cidrIpv6)],
    },
  ];
}

const securityGroupNoPublicIngress = resourceRule<Record<string, unknown>, PublicIngressConfig>(
  {
    name: "security-group-no-public-ingress",
    description: "No security group admits 0.0.0.0/0 or ::/0 except on the stack's publicPorts (load-balancer listeners, TCP): narrow the source to a CIDR or security group.",
    enforcementLevel: "mandatory",
    targetTypes: [AWS.securityGroup, AWS.securityGroupRule, AWS.ingressRule],
    configSchema: {
      properties: {
        publicPorts: {
          type: "array",
          items: { type: "integer", minimum: 1, maximum: 65535 },
          uniqueItems: true,
          default: [],
          description: "TCP ports that may be open to any address (load-balancer listeners).",
        },
      },
    },
  },
  (props, report, config, args) => {
    for (const permission of ingressPermissions(args.type, props)) {
      const open = permission.cidrs.filter((c) => OPEN_CIDRS.includes(c));
      if (open.length === 0) continue;
      const port = permission.fromPort;
      const listener = permission.protocol?.toLowerCase() === "tcp" && port === permission.toPort && config.publicPorts.some((p) => p === port);
      if (!listener) {
        const ports = permission.protocol === "-1" ? "all traffic" : `${permission.protocol ?? "?"} ${permission.fromPort ?? "?"}-${permission.toPort ?? "?"}`;
        report(`${permission.label} admits ${open.join(", ")} on ${ports}: only publicPorts ${config.publicPorts.join(", ") || "(none)"} may be public.`);
      }
    }
  },
);

const BUCKET_TYPES: readonly string[] = [AWS.bucket, AWS.bucketV2];
const KMS_KEY = "aws:kms/key:Key";

/** Bucket-level resources name their bucket by its id, so the engine records a dependency on it; a literal name would not be decidable during preview. */
function attachedTo(bucket: PolicyResource, resources: PolicyResource[], types: readonly string[]): PolicyResource[] {
  return resources.filter((r) => types.includes(r.type) && r.dependencies.some((d) => d.urn === bucket.urn));
}

const PUBLIC_ACCESS_FLAGS = ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"] as const;

const s3PublicAccessBlock = stackRule(
  {
    name: "s3-bucket-public-access-block",
    description: "Every S3 bucket has a BucketPublicAccessBlock with all four flags true, referencing the bucket resource: add one.",
    enforcementLevel: "mandatory",
    targetTypes: BUCKET_TYPES,
  },
  (resources, report) => {
    for (const bucket of resources.filter((r) => BUCKET_TYPES.includes(r.type))) {
      const blocks = attachedTo(bucket, resources, [AWS.publicAccessBlock]);
      const complete = blocks.some((b) => PUBLIC_ACCESS_FLAGS.every((flag) => (b.props as Record<string, unknown>)[flag] === true));
      if (blocks.length === 0) report(`bucket ${bucket.name} has no BucketPublicAccessBlock: add one with all four flags true.`, bucket.urn);
      else if (!complete) {
        const props = blocks[0].props as Record<string, unknown>;
        const off = PUBLIC_ACCESS_FLAGS.filter((flag) => props[flag] !== true).map((flag) => `${flag} ${props[flag] === undefined ? "unset" : shown(props[flag])}`);
        report(`bucket ${bucket.name}'s BucketPublicAccessBlock does not set all of ${PUBLIC_ACCESS_FLAGS.join(", ")} to true (${off.join(", ")}).`, bucket.urn);
      }
    }
  },
);

interface EncryptionConfig {
  allowedAlgorithms: string[];
}

interface SseRule {
  applyServerSideEncryptionByDefault?: { sseAlgorithm?: string; kmsMasterKeyId?: string };
}

/** What is wrong with one bucket's encryption configuration, judged against the stack's KMS keys; undefined when right. */
function encryptionProblem(config: PolicyResource, keys: PolicyResource[], allowed: string[]): string | undefined {
  const rules = asArray((config.props as { rules?: SseRule[] }).rules);
  if (rules.length === 0) return "its encryption configuration has no rules";
  for (const rule of rules) {
    const sse = rule.applyServerSideEncryptionByDefault;
    const algorithm = sse?.sseAlgorithm;
    if (!allowed.some((a) => a === algorithm)) {
      return `it is encrypted with ${algorithm ?? "no default algorithm"}${algorithm === "AES256" ? " (SSE-S3, keys AWS holds)" : ""}, not ${allowed.join(" or ")}`;
    }
    if (!has(sse, "kmsMasterKeyId")) return "its SSE-KMS rule names no kmsMasterKeyId, so AWS uses its managed key aws/s3";
    const key = knownValue(sse, "kmsMasterKeyId");
    if (key !== undefined && !(typeof key === "string" && KMS_KEY_ARN.test(key))) return `its kmsMasterKeyId is "${shown(key)}", not the ARN of a KMS key`;
  }
  // The key ARN comes from a key the stack creates, so the engine records the dependency; a literal ARN has none.
  if (!config.dependencies.some((d) => keys.some((k) => k.urn === d.urn))) return "its kmsMasterKeyId does not come from a KMS key of this stack";
  return undefined;
}

const s3Encryption = stackRule<EncryptionConfig>(
  {
    name: "s3-bucket-encryption",
    description: "Every S3 bucket has a BucketServerSideEncryptionConfiguration referencing it whose default is SSE-KMS (allowedAlgorithms) with kmsMasterKeyId the ARN of a KMS key this stack creates: not SSE-S3, not the AWS-managed aws/s3 key.",
    enforcementLevel: "mandatory",
    targetTypes: BUCKET_TYPES,
    configSchema: {
      properties: {
        allowedAlgorithms: {
          type: "array",
          items: { type: "string", enum: ["aws:kms", "aws:kms:dsse", "AES256"] },
          minItems: 1,
          uniqueItems: true,
          default: ["aws:kms", "aws:kms:dsse"],
          description: "Default encryption algorithms a bucket may use; AES256 is SSE-S3, whose keys the stack cannot restrict.",
        },
      },
    },
  },
  (resources, report, config) => {
    // The bucket's own serverSideEncryptionConfiguration is not evidence: stack rules see outputs, and
    // AWS reports its default SSE-S3 there for every bucket.
    const keys = resources.filter((r) => r.type === KMS_KEY);
    for (const bucket of resources.filter((r) => BUCKET_TYPES.includes(r.type))) {
      const configs = attachedTo(bucket, resources, [AWS.encryption, AWS.encryptionV2]);
      if (configs.length === 0) {
        report(`bucket ${bucket.name} has no server-side encryption configuration: add a BucketServerSideEncryptionConfiguration with sseAlgorithm aws:kms and the stack's key.`, bucket.urn);
        continue;
      }
      for (const c of configs) {
        const problem = encryptionProblem(c, keys, config.allowedAlgorithms);
        if (problem) report(`bucket ${bucket.name}: ${problem}. Set sseAlgorithm ${config.allowedAlgorithms[0]} with kmsMasterKeyId from the stack's aws.kms.Key.`, bucket.urn);
      }
    }
  },
);

const PUBLIC_ACLS = ["public-read", "public-read-write", "authenticated-read"];
const PUBLIC_GRANTEES = ["http://acs.amazonaws.com/groups/global/AllUsers", "http://acs.amazonaws.com/groups/global/AuthenticatedUsers"];

interface BucketAclProps {
  acl?: string;
  grants?: { uri?: string }[];
  accessControlPolicy?: { grants?: { grantee?: { uri?: string } }[] };
}

const s3NoPublicAcl = resourceRule<BucketAclProps>(
  {
    name: "s3-bucket-no-public-acl",
    description: "No S3 bucket or bucket ACL grants public or any-AWS-account access (acl public-read, public-read-write, authenticated-read, or AllUsers grants): keep it private.",
    enforcementLevel: "mandatory",
    targetTypes: [...BUCKET_TYPES, AWS.bucketAcl, AWS.bucketAclV2],
  },
  (props, report) => {
    if (PUBLIC_ACLS.some((a) => a === props.acl)) report(`acl ${props.acl} makes the bucket readable outside the account: remove it.`);
    const grantees = [...asArray(props.grants).map((g) => g.uri), ...asArray(props.accessControlPolicy?.grants).map((g) => g.grantee?.uri)];
    for (const uri of grantees) {
      if (PUBLIC_GRANTEES.some((g) => g === uri)) report(`a grant to ${uri} makes the bucket public: remove it.`);
    }
  },
);

export const awsPolicies: HftPolicy[] = [
  eksControlPlaneLogging,
  eksSecretsEncryption,
  eksEndpointAccess,
  launchTemplateImdsv2,
  engineNodeInstanceTypes,
  securityGroupNoPublicIngress,
  s3PublicAccessBlock,
  s3Encryption,
  s3NoPublicAcl,
];
