import { SECRET_PLACEHOLDER } from "./inventory";

/**
 * Schema validation of rendered Kubernetes objects with kubernetes-models: the built-in API
 * (kubernetes-models) and the custom resources the platform creates (their own model packages).
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

async function loadModel(apiVersion: string, kind: string): Promise<ModelClass | undefined> {
  const [group, version] = apiVersion.includes("/") ? apiVersion.split("/") : ["", apiVersion];
  const pkg = CUSTOM_RESOURCE_MODELS[group] ?? "kubernetes-models";
  const specifier = group ? `${pkg}/${group}/${version}` : `${pkg}/${version}`;
  try {
    const module = (await import(specifier)) as Record<string, unknown>;
    const model = module[kind];
    return typeof model === "function" ? (model as ModelClass) : undefined;
  } catch {
    return undefined;
  }
}

export async function validateObjects(objects: { file: string; object: Record<string, unknown> }[]): Promise<SchemaReport> {
  const report: SchemaReport = { checked: 0, redacted: {}, errors: [] };
  for (const { file, object } of objects) {
    const apiVersion = String(object.apiVersion);
    const kind = String(object.kind);
    const name = String((object.metadata as { name?: string } | undefined)?.name);
    const finding = (message: string) => report.errors.push({ file, apiVersion, kind, name, message });
    report.checked++;

    const Model = await loadModel(apiVersion, kind);
    if (!Model) {
      finding(`no schema for ${apiVersion} ${kind}: add its model package to tools/schema.ts`);
      continue;
    }
    // A secret's value is redacted whole; validate the rest of the object.
    const redactedKeys = Object.keys(object).filter((k) => object[k] === SECRET_PLACEHOLDER);
    if (redactedKeys.length) report.redacted[file] = redactedKeys;
    const data = Object.fromEntries(Object.entries(object).filter(([k]) => !redactedKeys.includes(k)));
    try {
      new Model(data).validate();
    } catch (err) {
      finding(err instanceof Error ? err.message : String(err));
    }
  }
  return report;
}
