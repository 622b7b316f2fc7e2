/**
 * The engine nodes' CPU isolation and its proof, as their boot scripts show them: kernel arguments that
 * isolate exactly the CPUs the kubelet does not reserve, interrupts and system services on the reserved
 * CPUs, the deepest idle state limited on bare metal, and a verifier that decides the verified label
 * before the kubelet starts (never a label set unconditionally).
 */
import { PolicyConfigJSONSchema } from "@pulumi/policy/schema";
import { BootData, cpuList, shellAssignments } from "../node-config";
import { asArray, HftPolicy } from "../rules";
import { bootRule, kubelet } from "./engine-nodes";

const same = (a: number[] | undefined, b: number[]) => a !== undefined && a.length === b.length && a.every((c, i) => c === b[i]);
/** A cpulist in the kernel's range notation ("2-31,34-63"). */
function format(cpus: number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < cpus.length; ) {
    let j = i;
    // Past the end, cpus[j + 1] is undefined and ends the run.
    while (cpus[j + 1] === cpus[j] + 1) j++;
    parts.push(i === j ? `${cpus[i]}` : `${cpus[i]}-${cpus[j]}`);
    i = j + 1;
  }
  return parts.join(",");
}

/** Kernel arguments a boot script applies with grubby (KERNEL_ARGS="…" then grubby --args="$KERNEL_ARGS"), by name. */
function grubbyArgs(boot: BootData): Map<string, string> | undefined {
  // A command never spans two scripts, so each script is searched on its own.
  const direct = boot.scripts.map((s) => /grubby\s+--update-kernel=ALL\s+--args="([^"$]+)"/.exec(s)?.[1]).find((a) => a !== undefined);
  const viaVariable = boot.scripts.some((s) => /grubby\s+--update-kernel=ALL\s+--args="\$KERNEL_ARGS"/.test(s)) ? shellAssignments(boot.scripts).get("KERNEL_ARGS") : undefined;
  const line = direct ?? viaVariable;
  if (line === undefined) return undefined;
  return new Map([...line.matchAll(/\S+/g)].map(([arg]) => [arg.split("=")[0], arg.slice(arg.indexOf("=") + 1)] as [string, string]));
}

/** A cpulist setting; an unset one reads as "undefined", which is no cpulist. */
const cpusOf = (value: string | undefined) => cpuList(String(value));

const engineNodeCpuIsolation = bootRule<{ nodeGroupNames: string[]; maxCState: number }>(
  "engine-node-cpu-isolation",
  "The engine nodes' boot script sets (grubby) nohz_full, rcu_nocbs and isolcpus=managed_irq on CPUs outside reservedSystemCPUs, irqaffinity on the reserved ones, max_cstate at most maxCState on bare metal, and pins interrupts and systemd to the reserved CPUs.",
  {
    maxCState: {
      type: "integer",
      minimum: 0,
      maximum: 10,
      default: 1,
      description: "Deepest C-state bare-metal engine nodes may enter (C1 wakes in about 2 µs on Ice Lake; C6 in about 130 µs).",
    },
  },
  (boot, fail, config, group) => {
    const reservedText = kubelet(boot).reservedSystemCPUs;
    const reserved = typeof reservedText === "string" ? cpuList(reservedText) : undefined;
    if (!reserved) return fail("reservedSystemCPUs is unset or not a cpulist: the isolated set cannot be judged against it.");
    const args = grubbyArgs(boot);
    if (!args) return fail("no boot script sets kernel arguments with grubby --update-kernel=ALL --args: the engine's CPUs keep the tick, RCU callbacks and interrupts.");
    const isolated = cpusOf(args.get("nohz_full"));
    if (!isolated) return fail(`nohz_full is ${args.get("nohz_full") ?? "unset"}: set it to the CPUs outside reservedSystemCPUs (${format(reserved)}).`);
    const both = isolated.filter((c) => reserved.includes(c));
    if (both.length) fail(`nohz_full ${format(isolated)} overlaps reservedSystemCPUs ${format(reserved)} at ${format(both)}: the kubelet and interrupts would run on isolated CPUs.`);
    const rcu = cpusOf(args.get("rcu_nocbs"));
    if (!same(rcu, isolated)) fail(`rcu_nocbs is ${args.get("rcu_nocbs") ?? "unset"}, not the isolated CPUs ${format(isolated)}.`);
    // Unset reads as the single part "undefined": a flag, but not managed_irq.
    const isolcpus = String(args.get("isolcpus")).split(",");
    const flags = isolcpus.filter((p) => /^[a-z_]+$/.test(p));
    if (!flags.includes("managed_irq") || !same(cpuList(isolcpus.filter((p) => !flags.includes(p)).join(",")), isolated)) {
      fail(`isolcpus is ${args.get("isolcpus") ?? "unset"}: set managed_irq,${format(isolated)} so managed interrupts stay off the isolated CPUs.`);
    }
    if (!same(cpusOf(args.get("irqaffinity")), reserved)) fail(`irqaffinity is ${args.get("irqaffinity") ?? "unset"}, not the reserved CPUs ${format(reserved)}: new interrupts would land on the engine's cores.`);
    const types = asArray(group.instanceTypes);
    if (types.length > 0 && types.every((t) => t.endsWith(".metal"))) {
      for (const key of ["intel_idle.max_cstate", "processor.max_cstate"]) {
        const value = Number(args.get(key));
        if (!Number.isInteger(value) || value > config.maxCState) fail(`${key} is ${args.get(key) ?? "unset"} on bare metal: at most ${config.maxCState}, or an idle core wakes too slowly for the engine.`);
      }
    }
    const vars = shellAssignments(boot.scripts);
    const writes = (pattern: RegExp) => boot.scripts.some((s) => pattern.test(s));
    if (!same(cpusOf(vars.get("RESERVED_CPUS")), reserved) || !writes(/CPUAffinity=/) || !writes(/\/proc\/irq\/\*\/smp_affinity_list/)) {
      fail(`the boot script does not pin interrupts (/proc/irq/*/smp_affinity_list) and systemd (CPUAffinity) to RESERVED_CPUS = reservedSystemCPUs ${format(reserved)}.`);
    }
  },
);

const VERIFIED_LABEL_SCHEMA: PolicyConfigJSONSchema = {
  type: "object",
  properties: { key: { type: "string", minLength: 1 }, value: { type: "string", minLength: 1 } },
  required: ["key", "value"],
  default: { key: "hft-platform/latency-verified", value: "true" },
  description: "The node label that says the engine node's tuning was verified on the node.",
};

const engineNodeVerifier = bootRule<{ nodeGroupNames: string[]; verifiedLabel: { key: string; value: string } }>(
  "engine-node-verifier",
  "The engine nodes' boot script installs a verifier unit ordered before nodeadm-run.service that alone adds the verified label (a NodeConfig in /etc/eks/nodeadm.d/ with --node-labels); the user data's own kubelet flags never carry that label.",
  { verifiedLabel: VERIFIED_LABEL_SCHEMA },
  (boot, fail, config) => {
    const label = `${config.verifiedLabel.key}=${config.verifiedLabel.value}`;
    const flags = asArray(boot.nodeConfig?.spec?.kubelet?.flags);
    const unconditional = flags.some((f) => f.startsWith("--node-labels=") && f.slice("--node-labels=".length).split(",").some((l) => l.split("=")[0] === config.verifiedLabel.key));
    if (unconditional) fail(`the NodeConfig's kubelet flags set ${config.verifiedLabel.key} themselves: every node would be labelled verified, tuned or not. Leave it to the verifier.`);
    const units = boot.scripts.flatMap((s) => [...s.matchAll(/\[Unit\][^[]*Before=[^\n]*nodeadm-run\.service[^[]*\[Service\][^[]*ExecStart=(\S+)/g)].map((m) => m[1]));
    if (units.length === 0) return fail("no boot script installs a unit ordered Before=nodeadm-run.service: nothing verifies the node before the kubelet registers it.");
    // The program each unit runs, as the boot script writes it (cat > path <<'TAG' … TAG).
    const bodies = units.flatMap((path) => boot.scripts.map((s) => heredoc(s, path))).filter((b): b is string => b !== undefined);
    const verifier = bodies.find((b) => b.includes("/etc/eks/nodeadm.d/"));
    if (!verifier) return fail(`none of the units ordered before nodeadm-run.service (${units.join(", ")}) writes a NodeConfig to /etc/eks/nodeadm.d/: the verified label is never decided.`);
    if (!verifier.includes(`"label":"${label}"`) && !verifier.includes(`--node-labels=${label}`)) fail(`the verifier does not add the label ${label} (policy config verifiedLabel).`);
  },
);

function heredoc(text: string, path: string): string | undefined {
  const escaped = path.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
  const m = new RegExp(`cat > ${escaped} <<'?(\\w+)'?\\n([\\s\\S]*?)\\n\\1\\n`).exec(text);
  return m?.[2];
}

export const engineIsolationPolicies: HftPolicy[] = [engineNodeCpuIsolation, engineNodeVerifier];
