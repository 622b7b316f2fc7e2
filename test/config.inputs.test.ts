import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { ConfigError, didYouMean, parseStackConfig, StackFileSyntaxError } from "../components/config";
import { readStackConfig, REPO_ROOT } from "../tools/harness";
import { problems } from "./stack-config";

const dir = mkdtempSync(path.join(tmpdir(), "hft-inputs-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const prodYaml = readFileSync(path.join(REPO_ROOT, "Pulumi.prod.yaml"), "utf8");
const ROUTING_KEY = /( +)routingKey:\n +secure: v1:placeholder:set-with-pulumi-config-set-secret\n/;

/** A copy of a stack file under another stack name, edited. */
function writeStack(name: string, text: string): string {
  writeFileSync(path.join(dir, `Pulumi.${name}.yaml`), text);
  return name;
}

/** The stack's config map and secret keys as the engine hands them over, through the offline harness. */
function stackProblems(name: string): string[] {
  const { config, secretKeys } = readStackConfig(name, dir);
  try {
    parseStackConfig(config, name, (key) => secretKeys.includes(key));
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

const render = promisify(execFile);

/** `npm run render` on a stack file in the temporary folder: exit code, output, and whether out/<stack> appeared. */
async function renderStack(name: string): Promise<{ code: number; output: string; wroteOut: boolean }> {
  try {
    const { stdout, stderr } = await render(process.execPath, [path.join(REPO_ROOT, "tools", "run.cjs"), "tools/render.ts", "--stack", name, "--config-dir", dir], { cwd: REPO_ROOT });
    return { code: 0, output: stdout + stderr, wroteOut: existsSync(path.join(REPO_ROOT, "out", name)) };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, output: e.stdout + e.stderr, wroteOut: existsSync(path.join(REPO_ROOT, "out", name)) };
  }
}

describe("a copy of Pulumi.prod.yaml with a wrong input is refused before anything is rendered", () => {
  it("aws:region: moon-1, naming aws:region and the stack file", async () => {
    const name = writeStack("badregion", prodYaml.replace("aws:region: us-east-1", "aws:region: moon-1"));
    const { code, output, wroteOut } = await renderStack(name);
    expect(code).toBe(1);
    expect(output).toMatch(/^Invalid stack configuration in Pulumi\.badregion\.yaml \(1 problem\):\n {2}- aws:region: "moon-1" is not allowed; allowed: one of the AWS commercial Regions \(af-south-1, .*us-east-1.*\).*\(set it in Pulumi\.badregion\.yaml\)\n$/);
    expect(wroteOut).toBe(false);
  });

  it("a plaintext PagerDuty routingKey, naming the key and the pulumi config set --secret command, never the value", async () => {
    const name = writeStack("plaintext", prodYaml.replace(ROUTING_KEY, "$1routingKey: my-plain-routing-key\n"));
    const { code, output, wroteOut } = await renderStack(name);
    expect(code).toBe(1);
    expect(output).toContain(
      "hft-platform:monitoring.alertmanager.receivers[0].pagerduty.routingKey: plain text is not allowed for a credential; allowed: a secure value, set with pulumi config set --secret --path 'hft-platform:monitoring.alertmanager.receivers[0].pagerduty.routingKey' <value> (set it in Pulumi.plaintext.yaml)",
    );
    expect(output).not.toContain("my-plain-routing-key");
    expect(wroteOut).toBe(false);
  });

  it("a YAML syntax error, naming the file, line and column in one line without a stack trace", async () => {
    const name = writeStack("broken", prodYaml.replace("  hft-platform:tier: production\n", "  hft-platform:tier: production\n  hft-platform:network: {vpcCidr: 10.30.0.0/16\n"));
    const { code, output, wroteOut } = await renderStack(name);
    expect(code).toBe(1);
    expect(output).toMatch(/^\S*Pulumi\.broken\.yaml:\d+:\d+: YAML syntax error: .+\n$/);
    expect(output).not.toMatch(/\bat \S+ \(|YAMLParseError|node_modules/);
    expect(wroteOut).toBe(false);
  });
});

describe("stack file checks", () => {
  it("a YAML error is a ConfigError whose message is the one line", () => {
    writeStack("dup", "config:\n  hft-platform:tier: development\n  hft-platform:tier: production\n");
    let error: unknown;
    try {
      readStackConfig("dup", dir);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(StackFileSyntaxError);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(/Pulumi\.dup\.yaml:3:3: YAML syntax error: Map keys must be unique$/);
  });

  it("refuses secure: \"\" and secure: [a, b] without echoing them", () => {
    writeStack(
      "badsecure",
      prodYaml.replace(ROUTING_KEY, '$1routingKey:\n$1  secure: ""\n').replace(/( +)apiUrl:\n +secure: v1:placeholder:set-with-pulumi-config-set-secret\n/, "$1apiUrl:\n$1  secure: [a, b]\n"),
    );
    let found: string[] = [];
    try {
      readStackConfig("badsecure", dir);
    } catch (err) {
      found = (err as ConfigError).problems;
    }
    expect(found).toContain(
      "hft-platform:monitoring.alertmanager.receivers[0].pagerduty.routingKey: secure: an empty string is not allowed; allowed: one non-empty ciphertext string, as pulumi config set --secret --path 'hft-platform:monitoring.alertmanager.receivers[0].pagerduty.routingKey' <value> writes it (set it in Pulumi.badsecure.yaml)",
    );
    expect(found.find((p) => p.startsWith("hft-platform:monitoring.alertmanager.receivers[1].slack.apiUrl:"))).toMatch(/secure: a list is not allowed/);
  });

  it("names a misspelt namespace or key as a stray key with the key it probably meant", () => {
    const name = writeStack("strays", prodYaml.replace("aws:region:", "aws:regoin:").replace("hft-platform:tier:", "hft-platfrom:tier:"));
    const found = stackProblems(name);
    expect(found).toContain("aws:regoin: stray key: neither a key of this project (hft-platform:…) nor aws:region or aws:profile; did you mean aws:region? (fix it in Pulumi.strays.yaml)");
    expect(found).toContain("hft-platfrom:tier: stray key: neither a key of this project (hft-platform:…) nor aws:region or aws:profile; did you mean hft-platform:tier? (fix it in Pulumi.strays.yaml)");
    // ...and what they leave missing.
    expect(found.some((p) => p.startsWith("aws:region: missing;"))).toBe(true);
    expect(found.some((p) => p.startsWith("hft-platform:tier: missing;"))).toBe(true);
  });

  it("requires aws:region in eks mode only, and a real Region wherever it is set", () => {
    const name = writeStack("noregion", prodYaml.replace("  aws:region: us-east-1\n", ""));
    expect(stackProblems(name)).toEqual([expect.stringMatching(/^aws:region: missing; allowed: one of the AWS commercial Regions .*required in eks mode/)]);
    expect(stackProblems(writeStack("nearregion", prodYaml.replace("aws:region: us-east-1", "aws:region: us-east-9")))).toEqual([
      expect.stringMatching(/^aws:region: "us-east-9" is not allowed; .*did you mean us-east-1\?/),
    ]);
    const local = readFileSync(path.join(REPO_ROOT, "Pulumi.local.yaml"), "utf8");
    expect(stackProblems(writeStack("local-copy", local))).toEqual([]);
    expect(stackProblems(writeStack("local-region", local.replace("config:\n", "config:\n  aws:region: moon-1\n")))).toEqual([expect.stringMatching(/^aws:region: "moon-1" is not allowed/)]);
  });

  it("refuses credentials in a key the CLI does not mark secret (what a real pulumi up can tell)", () => {
    writeStack("prod-copy", prodYaml);
    const { config } = readStackConfig("prod-copy", dir);
    let plain: string[] = [];
    try {
      parseStackConfig(config, "prod-copy", () => false);
    } catch (err) {
      plain = (err as ConfigError).problems;
    }
    expect(plain).toEqual([
      expect.stringMatching(/^hft-platform:monitoring\.alertmanager\.receivers\[0\]\.pagerduty\.routingKey: plain text is not allowed for a credential; .*--path 'hft-platform:monitoring\.alertmanager\.receivers\[0\]\.pagerduty\.routingKey'/),
      expect.stringMatching(/^hft-platform:monitoring\.alertmanager\.receivers\[1\]\.slack\.apiUrl: plain text/),
      expect.stringMatching(/^hft-platform:monitoring\.alertmanager\.receivers\[2\]\.webhook\.url: plain text/),
    ]);
    expect(stackProblems("prod-copy")).toEqual([]);
  });

  it("never echoes a credential's value, whatever is wrong with it", () => {
    const receivers = [{ name: "oncall", pagerduty: { routingKey: "two words" } }, { name: "hook", webhook: { url: 12345 } }];
    const found = problems("dev", { "monitoring.alertmanager.receivers": receivers, "monitoring.alertmanager.defaultReceiver": "oncall" });
    expect(found).toEqual([
      "hft-platform:monitoring.alertmanager.receivers[0].pagerduty.routingKey: this value is not allowed (not shown: a credential); allowed: a secure value, set with pulumi config set --secret --path 'hft-platform:monitoring.alertmanager.receivers[0].pagerduty.routingKey' <value> (set it in Pulumi.dev.yaml)",
      expect.stringMatching(/^hft-platform:monitoring\.alertmanager\.receivers\[1\]\.webhook\.url: this value is not allowed \(not shown: a credential\)/),
    ]);
    expect(found.join("\n")).not.toMatch(/two words|12345/);
  });

  it("suggests the nearest key for a misspelt nested key", () => {
    const [line] = problems("dev", { "network.flowLog": true });
    expect(line).toBe(
      "hft-platform:network.flowLog: unknown key; allowed keys here: vpcCidr, availabilityZones, natGateways, flowLogs, flowLogRetentionDays; did you mean flowLogs? (fix it in Pulumi.dev.yaml)",
    );
    expect(didYouMean("tier", ["network", "cluster"])).toBeUndefined();
    expect(didYouMean("Replicas", ["replicas", "maxReplicas"])).toBe("replicas");
  });
});
