/**
 * The engine nodes' CPU isolation and its proof, as boot-time parts of their user data (a leaf of
 * node-bootstrap.ts): kernel arguments for the isolated CPUs applied with one controlled reboot before
 * the node joins, interrupts and system services kept on the reserved CPUs, C-/P-state settings where
 * the instance allows them, and a verifier that reads the live node and only then lets the kubelet
 * register with the verified label.
 *
 * How an AL2023 EKS node boots (awslabs/amazon-eks-ami v20251103 and v20260714, the same at both;
 * templates/al2023/runtime/rootfs/etc/systemd/system/, read 2026-12-07): nodeadm-config.service writes the kubelet's configuration
 * from the user data's NodeConfig before cloud-init; cloud-init's final stage runs the user data's
 * shell scripts; nodeadm-run.service (After=cloud-final.service) then merges the user data with every
 * NodeConfig in /etc/eks/nodeadm.d/ (an empty directory is tolerated, a missing one fails:
 * nodeadm/internal/configprovider/chain.go), re-runs the config phase when the merge changed it
 * (nodeadm/cmd/nodeadm/init/init.go), appends kubelet flags across sources (internal/api/merge.go:
 * repeated --node-labels merge) and starts the kubelet. So a script may reboot before the kubelet
 * ever ran, and a unit ordered before nodeadm-run decides the kubelet's labels.
 */
import { EngineCpuSets } from "./config";
import { LATENCY_VERIFIED_LABEL } from "./k8s/labels";
import { NODE_TEXTFILE_DIR } from "./k8s/monitoring";

/** What the isolation needs to know about an engine node. */
export interface IsolationTuning {
  cpus: EngineCpuSets;
  /** The OS may set C-states and P-states (bare metal): idle and frequency settings apply and are checked. */
  processorStateControl: boolean;
  hugepages2Mi: number;
}

/**
 * Kernel arguments. `isolcpus=managed_irq` keeps managed interrupts off the isolated CPUs without
 * taking them out of the scheduler's domains (the kubelet's shared pool still spans them, and a
 * domain-isolated CPU never balances the tasks placed on it); nohz_full stops the tick and rcu_nocbs
 * moves RCU callbacks off them; irqaffinity sets the default interrupt affinity to the reserved set
 * (kernel admin-guide/kernel-parameters.txt). C1 as the deepest idle state on bare metal is the EKS
 * AMI's own setting for EFA nodes (templates/al2023/provisioners/limit-c-states.sh); the AMI's
 * set-kernel-arg (v20260714, templates/al2023/runtime/bin) applies arguments the same way, with grubby
 * and GRUB_CMDLINE_LINUX, and already sets clocksource=tsc, repeated here so the verifier's
 * expectation does not depend on the AMI release.
 */
export function isolationKernelArgs(t: IsolationTuning): string[] {
  return [
    `isolcpus=managed_irq,${t.cpus.isolated}`,
    `nohz_full=${t.cpus.isolated}`,
    `rcu_nocbs=${t.cpus.isolated}`,
    `irqaffinity=${t.cpus.reserved}`,
    // EC2 recommends the TSC clock source on Nitro instances (EC2 User Guide, "Set the time reference", read 2026-12-07).
    "clocksource=tsc",
    ...(t.processorStateControl ? ["intel_idle.max_cstate=1", "processor.max_cstate=1"] : []),
  ];
}

/** The checks the verifier runs, by the name its metric and alert carry. */
export function verifierChecks(t: IsolationTuning): string[] {
  return ["kernel_cmdline", "isolated_cpus", "irq_affinity", "hugepages", "transparent_hugepages", "cpu_manager", "clock_source", ...(t.processorStateControl ? ["cpu_idle", "cpu_frequency"] : [])];
}

/**
 * The boot script: systemd (and with it the kubelet, containerd and every system service) on the
 * reserved CPUs, irqbalance banned from the isolated ones, the units that pin interrupts, set the CPU
 * governor and verify the node, then the kernel arguments with one reboot. Idempotent: a second run
 * (cloud-init repeats a script the reboot cut short) finds the arguments live and does not reboot;
 * a reboot that did not take does not loop, it leaves the node unverified.
 */
export function isolationBootScript(t: IsolationTuning): string {
  const args = isolationKernelArgs(t).join(" ");
  const power = t.processorStateControl
    ? `
# Bare metal: the OS owns P-states. The performance governor and no turbo give the steadiest clock
# (EC2 User Guide, "Processor state control": baseline performance with the lowest variability).
cat > /usr/local/sbin/hft-cpu-power <<'SCRIPT'
#!/bin/sh
for g in /sys/devices/system/cpu/cpu*/cpufreq/scaling_governor; do echo performance > "$g"; done
if [ -w /sys/devices/system/cpu/intel_pstate/no_turbo ]; then echo 1 > /sys/devices/system/cpu/intel_pstate/no_turbo; fi
SCRIPT
chmod 0755 /usr/local/sbin/hft-cpu-power
cat > /etc/systemd/system/hft-cpu-power.service <<'UNIT'
[Unit]
Description=Performance governor, no turbo: a steady CPU clock for the engine
Before=kubelet.service nodeadm-run.service hft-node-verify.service

[Service]
Type=oneshot
ExecStart=/usr/local/sbin/hft-cpu-power

[Install]
WantedBy=multi-user.target
UNIT
systemctl enable hft-cpu-power.service
`
    : "";
  return `#!/bin/bash
set -euo pipefail
# CPU isolation of the engine node: reserved ${t.cpus.reserved} (system, kubelet, interrupts), isolated ${t.cpus.isolated} (the engine).
RESERVED_CPUS="${t.cpus.reserved}"
ISOLATED_CPUS="${t.cpus.isolated}"
KERNEL_ARGS="${args}"

# systemd and every service it starts run on the reserved CPUs; containers get their cpusets from the kubelet.
mkdir -p /etc/systemd/system.conf.d
printf '[Manager]\\nCPUAffinity=%s\\n' "$RESERVED_CPUS" > /etc/systemd/system.conf.d/90-hft-cpu-affinity.conf

# irqbalance (where installed) never moves an interrupt onto an isolated CPU.
if [ -f /etc/sysconfig/irqbalance ]; then
  sed -i '/^IRQBALANCE_BANNED_CPULIST=/d' /etc/sysconfig/irqbalance
  echo "IRQBALANCE_BANNED_CPULIST=$ISOLATED_CPUS" >> /etc/sysconfig/irqbalance
fi

# Every interrupt (the NIC's queues among them) on the reserved CPUs, at every boot before the kubelet.
# Managed interrupts refuse the write; isolcpus=managed_irq keeps those off the isolated CPUs.
mkdir -p /usr/local/sbin
printf '#!/bin/sh\\nfor f in /proc/irq/*/smp_affinity_list; do echo %s > "$f" 2>/dev/null || true; done\\n' "$RESERVED_CPUS" > /usr/local/sbin/hft-pin-irqs
chmod 0755 /usr/local/sbin/hft-pin-irqs
cat > /etc/systemd/system/hft-pin-irqs.service <<'UNIT'
[Unit]
Description=Pin interrupts to the reserved CPUs
Before=kubelet.service nodeadm-run.service hft-node-verify.service

[Service]
Type=oneshot
ExecStart=/usr/local/sbin/hft-pin-irqs

[Install]
WantedBy=multi-user.target
UNIT
systemctl enable hft-pin-irqs.service
${power}
mkdir -p /etc/eks/nodeadm.d ${NODE_TEXTFILE_DIR}
cat > /usr/local/sbin/hft-verify-node <<'VERIFIER'
${verifierProgram(t)}VERIFIER
chmod 0755 /usr/local/sbin/hft-verify-node

# The verifier runs before nodeadm-run starts the kubelet (the label is decided at registration), then
# every minute for its metrics.
cat > /etc/systemd/system/hft-node-verify.service <<'UNIT'
[Unit]
Description=Verify the engine node's latency tuning; label it verified only if every check passes
After=cloud-final.service hft-pin-irqs.service hft-cpu-power.service hft-disable-thp.service
Before=nodeadm-run.service kubelet.service

[Service]
Type=oneshot
ExecStart=/usr/local/sbin/hft-verify-node

[Install]
WantedBy=multi-user.target
UNIT
cat > /etc/systemd/system/hft-node-verify.timer <<'UNIT'
[Unit]
Description=Re-verify the engine node's latency tuning every minute

[Timer]
OnBootSec=2min
OnUnitActiveSec=1min

[Install]
WantedBy=timers.target
UNIT
systemctl daemon-reload
systemctl enable hft-node-verify.service hft-node-verify.timer

# Kernel arguments take effect at boot only: set them and reboot once. nodeadm-run waits for
# cloud-final, so the kubelet has not started and the node has not joined.
if ! grep -qF "nohz_full=$ISOLATED_CPUS" /proc/cmdline; then
  if [ -e /var/lib/hft/kernel-args-rebooted ]; then
    echo "hft: kernel arguments still missing after a reboot; the node stays unverified" >&2
  else
    grubby --update-kernel=ALL --args="$KERNEL_ARGS"
    # Also in /etc/default/grub, so a regenerated boot configuration keeps them.
    sed -i "s|^GRUB_CMDLINE_LINUX=\\"\\(.*\\)\\"|GRUB_CMDLINE_LINUX=\\"\\1 $KERNEL_ARGS\\"|" /etc/default/grub
    mkdir -p /var/lib/hft && touch /var/lib/hft/kernel-args-rebooted
    systemctl reboot
    exit 0
  fi
fi
# No reboot (the arguments are live): the units enabled above join this boot, still before nodeadm-run.
systemctl start --no-block hft-pin-irqs.service${t.processorStateControl ? " hft-cpu-power.service" : ""} hft-node-verify.service hft-node-verify.timer
`;
}

/**
 * The verifier (Python 3, which cloud-init needs and AL2023 ships): reads the live node, writes one
 * metric per check for node-exporter's textfile collector, and writes the NodeConfig that adds the
 * verified label only when all pass (removing it otherwise). The label is set at registration, so a
 * later failure shows as the metric and its alert, not as a removed label.
 */
function verifierProgram(t: IsolationTuning): string {
  const expected = {
    reserved: t.cpus.reserved,
    isolated: t.cpus.isolated,
    kernelArgs: isolationKernelArgs(t),
    hugepages2Mi: t.hugepages2Mi,
    processorStateControl: t.processorStateControl,
    label: `${LATENCY_VERIFIED_LABEL.key}=${LATENCY_VERIFIED_LABEL.value}`,
    textfile: `${NODE_TEXTFILE_DIR}/hft_latency.prom`,
  };
  return `#!/usr/bin/python3
import glob, json, os

EXPECTED = json.loads('''${JSON.stringify(expected)}''')
DROP_IN = "/etc/eks/nodeadm.d/90-hft-latency-verified.yaml"


def read(path):
    with open(path) as f:
        return f.read().strip()


def cpus(text):
    out = set()
    for part in filter(None, text.strip().split(",")):
        lo, _, hi = part.partition("-")
        out.update(range(int(lo), int(hi or lo) + 1))
    return out


def kernel_cmdline():
    args = read("/proc/cmdline").split()
    return all(a in args for a in EXPECTED["kernelArgs"])


def isolated_cpus():
    return cpus(read("/sys/devices/system/cpu/nohz_full")) == cpus(EXPECTED["isolated"])


def irq_affinity():
    # Every interrupt with a handler off the isolated CPUs, except NVMe's managed per-queue interrupts,
    # which the kernel spreads itself and which fire only for I/O issued from their own CPUs.
    reserved = cpus(EXPECTED["reserved"])
    for irq in glob.glob("/proc/irq/[0-9]*"):
        handlers = [d for d in os.listdir(irq) if os.path.isdir(os.path.join(irq, d))]
        if handlers and not all(h.startswith("nvme") for h in handlers):
            if cpus(read(irq + "/effective_affinity_list")) - reserved:
                return False
    return True


def hugepages():
    return int(read("/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages")) >= EXPECTED["hugepages2Mi"]


def transparent_hugepages():
    return all("[never]" in read("/sys/kernel/mm/transparent_hugepage/" + f) for f in ("enabled", "defrag"))


def cpu_manager():
    config = json.loads(read("/etc/kubernetes/kubelet/config.json"))
    for path in sorted(glob.glob("/etc/kubernetes/kubelet/config.json.d/*.conf")):
        config.update(json.loads(read(path)))
    ok = (config.get("cpuManagerPolicy") == "static"
          and cpus(config.get("reservedSystemCPUs", "")) == cpus(EXPECTED["reserved"])
          and config.get("cpuCFSQuota") is False)
    state = "/var/lib/kubelet/cpu_manager_state"
    if os.path.exists(state):
        ok = ok and json.loads(read(state)).get("policyName") == "static"
    return ok


def clock_source():
    return read("/sys/devices/system/clocksource/clocksource0/current_clocksource") == "tsc"


def cpu_idle():
    return int(read("/sys/module/intel_idle/parameters/max_cstate")) <= 1


def cpu_frequency():
    governors = glob.glob("/sys/devices/system/cpu/cpu*/cpufreq/scaling_governor")
    return bool(governors) and all(read(g) == "performance" for g in governors)


CHECKS = [kernel_cmdline, isolated_cpus, irq_affinity, hugepages, transparent_hugepages, cpu_manager, clock_source]
if EXPECTED["processorStateControl"]:
    CHECKS += [cpu_idle, cpu_frequency]

results = {}
for check in CHECKS:
    try:
        results[check.__name__] = bool(check())
    except (OSError, ValueError, KeyError):
        results[check.__name__] = False

lines = ["# HELP hft_node_latency_check 1 when the engine node's latency check passes, 0 when it fails.",
         "# TYPE hft_node_latency_check gauge"]
lines += ['hft_node_latency_check{check="%s"} %d' % (name, ok) for name, ok in sorted(results.items())]
tmp = EXPECTED["textfile"] + ".tmp"
with open(tmp, "w") as f:
    f.write("\\n".join(lines) + "\\n")
os.replace(tmp, EXPECTED["textfile"])

if all(results.values()):
    with open(DROP_IN, "w") as f:
        f.write("apiVersion: node.eks.aws/v1alpha1\\nkind: NodeConfig\\nspec:\\n  kubelet:\\n    flags:\\n      - --node-labels=%s\\n" % EXPECTED["label"])
elif os.path.exists(DROP_IN):
    os.remove(DROP_IN)
for name, ok in sorted(results.items()):
    if not ok:
        print("hft-verify-node: check %s failed" % name)
`;
}
