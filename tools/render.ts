/**
 * Offline render of one stack: runs the real program with the stack's config under the mocks and
 * writes out/<stack>/inventory.json (every registered resource, secrets redacted),
 * out/<stack>/manifests/ (one YAML file per Kubernetes object) and out/<stack>/charts/ (each Helm
 * chart's pinned source and values), and validates every object against its schema
 * (out/<stack>/schema-report.json), and evaluates every IAM path over the rendered policies
 * (out/<stack>/iam-report.json, tools/iam-check.ts). The capacity and cost models write
 * out/<stack>/capacity.json and cost.json. The network model (tools/network/) evaluates every
 * NetworkPolicy over every pod and writes out/<stack>/network-report.json.
 *
 *   npm run render -- --stack <stack> [--out DIR] [--config-dir DIR]
 *
 * A failed render writes nothing and leaves the last good render in the output folder as it was:
 * a usage mistake or an invalid stack configuration (see tools/cli.ts), pods that do not fit, a
 * generated secret in plain text, a schema error, an IAM violation or a needed network flow the
 * NetworkPolicies block (each printed, a blocked flow with the policies that block it).
 */
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { stringify } from "yaml";
import { existingDir, parseFlags, quiet, replaceableDir, requireStack, runMain } from "./cli";
import { REPO_ROOT, runStack } from "./harness";
import { modelFiles, modelStack, utilizationTable } from "./capacity/report";
import { embeddedManifests, InventoryEntry } from "./inventory";
import { stackClashes } from "./stack-clashes";
import { ConfigError } from "../components/config";
import { PendingChecks, RenderChecks, startChecks } from "./render-checks";
import type { ClusterNetwork } from "../components/k8s/network";
import { networkModel } from "./network/model";
import { networkErrors, networkReport, networkSummary } from "./network/report";

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
  // The repository's stack files must not create the same cluster or share CI roles or VPC ranges
  // (a --config-dir folder holds variants of one stack, as the tests make them).
  const clashes = configDir === REPO_ROOT ? stackClashes(configDir, stack) : [];
  if (clashes.length > 0) throw new ConfigError(`Pulumi.${stack}.yaml`, clashes);
  const outDir = flags.out === undefined ? path.join(REPO_ROOT, "out", stack) : replaceableDir(flags.out, "--out", "inventory.json");

  const checks = startChecks();
  try {
    await render(stack, configDir, outDir, checks);
  } catch (err) {
    checks.cancel();
    throw err;
  }
}

/**
 * Puts the complete render in `staging` where `outDir` was, in two renames: the last good render
 * stays whole until this one is, and one left aside by a run that died between the renames is
 * put back first.
 */
function replaceOutput(staging: string, outDir: string): void {
  const previous = `${outDir}.previous`;
  if (existsSync(previous)) {
    if (existsSync(outDir)) rmSync(previous, { recursive: true, force: true });
    else renameSync(previous, outDir);
  }
  if (existsSync(outDir)) renameSync(outDir, previous);
  renameSync(staging, outDir);
  rmSync(previous, { recursive: true, force: true });
}

async function render(stack: string, configDir: string, outDir: string, checks: PendingChecks): Promise<void> {
  const started = Date.now();
  const run = await runStack(stack, { configDir });
  const manifests = kubernetesManifests(run.inventory);
  // Checked on the side while the models run and the files are written.
  // Manifests that jobs apply at run time (embedded in ConfigMaps) are schema-checked as well.
  const checked = checks.run({ manifests: [...manifests, ...embeddedManifests(run.inventory)], inventory: run.inventory });
  const charts = helmCharts(run.inventory);
  // Capacity and cost: a stack that does not fit fails here, before anything is written.
  const models = modelStack(stack, run.inventory, configDir);
  // Every NetworkPolicy over every pod: a needed flow they block fails the render.
  const network = networkReport(stack, networkModel(run.inventory, run.outputs.clusterNetwork as ClusterNetwork));
  const blocked = networkErrors(network);
  // Serialised once, not once per secret.
  const texts = [JSON.stringify(run.inventory), ...manifests.map((m) => JSON.stringify(m.object))];
  const leaked = run.generatedSecrets.filter((secret) => texts.some((text) => text.includes(secret)));
  if (leaked.length > 0) throw new Error(`${leaked.length} generated secret value(s) would be written in plain text: wrap them in pulumi.secret()`);

  // Written aside: the last good render in outDir is replaced only by a complete one that passed its checks.
  const staging = `${outDir}.partial`;
  rmSync(staging, { recursive: true, force: true });
  const write = (rel: string, text: string) => {
    mkdirSync(path.dirname(path.join(staging, rel)), { recursive: true });
    writeFileSync(path.join(staging, rel), text);
  };
  let reports: RenderChecks;
  try {
    for (const [folder, files] of [["manifests", manifests], ["charts", charts]] as const) {
      for (const m of files) write(path.join(folder, m.file), stringify(m.object, { sortMapEntries: false }));
    }
    write("inventory.json", JSON.stringify(run.inventory, null, 2) + "\n");
    reports = await checked;
    if (reports.schema.errors.length === 0 && reports.iam.violations.length === 0 && blocked.length === 0) {
      write("schema-report.json", JSON.stringify(reports.schema, null, 2) + "\n");
      write("iam-report.json", JSON.stringify(reports.iam, null, 2) + "\n");
      write("network-report.json", JSON.stringify(network, null, 2) + "\n");
      for (const [file, text] of Object.entries(modelFiles(models))) write(file, text);
      replaceOutput(staging, outDir);
    }
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  const { schema, iam } = reports;
  const shown = path.relative(process.cwd(), outDir) || ".";
  if (schema.errors.length > 0 || iam.violations.length > 0 || blocked.length > 0) {
    for (const e of schema.errors) console.error(`schema: ${e.file}: ${e.message}`);
    for (const v of iam.violations) console.error(`iam: ${v.path}: expected ${v.expected}, got ${v.actual}`);
    for (const line of blocked) console.error(line);
    console.error(
      `render ${stack} failed: ${schema.errors.length} schema error(s), ${iam.violations.length} IAM violation(s), ${blocked.length} network problem(s); ${shown} keeps the last good render`,
    );
    process.exitCode = 1;
    return;
  }

  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  console.log(
    `render ${stack}: ${run.inventory.length} resources, ${manifests.length} Kubernetes objects, ${charts.length} Helm charts ` +
      `(${schema.checked} schema-checked, ${schema.errors.length} errors; ${iam.checked} IAM paths, ${iam.violations.length} violations) ` +
      `-> ${shown} (${seconds}s)`,
  );
  const table = utilizationTable(models).split("\n");
  // Quiet: the capacity verdict and the cost, without a row per node group.
  console.log((quiet() ? [table[0], table[table.length - 1]] : table).join("\n"));
  console.log(networkSummary(network));
}

if (require.main === module) runMain(main);
