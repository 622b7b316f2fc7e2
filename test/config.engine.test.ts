import { describe, expect, it } from "vitest";
import { isPinnedImage, parsePlatformConfig, parseQuantity } from "../components/config";
import { expectRejected, problems, stackConfig } from "./stack-config";

describe("engine config", () => {
  it("reads both stacks' engine settings", () => {
    const prod = parsePlatformConfig(stackConfig("prod"), "prod").engine;
    expect(prod).toMatchObject({ replicas: 3, maxReplicas: 5, pdbMinAvailable: 2, cpu: 8, memory: "16Gi", hugepages: "4Gi", hostNetwork: false });
    expect(prod.exposure).toEqual({ internal: true, sourceRanges: ["10.0.0.0/8"], targetType: "instance" });
    const dev = parsePlatformConfig(stackConfig("dev"), "dev").engine;
    // Defaults: one replica keeps no pod up through a drain; threads follow the CPUs.
    expect(dev).toMatchObject({ replicas: 1, pdbMinAvailable: 0, threads: 4, ephemeralStorage: "10Gi", features: { paperTrading: true } });
  });

  it("requires a pinned image", () => {
    expectRejected("prod", { "engine.image": "registry.example.com/hft-trading-engine:latest" }, "engine.image", /other than "latest"/);
    expectRejected("prod", { "engine.image": "registry.example.com/hft-trading-engine" }, "engine.image", /pinned/);
    expectRejected("dev", { "engine.logShipper.image": "fluent/fluent-bit" }, "engine.logShipper.image", /pinned/);
    expectRejected("dev", { "engine.initImage": "busybox:latest" }, "engine.initImage", /pinned/);
    expect(problems("prod", { "engine.image": `registry.example.com:5000/hft/engine@sha256:${"a".repeat(64)}` })).toEqual([]);
  });

  it("recognises pinned image references", () => {
    expect(isPinnedImage("redis:7.4.1")).toBe(true);
    expect(isPinnedImage("ghcr.io/org/app:v1.2.3@sha256:" + "0".repeat(64))).toBe(true);
    expect(isPinnedImage("registry:5000/app")).toBe(false);
    expect(isPinnedImage("app@sha256:short")).toBe(false);
    expect(isPinnedImage("App:1.0")).toBe(false);
  });

  it("needs whole CPUs for Guaranteed QoS, within the node", () => {
    expectRejected("prod", { "engine.cpu": 2.5 }, "engine.cpu", /whole number of CPUs/);
    expectRejected("prod", { "engine.cpu": "8000m" }, "engine.cpu", /whole number of CPUs/);
    // c6i.4xlarge: 16 threads on 8 cores, "0,8" reserved (one core): 14 left, less the log shipper's 200m.
    expectRejected("dev", { "engine.cpu": 14 }, "engine.cpu", /an even number of CPUs from 2 to 12: whole cores .* leaving room for the log shipper \(engine\.logShipper\.cpu\) in c6i\.4xlarge's 14 CPUs/);
  });

  // c6i.metal: 2 sockets = 2 NUMA nodes of 32 cores x 2 threads; prod reserves 2 cores on each, so 60 CPUs per NUMA node.
  const numaBound =
    /^hft-platform:engine\.cpu: \d+ is not allowed; allowed: an even number of CPUs from 2 to 60: whole cores \(the kubelet's full-pcpus-only; c6i\.metal runs 2 threads per core\), on one NUMA node \(single-numa-node: c6i\.metal has 2, with 60 and 60 CPUs outside engineNodes\.reservedSystemCpus\) \(set it in Pulumi\.prod\.yaml\)$/;

  it("states the real bound of engine.cpu in one line: whole cores on one NUMA node", () => {
    for (const cpu of [7, 100, 200, 62, 1]) {
      const found = problems("prod", { "engine.cpu": cpu });
      expect(found, `engine.cpu ${cpu}`).toHaveLength(1);
      expect(found[0]).toMatch(numaBound);
    }
    expect(problems("prod", { "engine.cpu": 60, "engine.quota.cpu": "301" })).toEqual([]);
  });

  it("gives one line per key: a bound the engine breaks is not repeated as the quota's", () => {
    const found = problems("prod", { "engine.cpu": 100, "engine.memory": "2000Gi", "engine.hugepages": "1Ti" });
    const keys = found.map((line) => line.split(":").slice(0, 2).join(":"));
    expect(keys).toEqual(["hft-platform:engine.cpu", "hft-platform:engine.memory", "hft-platform:engine.hugepages"]);
    expect(found[1]).toMatch(/"2000Gi" is not allowed; allowed: a size such as "512Mi" or "16Gi", at most 109945Mi: the memory left for pods on one of c6i\.metal's 2 NUMA nodes/);
    expect(found[2]).toMatch(/at most 16384Mi: the share of engineNodes\.hugepages2Mi on one of c6i\.metal's 2 NUMA nodes/);
  });

  it("keeps hugepages within what an engine node preallocates", () => {
    expectRejected("prod", { "engine.hugepages": "64Gi" }, "engine.hugepages", /at most 16384Mi: the share of engineNodes\.hugepages2Mi/);
    expectRejected("dev", { "engine.hugepages": "5Gi" }, "engine.hugepages", /4096Mi per node/);
    expectRejected("dev", { "engine.hugepages": "3Mi" }, "engine.hugepages", /multiple of 2Mi/);
    expectRejected("dev", { "engine.hugepages": "2G" }, "engine.hugepages", /a size such as/);
  });

  it("fits the engine's memory and hugepages on one NUMA node, after the kubelet's reserved memory", () => {
    // c6i.metal: 2 NUMA nodes of 128 GiB; 16384 hugepages (32 GiB) and 8362 + 1024 + 100 MiB reserved, split evenly.
    expectRejected("prod", { "engine.hugepages": "20Gi" }, "engine.hugepages", /at most 16384Mi: the share of engineNodes\.hugepages2Mi on one of c6i\.metal's 2 NUMA nodes/);
    expectRejected("prod", { "engine.memory": "110Gi", "engine.quota.memory": "600Gi" }, "engine.memory", /at most 109945Mi: the memory left for pods on one of c6i\.metal's 2 NUMA nodes/);
    expect(problems("prod", { "engine.memory": "100Gi", "engine.quota.memory": "600Gi" })).toEqual([]);
    // One NUMA node (c6i.4xlarge, 32 GiB): with 8192 hugepages (16 GiB) and 2829 + 1024 + 100 MiB reserved, 12431Mi are left for pods.
    expectRejected("dev", { "engine.memory": "16Gi", "engineNodes.hugepages2Mi": 8192, "engine.quota.memory": "64Gi" }, "engine.memory", /at most 12431Mi: the memory left for pods on one of c6i.4xlarge.s 1 NUMA node/);
    expect(problems("dev", {})).toEqual([]);
  });

  it("keeps replicas, the autoscaler and the disruption budget consistent", () => {
    expectRejected("prod", { "engine.pdbMinAvailable": 4 }, "engine.pdbMinAvailable", /from 1 to 2 with 3 replicas/);
    expectRejected("prod", { "engine.pdbMinAvailable": 3 }, "engine.pdbMinAvailable", /block every node drain/);
    expectRejected("prod", { "engine.pdbMinAvailable": 0 }, "engine.pdbMinAvailable", /at least one pod must stay up/);
    expectRejected("prod", { "engine.replicas": 2 }, "engine.replicas", /from 3 in production/);
    expectRejected("prod", { "engine.maxReplicas": 2 }, "engine.maxReplicas", /at least engine.replicas \(3\)/);
    expectRejected("prod", { "engine.maxReplicas": 6 }, "engine.maxReplicas", /at most engineNodes.minSize \(5\)/);
  });

  it("sizes the namespace quota for the autoscaler's ceiling", () => {
    expectRejected("prod", { "engine.quota.cpu": "32" }, "engine.quota.cpu", /at least 41 to run engine.maxReplicas \(5\)/);
    expectRejected("prod", { "engine.quota.memory": "64Gi" }, "engine.quota.memory", /at least 82Gi/);
    expectRejected("prod", { "engine.quota.persistentVolumeClaims": 10 }, "engine.quota.persistentVolumeClaims", /at least 11/);
  });

  it("holds the latency histogram to the metrics contract: ascending bounds with every objective among them", () => {
    // A client library's default buckets (5 ms and up): every sub-millisecond p99 would read as ms.
    const defaults = [5000, 10000, 25000, 50000, 100000, 250000, 500000, 1000000];
    expect(problems("prod", { "engine.latency.bucketsUs": defaults })).toEqual([
      expect.stringMatching(/bucketsUs: .* allowed: bounds that include every latency objective, here targetP99Us \(100\), targetP999Us \(500\), hpaP99Us \(80\):/),
      expect.stringMatching(/bucketsUs: .* allowed: at least 4 bounds at or below targetP99Us \(100\); found 0 \(set it in Pulumi.prod.yaml\)$/),
    ]);
    expectRejected("prod", { "engine.latency.bucketsUs": [10, 20, 30, 40, 50, 60, 70, 100, 500] }, "engine.latency.bucketsUs", /here hpaP99Us \(80\):/);
    expectRejected("prod", { "engine.latency.bucketsUs": [10, 80, 50, 100, 500] }, "engine.latency.bucketsUs", /strictly ascending/);
    expectRejected("prod", { "engine.latency.bucketsUs": [1.5, 80, 100, 500] }, "engine.latency.bucketsUs", /whole microseconds/);
    expect(problems("prod", { "engine.latency.bucketsUs": [25, 50, 60, 80, 100, 500] })).toEqual([]);
  });

  it("checks latency objectives, risk limits and exposure", () => {
    expectRejected("prod", { "engine.latency.hpaP99Us": 150 }, "engine.latency.hpaP99Us", /at most targetP99Us \(100\)/);
    expectRejected("prod", { "engine.latency.targetP999Us": 50 }, "engine.latency.targetP999Us", /at least targetP99Us/);
    expectRejected("prod", { "engine.risk.maxOrderSize": 200000 }, "engine.risk.maxOrderSize", /at most risk.maxPositionSize/);
    expectRejected("prod", { "engine.exposure.sourceRanges": ["0.0.0.0/0"] }, "engine.exposure.sourceRanges", /not the whole internet/);
    expectRejected("prod", { "engine.exposure.internal": undefined }, "engine.exposure.internal", /true or false/);
    expectRejected("prod", { "engine.metricsInterval": "1 second" }, "engine.metricsInterval", /Prometheus duration/);
    expectRejected("prod", { "engine.logLevel": "debug" }, "engine.logLevel", /in production/);
    expectRejected("prod", { "engine.symbols": ["aapl"] }, "engine.symbols", /ticker symbols/);
    expectRejected("prod", { "engine.features": { paperTrading: "yes" } }, "engine.features.paperTrading", /true or false/);
    expectRejected("prod", { "engine.replica": 3 }, "engine.replica", /unknown key/);
  });

  it("parses Kubernetes quantities", () => {
    expect(parseQuantity("16Gi")).toBe(16 * 2 ** 30);
    expect(parseQuantity("200m")).toBeCloseTo(0.2);
    expect(parseQuantity("2")).toBe(2);
    expect(parseQuantity("2GB")).toBeUndefined();
  });
});

describe("engine network config", () => {
  it("reads each stack's venues; a venue is its own ranges and ports, never the internet at large", () => {
    const prod = parsePlatformConfig(stackConfig("prod"), "prod").engine;
    expect(prod.venues.map((v) => v.name)).toEqual(["order-entry-fix", "market-data-tcp", "market-data-udp"]);
    expect(prod.venues[1].ports).toEqual([{ port: 443, protocol: "TCP" }, { port: 10000, endPort: 10015, protocol: "TCP" }]);
    const venue = { name: "x", cidrs: ["0.0.0.0/0"], ports: [{ port: 443 }] };
    expectRejected("prod", { "engine.venues": [venue] }, "engine.venues[0].cidrs", /at most a \/8/);
    expectRejected("prod", { "engine.venues": [{ ...venue, cidrs: ["203.0.113.0/24"], ports: [{ port: 9000, endPort: 8000 }] }] }, "engine.venues[0].ports[0].endPort", /at least port \(9000\)/);
  });

  it("admits multicast market data only on the host network (the VPC CNI gives pods none)", () => {
    const multicast = [{ name: "feed", cidrs: ["233.54.12.0/24"], ports: [{ port: 20000, protocol: "UDP" }] }];
    expectRejected("prod", { "engine.venues": multicast }, "engine.venues[0].cidrs", /engine\.hostNetwork: true/);
    expect(problems("dev", { "engine.venues": multicast, "engine.hostNetwork": true })).toEqual([]);
  });

  it("refuses a client range inside the pods' own subnets, naming the subnet", () => {
    expectRejected("prod", { "engine.exposure.sourceRanges": ["10.30.8.0/24"] }, "engine.exposure.sourceRanges", /10\.30\.0\.0\/19 holds pods/);
    // A range holding the pods is fine: the policy cuts them out.
    expect(problems("dev", { "engine.exposure.sourceRanges": ["10.20.0.0/16"] })).toEqual([]);
  });
});
