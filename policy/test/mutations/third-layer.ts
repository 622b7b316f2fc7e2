/**
 * Mutations for the access, data-store, scaling and pod-baseline rules: each sets a wrong value on the
 * prod inventory (a managed policy, an access policy, a policy statement, a replica ceiling, a budget,
 * a sysctl, a token setting).
 */
import { K8S, POD_TYPES } from "../../kubernetes";
import { ACCESS } from "../../policies/access";
import { AWS } from "../../policies/aws";
import { DATA_STORES } from "../../policies/data-stores";
import { IAM } from "../../policies/iam";
import { enginePod, Entry, find, Inventory, Mutation, ofType } from "./kit";

const theEngine = (inv: Inventory) => find(inv, "engine workload trading-engine", (e) => POD_TYPES.includes(e.type) && e.inputs.metadata?.name === "trading-engine");
const role = (inv: Inventory, name: string) => find(inv, `role ${name}`, (e) => e.type === IAM.role && e.name === name);
const chart = (inv: Inventory) => find(inv, "kube-prometheus-stack chart", (e) => e.type === K8S.helmChart && e.inputs.chart === "kube-prometheus-stack");
const accessEntries = (inv: Inventory) => find(inv, "eks:index:Cluster", ofType(AWS.eksComponent));
const doc = (...Statement: object[]) => JSON.stringify({ Version: "2012-10-17", Statement });

/** The bucket a bucket policy is attached to (the policy takes its id). */
const bucketOf = (inv: Inventory, policy: Entry) => find(inv, "the bucket policy's bucket", (e) => e.type === AWS.bucket && (policy.dependsOn ?? []).includes(e.urn));

/** Rewrites the statements of a JSON policy document held in `entry.inputs[field]`. */
function editPolicy(entry: Entry, field: string, edit: (statements: any[]) => void): string {
  const parsed = JSON.parse(entry.inputs[field] as string);
  edit(parsed.Statement);
  entry.inputs[field] = JSON.stringify(parsed);
  return entry.urn;
}

export const THIRD_LAYER_MUTATIONS: Mutation[] = [
  {
    name: "attach AdministratorAccess to the CI runner role",
    kind: "value",
    rule: "iam-managed-policies-allowed",
    apply: (inv) => {
      const runner = role(inv, "hft-ci-runner");
      const urn = runner.urn.replace(`${IAM.role}::hft-ci-runner`, `${ACCESS.rolePolicyAttachment}::hft-ci-runner-admin`);
      inv.push({ urn, type: ACCESS.rolePolicyAttachment, name: "hft-ci-runner-admin", custom: true, inputs: { role: "hft-ci-runner-id", policyArn: "arn:aws:iam::aws:policy/AdministratorAccess" }, dependsOn: [runner.urn] });
      return urn;
    },
  },
  {
    name: "swap a node role policy for PowerUserAccess",
    kind: "value",
    rule: "iam-managed-policies-allowed",
    apply: (inv) => {
      const a = find(inv, "node role SSM attachment", (e) => e.type === ACCESS.rolePolicyAttachment && e.name === "hft-node-AmazonSSMManagedInstanceCore");
      a.inputs.policyArn = "arn:aws:iam::aws:policy/PowerUserAccess";
      return a.urn;
    },
  },
  {
    name: "give the preview role the edit access policy",
    kind: "value",
    rule: "eks-access-entries",
    apply: (inv) => {
      const c = accessEntries(inv);
      // The fixture's cluster has no CI entries; the render's preview entry keeps its view policy beside this one.
      c.inputs.accessEntries["ci-preview"] ??= { principalArn: "arn:aws:iam::111122223333:role/hft-ci-preview-prod", accessPolicies: {} };
      c.inputs.accessEntries["ci-preview"].accessPolicies.edit = { policyArn: "arn:aws:eks::aws:cluster-access-policy/AmazonEKSEditPolicy", accessScope: { type: "cluster" } };
      return c.urn;
    },
  },
  {
    name: "make the node role's access entry STANDARD",
    kind: "value",
    rule: "eks-access-entries",
    apply: (inv) => {
      const c = accessEntries(inv);
      c.inputs.accessEntries.nodes.type = "STANDARD";
      return c.urn;
    },
  },
  {
    name: "flip the bucket policy's TLS condition to true",
    kind: "value",
    rule: "s3-bucket-policy-secure",
    apply: (inv) => {
      const policy = find(inv, "bucket policy", ofType(DATA_STORES.bucketPolicy));
      editPolicy(policy, "policy", (s) => (s.find((x) => x.Sid === "DenyInsecureTransport").Condition.Bool["aws:SecureTransport"] = "true"));
      return bucketOf(inv, policy).urn;
    },
  },
  {
    name: "grant the bucket's objects to principal *",
    kind: "value",
    rule: "s3-bucket-policy-secure",
    apply: (inv) => {
      const policy = find(inv, "bucket policy", ofType(DATA_STORES.bucketPolicy));
      editPolicy(policy, "policy", (s) => s.push({ Sid: "PublicRead", Effect: "Allow", Principal: "*", Action: "s3:GetObject", Resource: `${s[0].Resource[1]}` }));
      return bucketOf(inv, policy).urn;
    },
  },
  {
    name: "give the backup key a policy granting kms:* to *",
    kind: "value",
    rule: "kms-key-policy-scoped",
    apply: (inv) => {
      const key = find(inv, "backup key", (e) => e.type === DATA_STORES.kmsKey && e.name === "timescaledb-backups");
      key.inputs.policy = doc({ Sid: "Everyone", Effect: "Allow", Principal: { AWS: "*" }, Action: "kms:*", Resource: "*" });
      return key.urn;
    },
  },
  {
    name: "let the engine HPA scale past its nodes",
    kind: "value",
    rule: "engine-replicas-within-nodes",
    apply: (inv) => {
      const hpa = find(inv, "engine HPA", (e) => e.type === "kubernetes:autoscaling/v2:HorizontalPodAutoscaler" && e.inputs.spec?.scaleTargetRef?.name === "trading-engine");
      hpa.inputs.spec.maxReplicas = hpa.inputs.spec.maxReplicas + 1;
      return hpa.urn;
    },
  },
  {
    name: "set Prometheus's budget to minAvailable 0",
    kind: "value",
    rule: "monitoring-chart-budgets",
    apply: (inv) => {
      const c = chart(inv);
      c.inputs.values.prometheus.podDisruptionBudget.minAvailable = 0;
      return c.urn;
    },
  },
  {
    name: "set Alertmanager's budget to all its replicas",
    kind: "value",
    rule: "monitoring-chart-budgets",
    apply: (inv) => {
      const c = chart(inv);
      c.inputs.values.alertmanager.podDisruptionBudget.minAvailable = c.inputs.values.alertmanager.alertmanagerSpec.replicas;
      return c.urn;
    },
  },
  {
    name: "set an unsafe sysctl on the engine pod",
    kind: "value",
    rule: "pod-safe-sysctls",
    apply: (inv) => {
      const e = theEngine(inv);
      enginePod(e).securityContext.sysctls = [{ name: "net.core.somaxconn", value: "65535" }];
      return e.urn;
    },
  },
  {
    name: "mount the engine's service-account token",
    kind: "value",
    rule: "pod-service-account-token",
    apply: (inv) => {
      const e = theEngine(inv);
      enginePod(e).automountServiceAccountToken = true;
      return e.urn;
    },
  },
];
