/**
 * The backup store's IAM paths: the requests the Barman Cloud plugin sends for its ObjectStore
 * (WAL and base-backup uploads with no SSE header, or SSE-KMS naming the bucket's key; reads,
 * lists and deletes for restore and retention; the KMS calls S3 makes on its behalf) must be
 * allowed by the rendered role policy, bucket policy and key policy; other keys, plain HTTP, other
 * principals, other buckets and other prefixes must not. A role handed (by pod identity) to a
 * namespace whose ObjectStore on the bucket no Cluster archives to is a reader (the restore drill):
 * it must list, read and decrypt, and must not write, delete or ask for data keys.
 */
import { IamPath, IamRequest, parse, RenderedIam, RenderedRole } from "./iam-paths";
import { InventoryEntry } from "./inventory";

/** A key the bucket does not use, in the same account: what a misconfigured or hostile client would name. */
const OTHER_KEY_ID = "0f0f0f0f-0f0f-0f0f-0f0f-0f0f0f0f0f0f";
const OTHER_ACCOUNT = "999988887777";

interface Store {
  bucket: string;
  bucketArn: string;
  bucketPolicy: IamRequest["resourcePolicy"];
  keyArn: string;
  keyPolicy: IamRequest["resourcePolicy"];
  /** Namespaces with an ObjectStore on this bucket that no Cluster archives to: their identities only read. */
  readerNamespaces: string[];
  /** Object keys the plugin writes: a WAL segment and a base backup, under its destination path and server name. */
  wal: string;
  base: string;
  prefix: string;
}

export function backupPaths(model: RenderedIam): IamPath[] {
  return model.all("aws:s3/bucketPolicy:BucketPolicy").flatMap((policy) => {
    const store = storeOf(model, policy);
    if (!store) return [];
    const touching = model.roles.filter((r) => JSON.stringify(r.policies).includes(store.bucketArn));
    const readers = touching.filter((r) => namespacesOf(model, r).some((ns) => store.readerNamespaces.includes(ns)));
    const writers = touching.filter((r) => !readers.includes(r));
    const others = model.roles.filter((r) => !touching.includes(r));
    return [
      ...writers.flatMap((role) => writerPaths(model, store, role)),
      ...readers.flatMap((role) => readerPaths(model, store, role)),
      ...outsiderPaths(model, store, others),
    ];
  });
}

interface ObjectStoreInputs {
  metadata: { name: string; namespace?: string };
  spec: { configuration: { destinationPath: string } };
}
interface ClusterInputs {
  metadata: { name: string; namespace?: string };
  spec: { plugins?: { parameters?: { barmanObjectName?: string; serverName?: string } }[] };
}
interface EncryptionInputs {
  bucket: string;
  rules: { applyServerSideEncryptionByDefault: { kmsMasterKeyId: string } }[];
}
const inputsOf = <T>(e: InventoryEntry): T => e.inputs as unknown as T;

/** The bucket behind a bucket policy, its default key, and where its ObjectStore client writes; undefined if no ObjectStore writes there. */
function storeOf(model: RenderedIam, policy: InventoryEntry): Store | undefined {
  const bucket = String(policy.inputs.bucket);
  const root = `s3://${bucket}/`;
  const onBucket = model
    .all("kubernetes:barmancloud.cnpg.io/v1:ObjectStore")
    .map((o) => inputsOf<ObjectStoreInputs>(o))
    .filter((o) => o.spec.configuration.destinationPath.startsWith(root));
  const clusters = model.all("kubernetes:postgresql.cnpg.io/v1:Cluster").map((c) => inputsOf<ClusterInputs>(c));
  const archivesTo = (o: ObjectStoreInputs) =>
    clusters.some((c) => c.metadata.namespace === o.metadata.namespace && (c.spec.plugins ?? []).some((p) => p.parameters?.barmanObjectName === o.metadata.name));
  const objectStore = onBucket.find(archivesTo);
  if (!objectStore) return undefined;
  const readerNamespaces = onBucket.filter((o) => !archivesTo(o)).map((o) => o.metadata.namespace ?? "default");
  const prefix = objectStore.spec.configuration.destinationPath.slice(root.length).replace(/\/$/, "");
  // Barman writes under <destinationPath>/<serverName>, the server name defaulting to the Cluster's name.
  const pluginOf = (c: ClusterInputs) => (c.spec.plugins ?? []).find((p) => p.parameters?.barmanObjectName === objectStore.metadata.name);
  const cluster = clusters.find((c) => pluginOf(c));
  const server = (cluster && (pluginOf(cluster)?.parameters?.serverName ?? cluster.metadata.name)) ?? objectStore.metadata.name;

  const sse = model.all("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration").find((e) => e.inputs.bucket === bucket);
  const keyArn = sse ? inputsOf<EncryptionInputs>(sse).rules[0].applyServerSideEncryptionByDefault.kmsMasterKeyId : "";
  return {
    bucket,
    bucketArn: `arn:aws:s3:::${bucket}`,
    bucketPolicy: parse(policy.inputs.policy),
    keyArn,
    keyPolicy: model.keyPolicy(keyArn),
    prefix,
    readerNamespaces,
    wal: `${prefix}/${server}/wals/0000000100000000/000000010000000000000001.zst`,
    base: `${prefix}/${server}/base/20261130T030000/data.tar.snappy`,
  };
}

function writerPaths(model: RenderedIam, store: Store, role: RenderedRole): IamPath[] {
  const who = role.entry.name;
  const tls = { "aws:SecureTransport": "true" };
  const kmsKeyHeaders = (keyArn: string) => ({ ...tls, "s3:x-amz-server-side-encryption": "aws:kms", "s3:x-amz-server-side-encryption-aws-kms-key-id": keyArn });
  const otherKey = `arn:aws:kms:${model.region}:${model.account}:key/${OTHER_KEY_ID}`;
  const s3 = (path: string, expected: IamPath["expected"], action: string, resource: string, context: Record<string, string>): IamPath => ({
    path: `${who}: ${action} ${resource.replace(store.bucketArn, `s3://${store.bucket}`)} (${path})`,
    expected,
    request: { principal: model.session(role), action, resource, resourceAccount: model.account, context, identityPolicies: role.policies, resourcePolicy: store.bucketPolicy },
  });
  // With bucket keys S3 asks KMS in the caller's name, the bucket's ARN as encryption context.
  const viaS3 = (bucketArn: string) => ({ ...tls, "kms:ViaService": `s3.${model.region}.amazonaws.com`, "kms:CallerAccount": model.account, "kms:EncryptionContext:aws:s3:arn": bucketArn });
  const kms = (path: string, expected: IamPath["expected"], action: string, keyArn: string, context: Record<string, string>): IamPath => ({
    path: `${who}: ${action} ${keyArn} (${path})`,
    expected,
    request: { principal: model.session(role), action, resource: keyArn, resourceAccount: model.account, context, identityPolicies: role.policies, resourcePolicy: store.keyPolicy },
  });
  const object = (key: string) => `${store.bucketArn}/${key}`;
  const elsewhere = "arn:aws:s3:::another-bucket-in-the-account";
  return [
    s3("WAL upload, no SSE header: the bucket's default key applies", "Allowed", "s3:PutObject", object(store.wal), tls),
    s3("base backup upload, SSE-KMS naming the bucket's key", "Allowed", "s3:PutObject", object(store.base), kmsKeyHeaders(store.keyArn)),
    s3("restore reads WAL", "Allowed", "s3:GetObject", object(store.wal), tls),
    s3("lists backups", "Allowed", "s3:ListBucket", store.bucketArn, tls),
    s3("retention deletes an obsolete backup", "Allowed", "s3:DeleteObject", object(store.base), tls),
    s3("upload with SSE-KMS naming another key", "Denied", "s3:PutObject", object(store.wal), kmsKeyHeaders(otherKey)),
    s3("upload with SSE-S3 instead of the bucket's key", "Denied", "s3:PutObject", object(store.wal), { ...tls, "s3:x-amz-server-side-encryption": "AES256" }),
    s3("upload over plain HTTP", "Denied", "s3:PutObject", object(store.wal), { "aws:SecureTransport": "false" }),
    s3("read over plain HTTP", "Denied", "s3:GetObject", object(store.wal), { "aws:SecureTransport": "false" }),
    s3("write outside its folder", "Denied", "s3:PutObject", object("elsewhere/file"), tls),
    s3("write to another bucket", "Denied", "s3:PutObject", `${elsewhere}/${store.wal}`, tls),
    s3("read another bucket", "Denied", "s3:GetObject", `${elsewhere}/${store.wal}`, tls),
    s3("list another bucket", "Denied", "s3:ListBucket", elsewhere, tls),
    kms("data key for an upload through S3", "Allowed", "kms:GenerateDataKey", store.keyArn, viaS3(store.bucketArn)),
    kms("decrypt for a restore through S3", "Allowed", "kms:Decrypt", store.keyArn, viaS3(store.bucketArn)),
    kms("decrypt for another bucket", "Denied", "kms:Decrypt", store.keyArn, viaS3(elsewhere)),
    kms("another key", "Denied", "kms:Decrypt", otherKey, viaS3(store.bucketArn)),
    kms("schedule the key's deletion", "Denied", "kms:ScheduleKeyDeletion", store.keyArn, tls),
  ];
}

/** The namespaces a role is handed to through pod-identity associations. */
function namespacesOf(model: RenderedIam, role: RenderedRole): string[] {
  return model.dependents("aws:eks/podIdentityAssociation:PodIdentityAssociation", role.entry).map((a) => String(a.inputs.namespace));
}

/** A reader restores: it lists, reads and decrypts through S3; it never uploads, deletes or asks for data keys. */
function readerPaths(model: RenderedIam, store: Store, role: RenderedRole): IamPath[] {
  const who = role.entry.name;
  const tls = { "aws:SecureTransport": "true" };
  const s3 = (path: string, expected: IamPath["expected"], action: string, resource: string, context: Record<string, string>): IamPath => ({
    path: `${who}: ${action} ${resource.replace(store.bucketArn, `s3://${store.bucket}`)} (${path})`,
    expected,
    request: { principal: model.session(role), action, resource, resourceAccount: model.account, context, identityPolicies: role.policies, resourcePolicy: store.bucketPolicy },
  });
  const viaS3 = { ...tls, "kms:ViaService": `s3.${model.region}.amazonaws.com`, "kms:CallerAccount": model.account, "kms:EncryptionContext:aws:s3:arn": store.bucketArn };
  const kms = (path: string, expected: IamPath["expected"], action: string): IamPath => ({
    path: `${who}: ${action} ${store.keyArn} (${path})`,
    expected,
    request: { principal: model.session(role), action, resource: store.keyArn, resourceAccount: model.account, context: viaS3, identityPolicies: role.policies, resourcePolicy: store.keyPolicy },
  });
  const object = (key: string) => `${store.bucketArn}/${key}`;
  return [
    s3("restore drill reads a base backup", "Allowed", "s3:GetObject", object(store.base), tls),
    s3("restore drill reads WAL", "Allowed", "s3:GetObject", object(store.wal), tls),
    s3("restore drill lists backups", "Allowed", "s3:ListBucket", store.bucketArn, tls),
    kms("restore drill decrypts through S3", "Allowed", "kms:Decrypt"),
    s3("a reader uploads WAL", "Denied", "s3:PutObject", object(store.wal), tls),
    s3("a reader deletes a backup", "Denied", "s3:DeleteObject", object(store.base), tls),
    s3("a reader reads over plain HTTP", "Denied", "s3:GetObject", object(store.wal), { "aws:SecureTransport": "false" }),
    s3("a reader reads outside the folder", "Denied", "s3:GetObject", object("elsewhere/file"), tls),
    kms("a reader asks for a data key", "Denied", "kms:GenerateDataKey"),
  ];
}

/** Every other role of the program, and a principal of another account allowed all of S3 by its own policies, get nothing. */
function outsiderPaths(model: RenderedIam, store: Store, others: RenderedRole[]): IamPath[] {
  const tls = { "aws:SecureTransport": "true" };
  const object = `${store.bucketArn}/${store.wal}`;
  const outsider = (who: string, principal: string, identityPolicies: IamRequest["identityPolicies"], action: string, resource: string): IamPath => ({
    path: `${who}: ${action} ${resource.replace(store.bucketArn, `s3://${store.bucket}`)} (not the backup role)`,
    expected: "Denied",
    request: { principal, action, resource, resourceAccount: model.account, context: tls, identityPolicies, resourcePolicy: store.bucketPolicy },
  });
  const everything = [{ name: "s3-full-access", policy: { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "s3:*", Resource: "*" }] } }];
  const foreign = `arn:aws:sts::${OTHER_ACCOUNT}:assumed-role/admin/session`;
  return [
    ...others.flatMap((role) => ["s3:PutObject", "s3:GetObject"].map((action) => outsider(role.entry.name, model.session(role), role.policies, action, object))),
    ...["s3:PutObject", "s3:GetObject", "s3:DeleteObject"].map((action) => outsider(`another account`, foreign, everything, action, object)),
    outsider("another account", foreign, everything, "s3:ListBucket", store.bucketArn),
  ];
}
