import { describe, expect, it } from "vitest";
import { EngineResource } from "../../tools/policy-engine";
import { K8S } from "../kubernetes";
import { allPolicies } from "../policies";
import { AWS } from "../policies/aws";
import { AWS_STORAGE } from "../policies/storage";
import * as aws from "./fixtures/aws";
import * as k from "./fixtures/kubernetes";
import { CHART_ACCESS_CASES } from "./cases/chart-access";
import { DATA_CASES } from "./cases/data-protection";
import { ENGINE_CASES } from "./cases/engine";
import { EXPOSURE_IAM_CASES } from "./cases/exposure-iam";
import { THIRD_LAYER_CASES, THIRD_LAYER_COMPLIANT_CONFIG } from "./cases/third-layer";
import { check, resource, UNKNOWN_STRING } from "./harness";

/** A compliant engine StatefulSet with one change. */
function engine(mutate: (w: any) => void): EngineResource[] {
  const w: any = k.statefulSet();
  mutate(w);
  return [k.engineResource(w)];
}

/** The engine pod's first regular container ("trading-engine"). */
const main = (w: any) => w.spec.template.spec.containers[0];
const pod = (w: any) => w.spec.template.spec;

function of(type: string, props: object, mutate: (p: any) => void = () => {}, name?: string): EngineResource[] {
  const copy: any = structuredClone(props);
  mutate(copy);
  return [resource(type, copy, name)];
}

interface Case {
  rule: string;
  compliant: () => EngineResource[];
  violating: () => EngineResource[];
  message: RegExp;
  config?: Record<string, unknown>;
}

const stackOf = (...parts: EngineResource[][]) => parts.flat();
const bucketWith = (blocks: (b: EngineResource) => EngineResource[]) => {
  const b = aws.bucket();
  return [b, ...blocks(b)];
};

const CASES: Case[] = [
  // workloads
  {
    rule: "container-resources-set",
    compliant: () => engine(() => {}),
    violating: () => engine((w) => delete pod(w).containers[1].resources.limits.memory),
    message: /container "log-shipper" has no limits\.memory/,
  },
  {
    rule: "container-resources-within-bounds",
    compliant: () => engine(() => {}),
    violating: () => engine((w) => (main(w).resources = { requests: { cpu: "24", memory: "16Gi" }, limits: { cpu: "24", memory: "16Gi" } })),
    message: /container "trading-engine": requests\.cpu 24 exceeds the stack's maximum of 16 cores/,
    config: { maxCpu: 16 },
  },
  {
    rule: "container-limits-cover-requests",
    compliant: () => of(K8S.deployment, k.deployment()),
    violating: () => of(K8S.deployment, k.deployment(), (d) => (d.spec.template.spec.containers[0].resources.requests.memory = "2Gi")),
    message: /requests\.memory 2Gi is above limits\.memory 512Mi/,
  },
  {
    rule: "engine-guaranteed-qos",
    compliant: () => engine(() => {}),
    violating: () => engine((w) => (pod(w).containers[1].resources.requests.cpu = "100m")),
    message: /container "log-shipper": requests\.cpu 100m differs from limits\.cpu 200m/,
  },
  {
    rule: "engine-whole-cpus",
    compliant: () => engine(() => {}),
    violating: () => engine((w) => (main(w).resources.requests.cpu = main(w).resources.limits.cpu = "7500m")),
    message: /container "trading-engine" requests 7500m CPUs: request a whole number/,
  },
  // security contexts
  {
    rule: "pod-run-as-non-root",
    compliant: () => engine(() => {}),
    violating: () => engine((w) => (main(w).securityContext.runAsNonRoot = false)),
    message: /container "trading-engine" may run as root/,
  },
  {
    rule: "pod-no-root-user",
    compliant: () => engine(() => {}),
    violating: () => engine((w) => (pod(w).securityContext.runAsUser = 0)),
    message: /pod securityContext sets runAsUser: 0/,
  },
  {
    rule: "container-no-privilege-escalation",
    compliant: () => engine(() => {}),
    violating: () => engine((w) => (pod(w).initContainers[0].securityContext.allowPrivilegeEscalation = true)),
    message: /init container "wait-for-dependencies" does not set allowPrivilegeEscalation: false/,
  },
  {
    rule: "container-capabilities-restricted",
    compliant: () => engine((w) => (main(w).securityContext.capabilities.add = ["NET_BIND_SERVICE"])),
    violating: () => engine((w) => (main(w).securityContext.capabilities = { drop: ["NET_RAW"], add: ["CAP_SYS_ADMIN"] })),
    message: /container "trading-engine" does not drop ALL capabilities[\s\S]*adds CAP_SYS_ADMIN: only NET_BIND_SERVICE may be added/,
  },
  {
    rule: "pod-seccomp-restricted",
    compliant: () => engine((w) => (main(w).securityContext.seccompProfile = { type: "Localhost" })),
    violating: () => engine((w) => (main(w).securityContext.seccompProfile = { type: "Unconfined" })),
    message: /container "trading-engine" runs with seccomp profile Unconfined/,
  },
  {
    rule: "container-not-privileged",
    compliant: () => engine(() => {}),
    violating: () => engine((w) => (pod(w).initContainers[0].securityContext.privileged = true)),
    message: /init container "wait-for-dependencies" is privileged/,
  },
  {
    rule: "pod-no-host-path",
    compliant: () => engine(() => {}),
    violating: () => engine((w) => pod(w).volumes.push({ name: "sys", hostPath: { path: "/sys" } })),
    message: /volume "sys" is a hostPath/,
  },
  {
    rule: "pod-no-host-namespaces",
    compliant: () => engine(() => {}),
    violating: () => engine((w) => (pod(w).hostIPC = true)),
    message: /hostIPC: true/,
  },
  {
    rule: "container-no-host-port",
    compliant: () => engine(() => {}),
    violating: () => engine((w) => (main(w).ports = [{ containerPort: 8443, hostPort: 8443 }])),
    message: /container "trading-engine" binds hostPort 8443/,
  },
  {
    rule: "pod-host-network-exception",
    compliant: () => engine((w) => (pod(w).hostNetwork = true)),
    violating: () => engine((w) => (pod(w).hostNetwork = true)),
    message: /hostNetwork in namespace "hft-trading", which is not in this rule's allowedNamespaces/,
  },
  {
    rule: "container-read-only-root-filesystem",
    compliant: () => engine(() => {}),
    violating: () => engine((w) => delete pod(w).containers[1].securityContext.readOnlyRootFilesystem),
    message: /container "log-shipper" has a writable root filesystem/,
  },
  // images
  {
    rule: "image-tag-pinned",
    compliant: () => engine((w) => (main(w).image = "registry.example.com/hft-trading-engine@sha256:" + "a".repeat(64))),
    violating: () => engine((w) => (main(w).image = "registry.example.com:5000/hft-trading-engine")),
    message: /image "registry\.example\.com:5000\/hft-trading-engine" has no tag/,
  },
  {
    rule: "image-registry-allowed",
    compliant: () => engine((w) => (main(w).image = "redis:7.4.1")),
    violating: () => engine((w) => (main(w).image = "docker.io/randomuser/redis:7.4.1")),
    message: /image "docker\.io\/randomuser\/redis:7\.4\.1" \(docker\.io\/randomuser\/redis\) is not from an allowed registry/,
    config: { allowedRegistries: ["registry.example.com", "docker.io/library", "docker.io/fluent"] },
  },
  // availability
  {
    rule: "container-probes",
    compliant: () => engine(() => {}),
    violating: () => engine((w) => delete main(w).readinessProbe),
    message: /container "trading-engine" has no readinessProbe/,
  },
  {
    rule: "workload-pdb",
    compliant: () => stackOf([k.engineResource()], [k.pdb()]),
    violating: () => stackOf([k.engineResource()], [k.pdb({ matchLabels: { "app.kubernetes.io/name": "redis" } })]),
    message: /trading-engine runs 3 replicas in namespace "hft-trading" but no PodDisruptionBudget selects its pods/,
  },
  {
    rule: "storage-class-allowed",
    compliant: () => stackOf(engine(() => {}), of(K8S.pvc, { metadata: { name: "reference" }, spec: { storageClassName: "efs-sc" } })),
    violating: () => engine((w) => (w.spec.volumeClaimTemplates[0].spec.storageClassName = "gp2")),
    message: /volumeClaimTemplate "data" uses StorageClass "gp2"/,
  },
  // network
  {
    rule: "namespace-default-deny",
    compliant: () => [k.namespace(), k.defaultDeny()],
    violating: () => [k.namespace(), k.defaultDeny(k.NS, { podSelector: {}, policyTypes: ["Ingress"] })],
    message: /namespace "hft-trading" has no default-deny NetworkPolicy/,
  },
  {
    rule: "load-balancer-nlb",
    compliant: () => of(K8S.service, k.loadBalancer({ "service.beta.kubernetes.io/aws-load-balancer-type": "external", "service.beta.kubernetes.io/aws-load-balancer-nlb-target-type": "ip" })),
    violating: () => of(K8S.service, k.loadBalancer({})),
    message: /would get a Classic Load Balancer/,
  },
  {
    rule: "load-balancer-source-ranges",
    compliant: () => of(K8S.service, k.loadBalancer()),
    violating: () => of(K8S.service, k.loadBalancer(undefined, ["10.0.0.0/8", "0.0.0.0/0"])),
    message: /loadBalancerSourceRanges includes 0\.0\.0\.0\/0/,
  },
  // secrets
  {
    rule: "env-secrets-from-refs",
    compliant: () => engine(() => {}),
    violating: () => engine((w) => main(w).env.push({ name: "DB_PASSWORD", value: "hunter2" })),
    message: /container "trading-engine" sets DB_PASSWORD to a literal value/,
  },
  {
    rule: "configmap-no-secrets",
    compliant: () => of(K8S.configMap, { metadata: { name: "cfg" }, data: { "application.yaml": "password_env: REDIS_PASSWORD", REDIS_PASSWORD_FILE: "/run/secrets/redis", API_TOKEN: "" } }),
    violating: () => of(K8S.configMap, { metadata: { name: "cfg" }, data: { "application.yaml": "x: 1", API_TOKEN: "abc123" } }),
    message: /data\.API_TOKEN looks like a credential/,
  },
  {
    rule: "helm-values-no-literal-secrets",
    compliant: () =>
      of(K8S.helmChart, { chart: "redis", values: { auth: { existingSecret: "redis-auth", existingSecretPasswordKey: "password", password: "" }, grafana: { admin: { passwordKey: "admin-password" } }, serviceAccount: { automountServiceAccountToken: false } } }),
    violating: () => of(K8S.helmChart, { chart: "redis", values: { replica: { extraEnvVars: [{ name: "REDIS_PASSWORD", value: "hunter2" }] }, grafana: { adminPassword: "prom-operator" } } }),
    message: /values\.replica\.extraEnvVars\[0\]\.value sets a credential[\s\S]*values\.grafana\.adminPassword sets a credential/,
  },
  {
    rule: "secret-values-are-pulumi-secrets",
    compliant: () => of(K8S.secret, { metadata: { name: "s" }, type: "Opaque", stringData: "[secret]", data: { token: "[secret]" } }),
    violating: () => of(K8S.secret, { metadata: { name: "s" }, type: "Opaque", stringData: { password: "hunter2", user: "[secret]" } }),
    message: /stringData\.password is not a Pulumi secret/,
  },
  // storage
  {
    rule: "storage-class-provisioner-allowed",
    compliant: () => stackOf(of(K8S.storageClass, k.gp3Class()), of(K8S.storageClass, k.efsClass())),
    violating: () => of(K8S.storageClass, { ...k.gp3Class(), provisioner: "kubernetes.io/aws-ebs" }),
    message: /provisioner kubernetes\.io\/aws-ebs is the removed in-tree driver/,
  },
  {
    rule: "ebs-storage-class-gp3-encrypted",
    compliant: () => of(K8S.storageClass, k.gp3Class()),
    violating: () => of(K8S.storageClass, k.gp3Class({ type: "gp2", encrypted: "false" })),
    message: /parameters\.type gp2 is not allowed[\s\S]*parameters\.encrypted is not "true"/,
  },
  {
    rule: "ebs-storage-class-gp3-performance",
    compliant: () => of(K8S.storageClass, k.gp3Class({ iops: "3000", throughput: "125" })),
    violating: () => of(K8S.storageClass, k.gp3Class({ iops: "3000", throughput: "1000" })),
    message: /throughput 1000 MiB\/s exceeds iops\/4 \(750\) for 3000 IOPS/,
  },
  {
    rule: "efs-encrypted",
    compliant: () => of(AWS_STORAGE.efsFileSystem, aws.efs()),
    violating: () => of(AWS_STORAGE.efsFileSystem, aws.efs(), (f) => delete f.encrypted),
    message: /not encrypted at rest/,
  },
  {
    rule: "ebs-volume-encrypted",
    compliant: () => [aws.ebsVolume()],
    violating: () => of(AWS_STORAGE.ebsVolume, aws.ebsVolume().props, (v) => (v.encrypted = false)),
    message: /the volume is not encrypted/,
  },
  {
    rule: "launch-template-ebs-encrypted",
    compliant: () => of(AWS.launchTemplate, aws.launchTemplate()),
    violating: () => of(AWS.launchTemplate, aws.launchTemplate(), (t) => (t.blockDeviceMappings[0].ebs.encrypted = "false")),
    message: /block device \/dev\/xvda has ebs.encrypted false: set ebs.encrypted: "true"/,
  },
  // aws / eks
  {
    rule: "eks-control-plane-logging",
    compliant: () => stackOf(of(AWS.eksCluster, aws.eksCluster()), of(AWS.eksComponent, aws.eksComponent())),
    violating: () => of(AWS.eksCluster, aws.eksCluster(), (c) => (c.enabledClusterLogTypes = ["api", "authenticator"])),
    message: /control-plane logging is off for audit, controllerManager, scheduler/,
  },
  {
    rule: "eks-secrets-encryption",
    compliant: () => stackOf(of(AWS.eksCluster, aws.eksCluster()), of(AWS.eksComponent, aws.eksComponent())),
    violating: () => of(AWS.eksComponent, aws.eksComponent(), (c) => delete c.encryptionConfigKeyArn),
    message: /no KMS key encrypts Kubernetes secrets/,
  },
  {
    rule: "eks-endpoint-access",
    compliant: () => stackOf(of(AWS.eksCluster, aws.eksCluster()), of(AWS.eksComponent, aws.eksComponent())),
    violating: () => of(AWS.eksCluster, aws.eksCluster(), (c) => delete c.vpcConfig.endpointPublicAccess),
    message: /the API endpoint is public: set endpointPublicAccess: false/,
    config: { requirePrivateEndpoint: true },
  },
  {
    rule: "launch-template-imdsv2",
    compliant: () => of(AWS.launchTemplate, aws.launchTemplate()),
    violating: () => of(AWS.launchTemplate, aws.launchTemplate(), (t) => (t.metadataOptions = { httpEndpoint: "enabled", httpTokens: "optional", httpPutResponseHopLimit: 3 })),
    message: /IMDSv1 is allowed[\s\S]*httpPutResponseHopLimit 3 is above 2/,
  },
  {
    rule: "engine-node-instance-types",
    compliant: () => of(AWS.nodeGroup, aws.engineNodeGroup(["c6i.metal"])),
    violating: () => of(AWS.nodeGroup, aws.engineNodeGroup(["c6i.32xlarge", "m6i.metal"])),
    message: /instance type c6i\.32xlarge is not bare metal[\s\S]*instance type m6i\.metal is not in the allowed families c6i/,
    config: { requireMetal: true },
  },
  {
    rule: "security-group-no-public-ingress",
    compliant: () =>
      stackOf(
        of(AWS.ingressRule, { securityGroupId: "sg-1", ipProtocol: "tcp", fromPort: 2049, toPort: 2049, referencedSecurityGroupId: "sg-2" }),
        of(AWS.securityGroup, { ingress: [{ protocol: "tcp", fromPort: 443, toPort: 443, cidrBlocks: ["0.0.0.0/0"] }] }),
      ),
    violating: () => of(AWS.securityGroupRule, { type: "ingress", securityGroupId: "sg-1", protocol: "tcp", fromPort: 22, toPort: 22, ipv6CidrBlocks: ["::/0"] }),
    message: /the rule admits ::\/0 on tcp 22-22: only publicPorts 443 may be public/,
    config: { publicPorts: [443] },
  },
  {
    rule: "s3-bucket-public-access-block",
    compliant: () => bucketWith((b) => [aws.onBucket(AWS.publicAccessBlock, aws.PUBLIC_ACCESS_BLOCK, b)]),
    violating: () => bucketWith((b) => [aws.onBucket(AWS.publicAccessBlock, { ...aws.PUBLIC_ACCESS_BLOCK, restrictPublicBuckets: false }, b)]),
    message: /bucket timescaledb-backups's BucketPublicAccessBlock does not set all of/,
  },
  {
    rule: "s3-bucket-encryption",
    compliant: () => bucketWith((b) => [aws.kmsKey(), aws.onBucket(AWS.encryption, aws.SSE, b, true, [aws.kmsKey()])]),
    // Named by a literal rather than the bucket's id: no dependency, so it is not counted.
    violating: () => bucketWith((b) => [aws.kmsKey(), aws.onBucket(AWS.encryption, aws.SSE, b, false, [aws.kmsKey()])]),
    message: /bucket timescaledb-backups has no server-side encryption configuration/,
  },
  {
    rule: "s3-bucket-no-public-acl",
    compliant: () => stackOf([aws.bucket({ acl: "private" })], of(AWS.bucketAclV2, { bucket: "b", acl: "private" })),
    violating: () => of(AWS.bucketAcl, { bucket: "b", accessControlPolicy: { grants: [{ grantee: { type: "Group", uri: "http://acs.amazonaws.com/groups/global/AllUsers" }, permission: "READ" }] } }),
    message: /a grant to http:\/\/acs\.amazonaws\.com\/groups\/global\/AllUsers makes the bucket public/,
  },
];

const COMPLIANT_CONFIG: Record<string, Record<string, unknown>> = {
  "pod-host-network-exception": { allowedNamespaces: ["hft-trading"] },
  ...THIRD_LAYER_COMPLIANT_CONFIG,
};

const ALL_CASES: Case[] = [...CASES, ...ENGINE_CASES, ...DATA_CASES, ...EXPOSURE_IAM_CASES, ...THIRD_LAYER_CASES, ...CHART_ACCESS_CASES];

describe("every rule has a compliant and a violating fixture", () => {
  it("covers the whole pack", () => {
    expect(ALL_CASES.map((c) => c.rule).sort()).toEqual(allPolicies.map((p) => p.name).sort());
  });

  for (const c of ALL_CASES) {
    describe(c.rule, () => {
      it("passes the compliant fixture, judging it", async () => {
        const { findings, run } = await check(c.rule, c.compliant(), { config: { ...c.config, ...COMPLIANT_CONFIG[c.rule] } });
        expect(findings).toEqual([]);
        expect(run.judged).toBeGreaterThan(0);
      });

      it("reports the violating fixture with a message saying how to fix it", async () => {
        const { findings } = await check(c.rule, c.violating(), { config: c.config });
        expect(findings.length).toBeGreaterThan(0);
        expect(findings.every((f) => f.rule === c.rule && f.level === "mandatory" && f.urn !== undefined)).toBe(true);
        expect(findings.map((f) => f.message).join("\n")).toMatch(c.message);
      });
    });
  }
});

describe("applicability", () => {
  it("a resource rule is not applicable to other types and judges nothing", async () => {
    const { findings, run } = await check("efs-encrypted", of(AWS.launchTemplate, aws.launchTemplate()));
    expect(findings).toEqual([]);
    expect(run.judged).toBe(0);
  });

  it("a stack rule is not applicable when the stack has none of its targets", async () => {
    const { run } = await check("s3-bucket-encryption", [k.namespace()]);
    expect(run.judged).toBe(0);
    expect(run.notApplicable.join()).toMatch(/no aws:s3\/bucket:Bucket/);
  });

  it("engine rules skip pods that are neither the engine nor tolerate its taint", async () => {
    const fractional: any = k.deployment();
    fractional.spec.template.spec.containers[0].resources.requests.cpu = "250m";
    const { findings, run } = await check("engine-guaranteed-qos", of(K8S.deployment, fractional));
    expect(findings).toEqual([]);
    expect(run.notApplicable.join()).toMatch(/neither the engine \(by the identity in the stack's policy config\) nor tolerating the engine taint/);
  });

  it("container-probes exempts init containers, Jobs and pods that run to completion", async () => {
    expect((await check("container-probes", engine(() => {}))).findings).toEqual([]);
    expect((await check("container-probes", of(K8S.cronJob, k.cronJob()))).run.judged).toBe(0);
    expect((await check("container-probes", [k.podResource({ ...k.appPod(), restartPolicy: "Never", containers: [k.initContainer()] })])).run.judged).toBe(0);
  });

  it("reads CronJob and bare Pod templates", async () => {
    const job: any = k.cronJob();
    job.spec.jobTemplate.spec.template.spec.containers[0].securityContext.privileged = true;
    expect((await check("container-not-privileged", of(K8S.cronJob, job))).findings[0].message).toMatch(/container "gateway" is privileged/);
    const bare = { ...k.appPod(), hostPID: true };
    expect((await check("pod-no-host-namespaces", [k.podResource(bare)])).findings[0].message).toMatch(/hostPID: true/);
  });

  it("secret-values-are-pulumi-secrets is not applicable where secretness is invisible (a real preview)", async () => {
    const plain = of(K8S.secret, { metadata: { name: "s" }, stringData: { password: "hunter2" } });
    const { findings, run } = await check("secret-values-are-pulumi-secrets", plain, { stackTags: {} });
    expect(findings).toEqual([]);
    expect(run.notApplicable.join()).toMatch(/secretness is not visible/);
  });

  it("component rules are not applicable to a component registered without inputs (pulumi/pulumi#10533)", async () => {
    for (const rule of ["eks-control-plane-logging", "eks-secrets-encryption", "eks-endpoint-access"]) {
      const { findings, run } = await check(rule, of(AWS.eksComponent, {}));
      expect(findings).toEqual([]);
      expect(run.notApplicable.join()).toMatch(/inputs are not sent to policies/);
    }
    expect((await check("helm-values-no-literal-secrets", of(K8S.helmChart, {}))).run.judged).toBe(0);
  });
});

describe("config bounds change the verdict", () => {
  it("hostNetwork is an exception only for configured namespaces", async () => {
    const hostNet = engine((w) => (pod(w).hostNetwork = true));
    expect((await check("pod-host-network-exception", hostNet)).findings).toHaveLength(1);
    expect((await check("pod-host-network-exception", hostNet, { config: { allowedNamespaces: ["hft-trading"] } })).findings).toEqual([]);
  });

  it("host access is an exception only in configured namespaces (node-exporter)", async () => {
    const exporterPod: any = { ...k.appPod(), hostNetwork: true, hostPID: true, volumes: [{ name: "root", hostPath: { path: "/" } }] };
    exporterPod.containers[0].ports = [{ containerPort: 9100, hostPort: 9100 }];
    const daemonSet = of(K8S.daemonSet, { metadata: { name: "node-exporter", namespace: "node-exporter" }, spec: { template: { spec: exporterPod } } });
    for (const rule of ["pod-no-host-path", "pod-no-host-namespaces", "container-no-host-port", "pod-host-network-exception"]) {
      expect((await check(rule, daemonSet)).findings, rule).toHaveLength(1);
      expect((await check(rule, daemonSet, { config: { allowedNamespaces: ["node-exporter"] } })).findings, rule).toEqual([]);
    }
  });

  it("the CPU bound is per stack: 32 cores pass in prod (64) and fail in dev (16)", async () => {
    const big = engine((w) => (main(w).resources = { requests: { cpu: "32", memory: "64Gi" }, limits: { cpu: "32", memory: "64Gi" } }));
    expect((await check("container-resources-within-bounds", big, { config: { maxCpu: 64, maxMemory: "256Gi" } })).findings).toEqual([]);
    expect((await check("container-resources-within-bounds", big, { config: { maxCpu: 16, maxMemory: "64Gi" } })).findings).toHaveLength(2);
  });

  it("metal is required only where configured", async () => {
    const devGroup = of(AWS.nodeGroup, aws.engineNodeGroup(["c6i.4xlarge"]));
    expect((await check("engine-node-instance-types", devGroup, { config: { requireMetal: false } })).findings).toEqual([]);
    expect((await check("engine-node-instance-types", devGroup, { config: { requireMetal: true } })).findings).toHaveLength(1);
  });

  it("a public endpoint limited to known CIDRs passes where a private one is not required", async () => {
    const dev = of(AWS.eksComponent, { ...aws.eksComponent(), endpointPublicAccess: true, publicAccessCidrs: ["203.0.113.0/24"] });
    expect((await check("eks-endpoint-access", dev)).findings).toEqual([]);
    expect((await check("eks-endpoint-access", dev, { config: { requirePrivateEndpoint: true } })).findings[0].message).toMatch(/the API endpoint is public/);
    const open = of(AWS.eksComponent, { ...aws.eksComponent(), endpointPublicAccess: true });
    expect((await check("eks-endpoint-access", open)).findings[0].message).toMatch(/open to 0\.0\.0\.0\/0/);
  });

  it("gp2 passes only when the stack allows it", async () => {
    const gp2 = of(K8S.storageClass, k.gp3Class({ type: "gp2" }));
    expect((await check("ebs-storage-class-gp3-encrypted", gp2, { config: { allowedVolumeTypes: ["gp3", "gp2"] } })).findings).toEqual([]);
  });

  it("Ingress-only default-deny satisfies the rule only when Egress is not required", async () => {
    const ingressOnly = [k.namespace(), k.defaultDeny(k.NS, { podSelector: { matchLabels: {} }, policyTypes: ["Ingress"] })];
    expect((await check("namespace-default-deny", ingressOnly, { config: { policyTypes: ["Ingress"] } })).findings).toEqual([]);
    expect((await check("namespace-default-deny", ingressOnly)).findings).toHaveLength(1);
  });

  it("a default-deny that allows traffic, selects some pods or sits elsewhere does not count", async () => {
    for (const netpol of [
      k.defaultDeny(k.NS, { podSelector: {}, policyTypes: ["Ingress", "Egress"], egress: [{}] }),
      k.defaultDeny(k.NS, { podSelector: { matchLabels: { app: "x" } }, policyTypes: ["Ingress", "Egress"] }),
      k.defaultDeny("hft-data"),
    ]) {
      expect((await check("namespace-default-deny", [k.namespace(), netpol])).findings).toHaveLength(1);
    }
  });
});

describe("disruption budgets judged by value", () => {
  const withBudget = (spec: object) => {
    const budget = k.pdb();
    const props = budget.props as { spec: { selector: object } };
    props.spec = { selector: props.spec.selector, ...spec };
    return stackOf([k.engineResource()], [budget]);
  };
  const messages = async (spec: object) => (await check("workload-pdb", withBudget(spec))).findings.map((f) => f.message);

  it("accepts a budget that lets a drain evict some but not all of the 3 replicas, percentages rounded up", async () => {
    for (const spec of [{ minAvailable: 2 }, { minAvailable: 1 }, { minAvailable: "50%" }, { maxUnavailable: 1 }, { maxUnavailable: "34%" }]) expect(await messages(spec), JSON.stringify(spec)).toEqual([]);
  });

  it("refuses one that protects nothing, one that blocks every drain, and one that sets neither", async () => {
    expect(await messages({ minAvailable: 0 })).toEqual([expect.stringMatching(/sets minAvailable 0: a drain may evict all 3 at once\. Set minAvailable between 1 and 2/)]);
    expect(await messages({ maxUnavailable: "100%" })).toEqual([expect.stringMatching(/sets maxUnavailable 100%: a drain may evict all 3/)]);
    expect(await messages({ minAvailable: "100%" })).toEqual([expect.stringMatching(/sets minAvailable 100%: no drain can evict any of them/)]);
    expect(await messages({ maxUnavailable: 0 })).toEqual([expect.stringMatching(/sets maxUnavailable 0: no drain can evict any of them/)]);
    expect(await messages({})).toEqual([expect.stringMatching(/sets neither minAvailable nor maxUnavailable, which bounds nothing/)]);
  });
});

describe("unknown values during preview", () => {
  const unknown = UNKNOWN_STRING;

  it("uses the analyzer's own unknown-string marker", () => {
    expect(unknown).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("a rule that needs an unknown value is downgraded to advisory, as the engine does", async () => {
    const computed = engine((w) => (main(w).image = unknown));
    const { findings } = await check("image-tag-pinned", computed);
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ level: "advisory", undecidable: true });
    expect(findings[0].message).toMatch(/can't run policy 'image-tag-pinned' during preview: string value at \.spec\.template\.spec\.containers\.0\.image/);
  });

  it("rules decide without reading values that are unknown until the cloud creates them", async () => {
    const sc = of(K8S.storageClass, k.gp3Class({ kmsKeyId: unknown }));
    for (const rule of ["ebs-storage-class-gp3-encrypted", "ebs-storage-class-gp3-performance", "storage-class-provisioner-allowed"]) {
      expect((await check(rule, sc)).findings).toEqual([]);
    }
    const cluster = of(AWS.eksCluster, aws.eksCluster(), (c) => ((c.encryptionConfig.provider.keyArn = unknown), (c.vpcConfig.subnetIds = unknown)));
    for (const rule of ["eks-secrets-encryption", "eks-endpoint-access", "eks-control-plane-logging"]) {
      expect((await check(rule, cluster, { config: rule === "eks-endpoint-access" ? { requirePrivateEndpoint: true } : {} })).findings).toEqual([]);
    }
    const computedEnv = engine((w) => {
      main(w).env.push({ name: "REDIS_HOST", value: unknown });
      w.spec.template.metadata.annotations = { "hft-platform/config-hash": unknown };
      pod(w).initContainers[0].command = ["sh", "-c", unknown];
    });
    for (const rule of ["env-secrets-from-refs", "container-resources-set", "pod-host-network-exception", "container-probes"]) {
      expect((await check(rule, computedEnv)).findings).toEqual([]);
    }
    const chart = of(K8S.helmChart, { chart: "kube-prometheus-stack", values: { grafana: { admin: { existingSecret: unknown }, serviceAccount: { name: unknown } }, clusterName: unknown } });
    expect((await check("helm-values-no-literal-secrets", chart)).findings).toEqual([]);
    const block = bucketWith((b) => [aws.onBucket(AWS.publicAccessBlock, { ...aws.PUBLIC_ACCESS_BLOCK, bucket: unknown }, b)]);
    expect((await check("s3-bucket-public-access-block", block)).findings).toEqual([]);
  });

  it("rules that judge a key ARN or a quantity judge it once known, and only its presence before", async () => {
    const sse = { rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: unknown } }] };
    const encrypted = bucketWith((b) => [aws.kmsKey(), aws.onBucket(AWS.encryption, sse, b, true, [aws.kmsKey()])]);
    expect((await check("s3-bucket-encryption", encrypted)).findings).toEqual([]);
    expect((await check("efs-encrypted", of(AWS_STORAGE.efsFileSystem, { ...aws.efs(), kmsKeyId: unknown }))).findings).toEqual([]);
    expect((await check("eks-secrets-encryption", of(AWS.eksComponent, { ...aws.eksComponent(), encryptionConfigKeyArn: unknown }))).findings).toEqual([]);
    const computed = engine((w) => ((main(w).resources.requests.memory = unknown), (main(w).readinessProbe.httpGet.port = unknown)));
    for (const rule of ["container-resources-set", "container-probes"]) expect((await check(rule, computed)).findings, rule).toEqual([]);
    const aliased = bucketWith((b) => [aws.kmsKey(), aws.onBucket(AWS.encryption, { rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: "alias/aws/s3" } }] }, b, true, [aws.kmsKey()])]);
    expect((await check("s3-bucket-encryption", aliased)).findings.map((f) => f.message)).toEqual([expect.stringMatching(/kmsMasterKeyId is "alias\/aws\/s3", not the ARN of a KMS key/)]);
  });
});
