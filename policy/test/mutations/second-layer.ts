/**
 * Mutations for the engine latency, engine node, data protection, exposure and IAM rules. The engine
 * and its node group are found by name here, so a mutation that drops their scheduling fields still
 * breaks the right resource.
 */
import { K8S, POD_TYPES } from "../../kubernetes";
import { AWS } from "../../policies/aws";
import { DATA } from "../../policies/data-protection";
import { IAM } from "../../policies/iam";
import { enginePod, Entry, find, Inventory, Mutation, named, ofType, remove } from "./kit";

const theEngine = (inv: Inventory) => find(inv, "engine workload trading-engine", (e) => POD_TYPES.includes(e.type) && e.inputs.metadata?.name === "trading-engine");
const mainContainer = (e: Entry) => enginePod(e).containers.find((c: { name: string }) => c.name === "trading-engine");
const engineGroup = (inv: Inventory) => find(inv, "node group hft-engine", (e) => e.type === AWS.nodeGroup && e.name === "hft-engine");

/** The launch template the engine node group depends on. */
function engineTemplate(inv: Inventory): Entry {
  const urns = engineGroup(inv).dependsOn ?? [];
  return find(inv, "engine launch template", (e) => e.type === AWS.launchTemplate && urns.includes(e.urn));
}

/** Rewrites the engine launch template's decoded user data and encodes it back. */
function editUserData(inv: Inventory, edit: (text: string) => string): string {
  const lt = engineTemplate(inv);
  const text = Buffer.from(lt.inputs.userData as string, "base64").toString("utf8");
  lt.inputs.userData = Buffer.from(edit(text)).toString("base64");
  return lt.urn;
}

const cluster = (inv: Inventory) => find(inv, "database Cluster", ofType(DATA.cnpgCluster));
/** A role bound to its service account by a PodIdentityAssociation (the association takes the role's ARN). */
function backupRole(inv: Inventory): Entry {
  const association = find(inv, "PodIdentityAssociation", ofType(IAM.podIdentityAssociation));
  return find(inv, "role of the pod identity association", (e) => e.type === IAM.role && (association.dependsOn ?? []).includes(e.urn));
}

export const SECOND_LAYER_MUTATIONS: Mutation[] = [
  // engine latency
  {
    name: "drop the engine's toleration and node selector",
    rule: "engine-dedicated-nodes",
    kind: "removal",
    apply: (inv) => {
      const e = theEngine(inv);
      delete enginePod(e).tolerations;
      delete enginePod(e).nodeSelector;
      return e.urn;
    },
  },
  {
    name: "make the engine Burstable after it drops its toleration",
    rule: "engine-guaranteed-qos",
    kind: "removal",
    apply: (inv) => {
      const e = theEngine(inv);
      delete enginePod(e).tolerations;
      mainContainer(e).resources.requests.memory = "8Gi";
      return e.urn;
    },
  },
  {
    name: "drop the engine's hugepages",
    rule: "engine-hugepages",
    kind: "removal",
    apply: (inv) => {
      const e = theEngine(inv);
      for (const list of [mainContainer(e).resources.requests, mainContainer(e).resources.limits]) delete list["hugepages-2Mi"];
      return e.urn;
    },
  },
  {
    name: "drop the engine's anti-affinity",
    rule: "engine-anti-affinity",
    kind: "removal",
    apply: (inv) => {
      const e = theEngine(inv);
      delete enginePod(e).affinity.podAntiAffinity;
      return e.urn;
    },
  },
  {
    name: "drop the engine's priority class",
    rule: "engine-priority-class",
    kind: "removal",
    apply: (inv) => {
      const e = theEngine(inv);
      delete enginePod(e).priorityClassName;
      return e.urn;
    },
  },
  {
    name: "raise the engine's ndots to 5",
    rule: "engine-dns-config",
    kind: "value",
    apply: (inv) => {
      const e = theEngine(inv);
      enginePod(e).dnsConfig.options = enginePod(e).dnsConfig.options.map((o: { name: string }) => (o.name === "ndots" ? { name: "ndots", value: "5" } : o));
      return e.urn;
    },
  },
  {
    name: "put the engine on the host network with the cluster resolver",
    rule: "engine-dns-config",
    kind: "value",
    apply: (inv) => {
      const e = theEngine(inv);
      Object.assign(enginePod(e), { hostNetwork: true, dnsPolicy: "ClusterFirst" });
      return e.urn;
    },
  },
  // engine nodes
  {
    name: "drop the engine node group's taint",
    rule: "engine-node-group-scheduling",
    kind: "removal",
    apply: (inv) => {
      const g = engineGroup(inv);
      g.inputs.taints = [];
      return g.urn;
    },
  },
  {
    name: "drop the engine node group's label and move it to virtualised nodes",
    rule: "engine-node-instance-types",
    kind: "removal",
    apply: (inv) => {
      const g = engineGroup(inv);
      g.inputs.labels = {};
      g.inputs.instanceTypes = ["c6i.8xlarge"];
      return g.urn;
    },
  },
  {
    name: "take the engine nodes out of their placement group",
    rule: "engine-node-placement-group",
    kind: "removal",
    apply: (inv) => {
      const lt = engineTemplate(inv);
      delete lt.inputs.placement;
      return lt.urn;
    },
  },
  {
    name: "boot the engine nodes with the none CPU manager",
    rule: "engine-kubelet-cpu-pinning",
    kind: "value",
    apply: (inv) => editUserData(inv, (t) => t.replace("cpuManagerPolicy: static", "cpuManagerPolicy: none")),
  },
  {
    name: "boot the engine nodes without single-NUMA alignment",
    rule: "engine-kubelet-cpu-pinning",
    kind: "value",
    apply: (inv) => editUserData(inv, (t) => t.replace("topologyManagerPolicy: single-numa-node", "topologyManagerPolicy: best-effort")),
  },
  {
    name: "boot the engine nodes with the None memory manager",
    rule: "engine-kubelet-memory-manager",
    kind: "value",
    // Before issue 14 lands the prod render already says None: then this asserts the render's own violation.
    apply: (inv) => editUserData(inv, (t) => t.replace(/memoryManagerPolicy: \w+/, "memoryManagerPolicy: None")),
  },
  {
    name: "leave transparent hugepages on",
    rule: "engine-node-boot-tuning",
    kind: "value",
    apply: (inv) => editUserData(inv, (t) => t.replace(/echo never > \/sys\/kernel\/mm\/transparent_hugepage\/enabled;?/, "true;")),
  },
  {
    name: "boot the engine nodes with CFS quota enforced",
    rule: "engine-kubelet-cpu-pinning",
    kind: "value",
    apply: (inv) => editUserData(inv, (t) => t.replace("cpuCFSQuota: false", "cpuCFSQuota: true")),
  },
  {
    name: "let the engine run on nodes labelled unverified",
    rule: "engine-verified-nodes",
    kind: "value",
    apply: (inv) => {
      const e = theEngine(inv);
      for (const term of enginePod(e).affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms) {
        for (const expression of term.matchExpressions) if (expression.key === "hft-platform/latency-verified") expression.values = ["false"];
      }
      return e.urn;
    },
  },
  {
    name: "stretch nohz_full over a reserved CPU",
    rule: "engine-node-cpu-isolation",
    kind: "value",
    apply: (inv) => editUserData(inv, (t) => t.replace(/nohz_full=2-/, "nohz_full=1-")),
  },
  {
    name: "label every engine node verified from the user data itself",
    rule: "engine-node-verifier",
    kind: "value",
    apply: (inv) => editUserData(inv, (t) => t.replace("--node-labels=node-type=high-performance", "--node-labels=node-type=high-performance,hft-platform/latency-verified=true")),
  },
  {
    name: "steer the Redis master a zone away from the engine",
    rule: "engine-data-store-zone",
    kind: "value",
    apply: (inv) => {
      const redis = find(inv, "StatefulSet redis", (e) => e.type === K8S.statefulSet && e.inputs.metadata?.name === "redis");
      for (const term of enginePod(redis).affinity.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution) {
        for (const expression of term.preference.matchExpressions) expression.values = ["us-east-1b"];
      }
      return redis.urn;
    },
  },
  // data protection
  {
    name: "unprotect the database Cluster",
    rule: "stateful-resources-protected",
    kind: "removal",
    apply: (inv) => {
      const c = cluster(inv);
      delete c.protect;
      return c.urn;
    },
  },
  {
    name: "unprotect the backup bucket",
    rule: "stateful-resources-protected",
    kind: "removal",
    apply: (inv) => {
      const b = find(inv, "S3 bucket", ofType(AWS.bucket));
      delete b.protect;
      return b.urn;
    },
  },
  {
    name: "delete fast-ssd volumes with their claims",
    rule: "storage-class-reclaim-retain",
    kind: "value",
    apply: (inv) => {
      const sc = find(inv, "StorageClass fast-ssd", named(K8S.storageClass, "fast-ssd"));
      sc.inputs.reclaimPolicy = "Delete";
      return sc.urn;
    },
  },
  {
    name: "run one database instance",
    rule: "database-replicas",
    kind: "value",
    apply: (inv) => {
      const c = cluster(inv);
      c.inputs.spec.instances = 1;
      return c.urn;
    },
  },
  {
    name: "stop archiving WAL",
    rule: "database-wal-archiving",
    kind: "removal",
    apply: (inv) => {
      const c = cluster(inv);
      c.inputs.spec.plugins = [];
      return c.urn;
    },
  },
  {
    name: "drop the scheduled backup",
    rule: "database-scheduled-backup",
    kind: "removal",
    apply: (inv) => {
      const c = cluster(inv);
      remove(inv, find(inv, "ScheduledBackup", ofType(DATA.cnpgScheduledBackup)));
      return c.urn;
    },
  },
  {
    name: "suspend the backup bucket's versioning",
    rule: "s3-bucket-versioning",
    kind: "value",
    apply: (inv) => {
      find(inv, "BucketVersioning", ofType(DATA.versioning)).inputs.versioningConfiguration.status = "Suspended";
      return find(inv, "S3 bucket", ofType(AWS.bucket)).urn;
    },
  },
  {
    name: "turn off key rotation",
    rule: "kms-key-rotation",
    kind: "value",
    apply: (inv) => {
      const key = find(inv, "KMS key", ofType(DATA.kmsKey));
      key.inputs.enableKeyRotation = false;
      return key.urn;
    },
  },
  // exposure
  {
    name: "expose the engine's internal Service as a NodePort",
    rule: "service-no-node-port",
    kind: "value",
    apply: (inv) => {
      const svc = find(inv, "ClusterIP Service", (e) => e.type === K8S.service && (e.inputs.spec?.type ?? "ClusterIP") === "ClusterIP");
      svc.inputs.spec.type = "NodePort";
      return svc.urn;
    },
  },
  {
    name: "admit the internet into the database namespace",
    rule: "network-policy-no-open-ingress-to-data",
    kind: "value",
    apply: (inv) => {
      const np = find(inv, "ingress policy in hft-data", (e) => e.type === K8S.networkPolicy && e.inputs.metadata.namespace === "hft-data" && (e.inputs.spec.ingress ?? []).length > 0);
      np.inputs.spec.ingress[0].from = [{ ipBlock: { cidr: "0.0.0.0/0" } }];
      return np.urn;
    },
  },
  {
    name: "relax hft-trading to privileged",
    rule: "namespace-pod-security-level",
    kind: "value",
    apply: (inv) => {
      const ns = find(inv, "namespace hft-trading", named(K8S.namespace, "hft-trading"));
      ns.inputs.metadata.labels["pod-security.kubernetes.io/enforce"] = "privileged";
      return ns.urn;
    },
  },
  {
    name: "drop hft-trading's ResourceQuota",
    rule: "namespace-limits-and-quota",
    kind: "removal",
    apply: (inv) => {
      remove(inv, find(inv, "ResourceQuota in hft-trading", (e) => e.type === "kubernetes:core/v1:ResourceQuota" && e.inputs.metadata.namespace === "hft-trading"));
      return find(inv, "namespace hft-trading", named(K8S.namespace, "hft-trading")).urn;
    },
  },
  {
    name: "turn off network policy enforcement in the VPC CNI",
    rule: "cni-network-policy-enforcement",
    kind: "value",
    apply: (inv) => {
      const c = find(inv, "eks:index:Cluster", ofType(AWS.eksComponent));
      c.inputs.vpcCniOptions.enableNetworkPolicy = false;
      return c.urn;
    },
  },
  // IAM
  {
    name: "let the backup policy do anything to any bucket",
    rule: "iam-no-wildcards",
    kind: "value",
    apply: (inv) => {
      const p = find(inv, "IAM policy", ofType(IAM.policy));
      const doc = JSON.parse(p.inputs.policy as string);
      doc.Statement[0] = { ...doc.Statement[0], Action: "s3:*", Resource: "*" };
      p.inputs.policy = JSON.stringify(doc);
      return p.urn;
    },
  },
  {
    name: "let the whole account assume the backup role",
    rule: "iam-role-trust-scoped",
    kind: "value",
    apply: (inv) => {
      const role = backupRole(inv);
      role.inputs.assumeRolePolicy = JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { AWS: "arn:aws:iam::123456789012:root" }, Action: "sts:AssumeRole" }] });
      return role.urn;
    },
  },
  {
    name: "drop the backup role's pod identity association",
    rule: "iam-role-trust-scoped",
    kind: "removal",
    apply: (inv) => {
      const role = backupRole(inv);
      for (const a of inv.filter((e) => e.type === IAM.podIdentityAssociation && (e.dependsOn ?? []).includes(role.urn))) remove(inv, a);
      return role.urn;
    },
  },
];
