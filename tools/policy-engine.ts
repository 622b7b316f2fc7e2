/**
 * Runs the policy pack's rules over resources the way the Pulumi engine and @pulumi/policy's analyzer
 * server do, without either: policy config reconciled like the CLI (schema defaults, then "all", then
 * per-rule settings), props wrapped in the unknown-checking proxy, resource rules given each
 * resource's inputs, stack rules given every resource with parent and dependencies resolved.
 * No official offline harness exists (pulumi/pulumi-policy#445); this is the gate's and the tests'.
 */
import { existsSync } from "node:fs";
import Ajv, { ValidateFunction } from "ajv";
import standaloneCode from "ajv/dist/standalone";
import {
  EnforcementLevel,
  PolicyResource,
  PolicyResourceOptions,
  ReportViolation,
  ResourceValidationArgs,
  StackValidationArgs,
  unknownCheckingProxy,
  UnknownValueError,
} from "@pulumi/policy";
import { HftPolicy, HftResourcePolicy, HftStackPolicy } from "../policy/rules";
import { cacheFile, contentKey, loadCachedModule, packageVersion, writeAtomic, writeCodeCaches } from "./build-cache";

/** A resource as the engine registers it; `props` are its inputs. */
export interface EngineResource {
  urn: string;
  type: string;
  name: string;
  parent?: string;
  props: Record<string, unknown>;
  /** URNs of the resources it depends on. */
  dependencies?: string[];
  protect?: boolean;
  /** Its provider, as the engine hands it to a rule (`args.provider`). */
  provider?: { type: string; urn: string; name: string; props: Record<string, unknown> };
}

/**
 * The `--policy-pack-config` file: `{"all": "mandatory", "rule": {"enforcementLevel": …, "bound": …}}`,
 * as parsed JSON (every entry is validated here).
 */
export type PolicyConfigFile = Record<string, unknown>;

export interface RuleSettings {
  level: EnforcementLevel;
  properties: Record<string, unknown>;
}

const LEVELS: readonly EnforcementLevel[] = ["advisory", "mandatory", "remediate", "disabled"];
/** A pack's default when a rule names none (PolicyPackArgs.enforcementLevel is unset in ours). */
const PACK_DEFAULT_LEVEL: EnforcementLevel = "advisory";

export class PolicyConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid policy config:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
  }
}

function isLevel(value: unknown): value is EnforcementLevel {
  return typeof value === "string" && (LEVELS as readonly string[]).includes(value);
}

const AJV_OPTIONS = { allErrors: true, strict: false } as const;

/**
 * Each configurable rule's validator of its settings. Compiling them all costs more than running the
 * gate, so they are compiled once into one module of the build cache (ajv standalone code), keyed by
 * the rules' schemas, ajv's version and its options.
 */
function configValidators(policies: HftPolicy[]): Map<string, ValidateFunction> {
  const schemas = policies
    .filter((p) => p.configSchema)
    .map((p) => ({ name: p.name, schema: { type: "object", properties: p.configSchema?.properties ?? {}, required: p.configSchema?.required ?? [] } }));
  const file = cacheFile("ajv", `rules-${contentKey(packageVersion("ajv"), JSON.stringify(AJV_OPTIONS), JSON.stringify(schemas))}.js`);
  // Exported as v0, v1, ... in the rules' order: rule names are not identifiers.
  const exportName = (i: number) => `v${i}`;
  let module: Record<string, ValidateFunction>;
  if (existsSync(file)) {
    module = loadCachedModule(file) as Record<string, ValidateFunction>;
  } else {
    const ajv = new Ajv({ ...AJV_OPTIONS, code: { source: true } });
    schemas.forEach((s, i) => ajv.addSchema(s.schema, exportName(i)));
    writeAtomic(file, standaloneCode(ajv, Object.fromEntries(schemas.map((_, i) => [exportName(i), exportName(i)]))));
    module = Object.fromEntries(schemas.map((_, i) => [exportName(i), ajv.getSchema(exportName(i))!]));
  }
  return new Map(schemas.map((s, i) => [s.name, module[exportName(i)]]));
}

/**
 * Effective level and properties of every rule, as the CLI computes them (ReconcilePolicyPackConfig),
 * then validated against each rule's configSchema. Stricter than the CLI on purpose: an unknown rule
 * name or property is an error rather than silently ignored, since it is almost always a typo.
 */
export function reconcileConfig(policies: HftPolicy[], file: PolicyConfigFile): Map<string, RuleSettings> {
  const problems: string[] = [];
  const settings = new Map<string, RuleSettings>();
  for (const policy of policies) {
    const properties: Record<string, unknown> = {};
    for (const [key, schema] of Object.entries(policy.configSchema?.properties ?? {})) {
      if (schema.default !== undefined) properties[key] = structuredClone(schema.default);
    }
    settings.set(policy.name, { level: policy.enforcementLevel ?? PACK_DEFAULT_LEVEL, properties });
  }

  const all = file.all;
  if (all !== undefined) {
    if (isLevel(all)) for (const s of settings.values()) s.level = all;
    else problems.push(`"all" must be one of ${LEVELS.join(", ")}`);
  }

  for (const [name, entry] of Object.entries(file)) {
    if (name === "all") continue;
    const current = settings.get(name);
    if (!current) {
      problems.push(`"${name}" is not a rule of this pack`);
      continue;
    }
    if (typeof entry === "string") {
      if (isLevel(entry)) current.level = entry;
      else problems.push(`${name}: "${entry}" is not an enforcement level`);
      continue;
    }
    if (typeof entry !== "object" || entry === null || Array.isArray(entry)) {
      problems.push(`${name}: must be an enforcement level or an object`);
      continue;
    }
    const { enforcementLevel, ...properties } = entry as Record<string, unknown>;
    if (enforcementLevel !== undefined) {
      if (isLevel(enforcementLevel)) current.level = enforcementLevel;
      else problems.push(`${name}: enforcementLevel ${JSON.stringify(enforcementLevel)} is not an enforcement level`);
    }
    Object.assign(current.properties, properties);
  }

  const validators = configValidators(policies);
  for (const policy of policies) {
    const current = settings.get(policy.name)!;
    const declared = policy.configSchema?.properties ?? {};
    for (const key of Object.keys(current.properties)) {
      if (!(key in declared)) problems.push(`${policy.name}: "${key}" is not a setting of this rule`);
    }
    const validate = validators.get(policy.name);
    if (validate && !validate(current.properties)) {
      for (const e of validate.errors ?? []) problems.push(`${policy.name}: ${e.instancePath || "config"} ${e.message ?? "is invalid"}`);
    }
  }
  writeCodeCaches();
  if (problems.length > 0) throw new PolicyConfigError(problems);
  return settings;
}

/** What a rule reported, at the level the engine would report it. */
export interface Finding {
  rule: string;
  level: "advisory" | "mandatory";
  message: string;
  urn?: string;
  type?: string;
  name?: string;
  /** The rule read a value unknown during preview; the engine downgrades these to advisory. */
  undecidable?: boolean;
}

export interface RuleRun {
  rule: string;
  kind: "resource" | "stack";
  level: EnforcementLevel;
  /** How many resources of each target type were present. */
  targets: Record<string, number>;
  /** Resources the rule judged (resource rules), or 1/0 for a stack rule that ran or was not applicable. */
  judged: number;
  notApplicable: string[];
}

export interface EngineRun {
  findings: Finding[];
  rules: RuleRun[];
  disabled: string[];
}

export interface RunOptions {
  stackTags?: Record<string, string>;
}

// @pulumi/policy exports these at runtime but its declarations omit them (they are marked internal).
const checkUnknowns = unknownCheckingProxy as (props: object) => object;
const UnknownValue = UnknownValueError as new (...args: never[]) => Error;

class NotApplicable extends Error {
  constructor(readonly reason: string) {
    super(reason);
  }
}

function notApplicable(reason?: string): never {
  // Thrown for most rule and resource pairs and caught at once, never shown: without a stack trace,
  // whose capture would otherwise be most of the gate's time.
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  const signal = new NotApplicable(reason ?? "not applicable");
  Error.stackTraceLimit = limit;
  throw signal;
}

/** Props as the analyzer server presents them: behind the unknown-checking proxy. */
function proxied(props: Record<string, unknown>): Record<string, unknown> {
  return checkUnknowns(props) as Record<string, unknown>;
}

function options(resource: EngineResource): PolicyResourceOptions {
  return {
    protect: resource.protect ?? false,
    ignoreChanges: [],
    aliases: [],
    customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
    additionalSecretOutputs: [],
    ...(resource.parent ? { parent: resource.parent } : {}),
  };
}

/** `isType` compares the class's Pulumi type token, as the analyzer server does. */
function typeChecks(type: string, props: Record<string, unknown>): Pick<ResourceValidationArgs, "isType" | "asType"> {
  const matches = (resourceClass: unknown) => (resourceClass as { __pulumiType?: string }).__pulumiType === type;
  return {
    isType: matches,
    // asType hands back the props typed as the class's args; the typing is the caller's promise, as in the server.
    asType: ((resourceClass: unknown) => (matches(resourceClass) ? props : undefined)) as ResourceValidationArgs["asType"],
  };
}

function isStackPolicy(policy: HftPolicy): policy is HftStackPolicy {
  return typeof (policy as HftStackPolicy).validateStack === "function";
}

/** Effective level of a finding: remediate counts as mandatory, an unknown read as advisory. */
function findingLevel(level: EnforcementLevel): "advisory" | "mandatory" {
  return level === "advisory" ? "advisory" : "mandatory";
}

async function runResourcePolicy(policy: HftResourcePolicy, settings: RuleSettings, resources: EngineResource[], tags: ReadonlyMap<string, string>, run: RuleRun, findings: Finding[]) {
  const validations = Array.isArray(policy.validateResource) ? policy.validateResource : policy.validateResource ? [policy.validateResource] : [];
  for (const resource of resources) {
    let judged = false;
    for (const validate of validations) {
      const props = proxied(resource.props);
      const report: ReportViolation = (message) =>
        findings.push({ rule: policy.name, level: findingLevel(settings.level), message, urn: resource.urn, type: resource.type, name: resource.name });
      const args: ResourceValidationArgs = {
        type: resource.type,
        props,
        urn: resource.urn,
        name: resource.name,
        opts: options(resource),
        ...(resource.provider ? { provider: resource.provider } : {}),
        stackTags: tags,
        ...typeChecks(resource.type, props),
        getConfig: <T extends object>() => structuredClone(settings.properties) as T,
        notApplicable,
      };
      try {
        await validate(args, report);
        judged = true;
      } catch (e) {
        // Reasons are kept for target types only: every other type is not applicable by construction.
        if (e instanceof NotApplicable) {
          if (policy.targetTypes.includes(resource.type)) run.notApplicable.push(`${resource.name}: ${e.reason}`);
        }
        else if (e instanceof UnknownValue) {
          judged = true;
          findings.push({
            rule: policy.name,
            level: "advisory",
            message: `can't run policy '${policy.name}' during preview: ${e.message}`,
            urn: resource.urn,
            type: resource.type,
            name: resource.name,
            undecidable: true,
          });
        } else throw new Error(`rule ${policy.name} failed on ${resource.urn}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
      }
    }
    if (judged) run.judged++;
  }
}

/** The stack as analyzeStack presents it: every resource, with parent and dependencies as resource objects. */
function stackResources(resources: EngineResource[]): PolicyResource[] {
  const byUrn = new Map<string, PolicyResource>();
  const built = resources.map((resource) => {
    const props = proxied(resource.props);
    const policyResource: PolicyResource = {
      type: resource.type,
      props,
      urn: resource.urn,
      name: resource.name,
      opts: options(resource),
      dependencies: [],
      propertyDependencies: {},
      ...typeChecks(resource.type, props),
    };
    byUrn.set(resource.urn, policyResource);
    return policyResource;
  });
  resources.forEach((resource, i) => {
    const parent = resource.parent ? byUrn.get(resource.parent) : undefined;
    if (parent) built[i].parent = parent;
    built[i].dependencies = (resource.dependencies ?? []).map((urn) => byUrn.get(urn)).filter((r): r is PolicyResource => r !== undefined);
  });
  return built;
}

async function runStackPolicy(policy: HftStackPolicy, settings: RuleSettings, resources: EngineResource[], tags: ReadonlyMap<string, string>, run: RuleRun, findings: Finding[]) {
  const byUrn = new Map(resources.map((r) => [r.urn, r]));
  const report: ReportViolation = (message, urn) => {
    const resource = urn ? byUrn.get(urn) : undefined;
    findings.push({ rule: policy.name, level: findingLevel(settings.level), message, urn, type: resource?.type, name: resource?.name });
  };
  const args: StackValidationArgs = {
    resources: stackResources(resources),
    stackTags: tags,
    getConfig: <T extends object>() => structuredClone(settings.properties) as T,
    notApplicable,
  };
  try {
    await policy.validateStack(args, report);
    run.judged = 1;
  } catch (e) {
    if (e instanceof NotApplicable) run.notApplicable.push(e.reason);
    else if (e instanceof UnknownValue) {
      run.judged = 1;
      findings.push({ rule: policy.name, level: "advisory", message: `can't run policy '${policy.name}' during preview: ${e.message}`, undecidable: true });
    } else throw new Error(`stack rule ${policy.name} failed: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
}

/** Runs every rule that is not disabled over the resources, resource rules first as the engine does. */
export async function runPolicies(
  policies: HftPolicy[],
  given: EngineResource[],
  settings: Map<string, RuleSettings>,
  runOptions: RunOptions = {},
): Promise<EngineRun> {
  const tags: ReadonlyMap<string, string> = new Map(Object.entries(runOptions.stackTags ?? {}));
  // One copy per run keeps the caller's resources out of the rules' reach; the server deserialises a
  // copy per call, which only matters for a rule that writes to its props (none here: rules only read).
  const resources = structuredClone(given);
  const findings: Finding[] = [];
  const rules: RuleRun[] = [];
  const disabled: string[] = [];
  const ordered = [...policies.filter((p) => !isStackPolicy(p)), ...policies.filter(isStackPolicy)];
  for (const policy of ordered) {
    const ruleSettings = settings.get(policy.name);
    if (!ruleSettings) throw new Error(`no settings for rule ${policy.name}: reconcile the config first`);
    if (ruleSettings.level === "disabled") {
      disabled.push(policy.name);
      continue;
    }
    const targets: Record<string, number> = {};
    for (const type of policy.targetTypes) targets[type] = resources.filter((r) => r.type === type).length;
    const run: RuleRun = { rule: policy.name, kind: isStackPolicy(policy) ? "stack" : "resource", level: ruleSettings.level, targets, judged: 0, notApplicable: [] };
    if (isStackPolicy(policy)) await runStackPolicy(policy, ruleSettings, resources, tags, run, findings);
    else await runResourcePolicy(policy, ruleSettings, resources, tags, run, findings);
    rules.push(run);
  }
  return { findings, rules, disabled };
}
