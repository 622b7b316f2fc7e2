/**
 * The engine's log store's IAM paths: the shipper's role may append to its CloudWatch Logs group,
 * put order/audit objects into the Object Lock bucket's folder and get data keys for it through S3;
 * it may not read either back, delete, change retention or bypass the lock, or write anywhere else.
 * Every other role gets nothing on either.
 */
import { IamPath, parse, RenderedIam, RenderedRole } from "./iam-paths";
import { InventoryEntry } from "./inventory";

interface Store {
  groupArn: string;
  bucket: string;
  bucketArn: string;
  bucketPolicy: IamPath["request"]["resourcePolicy"];
  keyArn: string;
}

/** Log groups with a KMS key, each with the Object Lock bucket its writer role also reaches. */
export function logStorePaths(model: RenderedIam): IamPath[] {
  return model.all("aws:cloudwatch/logGroup:LogGroup").flatMap((group) => {
    const groupArn = logGroupArn(model, group);
    const writers = model.roles.filter((r) => JSON.stringify(r.policies).includes(groupArn));
    const store = writers.length > 0 ? storeOf(model, groupArn, writers[0]) : undefined;
    if (!store) return [];
    const others = model.roles.filter((r) => !writers.includes(r));
    return [...writers.flatMap((role) => writerPaths(model, store, role)), ...others.flatMap((role) => outsiderPaths(model, store, role))];
  });
}

function logGroupArn(model: RenderedIam, group: InventoryEntry): string {
  return `arn:aws:logs:${model.region}:${model.account}:log-group:${String(group.inputs.name)}`;
}

/** The Object Lock bucket named in the writer's policy. */
function storeOf(model: RenderedIam, groupArn: string, writer: RenderedRole): Store | undefined {
  const locked = model.all("aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration").map((l) => String(l.inputs.bucket));
  const bucket = locked.find((b) => JSON.stringify(writer.policies).includes(`arn:aws:s3:::${b}`));
  if (!bucket) return undefined;
  const policy = model.all("aws:s3/bucketPolicy:BucketPolicy").find((p) => p.inputs.bucket === bucket);
  const sse = model.all("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration").find((e) => e.inputs.bucket === bucket);
  const keyArn = sse ? String((sse.inputs as { rules: { applyServerSideEncryptionByDefault: { kmsMasterKeyId: string } }[] }).rules[0].applyServerSideEncryptionByDefault.kmsMasterKeyId) : "";
  return { groupArn, bucket, bucketArn: `arn:aws:s3:::${bucket}`, bucketPolicy: policy ? parse(policy.inputs.policy) : undefined, keyArn };
}

function writerPaths(model: RenderedIam, store: Store, role: RenderedRole): IamPath[] {
  const who = role.entry.name;
  const tls = { "aws:SecureTransport": "true" };
  const ask = (path: string, expected: IamPath["expected"], action: string, resource: string, context: Record<string, string>, resourcePolicy?: IamPath["request"]["resourcePolicy"]): IamPath => ({
    path: `${who}: ${action} ${resource} (${path})`,
    expected,
    request: { principal: model.session(role), action, resource, resourceAccount: model.account, context, identityPolicies: role.policies, ...(resourcePolicy ? { resourcePolicy } : {}) },
  });
  const stream = `${store.groupArn}:log-stream:trading-engine-0`;
  const otherGroup = `arn:aws:logs:${model.region}:${model.account}:log-group:/aws/another-group`;
  const record = `${store.bucketArn}/orders/trading-engine-0/2026/12/07/093000-0f0f.jsonl`;
  const viaS3 = { ...tls, "kms:ViaService": `s3.${model.region}.amazonaws.com`, "kms:CallerAccount": model.account, "kms:EncryptionContext:aws:s3:arn": store.bucketArn };
  const key = model.keyPolicy(store.keyArn);
  return [
    ask("the shipper opens its pod's stream", "Allowed", "logs:CreateLogStream", stream, tls),
    ask("the shipper sends application log events", "Allowed", "logs:PutLogEvents", stream, tls),
    ask("write to another log group", "Denied", "logs:PutLogEvents", `${otherGroup}:log-stream:x`, tls),
    ask("read its log back", "Denied", "logs:GetLogEvents", stream, tls),
    ask("delete its log group", "Denied", "logs:DeleteLogGroup", store.groupArn, tls),
    ask("change its log group's retention", "Denied", "logs:PutRetentionPolicy", store.groupArn, tls),
    ask("the shipper puts an order/audit object", "Allowed", "s3:PutObject", record, tls, store.bucketPolicy),
    ask("put an order/audit object over plain HTTP", "Denied", "s3:PutObject", record, { "aws:SecureTransport": "false" }, store.bucketPolicy),
    ask("put outside the audit folder", "Denied", "s3:PutObject", `${store.bucketArn}/elsewhere/file`, tls, store.bucketPolicy),
    ask("read an order/audit object back", "Denied", "s3:GetObject", record, tls, store.bucketPolicy),
    ask("delete an order/audit object", "Denied", "s3:DeleteObject", record, tls, store.bucketPolicy),
    ask("delete a locked version", "Denied", "s3:DeleteObjectVersion", record, tls, store.bucketPolicy),
    ask("shorten an object's retention", "Denied", "s3:PutObjectRetention", record, tls, store.bucketPolicy),
    ask("bypass governance retention", "Denied", "s3:BypassGovernanceRetention", record, tls, store.bucketPolicy),
    ask("change the bucket's Object Lock default", "Denied", "s3:PutBucketObjectLockConfiguration", store.bucketArn, tls, store.bucketPolicy),
    ask("data key for an audit upload through S3", "Allowed", "kms:GenerateDataKey", store.keyArn, viaS3, key),
    ask("decrypt audit objects", "Denied", "kms:Decrypt", store.keyArn, viaS3, key),
  ];
}

/** No other role of the program may append to the engine's log or put into the audit bucket. */
function outsiderPaths(model: RenderedIam, store: Store, role: RenderedRole): IamPath[] {
  const tls = { "aws:SecureTransport": "true" };
  const ask = (action: string, resource: string, resourcePolicy?: IamPath["request"]["resourcePolicy"]): IamPath => ({
    path: `${role.entry.name}: ${action} ${resource} (not the engine's log role)`,
    expected: "Denied",
    request: { principal: model.session(role), action, resource, resourceAccount: model.account, context: tls, identityPolicies: role.policies, ...(resourcePolicy ? { resourcePolicy } : {}) },
  });
  return [ask("logs:PutLogEvents", `${store.groupArn}:log-stream:forged`), ask("s3:PutObject", `${store.bucketArn}/orders/forged.jsonl`, store.bucketPolicy)];
}
