import { beforeAll, describe, expect, it } from "vitest";
import { runStack, StackRun } from "../tools/harness";
import { Inventory, userDataParts } from "./inventory";

let run: StackRun;
let inv: Inventory;

beforeAll(async () => {
  run = await runStack("dev");
  inv = new Inventory(run.inventory);
});

describe("dev differs from prod where it saves money", () => {
  it("shares one NAT gateway across the zones and keeps no flow logs", () => {
    expect(inv.all("aws:ec2/natGateway:NatGateway")).toHaveLength(1);
    const privateRoutes = inv.all("aws:ec2/routeTable:RouteTable").filter((r) => r.name.includes("private"));
    expect(privateRoutes).toHaveLength(3);
    expect(new Set(privateRoutes.map((r) => (r.inputs as any).routes[0].natGatewayId)).size).toBe(1);
    expect(inv.all("aws:ec2/flowLog:FlowLog")).toHaveLength(0);
  });

  it("keeps the API endpoint private, like prod: CI reaches it through the stack's runner", () => {
    const cluster = inv.one("eks:index:Cluster", "hft").inputs as any;
    expect(cluster).toMatchObject({ name: "hft-dev", endpointPublicAccess: false, endpointPrivateAccess: true });
    expect(cluster.publicAccessCidrs).toBeUndefined();
    // Security settings do not relax in dev.
    expect(cluster.enabledClusterLogTypes).toHaveLength(5);
    expect(cluster.vpcCniOptions.enableNetworkPolicy).toBe(true);
  });

  it("uses a smaller c6i engine node, still tainted, tuned and placed", () => {
    const engine = inv.one("aws:eks/nodeGroup:NodeGroup", "hft-engine").inputs as any;
    expect(engine.instanceTypes).toEqual(["c6i.4xlarge"]);
    expect(engine.scalingConfig).toEqual({ minSize: 2, desiredSize: 2, maxSize: 2 });
    expect(engine.taints).toEqual([{ key: "node-type", value: "high-performance", effect: "NO_SCHEDULE" }]);
    const { nodeConfig, script } = userDataParts(inv.one("aws:ec2/launchTemplate:LaunchTemplate", "hft-engine"));
    expect(nodeConfig.spec.kubelet.config).toMatchObject({ cpuManagerPolicy: "static", topologyManagerPolicy: "single-numa-node", reservedSystemCPUs: "0,8" });
    expect(script).toContain("vm.nr_hugepages = 2048");
    expect(inv.all("aws:ec2/placementGroup:PlacementGroup")).toHaveLength(1);
  });

  it("lets volumes, EFS and the key go with the stack", () => {
    expect(inv.k8s("kubernetes:storage.k8s.io/v1:StorageClass", "fast-ssd")).toMatchObject({
      reclaimPolicy: "Delete",
      parameters: { iops: "3000", throughput: "500", type: "gp3", encrypted: "true" },
    });
    expect(inv.k8s("kubernetes:storage.k8s.io/v1:StorageClass", "efs-sc").reclaimPolicy).toBe("Delete");
    const fs = inv.one("aws:efs/fileSystem:FileSystem", "hft");
    expect(fs.protect).toBeUndefined();
    expect(fs.inputs).toMatchObject({ encrypted: true });
    expect((inv.one("aws:efs/backupPolicy:BackupPolicy", "hft").inputs as any).backupPolicy.status).toBe("DISABLED");
    expect(inv.one("aws:kms/key:Key", "hft-secrets").protect).toBeUndefined();
    // The engine is told it runs in development (HFT_ENV comes from this label).
    expect(inv.k8s("kubernetes:apps/v1:StatefulSet", "trading-engine").spec.template.metadata.labels["hft-platform/tier"]).toBe("development");
    // A dev cluster can be destroyed without unprotecting it first.
    expect(inv.one("eks:index:Cluster", "hft").protect).toBeUndefined();
  });
});

describe("engine node requirements", () => {
  it("are exactly what the engine node group's NodeConfig and boot script set", () => {
    const requirements = run.outputs.engineNodeRequirements as any;
    const template = inv.one("aws:ec2/launchTemplate:LaunchTemplate", "hft-engine");
    const { nodeConfig, script } = userDataParts(template);
    expect(requirements.kubelet).toEqual(nodeConfig.spec.kubelet.config);
    expect(nodeConfig.spec.kubelet.flags).toEqual([
      `--node-labels=${Object.entries(requirements.labels).map(([k, v]) => `${k}=${String(v)}`).join(",")}`,
      `--register-with-taints=${requirements.taints.map((t: any) => `${t.key}=${t.value}:${t.effect}`).join(",")}`,
    ]);
    const engineGroup = inv.one("aws:eks/nodeGroup:NodeGroup", "hft-engine").inputs as any;
    expect(engineGroup.labels).toEqual(requirements.labels);
    for (const [key, value] of Object.entries(requirements.sysctls)) expect(script).toContain(`${key} = ${String(value)}`);
    expect(requirements.hugepages2Mi).toBe(2048);
    expect(script).toContain(`echo ${requirements.transparentHugepages} > /sys/kernel/mm/transparent_hugepage/enabled`);
  });
});
