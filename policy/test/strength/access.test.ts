/**
 * The access rules (policy/policies/access.ts) judged value by value: managed policy attachments per
 * role, and EKS access entries per principal and node role, from the component's inputs and from the
 * aws:eks resources a real preview sends, with the exact messages a user reads.
 */
import { describe, expect, it } from "vitest";
import { EngineResource, reconcileConfig } from "../../../tools/policy-engine";
import { allPolicies } from "../../policies";
import { ACCESS } from "../../policies/access";
import { AWS } from "../../policies/aws";
import { IAM } from "../../policies/iam";
import { ACCESS_CONFIG, accessEntry, attached, clusterWith, DEPLOY, NODE_ENTRY, PREVIEW } from "../cases/third-layer";
import { messages, resource } from "../harness";

const reason = "a reason long enough to be read";

describe("iam-managed-policies-allowed", () => {
  const run = (resources: EngineResource[], allowedAttachments: Record<string, object> = {}) => messages("iam-managed-policies-allowed", resources, { allowedAttachments });

  it("reads only ARNs of AWS managed policies as AWS managed", async () => {
    const allowed = { r: { awsManaged: ["ReadOnlyAccess"] } };
    expect(await run(attached("r", "arn:aws-cn:iam::aws:policy/ReadOnlyAccess"), allowed)).toEqual([]);
    for (const arn of ["x-arn:aws:iam::aws:policy/ReadOnlyAccess", "arn:aws:iam::123456789012:policy/ReadOnlyAccess", "arn::iam::aws:policy/ReadOnlyAccess", "arn:aws:iam::aws:policy/", "arn:aws:iam::aws:policy/ReadOnlyAccess\nx"]) {
      expect(await run(attached("r", arn), allowed), arn).toEqual([
        `role r attaches ${arn}, which is neither an AWS managed policy nor one this stack creates; this stack's policy config allows it only ReadOnlyAccess.`,
      ]);
    }
  });

  it("refuses any attachment to a role the config does not list, naming none as allowed", async () => {
    expect(await run(attached("r", "arn:aws:iam::aws:policy/ReadOnlyAccess"))).toEqual(["role r attaches AWS managed policy ReadOnlyAccess; this stack's policy config allows it none."]);
    const role = resource(IAM.role, { assumeRolePolicy: "{}" }, "r");
    const policy = resource(IAM.policy, { policy: "{}" }, "p");
    const attachment = resource(ACCESS.rolePolicyAttachment, { role: "r-1", policyArn: "arn:aws:iam::1:policy/p-1" }, "a", { dependencies: [role.urn, policy.urn] });
    expect(await run([role, policy, attachment])).toEqual(["role r attaches stack policy p; this stack's policy config allows it none."]);
    expect(await run([role, policy, attachment], { r: { stackPolicies: ["p"] } })).toEqual([]);
    expect(await run([role, policy, attachment], { r: { awsManaged: ["p"] } })).toEqual(["role r attaches stack policy p; this stack's policy config allows it only p."]);
  });

  it("judges an attachment to a stack policy by name, never by its ARN, and names the allowed list with both kinds", async () => {
    const role = resource(IAM.role, { assumeRolePolicy: "{}" }, "r");
    const policy = resource(IAM.policy, { policy: "{}" }, "p");
    const byArn = resource(ACCESS.rolePolicyAttachment, { role: "r-1", policyArn: "arn:aws:iam::aws:policy/ReadOnlyAccess" }, "a", { dependencies: [role.urn, policy.urn] });
    expect(await run([role, policy, byArn], { r: { awsManaged: ["ReadOnlyAccess"], stackPolicies: ["q", "s"] } })).toEqual([
      "role r attaches stack policy p; this stack's policy config allows it only ReadOnlyAccess, stack policy q, stack policy s.",
    ]);
  });

  it("checks a role's managedPolicyArns one by one, and a role without any passes", async () => {
    const role = resource(IAM.role, { assumeRolePolicy: "{}", managedPolicyArns: ["arn:aws:iam::aws:policy/A", "arn:aws:iam::aws:policy/B", "arn:aws:iam::1:policy/C"] }, "r");
    expect(await run([role], { r: { awsManaged: ["A"] } })).toEqual([
      "role r attaches AWS managed policy B; this stack's policy config allows it only A.",
      "role r attaches arn:aws:iam::1:policy/C, which is neither an AWS managed policy nor one this stack creates; this stack's policy config allows it only A.",
    ]);
    expect(await run([resource(IAM.role, { assumeRolePolicy: "{}" }, "r")])).toEqual([]);
  });

  it("takes the role from the attachment's dependency on a role, not from another dependency", async () => {
    const policyDep = resource(IAM.policy, { policy: "{}" }, "not-a-role");
    const other = resource("aws:s3/bucket:Bucket", {}, "bucket");
    const attachment = resource(ACCESS.rolePolicyAttachment, { role: "imported", policyArn: "arn:aws:iam::aws:policy/ReadOnlyAccess" }, "a", { dependencies: [other.urn] });
    expect(await run([other, attachment])).toEqual(["role imported attaches AWS managed policy ReadOnlyAccess; this stack's policy config allows it none."]);
    const toPolicy = resource(ACCESS.rolePolicyAttachment, { role: "imported" }, "b", { dependencies: [policyDep.urn] });
    expect(await run([policyDep, toPolicy], { imported: { stackPolicies: ["not-a-role"] } })).toEqual([]);
  });

  it("judges only attachments and roles", async () => {
    const role = resource(IAM.role, { assumeRolePolicy: "{}" }, "r");
    expect(await run([role, resource(IAM.rolePolicy, { role: "r", policy: "{}", managedPolicyArns: ["arn:aws:iam::aws:policy/AdministratorAccess"] }, "r")])).toEqual([]);
  });

  it("validates allowedAttachments", () => {
    const accepts = (allowedAttachments: unknown) => () => reconcileConfig(allPolicies, { "iam-managed-policies-allowed": { allowedAttachments } });
    expect(accepts({ r: { awsManaged: ["service-role/AmazonEBSCSIDriverPolicy", "a+b=c,d.e@f_g-h"] } })).not.toThrow();
    for (const bad of [[], { r: [] }, { r: { awsManaged: "A" } }, { r: { stackPolicies: "p" } }, { r: { stackPolicies: [1] } }, { r: { stackPolicies: ["p", "p"] } }, { r: { awsManaged: [1] } }]) {
      expect(accepts(bad), JSON.stringify(bad)).toThrow(/iam-managed-policies-allowed: \/allowedAttachments/);
    }
  });
});

describe("eks-access-entries", () => {
  const run = (entries: Record<string, object>, config: Record<string, unknown> = ACCESS_CONFIG) => messages("eks-access-entries", clusterWith(entries), config);
  const NODE = "arn:aws:iam::123456789012:role/hft-node";

  it("accepts the configured principals with their listed policies, and the node role's EC2_LINUX entry", async () => {
    expect(await run({ deploy: accessEntry(DEPLOY, "AmazonEKSClusterAdminPolicy"), preview: accessEntry(PREVIEW), nodes: NODE_ENTRY })).toEqual([]);
  });

  it("reads an entry's defaults: STANDARD type, no groups, and unnamed fields as ?", async () => {
    expect(await run({ anon: {} })).toEqual([`access entry anon gives ? access to the cluster; this stack's policy config names only ${DEPLOY}, ${PREVIEW}.`]);
    expect(await run({ preview: { principalArn: PREVIEW, accessPolicies: { p: {} } } })).toEqual([`access entry preview gives ${PREVIEW} ?; this stack's policy config allows it only AmazonEKSViewPolicy.`]);
    expect(await run({ nodes: { principalArn: NODE } })).toEqual([`access entry nodes for node role ${NODE} is type STANDARD; this stack's policy config wants EC2_LINUX.`]);
  });

  it("names no principal and no access policy when the config lists none", async () => {
    expect(await run({ ops: accessEntry("arn:aws:iam::1:role/ops") }, { principals: [] })).toEqual(["access entry ops gives arn:aws:iam::1:role/ops access to the cluster; this stack's policy config names only no principal."]);
    const config = { principals: [{ arn: PREVIEW, accessPolicies: [], reason }] };
    expect(await run({ preview: accessEntry(PREVIEW, "AmazonEKSViewPolicy", "AmazonEKSEditPolicy") }, config)).toEqual([
      `access entry preview gives ${PREVIEW} AmazonEKSViewPolicy; this stack's policy config allows it only no access policy.`,
      `access entry preview gives ${PREVIEW} AmazonEKSEditPolicy; this stack's policy config allows it only no access policy.`,
    ]);
  });

  it("names every access policy a principal may hold when refusing another", async () => {
    const config = { principals: [{ arn: DEPLOY, accessPolicies: ["AmazonEKSViewPolicy", "AmazonEKSEditPolicy"], reason }] };
    expect(await run({ deploy: accessEntry(DEPLOY, "AmazonEKSEditPolicy", "AmazonEKSClusterAdminPolicy") }, config)).toEqual([
      `access entry deploy gives ${DEPLOY} AmazonEKSClusterAdminPolicy; this stack's policy config allows it only AmazonEKSViewPolicy, AmazonEKSEditPolicy.`,
    ]);
  });

  it("reads access entries from the eks component only, not from another resource with an input of that name", async () => {
    const lookalike = resource("hft:platform:Cluster", { accessEntries: { ops: accessEntry("arn:aws:iam::1:role/ops") } }, "lookalike");
    expect(await messages("eks-access-entries", [...clusterWith({ deploy: accessEntry(DEPLOY) }), lookalike], ACCESS_CONFIG)).toEqual([]);
  });

  it("lists every group and policy a node entry holds, and every group a principal is put in", async () => {
    expect(await run({ nodes: { ...NODE_ENTRY, ...accessEntry(NODE_ENTRY.principalArn, "AmazonEKSViewPolicy"), kubernetesGroups: ["a", "b"] } })).toEqual([
      `access entry nodes for ${NODE_ENTRY.principalArn} holds AmazonEKSViewPolicy, group a, group b; a node entry holds no access policy and no group.`,
    ]);
    expect(await run({ preview: { ...accessEntry(PREVIEW), kubernetesGroups: ["a", "b"] } })).toEqual([`access entry preview puts ${PREVIEW} in Kubernetes groups a, b; access goes through the listed access policies only.`]);
  });

  it("refuses a non-STANDARD entry for a principal that is not a node role, and a node entry of another type than configured", async () => {
    expect(await run({ fargate: { principalArn: PREVIEW, type: "FARGATE_LINUX" } })).toEqual([`access entry fargate (${PREVIEW}) is type FARGATE_LINUX but its role is none of this stack's node roles (hft-node).`]);
    expect(await run({ nodes: { principalArn: NODE, type: "EC2_WINDOWS" } })).toEqual([`access entry nodes for node role ${NODE} is type EC2_WINDOWS; this stack's policy config wants EC2_LINUX.`]);
    expect(await run({ nodes: { principalArn: "arn:aws:iam::1:role/gpu-node", type: "EC2_LINUX" } }, { ...ACCESS_CONFIG, nodeRoles: ["hft-node", "gpu-node"] })).toEqual([]);
    expect(await run({ other: { principalArn: PREVIEW, type: "EC2_LINUX" } }, { ...ACCESS_CONFIG, nodeRoles: ["hft-node", "gpu-node"] })).toEqual([
      `access entry other (${PREVIEW}) is type EC2_LINUX but its role is none of this stack's node roles (hft-node, gpu-node).`,
    ]);
  });

  it("knows a node role's auto-name by a suffix of exactly 7 or 8 hex digits", async () => {
    const node = (roleName: string) => ({ n: { principalArn: `arn:aws:iam::1:role/${roleName}`, type: "EC2_LINUX" } });
    for (const ok of ["hft-node-abcdef0", "hft-node-1a2b3c4d", "hft-node"]) expect(await run(node(ok)), ok).toEqual([]);
    for (const bad of ["hft-node-1a2b3c", "hft-node-1a2b3c4d5", "hft-node-1a2b3cg", "hft-node-1A2B3C4", "hft-nodes-1a2b3c4", "a(hft-node)-1a2b3c4", "path/x-hft-node-1a2b3c4"]) {
      expect(await run(node(bad)), bad).toEqual([`access entry n (arn:aws:iam::1:role/${bad}) is type EC2_LINUX but its role is none of this stack's node roles (hft-node).`]);
    }
    const special = ["a+b", "a*b", "a?b", "a^b", "a$b", "a{1}b", "a(b)", "a|b", "a[b]", "a\\b"];
    for (const name of special) expect(await run(node(`${name}-1a2b3c4`), { ...ACCESS_CONFIG, nodeRoles: [name] }), name).toEqual([]);
  });

  it("matches associations to an aws:eks entry by principal, and reads an entry's own groups and defaults", async () => {
    const entry = (props: object, name = "e") => resource(ACCESS.accessEntry, { clusterName: "hft-prod", ...props }, name);
    const association = (principalArn: string, policy?: string, name = "assoc") =>
      resource(ACCESS.accessPolicyAssociation, { principalArn, ...(policy ? { policyArn: `arn:aws:eks::aws:cluster-access-policy/${policy}` } : {}) }, name);
    const eks = (resources: EngineResource[]) => messages("eks-access-entries", [resource(AWS.eksComponent, {}, "hft"), ...resources], ACCESS_CONFIG);
    expect(await eks([entry({ principalArn: PREVIEW }), association(DEPLOY, "AmazonEKSClusterAdminPolicy")])).toEqual([]);
    expect(await eks([entry({ principalArn: PREVIEW }), association(PREVIEW)])).toEqual([`access entry e gives ${PREVIEW} ?; this stack's policy config allows it only AmazonEKSViewPolicy.`]);
    expect(await eks([entry({ principalArn: PREVIEW, kubernetesGroups: ["ops"] })])).toEqual([`access entry e puts ${PREVIEW} in Kubernetes groups ops; access goes through the listed access policies only.`]);
    expect(await eks([entry({})])).toEqual([`access entry e gives ? access to the cluster; this stack's policy config names only ${DEPLOY}, ${PREVIEW}.`]);
    expect(await eks([entry({ principalArn: NODE })])).toEqual([`access entry e for node role ${NODE} is type STANDARD; this stack's policy config wants EC2_LINUX.`]);
  });

  it("validates principals, node roles and the node entry type", () => {
    const accepts = (settings: object) => () => reconcileConfig(allPolicies, { "eks-access-entries": settings });
    expect(accepts({ principals: [{ arn: "arn:aws-us-gov:iam::123456789012:user/ops", accessPolicies: ["AmazonEKSViewPolicy"], reason }] })).not.toThrow();
    for (const bad of [
      { principals: [{ arn: "arn:aws:iam::123456789012:group/ops", accessPolicies: [], reason }] },
      { principals: [{ arn: "arn:aws:iam::12345678901:role/ops", accessPolicies: [], reason }] },
      { principals: [{ arn: "xarn:aws:iam::123456789012:role/ops", accessPolicies: [], reason }] },
      { principals: [{ arn: DEPLOY, accessPolicies: ["AmazonEKSViewPolicyX"], reason }] },
      { principals: [{ arn: DEPLOY, accessPolicies: [], reason: "x".repeat(19) }] },
      { principals: [{ arn: DEPLOY, reason }] },
      { principals: [{ accessPolicies: [], reason }] },
      { principals: [{ arn: DEPLOY, accessPolicies: [] }] },
      { principals: [DEPLOY] },
      { principals: DEPLOY },
      { nodeRoles: [""] },
      { nodeRoles: ["a", "a"] },
      { nodeRoles: "hft-node" },
      { nodeEntryType: "EC2_WINDOWS" },
    ]) {
      expect(accepts(bad), JSON.stringify(bad)).toThrow(/eks-access-entries: \//);
    }
    expect(accepts({ principals: [{ arn: DEPLOY, accessPolicies: [], reason: "x".repeat(20) }] })).not.toThrow();
  });
});
