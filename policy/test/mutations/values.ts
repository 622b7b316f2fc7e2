/**
 * Wrong values, one rule each: the settings stay in place and hold what a hurried change could
 * commit (a budget at 0, SSE-S3, a reservedMemory that no longer adds up, a wildcard slipped into an
 * exempt statement). Together with the value mutations of the first two layers, every rule of the
 * pack refuses at least one (mutations.test.ts checks it).
 */
import { K8S, POD_TYPES, selectsAllPods } from "../../kubernetes";
import { AWS } from "../../policies/aws";
import { DATA } from "../../policies/data-protection";
import { IAM } from "../../policies/iam";
import { PLACEMENT_GROUP } from "../../policies/engine-nodes";
import { AWS_STORAGE } from "../../policies/storage";
import { enginePod, Entry, find, Inventory, Mutation, named, ofType } from "./kit";

const theEngine = (inv: Inventory) => find(inv, "engine workload trading-engine", (e) => POD_TYPES.includes(e.type) && e.inputs.metadata?.name === "trading-engine");
const mainContainer = (e: Entry) => enginePod(e).containers.find((c: { name: string }) => c.name === "trading-engine");
const engineGroup = (inv: Inventory) => find(inv, "node group hft-engine", (e) => e.type === AWS.nodeGroup && e.name === "hft-engine");
const pdbOf = (inv: Inventory, name: string) => find(inv, `PodDisruptionBudget of ${name}`, (e) => e.type === K8S.pdb && e.inputs.spec?.selector?.matchLabels?.["app.kubernetes.io/name"] === name);
const workload = (inv: Inventory, name: string) => find(inv, `workload ${name}`, (e) => POD_TYPES.includes(e.type) && e.inputs.metadata?.name === name);
const cluster = (inv: Inventory) => find(inv, "database Cluster", ofType(DATA.cnpgCluster));
const backupBucket = (inv: Inventory) => find(inv, "S3 bucket", ofType(AWS.bucket));
const encryptionRule = (inv: Inventory) => find(inv, "encryption configuration", ofType(AWS.encryption)).inputs.rules[0].applyServerSideEncryptionByDefault;

function engineTemplate(inv: Inventory): Entry {
  const urns = engineGroup(inv).dependsOn ?? [];
  return find(inv, "engine launch template", (e) => e.type === AWS.launchTemplate && urns.includes(e.urn));
}

/** Rewrites the engine launch template's decoded user data; fails loudly when the edit changes nothing. */
function editUserData(inv: Inventory, edit: (text: string) => string): string {
  const lt = engineTemplate(inv);
  const text = Buffer.from(lt.inputs.userData as string, "base64").toString("utf8");
  const edited = edit(text);
  if (edited === text) throw new Error("the edit found nothing to change in the engine nodes' user data");
  lt.inputs.userData = Buffer.from(edited).toString("base64");
  return lt.urn;
}

export const VALUE_MUTATIONS: Mutation[] = [
  // workloads and security contexts
  {
    name: "request no memory for the engine (memory: 0)",
    rule: "container-resources-set",
    kind: "value",
    apply: (inv) => {
      const e = theEngine(inv);
      mainContainer(e).resources.requests.memory = "0";
      return e.urn;
    },
  },
  {
    name: "set runAsNonRoot: false on the engine container",
    rule: "pod-run-as-non-root",
    kind: "value",
    apply: (inv) => {
      const e = theEngine(inv);
      mainContainer(e).securityContext.runAsNonRoot = false;
      return e.urn;
    },
  },
  // availability
  {
    name: "probe readiness on a port name the engine does not declare",
    rule: "container-probes",
    kind: "value",
    apply: (inv) => {
      const e = theEngine(inv);
      mainContainer(e).readinessProbe.httpGet.port = "admin";
      return e.urn;
    },
  },
  {
    name: "set the engine's disruption budget to minAvailable 0",
    rule: "workload-pdb",
    kind: "value",
    apply: (inv) => {
      pdbOf(inv, "trading-engine").inputs.spec.minAvailable = 0;
      return theEngine(inv).urn;
    },
  },
  {
    name: "let Redis's budget evict every replica (maxUnavailable = replicas)",
    rule: "workload-pdb",
    kind: "value",
    apply: (inv) => {
      const redis = workload(inv, "redis");
      pdbOf(inv, "redis").inputs.spec.maxUnavailable = redis.inputs.spec.replicas;
      return redis.urn;
    },
  },
  {
    name: "let Redis's budget evict every replica (maxUnavailable 100%)",
    rule: "workload-pdb",
    kind: "value",
    apply: (inv) => {
      pdbOf(inv, "redis").inputs.spec.maxUnavailable = "100%";
      return workload(inv, "redis").urn;
    },
  },
  // network
  {
    name: "give hft-trading's default-deny an allow-all ingress rule",
    rule: "namespace-default-deny",
    kind: "value",
    apply: (inv) => {
      const np = find(inv, "default-deny in hft-trading", (e) => e.type === K8S.networkPolicy && e.inputs.metadata.namespace === "hft-trading" && selectsAllPods(e.inputs.spec.podSelector) && !e.inputs.spec.ingress?.length);
      np.inputs.spec.ingress = [{}];
      return find(inv, "namespace hft-trading", named(K8S.namespace, "hft-trading")).urn;
    },
  },
  {
    name: "annotate the load balancer as a Classic ELB (type elb)",
    rule: "load-balancer-nlb",
    kind: "value",
    apply: (inv) => {
      const lb = find(inv, "LoadBalancer Service", (e) => e.type === K8S.service && e.inputs.spec?.type === "LoadBalancer");
      lb.inputs.metadata.annotations["service.beta.kubernetes.io/aws-load-balancer-type"] = "elb";
      return lb.urn;
    },
  },
  // storage
  {
    name: "add an EBS volume with encrypted: false",
    rule: "ebs-volume-encrypted",
    kind: "value",
    apply: (inv) => {
      const urn = "urn:pulumi:prod::hft-platform::aws:ebs/volume:Volume::scratch-false";
      inv.push({ urn, type: AWS_STORAGE.ebsVolume, name: "scratch-false", custom: true, inputs: { availabilityZone: "us-east-1a", size: 100, type: "gp3", encrypted: false } });
      return urn;
    },
  },
  {
    name: "drop the engine launch template's block-device mappings (the AMI's default root volume)",
    rule: "launch-template-ebs-encrypted",
    kind: "removal",
    apply: (inv) => {
      const lt = engineTemplate(inv);
      delete lt.inputs.blockDeviceMappings;
      return lt.urn;
    },
  },
  {
    name: "encrypt fast-ssd volumes with the account's aws/ebs key alias",
    rule: "ebs-storage-class-gp3-encrypted",
    kind: "value",
    apply: (inv) => {
      const sc = find(inv, "StorageClass fast-ssd", named(K8S.storageClass, "fast-ssd"));
      sc.inputs.parameters.kmsKeyId = "alias/aws/ebs";
      return sc.urn;
    },
  },
  {
    name: "encrypt the shared file system with the AWS-managed key alias",
    rule: "efs-encrypted",
    kind: "value",
    apply: (inv) => {
      const fs = find(inv, "EFS file system", ofType(AWS_STORAGE.efsFileSystem));
      fs.inputs.kmsKeyId = "alias/aws/elasticfilesystem";
      return fs.urn;
    },
  },
  // AWS
  {
    name: "give the cluster an empty secrets-encryption key ARN",
    rule: "eks-secrets-encryption",
    kind: "value",
    apply: (inv) => {
      const c = find(inv, "eks:index:Cluster", ofType(AWS.eksComponent));
      c.inputs.encryptionConfigKeyArn = "";
      return c.urn;
    },
  },
  {
    name: "admit NFS from anywhere into the EFS security group",
    rule: "security-group-no-public-ingress",
    kind: "value",
    apply: (inv) => {
      const sg = find(inv, "security group hft-efs", (e) => e.type === AWS.securityGroup && e.name === "hft-efs");
      sg.inputs.ingress = [{ protocol: "tcp", fromPort: 2049, toPort: 2049, cidrBlocks: ["0.0.0.0/0"] }];
      return sg.urn;
    },
  },
  {
    name: "turn restrictPublicBuckets off on the backup bucket",
    rule: "s3-bucket-public-access-block",
    kind: "value",
    apply: (inv) => {
      find(inv, "public access block", ofType(AWS.publicAccessBlock)).inputs.restrictPublicBuckets = false;
      return backupBucket(inv).urn;
    },
  },
  {
    name: "encrypt the backup bucket with SSE-S3 (AES256)",
    rule: "s3-bucket-encryption",
    kind: "value",
    apply: (inv) => {
      encryptionRule(inv).sseAlgorithm = "AES256";
      return backupBucket(inv).urn;
    },
  },
  {
    name: "encrypt the backup bucket with the AWS-managed aws/s3 key",
    rule: "s3-bucket-encryption",
    kind: "value",
    apply: (inv) => {
      encryptionRule(inv).kmsMasterKeyId = "alias/aws/s3";
      return backupBucket(inv).urn;
    },
  },
  // engine latency
  {
    name: "select the system nodes for the engine",
    rule: "engine-dedicated-nodes",
    kind: "value",
    apply: (inv) => {
      const e = theEngine(inv);
      enginePod(e).nodeSelector = { "node-type": "system" };
      return e.urn;
    },
  },
  {
    name: "request zero hugepages for the engine",
    rule: "engine-hugepages",
    kind: "value",
    apply: (inv) => {
      const e = theEngine(inv);
      for (const list of [mainContainer(e).resources.requests, mainContainer(e).resources.limits]) list["hugepages-2Mi"] = "0";
      return e.urn;
    },
  },
  {
    name: "spread the engine over zones instead of hosts",
    rule: "engine-anti-affinity",
    kind: "value",
    apply: (inv) => {
      const e = theEngine(inv);
      enginePod(e).affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].topologyKey = "topology.kubernetes.io/zone";
      return e.urn;
    },
  },
  {
    name: "give the engine a priority class not on the list",
    rule: "engine-priority-class",
    kind: "value",
    apply: (inv) => {
      const e = theEngine(inv);
      enginePod(e).priorityClassName = "batch-low";
      return e.urn;
    },
  },
  // engine nodes
  {
    name: "make the engine nodes' taint PreferNoSchedule",
    rule: "engine-node-group-scheduling",
    kind: "value",
    apply: (inv) => {
      const g = engineGroup(inv);
      g.inputs.taints[0].effect = "PREFER_NO_SCHEDULE";
      return g.urn;
    },
  },
  {
    name: "make the engine placement group spread",
    rule: "engine-node-placement-group",
    kind: "value",
    apply: (inv) => {
      const lt = engineTemplate(inv);
      find(inv, "engine placement group", (e) => e.type === PLACEMENT_GROUP && (lt.dependsOn ?? []).includes(e.urn)).inputs.strategy = "spread";
      return lt.urn;
    },
  },
  {
    name: "turn full-pcpus-only off (hyperthread siblings shared)",
    rule: "engine-kubelet-cpu-pinning",
    kind: "value",
    apply: (inv) => editUserData(inv, (t) => t.replace(/full-pcpus-only: "true"/, 'full-pcpus-only: "false"')),
  },
  {
    name: "shrink NUMA node 1's reservedMemory so the sum no longer matches the reservations",
    rule: "engine-kubelet-memory-manager",
    kind: "value",
    apply: (inv) => editUserData(inv, (t) => t.replace(/(numaNode: 1\n\s+limits:\n\s+memory: )\S+/, "$12048Mi")),
  },
  {
    name: "set vm.swappiness to 60 on the engine nodes",
    rule: "engine-node-boot-tuning",
    kind: "value",
    apply: (inv) => editUserData(inv, (t) => t.replace(/vm\.swappiness = 0/, "vm.swappiness = 60")),
  },
  // data protection
  {
    name: "set protect: false on the database Cluster",
    rule: "stateful-resources-protected",
    kind: "value",
    apply: (inv) => {
      const c = cluster(inv);
      c.protect = false;
      return c.urn;
    },
  },
  {
    name: "mark the Barman Cloud plugin as not the WAL archiver",
    rule: "database-wal-archiving",
    kind: "value",
    apply: (inv) => {
      const c = cluster(inv);
      c.inputs.spec.plugins[0].isWALArchiver = false;
      return c.urn;
    },
  },
  {
    name: "suspend the scheduled backup",
    rule: "database-scheduled-backup",
    kind: "value",
    apply: (inv) => {
      find(inv, "ScheduledBackup", ofType(DATA.cnpgScheduledBackup)).inputs.spec.suspend = true;
      return cluster(inv).urn;
    },
  },
  {
    name: "point the scheduled backup at another cluster name",
    rule: "database-scheduled-backup",
    kind: "value",
    apply: (inv) => {
      find(inv, "ScheduledBackup", ofType(DATA.cnpgScheduledBackup)).inputs.spec.cluster.name = "timescaledb-old";
      return cluster(inv).urn;
    },
  },
  // exposure
  {
    name: "write hft-trading's ResourceQuota into hft-cache",
    rule: "namespace-limits-and-quota",
    kind: "value",
    apply: (inv) => {
      find(inv, "ResourceQuota in hft-trading", (e) => e.type === "kubernetes:core/v1:ResourceQuota" && e.inputs.metadata.namespace === "hft-trading").inputs.metadata.namespace = "hft-cache";
      return find(inv, "namespace hft-trading", named(K8S.namespace, "hft-trading")).urn;
    },
  },
  // IAM
  {
    name: "slip * into the CI runner's exempt network-interface statement",
    rule: "iam-no-wildcards",
    kind: "value",
    apply: (inv) => {
      const p = find(inv, "role policy hft-ci-runner", (e) => e.type === IAM.rolePolicy && e.name === "hft-ci-runner");
      const doc = JSON.parse(p.inputs.policy as string);
      const statement = doc.Statement.find((s: { Sid?: string }) => s.Sid === "VpcNetworkInterfaces");
      statement.Action = [...statement.Action, "*"];
      p.inputs.policy = JSON.stringify(doc);
      return p.urn;
    },
  },
  {
    name: "add an any-action statement on any resource to the CI runner's policy",
    rule: "iam-no-wildcards",
    kind: "value",
    apply: (inv) => {
      const p = find(inv, "role policy hft-ci-runner", (e) => e.type === IAM.rolePolicy && e.name === "hft-ci-runner");
      const doc = JSON.parse(p.inputs.policy as string);
      doc.Statement.push({ Sid: "Debug", Effect: "Allow", Action: "*", Resource: "*" });
      p.inputs.policy = JSON.stringify(doc);
      return p.urn;
    },
  },
];
