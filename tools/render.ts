/**
 * Offline render of one stack: runs the real program with the stack's config under the mocks and
 * writes out/<stack>/inventory.json (every registered resource, secrets redacted),
 * out/<stack>/manifests/ (one YAML file per Kubernetes object) and out/<stack>/charts/ (each Helm
 * chart's pinned source and values), and validates every object against its schema
 * (out/<stack>/schema-report.json), and evaluates every IAM path over the rendered policies
 * (out/<stack>/iam-report.json, tools/iam-check.ts); a schema error or an IAM violation fails the
 * render after writing the reports. The capacity and cost models write out/<stack>/capacity.json and
 * cost.json; a stack whose pods do not fit fails before anything is written.
 *
 *   npm run render -- --stack <dev|prod|local> [--out DIR] [--config-dir DIR]
 *
 * A usage mistake or an invalid stack configuration writes nothing (see tools/cli.ts).
 */
import { mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { stringify } from "yaml";
import { existingDir, parseFlags, replaceableDir, requireStack, runMain } from "./cli";
import { REPO_ROOT, runStack } from "./harness";
import { modelStack, utilizationTable, writeModels } from "./capacity/report";
import { checkIamPaths } from "./iam-check";
import { InventoryEntry } from "./inventory";
import { validateObjects } from "./schema";

export interface Manifest {
  file: string;
  object: Record<string, unknown>;
}

/** Kubernetes objects among the registered resources (providers and Helm charts are not objects). */
export function kubernetesManifests(inventory: InventoryEntry[]): Manifest[] {
  const objects = inventory.filter((r) => r.type.startsWith("kubernetes:") && r.custom && !r.type.startsWith("kubernetes:helm.sh/"));
  return objects.map((r) => {
    const { apiVersion, kind, metadata: _metadata, ...rest } = r.inputs;
    const object = { apiVersion, kind, metadata: _metadata, ...rest };
    const metadata = (object.metadata ?? {}) as { name?: string; namespace?: string };
    if (!metadata.name) {
      throw new Error(`${r.type} "${r.name}" has no metadata.name: platform objects get stable names (see ARCHITECTURE.md)`);
    }
    return { file: path.join(metadata.namespace ?? "_cluster", `${String(object.kind)}-${metadata.name}.yaml`), object };
  });
}

/**
 * Helm charts among the registered resources, as their inputs: chart, version, repository, namespace
 * and values. The provider templates a chart's objects at deployment, so they are not in manifests/.
 */
export function helmCharts(inventory: InventoryEntry[]): Manifest[] {
  return inventory
    .filter((r) => r.type.startsWith("kubernetes:helm.sh/"))
    .map((r) => ({ file: path.join(typeof r.inputs.namespace === "string" ? r.inputs.namespace : "_cluster", `${r.name}.yaml`), object: r.inputs }));
}

const USAGE = "npm run render -- --stack <stack> [--out DIR] [--config-dir DIR]";

async function main(): Promise<void> {
  const flags = parseFlags(USAGE, { stack: { type: "string" }, out: { type: "string" }, "config-dir": { type: "string" } });
  const configDir = flags["config-dir"] === undefined ? REPO_ROOT : existingDir(flags["config-dir"], "--config-dir");
  const stack = requireStack(flags.stack, configDir, USAGE);
  const outDir = flags.out === undefined ? path.join(REPO_ROOT, "out", stack) : replaceableDir(flags.out, "--out", "inventory.json");
  const started = Date.now();

  // Stale output from an earlier render must not be mistaken for this one's.
  rmSync(outDir, { recursive: true, force: true });
  const run = await runStack(stack, { configDir });
  const manifests = kubernetesManifests(run.inventory);
  const charts = helmCharts(run.inventory);
  // Capacity and cost: a stack that does not fit fails here, before anything is written.
  const models = modelStack(stack, run.inventory, configDir);

  const staging = `${outDir}.partial`;
  rmSync(staging, { recursive: true, force: true });
  for (const [folder, files] of [["manifests", manifests], ["charts", charts]] as const) {
    for (const m of files) {
      const file = path.join(staging, folder, m.file);
      mkdirSync(path.dirname(file), { recursive: true });
      writeFileSync(file, stringify(m.object, { sortMapEntries: false }));
    }
  }
  mkdirSync(staging, { recursive: true });
  writeFileSync(path.join(staging, "inventory.json"), JSON.stringify(run.inventory, null, 2) + "\n");
  const schema = await validateObjects(manifests);
  writeFileSync(path.join(staging, "schema-report.json"), JSON.stringify(schema, null, 2) + "\n");
  const iam = await checkIamPaths(run.inventory);
  writeFileSync(path.join(staging, "iam-report.json"), JSON.stringify(iam, null, 2) + "\n");
  writeModels(staging, models);

  // Serialised once, not once per secret.
  const written = [JSON.stringify(run.inventory), ...manifests.map((m) => JSON.stringify(m.object))];
  const leaked = run.generatedSecrets.filter((secret) => written.some((text) => text.includes(secret)));
  if (leaked.length > 0) {
    rmSync(staging, { recursive: true, force: true });
    throw new Error(`${leaked.length} generated secret value(s) would be written in plain text: wrap them in pulumi.secret()`);
  }
  renameSync(staging, outDir);

  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  console.log(
    `render ${stack}: ${run.inventory.length} resources, ${manifests.length} Kubernetes objects, ${charts.length} Helm charts ` +
      `(${schema.checked} schema-checked, ${schema.errors.length} errors; ${iam.checked} IAM paths, ${iam.violations.length} violations) ` +
      `-> ${path.relative(process.cwd(), outDir) || "."} (${seconds}s)`,
  );
  console.log(utilizationTable(models));
  if (schema.errors.length > 0) {
    for (const e of schema.errors) console.error(`schema: ${e.file}: ${e.message}`);
    process.exitCode = 1;
  }
  if (iam.violations.length > 0) {
    for (const v of iam.violations) console.error(`iam: ${v.path}: expected ${v.expected}, got ${v.actual}`);
    process.exitCode = 1;
  }
}

if (require.main === module) runMain(main);
