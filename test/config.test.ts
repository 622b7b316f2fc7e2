import { describe, expect, it } from "vitest";
import { ConfigError, parseCpuSet, parsePlatformConfig, projectConfig } from "../components/config";
import { eksConfig, expectRejected, problems, stackConfig } from "./stack-config";

describe("stack files", () => {
  it("dev parses into the cheap platform, its API endpoint private like prod's", () => {
    const dev = eksConfig("dev");
    expect(dev.tier).toBe("development");
    expect(dev.network).toMatchObject({ availabilityZones: 3, natGateways: 1, flowLogs: false });
    // CI reaches it through the stack's runner in the VPC (docs/ci-cd.md); no allow-list to fill in.
    expect(dev.cluster.endpointPublicAccess).toBe(false);
    expect(dev.cluster.publicAccessCidrs).toEqual([]);
    expect(dev.engineNodes.instanceType).toBe("c6i.4xlarge");
    expect(dev.engineNodes.kernel).toEqual({ busyPollUs: 50, socketBufferBytes: 16777216 });
    expect(dev.storage.reclaimPolicy).toBe("Delete");
  });

  it("prod parses into the HA, private, bare-metal platform", () => {
    const prod = eksConfig("prod");
    expect(prod.tier).toBe("production");
    expect(prod.network).toMatchObject({ availabilityZones: 3, natGateways: 3, flowLogs: true, flowLogRetentionDays: 365 });
    expect(prod.cluster.endpointPublicAccess).toBe(false);
    expect(prod.engineNodes).toMatchObject({ instanceType: "c6i.metal", minSize: 5, hugepages2Mi: 16384 });
    expect(prod.storage).toEqual({
      reclaimPolicy: "Retain",
      fastSsd: { iops: 16000, throughput: 1000 },
      efs: { backups: true, transitionToIa: "AFTER_30_DAYS" },
    });
  });
});

describe("validation", () => {
  it("engine nodes must be c6i", () => {
    expectRejected("dev", { "engineNodes.instanceType": "m5.large" }, "engineNodes.instanceType", /a c6i instance type/);
    expectRejected("dev", { "engineNodes.instanceType": "c6i.huge" }, "engineNodes.instanceType", /c6i\.metal/);
    // A c6i.8xlarge has 16 cores: core 0 is CPUs 0 and 16.
    expect(problems("dev", { "engineNodes.instanceType": "c6i.8xlarge", "engineNodes.reservedSystemCpus": "0,16" })).toEqual([]);
  });

  it("production engine nodes must be c6i.metal", () => {
    expectRejected("prod", { "engineNodes.instanceType": "c6i.32xlarge" }, "engineNodes.instanceType", /c6i\.metal \(production/);
    expectRejected("prod", { "engineNodes.instanceType": "m5.large" }, "engineNodes.instanceType", /c6i\.metal/);
  });

  it("gp3 IOPS stay within 3000–16000", () => {
    expectRejected("prod", { "storage.fastSsd.iops": 20000 }, "storage.fastSsd.iops", /3000 to 16000/);
    expectRejected("dev", { "storage.fastSsd.iops": 2999 }, "storage.fastSsd.iops", /3000 to 16000/);
    expect(problems("dev", { "storage.fastSsd.iops": 3000, "storage.fastSsd.throughput": 125 })).toEqual([]);
    expect(problems("prod", { "storage.fastSsd.iops": 16000 })).toEqual([]);
  });

  it("gp3 throughput stays within 125–1000 MiB/s and at most IOPS/4", () => {
    expectRejected("dev", { "storage.fastSsd.throughput": 124 }, "storage.fastSsd.throughput", /125–1000/);
    expectRejected("prod", { "storage.fastSsd.throughput": 1001 }, "storage.fastSsd.throughput", /125–1000/);
    expectRejected("dev", { "storage.fastSsd.iops": 3000, "storage.fastSsd.throughput": 751 }, "storage.fastSsd.throughput", /iops\/4 = 750/);
    // 4000 IOPS needs 8Gi claims on fast-ssd (500 IOPS per GiB): dev's 5Gi Redis volume grows with it.
    expect(problems("dev", { "storage.fastSsd.iops": 4000, "storage.fastSsd.throughput": 1000, "redis.storageSize": "8Gi" })).toEqual([]);
  });

  it("refuses a claim on fast-ssd too small for the class's IOPS, naming the claim, the size that fits and the IOPS that fit", () => {
    // The EBS CSI driver passes 6000 IOPS for a 5 GiB volume to CreateVolume, which refuses it (500 IOPS per GiB).
    expectRejected("dev", { "storage.fastSsd.iops": 6000 }, "redis.storageSize", /^hft-platform:redis\.storageSize: "5Gi" is not allowed; allowed: at least 12Gi on fast-ssd .*storage\.fastSsd\.iops is 6000\), or storage\.fastSsd\.iops at most 3000 for 5Gi/);
    // 10 GiB at 6000 IOPS would be capped by the driver to 5000 without a word: refused as well.
    expectRejected("dev", { "storage.fastSsd.iops": 6000 }, "engine.volumes.logs", /at least 12Gi on fast-ssd.*at most 5000 for 10Gi/);
    expectRejected("dev", { "storage.fastSsd.iops": 6000 }, "timescaledb.storage.walSize", /at least 12Gi/);
    expect(problems("dev", { "storage.fastSsd.iops": 6000 }).filter((p) => /prometheus|volumes\.data|storage\.size/.test(p))).toEqual([]);
    // Every size gets gp3's 3000 baseline, and prod's 16000 IOPS fit its 50Gi and larger claims.
    expect(problems("dev", { "storage.fastSsd.iops": 3000, "redis.storageSize": "2Gi" })).toEqual([]);
    expect(problems("prod", {})).toEqual([]);
    expectRejected("prod", { "redis.storageSize": "31Gi" }, "redis.storageSize", /at least 32Gi on fast-ssd/);
    // gp3's class at its 3000 baseline (Alertmanager's) and existing clusters' classes are not gp3 claims to check.
    expect(problems("prod", { "monitoring.alertmanager.storageSize": "1Gi" })).toEqual([]);
  });

  it("refuses the kernel keys that could never reach a pod", () => {
    expectRejected("prod", { "engineNodes.kernel.somaxconn": 4096 }, "engineNodes.kernel.somaxconn", /unknown key/);
    expectRejected("prod", { "engineNodes.kernel.tcpMaxSynBacklog": 8192 }, "engineNodes.kernel.tcpMaxSynBacklog", /unknown key/);
  });

  it("node counts must satisfy min ≤ desired ≤ max", () => {
    expectRejected("dev", { "systemNodes.minSize": 3, "systemNodes.desiredSize": 2 }, "systemNodes.desiredSize", /minSize ≤ desiredSize ≤ maxSize/);
    expectRejected("prod", { "engineNodes.desiredSize": 6 }, "engineNodes.desiredSize", /5 ≤ 6 ≤ 5/);
    expectRejected("dev", { "engineNodes.maxSize": "many" }, "engineNodes.maxSize", /integer/);
  });

  it("CIDRs must be valid networks", () => {
    expectRejected("dev", { "network.vpcCidr": "10.20.0.0/33" }, "network.vpcCidr", /CIDR notation/);
    expectRejected("dev", { "network.vpcCidr": "10.20.1.0/16" }, "network.vpcCidr", /no host bits/);
    expectRejected("dev", { "network.vpcCidr": "10.300.0.0/16" }, "network.vpcCidr", /CIDR/);
    expectRejected("dev", { "network.vpcCidr": "10.0.0.0/8" }, "network.vpcCidr", /\/16 to \/20/);
    expectRejected("dev", { "cluster.publicAccessCidrs": ["203.0.113.0/24", "banana"] }, "cluster.publicAccessCidrs", /IPv4 CIDRs/);
    expectRejected("dev", { "cluster.serviceCidr": "10.20.0.0/16" }, "cluster.serviceCidr", /does not overlap/);
  });

  it("availability zones: 2–3, and 3 in production", () => {
    expectRejected("dev", { "network.availabilityZones": 1, "network.natGateways": 1 }, "network.availabilityZones", /2 to 3/);
    expectRejected("dev", { "network.availabilityZones": 4 }, "network.availabilityZones", /2 to 3/);
    expectRejected("prod", { "network.availabilityZones": 2, "network.natGateways": 2 }, "network.availabilityZones", /3 in production/);
    expect(problems("dev", { "network.availabilityZones": 2 })).toEqual([]);
  });

  it("NAT gateways: one shared, or one per zone (production)", () => {
    expectRejected("dev", { "network.natGateways": 2 }, "network.natGateways", /1 \(shared\) or 3/);
    expectRejected("prod", { "network.natGateways": 1 }, "network.natGateways", /3 in production/);
  });

  it("unknown keys are errors, at the top and nested", () => {
    expectRejected("dev", { "network.flowLog": true }, "network.flowLog", /unknown key; allowed keys here: vpcCidr/);
    expectRejected("dev", { clusterr: {} }, "clusterr", /unknown key; allowed keys here: tier, network/);
    expectRejected("prod", { "engineNodes.kernel.busyPoll": 50 }, "engineNodes.kernel.busyPoll", /busyPollUs/);
  });

  it("missing keys are named", () => {
    expectRejected("dev", { tier: undefined }, "tier", /missing; allowed: one of development, production/);
    expectRejected("dev", { storage: undefined }, "storage", /missing; allowed: an object/);
    expectRejected("dev", { "network.flowLogs": undefined }, "network.flowLogs", /true or false/);
  });

  it("production keeps the API endpoint private", () => {
    expectRejected("prod", { "cluster.endpointPublicAccess": true, "cluster.publicAccessCidrs": ["203.0.113.0/24"] }, "cluster.endpointPublicAccess", /false in production/);
  });

  it("a public endpoint needs specific CIDRs", () => {
    const publicEndpoint = { "cluster.endpointPublicAccess": true };
    expectRejected("dev", { ...publicEndpoint, "cluster.publicAccessCidrs": [] }, "cluster.publicAccessCidrs", /at least one CIDR/);
    expectRejected("dev", { ...publicEndpoint, "cluster.publicAccessCidrs": ["0.0.0.0/0"] }, "cluster.publicAccessCidrs", /not the whole internet/);
  });

  it("versions are pinned and consistent", () => {
    expectRejected("dev", { "cluster.kubernetesVersion": 1.34 }, "cluster.kubernetesVersion", /quoted EKS minor version/);
    expectRejected("dev", { "cluster.kubernetesVersion": "1.28" }, "cluster.kubernetesVersion", /from "1\.32" to "1\.35"/);
    // Past the end of EKS extended support (2026-11-26), and a version that does not exist, even with a matching kube-proxy.
    expectRejected("dev", { "cluster.kubernetesVersion": "1.31", "cluster.addons.kubeProxy": "v1.31.2-eksbuild.3" }, "cluster.kubernetesVersion", /from "1\.32" to "1\.35"/);
    expectRejected("dev", { "cluster.kubernetesVersion": "1.99", "cluster.addons.kubeProxy": "v1.99.0-eksbuild.1" }, "cluster.kubernetesVersion", /from "1\.32" to "1\.35"/);
    expectRejected("dev", { "cluster.addons.coredns": "latest" }, "cluster.addons.coredns", /exact EKS addon version/);
    expectRejected("dev", { "cluster.addons.kubeProxy": "v1.33.5-eksbuild.1" }, "cluster.addons.kubeProxy", /Kubernetes 1\.34/);
    expectRejected("dev", { "cluster.nodeAmiRelease": "recommended" }, "cluster.nodeAmiRelease", /v20260714/);
  });

  it("engine node tuning fits the instance", () => {
    expectRejected("dev", { "engineNodes.reservedSystemCpus": "0-15" }, "engineNodes.reservedSystemCpus", /leaving some for pods/);
    expectRejected("dev", { "engineNodes.reservedSystemCpus": "0,16" }, "engineNodes.reservedSystemCpus", /below 16/);
    expectRejected("dev", { "engineNodes.reservedSystemCpus": "zero" }, "engineNodes.reservedSystemCpus", /cpuset/);
    // c6i.4xlarge has 32 GiB: at most 16 GiB of 2 MiB pages.
    expectRejected("dev", { "engineNodes.hugepages2Mi": 8193 }, "engineNodes.hugepages2Mi", /at most 8192/);
    expect(problems("dev", { "engineNodes.hugepages2Mi": 8192 })).toEqual([]);
    expectRejected("prod", { "engineNodes.kernel.busyPollUs": -1 }, "engineNodes.kernel.busyPollUs", /0 to 1000/);
  });

  it("production protects data and keeps audit trails", () => {
    expectRejected("prod", { "storage.reclaimPolicy": "Delete" }, "storage.reclaimPolicy", /Retain in production/);
    expectRejected("prod", { "storage.efs.backups": false }, "storage.efs.backups", /true in production/);
    expectRejected("prod", { "network.flowLogs": false }, "network.flowLogs", /true in production/);
    expectRejected("dev", { "storage.efs.transitionToIa": "AFTER_2_DAYS" }, "storage.efs.transitionToIa", /AFTER_1_DAY, AFTER_7_DAYS/);
  });

  it("collects every problem into one error naming the stack file", () => {
    let error: unknown;
    try {
      parsePlatformConfig(stackConfig("prod", { "engineNodes.instanceType": "m5.large", "storage.fastSsd.iops": 20000, "network.typo": 1 }), "prod-copy");
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const configError = error as ConfigError;
    expect(configError.stackFile).toBe("Pulumi.prod-copy.yaml");
    expect(configError.problems).toHaveLength(3);
    expect(configError.message).toMatch(/^Invalid stack configuration in Pulumi\.prod-copy\.yaml \(3 problems\):/);
    expect(configError.message).toContain("hft-platform:engineNodes.instanceType");
    expect(configError.message).toContain("hft-platform:storage.fastSsd.iops");
    expect(configError.message).toContain("hft-platform:network.typo");
  });

  it("reads scalars given as strings, as the Pulumi CLI passes top-level values", () => {
    const raw = projectConfig({ "hft-platform:tier": "development", "aws:region": "us-east-1", "hft-platform:network": '{"vpcCidr":"10.0.0.0/16"}' });
    expect(raw).toEqual({ tier: "development", network: { vpcCidr: "10.0.0.0/16" } });
  });

  it("expands cpusets", () => {
    expect(parseCpuSet("0-1,32-33")).toEqual([0, 1, 32, 33]);
    expect(parseCpuSet("5")).toEqual([5]);
  });
});
