/**
 * The access, data-store, scaling and pod-baseline rules: each wrong value they exist to refuse, the
 * bound from the config named in the message, and the values they must let through.
 */
import { readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { EngineResource, reconcileConfig } from "../../tools/policy-engine";
import { K8S } from "../kubernetes";
import { allPolicies } from "../policies";
import { ACCESS } from "../policies/access";
import { AWS } from "../policies/aws";
import { DATA_STORES } from "../policies/data-stores";
import { IAM } from "../policies/iam";
import { SAFE_SYSCTLS } from "../policies/pod-baseline";
import { of } from "./cases/case";
import {
  ACCESS_CONFIG,
  accessEntry,
  attached,
  ATTACHMENTS_CONFIG,
  bucketWithPolicy,
  clusterWith,
  DEPLOY,
  engineScaling,
  keyWith,
  KMS_TO_ANYONE,
  monitoringValues,
  NODE_ENTRY,
  PREVIEW,
  PUBLIC_READ,
  ROOT_ADMIN,
  TLS_DENY,
} from "./cases/third-layer";
import * as aws from "./fixtures/aws";
import * as k from "./fixtures/kubernetes";
import { check, messages, readConfig, REPO_ROOT, resource } from "./harness";


describe("iam-managed-policies-allowed", () => {
  const run = (resources: EngineResource[], config: Record<string, unknown> = ATTACHMENTS_CONFIG) => messages("iam-managed-policies-allowed", resources, config);

  it("refuses an AWS managed policy outside the role's list, naming both", async () => {
    expect(await run(attached("hft-node", "arn:aws:iam::aws:policy/PowerUserAccess"))).toEqual([
      "role hft-node attaches AWS managed policy PowerUserAccess; this stack's policy config allows it only AmazonEKSWorkerNodePolicy.",
    ]);
  });

  it("reads managed policy names in any partition, with their path", async () => {
    const config = { allowedAttachments: { "hft-ebs-csi": { awsManaged: ["service-role/AmazonEBSCSIDriverPolicy"] } } };
    expect(await run(attached("hft-ebs-csi", "arn:aws-us-gov:iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy"), config)).toEqual([]);
    expect(await run(attached("hft-ebs-csi", "arn:aws:iam::aws:policy/AmazonEBSCSIDriverPolicy"), config)).toEqual([
      "role hft-ebs-csi attaches AWS managed policy AmazonEBSCSIDriverPolicy; this stack's policy config allows it only service-role/AmazonEBSCSIDriverPolicy.",
    ]);
  });

  it("names the stack's own policies by resource name, and refuses one not listed for the role", async () => {
    const role = resource(IAM.role, { assumeRolePolicy: "{}" }, "timescaledb-backups");
    const policy = resource(IAM.policy, { policy: "{}" }, "timescaledb-backups");
    const attachment = resource(ACCESS.rolePolicyAttachment, { role: "timescaledb-backups-1a2b3c4", policyArn: "arn:aws:iam::123456789012:policy/timescaledb-backups-d57b6ec" }, "backups", {
      dependencies: [role.urn, policy.urn],
    });
    const allowed = { allowedAttachments: { "timescaledb-backups": { stackPolicies: ["timescaledb-backups"] } } };
    expect(await run([role, policy, attachment], allowed)).toEqual([]);
    expect(await run([role, policy, attachment], { allowedAttachments: { "timescaledb-backups": { awsManaged: ["AmazonS3ReadOnlyAccess"], stackPolicies: ["other"] } } })).toEqual([
      "role timescaledb-backups attaches stack policy timescaledb-backups; this stack's policy config allows it only AmazonS3ReadOnlyAccess, stack policy other.",
    ]);
  });

  it("refuses a customer policy from outside the stack, and the role's own managedPolicyArns", async () => {
    expect(await run(attached("hft-node", "arn:aws:iam::123456789012:policy/ops-admin"))).toEqual([
      "role hft-node attaches arn:aws:iam::123456789012:policy/ops-admin, which is neither an AWS managed policy nor one this stack creates; this stack's policy config allows it only AmazonEKSWorkerNodePolicy.",
    ]);
    const role = resource(IAM.role, { assumeRolePolicy: "{}", managedPolicyArns: ["arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy", "arn:aws:iam::aws:policy/AdministratorAccess"] }, "hft-node");
    expect(await run([role])).toEqual(["role hft-node attaches AWS managed policy AdministratorAccess; this stack's policy config allows it only AmazonEKSWorkerNodePolicy."]);
  });

  it("judges an attachment to a role from outside the stack by its role name", async () => {
    const attachment = resource(ACCESS.rolePolicyAttachment, { role: "imported-role", policyArn: "arn:aws:iam::aws:policy/ReadOnlyAccess" }, "imported");
    expect(await run([attachment])).toEqual(["role imported-role attaches AWS managed policy ReadOnlyAccess; this stack's policy config allows it none."]);
  });
});

describe("eks-access-entries", () => {
  const run = (entries: Record<string, object>, config: Record<string, unknown> = ACCESS_CONFIG) => messages("eks-access-entries", clusterWith(entries), config);

  it("refuses a principal the stack file does not name, and one given admin beyond its list", async () => {
    expect(await run({ ops: accessEntry("arn:aws:iam::111122223333:role/ops", "AmazonEKSViewPolicy") })).toEqual([
      `access entry ops gives arn:aws:iam::111122223333:role/ops access to the cluster; this stack's policy config names only ${DEPLOY}, ${PREVIEW}.`,
    ]);
    expect(await run({ preview: accessEntry(PREVIEW, "AmazonEKSViewPolicy", "AmazonEKSEditPolicy") })).toEqual([
      `access entry preview gives ${PREVIEW} AmazonEKSEditPolicy; this stack's policy config allows it only AmazonEKSViewPolicy.`,
    ]);
    expect(await run({ deploy: { ...accessEntry(DEPLOY, "AmazonEKSClusterAdminPolicy"), kubernetesGroups: ["system:masters"] } })).toEqual([
      `access entry deploy puts ${DEPLOY} in Kubernetes groups system:masters; access goes through the listed access policies only.`,
    ]);
  });

  it("wants the node role's entry EC2_LINUX with no access policy or group, and no node entry for another role", async () => {
    expect(await run({ nodes: { ...NODE_ENTRY, type: "STANDARD" } })).toEqual([
      "access entry nodes for node role arn:aws:iam::123456789012:role/hft-node-f32251a is type STANDARD; this stack's policy config wants EC2_LINUX.",
    ]);
    expect(await run({ nodes: { ...NODE_ENTRY, ...accessEntry(NODE_ENTRY.principalArn, "AmazonEKSClusterAdminPolicy") } })).toEqual([
      "access entry nodes for arn:aws:iam::123456789012:role/hft-node-f32251a holds AmazonEKSClusterAdminPolicy; a node entry holds no access policy and no group.",
    ]);
    expect(await run({ nodes: { ...NODE_ENTRY, kubernetesGroups: ["ops"] } })).toEqual([
      "access entry nodes for arn:aws:iam::123456789012:role/hft-node-f32251a holds group ops; a node entry holds no access policy and no group.",
    ]);
    expect(await run({ other: { principalArn: "arn:aws:iam::123456789012:role/hft-node-evil", type: "EC2_LINUX" } })).toEqual([
      "access entry other (arn:aws:iam::123456789012:role/hft-node-evil) is type EC2_LINUX but its role is none of this stack's node roles (hft-node).",
    ]);
    expect(await run({ nodes: { principalArn: "arn:aws:iam::123456789012:role/hft-node", type: "EC2_LINUX" } })).toEqual([]);
  });

  it("knows a node role by its name or Pulumi's auto-name suffix only, characters taken literally", async () => {
    const node = (roleName: string) => ({ n: { principalArn: `arn:aws:iam::123456789012:role/${roleName}`, type: "EC2_LINUX" } });
    const config = { ...ACCESS_CONFIG, nodeRoles: ["hft.node"] };
    expect(await run(node("hft.node-1a2b3c4d"), config)).toEqual([]);
    for (const other of ["hftxnode-1a2b3c4", "hft.node-12345", "hft.node-1a2b3c4-x", "x-hft.node-1a2b3c4", "hft.node-"]) {
      expect(await run(node(other), config), other).toEqual([`access entry n (arn:aws:iam::123456789012:role/${other}) is type EC2_LINUX but its role is none of this stack's node roles (hft.node).`]);
    }
  });

  it("judges the aws:eks children a real preview sends, with the component's empty inputs", async () => {
    const component = resource(AWS.eksComponent, {}, "hft");
    const entry = resource(ACCESS.accessEntry, { clusterName: "hft-prod", principalArn: PREVIEW, type: "STANDARD" }, "hft-ci-preview");
    const association = (policy: string) =>
      resource(ACCESS.accessPolicyAssociation, { clusterName: "hft-prod", principalArn: PREVIEW, policyArn: `arn:aws:eks::aws:cluster-access-policy/${policy}`, accessScope: { type: "cluster" } }, "hft-ci-preview-admin");
    expect(await messages("eks-access-entries", [component, entry, association("AmazonEKSViewPolicy")], ACCESS_CONFIG)).toEqual([]);
    expect(await messages("eks-access-entries", [component, entry, association("AmazonEKSAdminPolicy")], ACCESS_CONFIG)).toEqual([
      `access entry hft-ci-preview gives ${PREVIEW} AmazonEKSAdminPolicy; this stack's policy config allows it only AmazonEKSViewPolicy.`,
    ]);
  });

  it("is configured from each eks stack's file: the deploy role and cluster.adminRoleArns as admins, the preview role read-only", () => {
    const stacks = readdirSync(REPO_ROOT).flatMap((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1] ?? []);
    for (const stack of stacks) {
      const config = parse(readFileSync(path.join(REPO_ROOT, `Pulumi.${stack}.yaml`), "utf8")).config;
      const cluster = config["hft-platform:cluster"] ?? {};
      const expected =
        config["hft-platform:clusterMode"] === "eks"
          ? [
              [cluster.ciAccess.deployRoleArn, ["AmazonEKSClusterAdminPolicy"]],
              [cluster.ciAccess.previewRoleArn, ["AmazonEKSViewPolicy"]],
              ...(cluster.adminRoleArns ?? []).map((arn: string) => [arn, ["AmazonEKSClusterAdminPolicy"]]),
            ]
          : [];
      const principals = (readConfig(stack)["eks-access-entries"] as { principals: { arn: string; accessPolicies: string[] }[] }).principals;
      expect(principals.map((p) => [p.arn, p.accessPolicies]), stack).toEqual(expected);
    }
  });
});

describe("s3-bucket-policy-secure", () => {
  const run = (resources: EngineResource[], config?: Record<string, unknown>) => messages("s3-bucket-policy-secure", resources, config);
  const NO_TLS = "bucket timescaledb-backups's policy has no statement denying s3:* to principal * when aws:SecureTransport is false: requests without TLS are not refused.";

  it("refuses a bucket without a policy, and a TLS deny whose condition, principal or resources are wrong", async () => {
    expect(await run([aws.bucket()])).toEqual(["bucket timescaledb-backups has no bucket policy: add one that denies requests without TLS (aws:SecureTransport false)."]);
    expect(await run(bucketWithPolicy({ ...TLS_DENY, Condition: { Bool: { "aws:SecureTransport": "true" } } }))).toEqual([NO_TLS]);
    expect(await run(bucketWithPolicy({ ...TLS_DENY, Principal: { AWS: "arn:aws:iam::123456789012:root" } }))).toEqual([NO_TLS]);
    expect(await run(bucketWithPolicy({ ...TLS_DENY, Action: "s3:PutObject" }))).toEqual([NO_TLS]);
    expect(await run(bucketWithPolicy({ ...TLS_DENY, Resource: TLS_DENY.Resource[1] }))).toEqual([NO_TLS]);
    expect(await run(bucketWithPolicy({ ...TLS_DENY, Resource: TLS_DENY.Resource[0] }))).toEqual([NO_TLS]);
    expect(await run(bucketWithPolicy({ ...TLS_DENY, Effect: "Allow", Principal: { Service: "logging.s3.amazonaws.com" } }))).toEqual([NO_TLS]);
  });

  it("wants the deny to be a Deny with its condition, for the bucket it is attached to", async () => {
    expect(await run(bucketWithPolicy({ ...TLS_DENY, Effect: "Allow" }))).toEqual([
      "bucket policy timescaledb-backups-BucketPolicy: statement DenyInsecureTransport allows s3:* to principal *; this stack's policy config allows no public statement on timescaledb-backups: name the principals.",
      NO_TLS,
    ]);
    expect(await run(bucketWithPolicy({ ...TLS_DENY, Condition: undefined }))).toEqual([NO_TLS]);
    expect(await run(bucketWithPolicy({ ...TLS_DENY, Condition: { StringEquals: { "aws:SourceVpc": "vpc-1" } } }))).toEqual([NO_TLS]);
    const other = resource(AWS.bucket, { bucketPrefix: "other-" }, "other");
    expect(await run([...bucketWithPolicy(TLS_DENY), other])).toEqual(["bucket other has no bucket policy: add one that denies requests without TLS (aws:SecureTransport false)."]);
  });

  it("accepts the TLS deny in its other spellings", async () => {
    expect(await run(bucketWithPolicy({ ...TLS_DENY, Principal: { AWS: ["*"] }, Action: "*", Resource: "*", Condition: { BoolIfExists: { "aws:SecureTransport": false } } }))).toEqual([]);
  });

  it("refuses a grant to everyone unless the config names that statement", async () => {
    expect(await run(bucketWithPolicy(TLS_DENY, { ...PUBLIC_READ, Sid: undefined, Principal: "*", Action: ["s3:GetObject", "s3:ListBucket"] }))).toEqual([
      "bucket policy timescaledb-backups-BucketPolicy: statement 1 allows s3:GetObject, s3:ListBucket to principal *; this stack's policy config allows no public statement on timescaledb-backups: name the principals.",
    ]);
    expect(await run(bucketWithPolicy(TLS_DENY, { ...PUBLIC_READ, Principal: undefined, NotPrincipal: { AWS: "arn:aws:iam::123456789012:root" } }))).toEqual([
      "bucket policy timescaledb-backups-BucketPolicy: statement PublicRead allows s3:GetObject to everyone but NotPrincipal; this stack's policy config allows no public statement on timescaledb-backups: name the principals.",
    ]);
    expect(await run(bucketWithPolicy(TLS_DENY, PUBLIC_READ), { publicStatements: [{ name: "timescaledb-backups/PublicRead", reason: "a public download page for reference data" }] })).toEqual([]);
    expect(await run(bucketWithPolicy(TLS_DENY, PUBLIC_READ), { publicStatements: [{ name: "timescaledb-backups/OtherSid", reason: "a public download page for reference data" }] })).toHaveLength(1);
    expect(await run(bucketWithPolicy(TLS_DENY, { ...PUBLIC_READ, Principal: { AWS: "arn:aws:iam::123456789012:role/reader" } }))).toEqual([]);
  });

  it("names NotAction when a public statement has no Action, and reads a principal given as a plain ARN", async () => {
    expect(await run(bucketWithPolicy(TLS_DENY, { ...PUBLIC_READ, Action: undefined, NotAction: "s3:DeleteObject" }))).toEqual([
      "bucket policy timescaledb-backups-BucketPolicy: statement PublicRead allows NotAction to principal *; this stack's policy config allows no public statement on timescaledb-backups: name the principals.",
    ]);
    expect(await run(bucketWithPolicy(TLS_DENY, { ...PUBLIC_READ, Principal: "arn:aws:iam::123456789012:root" }))).toEqual([]);
  });

  it("reads the bucket's own policy input too, and refuses a document that is not JSON", async () => {
    expect(await run([aws.bucket({ policy: JSON.stringify({ Statement: [TLS_DENY] }) })])).toEqual([]);
    expect(await run([aws.bucket({ policy: "not json" })])).toEqual(["bucket timescaledb-backups's policy is not a JSON policy document.", NO_TLS]);
  });
});

describe("kms-key-policy-scoped", () => {
  const run = (props: object, config?: Record<string, unknown>) => messages("kms-key-policy-scoped", of(DATA_STORES.kmsKey, props), config);

  it("accepts KMS's default policy and grants to named principals", async () => {
    expect(await run({ description: "no policy: KMS's default" })).toEqual([]);
    expect(await run(keyWith(ROOT_ADMIN, { Effect: "Deny", Principal: "*", Action: "kms:*", Resource: "*" }))).toEqual([]);
  });

  it("refuses kms:*, * and NotAction to principal *, whatever the conditions", async () => {
    const everyone = "grants kms:* to principal *: anyone could use, re-key or delete the key; grant named actions to named principals.";
    expect(await run(keyWith({ ...KMS_TO_ANYONE, Condition: { StringEquals: { "kms:CallerAccount": "123456789012" } } }))).toEqual([`statement Everyone ${everyone}`]);
    expect(await run(keyWith({ ...KMS_TO_ANYONE, Sid: undefined, Principal: { AWS: "*" }, Action: ["kms:Decrypt", "KMS:*"] }))).toEqual([
      "statement 0 grants KMS:* to principal *: anyone could use, re-key or delete the key; grant named actions to named principals.",
    ]);
    expect(await run(keyWith({ ...KMS_TO_ANYONE, Action: "*" }))).toEqual(["statement Everyone grants * to principal *: anyone could use, re-key or delete the key; grant named actions to named principals."]);
    expect(await run(keyWith({ ...KMS_TO_ANYONE, Action: undefined, NotAction: "kms:ScheduleKeyDeletion" }))).toEqual([
      "statement Everyone grants everything but NotAction to principal *: anyone could use, re-key or delete the key; grant named actions to named principals.",
    ]);
    expect(await run(keyWith({ ...ROOT_ADMIN, Principal: undefined, NotPrincipal: { AWS: "arn:aws:iam::123456789012:root" } }))).toEqual([
      "statement EnableIamPolicies allows everyone but NotPrincipal: name the principals.",
    ]);
  });

  it("names every wildcard and every condition key it saw, and reads a null principal as no one", async () => {
    expect(await run(keyWith({ ...KMS_TO_ANYONE, Action: ["kms:*", "*"] }))).toEqual([
      "statement Everyone grants kms:*, * to principal *: anyone could use, re-key or delete the key; grant named actions to named principals.",
    ]);
    const viaS3 = { Sid: "ViaS3", Effect: "Allow", Principal: "*", Action: "kms:Decrypt", Resource: "*", Condition: { StringEquals: { "kms:ViaService": "s3.us-east-1.amazonaws.com", "kms:EncryptionContext:aws:s3:arn": "arn:aws:s3:::b" } } };
    expect(await run(keyWith(viaS3))).toEqual([
      "statement ViaS3 grants kms:Decrypt to principal * with conditions on kms:ViaService, kms:EncryptionContext:aws:s3:arn; this stack's policy config wants one of kms:CallerAccount, aws:PrincipalAccount, aws:PrincipalOrgID, aws:PrincipalArn.",
    ]);
    expect(await run(keyWith({ ...KMS_TO_ANYONE, Principal: null }))).toEqual([]);
  });

  it("lets other actions reach principal * only under a condition on a pinning key from the config", async () => {
    const decrypt = { Sid: "ViaS3", Effect: "Allow", Principal: "*", Action: ["kms:Decrypt", "kms:GenerateDataKey"], Resource: "*" };
    expect(await run(keyWith({ ...decrypt, Condition: { StringEquals: { "kms:CallerAccount": "123456789012", "kms:ViaService": "s3.us-east-1.amazonaws.com" } } }))).toEqual([]);
    expect(await run(keyWith({ ...decrypt, Condition: { StringEquals: { "kms:ViaService": "s3.us-east-1.amazonaws.com" } } }))).toEqual([
      "statement ViaS3 grants kms:Decrypt, kms:GenerateDataKey to principal * with conditions on kms:ViaService; this stack's policy config wants one of kms:CallerAccount, aws:PrincipalAccount, aws:PrincipalOrgID, aws:PrincipalArn.",
    ]);
    expect(await run(keyWith(decrypt), { pinningConditionKeys: ["aws:PrincipalOrgID"] })).toEqual([
      "statement ViaS3 grants kms:Decrypt, kms:GenerateDataKey to principal * with conditions on nothing; this stack's policy config wants one of aws:PrincipalOrgID.",
    ]);
  });

  it("judges aws:kms/keyPolicy too, and refuses a document that is not JSON", async () => {
    expect(await messages("kms-key-policy-scoped", of(DATA_STORES.kmsKeyPolicy, { keyId: "k", policy: JSON.stringify({ Statement: KMS_TO_ANYONE }) }))).toHaveLength(1);
    expect(await run({ policy: "{" })).toEqual(["the key policy is not a JSON policy document."]);
  });
});

describe("engine-replicas-within-nodes", () => {
  it("refuses an HPA ceiling above the engine nodes, and accepts it at the bound", async () => {
    expect(await messages("engine-replicas-within-nodes", engineScaling(6, 5))).toEqual([
      "HorizontalPodAutoscaler trading-engine-hpa allows maxReplicas 6; the stack holds 5: 5 engine nodes (hft-engine maxSize 5) × 1 replica per node. Lower it or raise the engine node group's maxSize.",
    ]);
    expect(await messages("engine-replicas-within-nodes", engineScaling(5, 5))).toEqual([]);
    expect(await messages("engine-replicas-within-nodes", engineScaling(10, 5), { replicasPerNode: 2 })).toEqual([]);
  });

  it("without an HPA judges the workload's replicas; an HPA in another namespace does not count", async () => {
    const [engine, group, hpa] = engineScaling(3, 2);
    expect(await messages("engine-replicas-within-nodes", [engine, group])).toEqual([
      "trading-engine runs 3 replicas; the stack holds 2: 2 engine nodes (hft-engine maxSize 2) × 1 replica per node. Lower it or raise the engine node group's maxSize.",
    ]);
    (hpa.props as any).metadata.namespace = "other";
    expect(await messages("engine-replicas-within-nodes", [engine, group, hpa])).toHaveLength(1);
  });

  it("counts one node in the singular, a group without scalingConfig as none, and reads autoscaling/v1", async () => {
    const [engine, group, hpa] = engineScaling(2, 1);
    expect(await messages("engine-replicas-within-nodes", [engine, group, hpa])).toEqual([
      "HorizontalPodAutoscaler trading-engine-hpa allows maxReplicas 2; the stack holds 1: 1 engine node (hft-engine maxSize 1) × 1 replica per node. Lower it or raise the engine node group's maxSize.",
    ]);
    const { scalingConfig: _scaling, ...unscaled } = aws.engineNodeGroup();
    const bare = resource(AWS.nodeGroup, unscaled, "hft-engine");
    const v1 = resource("kubernetes:autoscaling/v1:HorizontalPodAutoscaler", hpa.props, "trading-engine-hpa-v1");
    expect(await messages("engine-replicas-within-nodes", [engine, bare, v1])).toEqual([
      "HorizontalPodAutoscaler trading-engine-hpa-v1 allows maxReplicas 2; the stack holds 0: 0 engine nodes (hft-engine maxSize 0) × 1 replica per node. Lower it or raise the engine node group's maxSize.",
    ]);
  });

  it("adds up every engine node group, and is not applicable without one", async () => {
    const [engine, group, hpa] = engineScaling(7, 4);
    const second = resource(AWS.nodeGroup, { ...aws.engineNodeGroup(), nodeGroupName: "hft-engine-b", scalingConfig: { maxSize: 3 } }, "hft-engine-b");
    const system = resource(AWS.nodeGroup, { labels: { "node-type": "system" }, scalingConfig: { maxSize: 9 } }, "hft-system");
    expect(await messages("engine-replicas-within-nodes", [engine, group, hpa, second, system], { nodeGroupNames: ["hft-engine", "hft-engine-b"] })).toEqual([]);
    expect(await messages("engine-replicas-within-nodes", [engine, hpa, system])).toEqual([]);
    const { run } = await check("engine-replicas-within-nodes", [engine, hpa, system]);
    expect(run.notApplicable).toEqual(["the stack creates no engine node group (an existing cluster's nodes are not in the stack)"]);
  });
});

describe("monitoring-chart-budgets", () => {
  const run = (props: object, config?: Record<string, unknown>) => messages("monitoring-chart-budgets", of(K8S.helmChart, props, () => {}, "kube-prometheus-stack"), config);

  it("refuses a disabled budget, one at 0 or below the bound, and one that keeps every replica", async () => {
    expect(await run(monitoringValues({ enabled: false, minAvailable: 1 }))).toEqual(["prometheus runs 2 replicas but prometheus.podDisruptionBudget.enabled is false: a node drain may evict every replica at once."]);
    expect(await run(monitoringValues({ minAvailable: 1 }))).toEqual(["prometheus runs 2 replicas but prometheus.podDisruptionBudget.enabled is unset: a node drain may evict every replica at once."]);
    expect(await run(monitoringValues(undefined, { enabled: true }))).toEqual(["alertmanager runs 3 replicas but alertmanager.podDisruptionBudget.minAvailable is unset; this stack's policy config wants at least 1."]);
    expect(await run(monitoringValues(undefined, { enabled: true, minAvailable: 1 }), { minAvailable: 2 })).toEqual([
      "prometheus runs 2 replicas but prometheus.podDisruptionBudget.minAvailable is 1; this stack's policy config wants at least 2.",
      "alertmanager runs 3 replicas but alertmanager.podDisruptionBudget.minAvailable is 1; this stack's policy config wants at least 2.",
    ]);
    expect(await run(monitoringValues(undefined, { enabled: true, minAvailable: 3 }))).toEqual([
      "alertmanager.podDisruptionBudget.minAvailable 3 keeps all 3 replicas: no drain can evict one; it must stay below 3.",
    ]);
  });

  it("reads a percentage as the disruption controller does, rounding up", async () => {
    expect(await run(monitoringValues({ enabled: true, minAvailable: "50%" }, { enabled: true, minAvailable: "34%" }))).toEqual([]);
    expect(await run(monitoringValues({ enabled: true, minAvailable: "0%" }))).toEqual(["prometheus runs 2 replicas but prometheus.podDisruptionBudget.minAvailable is 0%; this stack's policy config wants at least 1."]);
    expect(await run(monitoringValues({ enabled: true, minAvailable: "100%" }))).toEqual(["prometheus.podDisruptionBudget.minAvailable 100% keeps all 2 replicas: no drain can evict one; it must stay below 2."]);
    expect(await run(monitoringValues({ enabled: true, minAvailable: "half" }))).toEqual(["prometheus runs 2 replicas but prometheus.podDisruptionBudget.minAvailable is half; this stack's policy config wants at least 1."]);
  });

  it("skips a single replica and a disabled component; is not applicable to other charts or to a chart without inputs", async () => {
    const single = monitoringValues({ enabled: false });
    (single.values.prometheus.prometheusSpec as { replicas?: number }).replicas = 1;
    const off: any = monitoringValues(undefined, { enabled: false });
    off.values.alertmanager.enabled = false;
    expect(await run(single)).toEqual([]);
    expect(await run(off)).toEqual([]);
    const { run: other } = await check("monitoring-chart-budgets", of(K8S.helmChart, { ...monitoringValues({ enabled: false }), chart: "oci://registry/charts/loki" }));
    expect(other.notApplicable).toEqual(["subject: not the kube-prometheus-stack chart"]);
    expect(await run({ ...monitoringValues({ enabled: false }), chart: "prometheus-community/kube-prometheus-stack" })).toHaveLength(1);
    const { run: opaque } = await check("monitoring-chart-budgets", of(K8S.helmChart, {}));
    expect(opaque.notApplicable[0]).toMatch(/inputs are not sent to policies/);
  });
});

describe("pod-safe-sysctls", () => {
  const pod = (sysctls: { name: string; value: string }[], hostNetwork = false) =>
    k.engineResource(k.statefulSet({ ...k.enginePod(), hostNetwork, securityContext: { ...k.enginePod().securityContext, sysctls } }));

  it("lists the Pod Security baseline's safe sysctls as its default", async () => {
    expect(SAFE_SYSCTLS).toHaveLength(10);
    expect(await messages("pod-safe-sysctls", [pod(SAFE_SYSCTLS.map((name) => ({ name, value: "1" })))])).toEqual([]);
  });

  it("names every allowed sysctl in its message, and judges a pod without a securityContext", async () => {
    expect(await messages("pod-safe-sysctls", [pod([{ name: "kernel.msgmax", value: "65536" }])], { allowedSysctls: ["kernel.shm_rmid_forced", "net.ipv4.tcp_syncookies"] })).toEqual([
      "the pod sets sysctl kernel.msgmax; this stack's policy config allows only kernel.shm_rmid_forced, net.ipv4.tcp_syncookies: set it on the node at boot.",
    ]);
    const bare: any = k.statefulSet();
    delete bare.spec.template.spec.securityContext;
    expect(await messages("pod-safe-sysctls", [k.engineResource(bare)])).toEqual([]);
  });

  it("refuses a safe sysctl the stack's config leaves out, and net.* with hostNetwork", async () => {
    expect(await messages("pod-safe-sysctls", [pod([{ name: "net.ipv4.tcp_syncookies", value: "1" }])], { allowedSysctls: [] })).toEqual([
      "the pod sets sysctl net.ipv4.tcp_syncookies; this stack's policy config allows only none: set it on the node at boot.",
    ]);
    expect(await messages("pod-safe-sysctls", [pod([{ name: "net.ipv4.tcp_fin_timeout", value: "15" }, { name: "kernel.shm_rmid_forced", value: "1" }], true)])).toEqual([
      "the pod sets sysctl net.ipv4.tcp_fin_timeout with hostNetwork: it would change the node's network namespace, and the kubelet refuses it.",
    ]);
  });
});

describe("pod-service-account-token", () => {
  const client = { kind: "Deployment", namespace: k.NS, name: "market-data-gateway", reason: "watches its ConfigMap through the API" };
  const gateway = (automount?: boolean) => {
    const w: any = k.deployment();
    w.spec.template.spec.automountServiceAccountToken = automount;
    return of(K8S.deployment, w);
  };

  it("refuses a token mounted explicitly, naming the declared API clients", async () => {
    expect(await messages("pod-service-account-token", gateway(true), { apiClients: [{ ...client, name: "other" }] })).toEqual([
      "Deployment hft-trading/market-data-gateway mounts a service-account token (automountServiceAccountToken true) but is not one of this stack's apiClients (hft-trading/other): set automountServiceAccountToken: false.",
    ]);
  });

  it("matches an API client by kind, namespace and name exactly", async () => {
    expect(await messages("pod-service-account-token", gateway(true), { apiClients: [client] })).toEqual([]);
    expect(await messages("pod-service-account-token", gateway(true), { apiClients: [{ ...client, namespace: "default" }] })).toHaveLength(1);
    expect(await messages("pod-service-account-token", gateway(true), { apiClients: [{ ...client, kind: "StatefulSet" }] })).toHaveLength(1);
    expect(await messages("pod-service-account-token", gateway(false))).toEqual([]);
  });

  it("names every declared API client, and judges a pod without metadata", async () => {
    const clients = [client, { ...client, namespace: "monitoring", name: "grafana" }].map((c) => ({ ...c, name: `${c.name}-x` }));
    expect(await messages("pod-service-account-token", gateway(true), { apiClients: clients })).toEqual([
      "Deployment hft-trading/market-data-gateway mounts a service-account token (automountServiceAccountToken true) but is not one of this stack's apiClients (hft-trading/market-data-gateway-x, monitoring/grafana-x): set automountServiceAccountToken: false.",
    ]);
    expect(await messages("pod-service-account-token", of(K8S.pod, { spec: k.appPod() }, (p) => delete p.spec.automountServiceAccountToken))).toEqual([
      "Pod default/undefined mounts a service-account token (automountServiceAccountToken unset, default true) but is not one of this stack's apiClients (none): set automountServiceAccountToken: false.",
    ]);
  });

  it("reads a CronJob's pod template", async () => {
    const job: any = k.cronJob();
    job.spec.jobTemplate.spec.template.spec.automountServiceAccountToken = true;
    expect(await messages("pod-service-account-token", of(K8S.cronJob, job))).toEqual([
      "CronJob hft-trading/reference-data-refresh mounts a service-account token (automountServiceAccountToken true) but is not one of this stack's apiClients (none): set automountServiceAccountToken: false.",
    ]);
  });
});

describe("the new rules' config schemas", () => {
  const reason = "a reason long enough to be read";
  const accepts = (rule: string, settings: object) => () => reconcileConfig(allPolicies, { all: "mandatory", [rule]: settings });

  it.each([
    ["iam-managed-policies-allowed", { allowedAttachments: { r: { awsManaged: ["Admin Access"] } } }],
    ["iam-managed-policies-allowed", { allowedAttachments: { r: { awsManaged: ["A", "A"] } } }],
    ["iam-managed-policies-allowed", { allowedAttachments: { r: { stackPolicies: [""] } } }],
    ["iam-managed-policies-allowed", { allowedAttachments: { r: { inline: [] } } }],
    ["eks-access-entries", { principals: [{ arn: "arn:aws:iam::1:role/x", accessPolicies: [], reason }] }],
    ["eks-access-entries", { principals: [{ arn: DEPLOY, accessPolicies: ["cluster-admin"], reason }] }],
    ["eks-access-entries", { principals: [{ arn: DEPLOY, accessPolicies: ["AmazonEKSViewPolicy", "AmazonEKSViewPolicy"], reason }] }],
    ["eks-access-entries", { principals: [{ arn: DEPLOY, accessPolicies: [], reason: "short" }] }],
    ["eks-access-entries", { principals: [{ arn: DEPLOY, reason }] }],
    ["eks-access-entries", { principals: [{ arn: DEPLOY, accessPolicies: [], reason, groups: [] }] }],
    ["eks-access-entries", { nodeRoles: ["hft-node", "hft-node"] }],
    ["eks-access-entries", { nodeRoles: [""] }],
    ["eks-access-entries", { nodeEntryType: "STANDARD" }],
    ["s3-bucket-policy-secure", { publicStatements: [{ name: "no-sid", reason }] }],
    ["s3-bucket-policy-secure", { publicStatements: [{ name: "b/Public", reason: "short" }] }],
    ["s3-bucket-policy-secure", { publicStatements: [{ name: "b/Public" }] }],
    ["s3-bucket-policy-secure", { publicStatements: [{ name: "b/Public", reason, until: "never" }] }],
    ["kms-key-policy-scoped", { pinningConditionKeys: ["kms:CallerAccount", "kms:CallerAccount"] }],
    ["kms-key-policy-scoped", { pinningConditionKeys: [""] }],
    ["engine-replicas-within-nodes", { replicasPerNode: 0 }],
    ["engine-replicas-within-nodes", { replicasPerNode: 1.5 }],
    ["monitoring-chart-budgets", { minAvailable: 0 }],
    ["pod-safe-sysctls", { allowedSysctls: ["net.core.somaxconn"] }],
    ["pod-safe-sysctls", { allowedSysctls: ["kernel.shm_rmid_forced", "kernel.shm_rmid_forced"] }],
    ["pod-service-account-token", { apiClients: [{ kind: "Deployment", namespace: "a", name: "b", reason: "short" }] }],
    ["pod-service-account-token", { apiClients: [{ kind: "Deployment", namespace: "a", name: "", reason }] }],
    ["pod-service-account-token", { apiClients: [{ kind: "", namespace: "a", name: "b", reason }] }],
    ["pod-service-account-token", { apiClients: [{ kind: "Deployment", namespace: "", name: "b", reason }] }],
    ["pod-service-account-token", { apiClients: [{ kind: "Deployment", name: "b", reason }] }],
    ["pod-service-account-token", { apiClients: [{ kind: "Deployment", namespace: "a", name: "b", reason, image: "x" }] }],
  ])("%s refuses the setting %j", (rule, settings) => {
    expect(accepts(rule, settings)).toThrow(new RegExp(rule));
  });

  it("accepts what the stacks write", () => {
    expect(accepts("eks-access-entries", { principals: [{ arn: DEPLOY, accessPolicies: ["AmazonEKSClusterAdminPolicy"], reason }], nodeRoles: ["hft-node"], nodeEntryType: "EC2_LINUX" })).not.toThrow();
    expect(accepts("s3-bucket-policy-secure", { publicStatements: [{ name: "b/Public", reason }] })).not.toThrow();
    expect(accepts("pod-service-account-token", { apiClients: [{ kind: "Deployment", namespace: "a", name: "b", reason }] })).not.toThrow();
    expect(accepts("iam-managed-policies-allowed", { allowedAttachments: { r: { awsManaged: ["service-role/AmazonEBSCSIDriverPolicy"], stackPolicies: ["p"] } } })).not.toThrow();
  });
});
