/**
 * Node groups and what each node offers pods (allocatable), from the rendered node groups and the
 * kubelet settings in their launch templates' NodeConfig, or nodeadm's defaults where it sets none.
 *
 * nodeadm defaults (awslabs/amazon-eks-ami nodeadm/internal/kubelet/config.go, read 2026-11-30 at
 * 81fec2e8): kubeReserved cpu = 6% of the first core + 1% of the second + 0.5% of cores 3-4 + 0.25%
 * of the rest; kubeReserved memory = 11 MiB x maxPods + 255 MiB; evictionHard memory.available 100Mi;
 * no systemReserved. With reservedSystemCPUs set the kubelet takes exactly those CPUs out of
 * allocatable instead of the cpu reservations (kubelet reference, --reserved-cpus).
 * Preallocated hugepages leave memory allocatable (kubelet node-allocatable docs).
 * Assumption: the kernel and firmware keep 7.5% of the instance memory from the kubelet's capacity
 * (Karpenter's default VM_MEMORY_OVERHEAD_PERCENT, karpenter.sh settings docs).
 */
import { parse } from "yaml";
import { ConfigError } from "../../components/config";
import { InventoryEntry } from "../inventory";
import { instanceType, InstanceType, maxPods } from "../data/instance-types";
import { parseCpuList, reservedCpusProblem, socketOf } from "./cpus";
import { quantity } from "./pods";
import { NodeGroupModel, NodeGroupShape, Taint } from "./types";

const Mi = 1024 ** 2;
const Gi = 1024 ** 3;
export const VM_MEMORY_OVERHEAD = 0.075;

/** nodeadm's kubeReserved CPU in cores for a node with `vcpus` CPUs. */
export function nodeadmReservedCpu(vcpus: number): number {
  const milli = vcpus * 1000;
  const ranges: [number, number, number][] = [
    [0, 1000, 600],
    [1000, 2000, 100],
    [2000, 4000, 50],
    [4000, milli, 25],
  ];
  const reserved = ranges.reduce((sum, [from, to, per10000]) => sum + (milli <= from ? 0 : Math.floor(((Math.min(milli, to) - from) * per10000) / 10000)), 0);
  return reserved / 1000;
}

export function nodeadmReservedMemory(pods: number): number {
  return (11 * pods + 255) * Mi;
}

/** The kubelet fields of a NodeConfig that decide allocatable. */
export interface KubeletSettings {
  maxPods?: number;
  kubeReserved?: Record<string, string>;
  systemReserved?: Record<string, string>;
  evictionHard?: Record<string, string>;
  reservedSystemCPUs?: string;
  cpuManagerPolicy?: string;
  cpuManagerPolicyOptions?: Record<string, string>;
  topologyManagerPolicy?: string;
}

export interface NodeFacts extends NodeGroupShape {
  type: InstanceType;
  kubelet: KubeletSettings;
  hugepages2Mi: number;
  /** Where the kubelet settings came from, for the report. */
  source: string;
  /** Config key of the reserved CPU list, for errors. */
  reservedCpusKey: string;
}

/** Memory on a node the kubelet counts as capacity. */
function memoryCapacity(type: InstanceType): number {
  return type.memoryGiB * Gi * (1 - VM_MEMORY_OVERHEAD);
}

export function allocatable(facts: NodeFacts, stackFile: string): NodeGroupModel {
  const { type, kubelet } = facts;
  const pods = kubelet.maxPods ?? maxPods(type);
  const fullPcpusOnly = kubelet.cpuManagerPolicyOptions?.["full-pcpus-only"] === "true";
  const reservedList = kubelet.reservedSystemCPUs;
  if (reservedList !== undefined) {
    const problem = reservedCpusProblem(reservedList, type, fullPcpusOnly);
    if (problem) throw new ConfigError(stackFile, [`${facts.reservedCpusKey} "${reservedList}" is not valid on ${facts.instanceType} (${type.cores} cores, ${type.vcpus} threads): ${problem}`]);
  }
  const reserved = reservedList !== undefined ? parseCpuList(reservedList) : [];
  const reservedCpu = reservedList !== undefined
    ? reserved.length
    : quantity(kubelet.kubeReserved?.cpu ?? nodeadmReservedCpu(type.vcpus)) + quantity(kubelet.systemReserved?.cpu);
  const hugepages = facts.hugepages2Mi * 2 * Mi;
  const reservedMemory =
    quantity(kubelet.kubeReserved?.memory ?? nodeadmReservedMemory(pods)) +
    quantity(kubelet.systemReserved?.memory) +
    quantity(kubelet.evictionHard?.["memory.available"] ?? "100Mi");
  const staticCpu =
    kubelet.cpuManagerPolicy === "static"
      ? {
          cpusPerNuma: Array.from({ length: type.sockets }, (_, s) =>
            Array.from({ length: type.vcpus }, (_, c) => c).filter((c) => socketOf(c, type) === s && !reserved.includes(c)).length,
          ),
          threadsPerCore: type.threadsPerCore,
          fullPcpusOnly,
          singleNumaNode: kubelet.topologyManagerPolicy === "single-numa-node",
        }
      : undefined;
  return {
    name: facts.name,
    instanceType: facts.instanceType,
    nodes: facts.nodes,
    minSize: facts.minSize,
    maxSize: facts.maxSize,
    zones: facts.zones,
    labels: facts.labels,
    taints: facts.taints,
    allocatable: {
      cpu: round(type.vcpus - reservedCpu),
      memory: Math.floor(memoryCapacity(type) - reservedMemory - hugepages),
      hugepages2Mi: hugepages,
      pods,
    },
    ...(staticCpu ? { staticCpu } : {}),
    reservations: { source: facts.source, cpu: round(reservedCpu), memory: Math.round(reservedMemory), hugepages },
  };
}

const round = (n: number) => Math.round(n * 1000) / 1000;

const TAINT_EFFECTS: Record<string, Taint["effect"]> = { NO_SCHEDULE: "NoSchedule", NO_EXECUTE: "NoExecute", PREFER_NO_SCHEDULE: "PreferNoSchedule" };

/** The NodeConfig document and the hugepages sysctl out of a launch template's decoded user data. */
export function kubeletFromUserData(userData: string | undefined): { kubelet: KubeletSettings; hugepages2Mi: number; found: boolean } {
  if (!userData) return { kubelet: {}, hugepages2Mi: 0, found: false };
  const part = /Content-Type: application\/node\.eks\.aws\s*\n\n([\s\S]*?)\n--/.exec(userData);
  const doc = part ? (parse(part[1]) as { spec?: { kubelet?: { config?: KubeletSettings } } }) : undefined;
  const hugepages = /vm\.nr_hugepages\s*=\s*(\d+)/.exec(userData);
  return { kubelet: doc?.spec?.kubelet?.config ?? {}, hugepages2Mi: hugepages ? Number(hugepages[1]) : 0, found: Boolean(doc) };
}

/**
 * The label the engine node's verifier adds at registration when every check passes (node-isolation.ts
 * writes it into the verifier's expectations); the model assumes the checks pass on a healthy node.
 */
export function verifierLabels(userData: string | undefined): Record<string, string> {
  const m = userData ? /"label":"([^"=]+)=([^"]*)"/.exec(userData) : null;
  return m ? { [m[1]]: m[2] } : {};
}

/**
 * Node groups of an EKS stack. A group's zones are the first N private subnets' zones: the cluster
 * hands every group the private subnets in order (the engine group only the first).
 */
export function eksNodeGroups(inventory: InventoryEntry[], stackFile: string): NodeGroupModel[] {
  const privateZones = inventory
    .filter((r) => r.type === "aws:ec2/subnet:Subnet" && /-private-\d+$/.test(r.name))
    .sort((a, b) => Number(/(\d+)$/.exec(a.name)![1]) - Number(/(\d+)$/.exec(b.name)![1]))
    .map((r) => String(r.inputs.availabilityZone));
  return inventory
    .filter((r) => r.type === "aws:eks/nodeGroup:NodeGroup")
    .map((group) => {
      const inputs = group.inputs as {
        instanceTypes: string[];
        scalingConfig: { desiredSize: number; minSize: number; maxSize: number };
        subnetIds: string[];
        labels?: Record<string, string>;
        taints?: { key: string; value: string; effect: string }[];
      };
      const template = inventory.find((r) => r.type === "aws:ec2/launchTemplate:LaunchTemplate" && r.parent === group.parent);
      const { kubelet, hugepages2Mi, found } = kubeletFromUserData(template?.decoded?.userData);
      const key = group.name.endsWith("-engine") ? "engineNodes.reservedSystemCpus" : `${group.name}.reservedSystemCpus`;
      return allocatable(
        {
          name: group.name,
          instanceType: inputs.instanceTypes[0],
          type: instanceType(inputs.instanceTypes[0]),
          nodes: inputs.scalingConfig.desiredSize,
          minSize: inputs.scalingConfig.minSize,
          maxSize: inputs.scalingConfig.maxSize,
          zones: privateZones.slice(0, inputs.subnetIds.length),
          labels: { ...(inputs.labels ?? {}), ...verifierLabels(template?.decoded?.userData) },
          taints: (inputs.taints ?? []).map((t) => ({ key: t.key, value: t.value, effect: TAINT_EFFECTS[t.effect] ?? "NoSchedule" })),
          kubelet,
          hugepages2Mi,
          source: kubelet.kubeReserved || kubelet.evictionHard ? "launch template NodeConfig" : found && Object.keys(kubelet).length ? "nodeadm defaults under the NodeConfig's kubelet settings" : "nodeadm defaults",
          reservedCpusKey: key,
        },
        stackFile,
      );
    });
}
