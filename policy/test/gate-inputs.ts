/** What the gate's tests share: the prod fixture, a scratch folder per file, and the fixture made to violate two rules. */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll } from "vitest";
import { InventoryEntry } from "../../tools/inventory";
import { readInventory } from "./harness";

export const FIXTURE = path.join(__dirname, "fixtures", "prod-inventory.json");

export type Write = (name: string, content: unknown) => string;

/** A folder removed after the test file, and a writer of JSON files into it. */
export function scratchDir(prefix: string): { dir: string; write: Write } {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const write: Write = (name, content) => {
    const file = path.join(dir, name);
    writeFileSync(file, JSON.stringify(content));
    return file;
  };
  return { dir, write };
}

/** The fixture with the engine's launch template allowing IMDSv1 and its engine container asking for 32 cores. */
export function violatingInventory(write: Write): string {
  const inventory = readInventory(FIXTURE);
  const template = inventory.find((e) => e.type === "aws:ec2/launchTemplate:LaunchTemplate" && e.name === "hft-engine")!;
  (template.inputs.metadataOptions as Record<string, unknown>).httpTokens = "optional";
  const engine = inventory.find((e) => e.type === "kubernetes:apps/v1:StatefulSet" && e.name === "trading-engine")! as InventoryEntry & { inputs: any };
  const main = engine.inputs.spec.template.spec.containers[0];
  main.resources.requests.cpu = main.resources.limits.cpu = "32";
  return write("violating.json", inventory);
}
