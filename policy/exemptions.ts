import { PolicyConfigSchema, PolicyResource } from "@pulumi/policy";

/**
 * A named exception to one rule, written in the stack's policy config under the rule
 * (`"container-probes": {"exemptions": [...]}`), so the rule itself stays on. It names exactly one
 * object: a Kubernetes object by kind, namespace and name, anything else by type token and Pulumi
 * resource name; and, where a rule judges the parts of an object, the part it excuses (an IAM
 * statement's action and resource pairs). No patterns, so an exemption never covers what nobody
 * reviewed, and every entry carries its reason.
 */
export type Exemption = KubernetesExemption | ResourceExemption;

export interface KubernetesExemption {
  /** Kubernetes kind as in the object's type token, e.g. `Deployment`. */
  kind: string;
  /** The object's namespace (`default` when it names none); omitted for cluster-scoped objects (Namespace, StorageClass). */
  namespace?: string;
  name: string;
  /** Why the object cannot comply, and where that was checked (chart, version, template). */
  reason: string;
}

export interface ResourceExemption {
  /** Pulumi type token, e.g. `aws:iam/rolePolicy:RolePolicy`. */
  type: string;
  /** Pulumi resource name. */
  name: string;
  /** The statement it excuses, by Sid, and the action/resource pairs in it; without it the whole object is exempt. */
  statement?: StatementExemption;
  reason: string;
}

export interface StatementExemption {
  sid: string;
  /** Every action/resource pair of these two lists is excused, in that statement only. */
  actions: string[];
  resources: string[];
}

export interface ExemptionConfig {
  exemptions: Exemption[];
}

const REASON = { type: "string", minLength: 20 } as const;
const NAME = { type: "string", minLength: 1 } as const;
const NAMES = { type: "array", items: NAME, minItems: 1, uniqueItems: true } as const;

/** The `exemptions` setting every rule accepts. */
export const EXEMPTIONS_PROPERTY: NonNullable<PolicyConfigSchema["properties"]>[string] = {
  type: "array",
  default: [],
  description:
    "Objects (or IAM statements) this rule does not judge, each with the reason it cannot comply: a Kubernetes object by exact kind, namespace and name, any other resource by type token and resource name.",
  // One shape for both kinds of entry (the policy config schema has no oneOf): kind [+ namespace], or type [+ statement].
  items: {
    type: "object",
    properties: {
      kind: NAME,
      namespace: NAME,
      type: { type: "string", pattern: "^[a-z0-9-]+:[A-Za-z0-9/.-]+:[A-Za-z0-9]+$" },
      name: NAME,
      statement: {
        type: "object",
        properties: { sid: NAME, actions: NAMES, resources: NAMES },
        required: ["sid", "actions", "resources"],
        additionalProperties: false,
      },
      reason: REASON,
    },
    required: ["name", "reason"],
    minProperties: 3,
    additionalProperties: false,
    dependencies: { namespace: ["kind"], statement: ["type"], kind: { properties: { type: false } } },
  },
};

/** The rule's schema with `exemptions` added. */
export function withExemptions(schema: PolicyConfigSchema | undefined): PolicyConfigSchema {
  return { ...schema, properties: { ...(schema?.properties ?? {}), exemptions: EXEMPTIONS_PROPERTY } };
}

/** `kubernetes:apps/v1:Deployment` -> `Deployment`; undefined for anything that is not a Kubernetes object. */
export function kubernetesKind(type: string): string | undefined {
  return type.startsWith("kubernetes:") ? type.slice(type.lastIndexOf(":") + 1) : undefined;
}

function isKubernetes(e: Exemption): e is KubernetesExemption {
  return "kind" in e;
}

/**
 * The exemption that names this whole object exactly, if any (exemptions of a part, such as an IAM
 * statement, are left to the rule that judges the parts). Reads only names, never unknown spec values.
 */
export function exemptionFor(exemptions: Exemption[] | undefined, type: string, name: string, props: object): Exemption | undefined {
  if (!exemptions?.length) return undefined;
  const kind = kubernetesKind(type);
  if (kind === undefined) return exemptions.find((e) => !isKubernetes(e) && e.statement === undefined && e.type === type && e.name === name);
  const metadata = (props as { metadata?: { name?: unknown; namespace?: unknown } }).metadata;
  const objectName = rawField(metadata, "name");
  const namespace = rawField(metadata, "namespace");
  return exemptions.find((e) => isKubernetes(e) && e.kind === kind && e.name === objectName && sameNamespace(e.namespace, namespace));
}

/** A namespaced object without a namespace is in `default`; an exemption without one names a cluster-scoped object. */
function sameNamespace(exempted: string | undefined, actual: string | undefined): boolean {
  if (exempted === undefined) return actual === undefined;
  return exempted === (actual ?? "default");
}

/** The exemptions of parts of one resource (its IAM statements), by type and resource name. */
export function statementExemptions(exemptions: Exemption[] | undefined, type: string, name: string): (ResourceExemption & { statement: StatementExemption })[] {
  return (exemptions ?? []).filter((e): e is ResourceExemption & { statement: StatementExemption } => !isKubernetes(e) && e.statement !== undefined && e.type === type && e.name === name);
}

/** The exemption for the resource a stack rule reports against, found by URN. */
export function exemptionForUrn(exemptions: Exemption[] | undefined, resources: PolicyResource[], urn: string | undefined): Exemption | undefined {
  const resource = urn === undefined ? undefined : resources.find((r) => r.urn === urn);
  return resource ? exemptionFor(exemptions, resource.type, resource.name, resource.props) : undefined;
}

function rawField(obj: object | undefined, key: string): string | undefined {
  if (typeof obj !== "object" || obj === null) return undefined;
  const raw: unknown = Object.getOwnPropertyDescriptor(obj, key)?.value;
  return typeof raw === "string" ? raw : undefined;
}
