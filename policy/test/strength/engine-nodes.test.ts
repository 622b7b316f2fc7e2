/**
 * The engine nodes judged by value: which node group is the engine's, its taint and label, its
 * placement group, and the kubelet and kernel settings its user data boots with. Exact messages,
 * boundaries, and the groups and settings the rules must let through.
 */
import { describe, expect, it } from "vitest";
import { EngineResource, reconcileConfig } from "../../../tools/policy-engine";
import { AWS } from "../../policies/aws";
import * as aws from "../fixtures/aws";
import { check, messages, policy, resource } from "../harness";

const PREFIX = "launch template hft-engine-lt (engine nodes): ";
const KUBELET = aws.ENGINE_KUBELET;
const BOOT = aws.ENGINE_BOOT_SCRIPT;

/** The engine nodes booting with this kubelet config and boot script. */
const booting = (kubelet = KUBELET, boot = BOOT) => aws.engineNodes({ template: (t) => (t.userData = aws.engineUserData(kubelet, boot)) });
const kubeletWith = (from: string | RegExp, to: string) => booting(KUBELET.replace(from, to));

describe("engine-node-group-scheduling", () => {
  const run = (group: object, name = "hft-engine", config?: Record<string, unknown>) => messages("engine-node-group-scheduling", [resource(AWS.nodeGroup, group, name)], config);
  const UNLABELLED = "the engine node group has no node-type=high-performance label: the engine's node selector matches no node. Add it to labels.";
  const untainted = (seen: string) =>
    `the engine node group has no node-type=high-performance NO_SCHEDULE taint (taints: ${seen}): other pods would share the engine's cores. Add it to taints.`;
  const unlabelled = () => {
    const g: any = aws.engineNodeGroup();
    delete g.labels;
    return g;
  };

  it("finds the engine group by resource name, nodeGroupName, or nodeGroupNamePrefix with or without its dash", async () => {
    expect(await run(unlabelled())).toEqual([UNLABELLED]);
    expect(await run({ ...unlabelled(), nodeGroupName: "hft-engine" }, "ng")).toEqual([UNLABELLED]);
    expect(await run({ ...unlabelled(), nodeGroupNamePrefix: "hft-engine-" }, "ng")).toEqual([UNLABELLED]);
    expect(await run({ ...unlabelled(), nodeGroupNamePrefix: "hft-engine" }, "ng")).toEqual([UNLABELLED]);
    expect(await run({ ...unlabelled(), nodeGroupNamePrefix: "hft-engine--" }, "ng")).toEqual([]);
    expect(await run({ ...unlabelled(), taints: [] }, "latency", { nodeGroupNames: ["latency"] })).toEqual([untainted("none"), UNLABELLED]);
    // Any one of the configured names is enough.
    expect(await run(unlabelled(), "hft-engine", { nodeGroupNames: ["latency", "hft-engine"] })).toEqual([UNLABELLED]);
  });

  it("finds it by the engine label under any name, and leaves other groups alone", async () => {
    expect(await run({ ...aws.engineNodeGroup(), taints: [] }, "renamed")).toEqual([untainted("none")]);
    const { findings, run: ruleRun } = await check("engine-node-group-scheduling", [resource(AWS.nodeGroup, { ...unlabelled(), labels: { "node-type": "system" }, taints: [] }, "hft-system")]);
    expect(findings).toEqual([]);
    expect(ruleRun.notApplicable).toEqual(["hft-system: not the engine node group"]);
  });

  it("wants the taint's key, value and NO_SCHEDULE effect, listing the taints it saw", async () => {
    const tainted = (taints: object[]) => run({ ...aws.engineNodeGroup(), taints });
    expect(await tainted([{ key: "dedicated", value: "x", effect: "NO_EXECUTE" }, { key: "node-type", value: "high-performance", effect: "NO_SCHEDULE" }])).toEqual([]);
    expect(await tainted([{ key: "node-type", value: "high-performance", effect: "NoSchedule" }])).toEqual([untainted("node-type=high-performance:NoSchedule")]);
    expect(await tainted([{ key: "node-type", value: "system", effect: "NO_SCHEDULE" }, { key: "node-role", value: "high-performance", effect: "NO_SCHEDULE" }])).toEqual([
      untainted("node-type=system:NO_SCHEDULE, node-role=high-performance:NO_SCHEDULE"),
    ]);
    expect(await tainted([{}])).toEqual([untainted("?=:?")]);
    const { taints: _taints, ...bare } = aws.engineNodeGroup();
    expect(await run(bare)).toEqual([untainted("none")]);
  });

  it("wants the label's exact value", async () => {
    expect(await run({ ...aws.engineNodeGroup(), labels: { "node-type": "high-perf" } })).toEqual([UNLABELLED]);
  });
});

describe("engine-node-placement-group", () => {
  const run = (resources: EngineResource[]) => messages("engine-node-placement-group", resources);

  it("accepts a launch template placed by a cluster placement group", async () => {
    expect(await run(aws.engineNodes())).toEqual([]);
  });

  it("refuses a group without a launch template, a template without a group name, and a placement group not cluster", async () => {
    const [, , group] = aws.engineNodes();
    expect(await run([{ ...group, dependencies: [] }])).toEqual(["engine node group hft-engine has no launch template: it cannot be placed in a placement group."]);
    expect(await run(aws.engineNodes({ template: (t) => delete t.placement }))).toEqual([
      "launch template hft-engine-lt of the engine node group sets no placement.groupName: its nodes spread across the zone's network.",
    ]);
    expect(await run(aws.engineNodes({ template: (t) => (t.placement = { availabilityZone: "us-east-1a" }) }))).toEqual([
      "launch template hft-engine-lt of the engine node group sets no placement.groupName: its nodes spread across the zone's network.",
    ]);
    const [, lt, g] = aws.engineNodes();
    expect(await run([{ ...lt, dependencies: [] }, g])).toEqual(["launch template hft-engine-lt is not placed by a placement group with strategy cluster (none referenced)."]);
    expect(await run(aws.engineNodes({ placement: (p) => delete p.strategy }))).toEqual(["launch template hft-engine-lt is not placed by a placement group with strategy cluster (strategy unset)."]);
    expect(await run(aws.engineNodes({ placement: (p) => (p.strategy = "partition") }))).toEqual(["launch template hft-engine-lt is not placed by a placement group with strategy cluster (strategy partition)."]);
  });

  it("judges only the engine's groups, and is not applicable without one", async () => {
    const system = resource(AWS.nodeGroup, { labels: { "node-type": "system" } }, "hft-system");
    const { findings, run: ruleRun } = await check("engine-node-placement-group", [system]);
    expect(findings).toEqual([]);
    expect(ruleRun.notApplicable).toEqual(["the stack has no engine node group"]);
    // A launch template named like the engine group is not a node group.
    const [pg, lt, group] = aws.engineNodes();
    expect(await run([pg, { ...lt, name: "hft-engine" }, group, system])).toEqual([]);
  });
});

describe("user data of the engine nodes", () => {
  it("refuses a template without user data or with a NodeConfig that is not YAML, for every boot rule", async () => {
    for (const rule of ["engine-kubelet-cpu-pinning", "engine-kubelet-memory-manager", "engine-node-boot-tuning"]) {
      expect(await messages(rule, aws.engineNodes({ template: (t) => delete t.userData })), rule).toEqual([`${PREFIX}no user data: the engine nodes boot without their tuning.`]);
      expect(await messages(rule, aws.engineNodes({ template: (t) => (t.userData = "") })), rule).toEqual([`${PREFIX}no user data: the engine nodes boot without their tuning.`]);
      expect(await messages(rule, aws.engineNodes({ template: (t) => (t.userData = 42) })), rule).toEqual([`${PREFIX}no user data: the engine nodes boot without their tuning.`]);
      const broken = Buffer.from("kind: NodeConfig\nspec: [unclosed\n").toString("base64");
      expect(await messages(rule, aws.engineNodes({ template: (t) => (t.userData = broken) })), rule).toEqual([
        expect.stringMatching(/^launch template hft-engine-lt \(engine nodes\): a NodeConfig part is not valid YAML: .+/),
      ]);
    }
  });

  it("is not applicable without an engine group that has a launch template", async () => {
    const [, , group] = aws.engineNodes();
    for (const rule of ["engine-kubelet-cpu-pinning", "engine-node-boot-tuning"]) {
      const { findings, run } = await check(rule, [{ ...group, dependencies: [] }]);
      expect(findings).toEqual([]);
      expect(run.notApplicable).toEqual(["the stack has no engine node group with a launch template"]);
    }
  });

  it("judges every engine group's template, and no other group's", async () => {
    const [pg, lt, group] = aws.engineNodes();
    const bad = resource(AWS.launchTemplate, { ...lt.props, userData: "" }, "hft-engine-b-lt");
    const second = resource(AWS.nodeGroup, { ...aws.engineNodeGroup(), nodeGroupName: "hft-engine-b" }, "hft-engine-b", { dependencies: [bad.urn] });
    const systemLt = resource(AWS.launchTemplate, { userData: "" }, "hft-system-lt");
    const system = resource(AWS.nodeGroup, { labels: { "node-type": "system" } }, "hft-system", { dependencies: [systemLt.urn] });
    expect(await messages("engine-node-boot-tuning", [pg, lt, group, bad, second, systemLt, system])).toEqual([
      "launch template hft-engine-b-lt (engine nodes): no user data: the engine nodes boot without their tuning.",
    ]);
  });
});

describe("engine-kubelet-cpu-pinning", () => {
  const run = (resources: EngineResource[], config?: Record<string, unknown>) => messages("engine-kubelet-cpu-pinning", resources, config);

  it("accepts the platform's kubelet settings, and every allowed topology policy from the stack's list", async () => {
    expect(await run(booting())).toEqual([]);
    expect(await run(kubeletWith("single-numa-node", "restricted"), { topologyManagerPolicies: ["single-numa-node", "restricted"] })).toEqual([]);
  });

  it("refuses user data without a NodeConfig", async () => {
    const scriptOnly = Buffer.from(BOOT).toString("base64");
    expect(await run(aws.engineNodes({ template: (t) => (t.userData = scriptOnly) }))).toEqual([`${PREFIX}the user data holds no nodeadm NodeConfig.`]);
  });

  it("reads a NodeConfig without kubelet settings, or without a spec, as every setting unset", async () => {
    const allUnset = [
      `${PREFIX}cpuManagerPolicy is unset (none): set static so Guaranteed pods get exclusive cores.`,
      `${PREFIX}cpuManagerPolicyOptions full-pcpus-only is unset: set "true" so the engine gets whole physical cores, not hyperthread siblings shared with other pods.`,
      `${PREFIX}reservedSystemCPUs is unset: system daemons would share the engine's cores.`,
      `${PREFIX}cpuCFSQuota is unset (true): set false so CFS quota never throttles the engine's pinned cores.`,
      `${PREFIX}topologyManagerPolicy is unset (none): set single-numa-node.`,
    ];
    expect(await run(booting(""))).toEqual(allUnset);
    const specless = Buffer.from("apiVersion: node.eks.aws/v1alpha1\nkind: NodeConfig\n").toString("base64");
    expect(await run(aws.engineNodes({ template: (t) => (t.userData = specless) }))).toEqual(allUnset);
  });

  it("names each wrong setting, unset ones with the kubelet's default", async () => {
    expect(await run(booting("    config: {}\n"))).toEqual([
      `${PREFIX}cpuManagerPolicy is unset (none): set static so Guaranteed pods get exclusive cores.`,
      `${PREFIX}cpuManagerPolicyOptions full-pcpus-only is unset: set "true" so the engine gets whole physical cores, not hyperthread siblings shared with other pods.`,
      `${PREFIX}reservedSystemCPUs is unset: system daemons would share the engine's cores.`,
      `${PREFIX}cpuCFSQuota is unset (true): set false so CFS quota never throttles the engine's pinned cores.`,
      `${PREFIX}topologyManagerPolicy is unset (none): set single-numa-node.`,
    ]);
    expect(await run(booting(KUBELET.replace("cpuCFSQuota: false", "cpuCFSQuota: true").replace('full-pcpus-only: "true"', 'full-pcpus-only: "false"')), { topologyManagerPolicies: ["restricted", "best-effort"] })).toEqual([
      `${PREFIX}cpuManagerPolicyOptions full-pcpus-only is "false": set "true" so the engine gets whole physical cores, not hyperthread siblings shared with other pods.`,
      `${PREFIX}cpuCFSQuota is true: set false so CFS quota never throttles the engine's pinned cores.`,
      `${PREFIX}topologyManagerPolicy is single-numa-node: set restricted or best-effort.`,
    ]);
  });

  it("compares option values as text, so YAML's true equals \"true\", and judges the stack's own options", async () => {
    expect(await run(kubeletWith('full-pcpus-only: "true"', "full-pcpus-only: true"))).toEqual([]);
    const config = { cpuManagerPolicyOptions: { "full-pcpus-only": "true", "distribute-cpus-across-numa": "false" } };
    // An unset option is unset, even against a wanted value that reads "undefined".
    expect(await run(booting(), { cpuManagerPolicyOptions: { "prefer-align-cpus-by-uncorecache": "undefined" } })).toEqual([
      `${PREFIX}cpuManagerPolicyOptions prefer-align-cpus-by-uncorecache is unset: set "undefined" so the engine gets whole physical cores, not hyperthread siblings shared with other pods.`,
    ]);
    expect(await run(booting(), config)).toEqual([
      `${PREFIX}cpuManagerPolicyOptions distribute-cpus-across-numa is unset: set "false" so the engine gets whole physical cores, not hyperthread siblings shared with other pods.`,
    ]);
  });

  it("wants reservedSystemCPUs as a cpuset, tolerating surrounding space", async () => {
    const reserved = (value: string) => kubeletWith("reservedSystemCPUs: 0-1,32-33", `reservedSystemCPUs: ${value}`);
    expect(await run(reserved('" 0-1,32-33 "'))).toEqual([]);
    for (const cpuset of ['"0,2-3"', '"0-1,32"', '"7"', '"10-11"', '"0-15"']) expect(await run(reserved(cpuset)), cpuset).toEqual([]);
    expect(await run(reserved('"0-1;32"'))).toEqual([`${PREFIX}reservedSystemCPUs "0-1;32" is not a cpuset (e.g. 0-1,32-33): the kubelet refuses to start.`]);
    expect(await run(reserved('"x0-1"'))).toEqual([`${PREFIX}reservedSystemCPUs "x0-1" is not a cpuset (e.g. 0-1,32-33): the kubelet refuses to start.`]);
    expect(await run(reserved('"0-1,"'))).toEqual([`${PREFIX}reservedSystemCPUs "0-1," is not a cpuset (e.g. 0-1,32-33): the kubelet refuses to start.`]);
    expect(await run(reserved('"0-"'))).toEqual([`${PREFIX}reservedSystemCPUs "0-" is not a cpuset (e.g. 0-1,32-33): the kubelet refuses to start.`]);
    expect(await run(reserved('"  "'))).toEqual([`${PREFIX}reservedSystemCPUs is unset: system daemons would share the engine's cores.`]);
    expect(await run(reserved("2"))).toEqual([`${PREFIX}reservedSystemCPUs is unset: system daemons would share the engine's cores.`]);
  });
});

describe("engine-kubelet-memory-manager", () => {
  const run = (resources: EngineResource[]) => messages("engine-kubelet-memory-manager", resources);
  const reservedMemory = (...entries: string[]) => KUBELET.replace(/ {6}reservedMemory:[\s\S]*$/, `      reservedMemory:\n${entries.join("")}`);
  const numa = (node: string, memory?: string) => `        - numaNode: ${node}\n${memory === undefined ? "" : `          limits:\n            memory: ${memory}\n`}`;

  it("accepts reservedMemory adding up to the reservations, split over NUMA nodes", async () => {
    expect(await run(booting())).toEqual([]);
    expect(await run(booting(reservedMemory(numa("0", "562Mi"), numa("1", "562Mi"))))).toEqual([]);
  });

  it("refuses user data without a NodeConfig, the None policy, and reservedMemory without a NUMA node's memory", async () => {
    expect(await run(aws.engineNodes({ template: (t) => (t.userData = Buffer.from(BOOT).toString("base64")) }))).toEqual([`${PREFIX}the user data holds no nodeadm NodeConfig.`]);
    expect(await run(kubeletWith("memoryManagerPolicy: Static", "memoryManagerPolicy: None"))).toEqual([`${PREFIX}memoryManagerPolicy is None: set Static so memory and hugepages are NUMA-aligned.`]);
    const unset = `${PREFIX}reservedMemory names no NUMA node with a memory limit: the Static memory manager refuses to start without it.`;
    expect(await run(booting(KUBELET.replace("      memoryManagerPolicy: Static\n", "").replace(/ {6}reservedMemory:[\s\S]*$/, "")))).toEqual([
      `${PREFIX}memoryManagerPolicy is unset (None): set Static so memory and hugepages are NUMA-aligned.`,
      unset,
    ]);
    expect(await run(booting(reservedMemory(numa("0"), numa('"1"', "1124Mi"))))).toEqual([unset]);
  });

  it("adds up the NUMA nodes, counting an entry without memory as zero, and names the mismatch in MiB", async () => {
    const mismatch = (seen: string, entries: string) =>
      `${PREFIX}reservedMemory sums to ${seen} (${entries}) but kubeReserved 512Mi + systemReserved 512Mi + evictionHard memory.available 100Mi = 1124Mi: the kubelet refuses to start. Make the NUMA nodes' reservedMemory add up to 1124Mi.`;
    expect(await run(booting(reservedMemory(numa("0", "1Gi"), numa("1"))))).toEqual([mismatch("1024Mi", "1Gi + 0")]);
    expect(await run(booting(reservedMemory(numa("0", "1124Mi"), numa("1", "1"))))).toEqual([mismatch("1124Mi", "1124Mi + 1")]);
    expect(await run(booting(reservedMemory(numa("0", "1000000000"))))).toEqual([mismatch("953.67Mi", "1000000000")]);
  });

  it("uses the kubelet's 100Mi eviction default, and refuses an eviction it cannot add", async () => {
    const withoutEviction = KUBELET.replace("      evictionHard:\n        memory.available: 100Mi\n", "");
    expect(await run(booting(withoutEviction))).toEqual([]);
    expect(await run(booting(KUBELET.replace("memory.available: 100Mi", "nodefs.available: 10%")))).toEqual([
      `${PREFIX}evictionHard sets no memory.available: state it so reservedMemory can be checked against kubeReserved + systemReserved + eviction.`,
    ]);
    expect(await run(booting(KUBELET.replace("memory.available: 100Mi", "memory.available: 5%")))).toEqual([
      `${PREFIX}evictionHard memory.available is 5%, a share of the node's memory: state it as a quantity so reservedMemory can match kubeReserved + systemReserved + eviction.`,
    ]);
    expect(await run(booting(KUBELET.replace("memory.available: 100Mi", 'memory.available: "5%x"')))).toEqual([
      `${PREFIX}reservedMemory (1124Mi) or the reservations (512Mi + 512Mi + 5%x) hold a value that is not a quantity.`,
    ]);
  });

  it("refuses kubeReserved or systemReserved memory left to nodeadm, in the singular and plural", async () => {
    const noKube = KUBELET.replace("      kubeReserved:\n        memory: 512Mi\n", "");
    expect(await run(booting(noKube))).toEqual([
      `${PREFIX}kubeReserved memory is unset: state it so reservedMemory can be checked to add up to kubeReserved + systemReserved + eviction.`,
    ]);
    expect(await run(booting(noKube.replace("      systemReserved:\n        memory: 512Mi\n", "      systemReserved:\n        cpu: 500m\n")))).toEqual([
      `${PREFIX}kubeReserved and systemReserved memory are unset: state them so reservedMemory can be checked to add up to kubeReserved + systemReserved + eviction.`,
    ]);
  });

  it("refuses a reservedMemory entry that is not a quantity", async () => {
    expect(await run(booting(reservedMemory(numa("0", "lots"))))).toEqual([`${PREFIX}reservedMemory (lots) or the reservations (512Mi + 512Mi + 100Mi) hold a value that is not a quantity.`]);
    expect(await run(booting(reservedMemory(numa("0", "lots"), numa("1", "100Mi"))))).toEqual([
      `${PREFIX}reservedMemory (lots + 100Mi) or the reservations (512Mi + 512Mi + 100Mi) hold a value that is not a quantity.`,
    ]);
  });
});

describe("engine-node-boot-tuning", () => {
  const run = (boot: string, config?: Record<string, unknown>) => messages("engine-node-boot-tuning", booting(KUBELET, boot), config);
  const NO_PAGES = `${PREFIX}the boot script preallocates no hugepages (vm.nr_hugepages): the engine's hugepages request cannot be met.`;
  const THP = `${PREFIX}the boot script does not set /sys/kernel/mm/transparent_hugepage/enabled to never: compaction stalls hit the engine.`;

  it("accepts the platform's boot script, and settings written with sysctl -w", async () => {
    expect(await run(BOOT)).toEqual([]);
    const dashW = "#!/bin/bash\nsysctl -w vm.nr_hugepages=16\n  sysctl  -w  vm.swappiness = 0 \nsysctl -w kernel.numa_balancing=0\necho never >/sys/kernel/mm/transparent_hugepage/enabled\n";
    expect(await run(dashW)).toEqual([]);
  });

  it("wants hugepages above zero", async () => {
    expect(await run(BOOT.replace("vm.nr_hugepages = 2048", "vm.nr_hugepages = 0"))).toEqual([NO_PAGES]);
    expect(await run(BOOT.replace("vm.nr_hugepages = 2048", "vm.nr_hugepages = many"))).toEqual([NO_PAGES]);
    expect(await run(BOOT.replace("vm.nr_hugepages = 2048\n", ""))).toEqual([NO_PAGES]);
    expect(await run(BOOT.replace("vm.nr_hugepages = 2048", "vm.nr_hugepages = 1"))).toEqual([]);
  });

  it("wants each configured sysctl at its exact value, ignoring lines that are not key = value", async () => {
    expect(await run(BOOT.replace("vm.swappiness = 0", "vm.swappiness = 10"))).toEqual([`${PREFIX}the boot script sets vm.swappiness to 10, not 0.`]);
    expect(await run(BOOT.replace("kernel.numa_balancing = 0\n", "kernel.numa_balancing = 0 # off\nvm_swappiness=1\n"))).toEqual([`${PREFIX}the boot script sets kernel.numa_balancing to nothing, not 0.`]);
    expect(await run(BOOT.replace("vm.swappiness = 0", "# vm.swappiness = 0"))).toEqual([`${PREFIX}the boot script sets vm.swappiness to nothing, not 0.`]);
    expect(await run(BOOT, { sysctls: { "net.core.busy_poll": "50" } })).toEqual([`${PREFIX}the boot script sets net.core.busy_poll to nothing, not 50.`]);
    // A lowercase shell assignment is not a kernel setting: sysctl keys are dotted.
    expect(await run(`${BOOT}busy_poll=50\n`, { sysctls: { busy_poll: "50" } })).toEqual([`${PREFIX}the boot script sets busy_poll to nothing, not 50.`]);
  });

  it("wants transparent hugepages set to never", async () => {
    expect(await run(BOOT.replace("echo never", "echo madvise"))).toEqual([THP]);
    expect(await run(BOOT.replace("echo never > ", "echo  never>"))).toEqual([]);
    expect(await run(BOOT.replace("echo never > /sys/kernel/mm/transparent_hugepage/enabled", "echo never > /sys/kernel/mm/transparent_hugepage/defrag"))).toEqual([THP]);
  });
});

describe("engine node rule configs", () => {
  const reconcile = (rule: string, settings: Record<string, unknown>) => () => reconcileConfig([policy(rule)], { [rule]: settings });

  it("wants at least one node group name, each non-empty and listed once", () => {
    const names = (nodeGroupNames: unknown) => reconcile("engine-node-group-scheduling", { nodeGroupNames });
    expect(names([])).toThrow("engine-node-group-scheduling: /nodeGroupNames must NOT have fewer than 1 items");
    expect(names([""])).toThrow("engine-node-group-scheduling: /nodeGroupNames/0 must NOT have fewer than 1 characters");
    expect(names(["a", "a"])).toThrow("engine-node-group-scheduling: /nodeGroupNames must NOT have duplicate items (items ## 1 and 0 are identical)");
    expect(names([1])).toThrow("engine-node-group-scheduling: /nodeGroupNames/0 must be string");
    expect(names(["a", "b"])).not.toThrow();
  });

  it("wants CPU manager options and sysctls as text, and topology policies the kubelet knows, listed once", () => {
    expect(reconcile("engine-kubelet-cpu-pinning", { cpuManagerPolicyOptions: { "full-pcpus-only": true } })).toThrow(
      "engine-kubelet-cpu-pinning: /cpuManagerPolicyOptions/full-pcpus-only must be string",
    );
    const policies = (topologyManagerPolicies: unknown) => reconcile("engine-kubelet-cpu-pinning", { topologyManagerPolicies });
    expect(policies(["numa"])).toThrow("engine-kubelet-cpu-pinning: /topologyManagerPolicies/0 must be equal to one of the allowed values");
    expect(policies([])).toThrow("engine-kubelet-cpu-pinning: /topologyManagerPolicies must NOT have fewer than 1 items");
    expect(policies(["restricted", "restricted"])).toThrow("engine-kubelet-cpu-pinning: /topologyManagerPolicies must NOT have duplicate items (items ## 1 and 0 are identical)");
    expect(policies(["single-numa-node", "restricted", "best-effort", "none"])).not.toThrow();
    expect(reconcile("engine-node-boot-tuning", { sysctls: { "vm.swappiness": 0 } })).toThrow("engine-node-boot-tuning: /sysctls/vm.swappiness must be string");
  });
});
