/**
 * CPU topology of an instance type as Linux enumerates it on EC2's Intel instances: the first thread of
 * every core (socket by socket) comes first, then the second threads in the same order, so CPU n and
 * n + cores are siblings (c6i.4xlarge: 8 cores, CPU 0's sibling is 8; c6i.metal: 64 cores over 2
 * sockets, CPU 0's sibling is 64 and CPUs 32-63 are socket 1). Check on a node with `lscpu -e` or
 * /sys/devices/system/cpu/cpu0/topology/thread_siblings_list.
 */
import { InstanceType } from "../data/instance-types";

/** Parses a kubelet CPU list ("0-1,32-33") into CPU ids. */
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

export function siblings(cpu: number, type: InstanceType): number[] {
  const core = cpu % type.cores;
  return Array.from({ length: type.threadsPerCore }, (_, thread) => core + thread * type.cores);
}

export function socketOf(cpu: number, type: InstanceType): number {
  return Math.floor((cpu % type.cores) / (type.cores / type.sockets));
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
  if (fullPcpusOnly) {
    const set = new Set(cpus);
    const split = cpus.filter((c) => siblings(c, type).some((s) => !set.has(s)));
    if (split.length) {
      const whole = [...new Set(cpus.flatMap((c) => siblings(c, type)))].sort((a, b) => a - b);
      return `it splits cores (the sibling of CPU ${split[0]} is ${siblings(split[0], type).filter((s) => s !== split[0]).join(",")}); with full-pcpus-only reserve whole cores, e.g. "${formatCpuList(whole)}"`;
    }
  }
  return undefined;
}

export function formatCpuList(cpus: number[]): string {
  const sorted = [...cpus].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j] + 1) j++;
    parts.push(i === j ? `${sorted[i]}` : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return parts.join(",");
}
