/**
 * Mutation tests: each breaks one guardrail in a compliant platform and expects the gate to catch it
 * as a mandatory prod violation on the right resource. They run over the fixture and over the real
 * prod render, so a rule that stops matching what the program actually renders fails here.
 */
import { existsSync } from "node:fs";
import * as path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { engineResource } from "../../tools/policy-gate";
import { reconcileConfig, RuleSettings, runPolicies } from "../../tools/policy-engine";
import { K8S, podTemplateOf, selectorMatches, selectsAllPods } from "../kubernetes";
import { allPolicies } from "../policies";
import { AWS } from "../policies/aws";
import { AWS_STORAGE } from "../policies/storage";
import { OFFLINE_TAGS, readConfig, readInventory, REPO_ROOT, runPack } from "./harness";
import { bucket, ebsClass, eksComponent, engine, engineContainer, engineNodes, enginePod, Entry, find, Inventory, loadBalancer, Mutation, ofType, remove, tradingNamespace } from "./mutations/kit";
import { SECOND_LAYER_MUTATIONS } from "./mutations/second-layer";

const FIXTURE = path.join(__dirname, "fixtures", "prod-inventory.json");
const RENDER = path.join(REPO_ROOT, "out", "prod", "inventory.json");

const FIRST_LAYER_MUTATIONS: Mutation[] = [
  {
    name: "remove the engine container's CPU limit",
    rule: "container-resources-set",
    apply: (inv) => {
      const e = engine(inv);
      delete engineContainer(e).resources.limits.cpu;
      return e.urn;
    },
  },
  {
    name: "give the engine container 96 cores",
    rule: "container-resources-within-bounds",
    apply: (inv) => {
      const e = engine(inv);
      Object.assign(engineContainer(e).resources, { requests: { cpu: "96", memory: "16Gi" }, limits: { cpu: "96", memory: "16Gi" } });
      return e.urn;
    },
  },
  {
    name: "request more memory than the limit",
    rule: "container-limits-cover-requests",
    apply: (inv) => {
      const e = engine(inv);
      enginePod(e).containers[1].resources.requests.memory = "64Gi";
      return e.urn;
    },
  },
  {
    name: "make the engine Burstable (memory request below limit)",
    rule: "engine-guaranteed-qos",
    apply: (inv) => {
      const e = engine(inv);
      engineContainer(e).resources.requests.memory = "8Gi";
      return e.urn;
    },
  },
  {
    name: "give the engine a fractional CPU count",
    rule: "engine-whole-cpus",
    apply: (inv) => {
      const e = engine(inv);
      const r = engineContainer(e).resources;
      r.requests.cpu = r.limits.cpu = "3.5";
      return e.urn;
    },
  },
  {
    name: "set privileged on the engine container",
    rule: "container-not-privileged",
    apply: (inv) => {
      const e = engine(inv);
      engineContainer(e).securityContext.privileged = true;
      return e.urn;
    },
  },
  {
    name: "add a hostPath volume",
    rule: "pod-no-host-path",
    apply: (inv) => {
      const e = engine(inv);
      enginePod(e).volumes.push({ name: "proc", hostPath: { path: "/proc" } });
      return e.urn;
    },
  },
  {
    name: "run the pod as root",
    rule: "pod-no-root-user",
    apply: (inv) => {
      const e = engine(inv);
      enginePod(e).securityContext.runAsUser = 0;
      return e.urn;
    },
  },
  {
    name: "drop runAsNonRoot from the pod and its containers",
    rule: "pod-run-as-non-root",
    apply: (inv) => {
      const e = engine(inv);
      const pod = enginePod(e);
      delete pod.securityContext.runAsNonRoot;
      for (const c of [...pod.containers, ...(pod.initContainers ?? [])]) delete c.securityContext.runAsNonRoot;
      return e.urn;
    },
  },
  {
    name: "allow privilege escalation",
    rule: "container-no-privilege-escalation",
    apply: (inv) => {
      const e = engine(inv);
      engineContainer(e).securityContext.allowPrivilegeEscalation = true;
      return e.urn;
    },
  },
  {
    name: "add SYS_ADMIN",
    rule: "container-capabilities-restricted",
    apply: (inv) => {
      const e = engine(inv);
      engineContainer(e).securityContext.capabilities.add = ["SYS_ADMIN"];
      return e.urn;
    },
  },
  {
    name: "run a container Unconfined",
    rule: "pod-seccomp-restricted",
    apply: (inv) => {
      const e = engine(inv);
      engineContainer(e).securityContext.seccompProfile = { type: "Unconfined" };
      return e.urn;
    },
  },
  {
    name: "share the node's PID namespace",
    rule: "pod-no-host-namespaces",
    apply: (inv) => {
      const e = engine(inv);
      enginePod(e).hostPID = true;
      return e.urn;
    },
  },
  {
    name: "bind a hostPort",
    rule: "container-no-host-port",
    apply: (inv) => {
      const e = engine(inv);
      engineContainer(e).ports[0].hostPort = 8080;
      return e.urn;
    },
  },
  {
    name: "use hostNetwork without the documented exception",
    rule: "pod-host-network-exception",
    apply: (inv) => {
      const e = engine(inv);
      enginePod(e).hostNetwork = true;
      return e.urn;
    },
  },
  {
    name: "make the root filesystem writable",
    rule: "container-read-only-root-filesystem",
    apply: (inv) => {
      const e = engine(inv);
      engineContainer(e).securityContext.readOnlyRootFilesystem = false;
      return e.urn;
    },
  },
  {
    name: "use :latest",
    rule: "image-tag-pinned",
    apply: (inv) => {
      const e = engine(inv);
      engineContainer(e).image = "registry.example.com/hft-trading-engine:latest";
      return e.urn;
    },
  },
  {
    name: "pull from an unlisted registry",
    rule: "image-registry-allowed",
    apply: (inv) => {
      const e = engine(inv);
      enginePod(e).containers[1].image = "docker.io/someone/fluent-bit:3.1.9";
      return e.urn;
    },
  },
  {
    name: "remove the engine's readiness probe",
    rule: "container-probes",
    apply: (inv) => {
      const e = engine(inv);
      delete engineContainer(e).readinessProbe;
      return e.urn;
    },
  },
  {
    name: "drop the engine's PodDisruptionBudget",
    rule: "workload-pdb",
    apply: (inv) => {
      const e = engine(inv);
      const labels = podTemplateOf(e.type, e.inputs).metadata?.labels ?? {};
      for (const pdb of inv.filter((x) => x.type === K8S.pdb && selectorMatches((x as Entry).inputs.spec?.selector, labels))) remove(inv, pdb);
      return e.urn;
    },
  },
  {
    name: "claim storage from an unlisted StorageClass",
    rule: "storage-class-allowed",
    apply: (inv) => {
      const e = engine(inv);
      e.inputs.spec.volumeClaimTemplates[0].spec.storageClassName = "gp2";
      return e.urn;
    },
  },
  {
    name: "remove hft-trading's default-deny",
    rule: "namespace-default-deny",
    apply: (inv) => {
      const ns = tradingNamespace(inv);
      remove(inv, find(inv, "default-deny in hft-trading", (e) => e.type === K8S.networkPolicy && e.inputs.metadata.namespace === "hft-trading" && selectsAllPods(e.inputs.spec.podSelector)));
      return ns.urn;
    },
  },
  {
    name: "make the load balancer a Classic ELB",
    rule: "load-balancer-nlb",
    apply: (inv) => {
      const lb = loadBalancer(inv);
      delete lb.inputs.metadata.annotations["service.beta.kubernetes.io/aws-load-balancer-type"];
      return lb.urn;
    },
  },
  {
    name: "open the load balancer to the internet",
    rule: "load-balancer-source-ranges",
    apply: (inv) => {
      const lb = loadBalancer(inv);
      lb.inputs.spec.loadBalancerSourceRanges = ["0.0.0.0/0"];
      return lb.urn;
    },
  },
  {
    name: "put a plaintext password in the engine's env",
    rule: "env-secrets-from-refs",
    apply: (inv) => {
      const e = engine(inv);
      engineContainer(e).env.push({ name: "DATABASE_PASSWORD", value: "hunter2" });
      return e.urn;
    },
  },
  {
    name: "put a token in a ConfigMap",
    rule: "configmap-no-secrets",
    apply: (inv) => {
      const cm = find(inv, "ConfigMap", ofType(K8S.configMap));
      cm.inputs.data = { ...cm.inputs.data, EXCHANGE_API_TOKEN: "tok_live_123" };
      return cm.urn;
    },
  },
  {
    name: "set a chart password in Helm values",
    rule: "helm-values-no-literal-secrets",
    apply: (inv) => {
      const chart = find(inv, "Helm chart", ofType(K8S.helmChart));
      chart.inputs.values = { ...chart.inputs.values, auth: { password: "hunter2" } };
      return chart.urn;
    },
  },
  {
    name: "write a Secret from plain values",
    rule: "secret-values-are-pulumi-secrets",
    apply: (inv) => {
      const secret = find(inv, "Secret", ofType(K8S.secret));
      secret.inputs.stringData = { password: "hunter2" };
      return secret.urn;
    },
  },
  {
    name: "switch a class to the in-tree EBS provisioner",
    rule: "storage-class-provisioner-allowed",
    apply: (inv) => {
      const sc = ebsClass(inv);
      sc.inputs.provisioner = "kubernetes.io/aws-ebs";
      return sc.urn;
    },
  },
  {
    name: "make a class gp2",
    rule: "ebs-storage-class-gp3-encrypted",
    apply: (inv) => {
      const sc = ebsClass(inv);
      sc.inputs.parameters.type = "gp2";
      return sc.urn;
    },
  },
  {
    name: "leave a class unencrypted",
    rule: "ebs-storage-class-gp3-encrypted",
    apply: (inv) => {
      const sc = ebsClass(inv);
      delete sc.inputs.parameters.encrypted;
      return sc.urn;
    },
  },
  {
    name: "ask gp3 for more throughput than its IOPS allow",
    rule: "ebs-storage-class-gp3-performance",
    apply: (inv) => {
      const sc = ebsClass(inv);
      Object.assign(sc.inputs.parameters, { iops: "3000", throughput: "1000" });
      return sc.urn;
    },
  },
  {
    name: "leave EFS unencrypted",
    rule: "efs-encrypted",
    apply: (inv) => {
      const fs = find(inv, "EFS file system", ofType(AWS_STORAGE.efsFileSystem));
      fs.inputs.encrypted = false;
      return fs.urn;
    },
  },
  {
    name: "add an unencrypted EBS volume",
    rule: "ebs-volume-encrypted",
    apply: (inv) => {
      const urn = "urn:pulumi:prod::hft-platform::aws:ebs/volume:Volume::scratch";
      inv.push({ urn, type: AWS_STORAGE.ebsVolume, name: "scratch", custom: true, inputs: { availabilityZone: "us-east-1a", size: 100, type: "gp3" } });
      return urn;
    },
  },
  {
    name: "leave the engine nodes' root volume unencrypted",
    rule: "launch-template-ebs-encrypted",
    apply: (inv) => {
      const lt = find(inv, "launch template", ofType(AWS.launchTemplate));
      lt.inputs.blockDeviceMappings[0].ebs.encrypted = "false";
      return lt.urn;
    },
  },
  {
    name: "allow IMDSv1",
    rule: "launch-template-imdsv2",
    apply: (inv) => {
      const lt = find(inv, "launch template", ofType(AWS.launchTemplate));
      lt.inputs.metadataOptions.httpTokens = "optional";
      return lt.urn;
    },
  },
  {
    name: "raise the IMDS hop limit so pods reach node credentials",
    rule: "launch-template-imdsv2",
    apply: (inv) => {
      const lt = find(inv, "launch template", ofType(AWS.launchTemplate));
      lt.inputs.metadataOptions.httpPutResponseHopLimit = 3;
      return lt.urn;
    },
  },
  {
    name: "run the engine on virtualised c6i",
    rule: "engine-node-instance-types",
    apply: (inv) => {
      const ng = engineNodes(inv);
      ng.inputs.instanceTypes = ["c6i.8xlarge"];
      return ng.urn;
    },
  },
  {
    name: "run the engine on another family",
    rule: "engine-node-instance-types",
    apply: (inv) => {
      const ng = engineNodes(inv);
      ng.inputs.instanceTypes = ["m7i.metal-48xl"];
      return ng.urn;
    },
  },
  {
    name: "make the API endpoint public",
    rule: "eks-endpoint-access",
    apply: (inv) => {
      const c = eksComponent(inv);
      c.inputs.endpointPublicAccess = true;
      return c.urn;
    },
  },
  {
    name: "turn off audit logging",
    rule: "eks-control-plane-logging",
    apply: (inv) => {
      const c = eksComponent(inv);
      c.inputs.enabledClusterLogTypes = c.inputs.enabledClusterLogTypes.filter((t: string) => t !== "audit");
      return c.urn;
    },
  },
  {
    name: "drop secrets encryption",
    rule: "eks-secrets-encryption",
    apply: (inv) => {
      const c = eksComponent(inv);
      delete c.inputs.encryptionConfigKeyArn;
      return c.urn;
    },
  },
  {
    name: "open NFS to the world",
    rule: "security-group-no-public-ingress",
    apply: (inv) => {
      const rule = find(inv, "security group ingress rule", ofType(AWS.ingressRule));
      delete rule.inputs.referencedSecurityGroupId;
      rule.inputs.cidrIpv4 = "0.0.0.0/0";
      return rule.urn;
    },
  },
  {
    name: "drop the bucket's public access block",
    rule: "s3-bucket-public-access-block",
    apply: (inv) => {
      const b = bucket(inv);
      remove(inv, find(inv, "public access block", ofType(AWS.publicAccessBlock)));
      return b.urn;
    },
  },
  {
    name: "drop the bucket's encryption configuration",
    rule: "s3-bucket-encryption",
    apply: (inv) => {
      const b = bucket(inv);
      remove(inv, find(inv, "encryption configuration", ofType(AWS.encryption)));
      return b.urn;
    },
  },
  {
    name: "make the bucket public-read",
    rule: "s3-bucket-no-public-acl",
    apply: (inv) => {
      const b = bucket(inv);
      b.inputs.acl = "public-read";
      return b.urn;
    },
  },
];

const MUTATIONS: Mutation[] = [...FIRST_LAYER_MUTATIONS, ...SECOND_LAYER_MUTATIONS];

const SOURCES = [
  { label: "the prod fixture", file: FIXTURE },
  { label: "the real prod render", file: RENDER },
];

describe("mutation catalogue", () => {
  it("breaks at least 20 guardrails and covers every rule", () => {
    expect(MUTATIONS.length).toBeGreaterThanOrEqual(20);
    expect(new Set(MUTATIONS.map((m) => m.rule))).toEqual(new Set(allPolicies.map((p) => p.name)));
  });
});

for (const source of SOURCES) {
  describe(`mutations of ${source.label}`, () => {
    const present = existsSync(source.file);
    const skipReason = `${path.relative(REPO_ROOT, source.file)} is absent: run \`npm run render -- --stack prod\` first`;
    let baseline: Inventory = [];
    let settings: Map<string, RuleSettings>;

    beforeAll(() => {
      if (!present) return;
      baseline = readInventory(source.file);
      settings = reconcileConfig(allPolicies, readConfig("prod"));
    });

    it("passes every rule with prod's mandatory enforcement before mutation", async (ctx) => {
      ctx.skip(!present, skipReason);
      expect(await runPack(baseline, readConfig("prod"))).toEqual([]);
    });

    for (const mutation of MUTATIONS) {
      it(`${mutation.name} -> ${mutation.rule}`, async (ctx) => {
        ctx.skip(!present, skipReason);
        const inventory = structuredClone(baseline);
        const urn = mutation.apply(inventory);
        const rule = allPolicies.find((p) => p.name === mutation.rule)!;
        const run = await runPolicies([rule], inventory.map(engineResource), settings, { stackTags: OFFLINE_TAGS });
        expect(run.findings.map((f) => ({ rule: f.rule, level: f.level, urn: f.urn }))).toContainEqual({ rule: mutation.rule, level: "mandatory", urn });
      });
    }
  });
}
