/**
 * The AWS region of a stack, read from its stack file, for the workflows: the region is written
 * once, as `aws:region` in `Pulumi.<stack>.yaml`, and the credentials step takes it from there.
 *
 *   npx tsx tools/stack-region.ts --stack <stack> [--config-dir DIR]   # prints region=<region>
 *
 * Exit codes: 0 printed, 2 missing stack file or region.
 */
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { parse } from "yaml";

const REPO_ROOT = path.resolve(__dirname, "..");

/** Commercial, GovCloud and China regions: two letters, a direction, a number (e.g. us-east-1, us-gov-west-1). */
const AWS_REGION = /^[a-z]{2}(-[a-z]+)+-\d+$/;

export function stackRegion(stack: string, configDir = REPO_ROOT): string {
  const file = `Pulumi.${stack}.yaml`;
  let text: string;
  try {
    text = readFileSync(path.join(configDir, file), "utf8");
  } catch {
    throw new Error(`${file}: no such stack file in ${configDir}`);
  }
  const region = (parse(text) as { config?: Record<string, unknown> } | null)?.config?.["aws:region"];
  if (typeof region !== "string" || !AWS_REGION.test(region)) {
    throw new Error(`aws:region in ${file}: ${JSON.stringify(region ?? null)}; allowed: an AWS region such as "us-east-1"`);
  }
  return region;
}

if (require.main === module) {
  try {
    const { values } = parseArgs({ options: { stack: { type: "string" }, "config-dir": { type: "string" } } });
    if (!values.stack) throw new Error("usage: tsx tools/stack-region.ts --stack <stack> [--config-dir DIR]");
    console.log(`region=${stackRegion(values.stack, values["config-dir"])}`);
  } catch (err) {
    console.error((err as Error).message);
    process.exit(2);
  }
}
