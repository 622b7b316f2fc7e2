import { describe, expect, it } from "vitest";
import { InventoryEntry } from "../../tools/inventory";
import { engineResource } from "../../tools/policy-gate";
import { DEFAULT_ENGINE, isEngineWorkload, K8S } from "../kubernetes";
import { decodeUserData } from "../node-config";
import * as aws from "./fixtures/aws";
import * as k from "./fixtures/kubernetes";
import { check, resource, UNKNOWN_STRING } from "./harness";

const b64 = (text: string) => Buffer.from(text).toString("base64");

describe("the engine's identity", () => {
  it("is its workload's name or its labels, whatever its scheduling fields say", () => {
    const w: any = k.statefulSet();
    delete w.spec.template.spec.tolerations;
    expect(isEngineWorkload(K8S.statefulSet, w, DEFAULT_ENGINE)).toBe(true);
    w.metadata.name = "engine-v2";
    expect(isEngineWorkload(K8S.statefulSet, w, DEFAULT_ENGINE)).toBe(true);
    w.metadata.labels = {};
    w.spec.template.metadata.labels = { "app.kubernetes.io/name": "engine-v2" };
    expect(isEngineWorkload(K8S.statefulSet, w, DEFAULT_ENGINE)).toBe(false);
    expect(isEngineWorkload(K8S.deployment, k.deployment() as any, DEFAULT_ENGINE)).toBe(false);
  });

  it("keeps the Guaranteed QoS rule on an engine that dropped its toleration", async () => {
    const w: any = k.statefulSet();
    delete w.spec.template.spec.tolerations;
    w.spec.template.spec.containers[0].resources.requests.memory = "8Gi";
    const { findings } = await check("engine-guaranteed-qos", [k.engineResource(w)]);
    expect(findings.map((f) => f.message)).toEqual([expect.stringMatching(/requests\.memory 8Gi differs from limits\.memory 16Gi/)]);
  });

  it("finds the engine node group by name after it lost its label", async () => {
    const { findings } = await check("engine-node-instance-types", [resource("aws:eks/nodeGroup:NodeGroup", { ...aws.engineNodeGroup(["c6i.4xlarge"]), labels: {} }, "hft-engine")], { config: { requireMetal: true } });
    expect(findings.map((f) => f.message)).toEqual([expect.stringMatching(/c6i\.4xlarge is not bare metal/)]);
  });
});

describe("launch template user data", () => {
  it("merges NodeConfig parts in document order, the later value winning, and keeps the boot scripts", () => {
    const mime = [
      'MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="B"\n',
      "--B\nContent-Type: application/node.eks.aws\n\nkind: NodeConfig\nspec:\n  kubelet:\n    config:\n      cpuManagerPolicy: none\n      reservedSystemCPUs: 0-1\n",
      "--B\nContent-Type: text/x-shellscript\n\n#!/bin/bash\necho hi\n",
      "--B\nContent-Type: application/node.eks.aws\n\n---\nkind: NodeConfig\nspec:\n  kubelet:\n    config:\n      cpuManagerPolicy: static\n",
      "--B--\n",
    ].join("\n");
    const boot = decodeUserData(b64(mime));
    expect(boot.nodeConfig?.spec?.kubelet?.config).toEqual({ cpuManagerPolicy: "static", reservedSystemCPUs: "0-1" });
    expect(boot.scripts).toEqual([expect.stringMatching(/^#!\/bin\/bash\necho hi/)]);
  });

  it("reads a bare NodeConfig or a bare script, and refuses a NodeConfig that is not YAML", () => {
    expect(decodeUserData(b64("apiVersion: node.eks.aws/v1alpha1\nkind: NodeConfig\nspec: {}\n")).nodeConfig).toEqual({ apiVersion: "node.eks.aws/v1alpha1", kind: "NodeConfig", spec: {} });
    expect(decodeUserData(b64("#!/bin/sh\nsysctl -w vm.nr_hugepages=8\n"))).toEqual({ scripts: ["#!/bin/sh\nsysctl -w vm.nr_hugepages=8\n"] });
    expect(() => decodeUserData(b64("kind: NodeConfig\nspec: [unclosed\n"))).toThrow(/a NodeConfig part is not valid YAML/);
  });

  it("is undecidable during a first preview, when it is built from the cluster's outputs: advisory, not a pass", async () => {
    const { findings } = await check("engine-kubelet-memory-manager", aws.engineNodes({ template: (t) => (t.userData = UNKNOWN_STRING) }));
    expect(findings).toEqual([expect.objectContaining({ level: "advisory", undecidable: true, message: expect.stringMatching(/^can't run policy 'engine-kubelet-memory-manager' during preview/) })]);
  });
});

describe("resource options", () => {
  const efs = (protect: boolean): InventoryEntry => ({
    urn: "urn:pulumi:prod::hft-platform::aws:efs/fileSystem:FileSystem::hft",
    type: "aws:efs/fileSystem:FileSystem",
    name: "hft",
    custom: true,
    inputs: aws.efs(),
    ...(protect ? { protect: true } : {}),
  });

  it("reach the rules with the inventory's protect flag, as the engine sends opts.protect", async () => {
    expect((await check("stateful-resources-protected", [engineResource(efs(true))])).findings).toEqual([]);
    expect((await check("stateful-resources-protected", [engineResource(efs(false))])).findings.map((f) => f.message)).toEqual([expect.stringMatching(/FileSystem hft is not protected/)]);
  });

  it("exempt a StatefulSet only by name with a reason, and never one that holds no volumes", async () => {
    const reason = "claims retained on delete by their retention policy";
    const config = { exemptions: [{ kind: "StatefulSet", namespace: "hft-trading", name: "trading-engine", reason }] };
    expect((await check("stateful-resources-protected", [k.engineResource()], { config })).run.notApplicable).toEqual([`trading-engine: exempt by the stack's policy config: ${reason}`]);
    expect((await check("stateful-resources-protected", [k.engineResource()])).findings).toHaveLength(1);
    const elsewhere = { exemptions: [{ kind: "StatefulSet", namespace: "hft-data", name: "trading-engine", reason }] };
    expect((await check("stateful-resources-protected", [k.engineResource()], { config: elsewhere })).findings).toHaveLength(1);
    await expect(check("stateful-resources-protected", [k.engineResource()], { config: { exemptions: [{ kind: "StatefulSet", namespace: "hft-trading", name: "trading-engine" }] } })).rejects.toThrow(/must have required property 'reason'/);
  });
});
