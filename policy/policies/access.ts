/**
 * Who gets what beyond the program's own policy documents: the managed policies attached to each role,
 * and which principals reach the cluster's Kubernetes API through EKS access entries with which access
 * policies.
 */
import { PolicyResource } from "@pulumi/policy";
import { HftPolicy, stackRule } from "../rules";
import { AWS } from "./aws";
import { IAM } from "./iam";

export const ACCESS = {
  rolePolicyAttachment: "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
  accessEntry: "aws:eks/accessEntry:AccessEntry",
  accessPolicyAssociation: "aws:eks/accessPolicyAssociation:AccessPolicyAssociation",
} as const;

/** What one role may have attached: AWS managed policies by name (with path), and the stack's own policies by resource name. */
interface RoleAttachments {
  awsManaged?: string[];
  stackPolicies?: string[];
}

interface ManagedPolicyConfig {
  allowedAttachments: Record<string, RoleAttachments>;
}

/** `arn:<partition>:iam::aws:policy/<path/name>` -> `<path/name>`; undefined for a customer policy. */
function awsManagedName(arn: string): string | undefined {
  return /^arn:[a-z-]+:iam::aws:policy\/(.+)$/.exec(arn)?.[1];
}

const describe = (allowed: RoleAttachments) => {
  const names = [...(allowed.awsManaged ?? []), ...(allowed.stackPolicies ?? []).map((p) => `stack policy ${p}`)];
  return names.length > 0 ? `only ${names.join(", ")}` : "none";
};

const managedPoliciesAllowed = stackRule<ManagedPolicyConfig>(
  {
    name: "iam-managed-policies-allowed",
    description: "Every managed policy attached to a role the program creates (RolePolicyAttachment, or the role's managedPolicyArns) is in that role's entry of this rule's allowedAttachments: AWS managed policies by name, the stack's own aws:iam/policy:Policy resources by resource name.",
    enforcementLevel: "mandatory",
    targetTypes: [IAM.role, ACCESS.rolePolicyAttachment],
    configSchema: {
      properties: {
        allowedAttachments: {
          type: "object",
          default: {},
          description: "Per role (Pulumi resource name): { awsManaged: [AWS managed policy names, with path], stackPolicies: [aws:iam/policy:Policy resource names] }. A role not listed may have none.",
          additionalProperties: {
            type: "object",
            properties: {
              awsManaged: { type: "array", items: { type: "string", pattern: "^[A-Za-z0-9+=,.@_/-]+$" }, uniqueItems: true },
              stackPolicies: { type: "array", items: { type: "string", minLength: 1 }, uniqueItems: true },
            },
            additionalProperties: false,
          },
        },
      },
    },
  },
  (resources, report, config) => {
    const allowedFor = (role: string): RoleAttachments => config.allowedAttachments[role] ?? {};
    /** An attached policy the stack creates, known by its resource name. */
    const judgeStackPolicy = (role: string, policy: string, urn: string) => {
      const allowed = allowedFor(role);
      if (!allowed.stackPolicies?.includes(policy)) report(`role ${role} attaches stack policy ${policy}; this stack's policy config allows it ${describe(allowed)}.`, urn);
    };
    /** An attached policy known by its ARN: an AWS managed one by name, any other is foreign. */
    const judgeArn = (role: string, arn: string, urn: string) => {
      const allowed = allowedFor(role);
      const name = awsManagedName(arn);
      if (name === undefined) report(`role ${role} attaches ${arn}, which is neither an AWS managed policy nor one this stack creates; this stack's policy config allows it ${describe(allowed)}.`, urn);
      else if (!allowed.awsManaged?.includes(name)) report(`role ${role} attaches AWS managed policy ${name}; this stack's policy config allows it ${describe(allowed)}.`, urn);
    };
    for (const attachment of resources.filter((r) => r.type === ACCESS.rolePolicyAttachment)) {
      const deps = attachment.dependencies;
      const role = deps.find((d) => d.type === IAM.role)?.name ?? String((attachment.props as { role?: unknown }).role);
      const stackPolicy = deps.find((d) => d.type === IAM.policy)?.name;
      // A stack policy's ARN is unknown until it exists: the dependency names it; only an ARN from elsewhere is read.
      if (stackPolicy !== undefined) judgeStackPolicy(role, stackPolicy, attachment.urn);
      else judgeArn(role, String((attachment.props as { policyArn?: unknown }).policyArn), attachment.urn);
    }
    for (const role of resources.filter((r) => r.type === IAM.role)) {
      for (const arn of (role.props as { managedPolicyArns?: string[] }).managedPolicyArns ?? []) judgeArn(role.name, arn, role.urn);
    }
  },
);

/** An access entry as the rule reads it, from the eks component's inputs or the aws:eks resources. */
interface Entry {
  label: string;
  urn: string;
  principalArn: string;
  type: string;
  kubernetesGroups: string[];
  policies: string[];
}

interface AllowedPrincipal {
  arn: string;
  accessPolicies: string[];
  reason: string;
}

interface AccessConfig {
  principals: AllowedPrincipal[];
  nodeRoles: string[];
  nodeEntryType: string;
}

interface ComponentEntry {
  principalArn?: string;
  type?: string;
  kubernetesGroups?: string[];
  accessPolicies?: Record<string, { policyArn?: string }>;
}

/** `arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy` -> `AmazonEKSViewPolicy`. */
const policyName = (arn: string) => arn.slice(arn.lastIndexOf("/") + 1);

/** The entries the stack declares: the component's inputs offline, its aws:eks children at a real preview. */
function accessEntries(resources: PolicyResource[]): Entry[] {
  const entries: Entry[] = [];
  // At a real preview the component arrives without inputs (pulumi/pulumi#10533) and its aws:eks children are judged instead.
  for (const cluster of resources.filter((r) => r.type === AWS.eksComponent)) {
    const declared = (cluster.props as { accessEntries?: Record<string, ComponentEntry> }).accessEntries ?? {};
    for (const [key, e] of Object.entries(declared)) {
      entries.push({
        label: `access entry ${key}`,
        urn: cluster.urn,
        principalArn: e.principalArn ?? "?",
        type: e.type ?? "STANDARD",
        kubernetesGroups: e.kubernetesGroups ?? [],
        policies: Object.values(e.accessPolicies ?? {}).map((p) => policyName(p.policyArn ?? "?")),
      });
    }
  }
  const associations = resources.filter((r) => r.type === ACCESS.accessPolicyAssociation).map((r) => r.props as { principalArn?: string; policyArn?: string });
  for (const entry of resources.filter((r) => r.type === ACCESS.accessEntry)) {
    const props = entry.props as ComponentEntry;
    const principalArn = props.principalArn ?? "?";
    entries.push({
      label: `access entry ${entry.name}`,
      urn: entry.urn,
      principalArn,
      type: props.type ?? "STANDARD",
      kubernetesGroups: props.kubernetesGroups ?? [],
      policies: associations.filter((a) => a.principalArn === principalArn).map((a) => policyName(a.policyArn ?? "?")),
    });
  }
  return entries;
}

/** A node role's ARN names it as created (`hft-node`) or auto-named by Pulumi (`hft-node-1a2b3c4`). */
function isNodeRole(principalArn: string, nodeRoles: string[]): boolean {
  const roleName = principalArn.slice(principalArn.lastIndexOf("/") + 1);
  return nodeRoles.some((n) => roleName === n || new RegExp(`^${n.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}-[0-9a-f]{7,8}$`).test(roleName));
}

const eksAccessEntries = stackRule<AccessConfig>(
  {
    name: "eks-access-entries",
    description: "EKS access entries go only to this rule's principals (the stack file's CI roles and cluster.adminRoleArns), each with only its listed access policies and no Kubernetes groups, and to the node roles as type EC2_LINUX with no access policy.",
    enforcementLevel: "mandatory",
    targetTypes: [AWS.eksComponent, ACCESS.accessEntry, ACCESS.accessPolicyAssociation],
    configSchema: {
      properties: {
        principals: {
          type: "array",
          default: [],
          description: "Principals that may have a STANDARD access entry, each with the access policies (names) it may hold and why.",
          items: {
            type: "object",
            properties: {
              arn: { type: "string", pattern: "^arn:[a-z-]+:iam::[0-9]{12}:(role|user)/.+$" },
              accessPolicies: { type: "array", items: { type: "string", pattern: "^AmazonEKS[A-Za-z]+Policy$" }, uniqueItems: true },
              reason: { type: "string", minLength: 20 },
            },
            required: ["arn", "accessPolicies", "reason"],
            additionalProperties: false,
          },
        },
        nodeRoles: {
          type: "array",
          items: { type: "string", minLength: 1 },
          uniqueItems: true,
          default: ["hft-node"],
          description: "The stack's node roles (Pulumi resource names): their entries are node entries.",
        },
        nodeEntryType: { type: "string", enum: ["EC2_LINUX"], default: "EC2_LINUX", description: "The access entry type of a Linux node role." },
      },
    },
  },
  (resources, report, config) => {
    for (const e of accessEntries(resources)) {
      const node = isNodeRole(e.principalArn, config.nodeRoles);
      if (node || e.type !== "STANDARD") {
        // A node entry gets the node permissions from EKS itself; an access policy or group on it would widen every node.
        if (!node) report(`${e.label} (${e.principalArn}) is type ${e.type} but its role is none of this stack's node roles (${config.nodeRoles.join(", ")}).`, e.urn);
        else if (e.type !== config.nodeEntryType) report(`${e.label} for node role ${e.principalArn} is type ${e.type}; this stack's policy config wants ${config.nodeEntryType}.`, e.urn);
        if (e.policies.length > 0 || e.kubernetesGroups.length > 0) {
          report(`${e.label} for ${e.principalArn} holds ${[...e.policies, ...e.kubernetesGroups.map((g) => `group ${g}`)].join(", ")}; a node entry holds no access policy and no group.`, e.urn);
        }
        continue;
      }
      const allowed = config.principals.find((p) => p.arn === e.principalArn);
      if (allowed === undefined) {
        report(`${e.label} gives ${e.principalArn} access to the cluster; this stack's policy config names only ${config.principals.map((p) => p.arn).join(", ") || "no principal"}.`, e.urn);
        continue;
      }
      for (const policy of e.policies.filter((p) => !allowed.accessPolicies.includes(p))) {
        report(`${e.label} gives ${e.principalArn} ${policy}; this stack's policy config allows it only ${allowed.accessPolicies.join(", ") || "no access policy"}.`, e.urn);
      }
      if (e.kubernetesGroups.length > 0) report(`${e.label} puts ${e.principalArn} in Kubernetes groups ${e.kubernetesGroups.join(", ")}; access goes through the listed access policies only.`, e.urn);
    }
  },
);

export const accessPolicies: HftPolicy[] = [managedPoliciesAllowed, eksAccessEntries];
