import { PolicyConfigSchema, PolicyResource } from "@pulumi/policy";

/**
 * A named exception to one rule for one object, written in the stack's policy config under the rule
 * (`"container-probes": {"exemptions": [...]}`), so the rule itself stays on. Matching is exact on
 * kind, namespace and name: no patterns, so an exemption never covers an object nobody reviewed.
 */
export interface Exemption {
  /** Kubernetes kind as in the object's type token, e.g. `Deployment`. */
  kind: string;
  /** The object's namespace (`default` when it names none). */
  namespace: string;
  name: string;
  /** Why the object cannot comply, and where that was checked (chart, version, template). */
  reason: string;
}

export interface ExemptionConfig {
  exemptions: Exemption[];
}

/** The `exemptions` setting every rule accepts. */
export const EXEMPTIONS_PROPERTY: NonNullable<PolicyConfigSchema["properties"]>[string] = {
  type: "array",
  default: [],
  description: "Objects this rule does not judge, each with the reason it cannot comply (exact kind, namespace and name).",
  items: {
    type: "object",
    properties: {
      kind: { type: "string", minLength: 1 },
      namespace: { type: "string", minLength: 1 },
      name: { type: "string", minLength: 1 },
      reason: { type: "string", minLength: 20 },
    },
    required: ["kind", "namespace", "name", "reason"],
    additionalProperties: false,
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

/** The exemption that names this object exactly, if any. Reads only metadata, never unknown spec values. */
export function exemptionFor(exemptions: Exemption[] | undefined, type: string, props: object): Exemption | undefined {
  const kind = kubernetesKind(type);
  if (!kind || !exemptions?.length) return undefined;
  const metadata = (props as { metadata?: { name?: unknown; namespace?: unknown } }).metadata;
  const name = rawField(metadata, "name");
  const namespace = rawField(metadata, "namespace") ?? "default";
  return exemptions.find((e) => e.kind === kind && e.name === name && e.namespace === namespace);
}

/** The exemption for the resource a stack rule reports against, found by URN. */
export function exemptionForUrn(exemptions: Exemption[] | undefined, resources: PolicyResource[], urn: string | undefined): Exemption | undefined {
  const resource = urn === undefined ? undefined : resources.find((r) => r.urn === urn);
  return resource ? exemptionFor(exemptions, resource.type, resource.props) : undefined;
}

function rawField(obj: object | undefined, key: string): string | undefined {
  if (typeof obj !== "object" || obj === null) return undefined;
  const raw: unknown = Object.getOwnPropertyDescriptor(obj, key)?.value;
  return typeof raw === "string" ? raw : undefined;
}
