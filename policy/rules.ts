import {
  EnforcementLevel,
  PolicyConfigSchema,
  PolicyResource,
  ReportViolation,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  StackValidationArgs,
  StackValidationPolicy,
} from "@pulumi/policy";
import { ExemptionConfig, exemptionFor, exemptionForUrn, withExemptions } from "./exemptions";
import * as proxyModule from "@pulumi/policy/proxy";

/**
 * Rules carry the resource types they judge. The engine ignores the extra field; the offline gate
 * uses it to say which rules never saw a target, instead of letting silence pass for compliance.
 */
export interface Targeted {
  targetTypes: readonly string[];
}

export type HftResourcePolicy = ResourceValidationPolicy & Targeted;
export type HftStackPolicy = StackValidationPolicy & Targeted;
export type HftPolicy = HftResourcePolicy | HftStackPolicy;

export interface RuleMeta {
  /** Stable kebab-case name: config files and suppressions refer to it. */
  name: string;
  /** One line: what is required and how to fix a violation. */
  description: string;
  enforcementLevel: EnforcementLevel;
  targetTypes: readonly string[];
  configSchema?: PolicyConfigSchema;
}

/** Stack tag the offline gate sets to the string that replaced every Pulumi secret in its inventory. */
/** Addresses that mean "anyone on the internet", in IPv4 and IPv6. */
export const OPEN_CIDRS = ["0.0.0.0/0", "::/0"];

export const SECRET_PLACEHOLDER_TAG = "hft:inventory-secret-placeholder";

/**
 * The rule's config with the schema's defaults under whatever the engine passed. The CLI fills the
 * defaults itself; doing it here too keeps a rule correct when it is called with no config at all.
 */
function configOf<C>(schema: PolicyConfigSchema | undefined, given: object): C {
  const defaults: Record<string, unknown> = {};
  for (const [key, property] of Object.entries(schema?.properties ?? {})) {
    if (property.default !== undefined) defaults[key] = property.default;
  }
  return { ...defaults, ...given } as C;
}

export type ResourceCheck<P, C> = (props: P, report: ReportViolation, config: C, args: ResourceValidationArgs) => void;
export type StackCheck<C> = (resources: PolicyResource[], report: ReportViolation, config: C, args: StackValidationArgs) => void;

/**
 * A resource rule that is not applicable to any type outside `targetTypes`, nor to an object its
 * config exempts by name (see exemptions.ts).
 */
export function resourceRule<P, C = Record<string, never>>(meta: RuleMeta, check: ResourceCheck<P, C>): HftResourcePolicy {
  const types = new Set(meta.targetTypes);
  const configSchema = withExemptions(meta.configSchema);
  return {
    ...meta,
    configSchema,
    validateResource: (args, report) => {
      if (!types.has(args.type)) args.notApplicable(`applies to ${meta.targetTypes.join(", ")}`);
      const config = configOf<C & ExemptionConfig>(configSchema, args.getConfig());
      const exempt = exemptionFor(config.exemptions, args.type, args.name, args.props);
      if (exempt) args.notApplicable(`exempt by the stack's policy config: ${exempt.reason}`);
      check(args.props as P, report, config, args);
    },
  };
}

/**
 * A stack rule that is not applicable when the stack holds none of `targetTypes`; violations it
 * reports against an object its config exempts by name are dropped.
 */
export function stackRule<C = Record<string, never>>(meta: RuleMeta, check: StackCheck<C>): HftStackPolicy {
  const types = new Set(meta.targetTypes);
  const configSchema = withExemptions(meta.configSchema);
  return {
    ...meta,
    configSchema,
    validateStack: (args, report) => {
      if (!args.resources.some((r) => types.has(r.type))) args.notApplicable(`the stack has no ${meta.targetTypes.join(", ")}`);
      const config = configOf<C & ExemptionConfig>(configSchema, args.getConfig());
      const unlessExempt: ReportViolation = (message, urn) => {
        if (!exemptionForUrn(config.exemptions, args.resources, urn)) report(message, urn);
      };
      check(args.resources, unlessExempt, config, args);
    },
  };
}

/**
 * Presence without reading the value: an unknown value (during preview) is only reported when read,
 * so rules that need to know a field is set, not what it is, stay decidable during preview.
 */
export function has(obj: object | undefined, key: string): boolean {
  return obj !== undefined && obj !== null && Object.prototype.hasOwnProperty.call(obj, key);
}

/**
 * Whether a field holds an object, decided from the raw property so that a primitive, possibly
 * unknown value is never read. Reading the field afterwards goes through the unknown-checking proxy.
 */
export function holdsObject(obj: object, key: string): boolean {
  const raw: unknown = Object.getOwnPropertyDescriptor(obj, key)?.value;
  return typeof raw === "object" && raw !== null;
}

/**
 * Component inputs reach policies only in the offline inventory: the engine sends a component's
 * registration without its inputs (pulumi/pulumi#10533), so empty props mean "not visible here".
 */
export function requireComponentInputs(props: object, args: ResourceValidationArgs): void {
  if (Object.keys(props).length === 0) {
    args.notApplicable(`${args.type} inputs are not sent to policies (pulumi/pulumi#10533); its children are checked instead`);
  }
}

/**
 * A string field's raw value for matching against name patterns, read past the unknown-checking
 * proxy: an unknown value's placeholder never matches a credential name, so it is never judged.
 */
export function rawString(obj: object, key: string): string | undefined {
  const raw: unknown = Object.getOwnPropertyDescriptor(obj, key)?.value;
  return typeof raw === "string" ? raw : undefined;
}

/** The analyzer's stand-ins for values unknown during preview, one per type (its type declarations omit them). */
const UNKNOWN_SENTINELS: ReadonlySet<unknown> = new Set(Object.entries(proxyModule).filter(([name]) => /^unknown[A-Za-z]+Value$/.test(name)).map(([, value]) => value));

/**
 * A field's raw value when it is known, read past the unknown-checking proxy: undefined when the
 * field is absent or unknown during preview, so a rule judges the value whenever there is one and
 * stays decidable (presence only) while the cloud has yet to create it.
 */
export function knownValue(obj: object | undefined, key: string): unknown {
  if (obj === undefined || obj === null) return undefined;
  const raw: unknown = Object.getOwnPropertyDescriptor(obj, key)?.value;
  return UNKNOWN_SENTINELS.has(raw) ? undefined : raw;
}

/** A value for a message: strings as they are, anything else as JSON. */
export function shown(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}

/** A KMS key's ARN (not an alias, not a key id): `arn:<partition>:kms:<region>:<account>:key/<id>`. */
export const KMS_KEY_ARN = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key\/[A-Za-z0-9-]+$/;

export function asArray<T>(value: T[] | undefined | null): T[] {
  return Array.isArray(value) ? value : [];
}
