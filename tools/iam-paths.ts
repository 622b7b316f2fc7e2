/**
 * IAM evaluation of the policies as rendered: the bucket policies, key policies, trust policies
 * and role policies in an inventory, judged by @cloud-copilot/iam-simulate (identity and resource
 * policies, every condition operator including `…IfExists` and `Null`, same- and cross-account
 * rules, KMS key-policy trust). Each path is a request a real client makes (or must not be able
 * to make) with the decision it must get; a path that gets another decision is a violation.
 */
import { readFileSync } from "node:fs";
import { createValidatedPolicy, validateIdentityPolicy, validateResourcePolicy } from "@cloud-copilot/iam-policy";
import { runSimulation, runUnsafeSimulation } from "@cloud-copilot/iam-simulate";
import { cachedVerdict, contentKey, dependenciesKey } from "./build-cache";
import { CSI_DRIVER_IAM } from "./data/csi-driver-iam";
import { InventoryEntry } from "./inventory";

export type Decision = "Allowed" | "ExplicitlyDenied" | "ImplicitlyDenied";
export type PolicyDocument = { Version?: string; Statement: unknown[] };
export interface NamedPolicy {
  name: string;
  policy: PolicyDocument;
}

export interface IamRequest {
  /** A role session (`arn:aws:sts::<account>:assumed-role/<role>/<session>`), a user or account, or a service principal. */
  principal: string;
  action: string;
  resource: string;
  /** Account owning the resource. */
  resourceAccount: string;
  context?: Record<string, string | string[]>;
  identityPolicies: NamedPolicy[];
  resourcePolicy?: PolicyDocument;
}

export interface IamPath {
  /** What is asked, in words: "<who>: <action> <what> (<how>)". */
  path: string;
  expected: "Allowed" | "Denied";
  request: IamRequest;
}

export interface IamPathResult {
  path: string;
  expected: "Allowed" | "Denied";
  actual: Decision;
}

export interface IamReport {
  checked: number;
  results: IamPathResult[];
  violations: IamPathResult[];
  /** Roles whose attached AWS managed policies the model does not hold: their permissions were not evaluated. */
  notEvaluated: string[];
}

/**
 * The key policy AWS gives a key created without one: the account (its IAM policies) decides.
 * https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html (read 2026-11-30).
 */
export function defaultKeyPolicy(account: string): PolicyDocument {
  return {
    Version: "2012-10-17",
    Statement: [{ Sid: "Enable IAM User Permissions", Effect: "Allow", Principal: { AWS: `arn:aws:iam::${account}:root` }, Action: "kms:*", Resource: "*" }],
  };
}

/**
 * Context keys the simulator's request validation drops: `kms:EncryptionContext:<key>` (it only knows
 * `prefix/<key>` variables) and the claims of GitHub's OIDC provider (`token.actions.githubusercontent.com:sub`),
 * which trust policies of the CI roles test.
 */
const UNVALIDATED_CONTEXT = /^kms:EncryptionContext:|^token\.actions\.githubusercontent\.com:/i;

let codeKey: string | undefined;

/**
 * One request through the simulator, or its decision when the same request was decided by the same
 * code and libraries before (tools/build-cache.ts). Policies that fail validation, or an invalid
 * request, throw: a model error is not a decision.
 */
export function decide(request: IamRequest): Promise<Decision> {
  codeKey ??= contentKey(dependenciesKey(), readFileSync(__filename));
  return cachedVerdict("iam", contentKey(codeKey, JSON.stringify(request)), () => simulate(request));
}

async function simulate(request: IamRequest): Promise<Decision> {
  const context = request.context ?? {};
  const simulation = {
    request: { principal: request.principal, action: request.action, resource: { resource: request.resource, accountId: request.resourceAccount }, contextVariables: context },
    identityPolicies: request.identityPolicies,
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    resourcePolicy: request.resourcePolicy,
  };
  if (Object.keys(context).some((key) => UNVALIDATED_CONTEXT.test(key))) {
    // The validating entry point would drop the encryption context and judge as if S3 had sent none;
    // the unvalidated one evaluates it, so the policies are validated here instead.
    const identity = request.identityPolicies.map((p) => createValidatedPolicy(p.policy, validateIdentityPolicy, { name: p.name }));
    const resource = request.resourcePolicy ? createValidatedPolicy(request.resourcePolicy, validateResourcePolicy, { name: "resource policy" }) : undefined;
    const errors = [...identity, ...(resource ? [resource] : [])].flatMap((p) => p.errors.map((e) => `${(p.metadata as { name: string }).name}: ${e.message}`));
    if (errors.length > 0) throw new Error(`invalid policy for ${request.action}: ${errors.join("; ")}`);
    return runUnsafeSimulation({ ...simulation, identityPolicies: identity.map((policy, i) => ({ name: request.identityPolicies[i].name, policy })), resourcePolicy: resource }, {});
  }
  const response = await runSimulation(simulation, {});
  if (response.resultType === "error") throw new Error(`${request.action} on ${request.resource}: ${JSON.stringify(response.errors)}`);
  return response.overallResult;
}

/** Runs every path and reports those whose decision is not the expected one. */
export async function evaluatePaths(paths: IamPath[], notEvaluated: string[] = []): Promise<IamReport> {
  const results: IamPathResult[] = [];
  for (const p of paths) {
    const actual = await decide(p.request);
    results.push({ path: p.path, expected: p.expected, actual });
  }
  const violations = results.filter((r) => (r.expected === "Allowed") !== (r.actual === "Allowed"));
  return { checked: results.length, results, violations, notEvaluated };
}

export interface RenderedRole {
  entry: InventoryEntry;
  /** Role name and ARN as a consumer (pod-identity association, add-on, attachment) names it. */
  roleName: string;
  arn: string;
  trust: PolicyDocument;
  policies: NamedPolicy[];
  managedArns: string[];
  /** Attached AWS managed policies with no model in tools/data. */
  unknownManaged: string[];
  /** Whether a pod-identity association or an add-on hands it to a service account (EKS Pod Identity assumes it). */
  podIdentity: boolean;
}

/** The IAM side of an inventory: roles with their policies, linked through the `dependsOn` URNs each input came from. */
export class RenderedIam {
  readonly account: string;
  readonly region: string;
  readonly roles: RenderedRole[];

  constructor(readonly inventory: InventoryEntry[]) {
    const inputs = JSON.stringify(inventory.map((e) => e.inputs));
    // The program's own ARNs name its account and region (the keys are regional).
    this.account = /arn:aws:[a-z0-9-]+:[a-z0-9-]*:(\d{12}):/.exec(inputs)?.[1] ?? "";
    this.region = /arn:aws:kms:([a-z0-9-]+):\d{12}:/.exec(inputs)?.[1] ?? "";
    this.roles = this.all("aws:iam/role:Role").map((entry) => this.role(entry));
  }

  all(type: string): InventoryEntry[] {
    return this.inventory.filter((e) => e.type === type);
  }

  /** Entries of a type whose inputs came from (or that wait for) the given resource. */
  dependents(type: string, on: InventoryEntry): InventoryEntry[] {
    return this.all(type).filter((e) => e.dependsOn?.includes(on.urn));
  }

  byUrn(urn: string): InventoryEntry | undefined {
    return this.inventory.find((e) => e.urn === urn);
  }

  private role(entry: InventoryEntry): RenderedRole {
    const attachments = this.dependents("aws:iam/rolePolicyAttachment:RolePolicyAttachment", entry);
    const consumerArns = [
      ...this.dependents("aws:eks/podIdentityAssociation:PodIdentityAssociation", entry).map((a) => String(a.inputs.roleArn)),
      ...this.dependents("aws:eks/addon:Addon", entry).flatMap((a) => ((a.inputs.podIdentityAssociations as { roleArn: string }[] | undefined) ?? []).map((p) => p.roleArn)),
    ];
    const roleName = consumerArns[0]?.split("/").pop() ?? (attachments[0]?.inputs.role as string | undefined) ?? entry.name;
    const policies: NamedPolicy[] = this.dependents("aws:iam/rolePolicy:RolePolicy", entry).map((p) => ({ name: p.name, policy: parse(p.inputs.policy) }));
    const managedArns: string[] = [];
    const unknownManaged: string[] = [];
    for (const attachment of attachments) {
      const customer = attachment.dependsOn?.map((urn) => this.byUrn(urn)).find((e) => e?.type === "aws:iam/policy:Policy");
      const arn = String(attachment.inputs.policyArn);
      if (customer) {
        policies.push({ name: customer.name, policy: parse(customer.inputs.policy) });
        continue;
      }
      managedArns.push(arn);
      const known = CSI_DRIVER_IAM.find((d) => d.managedPolicyArn === arn);
      if (known) policies.push({ name: arn.split("/").pop()!, policy: { Version: "2012-10-17", Statement: known.statements } });
      else unknownManaged.push(arn.split("/").pop()!);
    }
    return {
      entry,
      roleName,
      arn: `arn:aws:iam::${this.account}:role/${roleName}`,
      trust: parse(entry.inputs.assumeRolePolicy),
      policies,
      managedArns,
      unknownManaged,
      podIdentity: consumerArns.length > 0,
    };
  }

  /** The ARN a role's requests carry: a session of the assumed role. */
  session(role: RenderedRole): string {
    return `arn:aws:sts::${this.account}:assumed-role/${role.roleName}/eks-pod-identity-session`;
  }

  /** The KMS key that encrypts the cluster's secrets and volumes. */
  clusterKeyArn(): string {
    const cluster = this.all("eks:index:Cluster")[0];
    const arn = cluster?.inputs.encryptionConfigKeyArn;
    return typeof arn === "string" ? arn : "";
  }

  /** A key's policy as rendered, or AWS's default when the program set none. */
  keyPolicy(keyArn: string): PolicyDocument {
    const keyId = keyArn.split("/").pop();
    // Keys are linked by the resources that name them: whatever input carries the ARN came from the key.
    const key = this.all("aws:kms/key:Key").find((k) => this.inventory.some((e) => e.dependsOn?.includes(k.urn) && JSON.stringify(e.inputs).includes(`key/${keyId}`)));
    return key?.inputs.policy ? parse(key.inputs.policy) : defaultKeyPolicy(this.account);
  }

  /** Fills `{account}`, `{region}` and `{clusterKey}` in a driver request template. */
  fill(text: string): string {
    return text.replace(/\{clusterKey\}/g, this.clusterKeyArn()).replace(/\{account\}/g, this.account).replace(/\{region\}/g, this.region);
  }
}

export function parse(policy: unknown): PolicyDocument {
  if (typeof policy !== "string") throw new Error(`policy is not rendered JSON text: ${JSON.stringify(policy)}`);
  return JSON.parse(policy) as PolicyDocument;
}
