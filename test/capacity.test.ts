import { describe, expect, it } from "vitest";
import { evaluateCapacity } from "../tools/capacity";
import { cpuSiblings } from "../components/config/primitives";
import { reservedCpusProblem, socketOf } from "../tools/capacity/cpus";
import { allocatable, kubeletFromUserData, NodeFacts, nodeadmReservedCpu, nodeadmReservedMemory } from "../tools/capacity/nodes";
import { place } from "../tools/capacity/place";
import { podRequests, unconstrainedPod } from "../tools/capacity/pods";
import { NodeGroupModel, PodTemplate, Workload } from "../tools/capacity/types";
import { instanceType, maxPods } from "../tools/data/instance-types";

const Gi = 1024 ** 3;
const Mi = 1024 ** 2;

function facts(type: string, extra: Partial<NodeFacts> = {}): NodeFacts {
  return {
    name: "g",
    instanceType: type,
    type: instanceType(type),
    nodes: 3,
    minSize: 3,
    maxSize: 3,
    zones: ["a", "b", "c"],
    labels: {},
    taints: [],
    kubelet: {},
    hugepages2Mi: 0,
    source: "test",
    reservedCpusKey: "engineNodes.reservedSystemCpus",
    ...extra,
  };
}

function group(name: string, nodes: number, zones: string[], cpu = 4, memoryGiB = 16, extra: Partial<NodeGroupModel> = {}): NodeGroupModel {
  return {
    name,
    instanceType: "test",
    nodes,
    minSize: nodes,
    maxSize: nodes,
    zones,
    labels: {},
    taints: [],
    allocatable: { cpu, memory: memoryGiB * Gi, hugepages2Mi: 0, pods: 110 },
    reservations: { source: "test", cpu: 0, memory: 0, hugepages: 0 },
    ...extra,
  };
}

function pod(name: string, cpu: number, extra: Partial<PodTemplate> = {}): PodTemplate {
  return unconstrainedPod({ app: name }, { cpu, memory: Gi, hugepages2Mi: 0 }, extra);
}

const workload = (name: string, replicas: number, template: PodTemplate, extra: Partial<Workload> = {}): Workload => ({
  name: `ns/${name}`,
  kind: "StatefulSet",
  source: "test",
  replicas,
  pod: template,
  ...extra,
});

const byHost = (app: string) => [{ selector: { matchLabels: { app } }, topologyKey: "kubernetes.io/hostname" }];
const byZone = (app: string) => [{ selector: { matchLabels: { app } }, topologyKey: "topology.kubernetes.io/zone" }];

describe("node allocatable (nodeadm's formula and the instance table)", () => {
  it("reserves CPU by nodeadm's sliding percentages and memory by 11 MiB per pod + 255 MiB", () => {
    expect(nodeadmReservedCpu(8)).toBeCloseTo(0.09);
    expect(nodeadmReservedCpu(2)).toBeCloseTo(0.07);
    expect(nodeadmReservedCpu(128)).toBeCloseTo(0.39);
    expect(nodeadmReservedMemory(58)).toBe(893 * Mi);
  });

  it("derives max pods from the ENI limits as nodeadm does", () => {
    expect(maxPods(instanceType("c6i.metal"))).toBe(737);
    expect(maxPods(instanceType("m6i.large"))).toBe(29);
    expect(maxPods(instanceType("m6i.2xlarge"))).toBe(58);
  });

  it("gives an m6i.2xlarge about 7.9 CPU, and takes reservations and hugepages from memory", () => {
    const plain = allocatable(facts("m6i.2xlarge"), "Pulumi.t.yaml");
    expect(plain.allocatable.cpu).toBeCloseTo(7.91);
    expect(plain.allocatable.memory).toBe(Math.floor(32 * Gi * 0.925 - 893 * Mi - 100 * Mi));
    const huge = allocatable(facts("m6i.2xlarge", { hugepages2Mi: 1024 }), "Pulumi.t.yaml");
    expect(plain.allocatable.memory - huge.allocatable.memory).toBe(2 * Gi);
    expect(huge.allocatable.hugepages2Mi).toBe(2 * Gi);
  });

  it("takes exactly the reserved CPUs out of allocatable and leaves the rest per NUMA node", () => {
    const metal = allocatable(
      facts("c6i.metal", { kubelet: { reservedSystemCPUs: "0-1,32-33,64-65,96-97", cpuManagerPolicy: "static", cpuManagerPolicyOptions: { "full-pcpus-only": "true" }, topologyManagerPolicy: "single-numa-node" } }),
      "Pulumi.t.yaml",
    );
    expect(metal.allocatable.cpu).toBe(120);
    expect(metal.staticCpu).toEqual({ cpusPerNuma: [60, 60], threadsPerCore: 2, fullPcpusOnly: true, singleNumaNode: true });
  });

  it("reads kubelet reservations from the launch template's NodeConfig when it sets them", () => {
    const userData = [
      "--B",
      "Content-Type: application/node.eks.aws",
      "",
      "apiVersion: node.eks.aws/v1alpha1\nkind: NodeConfig\nspec:\n  kubelet:\n    config:\n      kubeReserved: { cpu: 500m, memory: 2Gi }\n      systemReserved: { cpu: 250m, memory: 1Gi }\n      evictionHard: { memory.available: 500Mi }",
      "--B",
      "Content-Type: text/x-shellscript",
      "",
      "vm.nr_hugepages = 512",
      "--B--",
    ].join("\n");
    const { kubelet, hugepages2Mi, found } = kubeletFromUserData(userData);
    expect(found).toBe(true);
    expect(hugepages2Mi).toBe(512);
    const node = allocatable(facts("m6i.2xlarge", { kubelet, hugepages2Mi }), "Pulumi.t.yaml");
    expect(node.allocatable.cpu).toBeCloseTo(7.25);
    expect(node.allocatable.memory).toBe(Math.floor(32 * Gi * 0.925 - 3 * Gi - 500 * Mi - Gi));
  });
});

describe("reservedSystemCpus and the CPU topology", () => {
  it("pairs hyperthread siblings n and n + cores, socket by socket", () => {
    expect(cpuSiblings(0, instanceType("c6i.4xlarge"))).toEqual([0, 8]);
    expect(cpuSiblings(1, instanceType("c6i.metal"))).toEqual([1, 65]);
    expect(socketOf(32, instanceType("c6i.metal"))).toBe(1);
    expect(socketOf(96, instanceType("c6i.metal"))).toBe(1);
    expect(socketOf(64, instanceType("c6i.metal"))).toBe(0);
  });

  it("refuses a set that splits cores under full-pcpus-only and proposes the whole cores", () => {
    expect(reservedCpusProblem("0-1", instanceType("c6i.4xlarge"), true)).toMatch(/whole cores \(full-pcpus-only\): CPU 0 shares its core with 8, e\.g\. "0-1,8-9"/);
    expect(reservedCpusProblem("0-1", instanceType("c6i.4xlarge"), false)).toBeUndefined();
    expect(reservedCpusProblem("0,8", instanceType("c6i.4xlarge"), true)).toBeUndefined();
    expect(reservedCpusProblem("0-1,32-33,64-65,96-97", instanceType("c6i.metal"), true)).toBeUndefined();
    expect(reservedCpusProblem("0-1,16", instanceType("c6i.4xlarge"), false)).toMatch(/CPU 16 does not exist/);
  });

  it("fails the model with the config key and stack file for a split set", () => {
    expect(() =>
      allocatable(facts("c6i.4xlarge", { kubelet: { reservedSystemCPUs: "0-1", cpuManagerPolicy: "static", cpuManagerPolicyOptions: { "full-pcpus-only": "true" } } }), "Pulumi.dev.yaml"),
    ).toThrow(/Invalid stack configuration in Pulumi\.dev\.yaml \(1 problem\):\n {2}- engineNodes\.reservedSystemCpus "0-1" is not valid on c6i\.4xlarge \(8 cores, 16 threads\)/);
  });
});

describe("pod requests", () => {
  it("sums app containers, takes the largest init container if larger, and pins only Guaranteed integer CPUs", () => {
    const c = (cpu: string, memory: string, limitCpu = cpu) => ({ resources: { requests: { cpu, memory }, limits: { cpu: limitCpu, memory } } });
    const guaranteed = podRequests([c("8", "16Gi"), c("200m", "256Mi")], [c("50m", "64Mi")]);
    expect(guaranteed.requests.cpu).toBeCloseTo(8.2);
    expect(guaranteed.exclusiveCpus).toEqual([8]);
    expect(podRequests([c("2", "1Gi", "4")]).exclusiveCpus).toEqual([]);
    expect(podRequests([c("1", "1Gi")], [c("3", "1Gi")]).requests.cpu).toBe(3);
  });
});

describe("placement rules", () => {
  it("keeps pods off tainted nodes unless they tolerate the taint", () => {
    const tainted = group("engine", 2, ["a"], 8, 16, { taints: [{ key: "node-type", value: "hp", effect: "NoSchedule" }] });
    const plain = place([tainted], [workload("web", 1, pod("web", 1))], (w) => w.replicas);
    expect(plain.unschedulable[0].reason).toMatch(/engine.*taint node-type=hp:NoSchedule not tolerated/);
    const tolerant = place([tainted], [workload("web", 1, pod("web", 1, { tolerations: [{ key: "node-type", operator: "Equal", value: "hp", effect: "NoSchedule" }] }))], (w) => w.replicas);
    expect(tolerant.unschedulable).toEqual([]);
  });

  it("honours nodeSelector and required node affinity", () => {
    const g = group("sys", 2, ["a", "b"], 4, 16, { labels: { role: "sys" } });
    expect(place([g], [workload("x", 1, pod("x", 1, { nodeSelector: { role: "data" } }))], (w) => w.replicas).unschedulable[0].reason).toMatch(/nodeSelector role=data/);
    const inB = place([g], [workload("y", 1, pod("y", 1, { nodeAffinity: [[{ key: "topology.kubernetes.io/zone", operator: "In", values: ["b"] }]] }))], (w) => w.replicas);
    expect(inB.nodes.find((n) => n.pods.length)?.labels["topology.kubernetes.io/zone"]).toBe("b");
  });

  it("places one pod per host under required host anti-affinity", () => {
    const r = place([group("sys", 2, ["a", "b"])], [workload("db", 3, pod("db", 1, { antiAffinity: byHost("db") }))], (w) => w.replicas);
    expect(r.placed["ns/db"]).toBe(2);
    expect(r.unschedulable).toEqual([{ pod: "ns/db-2", reason: expect.stringMatching(/anti-affinity on kubernetes.io\/hostname/) }]);
  });

  it("places one pod per zone under required zone anti-affinity, however many nodes a zone has", () => {
    const r = place([group("sys", 4, ["a", "b"])], [workload("db", 3, pod("db", 1, { antiAffinity: byZone("db") }))], (w) => w.replicas);
    expect(r.placed["ns/db"]).toBe(2);
    expect(r.unschedulable[0].reason).toMatch(/anti-affinity on topology.kubernetes.io\/zone/);
  });

  it("keeps a DoNotSchedule topology spread within maxSkew", () => {
    // Zone a has two roomy nodes, zone b one node with room for a single pod.
    const a = group("a", 2, ["a"], 8);
    const b = group("b", 1, ["b"], 1.5);
    const spread = [{ selector: { matchLabels: { app: "cache" } }, topologyKey: "topology.kubernetes.io/zone", maxSkew: 1 }];
    const r = place([a, b], [workload("cache", 4, pod("cache", 1, { spread }))], (w) => w.replicas);
    expect(r.placed["ns/cache"]).toBe(3);
    expect(r.unschedulable[0].reason).toMatch(/topology spread on topology.kubernetes.io\/zone/);
  });

  it("runs a DaemonSet on every node it tolerates, taking room from other pods", () => {
    const sys = group("sys", 2, ["a"], 2);
    const engine = group("engine", 1, ["a"], 8, 16, { taints: [{ key: "t", value: "v", effect: "NoSchedule" }] });
    const ds = workload("agent", 0, pod("agent", 0.5, { tolerations: [{ operator: "Exists" }] }), { kind: "DaemonSet" });
    const r = place([sys, engine], [ds, workload("app", 2, pod("app", 1.6))], (w) => w.replicas);
    expect(r.placed["ns/agent"]).toBe(3);
    expect(r.unschedulable.map((u) => u.pod)).toEqual(["ns/app-0", "ns/app-1"]);
    expect(r.unschedulable[0].reason).toMatch(/sys .*insufficient cpu/);
  });

  it("needs preallocated hugepages for pods that request them", () => {
    const g = group("engine", 1, ["a"], 8, 16, { allocatable: { cpu: 8, memory: 16 * Gi, hugepages2Mi: 2 * Gi, pods: 110 } });
    const r = place([g], [workload("e", 1, pod("e", 1, { requests: { cpu: 1, memory: Gi, hugepages2Mi: 4 * Gi } }))], (w) => w.replicas);
    expect(r.unschedulable[0].reason).toMatch(/insufficient hugepages-2Mi \(needs 4.00 GiB, 2.00 GiB free\)/);
  });

  it("gives static-CPU pods whole cores on one NUMA node", () => {
    const metal = group("engine", 1, ["a"], 120, 200, { staticCpu: { cpusPerNuma: [60, 60], threadsPerCore: 2, fullPcpusOnly: true, singleNumaNode: true } });
    const odd = place([metal], [workload("odd", 1, pod("odd", 3, { exclusiveCpus: [3] }))], (w) => w.replicas);
    expect(odd.unschedulable[0].reason).toMatch(/3 exclusive CPUs is not whole cores \(full-pcpus-only, 2 threads per core\)/);
    const wide = place([metal], [workload("wide", 1, pod("wide", 64, { exclusiveCpus: [64] }))], (w) => w.replicas);
    expect(wide.unschedulable[0].reason).toMatch(/no single NUMA node has 64 free CPUs/);
    const two = place([metal], [workload("pair", 2, pod("pair", 40, { exclusiveCpus: [40] }))], (w) => w.replicas);
    expect(two.unschedulable).toEqual([]);
    expect(two.nodes[0].numaCpusFree.sort()).toEqual([20, 20]);
  });
});

describe("scenarios: full scale and N-1", () => {
  it("fails full scale when an HPA maximum exceeds the hosts, though configured replicas fit", () => {
    const report = evaluateCapacity("t", [group("engine", 3, ["a"])], [workload("engine", 3, pod("engine", 1, { antiAffinity: byHost("engine") }), { maxReplicas: 5 })]);
    expect(report.configured.fits).toBe(true);
    expect(report.fits).toBe(false);
    expect(report.unschedulable.map((u) => u.pod)).toEqual(["ns/engine-3", "ns/engine-4"]);
  });

  it("reports the disruption budgets a lost node breaks, and passes when a spare host exists", () => {
    const w = workload("db", 2, pod("db", 1, { antiAffinity: byHost("db") }), { minAvailable: 2 });
    const tight = evaluateCapacity("t", [group("sys", 2, ["a", "b"])], [w]);
    expect(tight.fits).toBe(true);
    expect(tight.nMinus1.fits).toBe(false);
    expect(tight.nMinus1.short).toContainEqual({ lostNode: "sys-1", workload: "ns/db", available: 1, minAvailable: 2 });
    const spare = evaluateCapacity("t", [group("sys", 3, ["a", "b", "c"])], [w]);
    expect(spare.nMinus1).toEqual({ fits: true, short: [], scenarios: 3 });
  });
});
