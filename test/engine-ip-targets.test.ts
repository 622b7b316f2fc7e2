import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO_ROOT, runStack } from "../tools/harness";
import { Inventory } from "./inventory";
import { expectRejected } from "./stack-config";

// prod with the shorter client path offered in config: the NLB straight to the engine's pod IPs.
const scratch = mkdtempSync(path.join(tmpdir(), "hft-ip-targets-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

let inv: Inventory;

beforeAll(async () => {
  const prod = readFileSync(path.join(REPO_ROOT, "Pulumi.prod.yaml"), "utf8");
  const changed = prod.replace("      sourceRanges: [10.0.0.0/8]\n", "      sourceRanges: [10.0.0.0/8]\n      targetType: ip\n");
  expect(changed).not.toBe(prod);
  writeFileSync(path.join(scratch, "Pulumi.prod-ip.yaml"), changed);
  inv = new Inventory((await runStack("prod-ip", { configDir: scratch })).inventory);
});

describe("engine.exposure.targetType ip", () => {
  it("hands the Service to the AWS Load Balancer Controller with pod IP targets that keep the client's address", () => {
    const service = inv.k8s("kubernetes:core/v1:Service", "trading-engine-external");
    expect(service.metadata.annotations).toEqual({
      "service.beta.kubernetes.io/aws-load-balancer-type": "external",
      "service.beta.kubernetes.io/aws-load-balancer-nlb-target-type": "ip",
      "service.beta.kubernetes.io/aws-load-balancer-scheme": "internal",
      "service.beta.kubernetes.io/aws-load-balancer-attributes": "load_balancing.cross_zone.enabled=true",
      "service.beta.kubernetes.io/aws-load-balancer-target-group-attributes": "preserve_client_ip.enabled=true",
    });
  });

  it("admits the NLB's health checks from the VPC on the websocket port only", () => {
    const ingress = inv.k8s("kubernetes:networking.k8s.io/v1:NetworkPolicy", "trading-engine-ingress").spec.ingress;
    expect(ingress).toContainEqual({ from: [{ ipBlock: { cidr: "10.30.0.0/16" } }], ports: [{ protocol: "TCP", port: 8443 }] });
  });

  it("is refused where no AWS NLB is described (an existing cluster without exposure.internal)", () => {
    expectRejected("local", { "engine.exposure.targetType": "ip" }, "engine.exposure.targetType", /instance unless exposure.internal is set/);
  });
});
