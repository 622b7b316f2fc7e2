import { expect } from "vitest";
import { ConfigError, EksPlatformConfig, ExistingPlatformConfig, parsePlatformConfig, projectConfig } from "../components/config";
import { readStackConfig } from "../tools/harness";

export type StackName = "dev" | "prod" | "local";

/** A stack file's project config as the program receives it, with edits applied at dotted paths. */
export function stackConfig(stack: StackName, edits: Record<string, unknown> = {}): Record<string, unknown> {
  const raw = structuredClone(projectConfig(readStackConfig(stack).config));
  for (const [dotted, value] of Object.entries(edits)) {
    const keys = dotted.split(".");
    const last = keys.pop()!;
    let node = raw as Record<string, any>;
    for (const k of keys) node = node[k];
    if (value === undefined) delete node[last];
    else node[last] = value;
  }
  return raw;
}

/** A stack file parsed as an eks-mode config (fails the test if it is another mode). */
export function eksConfig(stack: StackName, edits: Record<string, unknown> = {}): EksPlatformConfig {
  const config = parsePlatformConfig(stackConfig(stack, edits), stack);
  if (config.clusterMode !== "eks") throw new Error(`Pulumi.${stack}.yaml is in ${config.clusterMode} mode`);
  return config;
}

/** A stack file parsed as an existing-mode config (fails the test if it is another mode). */
export function existingConfig(stack: StackName, edits: Record<string, unknown> = {}): ExistingPlatformConfig {
  const config = parsePlatformConfig(stackConfig(stack, edits), stack);
  if (config.clusterMode !== "existing") throw new Error(`Pulumi.${stack}.yaml is in ${config.clusterMode} mode`);
  return config;
}

export function problems(stack: StackName, edits: Record<string, unknown>, stackName: string = stack): string[] {
  try {
    parsePlatformConfig(stackConfig(stack, edits), stackName);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

export function expectRejected(stack: StackName, edits: Record<string, unknown>, key: string, allowed: RegExp): void {
  const found = problems(stack, edits);
  const line = found.find((p) => p.startsWith(`hft-platform:${key}:`));
  expect(line, `expected a problem for ${key}, got:\n${found.join("\n")}`).toBeDefined();
  expect(line).toMatch(allowed);
  expect(line).toContain(`Pulumi.${stack}.yaml`);
}
