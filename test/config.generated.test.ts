import { readFileSync } from "node:fs";
import * as path from "node:path";
import Ajv2020 from "ajv/dist/2020";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { documentedKeys, parsePlatformConfig, projectConfig } from "../components/config";
import { stacksIn } from "../tools/cli";
import { JsonSchema, pulumiConfigDeclarations, stackFileJsonSchema } from "../tools/config-schema";
import { DOCUMENTED_STACKS, GENERATED, staleFiles } from "../tools/gen-config";
import { readStackConfig, REPO_ROOT } from "../tools/harness";

// Stacks are data: every stack file in the repository.
const STACKS = stacksIn(REPO_ROOT);
const read = (file: string) => readFileSync(path.join(REPO_ROOT, file), "utf8");
const stackDoc = (stack: string) => parse(read(`Pulumi.${stack}.yaml`)) as { config: Record<string, any> };

// strictRequired off: the mode conditions (if/then/else) require keys that the parent object defines.
const validate = new Ajv2020({ allErrors: true, strict: true, strictRequired: false }).compile(JSON.parse(read(GENERATED.jsonSchema)) as object);
const errorsOf = (doc: unknown) => (validate(doc) ? [] : validate.errors!.map((e) => `${e.instancePath} ${e.message} ${JSON.stringify(e.params)}`));

describe("generated from the config schema", () => {
  it("the committed JSON Schema, Pulumi.yaml declarations and docs/configuration.md are up to date (npm run gen:config)", () => {
    expect(staleFiles()).toEqual([]);
  });

  it("every stack file points editors at the JSON Schema on its first line", () => {
    for (const stack of STACKS) {
      expect(read(`Pulumi.${stack}.yaml`).split("\n")[0]).toBe("# yaml-language-server: $schema=./schema/stack-config.schema.json");
    }
  });

  it("every key in the JSON Schema has a description", () => {
    const missing: string[] = [];
    const walk = (node: JsonSchema, at: string) => {
      if (node.properties?.secure === undefined && node.type === "object" && node.properties) {
        for (const [k, child] of Object.entries(node.properties)) if (typeof child === "object") walk(child, `${at}.${k}`);
      } else if (node.type === "array" && (node.items as JsonSchema | undefined)?.properties) {
        for (const [k, child] of Object.entries((node.items as JsonSchema).properties!)) if (typeof child === "object") walk(child, `${at}[].${k}`);
      }
      if (!node.description) missing.push(at);
    };
    const config = (stackFileJsonSchema().properties as Record<string, JsonSchema>).config;
    for (const [k, node] of Object.entries(config.properties!)) if (typeof node === "object") walk(node, k);
    expect(missing).toEqual([]);
  });
});

describe("the stack files' JSON Schema", () => {
  it("accepts every stack file", () => {
    expect(STACKS).toEqual(expect.arrayContaining([...DOCUMENTED_STACKS]));
    for (const stack of STACKS) expect(errorsOf(stackDoc(stack)), stack).toEqual([]);
  });

  it("rejects a misspelt key, at the top and nested, naming it", () => {
    const nested = stackDoc("prod");
    nested.config["hft-platform:network"].flowLog = nested.config["hft-platform:network"].flowLogs;
    delete nested.config["hft-platform:network"].flowLogs;
    expect(errorsOf(nested).join("\n")).toMatch(/\/config\/hft-platform:network must NOT have additional properties \{"additionalProperty":"flowLog"\}/);
    const top = stackDoc("dev");
    top.config["hft-platfrom:tier"] = top.config["hft-platform:tier"];
    delete top.config["hft-platform:tier"];
    expect(errorsOf(top).join("\n")).toMatch(/additionalProperty":"hft-platfrom:tier"/);
  });

  it("rejects a plaintext credential, a bad region and EKS sections in existing mode", () => {
    const plaintext = stackDoc("prod");
    plaintext.config["hft-platform:monitoring"].alertmanager.receivers[0].pagerduty.routingKey = "my-plain-routing-key";
    expect(errorsOf(plaintext).join("\n")).toMatch(/receivers\/0\/pagerduty\/routingKey must be object/);
    const region = stackDoc("prod");
    region.config["aws:region"] = "moon-1";
    expect(errorsOf(region).join("\n")).toMatch(/\/config\/aws:region must be equal to one of the allowed values/);
    const local = stackDoc("local");
    local.config["hft-platform:network"] = stackDoc("dev").config["hft-platform:network"];
    expect(errorsOf(local).join("\n")).toMatch(/\/config\/hft-platform:network boolean schema is false/);
    const noRegion = stackDoc("dev");
    delete noRegion.config["aws:region"];
    expect(errorsOf(noRegion).join("\n")).toMatch(/must have required property 'aws:region'/);
  });
});

describe("Pulumi.yaml config declarations", () => {
  const declarations = pulumiConfigDeclarations();

  it("use only the types Pulumi's project config has, for keys of this project", () => {
    const project = parse(read("Pulumi.yaml")) as { config: Record<string, { type: string; description: string }> };
    expect(Object.keys(project.config)).toEqual(Object.keys(declarations));
    for (const [key, decl] of Object.entries(project.config)) {
      expect(["string", "integer", "boolean", "array"]).toContain(decl.type);
      // Keys of other namespaces (aws:region) may not carry a type in Pulumi.yaml.
      expect(key).not.toContain(":");
      expect(key in documentedKeys()).toBe(true);
      expect(decl.description.length).toBeGreaterThan(20);
    }
  });

  it("never make a valid stack file fail: every stack sets each declared key with its type, or it has a default the program accepts", () => {
    const pulumiType = (v: unknown) => (typeof v === "string" ? "string" : typeof v === "boolean" ? "boolean" : Number.isInteger(v) ? "integer" : Array.isArray(v) ? "array" : "object");
    for (const stack of STACKS) {
      const config = stackDoc(stack).config;
      for (const [key, decl] of Object.entries(declarations)) {
        const value = config[`hft-platform:${key}`];
        if (value === undefined) expect(decl.default, `${stack}: ${key}`).toBeDefined();
        else expect(pulumiType(value), `${stack}: ${key}`).toBe(decl.type);
      }
      // The defaults Pulumi would fill in are what the program reads anyway.
      const raw = projectConfig(readStackConfig(stack).config);
      const filled = { ...Object.fromEntries(Object.entries(declarations).flatMap(([k, d]) => (d.default === undefined ? [] : [[k, d.default]]))), ...raw };
      expect(parsePlatformConfig(filled, stack)).toEqual(parsePlatformConfig(raw, stack));
    }
  });
});
