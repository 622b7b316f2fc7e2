import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { documentationRange, parsePlatformConfig, projectConfig } from "../components/config";
import { stacksIn } from "../tools/cli";
import { readStackConfig, REPO_ROOT } from "../tools/harness";
import { eksConfig, expectRejected, existingConfig, problems } from "./stack-config";

const publicEndpoint = { "cluster.endpointPublicAccess": true };
const DOCUMENTATION = /RFC 5737 documentation range that no client is in/;

describe("allow-lists refuse ranges no client is in", () => {
  it("knows the three RFC 5737 ranges and their parts, and nothing else", () => {
    expect(documentationRange("192.0.2.0/24")).toBe("192.0.2.0/24");
    expect(documentationRange("198.51.100.0/24")).toBe("198.51.100.0/24");
    expect(documentationRange("203.0.113.128/25")).toBe("203.0.113.0/24");
    expect(documentationRange("203.0.113.7/32")).toBe("203.0.113.0/24");
    // Neighbours and a range that merely contains one are real addresses.
    expect(documentationRange("203.0.112.0/24")).toBeUndefined();
    expect(documentationRange("198.51.0.0/16")).toBeUndefined();
    expect(documentationRange("10.0.0.0/8")).toBeUndefined();
  });

  for (const range of ["192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24", "203.0.113.64/26"]) {
    it(`refuses ${range} for the API allow-list and the load balancer`, () => {
      expectRejected("dev", { ...publicEndpoint, "cluster.publicAccessCidrs": [range] }, "cluster.publicAccessCidrs", DOCUMENTATION);
      expectRejected("dev", { "engine.exposure.sourceRanges": [range] }, "engine.exposure.sourceRanges", DOCUMENTATION);
      expectRejected("prod", { "engine.exposure.sourceRanges": ["10.0.0.0/8", range] }, "engine.exposure.sourceRanges", DOCUMENTATION);
    });
  }

  it("refuses the whole internet for both", () => {
    expectRejected("dev", { ...publicEndpoint, "cluster.publicAccessCidrs": ["0.0.0.0/0"] }, "cluster.publicAccessCidrs", /not the whole internet/);
    expectRejected("dev", { "engine.exposure.sourceRanges": ["0.0.0.0/0"] }, "engine.exposure.sourceRanges", /not the whole internet/);
  });

  it("accepts real ranges", () => {
    const dev = eksConfig("dev", { ...publicEndpoint, "cluster.publicAccessCidrs": ["100.26.0.0/16"], "engine.exposure.sourceRanges": ["10.20.0.0/16", "100.26.4.0/24"] });
    expect(dev.cluster.publicAccessCidrs).toEqual(["100.26.0.0/16"]);
    expect(dev.engine.exposure.sourceRanges).toEqual(["10.20.0.0/16", "100.26.4.0/24"]);
  });

  it("no stack file ships a documentation range or the whole internet in an allow-list", () => {
    // Every eks-mode stack file in the repository.
    for (const stack of stacksIn(REPO_ROOT)) {
      const config = parsePlatformConfig(projectConfig(readStackConfig(stack).config), stack);
      if (config.clusterMode !== "eks") continue;
      for (const range of [...config.cluster.publicAccessCidrs, ...config.engine.exposure.sourceRanges]) {
        expect(documentationRange(range), `${stack}: ${range}`).toBeUndefined();
        expect(range.endsWith("/0")).toBe(false);
      }
    }
  });
});

describe("a copy of Pulumi.dev.yaml with 203.0.113.0/24 in the API allow-list", () => {
  const scratch = mkdtempSync(path.join(tmpdir(), "hft-allow-list-"));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it("is refused by the render, naming the key and the stack file, and nothing is written", () => {
    const dev = readFileSync(path.join(REPO_ROOT, "Pulumi.dev.yaml"), "utf8");
    const copy = dev.replace("    endpointPublicAccess: false\n", "    endpointPublicAccess: true\n    publicAccessCidrs:\n      - 203.0.113.0/24\n");
    expect(copy).not.toBe(dev);
    writeFileSync(path.join(scratch, "Pulumi.dev-office.yaml"), copy);
    const out = path.join(scratch, "out");

    const result = spawnSync(
      process.execPath,
      [path.join(REPO_ROOT, "tools/run.cjs"), "tools/render.ts", "--stack", "dev-office", "--config-dir", scratch, "--out", out],
      { cwd: REPO_ROOT, encoding: "utf8" },
    );

    expect(result.status).toBe(1);
    expect(result.stderr).toContain("Invalid stack configuration in Pulumi.dev-office.yaml (1 problem)");
    expect(result.stderr).toMatch(
      /hft-platform:cluster\.publicAccessCidrs: "203\.0\.113\.0\/24" is not allowed; allowed: the addresses of real clients: 203\.0\.113\.0\/24 lies in 203\.0\.113\.0\/24, an RFC 5737 documentation range that no client is in \(set it in Pulumi\.dev-office\.yaml\)/,
    );
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(existsSync(out)).toBe(false);
  });
});

describe("cluster.ciAccess", () => {
  const arn = (name: string) => `arn:aws:iam::210987654321:role/${name}`;

  it("is required in eks mode, each role an IAM role ARN", () => {
    expectRejected("prod", { "cluster.ciAccess": undefined }, "cluster.ciAccess", /missing|an object/);
    expectRejected("prod", { "cluster.ciAccess.previewRoleArn": "hft-ci-preview-prod" }, "cluster.ciAccess.previewRoleArn", /an IAM role ARN/);
    expectRejected("prod", { "cluster.ciAccess.deployRoleArn": "arn:aws:iam::210987654321:user/deployer" }, "cluster.ciAccess.deployRoleArn", /an IAM role ARN/);
    expectRejected("prod", { "cluster.ciAccess.deployRoleArn": undefined }, "cluster.ciAccess.deployRoleArn", /an IAM role ARN/);
  });

  it("refuses a role that already has an access entry: EKS keeps one per principal", () => {
    const same = { "cluster.ciAccess.previewRoleArn": arn("hft-ci"), "cluster.ciAccess.deployRoleArn": arn("hft-ci") };
    expectRejected("prod", same, "cluster.ciAccess.deployRoleArn", /ciAccess\.previewRoleArn has this one/);
    const asAdmin = problems("prod", { "cluster.adminRoleArns": [arn("ops")], "cluster.ciAccess.previewRoleArn": arn("ops") });
    expect(asAdmin).toEqual([expect.stringMatching(/^hft-platform:cluster\.ciAccess\.previewRoleArn: .*adminRoleArns\[0\] has this one.*Pulumi\.prod\.yaml/)]);
  });

  it("reads the stack files' roles", () => {
    expect(eksConfig("prod", { "cluster.ciAccess.previewRoleArn": arn("p"), "cluster.ciAccess.deployRoleArn": arn("d") }).cluster.ciAccess).toEqual({
      previewRoleArn: arn("p"),
      deployRoleArn: arn("d"),
    });
  });
});

describe("ciRunner", () => {
  it("defaults the compute, image, timeout and log retention", () => {
    const runner = eksConfig("prod", {
      "ciRunner.computeType": undefined,
      "ciRunner.buildTimeoutMinutes": undefined,
    }).ciRunner;
    expect(runner).toMatchObject({
      computeType: "BUILD_GENERAL1_MEDIUM",
      image: "aws/codebuild/amazonlinux-x86_64-standard:5.0",
      buildTimeoutMinutes: 150,
      logRetentionDays: 90,
    });
  });

  it("checks the repository, the connection and the limits", () => {
    expectRejected("prod", { "ciRunner.repository": "https://github.com/acme/hft" }, "ciRunner.repository", /owner\/name/);
    expectRejected("prod", { "ciRunner.connectionArn": "arn:aws:codestar:us-east-1:210987654321:connection/abc" }, "ciRunner.connectionArn", /CodeConnections connection ARN/);
    expectRejected("prod", { "ciRunner.computeType": "BUILD_GENERAL1_HUGE" }, "ciRunner.computeType", /BUILD_GENERAL1_MEDIUM/);
    expectRejected("prod", { "ciRunner.image": "ubuntu:latest" }, "ciRunner.image", /curated x86_64 image/);
    expectRejected("prod", { "ciRunner.buildTimeoutMinutes": 3000 }, "ciRunner.buildTimeoutMinutes", /from 5 to 2160/);
    expectRejected("prod", { "ciRunner.logRetentionDays": 10 }, "ciRunner.logRetentionDays", /one of 1, 3, 5/);
    expectRejected("prod", { ciRunner: undefined }, "ciRunner", /missing|an object/);
  });

  it("accepts a connection made before the CodeConnections rename", () => {
    const legacy = "arn:aws:codestar-connections:eu-west-1:210987654321:connection/0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d";
    expect(eksConfig("prod", { "ciRunner.connectionArn": legacy }).ciRunner.connectionArn).toBe(legacy);
  });

  it("is EKS-only: an existing cluster is reached through its own network", () => {
    expectRejected("local", { ciRunner: { repository: "acme/hft" } }, "ciRunner", /EKS-only/);
    expect(existingConfig("local").clusterMode).toBe("existing");
  });
});

describe("one partition, one architecture", () => {
  const PARTITION = /in partition aws, the partition of every Region aws:region accepts/;

  it("refuses an ARN of another partition in every ARN key", () => {
    expectRejected("prod", { "ciRunner.connectionArn": "arn:aws-cn:codeconnections:cn-north-1:210987654321:connection/0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d" }, "ciRunner.connectionArn", PARTITION);
    expectRejected("prod", { "cluster.ciAccess.deployRoleArn": "arn:aws-us-gov:iam::210987654321:role/hft-ci-deploy-prod" }, "cluster.ciAccess.deployRoleArn", PARTITION);
    expectRejected("prod", { "cluster.ciAccess.previewRoleArn": "arn:aws-iso:iam::210987654321:role/hft-ci-preview-prod" }, "cluster.ciAccess.previewRoleArn", PARTITION);
    expectRejected("dev", { "cluster.adminRoleArns": ["arn:aws:iam::210987654321:role/ops", "arn:aws-cn:iam::210987654321:role/ops-cn"] }, "cluster.adminRoleArns", /"arn:aws-cn:iam::210987654321:role\/ops-cn" is not allowed; allowed: an IAM role ARN in partition aws/);
    expect(eksConfig("dev", { "cluster.adminRoleArns": ["arn:aws:iam::210987654321:role/ops"] }).cluster.adminRoleArns).toEqual(["arn:aws:iam::210987654321:role/ops"]);
  });

  it("refuses an aarch64 image for the x86_64 LINUX_CONTAINER project, and takes the x86_64 ones", () => {
    for (const image of ["aws/codebuild/amazonlinux-aarch64-standard:3.0", "aws/codebuild/amazonlinux2-aarch64-standard:3.0"]) {
      expectRejected("prod", { "ciRunner.image": image }, "ciRunner.image", /x86_64 image .*LINUX_CONTAINER, which runs x86_64 only/);
    }
    for (const image of ["aws/codebuild/amazonlinux-x86_64-standard:5.0", "aws/codebuild/amazonlinux2-x86_64-standard:5.0", "aws/codebuild/standard:7.0"]) {
      expect(eksConfig("prod", { "ciRunner.image": image }).ciRunner.image).toBe(image);
    }
  });
});

describe("copies of Pulumi.prod.yaml with another partition's ARN or an aarch64 runner image", () => {
  const scratch = mkdtempSync(path.join(tmpdir(), "hft-partition-"));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));
  const prod = readFileSync(path.join(REPO_ROOT, "Pulumi.prod.yaml"), "utf8");
  const copies = {
    "prod-cn": ["connectionArn: arn:aws:codeconnections:", "connectionArn: arn:aws-cn:codeconnections:", "ciRunner.connectionArn"],
    "prod-gov": ["deployRoleArn: arn:aws:iam::", "deployRoleArn: arn:aws-us-gov:iam::", "cluster.ciAccess.deployRoleArn"],
    "prod-arm": ["    computeType:", "    image: aws/codebuild/amazonlinux-aarch64-standard:3.0\n    computeType:", "ciRunner.image"],
  } as const;
  const render = (stack: string) =>
    new Promise<{ status: number | null; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, [path.join(REPO_ROOT, "tools/run.cjs"), "tools/render.ts", "--stack", stack, "--config-dir", scratch, "--out", path.join(scratch, `out-${stack}`)], { cwd: REPO_ROOT });
      let stderr = "";
      child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
      child.on("close", (status) => resolve({ status, stderr }));
    });

  it("each is refused by the render in one line naming the key and the stack file, no trace, nothing written", async () => {
    for (const [stack, [from, to]] of Object.entries(copies)) {
      const copy = prod.replace(from, to);
      expect(copy, stack).not.toBe(prod);
      writeFileSync(path.join(scratch, `Pulumi.${stack}.yaml`), copy);
    }
    const results = await Promise.all(Object.keys(copies).map(render));
    Object.entries(copies).forEach(([stack, [, , key]], i) => {
      const { status, stderr } = results[i];
      expect(status, stack).toBe(1);
      const lines = stderr.trim().split("\n");
      expect(lines, stderr).toEqual([`Invalid stack configuration in Pulumi.${stack}.yaml (1 problem):`, expect.stringMatching(new RegExp(`^  - hft-platform:${key.replaceAll(".", "\\.")}: `))]);
      expect(lines[1]).toMatch(new RegExp(`partition aws|x86_64 only`));
      expect(lines[1]).toContain(`(set it in Pulumi.${stack}.yaml)`);
      expect(existsSync(path.join(scratch, `out-${stack}`))).toBe(false);
    });
  }, 180_000);
});
