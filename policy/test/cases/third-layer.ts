/**
 * Fixtures for the access, data-store, scaling and pod-baseline rules: each violating fixture sets a
 * wrong value (an extra managed policy, an admin access policy, a public grant, kms:* to *, a budget
 * at 0, an unsafe sysctl, a mounted token), not only a missing one.
 */
import { EngineResource } from "../../../tools/policy-engine";
import { K8S } from "../../kubernetes";
import { ACCESS } from "../../policies/access";
import { AWS } from "../../policies/aws";
import { DATA_STORES } from "../../policies/data-stores";
import { IAM } from "../../policies/iam";
import * as aws from "../fixtures/aws";
import * as k from "../fixtures/kubernetes";
import { resource } from "../harness";
import { Case, of } from "./case";

const doc = (...Statement: object[]) => JSON.stringify({ Version: "2012-10-17", Statement });
const BUCKET_ARN = "arn:aws:s3:::hft-prod-timescaledb-backups-831f62d61cfc5c2736f2802286";
export const TLS_DENY = { Sid: "DenyInsecureTransport", Effect: "Deny", Principal: "*", Action: "s3:*", Resource: [BUCKET_ARN, `${BUCKET_ARN}/*`], Condition: { Bool: { "aws:SecureTransport": "false" } } };
export const PUBLIC_READ = { Sid: "PublicRead", Effect: "Allow", Principal: { AWS: "*" }, Action: "s3:GetObject", Resource: `${BUCKET_ARN}/*` };

/** A bucket with a bucket policy of these statements (the policy depends on the bucket). */
export function bucketWithPolicy(...statements: object[]): EngineResource[] {
  const b = aws.bucket();
  return [b, aws.onBucket(DATA_STORES.bucketPolicy, { policy: doc(...statements) }, b)];
}

export const ROOT_ADMIN = { Sid: "EnableIamPolicies", Effect: "Allow", Principal: { AWS: "arn:aws:iam::123456789012:root" }, Action: "kms:*", Resource: "*" };
export const KMS_TO_ANYONE = { Sid: "Everyone", Effect: "Allow", Principal: "*", Action: "kms:*", Resource: "*" };
export const keyWith = (...statements: object[]) => ({ description: "backups", enableKeyRotation: true, policy: doc(...statements) });

/** A role and an attachment of `policyArn` to it (the attachment takes the role's name, so depends on it). */
export function attached(roleName: string, policyArn: string, name = `${roleName}-attachment`): EngineResource[] {
  const role = resource(IAM.role, { assumeRolePolicy: doc({ Effect: "Allow", Principal: { Service: "codebuild.amazonaws.com" }, Action: "sts:AssumeRole" }) }, roleName);
  return [role, resource(ACCESS.rolePolicyAttachment, { role: `${roleName}-1a2b3c4`, policyArn }, name, { dependencies: [role.urn] })];
}
export const ATTACHMENTS_CONFIG = { allowedAttachments: { "hft-node": { awsManaged: ["AmazonEKSWorkerNodePolicy"] }, "hft-ci-runner": {} } };

export const DEPLOY = "arn:aws:iam::111122223333:role/hft-ci-deploy-prod";
export const PREVIEW = "arn:aws:iam::111122223333:role/hft-ci-preview-prod";
const policyArn = (name: string) => `arn:aws:eks::aws:cluster-access-policy/${name}`;
export const accessEntry = (principalArn: string, ...policies: string[]) => ({
  principalArn,
  accessPolicies: Object.fromEntries(policies.map((p, i) => [`p${i}`, { policyArn: policyArn(p), accessScope: { type: "cluster" } }])),
});
export const NODE_ENTRY = { principalArn: "arn:aws:iam::123456789012:role/hft-node-f32251a", type: "EC2_LINUX" };
export const ACCESS_CONFIG = {
  principals: [
    { arn: DEPLOY, accessPolicies: ["AmazonEKSClusterAdminPolicy"], reason: "up.yml applies every object the stack manages" },
    { arn: PREVIEW, accessPolicies: ["AmazonEKSViewPolicy"], reason: "preview.yml reads the cluster and writes nothing" },
  ],
  nodeRoles: ["hft-node"],
};
export const clusterWith = (accessEntries: Record<string, object>) => of(AWS.eksComponent, { ...aws.eksComponent(), accessEntries }, () => {}, "hft");

/** The engine StatefulSet (replicas 3), its HPA, and an engine node group of maxSize nodes. */
export function engineScaling(maxReplicas: number, maxSize: number): EngineResource[] {
  const group = resource(AWS.nodeGroup, { ...aws.engineNodeGroup(), scalingConfig: { minSize: 3, desiredSize: 3, maxSize } }, "hft-engine");
  const hpa = resource(
    "kubernetes:autoscaling/v2:HorizontalPodAutoscaler",
    { metadata: { name: "trading-engine", namespace: k.NS }, spec: { minReplicas: 3, maxReplicas, scaleTargetRef: { apiVersion: "apps/v1", kind: "StatefulSet", name: "trading-engine" } } },
    "trading-engine-hpa",
  );
  return [k.engineResource(), group, hpa];
}

/** kube-prometheus-stack's values: Prometheus ×2 and Alertmanager ×3 with their budgets. */
export function monitoringValues(prometheusBudget: object = { enabled: true, minAvailable: 1 }, alertmanagerBudget: object = { enabled: true, minAvailable: 2 }) {
  return {
    chart: "kube-prometheus-stack",
    version: "88.5.3",
    values: {
      prometheus: { prometheusSpec: { replicas: 2 }, podDisruptionBudget: prometheusBudget },
      alertmanager: { alertmanagerSpec: { replicas: 3 }, podDisruptionBudget: alertmanagerBudget },
    },
  };
}

const withSysctls = (sysctls: { name: string; value: string }[]) => k.engineResource(k.statefulSet({ ...k.enginePod(), securityContext: { ...k.enginePod().securityContext, sysctls } }));
const mounting = (automount: boolean | undefined) => {
  const w: any = k.deployment();
  w.metadata = { name: "order-router", namespace: k.NS };
  w.spec.template.spec.automountServiceAccountToken = automount;
  if (automount === undefined) delete w.spec.template.spec.automountServiceAccountToken;
  return w;
};

export const THIRD_LAYER_CASES: Case[] = [
  {
    rule: "iam-managed-policies-allowed",
    compliant: () => attached("hft-node", "arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy"),
    violating: () => attached("hft-ci-runner", "arn:aws:iam::aws:policy/AdministratorAccess"),
    message: /role hft-ci-runner attaches AWS managed policy AdministratorAccess; this stack's policy config allows it none/,
    config: ATTACHMENTS_CONFIG,
  },
  {
    rule: "eks-access-entries",
    compliant: () => clusterWith({ deploy: accessEntry(DEPLOY, "AmazonEKSClusterAdminPolicy"), preview: accessEntry(PREVIEW, "AmazonEKSViewPolicy"), nodes: NODE_ENTRY }),
    violating: () => clusterWith({ deploy: accessEntry(DEPLOY, "AmazonEKSClusterAdminPolicy"), preview: accessEntry(PREVIEW, "AmazonEKSClusterAdminPolicy"), nodes: NODE_ENTRY }),
    message: /access entry preview gives arn:aws:iam::111122223333:role\/hft-ci-preview-prod AmazonEKSClusterAdminPolicy; this stack's policy config allows it only AmazonEKSViewPolicy/,
    config: ACCESS_CONFIG,
  },
  {
    rule: "s3-bucket-policy-secure",
    compliant: () => bucketWithPolicy(TLS_DENY),
    violating: () => bucketWithPolicy(TLS_DENY, PUBLIC_READ),
    message: /statement PublicRead allows s3:GetObject to principal \*; this stack's policy config allows no public statement on timescaledb-backups/,
  },
  {
    rule: "kms-key-policy-scoped",
    compliant: () => of(DATA_STORES.kmsKey, keyWith(ROOT_ADMIN)),
    violating: () => of(DATA_STORES.kmsKey, keyWith(ROOT_ADMIN, KMS_TO_ANYONE)),
    message: /statement Everyone grants kms:\* to principal \*/,
  },
  {
    rule: "engine-replicas-within-nodes",
    compliant: () => engineScaling(5, 5),
    violating: () => engineScaling(8, 5),
    message: /HorizontalPodAutoscaler trading-engine-hpa allows maxReplicas 8; the stack holds 5: 5 engine nodes \(hft-engine maxSize 5\)/,
  },
  {
    rule: "monitoring-chart-budgets",
    compliant: () => of(K8S.helmChart, monitoringValues()),
    violating: () => of(K8S.helmChart, monitoringValues({ enabled: true, minAvailable: 0 })),
    message: /prometheus runs 2 replicas but prometheus\.podDisruptionBudget\.minAvailable is 0; this stack's policy config wants at least 1/,
  },
  {
    rule: "pod-safe-sysctls",
    compliant: () => [withSysctls([{ name: "net.ipv4.tcp_keepalive_time", value: "60" }])],
    violating: () => [withSysctls([{ name: "net.core.somaxconn", value: "65535" }])],
    message: /the pod sets sysctl net\.core\.somaxconn; this stack's policy config allows only kernel\.shm_rmid_forced/,
  },
  {
    rule: "pod-service-account-token",
    compliant: () => [k.engineResource(), ...of(K8S.deployment, mounting(true), () => {}, "router")],
    violating: () => of(K8S.deployment, mounting(undefined)),
    message: /Deployment hft-trading\/order-router mounts a service-account token \(automountServiceAccountToken unset, default true\) but is not one of this stack's apiClients \(hft-trading\/order-router-reader\)/,
    config: { apiClients: [{ kind: "Deployment", namespace: k.NS, name: "order-router-reader", reason: "reads its ConfigMap through the API" }] },
  },
];

/** Compliant-fixture settings the violating fixture must not get (the listed API client). */
export const THIRD_LAYER_COMPLIANT_CONFIG: Record<string, Record<string, unknown>> = {
  "pod-service-account-token": { apiClients: [{ kind: "Deployment", namespace: k.NS, name: "order-router", reason: "reads its ConfigMap through the API" }] },
};
