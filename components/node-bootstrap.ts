import { stringify } from "yaml";
import { EngineCpuSets, KernelTuning, MemoryReservation, totalReservedMi } from "./config";
import { ENGINE_NODE_SELECTOR, LATENCY_VERIFIED_LABEL } from "./k8s/labels";
import { isolationBootScript, isolationKernelArgs } from "./node-isolation";
import { TimeSource, timeSyncBootScript } from "./time-sync";

/** What a node needs to join the cluster when it boots a custom AMI (EKS then merges no user data of its own). */
export interface ClusterIdentity {
  name: string;
  apiServerEndpoint: string;
  certificateAuthority: string;
  serviceCidr: string;
}

export interface NodeRegistration {
  labels: Record<string, string>;
  taints: { key: string; value: string; effect: "NoSchedule" | "NoExecute" | "PreferNoSchedule" }[];
}

/** Kubelet tuning for latency-critical pods: exclusive cores, NUMA-aligned resources, preallocated hugepages. */
export interface LatencyTuning {
  /** The reserved and isolated CPU sets, derived once from the config (engineCpuSets). */
  cpus: EngineCpuSets;
  /** The instance lets the OS set C-states and P-states (C6I_PROCESSOR_STATE_CONTROL). */
  processorStateControl: boolean;
  hugepages2Mi: number;
  kernel: KernelTuning;
  memory: MemoryReservation;
}

/**
 * reservedMemory per NUMA node: the total split evenly in whole MiB, the remainder on node 0. The
 * kubelet refuses to start with the Static policy unless, per memory type, the NUMA nodes' sum
 * equals kube-reserved + system-reserved + the hard eviction threshold (kubernetes.io, "Utilizing
 * the NUMA-aware Memory Manager", section "Reserved memory flag", read 2026-11-30).
 */
export function reservedMemoryPerNumaNode(memory: MemoryReservation): { numaNode: number; limits: { memory: string } }[] {
  const total = totalReservedMi(memory);
  const share = Math.floor(total / memory.numaNodes);
  return Array.from({ length: memory.numaNodes }, (_, numaNode) => ({
    numaNode,
    limits: { memory: `${numaNode === 0 ? total - share * (memory.numaNodes - 1) : share}Mi` },
  }));
}

/** Engine nodes register labelled and tainted, so only the engine (which tolerates the taint) lands there. */
export const ENGINE_NODE_REGISTRATION: NodeRegistration = {
  labels: { [ENGINE_NODE_SELECTOR.key]: ENGINE_NODE_SELECTOR.value },
  taints: [{ ...ENGINE_NODE_SELECTOR, effect: "NoSchedule" }],
};

/** Transparent hugepages cause latency spikes on compaction: off on engine nodes. */
const TRANSPARENT_HUGEPAGES = "never";

/**
 * Everything an engine node must offer, from the same functions that build the EKS engine nodes'
 * NodeConfig and boot script: on an existing cluster, this is what to prepare by hand.
 */
export interface EngineNodeRequirements {
  labels: Record<string, string>;
  taints: NodeRegistration["taints"];
  /** KubeletConfiguration fields (kubelet.config.k8s.io/v1beta1). */
  kubelet: Record<string, unknown>;
  /** 2 MiB hugepages preallocated at boot (also `vm.nr_hugepages` among the sysctls). */
  hugepages2Mi: number;
  sysctls: Record<string, string>;
  /** Value of /sys/kernel/mm/transparent_hugepage/{enabled,defrag}. */
  transparentHugepages: string;
  /** The reserved (system, kubelet, interrupts) and isolated (engine) CPUs. */
  cpus: EngineCpuSets;
  /** Kernel command line arguments of the isolation (set with grubby and one reboot on EKS). */
  kernelArgs: string[];
  /** The label a node gets once the verifier (or, by hand, its checks) passed; the engine requires it. */
  verifiedLabel: { key: string; value: string };
}

export function engineNodeRequirements(tuning: LatencyTuning): EngineNodeRequirements {
  return {
    labels: ENGINE_NODE_REGISTRATION.labels,
    taints: ENGINE_NODE_REGISTRATION.taints,
    kubelet: latencyKubeletConfig(tuning),
    hugepages2Mi: tuning.hugepages2Mi,
    sysctls: latencySysctls(tuning),
    transparentHugepages: TRANSPARENT_HUGEPAGES,
    cpus: tuning.cpus,
    kernelArgs: isolationKernelArgs(isolation(tuning)),
    verifiedLabel: LATENCY_VERIFIED_LABEL,
  };
}

function isolation(tuning: LatencyTuning) {
  return { cpus: tuning.cpus, processorStateControl: tuning.processorStateControl, hugepages2Mi: tuning.hugepages2Mi };
}

const BOUNDARY = "==HFT-BOUNDARY==";

export interface NodeBoot {
  /** Present for latency-critical nodes. */
  tuning?: LatencyTuning;
  /** How this instance type reaches the Amazon Time Sync Service (time-sync.ts). */
  timeSource: TimeSource;
}

/**
 * AL2023 user data: a nodeadm NodeConfig (cluster identity, kubelet config, labels and taints); for
 * latency-tuned nodes, a boot script for what NodeConfig cannot express (sysctls, hugepages,
 * transparent hugepages), which replaces the reference's privileged init containers; and on every
 * node the clock's configuration (chrony on the Amazon Time Sync Service).
 */
export function nodeUserData(cluster: ClusterIdentity, registration: NodeRegistration, boot: NodeBoot): string {
  const { tuning } = boot;
  const script = (body: string) => mimePart('text/x-shellscript; charset="us-ascii"', body);
  const parts = [mimePart("application/node.eks.aws", stringify(nodeConfig(cluster, registration, tuning)))];
  if (tuning) parts.push(script(latencyBootScript(tuning)));
  parts.push(script(timeSyncBootScript(boot.timeSource)));
  // Last: it may reboot once, after every part before it has run.
  if (tuning) parts.push(script(isolationBootScript(isolation(tuning))));
  return [
    "MIME-Version: 1.0",
    `Content-Type: multipart/mixed; boundary="${BOUNDARY}"`,
    "",
    ...parts,
    `--${BOUNDARY}--`,
    "",
  ].join("\n");
}

export function nodeConfig(cluster: ClusterIdentity, registration: NodeRegistration, tuning?: LatencyTuning): object {
  const labels = Object.entries(registration.labels).map(([k, v]) => `${k}=${v}`);
  const taints = registration.taints.map((t) => `${t.key}=${t.value}:${t.effect}`);
  // Managed node groups with a custom AMI do not pass their labels and taints to the kubelet, so the
  // node registers with them itself; the node group repeats them so EKS reports the same values.
  const flags = [
    ...(labels.length ? [`--node-labels=${labels.join(",")}`] : []),
    ...(taints.length ? [`--register-with-taints=${taints.join(",")}`] : []),
  ];
  return {
    apiVersion: "node.eks.aws/v1alpha1",
    kind: "NodeConfig",
    spec: {
      cluster: {
        name: cluster.name,
        apiServerEndpoint: cluster.apiServerEndpoint,
        certificateAuthority: cluster.certificateAuthority,
        cidr: cluster.serviceCidr,
      },
      kubelet: {
        ...(tuning ? { config: latencyKubeletConfig(tuning) } : {}),
        flags,
      },
    },
  };
}

/** KubeletConfiguration fields that let the static CPU manager hand whole, NUMA-local cores to Guaranteed pods. */
export function latencyKubeletConfig(tuning: LatencyTuning): Record<string, unknown> {
  return {
    cpuManagerPolicy: "static",
    // Whole physical cores only: a pinned thread never shares a core with another pod's hyperthread.
    cpuManagerPolicyOptions: { "full-pcpus-only": "true" },
    reservedSystemCPUs: tuning.cpus.reserved,
    // No CFS quota on engine nodes: a pinned container's quota is its cores' full time, so enforcement
    // only adds throttling at period boundaries (tail latency). The trade-off: no CPU limit is enforced
    // for any container on these nodes, so a non-pinned one (the log shipper, daemons) may burst over
    // its limit on the shared CPUs; docs/design.md#latency-checklist.
    cpuCFSQuota: false,
    // reservedSystemCPUs is exclusive with the kube/system reserved cgroups; nodeadm sets those by default.
    kubeReservedCgroup: "",
    systemReservedCgroup: "",
    topologyManagerPolicy: "single-numa-node",
    topologyManagerScope: "pod",
    // Static pins a Guaranteed pod's memory and hugepages to the NUMA node of its cores; "None"
    // aligned the CPUs only. Its reservedMemory must match the reservations below exactly.
    memoryManagerPolicy: "Static",
    reservedMemory: reservedMemoryPerNumaNode(tuning.memory),
    // Every key nodeadm sets is stated, so merging over its defaults changes nothing unseen. CPU
    // reservations come from reservedSystemCPUs, which replaces kube/system-reserved cpu (kubelet
    // cmd/kubelet/app/server.go: "--reserved-cpus ... will overwrite the cpu setting").
    kubeReserved: { memory: `${tuning.memory.kubeReservedMi}Mi`, "ephemeral-storage": "1Gi" },
    systemReserved: { memory: `${tuning.memory.systemReservedMi}Mi` },
    evictionHard: { "memory.available": `${tuning.memory.evictionHardMi}Mi`, "nodefs.available": "10%", "nodefs.inodesFree": "5%" },
  };
}

/**
 * Kernel settings applied before the kubelet starts, so pods never need privileges to get them. Only
 * node-wide ones: a per-network-namespace sysctl set here (net.core.somaxconn,
 * net.ipv4.tcp_max_syn_backlog) never reaches a pod with its own network namespace. Both are outside
 * the kubelet's safe set (pkg/kubelet/sysctl/safe_sysctls.go), so setting them per pod would need
 * allowedUnsafeSysctls on the engine nodes and a namespace below Pod Security "baseline", whose
 * Sysctls control admits only the safe set; the engine keeps "restricted" and the kernel's defaults
 * (somaxconn 4096 since Linux 5.4). Read 2026-11-30.
 */
export function latencySysctls(tuning: LatencyTuning): Record<string, string> {
  const k = tuning.kernel;
  return {
    "net.core.busy_poll": String(k.busyPollUs),
    "net.core.busy_read": String(k.busyPollUs),
    "net.core.rmem_max": String(k.socketBufferBytes),
    "net.core.wmem_max": String(k.socketBufferBytes),
    "vm.nr_hugepages": String(tuning.hugepages2Mi),
    "vm.swappiness": "0",
    "kernel.numa_balancing": "0",
  };
}

function latencyBootScript(tuning: LatencyTuning): string {
  const sysctls = Object.entries(latencySysctls(tuning))
    .map(([k, v]) => `${k} = ${v}`)
    .join("\n");
  return `#!/bin/bash
set -euo pipefail
# Runs before nodeadm starts the kubelet, so the kubelet sees the hugepages as allocatable.
cat > /etc/sysctl.d/90-hft-latency.conf <<'SYSCTL'
${sysctls}
SYSCTL
sysctl --system

# Transparent hugepages cause latency spikes on compaction; off now and at every boot.
cat > /etc/systemd/system/hft-disable-thp.service <<'UNIT'
[Unit]
Description=Disable transparent hugepages for low-latency workloads
Before=kubelet.service

[Service]
Type=oneshot
ExecStart=/bin/sh -c 'echo ${TRANSPARENT_HUGEPAGES} > /sys/kernel/mm/transparent_hugepage/enabled; echo ${TRANSPARENT_HUGEPAGES} > /sys/kernel/mm/transparent_hugepage/defrag'

[Install]
WantedBy=multi-user.target
UNIT
systemctl daemon-reload
systemctl enable --now hft-disable-thp.service
`;
}

function mimePart(contentType: string, body: string): string {
  return [`--${BOUNDARY}`, `Content-Type: ${contentType}`, "", body.trimEnd(), ""].join("\n");
}
