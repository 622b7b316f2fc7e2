/**
 * The engine's nodes: the managed node group's taint and label, its placement group, and the kubelet
 * and kernel tuning its launch template boots with. The engine node group is found by the names in the
 * stack's policy config (or the engine label), never only by the taint and label judged here.
 */
import { PolicyResource } from "@pulumi/policy";
import { PolicyConfigJSONSchema } from "@pulumi/policy/schema";
import { ENGINE_TAINT, parseQuantity } from "../kubernetes";
import { BootData, decodeUserData, KubeletConfig } from "../node-config";
import { asArray, has, HftPolicy, resourceRule, rawString, stackRule } from "../rules";
// Type tokens written out rather than imported from aws.ts, which imports the engine node-group identity from here.
const NODE_GROUP = "aws:eks/nodeGroup:NodeGroup";
const LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate";
export const PLACEMENT_GROUP = "aws:ec2/placementGroup:PlacementGroup";

export interface EngineNodeGroup {
  nodeGroupName?: string;
  nodeGroupNamePrefix?: string;
  labels?: Record<string, string>;
  taints?: { key?: string; value?: string; effect?: string }[];
  instanceTypes?: string[];
}

export const NODE_GROUP_NAMES_SCHEMA: PolicyConfigJSONSchema = {
  type: "array",
  items: { type: "string", minLength: 1 },
  minItems: 1,
  uniqueItems: true,
  default: ["hft-engine"],
  description: "Names of the engine's node groups: the Pulumi resource name, nodeGroupName, or nodeGroupNamePrefix without its trailing dash.",
};

/** The engine node group by its name, or by the engine label (a group that keeps the label but changes its name is still judged). */
export function isEngineNodeGroup(name: string, group: EngineNodeGroup, names: string[]): boolean {
  const prefix = group.nodeGroupNamePrefix?.replace(/-$/, "");
  return names.some((n) => [name, group.nodeGroupName, prefix].includes(n)) || group.labels?.[ENGINE_TAINT.key] === ENGINE_TAINT.value;
}

const TAINT = `${ENGINE_TAINT.key}=${ENGINE_TAINT.value}`;

/** A Linux cpuset list: `0-1,32-33`. */
const CPUSET = /^[0-9]+(-[0-9]+)?(,[0-9]+(-[0-9]+)?)*$/;

const engineNodeGroupScheduling = resourceRule<EngineNodeGroup, { nodeGroupNames: string[] }>(
  {
    name: "engine-node-group-scheduling",
    description: `The engine node group carries the ${TAINT} NO_SCHEDULE taint (nothing else lands there) and the ${TAINT} label (the engine selects it).`,
    enforcementLevel: "mandatory",
    targetTypes: [NODE_GROUP],
    configSchema: { properties: { nodeGroupNames: NODE_GROUP_NAMES_SCHEMA } },
  },
  (group, report, config, args) => {
    if (!isEngineNodeGroup(args.name, group, config.nodeGroupNames)) args.notApplicable("not the engine node group");
    const tainted = asArray(group.taints).some((t) => t.key === ENGINE_TAINT.key && t.value === ENGINE_TAINT.value && t.effect === "NO_SCHEDULE");
    if (!tainted) {
      const seen = asArray(group.taints).map((t) => `${t.key ?? "?"}=${t.value ?? ""}:${t.effect ?? "?"}`);
      report(`the engine node group has no ${TAINT} NO_SCHEDULE taint (taints: ${seen.join(", ") || "none"}): other pods would share the engine's cores. Add it to taints.`);
    }
    if (group.labels?.[ENGINE_TAINT.key] !== ENGINE_TAINT.value) report(`the engine node group has no ${TAINT} label: the engine's node selector matches no node. Add it to labels.`);
  },
);

/** The stack's engine node groups, each with the launch template it depends on (its launchTemplate.id comes from it). */
export function engineGroups(resources: PolicyResource[], names: string[]): { group: PolicyResource; template?: PolicyResource }[] {
  return resources
    .filter((r) => r.type === NODE_GROUP && isEngineNodeGroup(r.name, r.props as EngineNodeGroup, names))
    .map((group) => ({ group, template: group.dependencies.find((d) => d.type === LAUNCH_TEMPLATE) }));
}

const engineNodePlacementGroup = stackRule<{ nodeGroupNames: string[] }>(
  {
    name: "engine-node-placement-group",
    description: "The engine node group's launch template places its instances in a cluster placement group (one low-latency network segment): set placement.groupName from an aws.ec2.PlacementGroup with strategy cluster.",
    enforcementLevel: "mandatory",
    targetTypes: [NODE_GROUP],
    configSchema: { properties: { nodeGroupNames: NODE_GROUP_NAMES_SCHEMA } },
  },
  (resources, report, config, args) => {
    const groups = engineGroups(resources, config.nodeGroupNames);
    if (groups.length === 0) args.notApplicable("the stack has no engine node group");
    for (const { group, template } of groups) {
      if (!template) {
        report(`engine node group ${group.name} has no launch template: it cannot be placed in a placement group.`, group.urn);
        continue;
      }
      // Presence only: a new placement group's name is unknown during preview.
      if (!has((template.props as { placement?: object }).placement, "groupName")) {
        report(`launch template ${template.name} of the engine node group sets no placement.groupName: its nodes spread across the zone's network.`, template.urn);
        continue;
      }
      const placement = template.dependencies.find((d) => d.type === PLACEMENT_GROUP);
      const strategy = placement ? rawString(placement.props, "strategy") : undefined;
      if (strategy !== "cluster") report(`launch template ${template.name} is not placed by a placement group with strategy cluster (${placement ? `strategy ${strategy ?? "unset"}` : "none referenced"}).`, template.urn);
    }
  },
);

type BootCheck<C> = (boot: BootData, fail: (message: string) => void, config: C, group: EngineNodeGroup) => void;

/** A stack rule over the decoded user data of each engine node group's launch template. */
export function bootRule<C extends { nodeGroupNames: string[] }>(name: string, description: string, extra: Record<string, PolicyConfigJSONSchema>, check: BootCheck<C>): HftPolicy {
  return stackRule<C>(
    { name, description, enforcementLevel: "mandatory", targetTypes: [NODE_GROUP], configSchema: { properties: { nodeGroupNames: NODE_GROUP_NAMES_SCHEMA, ...extra } } },
    (resources, report, config, args) => {
      const groups = engineGroups(resources, config.nodeGroupNames).filter((g) => g.template !== undefined);
      if (groups.length === 0) args.notApplicable("the stack has no engine node group with a launch template");
      for (const { group, template } of groups) {
        const fail = (message: string) => report(`launch template ${template!.name} (engine nodes): ${message}`, template!.urn);
        // Reading user data built from cluster outputs is undecidable during a first preview; the engine downgrades that to advisory.
        const userData = (template!.props as { userData?: string }).userData;
        if (typeof userData !== "string" || userData === "") {
          fail("no user data: the engine nodes boot without their tuning.");
          continue;
        }
        let boot: BootData;
        try {
          boot = decodeUserData(userData);
        } catch (e) {
          // decodeUserData throws only Errors (its own, and the YAML parser's).
          fail((e as Error).message);
          continue;
        }
        check(boot, fail, config, group.props as EngineNodeGroup);
      }
    },
  );
}

export function kubelet(boot: BootData): KubeletConfig {
  return boot.nodeConfig?.spec?.kubelet?.config ?? {};
}

const engineKubeletCpuPinning = bootRule<{ nodeGroupNames: string[]; topologyManagerPolicies: string[]; cpuManagerPolicyOptions: Record<string, string> }>(
  "engine-kubelet-cpu-pinning",
  "The engine nodes' NodeConfig runs the static CPU manager with cpuManagerPolicyOptions (full-pcpus-only: no shared hyperthread siblings), a reservedSystemCPUs cpuset, a single-NUMA topology policy and no CFS quota (cpuCFSQuota: false): exclusive, unthrottled cores on one socket.",
  {
    cpuManagerPolicyOptions: {
      type: "object",
      additionalProperties: { type: "string" },
      default: { "full-pcpus-only": "true" },
      description: "Static CPU manager options the engine nodes must set, with their exact values (kubernetes.io/docs/tasks/administer-cluster/cpu-management-policies).",
    },
    topologyManagerPolicies: {
      type: "array",
      items: { type: "string", enum: ["single-numa-node", "restricted", "best-effort", "none"] },
      minItems: 1,
      uniqueItems: true,
      default: ["single-numa-node"],
      description: "Topology manager policies the engine nodes may use.",
    },
  },
  (boot, fail, config) => {
    if (!boot.nodeConfig) return fail("the user data holds no nodeadm NodeConfig.");
    const k = kubelet(boot);
    if (k.cpuManagerPolicy !== "static") fail(`cpuManagerPolicy is ${k.cpuManagerPolicy ?? "unset (none)"}: set static so Guaranteed pods get exclusive cores.`);
    for (const [option, wanted] of Object.entries(config.cpuManagerPolicyOptions)) {
      const seen = k.cpuManagerPolicyOptions?.[option];
      if (seen === undefined || String(seen) !== wanted) fail(`cpuManagerPolicyOptions ${option} is ${seen === undefined ? "unset" : `"${String(seen)}"`}: set "${wanted}" so the engine gets whole physical cores, not hyperthread siblings shared with other pods.`);
    }
    if (typeof k.reservedSystemCPUs !== "string" || k.reservedSystemCPUs.trim() === "") fail("reservedSystemCPUs is unset: system daemons would share the engine's cores.");
    else if (!CPUSET.test(k.reservedSystemCPUs.trim())) fail(`reservedSystemCPUs "${k.reservedSystemCPUs}" is not a cpuset (e.g. 0-1,32-33): the kubelet refuses to start.`);
    // The kubelet's default is true (KubeletConfiguration v1beta1, cpuCFSQuota): quota enforcement throttles at period boundaries.
    if (k.cpuCFSQuota !== false) fail(`cpuCFSQuota is ${k.cpuCFSQuota ?? "unset (true)"}: set false so CFS quota never throttles the engine's pinned cores.`);
    if (!config.topologyManagerPolicies.some((p) => p === k.topologyManagerPolicy)) {
      fail(`topologyManagerPolicy is ${k.topologyManagerPolicy ?? "unset (none)"}: set ${config.topologyManagerPolicies.join(" or ")}.`);
    }
  },
);

/** The kubelet's default hard eviction threshold for memory when evictionHard is not given (KubeletConfiguration reference). */
const DEFAULT_EVICTION_MEMORY = "100Mi";

const engineKubeletMemoryManager = bootRule<{ nodeGroupNames: string[] }>(
  "engine-kubelet-memory-manager",
  "The engine nodes' NodeConfig runs the Static memory manager with reservedMemory per NUMA node whose sum equals kubeReserved + systemReserved + evictionHard memory.available (the kubelet refuses to start otherwise), so the engine's memory and hugepages come from its own NUMA node.",
  {},
  (boot, fail) => {
    if (!boot.nodeConfig) return fail("the user data holds no nodeadm NodeConfig.");
    const k = kubelet(boot);
    // Kubernetes memory manager: the Static policy requires reservedMemory (kubernetes.io/docs/tasks/administer-cluster/memory-manager, read 2026-11-30).
    if (k.memoryManagerPolicy !== "Static") fail(`memoryManagerPolicy is ${k.memoryManagerPolicy ?? "unset (None)"}: set Static so memory and hugepages are NUMA-aligned.`);
    const reserved = asArray(k.reservedMemory).filter((r) => typeof r.numaNode === "number" && r.limits?.memory !== undefined);
    if (reserved.length === 0) return fail("reservedMemory names no NUMA node with a memory limit: the Static memory manager refuses to start without it.");
    const problem = reservedMemoryMismatch(k);
    if (problem) fail(problem);
  },
);

/**
 * The kubelet checks at start that the reservedMemory of all NUMA nodes adds up, per memory type, to
 * the node-allocatable reservation: kubeReserved + systemReserved + the hard eviction threshold
 * (pkg/kubelet/cm/memorymanager/memory_manager.go validateReservedMemory, and the memory manager task
 * page's "Reserved memory flag" section, both read 2026-12-07). Only "memory" is reserved here.
 */
function reservedMemoryMismatch(k: KubeletConfig): string | undefined {
  const eviction = k.evictionHard === undefined ? DEFAULT_EVICTION_MEMORY : k.evictionHard["memory.available"];
  if (eviction === undefined) return 'evictionHard sets no memory.available: state it so reservedMemory can be checked against kubeReserved + systemReserved + eviction.';
  if (/%$/.test(eviction)) return `evictionHard memory.available is ${eviction}, a share of the node's memory: state it as a quantity so reservedMemory can match kubeReserved + systemReserved + eviction.`;
  // nodeadm fills an unset kubeReserved from the instance type's pod count, a figure not in the user data.
  const unstated = (["kubeReserved", "systemReserved"] as const).filter((f) => k[f]?.memory === undefined);
  if (unstated.length > 0) return `${unstated.join(" and ")} memory ${unstated.length > 1 ? "are" : "is"} unset: state ${unstated.length > 1 ? "them" : "it"} so reservedMemory can be checked to add up to kubeReserved + systemReserved + eviction.`;
  const parts = { kubeReserved: k.kubeReserved!.memory, systemReserved: k.systemReserved!.memory, "evictionHard memory.available": eviction };
  const wanted = Object.values(parts).reduce((sum, q) => sum + (parseQuantity(q) ?? NaN), 0);
  const entries = asArray(k.reservedMemory).map((r) => r.limits?.memory ?? "0");
  const seen = entries.reduce((sum, q) => sum + (parseQuantity(q) ?? NaN), 0);
  if (Number.isNaN(wanted) || Number.isNaN(seen)) return `reservedMemory (${entries.join(" + ")}) or the reservations (${Object.values(parts).join(" + ")}) hold a value that is not a quantity.`;
  if (seen === wanted) return undefined;
  const mi = (bytes: number) => `${Math.round((bytes / 2 ** 20) * 100) / 100}Mi`;
  return `reservedMemory sums to ${mi(seen)} (${entries.join(" + ")}) but ${Object.entries(parts).map(([n, q]) => `${n} ${q}`).join(" + ")} = ${mi(wanted)}: the kubelet refuses to start. Make the NUMA nodes' reservedMemory add up to ${mi(wanted)}.`;
}

/** `key = value` lines written by the boot scripts (sysctl.d files or sysctl -w). */
function sysctls(scripts: string[]): Map<string, string> {
  const found = new Map<string, string>();
  for (const line of scripts.flatMap((s) => s.split("\n"))) {
    const m = /^\s*(?:sysctl\s+-w\s+)?([a-z0-9_.]+)\s*=\s*(\S+)\s*$/.exec(line);
    if (m && m[1].includes(".")) found.set(m[1], m[2]);
  }
  return found;
}

const engineNodeBootTuning = bootRule<{ nodeGroupNames: string[]; sysctls: Record<string, string> }>(
  "engine-node-boot-tuning",
  "The engine nodes' boot script sets vm.nr_hugepages above zero and the configured sysctls before the kubelet starts, and turns transparent hugepages off (never).",
  {
    sysctls: {
      type: "object",
      additionalProperties: { type: "string" },
      default: { "vm.swappiness": "0", "kernel.numa_balancing": "0" },
      description: "Kernel settings the engine nodes' boot script must write, with their exact values.",
    },
  },
  (boot, fail, config) => {
    const set = sysctls(boot.scripts);
    // Unset reads as NaN, which is not above zero either.
    const pages = Number(set.get("vm.nr_hugepages"));
    if (!(pages > 0)) fail("the boot script preallocates no hugepages (vm.nr_hugepages): the engine's hugepages request cannot be met.");
    for (const [key, value] of Object.entries(config.sysctls)) {
      if (set.get(key) !== value) fail(`the boot script sets ${key} to ${set.get(key) ?? "nothing"}, not ${value}.`);
    }
    const thpOff = boot.scripts.some((s) => /echo\s+never\s*>\s*\/sys\/kernel\/mm\/transparent_hugepage\/enabled/.test(s));
    if (!thpOff) fail("the boot script does not set /sys/kernel/mm/transparent_hugepage/enabled to never: compaction stalls hit the engine.");
  },
);

export const engineNodePolicies: HftPolicy[] = [engineNodeGroupScheduling, engineNodePlacementGroup, engineKubeletCpuPinning, engineKubeletMemoryManager, engineNodeBootTuning];
