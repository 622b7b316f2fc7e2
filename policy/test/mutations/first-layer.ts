/**
 * The first layer's mutations: one guardrail of the workload, security-context, image, availability,
 * network, secret, storage and AWS rules broken at a time.
 */
import { K8S, podTemplateOf, selectorMatches, selectsAllPods } from "../../kubernetes";
import { AWS } from "../../policies/aws";
import { AWS_STORAGE } from "../../policies/storage";
import { bucket, ebsClass, eksComponent, engine, engineContainer, engineNodes, enginePod, Entry, find, loadBalancer, Mutation, ofType, remove, tradingNamespace } from "./kit";

export const FIRST_LAYER_MUTATIONS: Mutation[] = [
  {
    name: "remove the engine container's CPU limit",
    rule: "container-resources-set",
    kind: "removal",
    apply: (inv) => {
      const e = engine(inv);
      delete engineContainer(e).resources.limits.cpu;
      return e.urn;
    },
  },
  {
    name: "give the engine container 96 cores",
    rule: "container-resources-within-bounds",
    kind: "value",
    apply: (inv) => {
      const e = engine(inv);
      Object.assign(engineContainer(e).resources, { requests: { cpu: "96", memory: "16Gi" }, limits: { cpu: "96", memory: "16Gi" } });
      return e.urn;
    },
  },
  {
    name: "request more memory than the limit",
    rule: "container-limits-cover-requests",
    kind: "value",
    apply: (inv) => {
      const e = engine(inv);
      enginePod(e).containers[1].resources.requests.memory = "64Gi";
      return e.urn;
    },
  },
  {
    name: "make the engine Burstable (memory request below limit)",
    rule: "engine-guaranteed-qos",
    kind: "value",
    apply: (inv) => {
      const e = engine(inv);
      engineContainer(e).resources.requests.memory = "8Gi";
      return e.urn;
    },
  },
  {
    name: "give the engine a fractional CPU count",
    rule: "engine-whole-cpus",
    kind: "value",
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
    kind: "value",
    apply: (inv) => {
      const e = engine(inv);
      engineContainer(e).securityContext.privileged = true;
      return e.urn;
    },
  },
  {
    name: "add a hostPath volume",
    rule: "pod-no-host-path",
    kind: "value",
    apply: (inv) => {
      const e = engine(inv);
      enginePod(e).volumes.push({ name: "proc", hostPath: { path: "/proc" } });
      return e.urn;
    },
  },
  {
    name: "run the pod as root",
    rule: "pod-no-root-user",
    kind: "value",
    apply: (inv) => {
      const e = engine(inv);
      enginePod(e).securityContext.runAsUser = 0;
      return e.urn;
    },
  },
  {
    name: "drop runAsNonRoot from the pod and its containers",
    rule: "pod-run-as-non-root",
    kind: "removal",
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
    kind: "value",
    apply: (inv) => {
      const e = engine(inv);
      engineContainer(e).securityContext.allowPrivilegeEscalation = true;
      return e.urn;
    },
  },
  {
    name: "add SYS_ADMIN",
    rule: "container-capabilities-restricted",
    kind: "value",
    apply: (inv) => {
      const e = engine(inv);
      engineContainer(e).securityContext.capabilities.add = ["SYS_ADMIN"];
      return e.urn;
    },
  },
  {
    name: "run a container Unconfined",
    rule: "pod-seccomp-restricted",
    kind: "value",
    apply: (inv) => {
      const e = engine(inv);
      engineContainer(e).securityContext.seccompProfile = { type: "Unconfined" };
      return e.urn;
    },
  },
  {
    name: "share the node's PID namespace",
    rule: "pod-no-host-namespaces",
    kind: "value",
    apply: (inv) => {
      const e = engine(inv);
      enginePod(e).hostPID = true;
      return e.urn;
    },
  },
  {
    name: "bind a hostPort",
    rule: "container-no-host-port",
    kind: "value",
    apply: (inv) => {
      const e = engine(inv);
      engineContainer(e).ports[0].hostPort = 8080;
      return e.urn;
    },
  },
  {
    name: "use hostNetwork without the documented exception",
    rule: "pod-host-network-exception",
    kind: "value",
    apply: (inv) => {
      const e = engine(inv);
      enginePod(e).hostNetwork = true;
      return e.urn;
    },
  },
  {
    name: "make the root filesystem writable",
    rule: "container-read-only-root-filesystem",
    kind: "value",
    apply: (inv) => {
      const e = engine(inv);
      engineContainer(e).securityContext.readOnlyRootFilesystem = false;
      return e.urn;
    },
  },
  {
    name: "use :latest",
    rule: "image-tag-pinned",
    kind: "value",
    apply: (inv) => {
      const e = engine(inv);
      engineContainer(e).image = "registry.example.com/hft-trading-engine:latest";
      return e.urn;
    },
  },
  {
    name: "pull from an unlisted registry",
    rule: "image-registry-allowed",
    kind: "value",
    apply: (inv) => {
      const e = engine(inv);
      enginePod(e).containers[1].image = "docker.io/someone/fluent-bit:3.1.9";
      return e.urn;
    },
  },
  {
    name: "remove the engine's readiness probe",
    rule: "container-probes",
    kind: "removal",
    apply: (inv) => {
      const e = engine(inv);
      delete engineContainer(e).readinessProbe;
      return e.urn;
    },
  },
  {
    name: "drop the engine's PodDisruptionBudget",
    rule: "workload-pdb",
    kind: "removal",
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
    kind: "value",
    apply: (inv) => {
      const e = engine(inv);
      e.inputs.spec.volumeClaimTemplates[0].spec.storageClassName = "gp2";
      return e.urn;
    },
  },
  {
    name: "remove hft-trading's default-deny",
    rule: "namespace-default-deny",
    kind: "removal",
    apply: (inv) => {
      const ns = tradingNamespace(inv);
      remove(inv, find(inv, "default-deny in hft-trading", (e) => e.type === K8S.networkPolicy && e.inputs.metadata.namespace === "hft-trading" && selectsAllPods(e.inputs.spec.podSelector)));
      return ns.urn;
    },
  },
  {
    name: "make the load balancer a Classic ELB",
    rule: "load-balancer-nlb",
    kind: "removal",
    apply: (inv) => {
      const lb = loadBalancer(inv);
      delete lb.inputs.metadata.annotations["service.beta.kubernetes.io/aws-load-balancer-type"];
      return lb.urn;
    },
  },
  {
    name: "open the load balancer to the internet",
    rule: "load-balancer-source-ranges",
    kind: "value",
    apply: (inv) => {
      const lb = loadBalancer(inv);
      lb.inputs.spec.loadBalancerSourceRanges = ["0.0.0.0/0"];
      return lb.urn;
    },
  },
  {
    name: "put a plaintext password in the engine's env",
    rule: "env-secrets-from-refs",
    kind: "value",
    apply: (inv) => {
      const e = engine(inv);
      engineContainer(e).env.push({ name: "DATABASE_PASSWORD", value: "hunter2" });
      return e.urn;
    },
  },
  {
    name: "put a token in a ConfigMap",
    rule: "configmap-no-secrets",
    kind: "value",
    apply: (inv) => {
      const cm = find(inv, "ConfigMap", ofType(K8S.configMap));
      cm.inputs.data = { ...cm.inputs.data, EXCHANGE_API_TOKEN: "tok_live_123" };
      return cm.urn;
    },
  },
  {
    name: "set a chart password in Helm values",
    rule: "helm-values-no-literal-secrets",
    kind: "value",
    apply: (inv) => {
      const chart = find(inv, "Helm chart", ofType(K8S.helmChart));
      chart.inputs.values = { ...chart.inputs.values, auth: { password: "hunter2" } };
      return chart.urn;
    },
  },
  {
    name: "write a Secret from plain values",
    rule: "secret-values-are-pulumi-secrets",
    kind: "value",
    apply: (inv) => {
      const secret = find(inv, "Secret", ofType(K8S.secret));
      secret.inputs.stringData = { password: "hunter2" };
      return secret.urn;
    },
  },
  {
    name: "switch a class to the in-tree EBS provisioner",
    rule: "storage-class-provisioner-allowed",
    kind: "value",
    apply: (inv) => {
      const sc = ebsClass(inv);
      sc.inputs.provisioner = "kubernetes.io/aws-ebs";
      return sc.urn;
    },
  },
  {
    name: "make a class gp2",
    rule: "ebs-storage-class-gp3-encrypted",
    kind: "value",
    apply: (inv) => {
      const sc = ebsClass(inv);
      sc.inputs.parameters.type = "gp2";
      return sc.urn;
    },
  },
  {
    name: "leave a class unencrypted",
    rule: "ebs-storage-class-gp3-encrypted",
    kind: "removal",
    apply: (inv) => {
      const sc = ebsClass(inv);
      delete sc.inputs.parameters.encrypted;
      return sc.urn;
    },
  },
  {
    name: "ask gp3 for more throughput than its IOPS allow",
    rule: "ebs-storage-class-gp3-performance",
    kind: "value",
    apply: (inv) => {
      const sc = ebsClass(inv);
      Object.assign(sc.inputs.parameters, { iops: "3000", throughput: "1000" });
      return sc.urn;
    },
  },
  {
    name: "leave EFS unencrypted",
    rule: "efs-encrypted",
    kind: "value",
    apply: (inv) => {
      const fs = find(inv, "EFS file system", ofType(AWS_STORAGE.efsFileSystem));
      fs.inputs.encrypted = false;
      return fs.urn;
    },
  },
  {
    name: "add an unencrypted EBS volume",
    rule: "ebs-volume-encrypted",
    kind: "removal",
    apply: (inv) => {
      const urn = "urn:pulumi:prod::hft-platform::aws:ebs/volume:Volume::scratch";
      inv.push({ urn, type: AWS_STORAGE.ebsVolume, name: "scratch", custom: true, inputs: { availabilityZone: "us-east-1a", size: 100, type: "gp3" } });
      return urn;
    },
  },
  {
    name: "leave the engine nodes' root volume unencrypted",
    rule: "launch-template-ebs-encrypted",
    kind: "value",
    apply: (inv) => {
      const lt = find(inv, "launch template", ofType(AWS.launchTemplate));
      lt.inputs.blockDeviceMappings[0].ebs.encrypted = "false";
      return lt.urn;
    },
  },
  {
    name: "allow IMDSv1",
    rule: "launch-template-imdsv2",
    kind: "value",
    apply: (inv) => {
      const lt = find(inv, "launch template", ofType(AWS.launchTemplate));
      lt.inputs.metadataOptions.httpTokens = "optional";
      return lt.urn;
    },
  },
  {
    name: "raise the IMDS hop limit so pods reach node credentials",
    rule: "launch-template-imdsv2",
    kind: "value",
    apply: (inv) => {
      const lt = find(inv, "launch template", ofType(AWS.launchTemplate));
      lt.inputs.metadataOptions.httpPutResponseHopLimit = 3;
      return lt.urn;
    },
  },
  {
    name: "run the engine on virtualised c6i",
    rule: "engine-node-instance-types",
    kind: "value",
    apply: (inv) => {
      const ng = engineNodes(inv);
      ng.inputs.instanceTypes = ["c6i.8xlarge"];
      return ng.urn;
    },
  },
  {
    name: "run the engine on another family",
    rule: "engine-node-instance-types",
    kind: "value",
    apply: (inv) => {
      const ng = engineNodes(inv);
      ng.inputs.instanceTypes = ["m7i.metal-48xl"];
      return ng.urn;
    },
  },
  {
    name: "make the API endpoint public",
    rule: "eks-endpoint-access",
    kind: "value",
    apply: (inv) => {
      const c = eksComponent(inv);
      c.inputs.endpointPublicAccess = true;
      return c.urn;
    },
  },
  {
    name: "turn off audit logging",
    rule: "eks-control-plane-logging",
    kind: "value",
    apply: (inv) => {
      const c = eksComponent(inv);
      c.inputs.enabledClusterLogTypes = c.inputs.enabledClusterLogTypes.filter((t: string) => t !== "audit");
      return c.urn;
    },
  },
  {
    name: "drop secrets encryption",
    rule: "eks-secrets-encryption",
    kind: "removal",
    apply: (inv) => {
      const c = eksComponent(inv);
      delete c.inputs.encryptionConfigKeyArn;
      return c.urn;
    },
  },
  {
    name: "open NFS to the world",
    rule: "security-group-no-public-ingress",
    kind: "removal",
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
    kind: "removal",
    apply: (inv) => {
      const b = bucket(inv);
      remove(inv, find(inv, "public access block", ofType(AWS.publicAccessBlock)));
      return b.urn;
    },
  },
  {
    name: "drop the bucket's encryption configuration",
    rule: "s3-bucket-encryption",
    kind: "removal",
    apply: (inv) => {
      const b = bucket(inv);
      remove(inv, find(inv, "encryption configuration", ofType(AWS.encryption)));
      return b.urn;
    },
  },
  {
    name: "make the bucket public-read",
    rule: "s3-bucket-no-public-acl",
    kind: "value",
    apply: (inv) => {
      const b = bucket(inv);
      b.inputs.acl = "public-read";
      return b.urn;
    },
  },
];
