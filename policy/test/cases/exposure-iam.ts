/** Fixtures for the exposure and IAM rules. */
import { K8S } from "../../kubernetes";
import { IAM } from "../../policies/iam";
import * as aws from "../fixtures/aws";
import * as k from "../fixtures/kubernetes";
import { resource } from "../harness";
import { Case, of } from "./case";

const nodePort = (name: string) => ({ metadata: { name, namespace: k.NS }, spec: { type: "NodePort", selector: k.ENGINE_LABELS, ports: [{ port: 80 }] } });
const dataPolicy = (from: object[] | undefined) => ({
  metadata: { name: "timescaledb-clients", namespace: "hft-data" },
  spec: { podSelector: { matchLabels: { "cnpg.io/cluster": "timescaledb" } }, policyTypes: ["Ingress"], ingress: [{ ...(from ? { from } : {}), ports: [{ port: 5432 }] }] },
});
const engineClients = [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": k.NS } }, podSelector: { matchLabels: k.ENGINE_LABELS } }];
const inNamespace = (type: string, kind: string) => resource(type, { metadata: { name: `trading-engine-${kind}`, namespace: k.NS }, spec: {} }, `trading-engine-${kind}`);

const trust = (principal: object) => JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: principal, Action: ["sts:AssumeRole", "sts:TagSession"] }] });
const policy = (statement: object) => JSON.stringify({ Version: "2012-10-17", Statement: [statement] });

/** A role trusting EKS Pod Identity, and the association that binds it to one service account. */
function podIdentityRole(bound: boolean) {
  const role = resource(IAM.role, { assumeRolePolicy: trust({ Service: "pods.eks.amazonaws.com" }) }, "timescaledb-backups");
  const association = resource(IAM.podIdentityAssociation, { clusterName: "hft-prod", namespace: "hft-data", serviceAccount: "timescaledb", roleArn: "arn:aws:iam::123456789012:role/x" }, "timescaledb-backups", {
    dependencies: bound ? [role.urn] : [],
  });
  return [role, association];
}

export const EXPOSURE_IAM_CASES: Case[] = [
  {
    rule: "service-no-node-port",
    compliant: () => [...of(K8S.service, nodePort("debug")), ...of(K8S.service, { ...nodePort("engine"), spec: { type: "ClusterIP", ports: [{ port: 8080 }] } }, () => {}, "engine")],
    violating: () => of(K8S.service, nodePort("engine-admin")),
    message: /Service hft-trading\/engine-admin is type NodePort/,
    config: { exemptions: [{ kind: "Service", namespace: "hft-trading", name: "debug", reason: "a debugging port reviewed for this stack only" }] },
  },
  {
    rule: "network-policy-no-open-ingress-to-data",
    compliant: () => of(K8S.networkPolicy, dataPolicy(engineClients)),
    violating: () => [...of(K8S.networkPolicy, dataPolicy([{ ipBlock: { cidr: "0.0.0.0/0" } }])), ...of(K8S.networkPolicy, dataPolicy(undefined), () => {}, "any")],
    message: /ingress\[0\] admits 0\.0\.0\.0\/0 into data namespace hft-data[\s\S]*ingress\[0\] has no from: it admits every source/,
  },
  {
    rule: "namespace-pod-security-level",
    compliant: () => [k.namespace(), ...of(K8S.namespace, { metadata: { name: "node-exporter", labels: { "pod-security.kubernetes.io/enforce": "privileged" } } })],
    violating: () => [...of(K8S.namespace, { metadata: { name: "hft-cache", labels: { "pod-security.kubernetes.io/enforce": "privileged" } } }), ...of(K8S.namespace, { metadata: { name: "hft-data" } })],
    message: /namespace hft-cache enforces privileged; its stack's policy config says restricted[\s\S]*namespace hft-data enforces privileged \(unlabelled\)/,
    config: { namespaceLevels: { "node-exporter": "privileged" } },
  },
  {
    rule: "namespace-limits-and-quota",
    compliant: () => [k.namespace(), inNamespace("kubernetes:core/v1:LimitRange", "limits"), inNamespace("kubernetes:core/v1:ResourceQuota", "quota"), k.namespace("monitoring")],
    violating: () => [k.namespace(), inNamespace("kubernetes:core/v1:LimitRange", "limits"), k.namespace("hft-cache"), k.engineResource()],
    message: /workload namespace hft-trading has no ResourceQuota[\s\S]*namespace hft-cache is neither a listed workload namespace nor exempt/,
    config: { workloadNamespaces: ["hft-trading"], exemptions: [{ kind: "Namespace", name: "monitoring", reason: "chart workloads sized in their chart values" }] },
  },
  {
    rule: "cni-network-policy-enforcement",
    compliant: () => [
      ...of("eks:index:Cluster", { ...aws.eksComponent(), vpcCniOptions: { enableNetworkPolicy: true } }),
      ...of("aws:eks/addon:Addon", { addonName: "vpc-cni", configurationValues: JSON.stringify({ enableNetworkPolicy: "true" }) }),
    ],
    violating: () => [...of("eks:index:Cluster", aws.eksComponent()), ...of("aws:eks/addon:Addon", { addonName: "vpc-cni", configurationValues: "{}" }, () => {}, "vpc-cni")],
    message: /vpcCniOptions\.enableNetworkPolicy is not true[\s\S]*does not set enableNetworkPolicy: "true"/,
  },
  {
    rule: "iam-no-wildcards",
    compliant: () => of(IAM.policy, { policy: policy({ Effect: "Allow", Action: ["s3:GetObject"], Resource: "arn:aws:s3:::b/*" }) }),
    violating: () => [
      ...of(IAM.rolePolicy, { policy: policy({ Sid: "Everything", Effect: "Allow", Action: "s3:*", Resource: "*" }) }),
      ...of(IAM.role, { assumeRolePolicy: trust({ Service: "ec2.amazonaws.com" }), inlinePolicies: [{ name: "ops", policy: policy({ Effect: "Allow", NotAction: "iam:*", Resource: "arn:aws:s3:::b" }) }] }, () => {}, "ops"),
    ],
    message: /statement Everything allows s3:\* on \*[\s\S]*inline policy ops: statement 0 allows everything but NotAction iam:\*/,
  },
  {
    rule: "iam-role-trust-scoped",
    compliant: () => [...podIdentityRole(true), ...of(IAM.role, { assumeRolePolicy: trust({ Service: "ec2.amazonaws.com" }) }, () => {}, "node")],
    violating: () => [...podIdentityRole(false), ...of(IAM.role, { assumeRolePolicy: trust({ AWS: "arn:aws:iam::123456789012:root" }) }, () => {}, "admin")],
    message: /role timescaledb-backups trusts EKS Pod Identity but no PodIdentityAssociation[\s\S]*role admin: trust statement 0 trusts AWS principal arn:aws:iam::123456789012:root/,
  },
];
