import { PolicyConfigSchema } from "@pulumi/policy";
import { containersOf, K8S, podSpecOf, POD_TYPES, Workload } from "../kubernetes";
import { asArray, HftPolicy, holdsObject, rawString, requireComponentInputs, resourceRule, SECRET_PLACEHOLDER_TAG } from "../rules";

interface SecretNameConfig {
  namePattern: string;
  referencePattern: string;
}

/** Names that say "this value is a credential" (matched case-insensitively). */
const SECRET_NAMES = "PASSWORD|PASSWD|SECRET|TOKEN|API[_-]?KEY|PRIVATE[_-]?KEY|CREDENTIAL|ACCESS[_-]?KEY";
/** Names that hold a reference to a credential (a Secret's name or key, a file path), not the credential. */
const REFERENCE_NAMES = "^existing|secret[_-]?(name|ref)$|key[_-]?ref$|(password|token)[_-]?key$|[_-]?(file|path)$|[_-]env$";

const nameSchema: PolicyConfigSchema = {
  properties: {
    namePattern: { type: "string", minLength: 1, default: SECRET_NAMES, description: "Case-insensitive regular expression for credential-looking names." },
    referencePattern: {
      type: "string",
      minLength: 1,
      default: REFERENCE_NAMES,
      description: "Case-insensitive regular expression for names that only reference a credential (existingSecret, secretName, *_FILE).",
    },
  },
};

function secretNameTest(config: SecretNameConfig): (name: string) => boolean {
  const secret = new RegExp(config.namePattern, "i");
  const reference = new RegExp(config.referencePattern, "i");
  return (name) => secret.test(name) && !reference.test(name);
}

/**
 * A value that would put a credential in the object: any non-empty string (a Pulumi secret still
 * lands in plain text there). Flags such as `createSecret: true` are not credentials.
 */
function isLiteral(value: unknown): boolean {
  return typeof value === "string" && value !== "";
}

const envSecretsFromRefs = resourceRule<Workload, SecretNameConfig>(
  {
    name: "env-secrets-from-refs",
    description: "Credential-looking environment variables (PASSWORD, SECRET, TOKEN, API_KEY…) take their value from a Secret: use valueFrom.secretKeyRef instead of value.",
    enforcementLevel: "mandatory",
    targetTypes: POD_TYPES,
    configSchema: nameSchema,
  },
  (workload, report, config, args) => {
    const looksSecret = secretNameTest(config);
    for (const { container, label } of containersOf(podSpecOf(args.type, workload))) {
      for (const env of asArray(container.env)) {
        // Only credential-looking variables are read, so computed values elsewhere stay unread during preview.
        if (looksSecret(env.name) && isLiteral(env.value)) {
          report(`${label} sets ${env.name} to a literal value: use valueFrom.secretKeyRef.`);
        }
      }
    }
  },
);

const configMapNoSecrets = resourceRule<{ data?: Record<string, string>; binaryData?: Record<string, string> }, SecretNameConfig>(
  {
    name: "configmap-no-secrets",
    description: "ConfigMaps hold no credential-looking keys with values: move them to a Secret created from a Pulumi secret.",
    enforcementLevel: "mandatory",
    targetTypes: [K8S.configMap],
    configSchema: nameSchema,
  },
  (configMap, report, config) => {
    const looksSecret = secretNameTest(config);
    for (const field of ["data", "binaryData"] as const) {
      const entries = configMap[field] ?? {};
      for (const key of Object.keys(entries)) {
        if (looksSecret(key) && isLiteral(entries[key])) report(`${field}.${key} looks like a credential: move it to a Secret.`);
      }
    }
  },
);

/**
 * Walks nested chart values. Keys are judged by name; a value is read only for credential-looking
 * keys or to descend into objects, so unrelated computed values never make the rule undecidable.
 */
function findLiteralSecrets(values: object, path: string, looksSecret: (name: string) => boolean, found: string[]): void {
  const record = values as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    const at = Array.isArray(values) ? `${path}[${key}]` : path ? `${path}.${key}` : key;
    if (holdsObject(record, key)) {
      findLiteralSecrets(record[key] as object, at, looksSecret, found);
    } else if (!Array.isArray(values) && looksSecret(key) && isLiteral(record[key])) {
      found.push(at);
    }
  }
  // `{name: DB_PASSWORD, value: …}` pairs, as charts take extra environment variables.
  const name = rawString(record, "name");
  if (name !== undefined && looksSecret(name) && isLiteral(record.value)) {
    found.push(`${path}.value`);
  }
}

const helmValuesNoLiteralSecrets = resourceRule<{ values?: object }, SecretNameConfig>(
  {
    name: "helm-values-no-literal-secrets",
    description: "Helm chart values set no credential-looking key to a value: point the chart at a Kubernetes Secret (existingSecret…) created from a Pulumi secret.",
    enforcementLevel: "mandatory",
    targetTypes: [K8S.helmChart, K8S.helmRelease],
    configSchema: nameSchema,
  },
  (chart, report, config, args) => {
    if (args.type === K8S.helmChart) requireComponentInputs(chart, args);
    if (!chart.values) return;
    const found: string[] = [];
    findLiteralSecrets(chart.values, "", secretNameTest(config), found);
    for (const at of found) report(`values.${at} sets a credential in chart values: reference a Kubernetes Secret instead (e.g. existingSecret).`);
  },
);

interface KubernetesSecret {
  data?: Record<string, string> | string;
  stringData?: Record<string, string> | string;
}

/**
 * Secretness is visible only offline: the engine hands policies secret values in plain text with no
 * marker (@pulumi/policy deserialises them unwrapped), so at a real preview this rule cannot tell a
 * Pulumi secret from a literal and declares itself not applicable. The offline gate replaces every
 * Pulumi secret with a placeholder and names it in a stack tag; anything else is a plain value.
 */
const secretValuesArePulumiSecrets = resourceRule<KubernetesSecret>(
  {
    name: "secret-values-are-pulumi-secrets",
    description: "Kubernetes Secret data and stringData come from Pulumi secrets (pulumi.secret or a generated RandomPassword), never plain values in the program or stack file.",
    enforcementLevel: "mandatory",
    targetTypes: [K8S.secret],
  },
  (secret, report, _config, args) => {
    const placeholder = args.stackTags.get(SECRET_PLACEHOLDER_TAG);
    if (placeholder === undefined) {
      args.notApplicable("secretness is not visible to policies during a deployment; the offline policy gate checks it");
    }
    for (const field of ["data", "stringData"] as const) {
      const value = secret[field];
      if (value === undefined || value === placeholder) continue;
      const plain = typeof value === "string" ? [field] : Object.keys(value).filter((key) => value[key] !== placeholder).map((key) => `${field}.${key}`);
      for (const at of plain) report(`${at} is not a Pulumi secret: wrap the value in pulumi.secret() so it is encrypted in state.`);
    }
  },
);

export const secretPolicies: HftPolicy[] = [envSecretsFromRefs, configMapNoSecrets, helmValuesNoLiteralSecrets, secretValuesArePulumiSecrets];
