import { z } from "zod";
import { bool, cidrList, cpuAllowed, documentationRangeProblem, int, list, oneOf, pinnedImage, quantity, Rules, scoped, section, sizeAllowed, text, TierContext, withRules } from "./fields";
import { MemoryReservation, totalReservedMi } from "./nodes";
import { cidrsOverlap, GiB, MiB, numaNodeOf, parseCpuSet, parseIpv4Cidr, parseQuantity, TiB } from "./primitives";

/** The trading engine StatefulSet and everything around it. */
export interface EngineConfig {
  /** Image reference pinned by tag (not `latest`) or digest. */
  image: string;
  replicas: number;
  /** HPA ceiling; one engine pod per node, so at most the number of engine nodes. */
  maxReplicas: number;
  /** PodDisruptionBudget; below replicas so node drains can proceed. */
  pdbMinAvailable: number;
  /** Whole cores (Guaranteed QoS with integer CPUs is what the static CPU manager pins). */
  cpu: number;
  memory: string;
  /** 2 MiB hugepages per pod, e.g. "2Gi"; at most what an engine node preallocates. */
  hugepages: string;
  ephemeralStorage: string;
  threads: number;
  logLevel: "debug" | "info" | "warn" | "error";
  symbols: string[];
  risk: { maxOrderSize: number; maxPositionSize: number; maxDailyLoss: number };
  /**
   * Latency objectives in microseconds: alerts fire above targetP99Us; the HPA scales on hpaP99Us.
   * bucketsUs are the upper bounds of the engine's latency histogram (its metrics contract,
   * docs/workloads.md): every objective is a bound, so a quantile is judged at a bucket edge.
   */
  latency: { targetP99Us: number; targetP999Us: number; hpaP99Us: number; bucketsUs: number[] };
  /** Application feature flags, written to application.yaml. */
  features: Record<string, boolean>;
  /** Host networking for the lowest network latency; relaxes the namespace's Pod Security level (documented exception). */
  hostNetwork: boolean;
  /**
   * The load balancer in front of the engine: client CIDRs, and the scheme of the AWS NLB that
   * `internal` asks for (required on EKS; on an existing cluster only set it for an AWS one, anywhere
   * else the cluster's own load-balancer implementation serves the Service).
   */
  exposure: { internal?: boolean; sourceRanges: string[]; targetType: "instance" | "ip" };
  /**
   * Where the engine connects beyond the cluster: trading venues (FIX order entry), market-data feeds,
   * exchange APIs. Each destination becomes an egress rule for exactly its ranges and ports; nothing
   * else leaves the engine's pods.
   */
  venues: EngineVenue[];
  /** Prometheus scrape interval for the engine, e.g. "1s". */
  metricsInterval: string;
  volumes: { logs: string; data: string; referenceData: string };
  logShipper: { image: string; cpu: string; memory: string };
  /** Image of the init container that waits for Redis and TimescaleDB. */
  initImage: string;
  /** ResourceQuota of the trading namespace; must fit maxReplicas engine pods. */
  quota: { cpu: string; memory: string; persistentVolumeClaims: number; loadBalancers: number; nodePorts: number };
}

/** One destination the engine connects to outside the cluster. */
export interface EngineVenue {
  /** What it is, e.g. "nasdaq-fix": named in the network report and the diff. */
  name: string;
  cidrs: string[];
  ports: VenuePort[];
}

/** A TCP or UDP port, or a range from port to endPort. */
export interface VenuePort {
  port: number;
  endPort?: number;
  protocol: "TCP" | "UDP";
}

/** What the engine's checks need to know about the nodes it runs on, and the keys that say it. */
export interface EngineHost {
  /** How messages name the node: its instance type, or the existingCluster key describing it. */
  name: string;
  vcpus?: number;
  /** Hardware threads per core where known (the kubelet's full-pcpus-only then hands out whole cores). */
  threadsPerCore?: number;
  /** The key of the reserved CPU set, for messages. */
  reservedCpusKey: string;
  memoryGiB?: number;
  reservedSystemCpus?: string;
  hugepages2Mi?: number;
  hugepagesKey: string;
  /** Engine nodes there can be, and the key that says so. */
  maxNodes?: number;
  maxNodesKey: string;
  /** The kubelet's memory reservations and the node's NUMA nodes (engine pods are pinned to one). */
  memory?: MemoryReservation;
}

const risk = withRules(
  section({
    maxOrderSize: int(1, 1e9).describe("Largest single order."),
    maxPositionSize: int(1, 1e10).describe("Largest position per symbol."),
    maxDailyLoss: int(1, 1e10).describe("Loss at which the engine stops trading for the day."),
  }),
  (r) => {
    const { maxOrderSize, maxPositionSize } = r.value;
    if (r.valid("maxOrderSize", "maxPositionSize") && maxOrderSize > maxPositionSize) r.problem("maxOrderSize", maxOrderSize, `at most risk.maxPositionSize (${maxPositionSize})`);
  },
);

const latency = withRules(
  section({
    targetP99Us: int(1, 1_000_000).describe("p99 latency objective in microseconds; alerts fire above it."),
    targetP999Us: int(1, 1_000_000).describe("p99.9 latency objective in microseconds; at least targetP99Us."),
    hpaP99Us: int(1, 1_000_000).describe("p99 latency the autoscaler scales out on; at most targetP99Us."),
    bucketsUs: list(int(1, 10_000_000, "upper bounds in whole microseconds from 1 to 10000000")).describe(
      "Upper bounds (µs) of the engine's latency_seconds histogram buckets, ascending; each objective is one of them, with at least 4 bounds at or below targetP99Us.",
    ),
  }),
  (r) => {
    const { targetP99Us, targetP999Us, hpaP99Us, bucketsUs } = r.value;
    if (r.valid("targetP99Us", "targetP999Us") && targetP999Us < targetP99Us) r.problem("targetP999Us", targetP999Us, `at least targetP99Us (${targetP99Us})`);
    if (r.valid("targetP99Us", "hpaP99Us") && hpaP99Us > targetP99Us) {
      r.problem("hpaP99Us", hpaP99Us, `at most targetP99Us (${targetP99Us}): scale out before the latency alert fires`);
    }
    if (r.valid("bucketsUs", "targetP99Us", "targetP999Us", "hpaP99Us")) latencyBucketRules(r, bucketsUs, { targetP99Us, targetP999Us, hpaP99Us });
  },
);

/** Most buckets a histogram may have: each is a series per engine pod, scraped every second. */
const MAX_LATENCY_BUCKETS = 40;
/** Bounds at or below the p99 target, so a p99 under it is measured rather than read as one bucket. */
const MIN_BUCKETS_BELOW_TARGET = 4;

/**
 * histogram_quantile interpolates linearly inside the bucket the quantile falls in: with a client
 * library's default buckets (5 ms and up) every p99 under 5 ms reads as a few ms, the latency alert
 * fires forever and the HPA sits at its maximum. Bounds at each objective make "above target" exact.
 */
function latencyBucketRules(r: Rules<{ bucketsUs: number[] }>, buckets: number[], objectives: Record<"targetP99Us" | "targetP999Us" | "hpaP99Us", number>): void {
  const ascending = buckets.every((b, i) => i === 0 || b > buckets[i - 1]);
  if (buckets.length === 0 || buckets.length > MAX_LATENCY_BUCKETS || !ascending) {
    r.problem("bucketsUs", buckets, `from 1 to ${MAX_LATENCY_BUCKETS} strictly ascending upper bounds in microseconds`);
    return;
  }
  const missing = Object.entries(objectives).filter(([, value]) => !buckets.includes(value));
  if (missing.length > 0) {
    const named = missing.map(([key, value]) => `${key} (${value})`).join(", ");
    r.problem("bucketsUs", buckets, `bounds that include every latency objective, here ${named}: an objective between two bounds is only interpolated`);
  }
  const below = buckets.filter((b) => b <= objectives.targetP99Us).length;
  if (below < MIN_BUCKETS_BELOW_TARGET) {
    r.problem("bucketsUs", buckets, `at least ${MIN_BUCKETS_BELOW_TARGET} bounds at or below targetP99Us (${objectives.targetP99Us}); found ${below}`);
  }
}

const MULTICAST = "224.0.0.0/4";
/** A range inside 224.0.0.0/4 (CIDRs nest or are apart). */
const isMulticast = (range: string) => parseIpv4Cidr(range)!.prefix >= 4 && cidrsOverlap(range, MULTICAST);

/** A venue's port: TCP or UDP, one port or a range (NetworkPolicy endPort). */
const venuePort = withRules(
  section({
    port: int(1, 65535).describe("Destination port, or the first of a range."),
    endPort: int(1, 65535).optional().describe("Last port of the range, at least port."),
    protocol: oneOf(["TCP", "UDP"]).default("TCP").describe("TCP (FIX, HTTPS, binary order entry) or UDP (unicast market data)."),
  }),
  (r) => {
    const { port, endPort } = r.value;
    if (endPort !== undefined && r.valid("port", "endPort") && endPort < port) r.problem("endPort", endPort, `at least port (${port})`);
  },
);

const venue = withRules(
  section({
    name: text(/^[a-z][a-z0-9-]{0,62}$/, "a lowercase name such as nasdaq-fix").describe("What the destination is, named in the network report."),
    cidrs: cidrList().describe("The destination's IPv4 ranges, each at most a /8; never 0.0.0.0/0."),
    ports: list(venuePort).describe("Ports the engine connects to there."),
  }),
  (r) => {
    if (r.valid("cidrs")) {
      if (r.value.cidrs.length === 0) r.problem("cidrs", [], "at least one range");
      for (const range of r.value.cidrs) {
        // Multicast is judged with hostNetwork in the engine's own rules.
        if (!isMulticast(range) && parseIpv4Cidr(range)!.prefix < 8) r.problem("cidrs", range, "a venue's own ranges, each at most a /8, not the internet at large");
      }
    }
    if (r.valid("ports") && r.value.ports.length === 0) r.problem("ports", [], "at least one port");
  },
);

const features = withRules(z.record(z.string(), bool(), { error: "an object of feature flags (camelCase name: true or false)" }), (r) => {
  for (const key of Object.keys(r.value)) if (!/^[a-z][a-zA-Z0-9]*$/.test(key)) r.problem(key, key, "camelCase feature names");
});

/** The engine: image, sizing, replicas and what surrounds the pods. `existing` leaves the NLB scheme optional. */
export function engineSchema({ prod, existing }: TierContext & { existing: boolean }) {
  const internal = bool().describe("Scheme of the AWS NLB in front of the engine: true for internal. Required on EKS; on an existing cluster only for an AWS one.");
  const exposure = withRules(
    section({
      internal: existing ? internal.optional() : internal,
      sourceRanges: cidrList().describe("Client CIDRs allowed to reach the engine's load balancer; never 0.0.0.0/0 nor an RFC 5737 documentation range."),
      targetType: oneOf(["instance", "ip"])
        .default("instance")
        .describe(
          "How the AWS NLB reaches the engine: instance (the in-tree controller: NodePort, then kube-proxy's iptables on the engine node) or ip (straight to the pod IPs; needs the AWS Load Balancer Controller v2.2 or later installed in the cluster, which this program does not install).",
        ),
    }),
    (r) => {
      if (r.valid("targetType") && r.value.targetType === "ip" && r.value.internal === undefined) {
        r.problem("targetType", "ip", "instance unless exposure.internal is set: ip targets are an AWS NLB's, made by the AWS Load Balancer Controller");
      }
      if (!r.valid("sourceRanges")) return;
      if (r.value.sourceRanges.length === 0) r.problem("sourceRanges", [], "at least one client CIDR for the load balancer");
      for (const range of r.value.sourceRanges) {
        if (range.endsWith("/0")) r.problem("sourceRanges", range, "specific client CIDRs, not the whole internet");
        const documentation = documentationRangeProblem(range);
        if (documentation) r.problem("sourceRanges", range, documentation);
      }
    },
  );
  const fields = section({
    image: pinnedImage().describe("Engine image, pinned by tag (not latest) or digest."),
    replicas: int(prod ? 3 : 1, 50, prod ? "an integer from 3 in production" : undefined).describe("Engine pods (production: at least 3)."),
    maxReplicas: int(1, 50).describe("HPA ceiling; one engine pod per node, so at most the number of engine nodes."),
    pdbMinAvailable: int(0, 50).optional().describe("PodDisruptionBudget minAvailable; default replicas - 1 (at least 1 with several replicas)."),
    // The bounds that apply come from the engine nodes (engineHostRules); these only keep within the largest node described.
    cpu: int(1, 1024, "a whole number of CPUs from 1 to 1024").describe(
      "Whole CPUs per pod (Guaranteed QoS: the static CPU manager pins them); whole cores where the nodes run two threads per core (an even number on c6i), within one NUMA node.",
    ),
    memory: quantity({ min: 512 * MiB, max: 16 * TiB }, sizeAllowed(), "binary").describe("Memory per pod; at most half an engine node's memory, and what one NUMA node has left for pods."),
    hugepages: quantity({ min: 2 * MiB, max: 16 * TiB }, sizeAllowed(), "binary").describe("2 MiB hugepages per pod, a multiple of 2Mi; at most what one NUMA node of an engine node preallocates."),
    ephemeralStorage: quantity({ min: GiB, max: 100 * GiB }, sizeAllowed(), "binary").default("10Gi").describe("Ephemeral storage per pod."),
    threads: int(1, 128).optional().describe("Engine worker threads; default: one per CPU."),
    logLevel: oneOf(["debug", "info", "warn", "error"]).default("info").describe("Engine log level (production: not debug)."),
    symbols: list(text(/^[A-Z][A-Z0-9.]{0,15}$/, "ticker symbols such as AAPL")).describe("Ticker symbols the engine trades."),
    risk: risk.describe("Risk limits."),
    latency: latency.describe("Latency objectives in microseconds: alerts fire above targetP99Us; the HPA scales on hpaP99Us."),
    features: features.default({}).describe("Application feature flags (camelCase name: true or false), written to application.yaml."),
    hostNetwork: bool().default(false).describe("Host networking for the lowest network latency; relaxes the namespace's Pod Security level (documented exception)."),
    exposure: exposure.describe("The load balancer in front of the engine."),
    venues: list(venue)
      .default([])
      .describe("Trading venues and market-data feeds the engine connects to (name, cidrs, ports): each becomes an egress rule; nothing else leaves."),
    metricsInterval: text(/^\d+(ms|s|m)$/, 'a Prometheus duration such as "1s" or "15s"').describe("Prometheus scrape interval for the engine."),
    volumes: section({
      logs: quantity({ min: GiB, max: 16 * TiB }, sizeAllowed(), "binary").describe("Log volume per pod."),
      data: quantity({ min: GiB, max: 16 * TiB }, sizeAllowed(), "binary").describe("Data volume per pod."),
      referenceData: quantity({ min: GiB, max: 8 * 1024 * TiB }, sizeAllowed(), "binary").describe("Shared reference data every engine pod mounts."),
    }).describe("Volume sizes."),
    logShipper: section({
      image: pinnedImage().describe("Log shipper sidecar image, pinned."),
      cpu: quantity({ min: 0.01, max: 2 }, cpuAllowed(), "cpu").describe("Sidecar CPU."),
      memory: quantity({ min: 16 * MiB, max: 4 * GiB }, sizeAllowed(), "binary").describe("Sidecar memory."),
    }).describe("The log shipper sidecar."),
    initImage: pinnedImage().describe("Image of the init container that waits for Redis and TimescaleDB, pinned."),
    quota: section({
      cpu: quantity({ min: 1, max: 10_000 }, cpuAllowed(), "cpu").describe("CPU quota of the trading namespace; fits maxReplicas pods with their sidecars."),
      memory: quantity({ min: GiB, max: 100 * TiB }, sizeAllowed(), "binary").describe("Memory quota of the trading namespace; fits maxReplicas pods with their sidecars."),
      persistentVolumeClaims: int(1, 1000).describe("Claims quota: logs and data per pod plus the shared reference data."),
      loadBalancers: int(1, 100).describe("Load balancer Services allowed."),
      nodePorts: int(0, 100).describe("NodePort Services allowed."),
    }).describe("ResourceQuota of the trading namespace; must fit maxReplicas engine pods."),
  });
  return withRules(fields, (r) => {
    const e = r.value;
    if (r.valid("replicas", "maxReplicas") && e.maxReplicas < e.replicas) r.problem("maxReplicas", e.maxReplicas, `at least engine.replicas (${e.replicas})`);
    if (r.valid("replicas", "pdbMinAvailable") && (e.pdbMinAvailable! >= e.replicas || (e.replicas > 1 && e.pdbMinAvailable! < 1))) {
      r.problem(
        "pdbMinAvailable",
        e.pdbMinAvailable,
        `from 1 to ${e.replicas - 1} with ${e.replicas} replicas: at least one pod must stay up, and minAvailable = replicas would block every node drain`,
      );
    }
    if (r.valid("hugepages") && parseQuantity(e.hugepages)! % (2 * MiB) !== 0) r.problem("hugepages", e.hugepages, "a multiple of 2Mi");
    if (prod && r.valid("logLevel") && e.logLevel === "debug") r.problem("logLevel", "debug", "info, warn or error in production");
    if (r.valid("symbols") && e.symbols.length === 0) r.problem("symbols", [], "at least one symbol");
    // The VPC CNI gives pods no multicast: no plans (aws/amazon-vpc-cni-k8s#2164, 2022-12-15), pods' IGMP
    // joins are not seen by a transit gateway multicast domain (aws/containers-roadmap#2517, open 2026-12-07);
    // the workaround is the node's own network, where the node's security group, not a NetworkPolicy, decides.
    if (r.valid("venues", "hostNetwork") && !e.hostNetwork) {
      e.venues.forEach((v, i) => {
        for (const range of v.cidrs) if (isMulticast(range)) r.problem(`venues[${i}].cidrs`, range, "unicast ranges: multicast market data reaches the engine only with engine.hostNetwork: true (the VPC CNI gives pods no multicast)");
      });
    }
  }).transform((e) => ({
    ...e,
    // Defaults that follow other fields: one pod may go down for a drain; one thread per CPU.
    pdbMinAvailable: e.pdbMinAvailable ?? Math.max(e.replicas - 1, e.replicas > 1 ? 1 : 0),
    threads: e.threads ?? e.cpu,
  }));
}

/** The namespace quota must fit maxReplicas engine pods with their log shippers (run after the engine's own bounds). */
function quotaRules(r: Rules<{ maxReplicas: number; cpu: number; memory: string; logShipper: { cpu: string; memory: string }; quota: { cpu: string; memory: string; persistentVolumeClaims: number } }>): void {
  const e = r.value;
  if (r.valid("maxReplicas", "cpu", "logShipper.cpu", "quota.cpu")) {
    const needed = e.maxReplicas * (e.cpu + parseQuantity(e.logShipper.cpu)!);
    if (parseQuantity(e.quota.cpu)! < needed) r.problem("quota.cpu", e.quota.cpu, `at least ${needed} to run engine.maxReplicas (${e.maxReplicas}) pods`);
  }
  if (r.valid("maxReplicas", "memory", "logShipper.memory", "quota.memory")) {
    const needed = e.maxReplicas * (parseQuantity(e.memory)! + parseQuantity(e.logShipper.memory)!);
    if (parseQuantity(e.quota.memory)! < needed) r.problem("quota.memory", e.quota.memory, `at least ${Math.ceil(needed / GiB)}Gi to run engine.maxReplicas (${e.maxReplicas}) pods`);
  }
  if (r.valid("maxReplicas", "quota.persistentVolumeClaims") && e.quota.persistentVolumeClaims < 2 * e.maxReplicas + 1) {
    r.problem("quota.persistentVolumeClaims", e.quota.persistentVolumeClaims, `at least ${2 * e.maxReplicas + 1} (logs and data per pod, plus the shared reference data)`);
  }
}

/** The engine against the nodes it runs on: CPUs, memory, hugepages and how many pods fit, then the quota. Paths from the root. */
export function engineHostRules(r: Rules<{ engine?: Partial<EngineConfig> }>, host: EngineHost): void {
  const e = r.value.engine!;
  if (host.maxNodes !== undefined && r.valid("engine.maxReplicas") && e.maxReplicas! > host.maxNodes) {
    r.problem("engine.maxReplicas", e.maxReplicas, `at most ${host.maxNodesKey} (${host.maxNodes}): engine pods never share a node`);
  }
  const cpu = engineCpuBound(host, r.valid("engine.logShipper.cpu") ? parseQuantity(e.logShipper!.cpu)! : 0);
  if (cpu && r.valid("engine.cpu") && (e.cpu! > cpu.max || e.cpu! % cpu.step !== 0)) r.problem("engine.cpu", e.cpu, cpu.allowed);
  for (const bound of [memoryBound(host), hugepagesBound(host)]) {
    if (bound && r.valid(bound.key) && parseQuantity(String(e[bound.field]))! > bound.max) r.problem(bound.key, e[bound.field], sizeAllowed(bound.why));
  }
  quotaRules(scoped(r, "engine"));
}

/**
 * The engine's CPUs on its nodes. The kubelet runs the static CPU manager with full-pcpus-only: it
 * admits a Guaranteed pod only if its exclusive CPUs are whole physical cores, else the pod fails
 * with SMTAlignmentError (kubernetes.io "Node Resource Managers", static policy options, read
 * 2026-12-07), so with two threads per core an even number. single-numa-node with pod scope then
 * needs one NUMA node to hold them all, outside the reserved CPUs; and the node's allocatable (its
 * unreserved CPUs) must also hold the pod's log shipper. undefined when the node's size is unknown.
 */
function engineCpuBound(host: EngineHost, sidecarCpu: number): { max: number; step: number; allowed: string } | undefined {
  if (host.vcpus === undefined) return undefined;
  const step = host.threadsPerCore ?? 1;
  const numaNodes = host.memory?.numaNodes ?? 1;
  const reserved = new Set(host.reservedSystemCpus ? parseCpuSet(host.reservedSystemCpus).filter((c) => c < host.vcpus!) : []);
  const perNuma = Array.from({ length: numaNodes }, () => 0);
  for (let c = 0; c < host.vcpus; c++) if (!reserved.has(c)) perNuma[numaNodeOf(c, { vcpus: host.vcpus, threadsPerCore: step, numaNodes })]++;
  const numaMax = Math.max(...perNuma);
  const unreserved = host.vcpus - reserved.size;
  const podMax = Math.floor(unreserved - sidecarCpu - 1e-9);
  const max = Math.floor(Math.min(numaMax, podMax) / step) * step;
  const what = step === 2 ? `an even number of CPUs from 2 to ${max}` : `a whole number of CPUs from ${step} to ${max}`;
  const whole = step > 1 ? `whole cores (the kubelet's full-pcpus-only; ${host.name} runs ${step} threads per core)` : undefined;
  const limit =
    numaMax <= podMax && numaNodes > 1
      ? `on one NUMA node (single-numa-node: ${host.name} has ${numaNodes}, with ${perNuma.join(" and ")} CPUs outside ${host.reservedCpusKey})`
      : `leaving room for the log shipper (engine.logShipper.cpu) in ${host.name}'s ${unreserved} CPUs outside ${host.reservedCpusKey}`;
  return { max, step, allowed: `${what}: ${whole ? `${whole}, ` : ""}${limit}` };
}

type SizeBound = { key: string; field: "memory" | "hugepages"; max: number; why: string };

/** The tighter of an engine pod's memory bounds: half the node, or what one NUMA node has left for pods. */
function memoryBound(host: EngineHost): SizeBound | undefined {
  if (host.memoryGiB === undefined) return undefined;
  const half: SizeBound = { key: "engine.memory", field: "memory", max: (host.memoryGiB * GiB) / 2, why: `half of ${host.name}'s memory` };
  if (!host.memory || host.hugepages2Mi === undefined) return half;
  const nodes = host.memory.numaNodes;
  const perNuma = Math.floor((host.memoryGiB * 1024 - host.hugepages2Mi * 2 - totalReservedMi(host.memory)) / nodes) * MiB;
  const why = `${perNuma / MiB}Mi: the memory left for pods on ${numaWhere(host)}, after its hugepages and the kubelet's reservations`;
  return perNuma < half.max ? { ...half, max: perNuma, why } : half;
}

/**
 * The tighter of an engine pod's hugepages bounds: what a node preallocates, or its share on one
 * NUMA node (the kernel spreads vm.nr_hugepages over the nodes: kernel docs
 * admin-guide/mm/hugetlbpage.rst), as single-numa-node with the Static Memory Manager admits a
 * Guaranteed pod only if one NUMA node holds its memory and hugepages (else TopologyAffinityError).
 */
function hugepagesBound(host: EngineHost): SizeBound | undefined {
  if (host.hugepages2Mi === undefined) return undefined;
  const nodes = host.memory?.numaNodes ?? 1;
  const perNode = host.hugepages2Mi * 2 * MiB;
  if (nodes === 1) return { key: "engine.hugepages", field: "hugepages", max: perNode, why: `${host.hugepagesKey} × 2Mi = ${perNode / MiB}Mi per node` };
  const perNuma = Math.floor((host.hugepages2Mi * 2) / nodes) * MiB;
  return { key: "engine.hugepages", field: "hugepages", max: perNuma, why: `${perNuma / MiB}Mi: the share of ${host.hugepagesKey} on ${numaWhere(host)}` };
}

function numaWhere(host: EngineHost): string {
  const nodes = host.memory!.numaNodes;
  return `one of ${host.name}'s ${nodes} NUMA node${nodes === 1 ? "" : "s"}, which pins an engine pod to one`;
}
