/**
 * IAM: the policies the program writes grant named actions on named resources, and every role's trust
 * policy admits only the AWS service or the pod identity it serves. Policy documents are JSON strings
 * in the inputs; one built from ARNs unknown during preview is reported as undecidable by the engine.
 */
import { PolicyResource } from "@pulumi/policy";
import { ExemptionConfig, statementExemptions } from "../exemptions";
import { asArray, HftPolicy, resourceRule, stackRule } from "../rules";

export const IAM = {
  policy: "aws:iam/policy:Policy",
  rolePolicy: "aws:iam/rolePolicy:RolePolicy",
  userPolicy: "aws:iam/userPolicy:UserPolicy",
  groupPolicy: "aws:iam/groupPolicy:GroupPolicy",
  role: "aws:iam/role:Role",
  podIdentityAssociation: "aws:eks/podIdentityAssociation:PodIdentityAssociation",
  addon: "aws:eks/addon:Addon",
} as const;

export interface Statement {
  Sid?: string;
  Effect?: string;
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: string | string[];
  NotResource?: string | string[];
  Principal?: string | Record<string, string | string[]>;
  NotPrincipal?: unknown;
  Condition?: Record<string, Record<string, string | string[]>>;
}

/** The statements of a policy document given as JSON text or an object; undefined when it is neither. */
export function statements(document: unknown): Statement[] | undefined {
  let doc = document;
  if (typeof doc === "string") {
    try {
      doc = JSON.parse(doc);
    } catch {
      return undefined;
    }
  }
  if (typeof doc !== "object" || doc === null) return undefined;
  const s = (doc as { Statement?: Statement | Statement[] }).Statement;
  return Array.isArray(s) ? s : s ? [s] : [];
}

export const list = (v: string | string[] | undefined): string[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** `*` or a whole service (`s3:*`): every action, present and future. */
const wildcardAction = (a: string) => a === "*" || /^[a-z0-9-]+:\*$/i.test(a);

/** An exact exemption: the statement (by Sid) and the action/resource pairs in it. */
type Excused = (sid: string | undefined, action: string, resource: string) => boolean;

/**
 * What a statement allows too broadly, as action/resource pairs: a wildcard action on any resource, or
 * any action on resource `*`. A pair is excused only by an exemption naming this statement's Sid, the
 * action and the resource; NotAction and NotResource are never excused.
 */
function wildcardProblems(stmts: Statement[], excused: Excused): string[] {
  const problems: string[] = [];
  stmts.forEach((s, i) => {
    if (s.Effect !== "Allow") return;
    const label = `statement ${s.Sid ?? i}`;
    if (s.NotAction !== undefined) problems.push(`${label} allows everything but NotAction ${list(s.NotAction).join(", ")}`);
    if (s.NotResource !== undefined) problems.push(`${label} allows every resource but NotResource ${list(s.NotResource).join(", ")}`);
    const resources = list(s.Resource);
    const broad = list(s.Action).flatMap((action) => resources.filter((resource) => wildcardAction(action) || resource === "*").map((resource) => ({ action, resource })));
    const unexcused = broad.filter((p) => !excused(s.Sid, p.action, p.resource));
    if (unexcused.length > 0) problems.push(`${label} allows ${unexcused.map((p) => `${p.action} on ${p.resource}`).join(", ")}`);
  });
  return problems;
}

const iamNoWildcards = resourceRule<{ policy?: unknown; inlinePolicies?: { name?: string; policy?: unknown }[] }>(
  {
    name: "iam-no-wildcards",
    description:
      "The IAM policies the program creates allow no * action (nor service:*), no action on resource *, and no NotAction/NotResource, except action/resource pairs of one statement (by Sid) the stack's policy config exempts with a reason.",
    enforcementLevel: "mandatory",
    targetTypes: [IAM.policy, IAM.rolePolicy, IAM.userPolicy, IAM.groupPolicy, IAM.role],
  },
  (props, report, config, args) => {
    const exempt = statementExemptions((config as unknown as ExemptionConfig).exemptions, args.type, args.name);
    const excused: Excused = (sid, action, resource) => exempt.some((e) => e.statement.sid === sid && e.statement.actions.includes(action) && e.statement.resources.includes(resource));
    const documents = args.type === IAM.role ? asArray(props.inlinePolicies).map((p) => ({ label: `inline policy ${p.name ?? "?"}`, doc: p.policy })) : [{ label: "the policy", doc: props.policy }];
    // Only a role can hold no document: every other target type is judged by its one policy.
    if (documents.length === 0) args.notApplicable("the role has no inline policies");
    for (const { label, doc } of documents) {
      const stmts = statements(doc);
      if (stmts === undefined) {
        report(`${label} is not a JSON policy document.`);
        continue;
      }
      for (const problem of wildcardProblems(stmts, excused)) {
        report(`${label}: ${problem}: name the actions and resources, or exempt the exact statement, actions and resources with a reason in the stack's policy config.`);
      }
    }
  },
);

interface TrustConfig {
  allowedServices: string[];
}

const TRUST_ACTIONS = ["sts:AssumeRole", "sts:TagSession", "sts:AssumeRoleWithWebIdentity"];
const POD_IDENTITY = "pods.eks.amazonaws.com";

/** Problems with one role's trust policy; the services it trusts are added to `trusted`. */
function trustProblems(stmts: Statement[], config: TrustConfig, trusted: Set<string>): string[] {
  const problems: string[] = [];
  stmts.forEach((s, i) => {
    if (s.Effect !== "Allow") return;
    const label = `trust statement ${s.Sid ?? i}`;
    const extra = list(s.Action).filter((a) => !TRUST_ACTIONS.includes(a));
    if (extra.length > 0) problems.push(`${label} allows ${extra.join(", ")}, not only assuming the role`);
    if (s.NotPrincipal !== undefined || s.Principal === "*" || s.Principal === undefined) {
      problems.push(`${label} admits any principal`);
      return;
    }
    if (typeof s.Principal === "string") {
      problems.push(`${label} names principal ${s.Principal}`);
      return;
    }
    for (const [kind, value] of Object.entries(s.Principal)) {
      for (const principal of list(value)) {
        if (kind === "Service") {
          trusted.add(principal);
          if (!config.allowedServices.includes(principal)) problems.push(`${label} trusts service ${principal}, not in allowedServices`);
        } else if (kind === "Federated") {
          // An OIDC (IRSA) trust must pin the service account in a :sub condition, or every pod in the cluster can assume it.
          const pinned = Object.values(s.Condition ?? {}).some((c) => Object.keys(c).some((k) => k.endsWith(":sub")));
          if (!pinned) problems.push(`${label} trusts ${principal} without a :sub condition naming the service account`);
        } else problems.push(`${label} trusts ${kind} ${principal === "*" ? "*" : "principal"} ${principal}`);
      }
    }
  });
  if (trusted.size > 1) problems.push(`it trusts ${trusted.size} services (${[...trusted].join(", ")}): a role serves one`);
  return problems;
}

/** Whether a pod identity association (or an add-on's association) takes its role ARN from this role. */
function boundToPods(role: PolicyResource, resources: PolicyResource[]): boolean {
  return resources.some((r) => (r.type === IAM.podIdentityAssociation || r.type === IAM.addon) && r.dependencies.some((d) => d.urn === role.urn));
}

const iamRoleTrustScoped = stackRule<TrustConfig>(
  {
    name: "iam-role-trust-scoped",
    description: "Every IAM role's trust policy admits only the one AWS service it serves (from allowedServices) or a pinned pod identity, and a role trusting EKS Pod Identity is bound by an association: no account, user or * principals.",
    enforcementLevel: "mandatory",
    targetTypes: [IAM.role],
    configSchema: {
      properties: {
        allowedServices: {
          type: "array",
          items: { type: "string", pattern: "^[a-z0-9.-]+\\.amazonaws\\.com$" },
          minItems: 1,
          uniqueItems: true,
          default: ["ec2.amazonaws.com", "eks.amazonaws.com", POD_IDENTITY, "vpc-flow-logs.amazonaws.com"],
          description: "AWS service principals roles may trust.",
        },
      },
    },
  },
  (resources, report, config) => {
    for (const role of resources.filter((r) => r.type === IAM.role)) {
      const stmts = statements((role.props as { assumeRolePolicy?: unknown }).assumeRolePolicy);
      if (stmts === undefined) {
        report(`role ${role.name}'s assumeRolePolicy is not a JSON policy document.`, role.urn);
        continue;
      }
      const trusted = new Set<string>();
      for (const problem of trustProblems(stmts, config, trusted)) report(`role ${role.name}: ${problem}.`, role.urn);
      if (trusted.has(POD_IDENTITY) && !boundToPods(role, resources)) {
        report(`role ${role.name} trusts EKS Pod Identity but no PodIdentityAssociation or add-on association uses it: bind it to the one service account it serves.`, role.urn);
      }
    }
  },
);

export const iamPolicies: HftPolicy[] = [iamNoWildcards, iamRoleTrustScoped];
