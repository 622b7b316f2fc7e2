import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { planSubnets } from "../components/network";
import { C6I_NUMA_NODES, instanceMemoryReservation, memoryReservation, totalReservedMi } from "../components/config";
import { latencyKubeletConfig, latencySysctls, nodeUserData, reservedMemoryPerNumaNode } from "../components/node-bootstrap";
import { chronyConfig, timeSource, timeSyncBootScript } from "../components/time-sync";
import { NodeGroup } from "../components/nodegroup";

const identity = { name: "c", apiServerEndpoint: "https://x.eks.amazonaws.com", certificateAuthority: "Q0E=", serviceCidr: "172.20.0.0/16" };
const tuning = {
  cpus: { reserved: "0,2", isolated: "1,3" },
  processorStateControl: false,
  hugepages2Mi: 512,
  kernel: { busyPollUs: 0, socketBufferBytes: 4194304 },
  memory: memoryReservation(29, 1),
};

describe("subnet plan", () => {
  it("gives private subnets an eighth of the VPC, public ones a sixty-fourth and the control plane a /28, without overlap", () => {
    expect(planSubnets("10.20.0.0/16", 3)).toEqual({
      private: ["10.20.0.0/19", "10.20.32.0/19", "10.20.64.0/19"],
      public: ["10.20.192.0/22", "10.20.196.0/22", "10.20.200.0/22"],
      controlPlane: ["10.20.224.0/28", "10.20.224.16/28", "10.20.224.32/28"],
    });
    expect(planSubnets("172.16.0.0/20", 2)).toEqual({
      private: ["172.16.0.0/23", "172.16.2.0/23"],
      public: ["172.16.12.0/26", "172.16.12.64/26"],
      controlPlane: ["172.16.14.0/28", "172.16.14.16/28"],
    });
  });
});

describe("node user data", () => {
  it("is a MIME multipart document with a NodeConfig, the clock's script and, when tuned, the boot and isolation scripts", () => {
    const plain = nodeUserData(identity, { labels: {}, taints: [] }, { timeSource: "ntp" });
    expect(plain).toMatch(/^MIME-Version: 1.0\nContent-Type: multipart\/mixed; boundary="(.+)"\n/);
    expect(plain).toContain("application/node.eks.aws");
    expect(plain.match(/text\/x-shellscript/g)).toHaveLength(1);
    expect(plain).toContain("server 169.254.169.123 prefer iburst minpoll 4 maxpoll 4");
    expect(plain).not.toContain("--node-labels");

    const tuned = nodeUserData(identity, { labels: { a: "b" }, taints: [{ key: "k", value: "v", effect: "NoExecute" }] }, { tuning, timeSource: "phc" });
    // Sysctls, the clock, and last the isolation script that may reboot once.
    expect(tuned.match(/text\/x-shellscript/g)).toHaveLength(3);
    expect(tuned.lastIndexOf("grubby --update-kernel=ALL")).toBeGreaterThan(tuned.indexOf("refclock PHC"));
    expect(tuned).toContain("refclock PHC /dev/ptp_ena poll 0 delay 0.000010 prefer");
    expect(tuned).toContain("--node-labels=a=b");
    expect(tuned).toContain("--register-with-taints=k=v:NoExecute");
    expect(tuned.trimEnd().endsWith("--")).toBe(true);
  });

  it("derives sysctls from the kernel tuning", () => {
    expect(latencySysctls(tuning)).toMatchObject({
      "net.core.busy_poll": "0",
      "net.core.wmem_max": "4194304",
      "vm.nr_hugepages": "512",
    });
  });

  it("sets no per-network-namespace sysctl on the node, where it would never reach a pod", () => {
    const sysctls = Object.keys(latencySysctls(tuning));
    expect(sysctls).not.toContain("net.core.somaxconn");
    expect(sysctls).not.toContain("net.ipv4.tcp_max_syn_backlog");
    expect(sysctls.filter((k) => k.startsWith("net.ipv4."))).toEqual([]);
  });
});

describe("Memory Manager reservations", () => {
  const mi = (q: string) => Number(q.replace(/Mi$/, ""));

  it("splits the reservation over NUMA nodes so the sum equals kube + system reserved + hard eviction", () => {
    for (const numaNodes of [1, 2, 3, 4]) {
      const memory = { numaNodes, kubeReservedMi: 8362, systemReservedMi: 1024, evictionHardMi: 101 };
      const perNode = reservedMemoryPerNumaNode(memory);
      expect(perNode.map((n) => n.numaNode)).toEqual([...Array(numaNodes).keys()]);
      expect(perNode.reduce((sum, n) => sum + mi(n.limits.memory), 0)).toBe(8362 + 1024 + 101);
    }
  });

  it("states in the kubelet config the same reservations the per-NUMA-node split adds up to", () => {
    const kubelet = latencyKubeletConfig({ ...tuning, memory: memoryReservation(737, 2) }) as any;
    const stated = mi(kubelet.kubeReserved.memory) + mi(kubelet.systemReserved.memory) + mi(kubelet.evictionHard["memory.available"]);
    expect(kubelet.reservedMemory.reduce((sum: number, n: any) => sum + mi(n.limits.memory), 0)).toBe(stated);
    expect(stated).toBe(totalReservedMi(memoryReservation(737, 2)));
  });

  it("knows every c6i size: two NUMA nodes above 32 cores, nodeadm's max-pods formula for kube-reserved", () => {
    expect(instanceMemoryReservation("c6i.metal")).toEqual({ numaNodes: 2, kubeReservedMi: 8362, systemReservedMi: 1024, evictionHardMi: 100 });
    expect(instanceMemoryReservation("c6i.4xlarge")).toEqual({ numaNodes: 1, kubeReservedMi: 2829, systemReservedMi: 1024, evictionHardMi: 100 });
    expect(Object.entries(C6I_NUMA_NODES).filter(([, n]) => n === 2).map(([t]) => t)).toEqual(["c6i.24xlarge", "c6i.32xlarge", "c6i.metal"]);
    expect(() => instanceMemoryReservation("m6i.large")).toThrow(/m6i.large/);
  });
});

function unwrap<T>(o: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => o.apply(resolve));
}

describe("NodeGroup component", () => {
  it("adds a placement group only for latency-tuned nodes and always requires IMDSv2", async () => {
    const common = {
      clusterName: "c",
      identity,
      nodeRoleArn: "arn:aws:iam::123456789012:role/n",
      subnetIds: ["subnet-1"],
      instanceTypes: ["c6i.large"],
      amiId: "ami-1",
      rootVolumeGiB: 20,
      minSize: 1,
      desiredSize: 1,
      maxSize: 1,
      registration: { labels: {}, taints: [] },
      region: "us-east-1",
      tags: {},
    };
    const plain = new NodeGroup("plain", common);
    const tuned = new NodeGroup("tuned", { ...common, latencyTuning: tuning });
    expect(plain.placementGroup).toBeUndefined();
    expect(tuned.placementGroup).toBeDefined();
    expect(await unwrap(plain.launchTemplate.metadataOptions)).toMatchObject({ httpTokens: "required", httpPutResponseHopLimit: 1 });
    expect(await unwrap(tuned.launchTemplate.placement)).toMatchObject({ groupName: expect.stringMatching(/^tuned/) });
  });
});

describe("time source", () => {
  it("puts the PHC in a node group's bootstrap only when every instance type of the group has one", async () => {
    const common = {
      clusterName: "c",
      identity,
      nodeRoleArn: "arn:aws:iam::123456789012:role/n",
      subnetIds: ["subnet-1"],
      amiId: "ami-1",
      rootVolumeGiB: 20,
      minSize: 1,
      desiredSize: 1,
      maxSize: 1,
      registration: { labels: {}, taints: [] },
      region: "us-east-1",
      tags: {},
    };
    const decoded = async (group: NodeGroup) => Buffer.from((await unwrap(group.launchTemplate.userData)) as string, "base64").toString();
    expect(await decoded(new NodeGroup("phc", { ...common, instanceTypes: ["m7i.large", "r7i.large"] }))).toContain("refclock PHC /dev/ptp_ena");
    expect(await decoded(new NodeGroup("mixed", { ...common, instanceTypes: ["m7i.large", "c6i.large"] }))).not.toContain("refclock");
  });

  it("uses the PTP hardware clock only for the families and Regions AWS lists, the NTP endpoint elsewhere", () => {
    expect(timeSource("m7i.metal-24xl", "us-east-1")).toBe("phc");
    expect(timeSource("r7a.2xlarge", "ap-northeast-1")).toBe("phc");
    expect(timeSource("m7i.metal-24xl", "eu-west-1")).toBe("ntp");
    expect(timeSource("c6i.metal", "us-east-1")).toBe("ntp");
    expect(timeSource("c7i.metal-24xl", "us-east-1")).toBe("ntp");
    expect(timeSource("m7i-flex.large", "us-east-1")).toBe("ntp");
  });

  it("falls back to the NTP endpoint at boot when the PHC device is missing, never running both", () => {
    const script = timeSyncBootScript("phc");
    const [, phcBranch, ntpBranch] = script.split(/\nif \[ -e \/dev\/ptp_ena \]; then\n|\nelse\n/);
    expect(phcBranch).toContain("refclock PHC /dev/ptp_ena");
    expect(phcBranch).not.toContain("server 169.254.169.123");
    expect(ntpBranch).toContain("server 169.254.169.123");
    expect(ntpBranch).not.toContain("refclock");
    expect(chronyConfig("ntp")).not.toContain("pool ");
  });
});
