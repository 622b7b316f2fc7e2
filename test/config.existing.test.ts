import { describe, expect, it } from "vitest";
import { isKubeconfigPath, parsePlatformConfig } from "../components/config";
import { eksConfig, existingConfig, expectRejected, problems, stackConfig } from "./stack-config";

describe("cluster mode", () => {
  it("refuses production on an existing cluster, which has no database backups", () => {
    expectRejected("local", { tier: "production" }, "tier", /development with clusterMode "existing": production needs TimescaleDB backups/);
  });

  it("reads the local stack as an existing cluster reached through the kind-hft context", () => {
    const local = existingConfig("local");
    expect(local.existingCluster).toEqual({
      kubeconfig: { context: "kind-hft" },
      kubernetesVersion: "1.34",
      zones: 1,
      nodeCidr: "172.18.0.0/16",
      serviceCidr: "10.96.0.0/16",
      apiServerPort: 6443,
      podCidr: "10.244.0.0/16",
      engineNode: {
        count: 1,
        cpus: 8,
        memoryGiB: 16,
        reservedSystemCpus: "0-1",
        hugepages2Mi: 512,
        kernel: { busyPollUs: 50, socketBufferBytes: 16777216 },
      },
      storageClasses: { fastSsd: "standard", gp3: "standard", sharedFilesystem: "standard" },
      referenceDataAccessMode: "ReadWriteOnce",
    });
    // No S3 and no pod identity: no backups, and no plugin charts to pin.
    expect(local.timescaledb.backup).toBeUndefined();
    expect(local.timescaledb.charts).toEqual({ cloudnativePg: "0.29.0" });
    // No NLB scheme: the cluster's own load balancer serves the engine.
    expect(local.engine.exposure).toEqual({ sourceRanges: ["172.18.0.0/16"], targetType: "instance" });
    expect(local).toMatchObject({ engine: { replicas: 1, maxReplicas: 1 }, redis: { replicas: 1 }, timescaledb: { instances: 1 }, monitoring: { prometheus: { retention: "2d" } } });
    expect(local.renderYamlToDirectory).toBeUndefined();
  });

  it("defaults to eks, so stack files without clusterMode keep working", () => {
    const dev = eksConfig("dev", { clusterMode: undefined });
    expect(dev.clusterMode).toBe("eks");
    expect(dev).toEqual(eksConfig("dev"));
    expect(dev.timescaledb.backup.retention).toBe("7d");
    expectRejected("dev", { clusterMode: "gke" }, "clusterMode", /one of eks, existing/);
  });

  it("rejects every EKS-only section in existing mode, saying what replaces it", () => {
    const dev = stackConfig("dev");
    const local = stackConfig("local");
    const withEksSections = Object.fromEntries(["network", "cluster", "systemNodes", "engineNodes", "storage"].map((key) => [key, dev[key]]));
    const found = problems("local", withEksSections);
    expect(found).toHaveLength(5);
    const line = (key: string) => found.find((p) => p.startsWith(`hft-platform:${key}:`));
    for (const key of Object.keys(withEksSections)) {
      expect(line(key)).toMatch(/: not allowed: EKS-only: with clusterMode "existing" no AWS resource is created; .*\(remove it from Pulumi\.local\.yaml\)$/);
    }
    expect(line("storage")).toContain("existingCluster.storageClasses");
    expect(line("engineNodes")).toContain("existingCluster.engineNode");
    expect(line("network")).toContain("existingCluster.nodeCidr");
    expect(line("cluster")).toContain("existingCluster.kubeconfig");
    // ...and the existing-mode section in eks mode.
    expectRejected("dev", { existingCluster: local.existingCluster }, "existingCluster", /not allowed: only with clusterMode "existing"/);
  });

  it("rejects backup settings without S3 and EKS Pod Identity", () => {
    const dev = stackConfig("dev") as any;
    expectRejected("local", { "timescaledb.backup": dev.timescaledb.backup }, "timescaledb.backup", /not allowed: none with clusterMode "existing": backups go to S3 through EKS Pod Identity.*add object storage yourself/);
    expectRejected("local", { "timescaledb.charts.barmanCloud": "0.7.0" }, "timescaledb.charts.barmanCloud", /only installed for backups/);
    // eks mode still requires them.
    expectRejected("dev", { "timescaledb.backup": undefined }, "timescaledb.backup", /missing/);
    expectRejected("dev", { "timescaledb.charts.barmanCloud": undefined }, "timescaledb.charts.barmanCloud", /exact chart version/);
  });
});

describe("existing cluster: storage classes", () => {
  it("names each missing mapping, the stack file and what the class is for", () => {
    expectRejected("local", { "existingCluster.storageClasses.fastSsd": undefined }, "existingCluster.storageClasses.fastSsd", /missing; allowed: the StorageClass for latency-sensitive block volumes \(engine logs and data, Redis, TimescaleDB data and WAL, Prometheus\)/);
    expectRejected("local", { "existingCluster.storageClasses.gp3": undefined }, "existingCluster.storageClasses.gp3", /missing; allowed: the StorageClass for general-purpose block volumes \(Alertmanager\)/);
    expectRejected(
      "local",
      { "existingCluster.storageClasses.sharedFilesystem": undefined },
      "existingCluster.storageClasses.sharedFilesystem",
      /missing; allowed: the StorageClass of the engine's reference data, which every engine pod mounts: ReadWriteMany/,
    );
    // Without the section every role is named, not just the section.
    const found = problems("local", { "existingCluster.storageClasses": undefined });
    expect(found.map((p) => p.split(":")[1])).toEqual(["existingCluster.storageClasses.fastSsd", "existingCluster.storageClasses.gp3", "existingCluster.storageClasses.sharedFilesystem"]);
  });

  it("takes Kubernetes object names only, and no unknown roles", () => {
    expectRejected("local", { "existingCluster.storageClasses.fastSsd": "Fast SSD" }, "existingCluster.storageClasses.fastSsd", /StorageClass/);
    expectRejected("local", { "existingCluster.storageClasses.efs": "nfs-client" }, "existingCluster.storageClasses.efs", /unknown key; allowed keys here: fastSsd, gp3, sharedFilesystem/);
    expect(problems("local", { "existingCluster.storageClasses.sharedFilesystem": "nfs-client", "existingCluster.referenceDataAccessMode": "ReadWriteMany" })).toEqual([]);
  });

  it("mounts reference data ReadWriteOnce only while one engine pod can run", () => {
    const multi = { "engine.maxReplicas": 2, "existingCluster.engineNode.count": 2, "engine.quota.persistentVolumeClaims": 5, "engine.quota.cpu": "8", "engine.quota.memory": "8Gi" };
    expectRejected("local", multi, "existingCluster.referenceDataAccessMode", /ReadWriteMany while engine\.maxReplicas is 2: engine pods run one per node/);
    expect(problems("local", { ...multi, "existingCluster.referenceDataAccessMode": "ReadWriteMany", "existingCluster.storageClasses.sharedFilesystem": "nfs-client" })).toEqual([]);
    expectRejected("local", { "existingCluster.referenceDataAccessMode": "ReadOnlyMany" }, "existingCluster.referenceDataAccessMode", /one of ReadWriteMany, ReadWriteOnce/);
    expect(existingConfig("local", { "existingCluster.referenceDataAccessMode": undefined, "existingCluster.storageClasses.sharedFilesystem": "nfs-client" }).existingCluster.referenceDataAccessMode).toBe("ReadWriteMany");
  });
});

describe("existing cluster: kubeconfig", () => {
  it("takes a path and/or a context, or nothing for KUBECONFIG / ~/.kube/config", () => {
    expect(existingConfig("local", { "existingCluster.kubeconfig": { path: "~/.kube/kind-hft.yaml", context: "kind-hft" } }).existingCluster.kubeconfig).toEqual({
      path: "~/.kube/kind-hft.yaml",
      context: "kind-hft",
    });
    expect(existingConfig("local", { "existingCluster.kubeconfig": { path: "./kubeconfig-hft.yaml" } }).existingCluster.kubeconfig).toEqual({ path: "./kubeconfig-hft.yaml" });
    expect(existingConfig("local", { "existingCluster.kubeconfig": undefined }).existingCluster.kubeconfig).toEqual({});
    expect(existingConfig("local", { "existingCluster.kubeconfig": {} }).existingCluster.kubeconfig).toEqual({});
  });

  it("refuses the kubeconfig's contents in the stack file", () => {
    const yaml = "apiVersion: v1\nkind: Config\nclusters:\n- name: kind-hft\n";
    expectRejected("local", { "existingCluster.kubeconfig.path": yaml }, "existingCluster.kubeconfig.path", /a path to a kubeconfig file.*never the file's contents, which carry credentials/);
    expectRejected("local", { "existingCluster.kubeconfig.path": '{"apiVersion":"v1","kind":"Config"}' }, "existingCluster.kubeconfig.path", /never the file's contents/);
    // A YAML mapping pasted under path arrives as an object.
    expectRejected("local", { "existingCluster.kubeconfig.path": { apiVersion: "v1", kind: "Config" } }, "existingCluster.kubeconfig.path", /never the file's contents/);
    expectRejected("local", { "existingCluster.kubeconfig.contents": yaml }, "existingCluster.kubeconfig.contents", /unknown key; allowed keys here: path, context/);
    expectRejected("local", { "existingCluster.kubeconfig.context": "kind hft" }, "existingCluster.kubeconfig.context", /name of a context/);
  });

  it("recognises paths", () => {
    for (const path of ["~/.kube/config", "/etc/kubernetes/admin.conf", "kubeconfig", "C:\\Users\\me\\.kube\\config"]) expect(isKubeconfigPath(path), path).toBe(true);
    for (const contents of ["apiVersion: v1", "line\nbreak", "  {", "[]", "token: abc"]) expect(isKubeconfigPath(contents), contents).toBe(false);
  });
});

describe("existing cluster: what the workloads' checks need instead of the EKS sections", () => {
  it("sizes the engine against existingCluster.engineNode", () => {
    // 8 CPUs, 2 reserved: 6 unreserved, one kept for the sidecar and daemons.
    expectRejected("local", { "engine.cpu": 6 }, "engine.cpu", /a whole number of CPUs from 1 to 5: leaving room for the log shipper \(engine\.logShipper\.cpu\) in existingCluster\.engineNode's 6 CPUs outside existingCluster\.engineNode\.reservedSystemCpus/);
    expectRejected("local", { "engine.memory": "9Gi" }, "engine.memory", /half of existingCluster\.engineNode's memory/);
    expectRejected("local", { "engine.hugepages": "2Gi" }, "engine.hugepages", /existingCluster\.engineNode\.hugepages2Mi × 2Mi = 1024Mi per node/);
    expectRejected("local", { "engine.maxReplicas": 2 }, "engine.maxReplicas", /at most existingCluster\.engineNode\.count \(1\): engine pods never share a node/);
    expectRejected("local", { "existingCluster.engineNode.reservedSystemCpus": "0-8" }, "existingCluster.engineNode.reservedSystemCpus", /CPUs below 8 on existingCluster\.engineNode/);
    expectRejected("local", { "existingCluster.engineNode.hugepages2Mi": 4097 }, "existingCluster.engineNode.hugepages2Mi", /at most 4096 \(half of existingCluster\.engineNode's 16 GiB\)/);
    expectRejected("local", { "existingCluster.engineNode.kernel": { busyPollUs: 5000 } }, "existingCluster.engineNode.kernel.busyPollUs", /0 to 1000/);
    expectRejected("local", { "existingCluster.engineNode.count": 0 }, "existingCluster.engineNode.count", /labelled and tainted node-type=high-performance/);
  });

  it("checks TimescaleDB against existingCluster.zones and existingCluster.kubernetesVersion", () => {
    expectRejected(
      "local",
      { "timescaledb.instances": 2, "timescaledb.antiAffinity": { type: "required", topologyKey: "topology.kubernetes.io/zone" } },
      "timescaledb.instances",
      /at most existingCluster\.zones \(1\) with required zone anti-affinity/,
    );
    const extensionImage = {
      "timescaledb.image": "ghcr.io/cloudnative-pg/postgresql:18.4-minimal-trixie",
      "timescaledb.postgresUid": 26,
      "timescaledb.timescaledbExtensionImage": "ghcr.io/cloudnative-pg/timescaledb-oss:2.29.2-18-trixie",
      "timescaledb.timescaledbVersion": "2.29.2",
    };
    expectRejected("local", extensionImage, "timescaledb.timescaledbExtensionImage", /existingCluster\.kubernetesVersion is 1\.34/);
    expect(problems("local", { ...extensionImage, "existingCluster.kubernetesVersion": "1.35" })).toEqual([]);
  });

  it("validates the cluster's ranges, API server port and version", () => {
    expectRejected("local", { "existingCluster.serviceCidr": "172.18.0.0/20" }, "existingCluster.serviceCidr", /does not overlap existingCluster\.nodeCidr 172\.18\.0\.0\/16/);
    expectRejected("local", { "existingCluster.nodeCidr": "172.18.0.1/16" }, "existingCluster.nodeCidr", /no host bits/);
    expectRejected("local", { "existingCluster.apiServerPort": 0 }, "existingCluster.apiServerPort", /kubeadm and kind: 6443/);
    expect(existingConfig("local", { "existingCluster.apiServerPort": undefined }).existingCluster.apiServerPort).toBe(6443);
    expectRejected("local", { "existingCluster.kubernetesVersion": "1.29" }, "existingCluster.kubernetesVersion", /quoted Kubernetes minor version from "1\.31" to "1\.35"/);
    expectRejected("local", { "existingCluster.kubernetesVersion": "1.99" }, "existingCluster.kubernetesVersion", /from "1\.31" to "1\.35"/);
    expectRejected("local", { "existingCluster.zones": undefined }, "existingCluster.zones", /1 for kind/);
    expectRejected("local", { existingCluster: undefined }, "existingCluster", /missing; allowed: an object with keys kubeconfig/);
  });

  it("lets an AWS cluster managed elsewhere ask for an NLB scheme, and requires it on EKS", () => {
    expect(existingConfig("local", { "engine.exposure.internal": true }).engine.exposure).toEqual({ internal: true, sourceRanges: ["172.18.0.0/16"], targetType: "instance" });
    expectRejected("dev", { "engine.exposure.internal": undefined }, "engine.exposure.internal", /true or false/);
  });
});

describe("GitOps export switch", () => {
  it("takes a directory below the project", () => {
    expect(parsePlatformConfig(stackConfig("local", { renderYamlToDirectory: "gitops/local" }), "local").renderYamlToDirectory).toBe("gitops/local");
    expect(eksConfig("dev", { renderYamlToDirectory: "gitops/dev/" }).renderYamlToDirectory).toBe("gitops/dev/");
    for (const bad of ["/srv/gitops", "../gitops", "gitops/../../etc", "./gitops", "git ops", ""]) {
      expectRejected("local", { renderYamlToDirectory: bad }, "renderYamlToDirectory", /a directory relative to the project, without "\.\."/);
    }
  });
});
