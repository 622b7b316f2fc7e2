import { readFileSync } from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { parse, YAMLParseError } from "yaml";
import { ConfigError, parseStackConfig, platformSchema, StackFileSyntaxError, stackDocumentProblems } from "../components/config";
import { InventoryEntry, SECRET_PLACEHOLDER } from "./inventory";
import { installMocks, MockSession } from "./mocks";

export const REPO_ROOT = path.resolve(__dirname, "..");

export interface StackRun {
  stack: string;
  inventory: InventoryEntry[];
  /** The program's stack outputs, resolved. */
  outputs: Record<string, unknown>;
  /** Plain values of generated secrets: none may appear in anything rendered. */
  generatedSecrets: string[];
  /** The data-source lookups the program made (e.g. the AMI's SSM parameter). */
  invokes: MockSession["invokes"];
}

export interface RunOptions {
  /** Folder holding `Pulumi.<stack>.yaml`; the repository root unless a test supplies its own. */
  configDir?: string;
}

/**
 * Reads a stack file the way the Pulumi CLI hands config to a program: structured values as JSON
 * text, scalars as strings. Encrypted values cannot be decrypted offline and stand in as secrets.
 */
export function readStackConfig(stack: string, configDir = REPO_ROOT): { config: Record<string, string>; secretKeys: string[] } {
  const file = path.join(configDir, `Pulumi.${stack}.yaml`);
  const stackFile = path.relative(process.cwd(), file) || file;
  const doc = parseStackFile(readFileSync(file, "utf8"), stackFile);
  // The CLI only tells the program which top-level keys hold a secret: check each credential here, in the file.
  const problems = stackDocumentProblems(doc, platformSchema({ prod: false, mode: "eks" }), `Pulumi.${stack}.yaml`);
  const config: Record<string, string> = {};
  const secretKeys: string[] = [];
  for (const [key, raw] of Object.entries(doc)) {
    const { value, secret } = standInForSecrets(raw);
    config[key] = typeof value === "string" ? value : JSON.stringify(value);
    // As with the CLI, a structured value holding any secret is a secret key as a whole.
    if (secret) secretKeys.push(key);
  }
  if (problems.length > 0) {
    // One error with every problem: the program's own checks of the same file come along.
    try {
      parseStackConfig(config, stack, (key) => secretKeys.includes(key));
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      problems.push(...err.problems.filter((p) => !problems.includes(p)));
    }
    throw new ConfigError(`Pulumi.${stack}.yaml`, problems);
  }
  return { config, secretKeys };
}

/** The `config:` mapping of a stack file; a YAML error is one line naming the file, line and column. */
function parseStackFile(text: string, stackFile: string): Record<string, unknown> {
  let doc: unknown;
  try {
    doc = parse(text) ?? {};
  } catch (err) {
    if (!(err instanceof YAMLParseError)) throw err;
    const [at] = err.linePos ?? [{ line: 0, col: 0 }];
    // yaml's message carries the position and a code frame after the first line; the position is said once, up front.
    const reason = err.message.split("\n")[0].replace(/ at line \d+, column \d+:?$/, "");
    throw new StackFileSyntaxError(stackFile, at.line, at.col, `YAML syntax error: ${reason}`);
  }
  const config = (doc as { config?: unknown }).config ?? {};
  if (typeof config !== "object" || config === null || Array.isArray(config)) {
    throw new ConfigError(stackFile, [`config: ${JSON.stringify(config)} is not allowed; allowed: a mapping of namespaced keys such as hft-platform:tier (fix it in ${stackFile})`]);
  }
  return config as Record<string, unknown>;
}

/** Every `secure:` value of a stack file: its key, the `--path` below the key (empty for a whole-key secret) and its ciphertext. */
export function readSecureValues(stack: string, configDir = REPO_ROOT): { key: string; path: string; ciphertext: string }[] {
  const file = path.join(configDir, `Pulumi.${stack}.yaml`);
  const config = parseStackFile(readFileSync(file, "utf8"), path.relative(process.cwd(), file) || file);
  const found: { key: string; path: string; ciphertext: string }[] = [];
  const walk = (key: string, at: string, value: unknown): void => {
    if (Array.isArray(value)) value.forEach((v, i) => walk(key, `${at}[${i}]`, v));
    else if (value && typeof value === "object") {
      if ("secure" in value) found.push({ key, path: at, ciphertext: String((value).secure) });
      else for (const [k, v] of Object.entries(value)) walk(key, at ? `${at}.${k}` : k, v);
    }
  };
  for (const [key, value] of Object.entries(config)) walk(key, "", value);
  return found;
}

/** Replaces each `{ secure: <ciphertext> }`, at any depth (`pulumi config set --secret --path`), by the placeholder. */
function standInForSecrets(value: unknown): { value: unknown; secret: boolean } {
  if (Array.isArray(value)) {
    const items = value.map(standInForSecrets);
    return { value: items.map((i) => i.value), secret: items.some((i) => i.secret) };
  }
  if (value && typeof value === "object") {
    if ("secure" in value) return { value: SECRET_PLACEHOLDER, secret: true };
    const entries = Object.entries(value).map(([k, v]) => [k, standInForSecrets(v)] as const);
    return { value: Object.fromEntries(entries.map(([k, v]) => [k, v.value])), secret: entries.some(([, v]) => v.secret) };
  }
  return { value, secret: false };
}

function resolve(value: unknown): Promise<unknown> {
  return pulumi.Output.isInstance(value) ? new Promise((done) => value.apply(done)) : Promise.resolve(value);
}

/**
 * Runs the real program (`index.ts`) for a stack under the mocks and returns everything it
 * registered. Config errors propagate as the program throws them, before any registration.
 */
export async function runStack(stack: string, options: RunOptions = {}): Promise<StackRun> {
  const { config, secretKeys } = readStackConfig(stack, options.configDir);
  const session = await installMocks(stack);
  pulumi.runtime.setAllConfig(config, secretKeys);

  const program = (await import(path.join(REPO_ROOT, "index"))) as Record<string, unknown>;
  const outputs: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(program)) outputs[name] = await resolve(value);
  // Resources registered from inside apply callbacks land after the outputs resolve; wait for them all.
  await pulumi.runtime.disconnect();
  return { stack, inventory: session.inventory, outputs, generatedSecrets: session.generatedSecrets, invokes: session.invokes };
}
