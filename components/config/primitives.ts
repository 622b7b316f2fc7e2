/**
 * Pure readers of the value notations the stack file uses (Kubernetes quantities, Prometheus
 * durations, CIDRs, cpusets, image references, cron, PostgreSQL sizes). The schema's fields use
 * them; components import a few (quantities, CIDRs) to compute with configured values.
 */

export const KiB = 1024;
export const MiB = 1024 * KiB;
export const GiB = 1024 * MiB;
export const TiB = 1024 * GiB;

export const QUANTITY = /^(\d+(?:\.\d+)?)(m|k|M|G|T|P|Ki|Mi|Gi|Ti|Pi)?$/;
const QUANTITY_FACTORS: Record<string, number> = {
  "": 1,
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
};

/** A Kubernetes quantity ("500m", "2", "4Gi", "1.5G") in base units (cores or bytes); undefined if malformed. */
export function parseQuantity(text: string): number | undefined {
  const m = QUANTITY.exec(text);
  return m ? Number(m[1]) * QUANTITY_FACTORS[m[2] ?? ""] : undefined;
}

export const DURATION = /^(\d+)(ms|s|m|h|d|w|y)$/;
const DURATION_SECONDS: Record<string, number> = { ms: 1e-3, s: 1, m: 60, h: 3600, d: 86400, w: 604800, y: 31536000 };

/** A single-unit Prometheus duration ("30s", "15d") in seconds; undefined if malformed. */
export function parseDuration(text: string): number | undefined {
  const m = DURATION.exec(text);
  return m ? Number(m[1]) * DURATION_SECONDS[m[2]] : undefined;
}

/** Expands a cpuset ("0-3,64-67") into CPU numbers. */
export function parseCpuSet(spec: string): number[] {
  return spec.split(",").flatMap((part) => {
    const [from, to = from] = part.split("-").map(Number);
    return from <= to ? Array.from({ length: to - from + 1 }, (_, i) => from + i) : [];
  });
}

/** Formats CPU numbers as a cpuset, ranges collapsed ([0, 1, 8, 9] -> "0-1,8-9"). */
export function formatCpuSet(cpus: number[]): string {
  const sorted = [...new Set(cpus)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j] + 1) j++;
    parts.push(i === j ? `${sorted[i]}` : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return parts.join(",");
}

/**
 * Hyperthread siblings of a CPU as Linux numbers them on EC2's Intel instances: the first thread of
 * every core comes first, then the second threads in the same order, so CPU n and n + cores share a
 * core (c6i.4xlarge: 8 cores, 16 threads, CPU 0's sibling is 8; c6i.metal: CPU 0's sibling is 64).
 * Check on a node with /sys/devices/system/cpu/cpu0/topology/thread_siblings_list.
 */
export function cpuSiblings(cpu: number, topology: { vcpus: number; threadsPerCore: number }): number[] {
  const cores = topology.vcpus / topology.threadsPerCore;
  const core = cpu % cores;
  return Array.from({ length: topology.threadsPerCore }, (_, thread) => core + thread * cores);
}

/**
 * The NUMA node of a CPU in the same numbering (cpuSiblings): the cores are split evenly over the
 * NUMA nodes in order, and a core's threads share its node (c6i.metal: CPUs 0-31 and 64-95 are node 0,
 * 32-63 and 96-127 node 1). Check on a node with `lscpu | grep NUMA`.
 */
export function numaNodeOf(cpu: number, topology: { vcpus: number; threadsPerCore: number; numaNodes: number }): number {
  const cores = topology.vcpus / topology.threadsPerCore;
  return Math.floor((cpu % cores) / (cores / topology.numaNodes));
}

/**
 * Why a reserved cpuset splits cores, or undefined when it reserves whole cores only. With the
 * kubelet's `full-pcpus-only` the CPU manager hands out whole cores; a half-reserved core would leave
 * its other thread to be shared (kubelet CPU manager docs, static policy options).
 */
export function splitCoresProblem(cpus: number[], topology: { vcpus: number; threadsPerCore: number }): string | undefined {
  const set = new Set(cpus);
  const split = cpus.find((c) => cpuSiblings(c, topology).some((s) => !set.has(s)));
  if (split === undefined) return undefined;
  const others = cpuSiblings(split, topology).filter((s) => s !== split);
  const whole = formatCpuSet(cpus.flatMap((c) => cpuSiblings(c, topology)));
  return `whole cores (full-pcpus-only): CPU ${split} shares its core with ${others.join(",")}, e.g. "${whole}"`;
}

const OCTET = "(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)";
const PREFIXES = Array.from({ length: 33 }, (_, i) => String(i));

/** An IPv4 CIDR with prefix lengths from `min` to `max`, as a pattern the JSON Schema can carry too. */
export function ipv4CidrPattern(min = 0, max = 32): RegExp {
  return new RegExp(`^${OCTET}\\.${OCTET}\\.${OCTET}\\.${OCTET}\\/(${PREFIXES.slice(min, max + 1).reverse().join("|")})$`);
}

export const IPV4_CIDR = ipv4CidrPattern();

export function parseIpv4Cidr(cidr: string): { base: number; prefix: number } | undefined {
  const m = IPV4_CIDR.exec(cidr);
  if (!m) return undefined;
  const octets = m.slice(1, 5).map(Number);
  const prefix = Number(m[5]);
  if (octets.some((o) => o > 255) || prefix > 32) return undefined;
  const base = octets.reduce((acc, o) => acc * 256 + o, 0);
  const size = 2 ** (32 - prefix);
  if (base % size !== 0) return undefined; // host bits set: almost always a typo
  return { base, prefix };
}

export function formatIpv4Cidr(base: number, prefix: number): string {
  const octets = [24, 16, 8, 0].map((shift) => Math.floor(base / 2 ** shift) % 256);
  return `${octets.join(".")}/${prefix}`;
}

/** Whether two valid CIDRs share an address. */
export function cidrsOverlap(a: string, b: string): boolean {
  const x = parseIpv4Cidr(a)!;
  const y = parseIpv4Cidr(b)!;
  const xEnd = x.base + 2 ** (32 - x.prefix);
  const yEnd = y.base + 2 ** (32 - y.prefix);
  return x.base < yEnd && y.base < xEnd;
}

/**
 * The RFC 5737 documentation ranges (TEST-NET-1, -2 and -3, RFC 5737 section 3): addresses for
 * examples, which no client or runner is ever in.
 */
export const DOCUMENTATION_RANGES = ["192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24"] as const;

/** The documentation range a valid CIDR lies in (the range itself or a part of it), if any. */
export function documentationRange(cidr: string): string | undefined {
  const { prefix } = parseIpv4Cidr(cidr)!;
  return DOCUMENTATION_RANGES.find((range) => prefix >= parseIpv4Cidr(range)!.prefix && cidrsOverlap(cidr, range));
}

/** Repository part of an image reference: optional registry host (and port), then path components. */
const IMAGE_REPOSITORY = /^[a-z0-9]+([._-][a-z0-9]+)*(:\d+)?(\/[a-z0-9]+([._-][a-z0-9]+)*)*$/;

/** True for `repo:tag` with a tag other than latest, or `repo[:tag]@sha256:<64 hex>`. */
export function isPinnedImage(image: string): boolean {
  const [reference, digest] = image.split("@");
  const tagged = /^(.+):([\w][\w.-]{0,127})$/.exec(reference);
  const repository = tagged && !tagged[2].includes("/") ? tagged[1] : reference;
  if (!IMAGE_REPOSITORY.test(repository)) return false;
  if (digest !== undefined) return /^sha256:[a-f0-9]{64}$/.test(digest);
  return tagged !== null && tagged[2] !== "latest";
}

/** The tag of an image reference (empty when there is none). */
export function imageTag(image: string): string {
  const reference = image.split("@")[0];
  const m = /:([\w][\w.-]{0,127})$/.exec(reference);
  return m && !m[1].includes("/") ? m[1] : "";
}

/** A kubeconfig file path; kubeconfig contents (YAML or JSON) are refused. */
export function isKubeconfigPath(value: string): boolean {
  return value.length <= 4096 && !/[\n\r\t\0]/.test(value) && !/^\s*[{[]/.test(value) && !/(apiVersion|clusters|current-context|client-key-data|token)\s*:/.test(value);
}

const CRON_FIELDS: { min: number; max: number; names?: string[]; question?: boolean }[] = [
  { min: 0, max: 59 },
  { min: 0, max: 59 },
  { min: 0, max: 23 },
  { min: 1, max: 31, question: true },
  { min: 1, max: 12, names: ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"] },
  { min: 0, max: 6, names: ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"], question: true },
];

/**
 * True for the 6-field cron (second minute hour day-of-month month day-of-week) that CloudNativePG's
 * ScheduledBackup uses: each field `*`, `?` (day fields), values, ranges, lists and `/step`s within bounds.
 */
export function isSixFieldCron(expression: string): boolean {
  const fields = expression.trim().split(/\s+/);
  if (fields.length !== 6) return false;
  return fields.every((field, i) => {
    const spec = CRON_FIELDS[i];
    const value = (text: string) => {
      const named = spec.names?.indexOf(text.toUpperCase()) ?? -1;
      const n = named >= 0 ? spec.min + named : /^\d+$/.test(text) ? Number(text) : NaN;
      return n >= spec.min && n <= spec.max ? n : undefined;
    };
    return field.split(",").every((part) => {
      if (part === "?") return spec.question === true;
      const m = /^(\*|(\w+)(?:-(\w+))?)(?:\/(\d+))?$/.exec(part);
      if (!m) return false;
      if (m[4] !== undefined && Number(m[4]) < 1) return false;
      if (m[1] === "*") return true;
      const from = value(m[2]);
      const to = m[3] === undefined ? from : value(m[3]);
      return from !== undefined && to !== undefined && from <= to;
    });
  });
}

/** True when a valid 6-field cron fires on every day (day-of-month, month and day-of-week unrestricted). */
export function cronRunsDaily(expression: string): boolean {
  const fields = expression.trim().split(/\s+/);
  return isSixFieldCron(expression) && fields.slice(3).every((f) => f === "*" || f === "?");
}

/** A Barman recovery window ("30d", "4w", "3m") in days. */
export function retentionDays(retention: string): number {
  const n = Number(retention.slice(0, -1));
  return n * { d: 1, w: 7, m: 30 }[retention.slice(-1) as "d" | "w" | "m"];
}

const PG_SIZE_UNITS: Record<string, number> = { kB: 1024, MB: 1024 ** 2, GB: 1024 ** 3, TB: 1024 ** 4 };

/** A PostgreSQL memory setting ("8GB", "64MB", "512kB") in bytes, or undefined if malformed (units are case-sensitive). */
export function postgresSizeBytes(size: string): number | undefined {
  const m = /^([1-9]\d*)(kB|MB|GB|TB)$/.exec(size);
  return m ? Number(m[1]) * PG_SIZE_UNITS[m[2]] : undefined;
}
