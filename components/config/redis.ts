import { bool, containerResources, ContainerResources, int, list, oneOf, quantity, section, text, TierContext, withRules } from "./fields";
import { GiB, parseQuantity } from "./primitives";

export interface RedisConfig {
  /** Official redis image, pinned: an exact `x.y.z` tag, optionally with `@sha256:` digest. */
  image: string;
  /** oliver006/redis_exporter image, pinned likewise. */
  exporterImage: string;
  /** Data pods: 1 without Sentinel; an odd number ≥ 3 with it (production). */
  replicas: number;
  sentinel: SentinelConfig;
  /** Memory cap for data; at most 75% of the container's memory limit (fork for AOF rewrite, buffers). */
  maxmemory: string;
  maxmemoryPolicy: MaxmemoryPolicy;
  /** AOF fsync policy (production: `always` or `everysec`). */
  appendfsync: "always" | "everysec" | "no";
  /** Volume per data pod on the fastSsd class; at least twice `maxmemory` (the AOF and its rewrite). */
  storageSize: string;
  /** Commands renamed away (disabled) on every data pod. */
  disabledCommands: string[];
  resources: ContainerResources;
  sentinelResources: ContainerResources;
  exporterResources: ContainerResources;
}

export interface SentinelConfig {
  enabled: boolean;
  /** Sentinels that must agree a master is down; a majority of the sentinels, and reachable with one pod disrupted. */
  quorum: number;
  masterName: string;
  downAfterMilliseconds: number;
  failoverTimeoutMilliseconds: number;
}

export const MAXMEMORY_POLICIES = [
  "noeviction",
  "allkeys-lru",
  "allkeys-lfu",
  "allkeys-random",
  "volatile-lru",
  "volatile-lfu",
  "volatile-random",
  "volatile-ttl",
] as const;
export type MaxmemoryPolicy = (typeof MAXMEMORY_POLICIES)[number];

/** maxmemory may use at most this share of the Redis container's memory limit. */
export const REDIS_MAXMEMORY_SHARE = 0.75;

/** An image reference pinned to an exact x.y.z tag (v prefix allowed), optionally with a digest; never `latest`. */
function exactImage(repository: string) {
  const escaped = repository.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
  return text(
    new RegExp(`^(docker\\.io/)?(library/)?${escaped}:v?\\d+\\.\\d+\\.\\d+(-[a-z0-9.]+)?(@sha256:[a-f0-9]{64})?$`),
    `${repository}:<x.y.z> (an exact version tag, optionally @sha256:<digest>; never latest)`,
  );
}

export function redisSchema({ prod }: TierContext) {
  const sentinel = withRules(
    section({
      enabled: bool().describe("Sentinel for automatic failover (required in production)."),
      quorum: int(1, 7).default(2).describe("Sentinels that must agree a master is down: a majority, reachable with one pod disrupted."),
      masterName: text(/^[a-z][a-z0-9-]{0,30}$/, "lowercase letters, digits and '-', starting with a letter").default("hft-cache").describe("Name Sentinel monitors the master under."),
      downAfterMilliseconds: int(1000, 60000).default(5000).describe("Time without answers before a sentinel considers the master down."),
      failoverTimeoutMilliseconds: int(10000, 600000).default(60000).describe("Failover timeout."),
    }),
    (r) => {
      if (prod && r.valid("enabled") && r.value.enabled === false) r.problem("enabled", false, "true in production (automatic failover)");
    },
  );
  const small = { maxCpu: 2, maxMemory: 4 * GiB };
  const fields = section({
    image: exactImage("redis").describe("Official redis image at an exact x.y.z tag, optionally with a digest."),
    exporterImage: exactImage("oliver006/redis_exporter").describe("oliver006/redis_exporter image at an exact x.y.z tag, optionally with a digest."),
    replicas: int(1, 7).describe("Data pods: 1 without Sentinel; an odd number of at least 3 with it."),
    sentinel: sentinel.describe("Redis Sentinel, one per data pod."),
    maxmemory: quantity({ min: 64 * 2 ** 20, max: 256 * GiB }, "a memory quantity from 64Mi to 256Gi, e.g. 6Gi").describe("Memory cap for data; at most 75% of the memory limit."),
    maxmemoryPolicy: oneOf(MAXMEMORY_POLICIES).describe("Eviction policy when maxmemory is reached."),
    appendfsync: oneOf(["always", "everysec", "no"]).describe("AOF fsync policy (production: always or everysec)."),
    storageSize: quantity({ min: GiB, max: 16384 * GiB }, "a volume size from 1Gi to 16Ti").describe("Volume per data pod on the fastSsd class; at least twice maxmemory."),
    disabledCommands: list(text(/^[A-Z]+$/, "Redis command names in capitals, e.g. FLUSHALL"))
      .default(["FLUSHALL", "FLUSHDB", "KEYS", "DEBUG", "MONITOR"])
      .describe("Commands renamed away (disabled) on every data pod."),
    resources: containerResources({ maxCpu: 16, maxMemory: 512 * GiB }).describe("Requests and limits of the data container."),
    sentinelResources: containerResources(small).describe("Requests and limits of the sentinel container."),
    exporterResources: containerResources(small).describe("Requests and limits of the exporter container."),
  });
  return withRules(fields, (r) => {
    const v = r.value;
    if (r.valid("replicas", "sentinel.enabled")) {
      if (!v.sentinel.enabled && v.replicas !== 1) {
        r.problem("replicas", v.replicas, "1 without Sentinel (replicas without automatic failover would only serve stale reads)");
      } else if (v.sentinel.enabled && (v.replicas < 3 || v.replicas % 2 === 0)) {
        r.problem("replicas", v.replicas, "an odd number of at least 3 with Sentinel (one sentinel per pod must still form a majority after losing a pod)");
      } else if (v.sentinel.enabled && r.valid("sentinel.quorum")) {
        // One pod may be disrupted at a time (the PDB), so quorum must be reachable by replicas - 1 sentinels.
        const majority = Math.floor(v.replicas / 2) + 1;
        if (v.sentinel.quorum < majority || v.sentinel.quorum > v.replicas - 1) {
          r.problem("sentinel.quorum", v.sentinel.quorum, `${majority} to ${v.replicas - 1} for ${v.replicas} sentinels: a majority, still reachable with one pod disrupted`);
        }
      }
    }
    if (prod && r.valid("appendfsync") && v.appendfsync === "no") r.problem("appendfsync", "no", 'always or everysec in production ("no" leaves durability to the kernel)');
    if (r.valid("storageSize", "maxmemory") && parseQuantity(v.storageSize)! < 2 * parseQuantity(v.maxmemory)!) {
      r.problem("storageSize", v.storageSize, `at least twice maxmemory ${v.maxmemory} (the AOF and its rewrite)`);
    }
    if (r.valid("maxmemory", "resources") && parseQuantity(v.maxmemory)! > parseQuantity(v.resources.limits.memory)! * REDIS_MAXMEMORY_SHARE) {
      r.problem("maxmemory", v.maxmemory, `at most ${REDIS_MAXMEMORY_SHARE * 100}% of the memory limit ${v.resources.limits.memory} (AOF rewrite forks, replication buffers)`);
    }
  });
}
