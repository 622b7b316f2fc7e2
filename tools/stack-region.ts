/**
 * The AWS region of a stack, read from its stack file, for the workflows: the region is written
 * once, as `aws:region` in `Pulumi.<stack>.yaml`, and the credentials step takes it from there.
 *
 *   npx tsx tools/stack-region.ts --stack <stack> [--config-dir DIR]   # prints region=<region>
 *
 * Exit codes (tools/cli.ts): 0 printed, 1 the stack file has no valid region, 2 usage mistake.
 */
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { AWS_REGIONS, ConfigError } from "../components/config";
import { existingDir, parseFlags, requireStack, runMain } from "./cli";

const REPO_ROOT = path.resolve(__dirname, "..");
const USAGE = "npx tsx tools/stack-region.ts --stack <stack> [--config-dir DIR]";

export function stackRegion(stack: string, configDir = REPO_ROOT): string {
  const file = `Pulumi.${stack}.yaml`;
  const doc = parse(readFileSync(path.join(configDir, file), "utf8")) as { config?: Record<string, unknown> } | null;
  const region = doc?.config?.["aws:region"];
  // The regions an eks stack may use (components/config/aws-regions.ts), as the program checks them.
  if (typeof region !== "string" || !(AWS_REGIONS as readonly string[]).includes(region)) {
    throw new ConfigError(file, [`aws:region: ${JSON.stringify(region ?? null)} in ${file}; allowed: an AWS region such as "us-east-1"`]);
  }
  return region;
}

/** Synchronous work, run inside the promise so that runMain reports its errors. */
function main(): Promise<void> {
  return Promise.resolve().then(() => {
    const flags = parseFlags(USAGE, { stack: { type: "string" }, "config-dir": { type: "string" } });
    const dir = flags["config-dir"] === undefined ? REPO_ROOT : existingDir(flags["config-dir"], "--config-dir");
    console.log(`region=${stackRegion(requireStack(flags.stack, dir, USAGE), dir)}`);
  });
}

if (require.main === module) runMain(main);
