import { readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { parseFlags, runMain } from "./cli";
import { configurationDoc, stackFileJsonSchema, withPulumiYamlConfig } from "./config-schema";
import { REPO_ROOT } from "./harness";

/**
 * `npm run gen:config`: writes the files generated from the stack-config schema. With `--check`,
 * writes nothing and fails when one is stale (the tests run the same comparison).
 */

/** The stacks whose values the key table shows side by side. */
export const DOCUMENTED_STACKS = ["dev", "prod", "local"] as const;

export const GENERATED = {
  jsonSchema: "schema/stack-config.schema.json",
  pulumiYaml: "Pulumi.yaml",
  doc: "docs/configuration.md",
} as const;

const read = (file: string) => readFileSync(path.join(REPO_ROOT, file), "utf8");

/** Each generated file's expected contents, from the schema and the committed stack files. */
export function generatedFiles(): Record<string, string> {
  const stacks = Object.fromEntries(
    DOCUMENTED_STACKS.map((s) => [s, ((parse(read(`Pulumi.${s}.yaml`)) as { config?: Record<string, unknown> }).config ?? {})]),
  );
  return {
    [GENERATED.jsonSchema]: `${JSON.stringify(stackFileJsonSchema(), null, 2)}\n`,
    [GENERATED.pulumiYaml]: withPulumiYamlConfig(read(GENERATED.pulumiYaml)),
    [GENERATED.doc]: configurationDoc(stacks),
  };
}

/** Generated files whose committed contents differ from what the schema gives. */
export function staleFiles(): string[] {
  return Object.entries(generatedFiles())
    .filter(([file, text]) => {
      try {
        return read(file) !== text;
      } catch {
        return true;
      }
    })
    .map(([file]) => file);
}

const USAGE = "npm run gen:config [-- --check]";

function main(): void {
  // Strict: a misspelt --check must not silently rewrite the files instead of checking them.
  const flags = parseFlags(USAGE, { check: { type: "boolean" } });
  if (flags.check) {
    const stale = staleFiles();
    if (stale.length > 0) {
      console.error(`stale: ${stale.join(", ")}; run npm run gen:config`);
      process.exit(1);
    }
    console.log("generated config files are up to date");
    return;
  }
  const files = generatedFiles();
  for (const [file, text] of Object.entries(files)) writeFileSync(path.join(REPO_ROOT, file), text);
  console.log(`wrote ${Object.keys(files).join(", ")}`);
}

if (require.main === module) runMain(main);
