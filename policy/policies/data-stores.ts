/**
 * Resource policies of the data stores: what a bucket policy and a KMS key policy let anyone do.
 * `Principal: "*"` and `Principal: {"AWS": "*"}` both mean every principal, anonymous ones included
 * (IAM User Guide, "AWS JSON policy elements: Principal", read 2026-12-07).
 */
import { PolicyResource } from "@pulumi/policy";
import { HftPolicy, resourceRule, stackRule } from "../rules";
import { AWS } from "./aws";
import { list, Statement, statements } from "./iam";

export const DATA_STORES = {
  bucketPolicy: "aws:s3/bucketPolicy:BucketPolicy",
  kmsKey: "aws:kms/key:Key",
  kmsKeyPolicy: "aws:kms/keyPolicy:KeyPolicy",
} as const;

const BUCKET_TYPES: readonly string[] = [AWS.bucket, AWS.bucketV2];

/** Whether a statement's principal is everyone: `*`, `{"AWS": "*"}`, or a list holding `*`. */
export function everyone(s: Statement): boolean {
  if (s.Principal === "*") return true;
  if (typeof s.Principal !== "object" || s.Principal === null) return false;
  return list((s.Principal).AWS).includes("*");
}

const label = (s: Statement, i: number) => `statement ${s.Sid ?? i}`;

/** The TLS-only deny: every principal, every S3 action on the bucket and its objects, refused when aws:SecureTransport is false. */
function deniesInsecureTransport(s: Statement): boolean {
  if (s.Effect !== "Deny" || !everyone(s)) return false;
  const actions = list(s.Action);
  if (!actions.includes("s3:*") && !actions.includes("*")) return false;
  // Both the bucket (ListBucket, its policy) and its objects: `arn:…:bucket` and `arn:…:bucket/*`.
  const resources = list(s.Resource);
  if (!resources.includes("*") && !(resources.some((r) => r.endsWith("/*")) && resources.some((r) => !r.endsWith("/*")))) return false;
  const secure = s.Condition?.Bool?.["aws:SecureTransport"] ?? s.Condition?.BoolIfExists?.["aws:SecureTransport"];
  return list(secure).map(String).includes("false");
}

interface BucketPolicyConfig {
  publicStatements: { name: string; reason: string }[];
}

const bucketPolicySecure = stackRule<BucketPolicyConfig>(
  {
    name: "s3-bucket-policy-secure",
    description: "Every S3 bucket has a bucket policy referencing it that denies every request without TLS (aws:SecureTransport false, s3:*, principal *), and no policy statement allows principal * except statements this rule's publicStatements name (<bucket>/<Sid>) with a reason.",
    enforcementLevel: "mandatory",
    targetTypes: BUCKET_TYPES,
    configSchema: {
      properties: {
        publicStatements: {
          type: "array",
          default: [],
          description: "Allow statements to principal * that are meant to be public, each { name: '<bucket resource name>/<Sid>', reason }.",
          items: {
            type: "object",
            properties: { name: { type: "string", pattern: "^[^/]+/.+$" }, reason: { type: "string", minLength: 20 } },
            required: ["name", "reason"],
            additionalProperties: false,
          },
        },
      },
    },
  },
  (resources, report, config) => {
    for (const bucket of resources.filter((r) => BUCKET_TYPES.includes(r.type))) {
      const attached = resources.filter((r) => r.type === DATA_STORES.bucketPolicy && r.dependencies.some((d) => d.urn === bucket.urn));
      const documents: { source: string; doc: unknown }[] = attached.map((p: PolicyResource) => ({ source: `bucket policy ${p.name}`, doc: (p.props as { policy?: unknown }).policy }));
      const own = (bucket.props as { policy?: unknown }).policy;
      if (own !== undefined) documents.push({ source: `bucket ${bucket.name}'s policy`, doc: own });
      if (documents.length === 0) {
        report(`bucket ${bucket.name} has no bucket policy: add one that denies requests without TLS (aws:SecureTransport false).`, bucket.urn);
        continue;
      }
      let tlsDeny = false;
      for (const { source, doc } of documents) {
        const stmts = statements(doc);
        if (stmts === undefined) {
          report(`${source} is not a JSON policy document.`, bucket.urn);
          continue;
        }
        tlsDeny ||= stmts.some(deniesInsecureTransport);
        stmts.forEach((s, i) => {
          if (s.Effect !== "Allow" || !(everyone(s) || s.NotPrincipal !== undefined)) return;
          if (config.publicStatements.some((e) => e.name === `${bucket.name}/${s.Sid}`)) return;
          const who = s.NotPrincipal !== undefined ? "everyone but NotPrincipal" : "principal *";
          report(`${source}: ${label(s, i)} allows ${list(s.Action).join(", ") || "NotAction"} to ${who}; this stack's policy config allows no public statement on ${bucket.name}: name the principals.`, bucket.urn);
        });
      }
      if (!tlsDeny) report(`bucket ${bucket.name}'s policy has no statement denying s3:* to principal * when aws:SecureTransport is false: requests without TLS are not refused.`, bucket.urn);
    }
  },
);

interface KeyPolicyConfig {
  pinningConditionKeys: string[];
}

/** `kms:*` or `*`: every KMS operation, key deletion and policy changes included. */
const allKms = (a: string) => a === "*" || a.toLowerCase() === "kms:*";

const keyPolicyScoped = resourceRule<{ policy?: unknown }, KeyPolicyConfig>(
  {
    name: "kms-key-policy-scoped",
    description: "A KMS key policy grants principal * no kms:* (or *) at all, and any other action to principal * only under a condition on a key in this rule's pinningConditionKeys (the caller's account or organisation); an absent policy is KMS's default (the owning account, through IAM).",
    enforcementLevel: "mandatory",
    targetTypes: [DATA_STORES.kmsKey, DATA_STORES.kmsKeyPolicy],
    configSchema: {
      properties: {
        pinningConditionKeys: {
          type: "array",
          items: { type: "string", minLength: 1 },
          uniqueItems: true,
          default: ["kms:CallerAccount", "aws:PrincipalAccount", "aws:PrincipalOrgID", "aws:PrincipalArn"],
          description: "Condition keys that pin a principal-* statement to known callers.",
        },
      },
    },
  },
  (props, report, config) => {
    // No policy: KMS applies its default, which delegates the key to the owning account's IAM policies
    // (AWS KMS Developer Guide, "Default key policy", read 2026-12-07).
    if (props.policy === undefined) return;
    const stmts = statements(props.policy);
    if (stmts === undefined) {
      report("the key policy is not a JSON policy document.");
      return;
    }
    stmts.forEach((s, i) => {
      if (s.Effect !== "Allow") return;
      if (s.NotPrincipal !== undefined) {
        report(`${label(s, i)} allows everyone but NotPrincipal: name the principals.`);
        return;
      }
      if (!everyone(s)) return;
      const actions = list(s.Action);
      const all = actions.filter(allKms);
      if (all.length > 0 || s.NotAction !== undefined) {
        report(`${label(s, i)} grants ${all.join(", ") || "everything but NotAction"} to principal *: anyone could use, re-key or delete the key; grant named actions to named principals.`);
        return;
      }
      const keys = Object.values(s.Condition ?? {}).flatMap((c) => Object.keys(c));
      if (!keys.some((k) => config.pinningConditionKeys.includes(k))) {
        report(`${label(s, i)} grants ${actions.join(", ")} to principal * with conditions on ${keys.join(", ") || "nothing"}; this stack's policy config wants one of ${config.pinningConditionKeys.join(", ")}.`);
      }
    });
  },
);

export const dataStorePolicies: HftPolicy[] = [bucketPolicySecure, keyPolicyScoped];
