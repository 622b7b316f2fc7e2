/**
 * The engine nodes' CPU isolation and verifier judged from their boot scripts: each kernel argument
 * by value against reservedSystemCPUs, the C-state bound on bare metal only, the pinning of interrupts
 * and systemd, and a verifier unit that alone decides the verified label. Exact messages throughout.
 */
import { describe, expect, it } from "vitest";
import { EngineResource, reconcileConfig } from "../../../tools/policy-engine";
import * as aws from "../fixtures/aws";
import { check, policy } from "../harness";

const PREFIX = "launch template hft-engine-lt (engine nodes): ";
const ISOLATION = aws.ENGINE_ISOLATION_SCRIPT;
const ARGS = "isolcpus=managed_irq,2-31,34-63 nohz_full=2-31,34-63 rcu_nocbs=2-31,34-63 irqaffinity=0-1,32-33 intel_idle.max_cstate=1 processor.max_cstate=1";

/** The engine nodes with the isolation script (and optionally the kubelet config and instance types) replaced. */
function nodes(isolation: string, options: { kubelet?: string; instanceTypes?: string[] | null } = {}): EngineResource[] {
  return aws.engineNodes({
    template: (t) => (t.userData = aws.engineUserData(options.kubelet ?? aws.ENGINE_KUBELET, aws.ENGINE_BOOT_SCRIPT, isolation)),
    group: (g) => {
      if (options.instanceTypes === null) delete g.instanceTypes;
      else if (options.instanceTypes) g.instanceTypes = options.instanceTypes;
    },
  });
}
/** The isolation script with the kernel arguments replaced. */
const withArgs = (args: string) => ISOLATION.replace(ARGS, args);
const without = (arg: string) => withArgs(ARGS.split(" ").filter((a) => !a.startsWith(`${arg}=`)).join(" "));
const withArg = (arg: string, value: string) => withArgs(ARGS.split(" ").map((a) => (a.startsWith(`${arg}=`) ? `${arg}=${value}` : a)).join(" "));

describe("engine-node-cpu-isolation", () => {
  const run = async (resources: EngineResource[], config?: Record<string, unknown>) => (await check("engine-node-cpu-isolation", resources, { config })).findings.map((f) => f.message);

  it("accepts the platform's isolation script, and the arguments written on grubby's line directly", async () => {
    expect(await run(nodes(ISOLATION))).toEqual([]);
    expect(await run(nodes(ISOLATION.replace('--args="$KERNEL_ARGS"', `--args="${ARGS}"`)))).toEqual([]);
    expect(await run(nodes(ISOLATION.replace("grubby --update-kernel=ALL", "grubby   --update-kernel=ALL  ")))).toEqual([]);
    expect(await run(nodes(ISOLATION.replace('grubby --update-kernel=ALL --args="$KERNEL_ARGS"', `grubby  --update-kernel=ALL  --args="${ARGS}"`)))).toEqual([]);
  });

  it("judges the arguments on grubby's line over a KERNEL_ARGS assignment it does not use", async () => {
    const direct = ISOLATION.replace('--args="$KERNEL_ARGS"', `--args="${ARGS.replace("rcu_nocbs=2-31,34-63", "rcu_nocbs=2-31")}"`);
    expect(await run(nodes(direct))).toEqual([`${PREFIX}rcu_nocbs is 2-31, not the isolated CPUs 2-31,34-63.`]);
  });

  it("needs reservedSystemCPUs as a cpulist to judge anything", async () => {
    const unset = [`${PREFIX}reservedSystemCPUs is unset or not a cpulist: the isolated set cannot be judged against it.`];
    expect(await run(nodes(ISOLATION, { kubelet: aws.ENGINE_KUBELET.replace("      reservedSystemCPUs: 0-1,32-33\n", "") }))).toEqual(unset);
    expect(await run(nodes(ISOLATION, { kubelet: aws.ENGINE_KUBELET.replace("reservedSystemCPUs: 0-1,32-33", "reservedSystemCPUs: 0-1;32") }))).toEqual(unset);
    expect(await run(nodes(ISOLATION, { kubelet: aws.ENGINE_KUBELET.replace("reservedSystemCPUs: 0-1,32-33", "reservedSystemCPUs: 2") }))).toEqual(unset);
    expect(await run(aws.engineNodes({ template: (t) => (t.userData = Buffer.from(ISOLATION).toString("base64")) }))).toEqual(unset);
  });

  it("refuses a script that sets no kernel arguments with grubby, or names a variable it never assigns", async () => {
    const none = [`${PREFIX}no boot script sets kernel arguments with grubby --update-kernel=ALL --args: the engine's CPUs keep the tick, RCU callbacks and interrupts.`];
    expect(await run(nodes(ISOLATION.replace(/\s*grubby .*\n/, "\n")))).toEqual(none);
    expect(await run(nodes(ISOLATION.replace(/KERNEL_ARGS=".*"\n/, "")))).toEqual(none);
    expect(await run(nodes(ISOLATION.replace("--update-kernel=ALL", "--update-kernel=DEFAULT")))).toEqual(none);
  });

  it("refuses nohz_full unset or not a cpulist, naming the CPUs to isolate", async () => {
    expect(await run(nodes(without("nohz_full")))).toEqual([`${PREFIX}nohz_full is unset: set it to the CPUs outside reservedSystemCPUs (0-1,32-33).`]);
    expect(await run(nodes(ISOLATION.replace('--args="$KERNEL_ARGS"', '--args=" "')))).toEqual([`${PREFIX}nohz_full is unset: set it to the CPUs outside reservedSystemCPUs (0-1,32-33).`]);
    expect(await run(nodes(withArg("nohz_full", "2-31;34")))).toEqual([`${PREFIX}nohz_full is 2-31;34: set it to the CPUs outside reservedSystemCPUs (0-1,32-33).`]);
  });

  it("refuses nohz_full overlapping the reserved CPUs, naming the overlap in range notation", async () => {
    const all = "0-63";
    expect(await run(nodes(withArgs(ARGS.replace(/2-31,34-63/g, all))))).toEqual([
      `${PREFIX}nohz_full 0-63 overlaps reservedSystemCPUs 0-1,32-33 at 0-1,32-33: the kubelet and interrupts would run on isolated CPUs.`,
    ]);
    expect(await run(nodes(withArgs(ARGS.replace(/2-31,34-63/g, "1,3,5-6"))))).toEqual([
      `${PREFIX}nohz_full 1,3,5-6 overlaps reservedSystemCPUs 0-1,32-33 at 1: the kubelet and interrupts would run on isolated CPUs.`,
    ]);
  });

  it("refuses rcu_nocbs unset or covering other CPUs than nohz_full", async () => {
    expect(await run(nodes(without("rcu_nocbs")))).toEqual([`${PREFIX}rcu_nocbs is unset, not the isolated CPUs 2-31,34-63.`]);
    expect(await run(nodes(withArg("rcu_nocbs", "2-31,34-62")))).toEqual([`${PREFIX}rcu_nocbs is 2-31,34-62, not the isolated CPUs 2-31,34-63.`]);
    expect(await run(nodes(withArg("rcu_nocbs", "3-31,34-63,2")))).toEqual([]);
  });

  it("wants isolcpus with managed_irq on exactly the isolated CPUs; other flags may join it", async () => {
    const wrong = (seen: string) => [`${PREFIX}isolcpus is ${seen}: set managed_irq,2-31,34-63 so managed interrupts stay off the isolated CPUs.`];
    expect(await run(nodes(without("isolcpus")))).toEqual(wrong("unset"));
    expect(await run(nodes(withArg("isolcpus", "2-31,34-63")))).toEqual(wrong("2-31,34-63"));
    expect(await run(nodes(withArg("isolcpus", "domain,2-31,34-63")))).toEqual(wrong("domain,2-31,34-63"));
    expect(await run(nodes(withArg("isolcpus", "managed_irq,2-31")))).toEqual(wrong("managed_irq,2-31"));
    expect(await run(nodes(withArg("isolcpus", "managed_irq")))).toEqual(wrong("managed_irq"));
    expect(await run(nodes(withArg("isolcpus", "managed_irq,domain,2-31,34-63")))).toEqual([]);
    // A flag is letters and underscores only: anything else is read as CPUs.
    expect(await run(nodes(withArg("isolcpus", "managed_irq,2x,2-31,34-63")))).toEqual(wrong("managed_irq,2x,2-31,34-63"));
    expect(await run(nodes(withArg("isolcpus", "managed_irq,x2,2-31,34-63")))).toEqual(wrong("managed_irq,x2,2-31,34-63"));
  });

  it("wants irqaffinity on exactly the reserved CPUs", async () => {
    expect(await run(nodes(without("irqaffinity")))).toEqual([`${PREFIX}irqaffinity is unset, not the reserved CPUs 0-1,32-33: new interrupts would land on the engine's cores.`]);
    expect(await run(nodes(withArg("irqaffinity", "0-1,32,34")))).toEqual([`${PREFIX}irqaffinity is 0-1,32,34, not the reserved CPUs 0-1,32-33: new interrupts would land on the engine's cores.`]);
    expect(await run(nodes(withArg("irqaffinity", "0-1")))).toEqual([`${PREFIX}irqaffinity is 0-1, not the reserved CPUs 0-1,32-33: new interrupts would land on the engine's cores.`]);
  });

  it("bounds both C-state arguments on bare metal, at the stack's maxCState", async () => {
    const deep = withArg("intel_idle.max_cstate", "6");
    expect(await run(nodes(deep))).toEqual([`${PREFIX}intel_idle.max_cstate is 6 on bare metal: at most 1, or an idle core wakes too slowly for the engine.`]);
    expect(await run(nodes(withArg("processor.max_cstate", "2")))).toEqual([`${PREFIX}processor.max_cstate is 2 on bare metal: at most 1, or an idle core wakes too slowly for the engine.`]);
    expect(await run(nodes(without("processor.max_cstate")))).toEqual([`${PREFIX}processor.max_cstate is unset on bare metal: at most 1, or an idle core wakes too slowly for the engine.`]);
    expect(await run(nodes(withArg("intel_idle.max_cstate", "0.5")))).toEqual([`${PREFIX}intel_idle.max_cstate is 0.5 on bare metal: at most 1, or an idle core wakes too slowly for the engine.`]);
    expect(await run(nodes(withArg("intel_idle.max_cstate", "0")))).toEqual([]);
    expect(await run(nodes(deep), { maxCState: 6 })).toEqual([]);
    expect(await run(nodes(deep), { maxCState: 5 })).toEqual([`${PREFIX}intel_idle.max_cstate is 6 on bare metal: at most 5, or an idle core wakes too slowly for the engine.`]);
  });

  it("leaves the C-state to virtualised or mixed instance types, and to a group naming none", async () => {
    const deep = withArgs(ARGS.replace(/max_cstate=1/g, "max_cstate=6"));
    expect(await run(nodes(deep, { instanceTypes: ["c6i.metal", "c6i.32xlarge"] }))).toEqual([]);
    expect(await run(nodes(deep, { instanceTypes: ["c6i.32xlarge"] }))).toEqual([]);
    expect(await run(nodes(deep, { instanceTypes: [] }))).toEqual([]);
    expect(await run(nodes(deep, { instanceTypes: null }))).toEqual([]);
    expect(await run(nodes(deep, { instanceTypes: ["c6i.metal", "c7i.metal-48xl"] }))).toEqual([]);
    expect((await run(nodes(deep, { instanceTypes: ["c6i.metal", "m6i.metal"] })))).toHaveLength(2);
  });

  it("wants interrupts and systemd pinned to RESERVED_CPUS equal to reservedSystemCPUs", async () => {
    const unpinned = [`${PREFIX}the boot script does not pin interrupts (/proc/irq/*/smp_affinity_list) and systemd (CPUAffinity) to RESERVED_CPUS = reservedSystemCPUs 0-1,32-33.`];
    expect(await run(nodes(ISOLATION.replace('RESERVED_CPUS="0-1,32-33"', 'RESERVED_CPUS="0-1"')))).toEqual(unpinned);
    expect(await run(nodes(ISOLATION.replace('RESERVED_CPUS="0-1,32-33"\n', "")))).toEqual(unpinned);
    expect(await run(nodes(ISOLATION.replace("CPUAffinity=", "CPUAffinityX")))).toEqual(unpinned);
    expect(await run(nodes(ISOLATION.replace("/proc/irq/*/smp_affinity_list", "/proc/irq/default_smp_affinity")))).toEqual(unpinned);
  });

  it("reports every isolation problem at once", async () => {
    expect(await run(nodes(withArgs("nohz_full=2-31,34-63 quiet")))).toEqual([
      `${PREFIX}rcu_nocbs is unset, not the isolated CPUs 2-31,34-63.`,
      `${PREFIX}isolcpus is unset: set managed_irq,2-31,34-63 so managed interrupts stay off the isolated CPUs.`,
      `${PREFIX}irqaffinity is unset, not the reserved CPUs 0-1,32-33: new interrupts would land on the engine's cores.`,
      `${PREFIX}intel_idle.max_cstate is unset on bare metal: at most 1, or an idle core wakes too slowly for the engine.`,
      `${PREFIX}processor.max_cstate is unset on bare metal: at most 1, or an idle core wakes too slowly for the engine.`,
    ]);
  });
});

describe("engine-node-verifier", () => {
  const run = async (resources: EngineResource[], config?: Record<string, unknown>) => (await check("engine-node-verifier", resources, { config })).findings.map((f) => f.message);
  const withFlags = (...flags: string[]) => `${aws.ENGINE_KUBELET}    flags:\n${flags.map((f) => `      - ${f}\n`).join("")}`;
  const NEVER_DECIDED = `${PREFIX}none of the units ordered before nodeadm-run.service (/usr/local/sbin/hft-verify-node) writes a NodeConfig to /etc/eks/nodeadm.d/: the verified label is never decided.`;

  it("accepts the platform's verifier, and a NodeConfig whose own flags label other keys", async () => {
    expect(await run(nodes(ISOLATION))).toEqual([]);
    expect(await run(nodes(ISOLATION, { kubelet: withFlags("--node-labels=node-type=high-performance,hft-platform/latency-verified-at=boot", "--register-with-taints=hft-platform/latency-verified=true:NoSchedule") }))).toEqual([]);
    // Only --node-labels sets labels, whatever another flag's value holds.
    expect(await run(nodes(ISOLATION, { kubelet: withFlags("--node-taints=hft-platform/latency-verified=true") }))).toEqual([]);
  });

  it("judges the scripts whether the user data carries a NodeConfig, kubelet settings, or neither", async () => {
    expect(await run(aws.engineNodes({ template: (t) => (t.userData = Buffer.from(ISOLATION).toString("base64")) }))).toEqual([]);
    expect(await run(nodes(ISOLATION, { kubelet: "" }))).toEqual([]);
    const specless = Buffer.from("apiVersion: node.eks.aws/v1alpha1\nkind: NodeConfig\n").toString("base64");
    expect(await run(aws.engineNodes({ template: (t) => (t.userData = specless) }))).toEqual([
      `${PREFIX}no boot script installs a unit ordered Before=nodeadm-run.service: nothing verifies the node before the kubelet registers it.`,
    ]);
  });

  it("refuses kubelet flags that set the verified label's key themselves, with any value", async () => {
    const self = `${PREFIX}the NodeConfig's kubelet flags set hft-platform/latency-verified themselves: every node would be labelled verified, tuned or not. Leave it to the verifier.`;
    expect(await run(nodes(ISOLATION, { kubelet: withFlags("--max-pods=20", "--node-labels=node-type=high-performance,hft-platform/latency-verified=false") }))).toEqual([self]);
    const custom = { verifiedLabel: { key: "example.com/tuned", value: "yes" } };
    expect(await run(nodes(ISOLATION.replace("hft-platform/latency-verified=true", "example.com/tuned=yes"), { kubelet: withFlags("--node-labels=example.com/tuned=yes") }), custom)).toEqual([
      `${PREFIX}the NodeConfig's kubelet flags set example.com/tuned themselves: every node would be labelled verified, tuned or not. Leave it to the verifier.`,
    ]);
  });

  it("refuses a script with no unit ordered before nodeadm-run.service", async () => {
    const none = [`${PREFIX}no boot script installs a unit ordered Before=nodeadm-run.service: nothing verifies the node before the kubelet registers it.`];
    expect(await run(nodes(ISOLATION.replace("Before=nodeadm-run.service kubelet.service", "Before=kubelet.service")))).toEqual(none);
    expect(await run(nodes(ISOLATION.replace("Before=nodeadm-run.service kubelet.service", "After=nodeadm-run.service")))).toEqual(none);
    expect(await run(nodes(ISOLATION.replace("ExecStart=", "ExecStartPre=")))).toEqual(none);
    expect(await run(nodes(ISOLATION.replace("Before=nodeadm-run.service kubelet.service", "Before=kubelet.service nodeadm-run.service")))).toEqual([]);
  });

  it("refuses a unit whose program is not written by the script, or does not write a NodeConfig drop-in", async () => {
    expect(await run(nodes(ISOLATION.replace("cat > /usr/local/sbin/hft-verify-node <<'VERIFIER'", "cat > /usr/local/sbin/other <<'VERIFIER'")))).toEqual([NEVER_DECIDED]);
    expect(await run(nodes(ISOLATION.replace("/etc/eks/nodeadm.d/90-hft-latency-verified.yaml", "/etc/eks/90-hft-latency-verified.yaml")))).toEqual([NEVER_DECIDED]);
    // The heredoc must end at its own tag.
    expect(await run(nodes(ISOLATION.replace("\nVERIFIER\n", "\nEND\n")))).toEqual([NEVER_DECIDED]);
  });

  it("finds the verifier among several units, with an unquoted heredoc tag and a path holding regex characters", async () => {
    const path = "/usr/local/sbin/hft+verify.node(1)";
    const renamed = ISOLATION.replace("cat > /usr/local/sbin/hft-verify-node <<'VERIFIER'", `cat > ${path} <<VERIFIER`).replace("ExecStart=/usr/local/sbin/hft-verify-node", `ExecStart=${path}`);
    const other = "cat > /etc/systemd/system/hft-first.service <<'UNIT'\n[Unit]\nBefore=nodeadm-run.service\n\n[Service]\nExecStart=/usr/local/sbin/hft-first\nUNIT\n";
    expect(await run(nodes(other + renamed))).toEqual([]);
    expect(await run(nodes(other + ISOLATION.replace("/etc/eks/nodeadm.d/", "/etc/eks/")))).toEqual([
      `${PREFIX}none of the units ordered before nodeadm-run.service (/usr/local/sbin/hft-first, /usr/local/sbin/hft-verify-node) writes a NodeConfig to /etc/eks/nodeadm.d/: the verified label is never decided.`,
    ]);
    const literal = ISOLATION.replace("cat > /usr/local/sbin/hft-verify-node <<'VERIFIER'", "cat > /usr/local/sbin/hft-verify-nodeXX <<'VERIFIER'").replace("ExecStart=/usr/local/sbin/hft-verify-node", "ExecStart=/usr/local/sbin/hft-verify-node.*");
    expect(await run(nodes(literal))).toEqual([`${PREFIX}none of the units ordered before nodeadm-run.service (/usr/local/sbin/hft-verify-node.*) writes a NodeConfig to /etc/eks/nodeadm.d/: the verified label is never decided.`]);
  });

  it("reads the unit's program up to its own heredoc's end, not a later heredoc with the same tag", async () => {
    const program = "cat > /usr/local/sbin/hft-verify-node <<'EOF'\n#!/bin/sh\necho checking\nEOF\ncat > /usr/local/sbin/other <<'EOF'\n/etc/eks/nodeadm.d/x.yaml {\"label\":\"hft-platform/latency-verified=true\"}\nEOF\n";
    const script = ISOLATION.replace(/cat > \/usr\/local\/sbin\/hft-verify-node <<'VERIFIER'\n[\s\S]*?\nVERIFIER\n/, program);
    expect(await run(nodes(script))).toEqual([NEVER_DECIDED]);
  });

  it("wants the verifier to add the configured label, as JSON or as a kubelet flag", async () => {
    expect(await run(nodes(ISOLATION.replace('{"label":"hft-platform/latency-verified=true"}', '{"label":"hft-platform/latency-verified=false"}')))).toEqual([
      `${PREFIX}the verifier does not add the label hft-platform/latency-verified=true (policy config verifiedLabel).`,
    ]);
    expect(await run(nodes(ISOLATION.replace('{"label":"hft-platform/latency-verified=true"}', '"--node-labels=hft-platform/latency-verified=true"')))).toEqual([]);
    expect(await run(nodes(ISOLATION), { verifiedLabel: { key: "hft-platform/latency-verified", value: "yes" } })).toEqual([
      `${PREFIX}the verifier does not add the label hft-platform/latency-verified=yes (policy config verifiedLabel).`,
    ]);
  });
});

describe("isolation rule configs", () => {
  const reconcile = (rule: string, settings: Record<string, unknown>) => () => reconcileConfig([policy(rule)], { [rule]: settings });

  it("bounds maxCState to a whole C-state from 0 to 10", () => {
    expect(reconcile("engine-node-cpu-isolation", { maxCState: -1 })).toThrow("engine-node-cpu-isolation: /maxCState must be >= 0");
    expect(reconcile("engine-node-cpu-isolation", { maxCState: 11 })).toThrow("engine-node-cpu-isolation: /maxCState must be <= 10");
    expect(reconcile("engine-node-cpu-isolation", { maxCState: 1.5 })).toThrow("engine-node-cpu-isolation: /maxCState must be integer");
    for (const maxCState of [0, 10]) expect(reconcile("engine-node-cpu-isolation", { maxCState })).not.toThrow();
  });

  it("wants the verified label as a non-empty key and value", () => {
    const label = (verifiedLabel: unknown) => reconcile("engine-node-verifier", { verifiedLabel });
    expect(label({ key: "", value: "true" })).toThrow("engine-node-verifier: /verifiedLabel/key must NOT have fewer than 1 characters");
    expect(label({ key: "tuned", value: "" })).toThrow("engine-node-verifier: /verifiedLabel/value must NOT have fewer than 1 characters");
    expect(label({ key: 1, value: "true" })).toThrow("engine-node-verifier: /verifiedLabel/key must be string");
    expect(label({ key: "tuned", value: true })).toThrow("engine-node-verifier: /verifiedLabel/value must be string");
    expect(label({ key: "tuned" })).toThrow("engine-node-verifier: /verifiedLabel must have required property 'value'");
    expect(label({ value: "true" })).toThrow("engine-node-verifier: /verifiedLabel must have required property 'key'");
    expect(label("tuned=true")).toThrow("engine-node-verifier: /verifiedLabel must be object");
    expect(label({ key: "tuned", value: "yes" })).not.toThrow();
  });
});
