/**
 * The engine emulation must agree with @pulumi/policy's own analyzer server. Its RPC handlers are
 * exported, so the pack's rules are run here through them with requests built as the engine builds
 * them (protobuf Structs), and the diagnostics compared with the emulation's findings.
 */
import * as path from "node:path";
import * as analyzerProto from "@pulumi/pulumi/proto/analyzer_pb";
import * as server from "@pulumi/policy/server";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import { describe, expect, it } from "vitest";
import { InventoryEntry } from "../../tools/inventory";
import { engineResource } from "../../tools/policy-gate";
import { reconcileConfig, runPolicies } from "../../tools/policy-engine";
import { allPolicies } from "../policies";
import { readInventory, UNKNOWN_STRING } from "./harness";

const rpc = server as unknown as {
  makeAnalyzeRpcFun(name: string, version: string, level: string, policies: unknown[]): (call: unknown, cb: (err: unknown, resp: any) => void) => void;
  makeAnalyzeStackRpcFun(name: string, version: string, level: string, policies: unknown[]): (call: unknown, cb: (err: unknown, resp: any) => void) => void;
};
const proto = analyzerProto as any;

const LEVELS: Record<number, string> = { 0: "advisory", 1: "mandatory", 2: "disabled", 3: "remediate" };

interface Diagnostic {
  rule: string;
  level: string;
  message: string;
  urn?: string;
}

function options(entry: InventoryEntry): unknown {
  const opts = new proto.AnalyzerResourceOptions();
  if (entry.parent) opts.setParent(entry.parent);
  // The engine sends the protect option with every resource; stateful-resources-protected reads it.
  opts.setProtect(entry.protect ?? false);
  return opts;
}

function call<T>(handler: (call: unknown, cb: (err: unknown, resp: any) => void) => void, request: unknown): Promise<T> {
  return new Promise((resolve, reject) => handler({ request }, (err, resp) => (err ? reject(err instanceof Error ? err : new Error(JSON.stringify(err))) : resolve(resp))));
}

/** What description the server prepends to each message (the engine prints both). */
const descriptions = new Map(allPolicies.map((p) => [p.name, p.description]));

function diagnostics(resp: any, urn?: string): Diagnostic[] {
  return resp.getDiagnosticsList().map((d: any) => ({
    rule: d.getPolicyname(),
    level: LEVELS[d.getEnforcementlevel()],
    message: String(d.getMessage()).replace(`${descriptions.get(d.getPolicyname())}\n`, ""),
    urn: d.getUrn() || urn,
  }));
}

async function serverFindings(inventory: InventoryEntry[]): Promise<Diagnostic[]> {
  const analyze = rpc.makeAnalyzeRpcFun("hft-guardrails", "0.1.0", "advisory", allPolicies);
  const analyzeStack = rpc.makeAnalyzeStackRpcFun("hft-guardrails", "0.1.0", "advisory", allPolicies);
  const found: Diagnostic[] = [];
  for (const entry of inventory) {
    const request = new proto.AnalyzeRequest();
    request.setType(entry.type);
    request.setUrn(entry.urn);
    request.setName(entry.name);
    request.setProperties(Struct.fromJavaScript(entry.inputs as never));
    request.setOptions(options(entry));
    found.push(...diagnostics(await call(analyze, request), entry.urn));
  }
  const stack = new proto.AnalyzeStackRequest();
  stack.setResourcesList(
    inventory.map((entry) => {
      const r = new proto.AnalyzerResource();
      r.setType(entry.type);
      r.setUrn(entry.urn);
      r.setName(entry.name);
      r.setProperties(Struct.fromJavaScript(entry.inputs as never));
      r.setOptions(options(entry));
      if (entry.parent) r.setParent(entry.parent);
      r.setDependenciesList(entry.dependsOn ?? []);
      return r;
    }),
  );
  found.push(...diagnostics(await call(analyzeStack, stack)));
  return found;
}

/** The emulation with what the bare server has: no policy config (schema defaults) and no stack tags. */
async function emulatedFindings(inventory: InventoryEntry[]): Promise<Diagnostic[]> {
  const run = await runPolicies(allPolicies, inventory.map(engineResource), reconcileConfig(allPolicies, {}));
  return run.findings.map((f) => ({ rule: f.rule, level: f.level, message: f.message, urn: f.urn }));
}

const key = (d: Diagnostic) => `${d.rule} ${d.urn ?? ""} ${d.level} ${d.message}`;

describe("the emulation agrees with @pulumi/policy's analyzer server", () => {
  it("on a platform with violations in every family", async () => {
    const inventory = readInventory(path.join(__dirname, "fixtures", "prod-inventory.json")) as (InventoryEntry & { inputs: any })[];
    const engine = inventory.find((e) => e.name === "trading-engine" && e.type === "kubernetes:apps/v1:StatefulSet")!;
    const main = engine.inputs.spec.template.spec.containers[0];
    main.securityContext.privileged = true;
    main.image = "registry.example.com/hft-trading-engine:latest";
    main.env.push({ name: "DB_PASSWORD", value: "hunter2" });
    engine.inputs.spec.template.spec.volumes.push({ name: "host", hostPath: { path: "/" } });
    inventory.find((e) => e.type === "aws:ec2/launchTemplate:LaunchTemplate")!.inputs.metadataOptions.httpTokens = "optional";
    inventory.find((e) => e.type === "aws:efs/fileSystem:FileSystem")!.inputs.encrypted = false;
    delete engine.inputs.spec.template.spec.nodeSelector;
    delete inventory.find((e) => e.type === "aws:s3/bucket:Bucket")!.protect;
    inventory.find((e) => e.type === "kubernetes:core/v1:Service")!.inputs.spec.type = "NodePort";
    inventory.find((e) => e.type === "aws:iam/policy:Policy")!.inputs.policy = JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }] });
    const pab = inventory.findIndex((e) => e.type === "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock");
    inventory.splice(pab, 1);

    const fromServer = (await serverFindings(inventory)).map(key).sort();
    const emulated = (await emulatedFindings(inventory)).map(key).sort();
    expect(fromServer.length).toBeGreaterThanOrEqual(12);
    expect(emulated).toEqual(fromServer);
  });

  it("on values unknown during preview: both downgrade the rule to advisory for that resource", async () => {
    const inventory = readInventory(path.join(__dirname, "fixtures", "prod-inventory.json")) as (InventoryEntry & { inputs: any })[];
    const engine = inventory.find((e) => e.name === "trading-engine" && e.type === "kubernetes:apps/v1:StatefulSet")!;
    engine.inputs.spec.template.spec.containers[0].image = UNKNOWN_STRING;
    const undecided = (ds: Diagnostic[]) =>
      ds
        .filter((d) => /during preview/.test(d.message))
        .map((d) => [d.rule, d.level, d.urn, /: string value at \.spec\.template\.spec\.containers\.0\.image can't be known during preview$/.test(d.message)])
        .sort();
    const fromServer = undecided(await serverFindings(inventory));
    expect(fromServer).toEqual([
      ["image-registry-allowed", "advisory", engine.urn, true],
      ["image-tag-pinned", "advisory", engine.urn, true],
    ]);
    expect(undecided(await emulatedFindings(inventory))).toEqual(fromServer);
  });
});
