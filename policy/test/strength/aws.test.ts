/**
 * The AWS rules (policy/policies/aws.ts) judged value by value: EKS logging, secrets encryption and
 * endpoint access from both the aws:eks resource and the eks component, IMDSv2, the engine's instance
 * types, public ingress, and the S3 bucket controls, each bound from the stack's config, with the exact
 * messages a user reads and the cases each rule does not apply to.
 */
import { describe, expect, it } from "vitest";
import { EngineResource, reconcileConfig } from "../../../tools/policy-engine";
import { allPolicies } from "../../policies";
import { AWS } from "../../policies/aws";
import * as aws from "../fixtures/aws";
import { check, messages, resource, UNKNOWN_STRING } from "../harness";

const KEY = "arn:aws:kms:us-east-1:123456789012:key/5a4c7d52-0123-a83a-f4db-8906b275dad6";
const refuses = (rule: string, key: string, values: unknown[]) => {
  for (const value of values) expect(() => reconcileConfig(allPolicies, { [rule]: { [key]: value } }), JSON.stringify(value)).toThrow(new RegExp(`${rule}: /${key}`));
};
const cluster = (change: (c: any) => void = () => {}) => {
  const c: any = aws.eksCluster();
  change(c);
  return [resource(AWS.eksCluster, c, "hft")];
};
const component = (change: (c: any) => void = () => {}) => {
  const c: any = aws.eksComponent();
  change(c);
  return [resource(AWS.eksComponent, c, "hft")];
};

describe("eks-control-plane-logging", () => {
  const logging = (resources: EngineResource[], config?: Record<string, unknown>) => messages("eks-control-plane-logging", resources, config);

  it("accepts every log type on, from the cluster or the component", async () => {
    expect(await logging(cluster())).toEqual([]);
    expect(await logging(component())).toEqual([]);
  });

  it("lists each log type that is off", async () => {
    expect(await logging(cluster((c) => (c.enabledClusterLogTypes = ["api", "audit", "controllerManager"])))).toEqual(["control-plane logging is off for authenticator, scheduler: add them to enabledClusterLogTypes."]);
    expect(await logging(component((c) => delete c.enabledClusterLogTypes)))
      .toEqual(["control-plane logging is off for api, audit, authenticator, controllerManager, scheduler: add them to enabledClusterLogTypes."]);
  });

  it("requires only the stack's log types, and validates them", async () => {
    expect(await logging(cluster((c) => (c.enabledClusterLogTypes = ["audit"])), { requiredLogTypes: ["audit"] })).toEqual([]);
    expect(await logging(cluster((c) => (c.enabledClusterLogTypes = ["api"])), { requiredLogTypes: ["api", "audit"] })).toEqual(["control-plane logging is off for audit: add them to enabledClusterLogTypes."]);
    for (const t of aws.LOG_TYPES) expect(() => reconcileConfig(allPolicies, { "eks-control-plane-logging": { requiredLogTypes: [t] } }), t).not.toThrow();
    refuses("eks-control-plane-logging", "requiredLogTypes", [["kubelet"], ["api", "api"], "api"]);
  });

  it("does not apply to a component registered without inputs, nor to other types", async () => {
    const { findings, run } = await check("eks-control-plane-logging", [resource(AWS.eksComponent, {}, "hft"), resource(AWS.nodeGroup, {}, "ng")]);
    expect(findings).toEqual([]);
    expect(run.notApplicable).toEqual(["hft: eks:index:Cluster inputs are not sent to policies (pulumi/pulumi#10533); its children are checked instead"]);
  });
});

describe("eks-secrets-encryption", () => {
  const encryption = (resources: EngineResource[]) => messages("eks-secrets-encryption", resources);
  const noKey = ["no KMS key encrypts Kubernetes secrets: set the cluster's encryption key."];
  const notArn = (shown: string) => [`the secrets encryption key is "${shown}", not a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>): set it to the platform key's ARN.`];

  it("accepts secrets encrypted with a key ARN, also one unknown during preview", async () => {
    expect(await encryption(cluster())).toEqual([]);
    expect(await encryption(component())).toEqual([]);
    expect(await encryption(cluster((c) => (c.encryptionConfig.provider.keyArn = UNKNOWN_STRING)))).toEqual([]);
    expect(await encryption(component((c) => (c.encryptionConfigKeyArn = UNKNOWN_STRING)))).toEqual([]);
  });

  it("refuses a cluster without a key, from either source", async () => {
    expect(await encryption(cluster((c) => delete c.encryptionConfig))).toEqual(noKey);
    expect(await encryption(cluster((c) => (c.encryptionConfig = { resources: ["secrets"] })))).toEqual(noKey);
    expect(await encryption(cluster((c) => (c.encryptionConfig.provider = {})))).toEqual(noKey);
    expect(await encryption(component((c) => delete c.encryptionConfigKeyArn))).toEqual(noKey);
  });

  it("refuses a key that is not a key ARN: an alias, or a value that only prints like one", async () => {
    expect(await encryption(cluster((c) => (c.encryptionConfig.provider.keyArn = "alias/hft")))).toEqual(notArn("alias/hft"));
    expect(await encryption(component((c) => (c.encryptionConfigKeyArn = [KEY])))).toEqual(notArn(JSON.stringify([KEY])));
  });

  it("refuses an encryption config that does not cover secrets", async () => {
    expect(await encryption(cluster((c) => (c.encryptionConfig.resources = ["configmaps", "leases"])))).toEqual(['encryptionConfig.resources is [configmaps, leases]: it must include "secrets".']);
    expect(await encryption(cluster((c) => delete c.encryptionConfig.resources))).toEqual(['encryptionConfig.resources is []: it must include "secrets".']);
    expect(await encryption(cluster((c) => ((c.encryptionConfig.provider.keyArn = UNKNOWN_STRING), (c.encryptionConfig.resources = []))))).toEqual([
      'encryptionConfig.resources is []: it must include "secrets".',
    ]);
  });
});

describe("eks-endpoint-access", () => {
  const endpoint = (resources: EngineResource[], requirePrivateEndpoint = false) => messages("eks-endpoint-access", resources, { requirePrivateEndpoint });
  const isPublic = "the API endpoint is public: set endpointPublicAccess: false for this stack.";
  const notPrivate = "the API endpoint is not reachable from the VPC: set endpointPrivateAccess: true.";

  it("where a private endpoint is required, refuses a public one and one not private, by AWS's defaults when unset", async () => {
    expect(await endpoint(cluster(), true)).toEqual([]);
    expect(await endpoint(component(), true)).toEqual([]);
    expect(await endpoint(cluster((c) => (c.vpcConfig = { endpointPublicAccess: true, endpointPrivateAccess: false, publicAccessCidrs: ["0.0.0.0/0"] })), true)).toEqual([isPublic, notPrivate]);
    expect(await endpoint(cluster((c) => delete c.vpcConfig), true)).toEqual([isPublic, notPrivate]);
    expect(await endpoint(component((c) => (delete c.endpointPublicAccess, delete c.endpointPrivateAccess)), true)).toEqual([isPublic, notPrivate]);
  });

  it("elsewhere, accepts a private endpoint or public CIDRs that are not open, and lists the open ones", async () => {
    expect(await endpoint(cluster())).toEqual([]);
    expect(await endpoint(cluster((c) => (c.vpcConfig = { endpointPublicAccess: false, publicAccessCidrs: ["0.0.0.0/0"] })))).toEqual([]);
    expect(await endpoint(component((c) => ((c.endpointPublicAccess = true), (c.publicAccessCidrs = ["203.0.113.0/24"]))))).toEqual([]);
    expect(await endpoint(cluster((c) => (c.vpcConfig = { endpointPublicAccess: true, publicAccessCidrs: ["10.0.0.0/8", "::/0", "0.0.0.0/0"] })))).toEqual([
      "the public API endpoint is open to ::/0, 0.0.0.0/0: limit publicAccessCidrs to known ranges.",
    ]);
    expect(await endpoint(component((c) => delete c.endpointPublicAccess))).toEqual(["the public API endpoint is open to 0.0.0.0/0: limit publicAccessCidrs to known ranges."]);
  });
});

describe("launch-template-imdsv2", () => {
  const imds = (metadataOptions: object | undefined, config?: Record<string, unknown>) =>
    messages("launch-template-imdsv2", [resource(AWS.launchTemplate, metadataOptions ? { imageId: "ami-1", metadataOptions } : { imageId: "ami-1" }, "lt")], config);
  const v1 = (tokens: string) => [`IMDSv1 is allowed (httpTokens is ${tokens}): set metadataOptions.httpTokens: "required".`];

  it("accepts IMDSv2 within the hop limit, and a disabled metadata service whatever else it says", async () => {
    expect(await imds({ httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: 2 })).toEqual([]);
    expect(await imds({ httpTokens: "required" })).toEqual([]);
    expect(await imds({ httpEndpoint: "disabled", httpTokens: "optional", httpPutResponseHopLimit: 9 })).toEqual([]);
  });

  it("refuses IMDSv1, set or by default", async () => {
    expect(await imds({ httpEndpoint: "enabled", httpTokens: "optional" })).toEqual(v1("optional"));
    expect(await imds({ httpEndpoint: "enabled" })).toEqual(v1("unset, which means optional"));
    expect(await imds(undefined)).toEqual(v1("unset, which means optional"));
  });

  it("refuses a hop limit above the stack's maxHopLimit, and accepts one at it", async () => {
    expect(await imds({ httpTokens: "required", httpPutResponseHopLimit: 3 })).toEqual(["metadataOptions.httpPutResponseHopLimit 3 is above 2: lower it."]);
    expect(await imds({ httpTokens: "required", httpPutResponseHopLimit: 2 }, { maxHopLimit: 1 })).toEqual(["metadataOptions.httpPutResponseHopLimit 2 is above 1: lower it."]);
    expect(await imds({ httpTokens: "required", httpPutResponseHopLimit: 1 }, { maxHopLimit: 1 })).toEqual([]);
    refuses("launch-template-imdsv2", "maxHopLimit", [0, 65, 1.5]);
  });
});

describe("engine-node-instance-types", () => {
  const group = (instanceTypes: string[] | undefined, config?: Record<string, unknown>) => {
    const props: any = aws.engineNodeGroup(instanceTypes);
    if (instanceTypes === undefined) delete props.instanceTypes;
    return messages("engine-node-instance-types", [resource(AWS.nodeGroup, props, "hft-engine")], config);
  };

  it("accepts the allowed family, bare metal where required", async () => {
    expect(await group(["c6i.metal"], { requireMetal: true })).toEqual([]);
    expect(await group(["c6i.4xlarge", "c6i.metal"])).toEqual([]);
  });

  it("refuses a family outside the stack's list, naming the list", async () => {
    expect(await group(["m5.metal"])).toEqual(["instance type m5.metal is not in the allowed families c6i."]);
    expect(await group(["c7i.metal", "m7i.metal"], { allowedFamilies: ["c7i", "c6i"] })).toEqual(["instance type m7i.metal is not in the allowed families c7i, c6i."]);
  });

  it("refuses a virtualised size where metal is required, or no instance types", async () => {
    expect(await group(["c6i.4xlarge"], { requireMetal: true })).toEqual(["instance type c6i.4xlarge is not bare metal: use c6i.metal for this stack."]);
    expect(await group(["c6i"], { requireMetal: true })).toEqual(["instance type c6i is not bare metal: use c6i.metal for this stack."]);
    expect(await group(undefined)).toEqual(["the engine node group sets no instanceTypes: set them on the node group."]);
    expect(await group([])).toEqual(["the engine node group sets no instanceTypes: set them on the node group."]);
  });

  it("does not apply to other node groups, and validates its config", async () => {
    const { findings, run } = await check("engine-node-instance-types", [resource(AWS.nodeGroup, { instanceTypes: ["m5.large"] }, "system")]);
    expect(findings).toEqual([]);
    expect(run.notApplicable).toEqual(["system: not the engine node group"]);
    refuses("engine-node-instance-types", "allowedFamilies", [[], ["C6I"], ["c6i", "c6i"]]);
    refuses("engine-node-instance-types", "requireMetal", ["yes"]);
  });
});

describe("security-group-no-public-ingress", () => {
  const ingress = (type: string, props: object, publicPorts: number[] = []) => messages("security-group-no-public-ingress", [resource(type, props, "sg")], { publicPorts });
  const group = (...rules: object[]) => ({ vpcId: "vpc-1", ingress: rules });
  const tcp = (fromPort: number, toPort: number, cidrBlocks: string[]) => ({ protocol: "tcp", fromPort, toPort, cidrBlocks });

  it("accepts private sources, and a public TCP listener on one of the stack's publicPorts", async () => {
    expect(await ingress(AWS.securityGroup, group(tcp(443, 443, ["10.0.0.0/8"])))).toEqual([]);
    expect(await ingress(AWS.securityGroup, group(tcp(443, 443, ["0.0.0.0/0"]), { protocol: "TCP", fromPort: 80, toPort: 80, ipv6CidrBlocks: ["::/0"] }), [80, 443])).toEqual([]);
    expect(await ingress(AWS.securityGroup, { vpcId: "vpc-1" })).toEqual([]);
  });

  it("refuses an open source on any other port, protocol or range, listing the open sources", async () => {
    expect(await ingress(AWS.securityGroup, group(tcp(22, 22, ["10.0.0.0/8", "0.0.0.0/0"])))).toEqual(["ingress[0] admits 0.0.0.0/0 on tcp 22-22: only publicPorts (none) may be public."]);
    expect(await ingress(AWS.securityGroup, group(tcp(443, 443, ["10.0.0.0/8"]), { protocol: "udp", fromPort: 443, toPort: 443, cidrBlocks: ["0.0.0.0/0"], ipv6CidrBlocks: ["::/0"] }), [80, 443])).toEqual([
      "ingress[1] admits 0.0.0.0/0, ::/0 on udp 443-443: only publicPorts 80, 443 may be public.",
    ]);
    expect(await ingress(AWS.securityGroup, group(tcp(80, 443, ["0.0.0.0/0"])), [80])).toEqual(["ingress[0] admits 0.0.0.0/0 on tcp 80-443: only publicPorts 80 may be public."]);
    expect(await ingress(AWS.securityGroup, group({ protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"] }))).toEqual(["ingress[0] admits 0.0.0.0/0 on all traffic: only publicPorts (none) may be public."]);
    expect(await ingress(AWS.securityGroup, group({ cidrBlocks: ["0.0.0.0/0"] }), [443])).toEqual(["ingress[0] admits 0.0.0.0/0 on ? ?-?: only publicPorts 443 may be public."]);
  });

  it("judges a SecurityGroupRule only when it is an ingress rule", async () => {
    expect(await ingress(AWS.securityGroupRule, { type: "ingress", ...tcp(5432, 5432, ["0.0.0.0/0"]) })).toEqual(["the rule admits 0.0.0.0/0 on tcp 5432-5432: only publicPorts (none) may be public."]);
    expect(await ingress(AWS.securityGroupRule, { type: "ingress", protocol: "tcp", fromPort: 443, toPort: 443, ipv6CidrBlocks: ["::/0"] }, [443])).toEqual([]);
    expect(await ingress(AWS.securityGroupRule, { type: "egress", ...tcp(0, 65535, ["0.0.0.0/0"]) })).toEqual([]);
  });

  it("reads a SecurityGroupIngressRule's single IPv4 or IPv6 source", async () => {
    expect(await ingress(AWS.ingressRule, { ipProtocol: "tcp", fromPort: 22, toPort: 22, cidrIpv6: "::/0" })).toEqual(["the rule admits ::/0 on tcp 22-22: only publicPorts (none) may be public."]);
    expect(await ingress(AWS.ingressRule, { ipProtocol: "tcp", fromPort: 443, toPort: 443, cidrIpv4: "0.0.0.0/0" }, [443])).toEqual([]);
    expect(await ingress(AWS.ingressRule, { ipProtocol: "tcp", fromPort: 22, toPort: 22, referencedSecurityGroupId: "sg-1" })).toEqual([]);
  });

  it("validates publicPorts", () => {
    refuses("security-group-no-public-ingress", "publicPorts", [[0], [65536], ["443"], [443, 443]]);
  });
});

describe("s3-bucket-public-access-block", () => {
  const blocked = (resources: EngineResource[]) => messages("s3-bucket-public-access-block", resources);
  const ALL = ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"];

  it("accepts a block with all four flags that references the bucket, beside an incomplete one", async () => {
    const b = aws.bucket();
    expect(await blocked([b, aws.onBucket(AWS.publicAccessBlock, aws.PUBLIC_ACCESS_BLOCK, b)])).toEqual([]);
    const partial = { ...aws.onBucket(AWS.publicAccessBlock, { blockPublicAcls: true }, b), name: "partial", urn: "urn:partial" };
    expect(await blocked([b, partial, aws.onBucket(AWS.publicAccessBlock, aws.PUBLIC_ACCESS_BLOCK, b)])).toEqual([]);
    const v2 = resource(AWS.bucketV2, {}, "logs");
    expect(await blocked([v2, aws.onBucket(AWS.publicAccessBlock, aws.PUBLIC_ACCESS_BLOCK, v2)])).toEqual([]);
  });

  it("refuses a bucket that no block of its own references", async () => {
    const b = aws.bucket();
    const other = resource(AWS.bucket, {}, "other");
    const missing = ["bucket timescaledb-backups has no BucketPublicAccessBlock: add one with all four flags true."];
    expect(await blocked([b])).toEqual(missing);
    expect(await blocked([b, other, aws.onBucket(AWS.publicAccessBlock, aws.PUBLIC_ACCESS_BLOCK, other)])).toEqual(missing);
    expect(await blocked([b, aws.onBucket(AWS.encryption, aws.PUBLIC_ACCESS_BLOCK, b)])).toEqual(missing);
  });

  it("names each flag that is not true, and what it is", async () => {
    const b = aws.bucket();
    expect(await blocked([b, aws.onBucket(AWS.publicAccessBlock, { ...aws.PUBLIC_ACCESS_BLOCK, blockPublicAcls: false, restrictPublicBuckets: undefined, ignorePublicAcls: "true" }, b)])).toEqual([
      `bucket timescaledb-backups's BucketPublicAccessBlock does not set all of ${ALL.join(", ")} to true (blockPublicAcls false, ignorePublicAcls true, restrictPublicBuckets unset).`,
    ]);
  });
});

describe("s3-bucket-encryption", () => {
  const encrypted = (resources: EngineResource[], config?: Record<string, unknown>) => messages("s3-bucket-encryption", resources, config);
  const key = aws.kmsKey();
  const withSse = (sse: Record<string, unknown>, type: string = AWS.encryption, deps: EngineResource[] = [key]) => {
    const b = aws.bucket();
    return [b, key, aws.onBucket(type, sse, b, true, deps)];
  };
  const rule = (applyServerSideEncryptionByDefault?: object): Record<string, unknown> => ({ rules: [applyServerSideEncryptionByDefault ? { applyServerSideEncryptionByDefault } : {}] });
  const problem = (text: string, algorithm = "aws:kms") => [`bucket timescaledb-backups: ${text}. Set sseAlgorithm ${algorithm} with kmsMasterKeyId from the stack's aws.kms.Key.`];

  it("accepts SSE-KMS with the ARN of the stack's key, through either resource type, and a key ARN unknown during preview", async () => {
    expect(await encrypted(withSse(aws.SSE))).toEqual([]);
    expect(await encrypted(withSse(aws.SSE, AWS.encryptionV2))).toEqual([]);
    expect(await encrypted(withSse(rule({ sseAlgorithm: "aws:kms:dsse", kmsMasterKeyId: UNKNOWN_STRING })))).toEqual([]);
  });

  it("refuses a bucket without an encryption configuration of its own", async () => {
    const missing = ["bucket timescaledb-backups has no server-side encryption configuration: add a BucketServerSideEncryptionConfiguration with sseAlgorithm aws:kms and the stack's key."];
    expect(await encrypted([aws.bucket()])).toEqual(missing);
    const other = resource(AWS.bucket, {}, "other");
    expect(await encrypted([aws.bucket(), other, key, aws.onBucket(AWS.encryption, aws.SSE, other, true, [key])])).toEqual(missing);
    expect(await encrypted([aws.bucket(), key, aws.onBucket(AWS.publicAccessBlock, aws.SSE, aws.bucket(), true, [key])])).toEqual(missing);
  });

  it("refuses a configuration without rules, or whose algorithm is not allowed", async () => {
    expect(await encrypted(withSse({ rules: [] }))).toEqual(problem("its encryption configuration has no rules"));
    expect(await encrypted(withSse({}))).toEqual(problem("its encryption configuration has no rules"));
    expect(await encrypted(withSse(rule({ sseAlgorithm: "AES256" })))).toEqual(problem("it is encrypted with AES256 (SSE-S3, keys AWS holds), not aws:kms or aws:kms:dsse"));
    expect(await encrypted(withSse(rule({ kmsMasterKeyId: KEY })))).toEqual(problem("it is encrypted with no default algorithm, not aws:kms or aws:kms:dsse"));
    expect(await encrypted(withSse(rule()))).toEqual(problem("it is encrypted with no default algorithm, not aws:kms or aws:kms:dsse"));
    expect(await encrypted(withSse(aws.SSE), { allowedAlgorithms: ["aws:kms:dsse"] })).toEqual(problem("it is encrypted with aws:kms, not aws:kms:dsse", "aws:kms:dsse"));
  });

  it("refuses SSE-KMS with AWS's managed key, an alias, or a key from outside the stack", async () => {
    expect(await encrypted(withSse(rule({ sseAlgorithm: "aws:kms" })))).toEqual(problem("its SSE-KMS rule names no kmsMasterKeyId, so AWS uses its managed key aws/s3"));
    expect(await encrypted(withSse(rule({ sseAlgorithm: "aws:kms", kmsMasterKeyId: "alias/aws/s3" })))).toEqual(problem('its kmsMasterKeyId is "alias/aws/s3", not the ARN of a KMS key'));
    expect(await encrypted(withSse(rule({ sseAlgorithm: "aws:kms", kmsMasterKeyId: [KEY] })))).toEqual(problem(`its kmsMasterKeyId is "${JSON.stringify([KEY])}", not the ARN of a KMS key`));
    expect(await encrypted(withSse(aws.SSE, AWS.encryption, []))).toEqual(problem("its kmsMasterKeyId does not come from a KMS key of this stack"));
    const notAKey = resource("aws:iam/role:Role", {}, "role");
    expect(await encrypted([...withSse(aws.SSE, AWS.encryption, [notAKey]), notAKey])).toEqual(problem("its kmsMasterKeyId does not come from a KMS key of this stack"));
  });

  it("judges every rule of every configuration of the bucket", async () => {
    const b = aws.bucket();
    const second = { ...aws.onBucket(AWS.encryptionV2, rule({ sseAlgorithm: "AES256" }), b, true, [key]), urn: "urn:second" };
    expect(await encrypted([b, key, aws.onBucket(AWS.encryption, aws.SSE, b, true, [key]), second])).toEqual(problem("it is encrypted with AES256 (SSE-S3, keys AWS holds), not aws:kms or aws:kms:dsse"));
    expect(await encrypted(withSse({ rules: [aws.SSE.rules[0], { applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms" } }] }))).toEqual(
      problem("its SSE-KMS rule names no kmsMasterKeyId, so AWS uses its managed key aws/s3"),
    );
  });

  it("validates allowedAlgorithms", () => {
    expect(() => reconcileConfig(allPolicies, { "s3-bucket-encryption": { allowedAlgorithms: ["aws:kms", "aws:kms:dsse", "AES256"] } })).not.toThrow();
    refuses("s3-bucket-encryption", "allowedAlgorithms", [[], ["aws:kms", "aws:kms"], ["SSE-C"]]);
  });
});

describe("s3-bucket-no-public-acl", () => {
  const acl = (props: object, type: string = AWS.bucketAclV2) => messages("s3-bucket-no-public-acl", [resource(type, props, "acl")]);
  const ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers";
  const AUTHENTICATED = "http://acs.amazonaws.com/groups/global/AuthenticatedUsers";

  it("refuses each public canned ACL, on buckets and ACL resources of both versions", async () => {
    for (const canned of ["public-read", "public-read-write", "authenticated-read"]) {
      for (const type of [AWS.bucket, AWS.bucketV2, AWS.bucketAcl, AWS.bucketAclV2]) {
        expect(await acl({ acl: canned }, type), `${canned} ${type}`).toEqual([`acl ${canned} makes the bucket readable outside the account: remove it.`]);
      }
    }
    expect(await acl({ acl: "private" })).toEqual([]);
    expect(await acl({ acl: "log-delivery-write" })).toEqual([]);
  });

  it("refuses grants to all users or any AWS account, in either grant form, and no other grantee", async () => {
    expect(await acl({ grants: [{ uri: ALL_USERS }, { id: "canonical-id" }, { uri: "http://acs.amazonaws.com/groups/s3/LogDelivery" }] }, AWS.bucket)).toEqual([`a grant to ${ALL_USERS} makes the bucket public: remove it.`]);
    expect(await acl({ accessControlPolicy: { grants: [{ grantee: { uri: AUTHENTICATED } }, { grantee: { id: "x" } }, { permission: "READ" }] } })).toEqual([
      `a grant to ${AUTHENTICATED} makes the bucket public: remove it.`,
    ]);
    expect(await acl({ acl: "public-read", grants: [{ uri: ALL_USERS }] }, AWS.bucket)).toEqual([
      "acl public-read makes the bucket readable outside the account: remove it.",
      `a grant to ${ALL_USERS} makes the bucket public: remove it.`,
    ]);
    expect(await acl({ accessControlPolicy: {} })).toEqual([]);
  });
});
