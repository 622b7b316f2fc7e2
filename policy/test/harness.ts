import { readFileSync } from "node:fs";
import * as path from "node:path";
import * as proxyModule from "@pulumi/policy/proxy";
import { InventoryEntry, SECRET_PLACEHOLDER } from "../../tools/inventory";
import { engineResource } from "../../tools/policy-gate";
import { EngineResource, Finding, PolicyConfigFile, reconcileConfig, RuleRun, runPolicies } from "../../tools/policy-engine";
import { allPolicies } from "../policies";
import { HftPolicy, SECRET_PLACEHOLDER_TAG } from "../rules";

export const POLICY_DIR = path.resolve(__dirname, "..");
export const REPO_ROOT = path.resolve(POLICY_DIR, "..");

/** What the analyzer substitutes for a string that is unknown during preview (its declarations omit it). */
export const UNKNOWN_STRING = (proxyModule as unknown as { unknownStringValue: string }).unknownStringValue;

/** Stack tags the offline gate sets: the inventory's stand-in for a Pulumi secret. */
export const OFFLINE_TAGS = { [SECRET_PLACEHOLDER_TAG]: SECRET_PLACEHOLDER };

export function policy(name: string): HftPolicy {
  const found = allPolicies.find((p) => p.name === name);
  if (!found) throw new Error(`no rule ${name}`);
  return found;
}

export function resource(type: string, props: object, name = "subject", extra: Partial<EngineResource> = {}): EngineResource {
  return { urn: `urn:pulumi:test::hft-platform::${type}::${name}`, type, name, props: props as Record<string, unknown>, ...extra };
}

export interface RuleResult {
  findings: Finding[];
  run: RuleRun;
}

/** Runs one rule through the engine emulation, with its config reconciled from defaults plus `config`. */
export async function check(
  ruleName: string,
  resources: EngineResource[],
  options: { config?: Record<string, unknown>; stackTags?: Record<string, string> } = {},
): Promise<RuleResult> {
  const rule = policy(ruleName);
  const file: PolicyConfigFile = { [ruleName]: { enforcementLevel: "mandatory", ...(options.config ?? {}) } };
  const run = await runPolicies([rule], resources, reconcileConfig([rule], file), { stackTags: options.stackTags ?? OFFLINE_TAGS });
  return { findings: run.findings, run: run.rules[0] };
}

/** The messages of one rule's findings, in order: tests compare them whole. */
export async function messages(ruleName: string, resources: EngineResource[], config?: Record<string, unknown>): Promise<string[]> {
  return (await check(ruleName, resources, { config })).findings.map((f) => f.message);
}

export function readInventory(file: string): InventoryEntry[] {
  return JSON.parse(readFileSync(file, "utf8")) as InventoryEntry[];
}

export function readConfig(stack: string): PolicyConfigFile {
  return JSON.parse(readFileSync(path.join(POLICY_DIR, "config", `${stack}.json`), "utf8")) as PolicyConfigFile;
}

/** The whole pack over an inventory with a stack's config, as the gate runs it. */
export async function runPack(inventory: InventoryEntry[], config: PolicyConfigFile): Promise<Finding[]> {
  const run = await runPolicies(allPolicies, inventory.map(engineResource), reconcileConfig(allPolicies, config), { stackTags: OFFLINE_TAGS });
  return run.findings;
}
