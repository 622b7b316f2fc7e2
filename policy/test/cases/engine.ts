/** Fixtures for the engine latency and engine node rules. */
import { K8S } from "../../kubernetes";
import { AWS } from "../../policies/aws";
import * as aws from "../fixtures/aws";
import * as k from "../fixtures/kubernetes";
import { resource } from "../harness";
import { Case, of } from "./case";
import { cnpgCluster } from "./data-protection";

const pod = (w: any) => w.spec.template.spec;
const main = (w: any) => w.spec.template.spec.containers[0];

/** The engine StatefulSet with one change. */
const verifiedAffinity = (value: string) => ({
  requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: "hft-platform/latency-verified", operator: "In", values: [value] }] }] },
});

const engine = (mutate: (w: any) => void = () => {}) => of(K8S.statefulSet, k.statefulSet(), mutate, "trading-engine");

const zonePreference = (zone: string) => ({
  preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, preference: { matchExpressions: [{ key: "topology.kubernetes.io/zone", operator: "In", values: [zone] }] } }],
});

/** The engine node group in a us-east-1a subnet, Redis preferring `redisZone` and the database `databaseZone`. */
function dataStoresBeside(redisZone: string, databaseZone: string) {
  const subnet = resource("aws:ec2/subnet:Subnet", { availabilityZone: "us-east-1a", cidrBlock: "10.30.0.0/19" }, "hft-private-0");
  const group = resource(AWS.nodeGroup, aws.engineNodeGroup(), "hft-engine", { dependencies: [subnet.urn] });
  const redis = k.statefulSet();
  redis.metadata = { name: "redis", namespace: "hft-cache" };
  redis.spec!.template!.spec!.affinity = { nodeAffinity: zonePreference(redisZone) } as never;
  const database: any = cnpgCluster();
  database.spec.affinity = { nodeAffinity: zonePreference(databaseZone) };
  return [subnet, group, resource(K8S.statefulSet, redis, "redis"), resource("kubernetes:postgresql.cnpg.io/v1:Cluster", database, "timescaledb")];
}

export const ENGINE_CASES: Case[] = [
  {
    rule: "engine-dedicated-nodes",
    compliant: () => engine(),
    // Still the engine by its name and labels once the toleration and selector are gone.
    violating: () => engine((w) => (delete pod(w).tolerations, delete pod(w).nodeSelector)),
    message: /does not tolerate the node-type=high-performance:NoSchedule taint[\s\S]*does not select node-type=high-performance nodes/,
  },
  {
    rule: "engine-verified-nodes",
    compliant: () => engine((w) => (pod(w).affinity.nodeAffinity = verifiedAffinity("true"))),
    // The label's key with a value the verifier never writes admits no verified node's guarantee.
    violating: () => engine((w) => (pod(w).affinity.nodeAffinity = verifiedAffinity("false"))),
    message: /does not require the node label hft-platform\/latency-verified=true in every required node-affinity term/,
  },
  {
    rule: "engine-hugepages",
    compliant: () => engine(),
    violating: () => engine((w) => {
      for (const list of [main(w).resources.requests, main(w).resources.limits]) delete list["hugepages-2Mi"];
    }),
    message: /no engine container sets a hugepages-2Mi/,
  },
  {
    rule: "engine-anti-affinity",
    compliant: () => engine(),
    violating: () => engine((w) => (pod(w).affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].topologyKey = "topology.kubernetes.io/zone")),
    message: /no required pod anti-affinity on kubernetes\.io\/hostname selects the engine's own labels/,
  },
  {
    rule: "engine-priority-class",
    compliant: () => engine(),
    violating: () => engine((w) => delete pod(w).priorityClassName),
    message: /priorityClassName is unset: set it to high-priority/,
  },
  {
    rule: "engine-dns-config",
    compliant: () => engine((w) => Object.assign(pod(w), { hostNetwork: true, dnsPolicy: "ClusterFirstWithHostNet" })),
    violating: () => engine((w) => Object.assign(pod(w), { hostNetwork: true, dnsConfig: { options: [{ name: "ndots", value: "5" }] } })),
    message: /dnsConfig ndots 5 is above 1[\s\S]*with hostNetwork the engine's dnsPolicy must be ClusterFirstWithHostNet/,
  },
  {
    rule: "engine-node-group-scheduling",
    compliant: () => of(AWS.nodeGroup, aws.engineNodeGroup(), () => {}, "hft-engine"),
    // Found by its name once the label is gone.
    violating: () => of(AWS.nodeGroup, aws.engineNodeGroup(), (g) => ((g.taints = []), (g.labels = {})), "hft-engine"),
    message: /no node-type=high-performance NO_SCHEDULE taint[\s\S]*no node-type=high-performance label/,
  },
  {
    rule: "engine-node-placement-group",
    compliant: () => aws.engineNodes(),
    violating: () => aws.engineNodes({ placement: (p) => (p.strategy = "spread") }),
    message: /launch template hft-engine-lt is not placed by a placement group with strategy cluster \(strategy spread\)/,
  },
  {
    rule: "engine-kubelet-cpu-pinning",
    compliant: () => aws.engineNodes(),
    violating: () => aws.engineNodes({ template: (t) => (t.userData = aws.engineUserData(aws.ENGINE_KUBELET.replace("static", "none").replace("cpuCFSQuota: false", "cpuCFSQuota: true").replace("single-numa-node", "best-effort"))) }),
    message: /cpuManagerPolicy is none: set static[\s\S]*cpuCFSQuota is true: set false so CFS quota never throttles[\s\S]*topologyManagerPolicy is best-effort: set single-numa-node/,
  },
  {
    rule: "engine-kubelet-memory-manager",
    compliant: () => aws.engineNodes(),
    violating: () => aws.engineNodes({ template: (t) => (t.userData = aws.engineUserData(aws.ENGINE_KUBELET.replace("Static", "None").replace(/ {6}reservedMemory:[\s\S]*$/, ""))) }),
    message: /memoryManagerPolicy is None: set Static[\s\S]*reservedMemory names no NUMA node/,
  },
  {
    rule: "engine-node-boot-tuning",
    compliant: () => aws.engineNodes(),
    violating: () => aws.engineNodes({ template: (t) => (t.userData = aws.engineUserData(aws.ENGINE_KUBELET, aws.ENGINE_BOOT_SCRIPT.replace("vm.nr_hugepages = 2048", "vm.nr_hugepages = 0").replace(/echo never.*\n/, ""))) }),
    message: /preallocates no hugepages[\s\S]*transparent_hugepage\/enabled to never/,
  },
  {
    rule: "engine-node-cpu-isolation",
    compliant: () => aws.engineNodes(),
    // nohz_full reaching into the reserved CPUs, rcu_nocbs on fewer, C6 allowed on bare metal.
    violating: () =>
      aws.engineNodes({
        template: (t) =>
          (t.userData = aws.engineUserData(
            aws.ENGINE_KUBELET,
            aws.ENGINE_BOOT_SCRIPT,
            aws.ENGINE_ISOLATION_SCRIPT.replace("nohz_full=2-31,34-63", "nohz_full=1-31,34-63").replace("rcu_nocbs=2-31,34-63", "rcu_nocbs=2-31").replace("intel_idle.max_cstate=1", "intel_idle.max_cstate=6"),
          )),
      }),
    message: /nohz_full 1-31,34-63 overlaps reservedSystemCPUs 0-1,32-33 at 1[\s\S]*rcu_nocbs is 2-31, not the isolated CPUs[\s\S]*intel_idle.max_cstate is 6 on bare metal: at most 1/,
  },
  {
    rule: "engine-node-verifier",
    compliant: () => aws.engineNodes(),
    // The user data labels every node verified itself, before any check ran.
    violating: () =>
      aws.engineNodes({ template: (t) => (t.userData = aws.engineUserData(`${aws.ENGINE_KUBELET}    flags:\n      - --node-labels=node-type=high-performance,hft-platform/latency-verified=true\n`)) }),
    message: /the NodeConfig's kubelet flags set hft-platform\/latency-verified themselves/,
  },
  {
    rule: "engine-data-store-zone",
    compliant: () => dataStoresBeside("us-east-1a", "us-east-1a"),
    // The database's first instance, its initial primary, steered a zone away from the engine.
    violating: () => dataStoresBeside("us-east-1a", "us-east-1b"),
    message: /Cluster hft-data\/timescaledb prefers zone us-east-1b, not the engine's us-east-1a/,
  },
];
