/**
 * The IAM rules (policy/policies/iam.ts) judged value by value: each way a policy or trust document
 * can be too broad, the ways it can be malformed, exemptions that must and must not excuse, and the
 * allowedServices bound from the stack's config, with the exact messages a user reads.
 */
import { describe, expect, it } from "vitest";
import { EngineResource, reconcileConfig } from "../../../tools/policy-engine";
import { allPolicies } from "../../policies";
import { IAM } from "../../policies/iam";
import { check, messages, resource } from "../harness";

const doc = (...statements: object[]) => JSON.stringify({ Version: "2012-10-17", Statement: statements });
const REMEDY = ": name the actions and resources, or exempt the exact statement, actions and resources with a reason in the stack's policy config.";
const reason = "a reason long enough to be read";

describe("iam-no-wildcards", () => {
  const wildcards = (resources: EngineResource[], config?: Record<string, unknown>) => messages("iam-no-wildcards", resources, config);
  const policy = (document: unknown, name = "ci", type: string = IAM.rolePolicy) => [resource(type, { policy: document }, name)];

  it("lets named actions on named resources through, and judges only Allow statements", async () => {
    expect(await wildcards(policy(doc({ Effect: "Allow", Action: ["s3:GetObject", "s3:PutObject"], Resource: ["arn:aws:s3:::b/*", "arn:aws:s3:::b"] })))).toEqual([]);
    expect(await wildcards(policy(doc({ Effect: "Deny", Action: "*", Resource: "*" }, { Effect: "Deny", NotAction: "s3:GetObject", NotResource: "arn:aws:s3:::b" })))).toEqual([]);
    // A statement without an Effect grants nothing (IAM's default is an implicit deny).
    expect(await wildcards(policy(doc({ Action: "*", Resource: "*" })))).toEqual([]);
  });

  it("refuses every action on a named resource, and a whole service, in any case, on one", async () => {
    expect(await wildcards(policy(doc({ Effect: "Allow", Action: "*", Resource: "arn:aws:s3:::b" })))).toEqual([`the policy: statement 0 allows * on arn:aws:s3:::b${REMEDY}`]);
    expect(await wildcards(policy(doc({ Sid: "Svc", Effect: "Allow", Action: ["s3:*", "EC2:*", "resource-groups:*"], Resource: "arn:aws:s3:::b" })))).toEqual([
      `the policy: statement Svc allows s3:* on arn:aws:s3:::b, EC2:* on arn:aws:s3:::b, resource-groups:* on arn:aws:s3:::b${REMEDY}`,
    ]);
  });

  it("lets action prefixes and patterns that are not a whole service through on a named resource", async () => {
    const actions = ["s3:Get*", "s3:*Object", "s3:Get:*", "s3 :*", ":*"];
    expect(await wildcards(policy(doc({ Effect: "Allow", Action: actions, Resource: "arn:aws:s3:::b" })))).toEqual([]);
  });

  it("refuses any named action on resource *, pair by pair, and labels statements by Sid or position", async () => {
    const stmts = [
      { Sid: "Named", Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::b" },
      { Effect: "Allow", Action: ["ec2:DescribeVpcs", "ec2:DescribeSubnets"], Resource: ["arn:aws:ec2:::vpc/x", "*"] },
    ];
    expect(await wildcards(policy(doc(...stmts)))).toEqual([`the policy: statement 1 allows ec2:DescribeVpcs on *, ec2:DescribeSubnets on *${REMEDY}`]);
  });

  it("refuses NotAction and NotResource, listing what they leave out", async () => {
    expect(await wildcards(policy(doc({ Sid: "Ops", Effect: "Allow", NotAction: ["iam:*", "kms:*"], NotResource: ["arn:aws:s3:::a", "arn:aws:s3:::b"] })))).toEqual([
      `the policy: statement Ops allows everything but NotAction iam:*, kms:*${REMEDY}`,
      `the policy: statement Ops allows every resource but NotResource arn:aws:s3:::a, arn:aws:s3:::b${REMEDY}`,
    ]);
    expect(await wildcards(policy(doc({ Effect: "Allow", NotAction: "iam:*", Resource: "arn:aws:s3:::b" })))).toEqual([`the policy: statement 0 allows everything but NotAction iam:*${REMEDY}`]);
  });

  it("takes one statement given as an object, and a document given as an object", async () => {
    const single = { Version: "2012-10-17", Statement: { Effect: "Allow", Action: "*", Resource: "*" } };
    expect(await wildcards(policy(JSON.stringify(single)))).toEqual([`the policy: statement 0 allows * on *${REMEDY}`]);
    expect(await wildcards(policy(single))).toEqual([`the policy: statement 0 allows * on *${REMEDY}`]);
    expect(await wildcards(policy({ Version: "2012-10-17" }))).toEqual([]);
    expect(await wildcards(policy(JSON.stringify({ Version: "2012-10-17" })))).toEqual([]);
  });

  it("judges a statement without Action or Resource as granting nothing too broad", async () => {
    expect(await wildcards(policy(doc({ Effect: "Allow", Resource: "*" }, { Effect: "Allow", Action: "*" })))).toEqual([]);
  });

  it("reports a policy that is not a JSON document, whatever JSON value it holds instead", async () => {
    for (const document of ["{not json", "null", "5", '"text"', undefined, 5, null]) {
      expect(await wildcards(policy(document)), String(document)).toEqual(["the policy is not a JSON policy document."]);
    }
  });

  it("judges policies of every IAM type it targets, and nothing else", async () => {
    const admin = doc({ Effect: "Allow", Action: "*", Resource: "*" });
    for (const type of [IAM.policy, IAM.rolePolicy, IAM.userPolicy, IAM.groupPolicy]) {
      expect(await wildcards(policy(admin, "x", type)), type).toEqual([`the policy: statement 0 allows * on *${REMEDY}`]);
    }
    expect(await wildcards(policy(admin, "x", "aws:s3/bucketPolicy:BucketPolicy"))).toEqual([]);
  });

  it("judges a role's inline policies, each by name, and not its trust policy", async () => {
    const role = resource(
      IAM.role,
      {
        assumeRolePolicy: doc({ Effect: "Allow", Principal: "*", Action: "*" }),
        inlinePolicies: [
          { name: "broken", policy: "{" },
          { name: "ops", policy: doc({ Effect: "Allow", Action: "s3:*", Resource: "arn:aws:s3:::b" }) },
          { policy: doc({ Effect: "Allow", Action: "s3:GetObject", Resource: "*" }) },
          { name: "fine", policy: doc({ Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::b" }) },
        ],
      },
      "ops-role",
    );
    const { findings, run } = await check("iam-no-wildcards", [role]);
    expect(findings.map((f) => f.message)).toEqual([
      "inline policy broken is not a JSON policy document.",
      `inline policy ops: statement 0 allows s3:* on arn:aws:s3:::b${REMEDY}`,
      `inline policy ?: statement 0 allows s3:GetObject on *${REMEDY}`,
    ]);
    expect(run.notApplicable).toEqual([]);
  });

  it("treats a role without inline policies as not applicable, and judges the policy types regardless", async () => {
    const bare = await check("iam-no-wildcards", [resource(IAM.role, { assumeRolePolicy: "{}" }, "bare"), resource(IAM.role, { assumeRolePolicy: "{}", inlinePolicies: [] }, "empty")]);
    expect(bare.findings).toEqual([]);
    expect(bare.run.notApplicable).toEqual(["bare: the role has no inline policies", "empty: the role has no inline policies"]);
    expect(bare.run.judged).toBe(0);
    const judged = await check("iam-no-wildcards", [resource(IAM.policy, { policy: doc({ Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::b" }) })]);
    expect(judged.run).toMatchObject({ judged: 1, notApplicable: [] });
  });

  describe("statement exemptions", () => {
    const describeVpcs = { Sid: "Vpc", Effect: "Allow", Action: ["ec2:DescribeVpcs", "ec2:DescribeSubnets"], Resource: "*" };
    const exemption = (statement: object, type: string = IAM.rolePolicy, name = "ci") => ({ exemptions: [{ type, name, statement, reason }] });
    const exact = { sid: "Vpc", actions: ["ec2:DescribeVpcs", "ec2:DescribeSubnets"], resources: ["*"] };

    it("excuse exactly the listed pairs of the named statement on the named resource", async () => {
      expect(await wildcards(policy(doc(describeVpcs)), exemption(exact))).toEqual([]);
      expect(await wildcards(policy(doc(describeVpcs)), exemption({ ...exact, actions: ["ec2:DescribeVpcs"] }))).toEqual([`the policy: statement Vpc allows ec2:DescribeSubnets on *${REMEDY}`]);
    });

    it("excuse nothing when the Sid, an action, the resource, the resource's name or its type differs", async () => {
      const refused = [`the policy: statement Vpc allows ec2:DescribeVpcs on *, ec2:DescribeSubnets on *${REMEDY}`];
      for (const config of [
        exemption({ ...exact, sid: "Other" }),
        exemption({ ...exact, actions: ["ec2:DescribeInstances"] }),
        exemption({ ...exact, resources: ["arn:aws:ec2:::vpc/x"] }),
        exemption(exact, IAM.rolePolicy, "other"),
        exemption(exact, IAM.policy),
      ]) {
        expect(await wildcards(policy(doc(describeVpcs)), config), JSON.stringify(config)).toEqual(refused);
      }
    });

    it("never excuse NotAction or NotResource", async () => {
      const notAction = { Sid: "Vpc", Effect: "Allow", NotAction: "iam:*", Resource: "arn:aws:s3:::b" };
      expect(await wildcards(policy(doc(notAction)), exemption({ sid: "Vpc", actions: ["iam:*"], resources: ["arn:aws:s3:::b"] }))).toEqual([
        `the policy: statement Vpc allows everything but NotAction iam:*${REMEDY}`,
      ]);
    });
  });
});

describe("iam-role-trust-scoped", () => {
  const trust = (resources: EngineResource[], config?: Record<string, unknown>) => messages("iam-role-trust-scoped", resources, config);
  const role = (assumeRolePolicy: unknown, name = "r") => resource(IAM.role, { assumeRolePolicy }, name);
  const allow = (Principal: unknown, extra: object = {}) => ({ Effect: "Allow", Principal, Action: "sts:AssumeRole", ...extra });

  it("lets a role trusted by one allowed service, through any of the assume actions, pass", async () => {
    expect(await trust([role(doc(allow({ Service: "ec2.amazonaws.com" }, { Action: ["sts:AssumeRole", "sts:TagSession", "sts:AssumeRoleWithWebIdentity"] })))])).toEqual([]);
    expect(await trust([role(doc(allow({ Service: ["eks.amazonaws.com"] })))])).toEqual([]);
  });

  it("refuses actions other than assuming the role, listing them", async () => {
    expect(await trust([role(doc(allow({ Service: "ec2.amazonaws.com" }, { Sid: "Ec2", Action: ["sts:AssumeRole", "iam:PassRole", "s3:GetObject"] })))])).toEqual([
      "role r: trust statement Ec2 allows iam:PassRole, s3:GetObject, not only assuming the role.",
    ]);
  });

  it("refuses a statement that admits any principal: *, NotPrincipal, or no Principal", async () => {
    expect(await trust([role(doc(allow("*")))])).toEqual(["role r: trust statement 0 admits any principal."]);
    expect(await trust([role(doc({ Effect: "Allow", NotPrincipal: { AWS: "arn:aws:iam::123456789012:root" }, Action: "sts:AssumeRole" }))])).toEqual(["role r: trust statement 0 admits any principal."]);
    expect(await trust([role(doc({ Effect: "Allow", NotPrincipal: { AWS: "x" }, Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" }))])).toEqual([
      "role r: trust statement 0 admits any principal.",
    ]);
    expect(await trust([role(doc({ Effect: "Allow" }))])).toEqual(["role r: trust statement 0 admits any principal."]);
  });

  it("refuses a principal given as a bare string, and an account, user or * of any other kind", async () => {
    expect(await trust([role(doc(allow("arn:aws:iam::123456789012:root")))])).toEqual(["role r: trust statement 0 names principal arn:aws:iam::123456789012:root."]);
    expect(await trust([role(doc(allow({ AWS: ["arn:aws:iam::123456789012:user/ops", "*"] })))])).toEqual([
      "role r: trust statement 0 trusts AWS principal arn:aws:iam::123456789012:user/ops.",
      "role r: trust statement 0 trusts AWS * *.",
    ]);
  });

  it("judges only Allow statements, and counts positions over all statements", async () => {
    expect(await trust([role(doc({ Effect: "Deny", Principal: "*", Action: "*" }, allow({ AWS: "arn:aws:iam::1:root" })))])).toEqual(["role r: trust statement 1 trusts AWS principal arn:aws:iam::1:root."]);
  });

  it("refuses a service outside allowedServices, with the stack's list, not the default, as the bound", async () => {
    expect(await trust([role(doc(allow({ Service: "lambda.amazonaws.com" })))])).toEqual(["role r: trust statement 0 trusts service lambda.amazonaws.com, not in allowedServices."]);
    const config = { allowedServices: ["lambda.amazonaws.com"] };
    expect(await trust([role(doc(allow({ Service: "lambda.amazonaws.com" })))], config)).toEqual([]);
    expect(await trust([role(doc(allow({ Service: "ec2.amazonaws.com" })))], config)).toEqual(["role r: trust statement 0 trusts service ec2.amazonaws.com, not in allowedServices."]);
  });

  it("accepts each default service, and refuses a role trusting two, across statements", async () => {
    for (const service of ["ec2.amazonaws.com", "eks.amazonaws.com", "vpc-flow-logs.amazonaws.com"]) expect(await trust([role(doc(allow({ Service: service })))]), service).toEqual([]);
    expect(await trust([role(doc(allow({ Service: "ec2.amazonaws.com" }), allow({ Service: "eks.amazonaws.com" })))])).toEqual([
      "role r: it trusts 2 services (ec2.amazonaws.com, eks.amazonaws.com): a role serves one.",
    ]);
    expect(await trust([role(doc(allow({ Service: ["ec2.amazonaws.com", "ec2.amazonaws.com"] })))])).toEqual([]);
  });

  describe("OIDC (IRSA) trust", () => {
    const oidc = "arn:aws:iam::123456789012:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/ABC";
    const issuer = "oidc.eks.eu-west-1.amazonaws.com/id/ABC";
    const federated = (Condition?: object) => role(doc(allow({ Federated: oidc }, { Action: "sts:AssumeRoleWithWebIdentity", ...(Condition ? { Condition } : {}) })));
    const unpinned = [`role r: trust statement 0 trusts ${oidc} without a :sub condition naming the service account.`];

    it("accepts a federated principal whose condition pins the service account (:sub), under any operator", async () => {
      expect(await trust([federated({ StringEquals: { [`${issuer}:sub`]: "system:serviceaccount:hft-data:timescaledb", [`${issuer}:aud`]: "sts.amazonaws.com" } })])).toEqual([]);
      expect(await trust([federated({ StringEquals: { [`${issuer}:aud`]: "sts.amazonaws.com" }, StringLike: { [`${issuer}:sub`]: "system:serviceaccount:hft-data:*" } })])).toEqual([]);
    });

    it("refuses one without a condition, or whose condition names only the audience", async () => {
      expect(await trust([federated()])).toEqual(unpinned);
      expect(await trust([federated({ StringEquals: { [`${issuer}:aud`]: "sts.amazonaws.com" } })])).toEqual(unpinned);
      expect(await trust([federated({ StringEquals: { [`sub:${issuer}`]: "x" } })])).toEqual(unpinned);
    });
  });

  describe("EKS Pod Identity", () => {
    const podRole = () => role(doc(allow({ Service: "pods.eks.amazonaws.com" }, { Action: ["sts:AssumeRole", "sts:TagSession"] })), "backups");
    const unbound = ["role backups trusts EKS Pod Identity but no PodIdentityAssociation or add-on association uses it: bind it to the one service account it serves."];
    const using = (type: string, r: EngineResource, name = "assoc") => resource(type, { roleArn: "arn" }, name, { dependencies: [r.urn] });

    it("accepts a pod identity role that an association or an add-on takes its ARN from", async () => {
      const r = podRole();
      expect(await trust([r, using(IAM.podIdentityAssociation, r)])).toEqual([]);
      expect(await trust([r, using(IAM.addon, r)])).toEqual([]);
    });

    it("refuses one that nothing binds, or that only another kind of resource, or another role's association, uses", async () => {
      const r = podRole();
      const other = role(doc(allow({ Service: "ec2.amazonaws.com" })), "other");
      expect(await trust([r])).toEqual(unbound);
      expect(await trust([r, using("aws:iam/rolePolicyAttachment:RolePolicyAttachment", r)])).toEqual(unbound);
      expect(await trust([r, other, using(IAM.podIdentityAssociation, other)])).toEqual(unbound);
    });

    it("needs no association for a role that does not trust Pod Identity", async () => {
      expect(await trust([role(doc(allow({ Service: "ec2.amazonaws.com" })))])).toEqual([]);
    });
  });

  it("reports a trust policy that is not a JSON document against its role, and judges the next role", async () => {
    const { findings } = await check("iam-role-trust-scoped", [role("{", "broken"), role(undefined, "none"), role(doc(allow("*")), "open")]);
    expect(findings.map((f) => [f.message, f.name])).toEqual([
      ["role broken's assumeRolePolicy is not a JSON policy document.", "broken"],
      ["role none's assumeRolePolicy is not a JSON policy document.", "none"],
      ["role open: trust statement 0 admits any principal.", "open"],
    ]);
  });

  it("judges roles only, not the other resources of the stack", async () => {
    expect(await trust([role(doc(allow({ Service: "ec2.amazonaws.com" }))), resource("aws:s3/bucket:Bucket", { bucket: "b" }, "b")])).toEqual([]);
  });

  it("validates allowedServices in the stack's policy config", () => {
    const accepts = (allowedServices: unknown) => () => reconcileConfig(allPolicies, { "iam-role-trust-scoped": { allowedServices } });
    expect(accepts(["lambda.amazonaws.com"])).not.toThrow();
    for (const bad of [[], ["lambda"], ["ec2.amazonaws.com", "ec2.amazonaws.com"], "ec2.amazonaws.com", [5]]) {
      expect(accepts(bad), JSON.stringify(bad)).toThrow(/iam-role-trust-scoped: \/allowedServices/);
    }
  });
});
