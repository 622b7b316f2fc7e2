/**
 * CPU topology of an instance type as the model needs it: which socket (NUMA node) a CPU is on, and
 * whether a reserved set is valid. Linux numbers the first thread of every core first, socket by
 * socket, then the second threads in the same order (see cpuSiblings in the config's primitives):
 * on a c6i.metal CPUs 0-31 and 64-95 are socket 0, 32-63 and 96-127 socket 1.
 */
import { numaNodeOf, splitCoresProblem } from "../../components/config/primitives";
import { InstanceType } from "../data/instance-types";

/** Parses a kubelet CPU list ("0-1,32-33") into CPU ids, refusing anything else. */
export function parseCpuList(list: string): number[] {
  if (!list.trim()) return [];
  return list.split(",").flatMap((part) => {
    const match = /^\s*(\d+)(?:-(\d+))?\s*$/.exec(part);
    if (!match) throw new Error(`"${list}" is not a CPU list (e.g. "0-1,8-9")`);
    const from = Number(match[1]);
    const to = match[2] === undefined ? from : Number(match[2]);
    if (to < from) throw new Error(`"${list}": range ${part} runs backwards`);
    return Array.from({ length: to - from + 1 }, (_, i) => from + i);
  });
}

export function socketOf(cpu: number, type: InstanceType): number {
  return numaNodeOf(cpu, { vcpus: type.vcpus, threadsPerCore: type.threadsPerCore, numaNodes: type.sockets });
}

/**
 * Why a reserved CPU set is invalid on the type, or undefined when it is valid: every CPU must exist,
 * and with `full-pcpus-only` every reserved core must be reserved whole (all its hyperthreads).
 */
export function reservedCpusProblem(list: string, type: InstanceType, fullPcpusOnly: boolean): string | undefined {
  let cpus: number[];
  try {
    cpus = parseCpuList(list);
  } catch (err) {
    return (err as Error).message;
  }
  const missing = cpus.filter((c) => c >= type.vcpus);
  if (missing.length) return `CPU ${missing.join(",")} does not exist (CPUs 0-${type.vcpus - 1})`;
  return fullPcpusOnly ? splitCoresProblem(cpus, type) : undefined;
}
