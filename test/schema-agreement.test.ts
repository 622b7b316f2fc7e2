import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import Ajv2020 from "ajv/dist/2020";
import { afterAll, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { ConfigError, parsePlatformConfig, projectConfig } from "../components/config";
import { readStackConfig, REPO_ROOT } from "../tools/harness";

// Generated copies of Pulumi.prod.yaml, each judged by the JSON Schema editors use and by the program:
// both accept the good ones and both refuse the bad ones (formats: CIDRs, ARNs, sizes, whole numbers).
const scratch = mkdtempSync(path.join(tmpdir(), "hft-schema-agreement-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const schema = JSON.parse(readFileSync(path.join(REPO_ROOT, "schema", "stack-config.schema.json"), "utf8")) as object;
const validate = new Ajv2020({ allErrors: true, strict: true, strictRequired: false }).compile(schema);
const prod = readFileSync(path.join(REPO_ROOT, "Pulumi.prod.yaml"), "utf8");

/** A copy of prod with `value` at the dotted key path (its section the first segment), written as Pulumi.<name>.yaml. */
function copy(name: string, key: string, value: unknown): string {
  const doc = parse(prod) as { config: Record<string, Record<string, unknown>> };
  const [section, ...rest] = key.split(".");
  let node: Record<string, unknown> = doc.config[`hft-platform:${section}`];
  for (const k of rest.slice(0, -1)) node = node[k] as Record<string, unknown>;
  node[rest[rest.length - 1]] = value;
  writeFileSync(path.join(scratch, `Pulumi.${name}.yaml`), stringify(doc));
  return name;
}

function bySchema(name: string): string[] {
  const doc = parse(readFileSync(path.join(scratch, `Pulumi.${name}.yaml`), "utf8"));
  return validate(doc) ? [] : validate.errors!.map((e) => `${e.instancePath} ${e.message}`);
}

function byProgram(name: string): string[] {
  try {
    parsePlatformConfig(projectConfig(readStackConfig(name, scratch).config), name);
    return [];
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
}

describe("the JSON Schema and the program", () => {
  it.each([
    ["engine.cpu", 2],
    ["engine.quota.cpu", 48],
    ["engine.logShipper.cpu", 0.5],
    ["redis.resources.limits.cpu", 4],
    ["engine.replicas", "3"],
    ["engine.hostNetwork", "false"],
    ["network.vpcCidr", "10.31.0.0/16"],
  ])("both accept %s: %j", (key, value) => {
    const name = copy(`good-${key.replace(/\W/g, "-")}`, key, value);
    expect(bySchema(name)).toEqual([]);
    expect(byProgram(name)).toEqual([]);
  });

  it.each([
    ["network.vpcCidr", "10.300.0.0/16", "/config/hft-platform:network/vpcCidr"],
    ["network.vpcCidr", "10.0.0.0/8", "/config/hft-platform:network/vpcCidr"],
    ["cluster.serviceCidr", "172.20.0.0/25", "/config/hft-platform:cluster/serviceCidr"],
    ["engine.exposure.sourceRanges", ["10.0.0.0/33"], "/config/hft-platform:engine/exposure/sourceRanges/0"],
    ["cluster.ciAccess.previewRoleArn", "arn:aws:iam::1111:role/hft-ci-preview-prod", "/config/hft-platform:cluster/ciAccess/previewRoleArn"],
    ["engine.memory", "16GB", "/config/hft-platform:engine/memory"],
    ["engine.memory", 16, "/config/hft-platform:engine/memory"],
    ["engine.cpu", 2.5, "/config/hft-platform:engine/cpu"],
    ["engine.logShipper.cpu", "two", "/config/hft-platform:engine/logShipper/cpu"],
  ])("both refuse %s: %j", (key, value, at) => {
    const name = copy(`bad-${key.replace(/\W/g, "-")}-${String(value).replace(/\W/g, "-")}`, key, value);
    expect(bySchema(name).some((e) => e.startsWith(at)), bySchema(name).join("\n")).toBe(true);
    const problems = byProgram(name);
    expect(problems.some((p) => p.startsWith(`hft-platform:${key}`)), problems.join("\n")).toBe(true);
  });

  it("a prod copy with engine.cpu: 2 unquoted renders; one with vpcCidr: 10.300.0.0/16 is refused, naming the key", () => {
    const render = (stack: string) =>
      spawnSync(process.execPath, [path.join(REPO_ROOT, "tools", "run.cjs"), "tools/render.ts", "--stack", stack, "--config-dir", scratch, "--out", path.join(scratch, `out-${stack}`)], { cwd: REPO_ROOT, encoding: "utf8" });
    expect(prod).toMatch(/^ {4}cpu: 8$/m);
    writeFileSync(path.join(scratch, "Pulumi.cpu2.yaml"), prod.replace(/^ {4}cpu: 8$/m, "    cpu: 2"));
    const good = render("cpu2");
    expect(good.stderr).toBe("");
    expect(good.stdout).toMatch(/^render cpu2: /);
    writeFileSync(path.join(scratch, "Pulumi.cidr300.yaml"), prod.replace("vpcCidr: 10.30.0.0/16", "vpcCidr: 10.300.0.0/16"));
    const bad = render("cidr300");
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/^ {2}- hft-platform:network\.vpcCidr: "10\.300\.0\.0\/16" is not allowed; allowed: an IPv4 network in CIDR notation .* \(set it in Pulumi\.cidr300\.yaml\)$/m);
  });
});
