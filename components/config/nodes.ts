import { int, list, Rules, section, text, TierContext, withRules } from "./fields";
import { formatCpuSet, parseCpuSet, splitCoresProblem } from "./primitives";

export interface NodeScaling {
  minSize: number;
  desiredSize: number;
  maxSize: number;
}

export interface SystemNodesConfig extends NodeScaling {
  /** General-purpose instance types for system workloads (CoreDNS, operators, monitoring, data services). */
  instanceTypes: string[];
  rootVolumeGiB: number;
}

export interface EngineNodesConfig extends NodeScaling {
  /** c6i instance type; production: c6i.metal only. */
  instanceType: string;
  rootVolumeGiB: number;
  /** CPUs kept for the OS and kubelet (cpuset syntax, e.g. "0-1,64-65"); the rest are exclusive to Guaranteed pods. */
  reservedSystemCpus: string;
  /** CPUs isolated from the kernel's housekeeping and interrupts for the engine; default every CPU not reserved. */
  isolatedCpus?: string;
  /** Number of 2 MiB hugepages preallocated at boot. */
  hugepages2Mi: number;
  kernel: KernelTuning;
}

/** Low-latency sysctls applied at node bootstrap (never from privileged pods). */
export interface KernelTuning {
  /** net.core.busy_poll / busy_read, in microseconds (0 disables). */
  busyPollUs: number;
  /** net.core.rmem_max / wmem_max, in bytes. */
  socketBufferBytes: number;
}

/**
 * c6i sizes: vCPUs and memory (GiB), from the EC2 instance type documentation; every c6i runs two
 * threads per core (EC2 User Guide, "CPU options": supported cores and threads per instance type,
 * read 2026-11-30).
 */
export const C6I_SIZES: Record<string, { vcpus: number; memoryGiB: number; threadsPerCore: number }> = {
  "c6i.large": { vcpus: 2, memoryGiB: 4, threadsPerCore: 2 },
  "c6i.xlarge": { vcpus: 4, memoryGiB: 8, threadsPerCore: 2 },
  "c6i.2xlarge": { vcpus: 8, memoryGiB: 16, threadsPerCore: 2 },
  "c6i.4xlarge": { vcpus: 16, memoryGiB: 32, threadsPerCore: 2 },
  "c6i.8xlarge": { vcpus: 32, memoryGiB: 64, threadsPerCore: 2 },
  "c6i.12xlarge": { vcpus: 48, memoryGiB: 96, threadsPerCore: 2 },
  "c6i.16xlarge": { vcpus: 64, memoryGiB: 128, threadsPerCore: 2 },
  "c6i.24xlarge": { vcpus: 96, memoryGiB: 192, threadsPerCore: 2 },
  "c6i.32xlarge": { vcpus: 128, memoryGiB: 256, threadsPerCore: 2 },
  "c6i.metal": { vcpus: 128, memoryGiB: 256, threadsPerCore: 2 },
};

/**
 * Whether the OS may set processor C-states and P-states (EC2 User Guide, "Processor state control
 * for your EC2 instance", read 2026-12-07: c6i.metal is listed under "C-states and P-states"; no other
 * c6i size was confirmed on a list, so the others are treated as offering neither).
 */
export const C6I_PROCESSOR_STATE_CONTROL: Record<string, boolean> = { "c6i.metal": true };

/**
 * NUMA nodes per engine instance type. EC2 publishes cores, not sockets: c6i runs on the 32-core
 * Xeon Platinum 8375C (EC2 instance-type docs, "Intel Xeon Scalable (Ice Lake)"), so a size with
 * more than 32 cores (24xlarge: 48, 32xlarge and metal: 64, EC2 "CPU options" table) spans two
 * sockets, and every smaller size fits one. Derived 2026-11-30; confirm with `lscpu | grep NUMA`.
 */
export const C6I_NUMA_NODES: Record<string, number> = {
  "c6i.large": 1,
  "c6i.xlarge": 1,
  "c6i.2xlarge": 1,
  "c6i.4xlarge": 1,
  "c6i.8xlarge": 1,
  "c6i.12xlarge": 1,
  "c6i.16xlarge": 1,
  "c6i.24xlarge": 2,
  "c6i.32xlarge": 2,
  "c6i.metal": 2,
};

/**
 * Pods per node as nodeadm computes them for the VPC CNI without prefix delegation
 * (awslabs/amazon-eks-ami v20251103, templates/shared/runtime/eni-max-pods.txt).
 */
export const C6I_ENI_MAX_PODS: Record<string, number> = {
  "c6i.large": 29,
  "c6i.xlarge": 58,
  "c6i.2xlarge": 58,
  "c6i.4xlarge": 234,
  "c6i.8xlarge": 234,
  "c6i.12xlarge": 234,
  "c6i.16xlarge": 737,
  "c6i.24xlarge": 737,
  "c6i.32xlarge": 737,
  "c6i.metal": 737,
};

/** The kubelet's own default maxPods, for nodes this program does not size (existing clusters). */
export const KUBELET_DEFAULT_MAX_PODS = 110;

/**
 * Memory kept from pods on an engine node, and the NUMA nodes it is spread over. The Memory
 * Manager's `Static` policy needs it twice: as node-allocatable reservations and per NUMA node.
 */
export interface MemoryReservation {
  numaNodes: number;
  kubeReservedMi: number;
  systemReservedMi: number;
  evictionHardMi: number;
}

/**
 * nodeadm's defaults made explicit (amazon-eks-ami v20251103, nodeadm/internal/kubelet/config.go):
 * kube-reserved memory 11 MiB per pod + 255 MiB, hard eviction at 100Mi available, and no
 * system-reserved, to which the engine nodes add 1 GiB for the OS (journald, SSM agent, the boot
 * script's services). Written out, they are what the Memory Manager's reservedMemory must add up to.
 */
export function memoryReservation(maxPods: number, numaNodes: number): MemoryReservation {
  return { numaNodes, kubeReservedMi: 11 * maxPods + 255, systemReservedMi: 1024, evictionHardMi: 100 };
}

/** The reservation of an EKS engine node; the schema admits only instance types these tables know. */
export function instanceMemoryReservation(instanceType: string): MemoryReservation {
  const maxPods = C6I_ENI_MAX_PODS[instanceType];
  const numaNodes = C6I_NUMA_NODES[instanceType];
  if (maxPods === undefined || numaNodes === undefined) throw new Error(`no max-pods or NUMA entry for engine instance type ${instanceType}`);
  return memoryReservation(maxPods, numaNodes);
}

/** kube-reserved + system-reserved + the hard eviction threshold: what reservedMemory must add up to. */
export function totalReservedMi(memory: MemoryReservation): number {
  return memory.kubeReservedMi + memory.systemReservedMi + memory.evictionHardMi;
}

/** Hugepages may take at most this share of an engine node's memory, leaving room for the OS and pods. */
export const MAX_HUGEPAGES_SHARE = 0.5;

/** Low-latency sysctls of the engine nodes; every one has a default. */
export function kernelSchema() {
  return section({
    busyPollUs: int(0, 1000).default(50).describe("net.core.busy_poll / busy_read, in microseconds (0 disables)."),
    socketBufferBytes: int(212992, 268435456).default(16777216).describe("net.core.rmem_max / wmem_max, in bytes."),
    // No somaxconn or tcp_max_syn_backlog: both are per network namespace, so a node setting never
    // reaches a pod with its own; see latencySysctls in node-bootstrap.ts for why pods do not set them.
  })
    .prefault({})
    .describe("Low-latency sysctls applied at node bootstrap (never from privileged pods).");
}

/** The engine node tuning fields shared by engineNodes and existingCluster.engineNode. */
export const engineNodeTuningFields = () => ({
  isolatedCpus: cpuSetText()
    .optional()
    .describe(
      "CPUs isolated for the engine (nohz_full, rcu_nocbs, no managed interrupts); default every CPU not in reservedSystemCpus. Whole cores, disjoint from reservedSystemCpus, and covering every CPU it leaves: the kubelet pins the engine to any of them.",
    ),
  reservedSystemCpus: cpuSetText().describe(
    'CPUs kept for the OS and kubelet (cpuset, e.g. "0-1,64-65"); whole cores on EKS engine nodes (CPU n and n + cores share a core); the rest are exclusive to Guaranteed pods.',
  ),
  hugepages2Mi: int(0, 1_000_000).describe("Number of 2 MiB hugepages preallocated at boot; at most half the node's memory."),
  kernel: kernelSchema(),
});

const cpuSetText = () => text(/^\d+(-\d+)?(,\d+(-\d+)?)*$/, 'a cpuset such as "0-1" or "0-3,64-67"');

/** The engine node's CPUs in two sets: the kubelet's reserved CPUs (system, kubelet, interrupts) and the engine's isolated ones. */
export interface EngineCpuSets {
  reserved: string;
  isolated: string;
}

/** The two sets from the config, derived once: isolated defaults to every CPU of the node not reserved. */
export function engineCpuSets(vcpus: number, reservedSystemCpus: string, isolatedCpus?: string): EngineCpuSets {
  const reserved = new Set(parseCpuSet(reservedSystemCpus));
  const isolated = isolatedCpus ?? formatCpuSet(Array.from({ length: vcpus }, (_, cpu) => cpu).filter((cpu) => !reserved.has(cpu)));
  return { reserved: formatCpuSet([...reserved]), isolated };
}

/**
 * isolatedCpus against the node and the reserved set: inside the node, no CPU in both sets, whole
 * cores (a sibling left outside would run housekeeping beside the engine), and every CPU the reserved
 * set leaves, since the static CPU manager may hand the engine any CPU that is not reserved.
 */
function isolatedCpusProblem(isolated: number[], reserved: number[], size: { name: string; vcpus: number; threadsPerCore?: number }): string | undefined {
  const outside = isolated.filter((c) => c >= size.vcpus);
  if (outside.length) return `CPUs below ${size.vcpus} on ${size.name} (${formatCpuSet(outside)} do not exist)`;
  const reservedSet = new Set(reserved);
  const both = isolated.filter((c) => reservedSet.has(c));
  if (both.length) return `CPUs disjoint from reservedSystemCpus (${formatCpuSet(both)} in both sets)`;
  if (size.threadsPerCore !== undefined) {
    const split = splitCoresProblem(isolated, { vcpus: size.vcpus, threadsPerCore: size.threadsPerCore });
    if (split) return `${split} on ${size.name}`;
  }
  const isolatedSet = new Set(isolated);
  const left = Array.from({ length: size.vcpus }, (_, c) => c).filter((c) => !reservedSet.has(c) && !isolatedSet.has(c));
  if (left.length) return `every CPU not in reservedSystemCpus (${formatCpuSet(left)} in neither set: the kubelet could pin the engine there)`;
  return undefined;
}

/**
 * reservedSystemCpus must leave CPUs for pods and, where the threads per core are known (EKS engine
 * nodes, whose kubelet runs the static CPU manager with full-pcpus-only), reserve whole cores;
 * hugepages at most half the node's memory.
 */
export function engineNodeTuningRules(
  r: Rules<{ reservedSystemCpus?: string; isolatedCpus?: string; hugepages2Mi?: number }>,
  size: { name: string; vcpus: number; memoryGiB: number; threadsPerCore?: number } | undefined,
): void {
  if (!size) return;
  const { reservedSystemCpus, hugepages2Mi } = r.value;
  if (r.valid("reservedSystemCpus")) {
    const cpus = parseCpuSet(reservedSystemCpus!);
    if (cpus.length === 0 || Math.max(...cpus) >= size.vcpus || cpus.length >= size.vcpus) {
      r.problem("reservedSystemCpus", reservedSystemCpus, `CPUs below ${size.vcpus} on ${size.name}, leaving some for pods`);
    } else if (size.threadsPerCore !== undefined) {
      const split = splitCoresProblem(cpus, { vcpus: size.vcpus, threadsPerCore: size.threadsPerCore });
      if (split) r.problem("reservedSystemCpus", reservedSystemCpus, `${split} on ${size.name}`);
    }
    const { isolatedCpus } = r.value;
    if (isolatedCpus !== undefined && r.valid("isolatedCpus")) {
      const problem = isolatedCpusProblem(parseCpuSet(isolatedCpus), cpus, size);
      if (problem) r.problem("isolatedCpus", isolatedCpus, problem);
    }
  }
  const maxPages = Math.floor((size.memoryGiB * 1024 * MAX_HUGEPAGES_SHARE) / 2);
  if (r.valid("hugepages2Mi") && hugepages2Mi! > maxPages) {
    r.problem("hugepages2Mi", hugepages2Mi, `at most ${maxPages} (half of ${size.name}'s ${size.memoryGiB} GiB)`);
  }
}

/** minSize ≥ minimum, and minSize ≤ desiredSize ≤ maxSize. */
const scalingFields = (minimum: number) => ({
  minSize: int(minimum, 100).describe(`Smallest node count (at least ${minimum}).`),
  desiredSize: int(0, 100).describe("Node count at creation; minSize ≤ desiredSize ≤ maxSize."),
  maxSize: int(1, 100).describe("Largest node count."),
});

function scalingRule(r: Rules<Partial<NodeScaling>>): void {
  if (!r.valid("minSize", "desiredSize", "maxSize")) return;
  const { minSize, desiredSize, maxSize } = r.value as NodeScaling;
  if (!(minSize <= desiredSize && desiredSize <= maxSize)) {
    r.problem("desiredSize", desiredSize, `minSize ≤ desiredSize ≤ maxSize (here ${minSize} ≤ ${desiredSize} ≤ ${maxSize} does not hold)`);
  }
}

export function systemNodesSchema({ prod }: TierContext) {
  const fields = section({
    instanceTypes: list(text(/^[a-z][a-z0-9-]*\.[a-z0-9]+$/, "EC2 instance types such as m6i.xlarge")).describe(
      "General-purpose instance types for system workloads (CoreDNS, operators, monitoring, data services).",
    ),
    ...scalingFields(prod ? 2 : 1),
    rootVolumeGiB: int(20, 1000).describe("Root volume size in GiB."),
  });
  return withRules(fields, (r) => {
    if (r.valid("instanceTypes") && r.value.instanceTypes.length === 0) r.problem("instanceTypes", [], "at least one instance type");
    scalingRule(r);
  });
}

export function engineNodesSchema({ prod }: TierContext) {
  const instanceType = prod
    ? text(/^c6i\.metal$/, "c6i.metal (production engine nodes are bare metal)")
    : text(/^c6i\.[a-z0-9]+$/, `a c6i instance type (${Object.keys(C6I_SIZES).join(", ")})`, (v) => v in C6I_SIZES);
  const fields = section({
    instanceType: instanceType.describe("c6i instance type of the engine nodes; production: c6i.metal only."),
    ...scalingFields(1),
    rootVolumeGiB: int(20, 1000).describe("Root volume size in GiB."),
    ...engineNodeTuningFields(),
  });
  return withRules(fields, (r) => {
    scalingRule(r);
    const type = r.valid("instanceType") ? r.value.instanceType : undefined;
    engineNodeTuningRules(r, type ? { name: type, ...C6I_SIZES[type] } : undefined);
  });
}
