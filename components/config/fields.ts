import { z } from "zod";
import { CREDENTIAL_HINT, NOT_ALLOWED, PATH_PLACEHOLDER } from "./errors";
import { documentationRange, DURATION, IPV4_CIDR, ipv4CidrPattern, isPinnedImage, parseDuration, parseIpv4Cidr, parseQuantity, QUANTITY } from "./primitives";

/**
 * Field builders. Each field has ONE "allowed" text that every failure of it reports (type, pattern,
 * bounds); the messages collapse repeats, so a wrong value is one problem, not three. (No check
 * aborts: an aborted issue would also stop the cross-field rules of every enclosing object.)
 */
const fail = (allowed: string) => ({ error: allowed });

/** The Pulumi CLI hands top-level scalars over as strings; nested ones arrive typed. Accept both. */
const numericText = (v: unknown) => (typeof v === "string" && /^-?\d+$/.test(v) ? Number(v) : v);
const booleanText = (v: unknown) => (v === "true" ? true : v === "false" ? false : v);

/**
 * Metadata key: the JSON Schema of a field whose preprocessing takes more than its zod type says (a
 * quoted integer, a number for a quantity), so the editor accepts every value the program does.
 */
export const JSON_FORM = "jsonForm";

export function int(min: number, max: number, allowed = `an integer from ${min} to ${max}`) {
  return z
    .preprocess(numericText, z.int({ error: allowed }).min(min, fail(allowed)).max(max, fail(allowed)))
    .meta({ [JSON_FORM]: { anyOf: [{ type: "integer", minimum: min, maximum: max }, { type: "string", pattern: "^-?\\d+$" }] } });
}

export function bool() {
  return z.preprocess(booleanText, z.boolean({ error: "true or false" })).meta({ [JSON_FORM]: { anyOf: [{ type: "boolean" }, { enum: ["true", "false"] }] } });
}

export function oneOf<const T extends readonly [string, ...string[]]>(values: T) {
  return z.enum(values, { error: `one of ${values.join(", ")}` });
}

export function oneOfNumbers<const T extends readonly [number, ...number[]]>(values: T) {
  return z.preprocess(numericText, z.literal(values, { error: `one of ${values.join(", ")}` }));
}

export function text(pattern: RegExp, allowed: string, check?: (v: string) => boolean) {
  const s = z.string({ error: allowed }).regex(pattern, fail(allowed));
  return check ? s.refine(check, fail(allowed)) : s;
}

/** An image reference pinned by a tag other than latest, or by digest. */
export function pinnedImage() {
  return text(/./, 'an image pinned by a tag other than "latest" (repo/name:v1.2.3) or by digest (repo/name@sha256:…)', isPinnedImage);
}

/** A credential: only ever a `secure:` value in the stack file (stack-file.ts checks how it was written). */
export function secret() {
  return text(/^\S+$/, `a secure value, set with ${CREDENTIAL_HINT} --path 'hft-platform:${PATH_PLACEHOLDER}' <value>`).meta({ credential: true });
}

/** Whether a schema is a credential field (see secret()). */
export function isCredential(schema: z.core.$ZodType): boolean {
  return z.globalRegistry.get(schema)?.credential === true;
}

export function cidr(minPrefix: number, maxPrefix: number) {
  const allowed = `an IPv4 network in CIDR notation (no host bits set) with a prefix from /${minPrefix} to /${maxPrefix}`;
  return text(ipv4CidrPattern(minPrefix, maxPrefix), allowed, (v) => {
    const parsed = parseIpv4Cidr(v);
    return parsed !== undefined && parsed.prefix >= minPrefix && parsed.prefix <= maxPrefix;
  });
}

/** A list of client or admin CIDRs. */
export function cidrList() {
  return list(text(IPV4_CIDR, "IPv4 CIDRs such as 203.0.113.0/24 (no host bits set)", (v) => parseIpv4Cidr(v) !== undefined));
}

/** Why a client allow-list entry reaches no client, if it does: it lies in an RFC 5737 documentation range. */
export function documentationRangeProblem(range: string): string | undefined {
  const documentation = documentationRange(range);
  return documentation && `the addresses of real clients: ${range} lies in ${documentation}, an RFC 5737 documentation range that no client is in`;
}

export function list<T extends z.ZodType>(item: T) {
  return z.array(item, { error: "a list" });
}

const QUANTITY_NOTATION = { binary: /^\d+(Ki|Mi|Gi|Ti)$/, cpu: /^(\d+(\.\d+)?|\d+m)$/, any: QUANTITY };

/**
 * A Kubernetes quantity within bounds in base units (cores or bytes), kept as written so manifests
 * show what the stack file says. `binary` sizes take Ki/Mi/Gi/Ti; `cpu` takes cores or millicores.
 */
export function quantity(bounds: { min: number; max: number }, allowed: string, kind: keyof typeof QUANTITY_NOTATION = "any") {
  const pattern = QUANTITY_NOTATION[kind];
  // A plain number (cpu: 2) is a quantity in base units; a binary size needs its suffix.
  const number = kind === "binary" ? [] : [{ type: "number", minimum: bounds.min, maximum: bounds.max }];
  return z
    .preprocess(
      (v) => (typeof v === "number" ? String(v) : v),
      text(pattern, allowed, (t) => {
        const q = parseQuantity(t);
        return q !== undefined && q >= bounds.min && q <= bounds.max;
      }),
    )
    .meta({ [JSON_FORM]: number.length ? { anyOf: [{ type: "string", pattern: pattern.source }, ...number] } : { type: "string", pattern: pattern.source } });
}

/** A Prometheus-style duration ("30s", "15d"), within bounds in seconds. */
export function duration(bounds: { min: number; max: number }, allowed: string) {
  return text(DURATION, allowed, (t) => {
    const s = parseDuration(t)!;
    return s >= bounds.min && s <= bounds.max;
  });
}

export function sizeAllowed(max?: string): string {
  return `a size such as "512Mi" or "16Gi"${max ? `, at most ${max}` : ""}`;
}

export function cpuAllowed(max?: string): string {
  return `CPUs such as "2" or "500m"${max ? `, at most ${max}` : ""}`;
}

/** An object whose keys are all declared: any other key is a problem (with a "did you mean"). */
export function section<S extends z.ZodRawShape>(shape: S, allowed = `an object with keys ${Object.keys(shape).join(", ")}`) {
  // A stray key's message is the list of keys allowed here, which the message formatter words.
  return z.strictObject(shape, { error: (issue) => (issue.code === "unrecognized_keys" ? Object.keys(shape).join(", ") : allowed) });
}

/** What the rules of a section depend on besides its own fields. */
export interface TierContext {
  /** tier: production turns on the production-only bounds and rules. */
  prod: boolean;
}

/** What a cross-field rule sees: the object's value and which of its fields passed their own checks. */
export interface Rules<T> {
  value: T;
  /** True when the field at this dotted path (relative to the object) is present and passed its own checks. */
  valid(...paths: string[]): boolean;
  problem(path: string, value: unknown, allowed: string): void;
  notAllowed(path: string, reason: string): void;
}

const toPath = (dotted: string): PropertyKey[] => (dotted === "" ? [] : dotted.split(".").map((s) => (/^\d+$/.test(s) ? Number(s) : s)));

function at(value: unknown, path: PropertyKey[]): unknown {
  return path.reduce<unknown>((v, k) => (v !== null && typeof v === "object" ? (v as Record<PropertyKey, unknown>)[k] : undefined), value);
}

/**
 * Adds cross-field rules to an object schema. They run even when other fields of the object are
 * wrong (so every problem is reported at once), and each rule only looks at fields that are valid.
 */
export function withRules<S extends z.ZodType>(schema: S, fn: (r: Rules<z.output<S>>) => void): S {
  const refined = schema.superRefine(
    (value, ctx) => {
      const payload = ctx as unknown as { issues: z.core.$ZodRawIssue[] };
      const push = (path: string, input: unknown, message: string, params?: Record<string, unknown>) =>
        payload.issues.push({ code: "custom", path: toPath(path), input, message, continue: true, ...(params ? { params } : {}) });
      fn({
        value,
        valid: (...paths) =>
          paths.every((dotted) => {
            const path = toPath(dotted);
            if (at(value, path) === undefined) return false;
            // A stray key inside a field is its own problem; the field's declared values still count.
            // A problem a rule before this one found counts too: a value is judged by its tightest bound only.
            return !payload.issues.some((issue) => issue.code !== "unrecognized_keys" && path.every((seg, i) => issue.path?.[i] === seg));
          }),
        problem: (path, input, allowed) => push(path, input, allowed),
        notAllowed: (path, reason) => push(path, at(value, toPath(path)), reason, { [NOT_ALLOWED]: true }),
      });
    },
    { when: (payload) => payload.value !== null && typeof payload.value === "object" },
  );
  return refined;
}

/** The rules of the object at `prefix` (a dotted path), with paths relative to it. */
export function scoped<T>(r: Rules<unknown>, prefix: string): Rules<T> {
  const full = (path: string) => (path ? `${prefix}.${path}` : prefix);
  return {
    value: at(r.value, toPath(prefix)) as T,
    valid: (...paths) => r.valid(...paths.map(full)),
    problem: (path, value, allowed) => r.problem(full(path), value, allowed),
    notAllowed: (path, reason) => r.notAllowed(full(path), reason),
  };
}

/** A container's CPU and memory: requests, and limits (always set for platform workloads). */
export interface ContainerResources {
  cpu: string;
  memory: string;
  limits: { cpu: string; memory: string };
}

/** requests and limits, both required; limits never below requests. */
export function containerResources(bounds: { maxCpu: number; maxMemory: number }) {
  const part = () =>
    section({
      cpu: quantity({ min: 0.001, max: bounds.maxCpu }, `a CPU quantity from 1m to ${bounds.maxCpu}`).describe("CPU, e.g. 500m or \"2\"."),
      memory: quantity({ min: 2 ** 20, max: bounds.maxMemory }, `a memory quantity from 1Mi to ${bounds.maxMemory / 2 ** 30}Gi`).describe("Memory, e.g. 256Mi."),
    });
  const fields = section({ requests: part().describe("Requests."), limits: part().describe("Limits, at least the requests.") });
  return withRules(fields, (r) => {
    for (const resource of ["cpu", "memory"] as const) {
      if (!r.valid(`requests.${resource}`, `limits.${resource}`)) continue;
      const request = r.value.requests[resource];
      const limit = r.value.limits[resource];
      if (parseQuantity(limit)! < parseQuantity(request)!) {
        r.problem(`limits.${resource}`, limit, `at least the request (${request})`);
        return;
      }
    }
  }).transform((v): ContainerResources => ({ cpu: v.requests.cpu, memory: v.requests.memory, limits: v.limits }));
}
