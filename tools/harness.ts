import { readFileSync } from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { parse } from "yaml";
import { InventoryEntry, SECRET_PLACEHOLDER } from "./inventory";
import { installMocks } from "./mocks";

export const REPO_ROOT = path.resolve(__dirname, "..");

export interface StackRun {
  stack: string;
  inventory: InventoryEntry[];
  /** The program's stack outputs, resolved. */
  outputs: Record<string, unknown>;
  /** Plain values of generated secrets: none may appear in anything rendered. */
  generatedSecrets: string[];
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
  const doc = (parse(readFileSync(file, "utf8")) ?? {}) as { config?: Record<string, unknown> };
  const config: Record<string, string> = {};
  const secretKeys: string[] = [];
  for (const [key, value] of Object.entries(doc.config ?? {})) {
    if (value && typeof value === "object" && "secure" in value) {
      config[key] = SECRET_PLACEHOLDER;
      secretKeys.push(key);
    } else {
      config[key] = typeof value === "string" ? value : JSON.stringify(value);
    }
  }
  return { config, secretKeys };
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
  return { stack, inventory: session.inventory, outputs, generatedSecrets: session.generatedSecrets };
}
