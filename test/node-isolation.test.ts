import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { engineCpuSets } from "../components/config";
import { runStack, StackRun } from "../tools/harness";
import { Inventory, userDataParts } from "./inventory";
import { eksConfig, expectRejected, problems } from "./stack-config";

describe("engine CPU sets from the config", () => {
  it("isolates every CPU the kubelet does not reserve, derived once", () => {
    expect(engineCpuSets(128, "0-1,32-33,64-65,96-97")).toEqual({ reserved: "0-1,32-33,64-65,96-97", isolated: "2-31,34-63,66-95,98-127" });
    expect(engineCpuSets(16, "0,8")).toEqual({ reserved: "0,8", isolated: "1-7,9-15" });
    expect(eksConfig("prod", { "engineNodes.isolatedCpus": "2-31,34-63,66-95,98-127" }).engineNodes.isolatedCpus).toBe("2-31,34-63,66-95,98-127");
  });

  it("refuses, in one line naming the key, an isolated set that overlaps the reserved one, splits a core or leaves CPUs out", () => {
    expectRejected("prod", { "engineNodes.isolatedCpus": "1-31,34-63,66-95,98-127" }, "engineNodes.isolatedCpus", /disjoint from reservedSystemCpus \(1 in both sets\)/);
    expectRejected("prod", { "engineNodes.isolatedCpus": "2-31,34-63,66-95,99-127" }, "engineNodes.isolatedCpus", /CPU 34 shares its core with 98.* on c6i\.metal/);
    expectRejected("prod", { "engineNodes.isolatedCpus": "2-30,34-63,66-94,98-127" }, "engineNodes.isolatedCpus", /every CPU not in reservedSystemCpus \(31,95 in neither set: the kubelet could pin the engine there\)/);
    expectRejected("dev", { "engineNodes.isolatedCpus": "1-7,9-16" }, "engineNodes.isolatedCpus", /CPUs below 16 on c6i\.4xlarge \(16 do not exist\)/);
    const lines = problems("prod", { "engineNodes.isolatedCpus": "0-127" });
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toContain("\n");
  });
});

let run: StackRun;
let inv: Inventory;

beforeAll(async () => {
  run = await runStack("prod");
  inv = new Inventory(run.inventory);
});

const engineTemplate = () => inv.all("aws:ec2/launchTemplate:LaunchTemplate").find((t) => t.name === "hft-engine")!;
const scripts = () => (engineTemplate().decoded!.userData).split(/--==HFT-BOUNDARY==/).filter((p) => p.includes("#!/bin/bash"));
const isolationScript = () => scripts().find((s) => s.includes("grubby"))!;

describe("prod engine node isolation", () => {
  it("boots with the derived kernel arguments, interrupts and systemd on the reserved CPUs, and no CFS quota", () => {
    const script = isolationScript();
    expect(script).toContain('RESERVED_CPUS="0-1,32-33,64-65,96-97"');
    expect(script).toContain(
      'KERNEL_ARGS="isolcpus=managed_irq,2-31,34-63,66-95,98-127 nohz_full=2-31,34-63,66-95,98-127 rcu_nocbs=2-31,34-63,66-95,98-127 irqaffinity=0-1,32-33,64-65,96-97 clocksource=tsc intel_idle.max_cstate=1 processor.max_cstate=1"',
    );
    expect(script).toContain('grubby --update-kernel=ALL --args="$KERNEL_ARGS"');
    // Every boot script is valid bash.
    const dir = mkdtempSync(join(tmpdir(), "hft-boot-"));
    scripts().forEach((text, i) => {
      writeFileSync(join(dir, `part${i}.sh`), text.replace(/^\s*Content-Type[^\n]*\n\n/, ""));
      execFileSync("bash", ["-n", join(dir, `part${i}.sh`)]);
    });
    expect(script).toContain("IRQBALANCE_BANNED_CPULIST=$ISOLATED_CPUS");
    expect(script).toContain("ExecStart=/usr/local/sbin/hft-cpu-power");
    // One reboot at most: a marker stops a second one.
    expect(script.match(/systemctl reboot/g)).toHaveLength(1);
    expect(script).toMatch(/if \[ -e \/var\/lib\/hft\/kernel-args-rebooted \]/);
    const kubelet = userDataParts(engineTemplate()).nodeConfig.spec.kubelet;
    expect(kubelet.config).toMatchObject({ cpuCFSQuota: false, reservedSystemCPUs: "0-1,32-33,64-65,96-97" });
    // The verified label is never among the flags the user data sets itself.
    expect(kubelet.flags.join(" ")).not.toContain("latency-verified");
  });

  it("installs a verifier that is valid Python, runs before nodeadm-run and labels the node only through /etc/eks/nodeadm.d", () => {
    const script = isolationScript();
    const verifier = /cat > \/usr\/local\/sbin\/hft-verify-node <<'VERIFIER'\n([\s\S]*?)\nVERIFIER\n/.exec(script)![1];
    const dir = mkdtempSync(join(tmpdir(), "hft-verifier-"));
    writeFileSync(join(dir, "verifier.py"), verifier);
    execFileSync("python3", ["-m", "py_compile", join(dir, "verifier.py")]);
    for (const check of ["kernel_cmdline", "isolated_cpus", "irq_affinity", "hugepages", "transparent_hugepages", "cpu_manager", "clock_source", "cpu_idle", "cpu_frequency"]) {
      expect(verifier).toContain(`def ${check}():`);
    }
    expect(verifier).toContain('"label":"hft-platform/latency-verified=true"');
    expect(verifier).toContain('DROP_IN = "/etc/eks/nodeadm.d/90-hft-latency-verified.yaml"');
    expect(script).toMatch(/\[Unit\]\nDescription=Verify[^\n]*\nAfter=cloud-final\.service[^\n]*\nBefore=nodeadm-run\.service kubelet\.service/);
  });

  it("reads the live node: every check passes on a tuned node and fails on an untuned one", () => {
    const verifier = /cat > \/usr\/local\/sbin\/hft-verify-node <<'VERIFIER'\n([\s\S]*?)\nVERIFIER\n/.exec(isolationScript())![1];
    // The verifier's absolute paths re-rooted under a fake node's directory.
    const node = (tuned: boolean) => {
      const root = mkdtempSync(join(tmpdir(), "hft-node-"));
      const files: Record<string, string> = {
        "proc/cmdline": tuned
          ? "BOOT_IMAGE=/vmlinuz isolcpus=managed_irq,2-31,34-63,66-95,98-127 nohz_full=2-31,34-63,66-95,98-127 rcu_nocbs=2-31,34-63,66-95,98-127 irqaffinity=0-1,32-33,64-65,96-97 clocksource=tsc intel_idle.max_cstate=1 processor.max_cstate=1"
          : "BOOT_IMAGE=/vmlinuz",
        "sys/devices/system/cpu/nohz_full": tuned ? "2-31,34-63,66-95,98-127" : "(null)",
        "proc/irq/24/effective_affinity_list": tuned ? "0" : "5",
        "proc/irq/24/ens5-Tx-Rx-0/.keep": "",
        "proc/irq/40/effective_affinity_list": "7",
        "proc/irq/40/nvme0q7/.keep": "",
        "sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages": "16384",
        "sys/kernel/mm/transparent_hugepage/enabled": tuned ? "always madvise [never]" : "[always] madvise never",
        "sys/kernel/mm/transparent_hugepage/defrag": "always defer defer+madvise madvise [never]",
        "etc/kubernetes/kubelet/config.json": JSON.stringify({ cpuManagerPolicy: "none" }),
        "etc/kubernetes/kubelet/config.json.d/40-nodeadm.conf": JSON.stringify({ cpuManagerPolicy: "static", reservedSystemCPUs: "0-1,32-33,64-65,96-97", cpuCFSQuota: false }),
        "sys/devices/system/clocksource/clocksource0/current_clocksource": "tsc",
        "sys/module/intel_idle/parameters/max_cstate": "1",
        "sys/devices/system/cpu/cpu0/cpufreq/scaling_governor": "performance",
        "etc/eks/nodeadm.d/.keep": "",
        "var/lib/node_exporter/textfile/.keep": "",
      };
      for (const [path, text] of Object.entries(files)) {
        execFileSync("mkdir", ["-p", join(root, path, "..")]);
        writeFileSync(join(root, path), text);
      }
      const program = verifier.replace(/"\/(proc|sys|etc|var)\//g, `"${root}/$1/`).replace(/'\/(proc|sys|etc|var)\//g, `'${root}/$1/`);
      const path = join(root, "verify.py");
      writeFileSync(path, program.replace("#!/usr/bin/python3\n", `import os\n`));
      const out = execFileSync("python3", [path], { encoding: "utf8" });
      const metrics = execFileSync("cat", [join(root, "var/lib/node_exporter/textfile/hft_latency.prom")], { encoding: "utf8" });
      const dropIn = execFileSync("sh", ["-c", `cat ${join(root, "etc/eks/nodeadm.d/90-hft-latency-verified.yaml")} 2>/dev/null || true`], { encoding: "utf8" });
      return { out, metrics, dropIn };
    };
    const good = node(true);
    expect(good.metrics).toMatch(/hft_node_latency_check\{check="irq_affinity"\} 1/);
    expect(good.metrics).not.toMatch(/\} 0$/m);
    expect(good.dropIn).toContain("--node-labels=hft-platform/latency-verified=true");
    const bad = node(false);
    for (const check of ["kernel_cmdline", "isolated_cpus", "irq_affinity", "transparent_hugepages"]) expect(bad.metrics).toContain(`hft_node_latency_check{check="${check}"} 0`);
    expect(bad.metrics).toContain('hft_node_latency_check{check="cpu_manager"} 1');
    expect(bad.dropIn).toBe("");
    expect(bad.out).toContain("check kernel_cmdline failed");
  });
});

describe("prod engine placement and locality", () => {
  const enginePod = () => inv.k8s("kubernetes:apps/v1:StatefulSet", "trading-engine").spec.template.spec;

  it("requires the verified label of the engine node", () => {
    expect(enginePod().affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms).toEqual([
      { matchExpressions: [{ key: "hft-platform/latency-verified", operator: "In", values: ["true"] }] },
    ]);
  });

  it("prefers the engine's zone for the Redis master and the database's first instance", () => {
    const engineSubnet = inv.all("aws:ec2/subnet:Subnet").find((s) => s.name.endsWith("-private-0"))!;
    const zone = (engineSubnet.inputs as any).availabilityZone;
    const preference = { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, preference: { matchExpressions: [{ key: "topology.kubernetes.io/zone", operator: "In", values: [zone] }] } }] };
    expect(inv.k8s("kubernetes:apps/v1:StatefulSet", "redis").spec.template.spec.affinity.nodeAffinity).toEqual(preference);
    const cluster = inv.all("kubernetes:postgresql.cnpg.io/v1:Cluster")[0].inputs as any;
    expect(cluster.spec.affinity.nodeAffinity).toEqual(preference);
  });

  it("alerts on a failed node check, an unverified node and a primary outside the engine's zone", () => {
    const rule = inv.k8s("kubernetes:monitoring.coreos.com/v1:PrometheusRule", "trading-engine-latency-path");
    const alerts = Object.fromEntries(rule.spec.groups[0].rules.map((r: any) => [r.alert, r]));
    expect(alerts.EngineNodeLatencyCheckFailed.expr).toBe("hft_node_latency_check == 0");
    expect(alerts.EngineNodeLatencyCheckFailed.annotations.description).toContain("{{ $labels.node }} fails its check {{ $labels.check }}");
    expect(alerts.RedisMasterOutsideEngineZone.expr).toContain('redis_instance_info{namespace="hft-cache", role="master"}');
    expect(alerts.TimescaleDbPrimaryOutsideEngineZone.expr).toContain('cnpg_pg_replication_in_recovery{namespace="hft-data"} == 0');
    const values = inv.one("kubernetes:helm.sh/v4:Chart", "kube-prometheus-stack").inputs.values as any;
    expect(values["prometheus-node-exporter"].extraArgs).toContain("--collector.textfile.directory=/host/root/var/lib/node_exporter/textfile");
    expect(values["kube-state-metrics"].metricLabelsAllowlist).toEqual(["nodes=[topology.kubernetes.io/zone,node-type,hft-platform/latency-verified]"]);
  });
});
