import { beforeAll, describe, expect, it } from "vitest";
import { runStack, StackRun } from "../tools/harness";
import { Inventory, userDataParts } from "./inventory";

let run: StackRun;
let inv: Inventory;

beforeAll(async () => {
  run = await runStack("prod");
  inv = new Inventory(run.inventory);
});

describe("prod network", () => {
  it("spreads tagged public and private subnets over 3 zones", () => {
    const subnets = inv.all("aws:ec2/subnet:Subnet").map((s) => s.inputs as any);
    const pub = subnets.filter((s) => s.tags["kubernetes.io/role/elb"] === "1");
    const priv = subnets.filter((s) => s.tags["kubernetes.io/role/internal-elb"] === "1");
    expect(pub.map((s) => s.availabilityZone)).toEqual(["us-east-1a", "us-east-1b", "us-east-1c"]);
    expect(priv.map((s) => s.availabilityZone)).toEqual(["us-east-1a", "us-east-1b", "us-east-1c"]);
    expect(priv.map((s) => s.cidrBlock)).toEqual(["10.30.0.0/19", "10.30.32.0/19", "10.30.64.0/19"]);
    expect(pub.map((s) => s.cidrBlock)).toEqual(["10.30.192.0/22", "10.30.196.0/22", "10.30.200.0/22"]);
    for (const s of [...pub, ...priv]) expect(s.tags["kubernetes.io/cluster/hft-prod"]).toBe("shared");
    expect(pub.every((s) => s.mapPublicIpOnLaunch === false)).toBe(true);
  });

  it("gives the control plane a /28 per zone of its own, the cluster's only subnets: no node or pod shares its addresses", () => {
    const controlPlane = inv.all("aws:ec2/subnet:Subnet").filter((s) => s.name.includes("control-plane"));
    expect(controlPlane.map((s) => (s.inputs as any).cidrBlock)).toEqual(["10.30.224.0/28", "10.30.224.16/28", "10.30.224.32/28"]);
    // No load balancer is placed there: the subnets carry no elb role tag.
    for (const s of controlPlane) expect(Object.keys((s.inputs as any).tags).filter((k) => k.startsWith("kubernetes.io/"))).toEqual([]);
    const cluster = inv.one("eks:index:Cluster", "hft").inputs as any;
    expect(cluster.publicSubnetIds).toBeUndefined();
    expect(cluster.privateSubnetIds).toBeUndefined();
    expect(cluster.subnetIds).toHaveLength(3);
  });

  it("gives every zone its own NAT gateway and route", () => {
    expect(inv.all("aws:ec2/natGateway:NatGateway")).toHaveLength(3);
    const privateRoutes = inv.all("aws:ec2/routeTable:RouteTable").filter((r) => r.name.includes("private"));
    const natIds = new Set(privateRoutes.map((r) => (r.inputs as any).routes[0].natGatewayId));
    expect(natIds.size).toBe(3);
  });

  it("logs all VPC traffic", () => {
    const flowLog = inv.one("aws:ec2/flowLog:FlowLog", "hft").inputs as any;
    expect(flowLog.trafficType).toBe("ALL");
    expect((inv.one("aws:cloudwatch/logGroup:LogGroup", "hft-flow-logs").inputs as any).retentionInDays).toBe(365);
  });
});

describe("prod cluster", () => {
  const cluster = () => inv.one("eks:index:Cluster", "hft").inputs as any;

  it("keeps the API endpoint private and uses access entries", () => {
    expect(cluster()).toMatchObject({
      name: "hft-prod",
      version: "1.34",
      endpointPrivateAccess: true,
      endpointPublicAccess: false,
      authenticationMode: "API",
      skipDefaultNodeGroup: true,
      createOidcProvider: true,
    });
    expect(cluster().publicAccessCidrs).toBeUndefined();
    const nodeRole = inv.one("aws:iam/role:Role", "hft-node");
    expect(cluster().accessEntries.nodes).toEqual({ principalArn: expect.stringMatching(/:role\/hft-node-/), type: "EC2_LINUX" });
    expect(JSON.parse((nodeRole.inputs as any).assumeRolePolicy).Statement[0].Principal.Service).toBe("ec2.amazonaws.com");
  });

  it("logs every control-plane log type and encrypts secrets with a rotating KMS key", () => {
    expect(cluster().enabledClusterLogTypes).toEqual(["api", "audit", "authenticator", "controllerManager", "scheduler"]);
    const key = inv.one("aws:kms/key:Key", "hft-secrets");
    expect(key.inputs).toMatchObject({ enableKeyRotation: true, deletionWindowInDays: 30 });
    expect(key).toMatchObject({ protect: true, retainOnDelete: true });
    expect(cluster().encryptionConfigKeyArn).toMatch(/^arn:aws:kms:us-east-1:\d{12}:key\//);
  });

  it("protects the EKS cluster (and, by inheritance, its control plane) from deletion", () => {
    expect(inv.one("eks:index:Cluster", "hft").protect).toBe(true);
  });

  it("turns on NetworkPolicy enforcement in the VPC CNI", () => {
    expect(cluster().vpcCniOptions).toMatchObject({ addonVersion: "v1.20.4-eksbuild.1", enableNetworkPolicy: true });
    expect(cluster().kubeProxyAddonOptions).toMatchObject({ enabled: true, version: "v1.34.1-eksbuild.2" });
  });

  it("installs the managed addons at pinned versions, CSI drivers with pod-identity roles", () => {
    const addons = Object.fromEntries(inv.all("aws:eks/addon:Addon").map((a) => [(a.inputs as any).addonName, a.inputs as any]));
    expect(Object.keys(addons).sort()).toEqual(["aws-ebs-csi-driver", "aws-efs-csi-driver", "coredns", "eks-pod-identity-agent", "metrics-server"]);
    expect(addons.coredns.addonVersion).toBe("v1.12.4-eksbuild.1");
    expect(addons["metrics-server"].addonVersion).toBe("v0.8.0-eksbuild.2");
    expect(addons["eks-pod-identity-agent"].addonVersion).toBe("v1.3.9-eksbuild.3");
    expect(addons["aws-ebs-csi-driver"].podIdentityAssociations).toEqual([
      { roleArn: expect.stringMatching(/:role\/hft-ebs-csi-/), serviceAccount: "ebs-csi-controller-sa" },
    ]);
    expect(addons["aws-efs-csi-driver"].podIdentityAssociations).toEqual([
      { roleArn: expect.stringMatching(/:role\/hft-efs-csi-/), serviceAccount: "efs-csi-controller-sa" },
    ]);
    const ebsRole = inv.one("aws:iam/role:Role", "hft-ebs-csi").inputs as any;
    expect(JSON.parse(ebsRole.assumeRolePolicy).Statement[0]).toMatchObject({
      Principal: { Service: "pods.eks.amazonaws.com" },
      Action: ["sts:AssumeRole", "sts:TagSession"],
    });
    const attachments = inv.all("aws:iam/rolePolicyAttachment:RolePolicyAttachment").map((a) => (a.inputs as any).policyArn);
    expect(attachments).toContain("arn:aws:iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy");
    expect(attachments).toContain("arn:aws:iam::aws:policy/service-role/AmazonEFSCSIDriverPolicy");
  });
});

describe("prod node groups", () => {
  const engine = () => inv.one("aws:eks/nodeGroup:NodeGroup", "hft-engine").inputs as any;
  const engineTemplate = () => inv.one("aws:ec2/launchTemplate:LaunchTemplate", "hft-engine");

  it("runs the engine on c6i.metal nodes reserved by label and taint", () => {
    expect(engine().instanceTypes).toEqual(["c6i.metal"]);
    expect(engine().labels).toEqual({ "node-type": "high-performance" });
    expect(engine().taints).toEqual([{ key: "node-type", value: "high-performance", effect: "NO_SCHEDULE" }]);
    expect(engine().scalingConfig).toEqual({ minSize: 5, desiredSize: 5, maxSize: 5 });
    expect(engine().subnetIds).toHaveLength(1);
    expect(engine().launchTemplate.id).toMatch(/^lt-/);
  });

  it("places engine nodes in a cluster placement group with IMDSv2 and encrypted gp3 roots", () => {
    const placement = inv.one("aws:ec2/placementGroup:PlacementGroup", "hft-engine").inputs as any;
    expect(placement.strategy).toBe("cluster");
    const lt = engineTemplate().inputs as any;
    expect(lt.placement.groupName).toMatch(/^hft-engine/);
    expect(lt.metadataOptions).toEqual({ httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: 1 });
    expect(lt.blockDeviceMappings[0].ebs).toMatchObject({ volumeType: "gp3", encrypted: "true", volumeSize: 200 });
    expect(lt.imageId).toMatch(/^ami-/);
  });

  it("tunes the kubelet for pinned, NUMA-aligned cores in the bootstrap NodeConfig", () => {
    const { nodeConfig } = userDataParts(engineTemplate());
    expect(nodeConfig.spec.cluster).toMatchObject({ name: "hft-prod", cidr: "172.20.0.0/16" });
    expect(nodeConfig.spec.cluster.apiServerEndpoint).toMatch(/^https:\/\/.+\.eks\.amazonaws\.com$/);
    expect(nodeConfig.spec.cluster.certificateAuthority).toMatch(/^[A-Za-z0-9+/=]{40,}$/);
    expect(nodeConfig.spec.kubelet.config).toMatchObject({
      cpuManagerPolicy: "static",
      cpuManagerPolicyOptions: { "full-pcpus-only": "true" },
      reservedSystemCPUs: "0-1,32-33,64-65,96-97",
      kubeReservedCgroup: "",
      systemReservedCgroup: "",
      topologyManagerPolicy: "single-numa-node",
    });
    expect(nodeConfig.spec.kubelet.flags).toEqual([
      "--node-labels=node-type=high-performance",
      "--register-with-taints=node-type=high-performance:NoSchedule",
    ]);
  });

  it("pins engine memory to its NUMA node: Memory Manager Static, reservedMemory per NUMA node of c6i.metal", () => {
    const kubelet = userDataParts(engineTemplate()).nodeConfig.spec.kubelet.config;
    expect(kubelet.memoryManagerPolicy).toBe("Static");
    // nodeadm's own formula for c6i.metal's 737 pods (11 × 737 + 255 MiB), written out, plus 1 GiB for the OS.
    expect(kubelet.kubeReserved).toEqual({ memory: "8362Mi", "ephemeral-storage": "1Gi" });
    expect(kubelet.systemReserved).toEqual({ memory: "1024Mi" });
    expect(kubelet.evictionHard["memory.available"]).toBe("100Mi");
    // Two sockets, two NUMA nodes; the kubelet starts only if they add up to 8362 + 1024 + 100 MiB.
    expect(kubelet.reservedMemory).toEqual([
      { numaNode: 0, limits: { memory: "4743Mi" } },
      { numaNode: 1, limits: { memory: "4743Mi" } },
    ]);
  });

  it("preallocates hugepages, sets low-latency sysctls and disables THP at boot", () => {
    const { script } = userDataParts(engineTemplate());
    expect(script).toBeDefined();
    expect(script).toContain("vm.nr_hugepages = 16384");
    expect(script).toContain("net.core.busy_poll = 50");
    expect(script).toContain("net.core.rmem_max = 16777216");
    // Per-network-namespace settings would stop at the node's namespace: not set there.
    expect(script).not.toContain("somaxconn");
    expect(script).toContain("echo never > /sys/kernel/mm/transparent_hugepage/enabled");
    expect(script).toMatch(/^#!\/bin\/bash\nset -euo pipefail/);
  });

  it("syncs the engine nodes' clocks to the Amazon Time Sync Service over NTP: c6i is not a PTP hardware clock family", () => {
    const { timeSync } = userDataParts(engineTemplate());
    expect(timeSync).toContain("cat > /etc/chrony.conf <<'CHRONY'\n# hft-platform node bootstrap");
    expect(timeSync).toContain("\nserver 169.254.169.123 prefer iburst minpoll 4 maxpoll 4\n");
    expect(timeSync).not.toContain("refclock");
    expect(timeSync).toContain("makestep 1.0 3");
    expect(timeSync).toMatch(/systemctl enable chronyd\nsystemctl restart chronyd\s*$/);
  });

  it("keeps system nodes general-purpose, untainted and spread over every zone", () => {
    const system = inv.one("aws:eks/nodeGroup:NodeGroup", "hft-system").inputs as any;
    expect(system.instanceTypes).toEqual(["m6i.4xlarge"]);
    expect(system.taints).toEqual([]);
    expect(system.subnetIds).toHaveLength(3);
    const lt = inv.one("aws:ec2/launchTemplate:LaunchTemplate", "hft-system");
    expect((lt.inputs as any).placement).toBeUndefined();
    expect((lt.inputs as any).metadataOptions.httpTokens).toBe("required");
    const { nodeConfig, script, timeSync } = userDataParts(lt);
    expect(nodeConfig.spec.kubelet.config).toBeUndefined();
    expect(script).toBeUndefined();
    // m6i has no PTP hardware clock: the Amazon Time Sync Service's link-local NTP endpoint.
    expect(timeSync).toContain("server 169.254.169.123 prefer iburst minpoll 4 maxpoll 4");
  });
});

describe("prod storage", () => {
  it("creates fast-ssd as gp3 at 16000 IOPS / 1000 MiB/s, encrypted with the cluster key, retained", () => {
    const sc = inv.k8s("kubernetes:storage.k8s.io/v1:StorageClass", "fast-ssd");
    expect(sc.provisioner).toBe("ebs.csi.aws.com");
    expect(sc.parameters).toMatchObject({ type: "gp3", iops: "16000", throughput: "1000", encrypted: "true" });
    expect(sc.parameters.kmsKeyId).toMatch(/^arn:aws:kms:/);
    expect(sc).toMatchObject({ reclaimPolicy: "Retain", volumeBindingMode: "WaitForFirstConsumer", allowVolumeExpansion: true });
    expect(sc.metadata.annotations["storageclass.kubernetes.io/is-default-class"]).toBe("false");
  });

  it("makes a baseline gp3 class the cluster default", () => {
    const sc = inv.k8s("kubernetes:storage.k8s.io/v1:StorageClass", "gp3");
    expect(sc.metadata.annotations["storageclass.kubernetes.io/is-default-class"]).toBe("true");
    expect(sc.parameters).toMatchObject({ type: "gp3", iops: "3000", throughput: "125", encrypted: "true" });
  });

  it("creates an encrypted, protected, backed-up EFS with a mount target per private subnet", () => {
    const fs = inv.one("aws:efs/fileSystem:FileSystem", "hft");
    expect(fs.inputs).toMatchObject({ encrypted: true, throughputMode: "elastic" });
    expect((fs.inputs as any).kmsKeyId).toMatch(/^arn:aws:kms:/);
    expect(fs).toMatchObject({ protect: true, retainOnDelete: true });
    expect((inv.one("aws:efs/backupPolicy:BackupPolicy", "hft").inputs as any).backupPolicy.status).toBe("ENABLED");
    const privateSubnetIds = new Set(run.inventory.filter((r) => r.type === "aws:ec2/subnet:Subnet" && r.name.includes("private")).map((r) => r.urn));
    expect(privateSubnetIds.size).toBe(3);
    expect(inv.all("aws:efs/mountTarget:MountTarget")).toHaveLength(3);
  });

  it("opens NFS to the nodes' security group only", () => {
    const all = inv.all("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule").map((r) => r.inputs as any);
    const efsSecurityGroup = (inv.all("aws:efs/mountTarget:MountTarget")[0].inputs as any).securityGroups[0];
    const rules = all.filter((r) => r.securityGroupId === efsSecurityGroup);
    expect(rules).toHaveLength(1);
    // The only other way in anywhere: the CI runner to the Kubernetes API (test/ci-runner.shared.ts).
    expect(all.filter((r) => r.securityGroupId !== efsSecurityGroup)).toEqual([
      expect.objectContaining({ fromPort: 443, toPort: 443, description: "Kubernetes API from the hft-prod-ci-runner CI runner" }),
    ]);
    expect(rules[0]).toMatchObject({ ipProtocol: "tcp", fromPort: 2049, toPort: 2049 });
    expect(rules[0].referencedSecurityGroupId).toMatch(/^sg-/);
    expect(rules[0].cidrIpv4).toBeUndefined();
  });

  it("creates efs-sc provisioning an access point per claim", () => {
    const sc = inv.k8s("kubernetes:storage.k8s.io/v1:StorageClass", "efs-sc");
    expect(sc.provisioner).toBe("efs.csi.aws.com");
    expect(sc.parameters).toMatchObject({ provisioningMode: "efs-ap", fileSystemId: expect.stringMatching(/^fs-/), uid: "1000", gid: "1000" });
    expect(sc.reclaimPolicy).toBe("Retain");
  });
});

describe("prod outputs", () => {
  it("exports the cluster, VPC and storage handles, with the kubeconfig as a secret", () => {
    expect(run.outputs).toMatchObject({
      clusterName: "hft-prod",
      vpcId: expect.stringMatching(/^vpc-/),
      efsFileSystemId: expect.stringMatching(/^fs-/),
      storageClasses: { fastSsd: "fast-ssd", gp3: "gp3", sharedFilesystem: "efs-sc" },
    });
    const provider = run.inventory.find((r) => r.type === "pulumi:providers:kubernetes");
    expect(provider?.inputs.kubeconfig).toBe("[secret]");
  });
});

describe("prod workload wiring", () => {
  const engineSpec = () => inv.k8s("kubernetes:apps/v1:StatefulSet", "trading-engine").spec.template.spec;

  it("puts the engine in a restricted namespace with default deny", () => {
    const ns = inv.k8s("kubernetes:core/v1:Namespace", "hft-trading");
    expect(ns.metadata.labels["pod-security.kubernetes.io/enforce"]).toBe("restricted");
    const denies = inv.all("kubernetes:networking.k8s.io/v1:NetworkPolicy").map((p) => p.inputs as any).filter((p) => p.metadata.name === "default-deny");
    const namespaces = inv.all("kubernetes:core/v1:Namespace").map((n) => (n.inputs as any).metadata.name);
    // Every namespace the platform creates denies all traffic by default.
    expect(denies.map((p) => p.metadata.namespace).sort()).toEqual(namespaces.sort());
    expect(denies.find((p) => p.metadata.namespace === "hft-trading").spec).toEqual({ podSelector: {}, policyTypes: ["Ingress", "Egress"] });
  });

  it("reads Redis and TimescaleDB credentials from the client Secrets their components put next to it", () => {
    const env = engineSpec().containers.find((c: any) => c.name === "trading-engine").env;
    const refs = env.filter((e: any) => e.valueFrom?.secretKeyRef).map((e: any) => e.valueFrom.secretKeyRef.name);
    const secretsInNamespace = inv
      .all("kubernetes:core/v1:Secret")
      .map((s) => (s.inputs as any).metadata)
      .filter((m) => m.namespace === "hft-trading")
      .map((m) => m.name);
    for (const ref of refs) expect(secretsInNamespace).toContain(ref);
    for (const name of secretsInNamespace) expect(inv.k8s("kubernetes:core/v1:Secret", name).stringData).toBe("[secret]");
  });

  it("waits for the real Redis and TimescaleDB services and allows egress to their pods", () => {
    const wait = engineSpec().initContainers[0].command[2];
    expect(wait).toContain("redis.hft-cache.svc.cluster.local 6379");
    expect(wait).toContain("timescaledb-rw.hft-data.svc.cluster.local 5432");
    const egress = inv.k8s("kubernetes:networking.k8s.io/v1:NetworkPolicy", "trading-engine-egress").spec.egress;
    expect(egress[1].ports.map((p: any) => p.port)).toEqual([6379, 26379]);
    expect(egress[2].to[0].podSelector.matchLabels).toEqual({ "cnpg.io/cluster": "timescaledb" });
  });

  it("writes no generated secret anywhere in the inventory", () => {
    expect(run.generatedSecrets.length).toBeGreaterThan(4);
    const everything = JSON.stringify(run.inventory);
    for (const value of run.generatedSecrets) expect(everything).not.toContain(value);
  });
});
