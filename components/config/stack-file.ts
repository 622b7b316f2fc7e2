import { z } from "zod";
import { AWS_REGIONS } from "./aws-regions";
import { CREDENTIAL_HINT, didYouMean, dottedPath, plaintextCredentialLine, problemLine, PROJECT } from "./errors";
import { isCredential } from "./fields";

/**
 * The stack file as a whole, beyond the project's own keys: the other namespaces it may use, and
 * credentials that must be `secure:` values.
 */

/** Keys of other namespaces a stack may set. Any other key is a stray (usually a misspelt namespace or key). */
export const OTHER_KEYS: Record<string, { description: string; allowed: string; values?: readonly string[] }> = {
  "aws:region": {
    description: "AWS Region of every AWS resource (eks mode, required); one of the AWS commercial Regions (aws-regions.ts).",
    allowed: `one of the AWS commercial Regions (${AWS_REGIONS.join(", ")})`,
    values: AWS_REGIONS,
  },
  "aws:profile": {
    description: "Named AWS CLI profile the AWS provider takes credentials from (optional; otherwise the usual AWS credential chain).",
    allowed: "the name of a profile in ~/.aws/config",
  },
};

/** Problems with the keys outside the project namespace: strays, and aws:region (required where AWS resources are created). */
export function otherKeyProblems(all: Record<string, unknown>, projectKeys: readonly string[], eks: boolean, stackFile: string): string[] {
  const known = [...projectKeys.map((k) => `${PROJECT}:${k}`), ...Object.keys(OTHER_KEYS)];
  const problems: string[] = [];
  for (const key of Object.keys(all)) {
    if (key.startsWith(`${PROJECT}:`) || key in OTHER_KEYS) continue;
    const near = didYouMean(key, known);
    problems.push(`${key}: stray key: neither a key of this project (${PROJECT}:…) nor ${Object.keys(OTHER_KEYS).join(" or ")}${near ? `; did you mean ${near}?` : ""} (fix it in ${stackFile})`);
  }
  const region = all["aws:region"];
  if ((eks && region === undefined) || (region !== undefined && !AWS_REGIONS.includes(region as (typeof AWS_REGIONS)[number]))) {
    const near = typeof region === "string" ? didYouMean(region, AWS_REGIONS) : undefined;
    const allowed = `${OTHER_KEYS["aws:region"].allowed}${eks ? ", required in eks mode" : ""}${near ? `; did you mean ${near}?` : ""}`;
    problems.push(problemLine("aws:region", region, allowed, stackFile));
  }
  const profile = all["aws:profile"];
  if (profile !== undefined && (typeof profile !== "string" || !/^[\w.+=@-]{1,64}$/.test(profile))) {
    problems.push(problemLine("aws:profile", profile, OTHER_KEYS["aws:profile"].allowed, stackFile));
  }
  return problems;
}

interface LooseDef {
  type: string;
  shape?: Record<string, z.core.$ZodType>;
  element?: z.core.$ZodType;
  innerType?: z.core.$ZodType;
  in?: z.core.$ZodType;
  out?: z.core.$ZodType;
}

const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);

/** Every credential field present in a value, with its path, found by walking the schema alongside it. */
export function credentialFields(schema: z.core.$ZodType, value: unknown, path: PropertyKey[] = []): { path: string; value: unknown }[] {
  if (value === undefined) return [];
  if (isCredential(schema)) return [{ path: dottedPath(path), value }];
  const def = schema._zod.def as LooseDef;
  switch (def.type) {
    case "object":
      return isRecord(value) ? Object.entries(def.shape!).flatMap(([key, field]) => credentialFields(field, value[key], [...path, key])) : [];
    case "array":
      return Array.isArray(value) ? value.flatMap((item, i) => credentialFields(def.element!, item, [...path, i])) : [];
    case "optional":
    case "default":
    case "prefault":
      return credentialFields(def.innerType!, value, path);
    case "pipe":
      // A preprocess reads its output schema; a transform after an object reads the object.
      return credentialFields(def.in!._zod.traits.has("$ZodTransform") ? def.out! : def.in!, value, path);
    default:
      return [];
  }
}

/** `{ secure: "<ciphertext>" }`, as `pulumi config set --secret` writes it. */
export function isSecureValue(value: unknown): boolean {
  return isRecord(value) && Object.keys(value).length === 1 && typeof value.secure === "string" && value.secure.trim() !== "";
}

/**
 * Problems in the stack file's `config:` as written: `secure:` values that are not ciphertext strings,
 * and credentials in plain text. Read from the file because the Pulumi CLI only tells a program which
 * top-level keys hold a secret, not which nested value.
 */
export function stackDocumentProblems(config: Record<string, unknown>, projectSchema: z.core.$ZodType, stackFile: string): string[] {
  const problems: string[] = [];
  const visit = (value: unknown, key: string): void => {
    if (isRecord(value) && "secure" in value) {
      if (!isSecureValue(value)) {
        // Say what is wrong with it without echoing what may be key material.
        const secure = (value as { secure: unknown }).secure;
        const shape = Array.isArray(secure) ? "a list" : typeof secure === "string" ? "an empty string" : secure === null ? "empty" : `a ${typeof secure}`;
        problems.push(`${key}: secure: ${shape} is not allowed; allowed: one non-empty ciphertext string, as ${CREDENTIAL_HINT} --path '${key}' <value> writes it (set it in ${stackFile})`);
      }
      return;
    }
    if (Array.isArray(value)) value.forEach((item, i) => visit(item, `${key}[${i}]`));
    else if (isRecord(value)) for (const [k, v] of Object.entries(value)) visit(v, `${key}.${k}`);
  };
  for (const [key, value] of Object.entries(config)) visit(value, key);
  const project = Object.fromEntries(Object.entries(config).flatMap(([k, v]) => (k.startsWith(`${PROJECT}:`) ? [[k.slice(PROJECT.length + 1), v]] : [])));
  for (const field of credentialFields(projectSchema, project)) {
    if (!isRecord(field.value) || !("secure" in field.value)) problems.push(plaintextCredentialLine(field.path, stackFile));
  }
  return problems;
}
