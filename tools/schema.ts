import { existsSync, readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import type Ajv from "ajv";
import type { AnySchema, ValidateFunction } from "ajv";
import { cachedVerdict, cacheFile, contentKey, dependenciesKey, loadCachedModule, packageVersion, writeAtomic, writeCodeCaches } from "./build-cache";
import { SECRET_PLACEHOLDER } from "./inventory";

/**
 * Schema validation of rendered Kubernetes objects with kubernetes-models: the built-in API
 * (kubernetes-models) and the custom resources the platform creates (their own model packages, or,
 * for operators without one, the CRD's own openAPIV3Schema vendored under tools/schemas/).
 * An object whose kind has no schema here is an error, so nothing goes unchecked silently.
 */

export interface SchemaFinding {
  file: string;
  apiVersion: string;
  kind: string;
  name: string;
  message: string;
}

export interface SchemaReport {
  checked: number;
  /** Top-level fields that held Pulumi secrets and were left out of validation, by file. */
  redacted: Record<string, string[]>;
  errors: SchemaFinding[];
}

interface Model {
  validate(): void;
}
type ModelClass = new (data: Record<string, unknown>) => Model;

/** Where each API group's models live; the core group ("v1") is kubernetes-models' top level. */
const CUSTOM_RESOURCE_MODELS: Record<string, string> = {
  "monitoring.coreos.com": "@kubernetes-models/prometheus-operator",
};

/**
 * Custom resources without a model package: `tools/schemas/<group>_<version>_<Kind>.json` holds the
 * openAPIV3Schema of the CRD at the version the platform pins (the file's $comment names its source).
 */
export const CRD_SCHEMA_DIR = path.join(__dirname, "schemas");

const compiled = new Map<string, ValidateFunction>();
const ajvOptions = { strict: false, allErrors: true, logger: false } as const;
let ajvInstance: Ajv | undefined;

/** Ajv itself is loaded only to compile a schema the cache lacks. */
async function ajv(): Promise<Ajv> {
  if (!ajvInstance) {
    const [{ default: AjvClass }, { default: addFormats }] = await Promise.all([import("ajv"), import("ajv-formats")]);
    // `code.source` keeps each validator's source, so it can be cached as a module (ajv standalone code).
    ajvInstance = new AjvClass({ ...ajvOptions, code: { source: true } });
    addFormats(ajvInstance);
  }
  return ajvInstance;
}

/**
 * The compiled validator of a vendored CRD schema, from the build cache when the same schema file
 * was compiled by the same code: keyed by the file, this module (which makes the schema strict and
 * sets ajv's options) and ajv's and ajv-formats' versions.
 */
export async function crdValidator(file: string, cacheDir = cacheFile("ajv", "")): Promise<ValidateFunction> {
  const text = readFileSync(file);
  const cached = path.join(cacheDir, `${contentKey(packageVersion("ajv"), packageVersion("ajv-formats"), readFileSync(__filename), text)}.js`);
  if (existsSync(cached)) return loadCachedModule(cached) as ValidateFunction;
  const instance = await ajv();
  const validate = instance.compile(structural(JSON.parse(text.toString("utf8"))) as AnySchema);
  const { default: standaloneCode } = await import("ajv/dist/standalone");
  writeAtomic(cached, standaloneCode(instance, validate));
  return validate;
}

/**
 * A CRD schema made as strict as the API server's strict field validation: unknown fields are errors
 * (unless the schema preserves them), and int-or-string fields take only integers or strings.
 */
function structural(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(structural);
  if (!schema || typeof schema !== "object") return schema;
  const node = Object.fromEntries(Object.entries(schema).map(([k, v]) => [k, k === "enum" || k === "default" || k === "example" ? v : structural(v)])) as Record<string, unknown>;
  if (node.properties && node.additionalProperties === undefined && !node["x-kubernetes-preserve-unknown-fields"]) node.additionalProperties = false;
  if (node["x-kubernetes-int-or-string"] && !node.anyOf) node.anyOf = [{ type: "integer" }, { type: "string" }];
  return node;
}

async function crdSchemaModel(group: string, version: string, kind: string): Promise<ModelClass | undefined> {
  const key = `${group}_${version}_${kind}`;
  let validate = compiled.get(key);
  if (!validate) {
    const file = path.join(CRD_SCHEMA_DIR, `${key}.json`);
    if (!existsSync(file)) return undefined;
    validate = await crdValidator(file);
    compiled.set(key, validate);
  }
  const check = validate;
  return class {
    constructor(private readonly data: Record<string, unknown>) {}
    validate(): void {
      // Worded as ajv's errorsText with the kind as the data variable, without loading ajv for it.
      if (!check(this.data)) throw new Error((check.errors ?? []).map((e) => `${kind}${e.instancePath} ${e.message}`).join("; "));
    }
  };
}

async function loadModel(apiVersion: string, kind: string): Promise<ModelClass | undefined> {
  const [group, version] = apiVersion.includes("/") ? apiVersion.split("/") : ["", apiVersion];
  const crdModel = group ? await crdSchemaModel(group, version, kind) : undefined;
  if (crdModel) return crdModel;
  const pkg = CUSTOM_RESOURCE_MODELS[group] ?? "kubernetes-models";
  // One module per kind: a group's index would load every model of the group.
  const specifier = group ? `${pkg}/${group}/${version}/${kind}` : `${pkg}/${version}/${kind}`;
  try {
    const module = (await import(specifier)) as Record<string, unknown>;
    const model = module[kind];
    return typeof model === "function" ? (model as ModelClass) : undefined;
  } catch {
    return undefined;
  }
}

let modelsKey: string | undefined;

/** What decides a verdict besides the object: the installed model packages and ajv, this module, the vendored CRD schemas. */
function validatorsKey(): string {
  const crds = () => readdirSync(CRD_SCHEMA_DIR).sort().flatMap((f) => [f, readFileSync(path.join(CRD_SCHEMA_DIR, f))]);
  return (modelsKey ??= contentKey(dependenciesKey(), readFileSync(__filename), ...crds()));
}

/** The schema's objection to one object, or "" when it is valid; the models load only for an object not judged before. */
async function schemaVerdict(apiVersion: string, kind: string, data: Record<string, unknown>): Promise<string> {
  return cachedVerdict("schema", contentKey(validatorsKey(), JSON.stringify(data)), async () => {
    const Model = await loadModel(apiVersion, kind);
    if (!Model) return `no schema for ${apiVersion} ${kind}: add its model package to tools/schema.ts or its CRD schema to tools/schemas/`;
    try {
      new Model(data).validate();
      return "";
    } catch (err) {
      return err instanceof Error ? err.message : String(err);
    }
  });
}

export async function validateObjects(objects: { file: string; object: Record<string, unknown> }[]): Promise<SchemaReport> {
  const report: SchemaReport = { checked: 0, redacted: {}, errors: [] };
  for (const { file, object } of objects) {
    const apiVersion = String(object.apiVersion);
    const kind = String(object.kind);
    const name = String((object.metadata as { name?: string } | undefined)?.name);
    report.checked++;
    // A secret's value is redacted whole; validate the rest of the object.
    const redactedKeys = Object.keys(object).filter((k) => object[k] === SECRET_PLACEHOLDER);
    if (redactedKeys.length) report.redacted[file] = redactedKeys;
    const data = Object.fromEntries(Object.entries(object).filter(([k]) => !redactedKeys.includes(k)));
    const message = await schemaVerdict(apiVersion, kind, data);
    if (message) report.errors.push({ file, apiVersion, kind, name, message });
  }
  writeCodeCaches();
  return report;
}
