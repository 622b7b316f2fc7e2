/**
 * The data protection rules (policy/policies/data-protection.ts) judged value by value: which types
 * must be protected, the StorageClass reclaim policy, the database's instances, WAL archive and
 * scheduled backup, bucket versioning and key rotation, each bound from the stack's config, with the
 * exact messages a user reads and the cases each rule does not apply to.
 */
import { describe, expect, it } from "vitest";
import { EngineResource, reconcileConfig } from "../../../tools/policy-engine";
import { K8S } from "../../kubernetes";
import { allPolicies } from "../../policies";
import { DATA } from "../../policies/data-protection";
import { cnpgCluster, scheduledBackup } from "../cases/data-protection";
import * as aws from "../fixtures/aws";
import * as k from "../fixtures/kubernetes";
import { check, messages, resource } from "../harness";

const accepts = (rule: string, settings: object) => () => reconcileConfig(allPolicies, { [rule]: settings });

describe("stateful-resources-protected", () => {
  const protectedRule = (resources: EngineResource[]) => check("stateful-resources-protected", resources);
  const unprotected = (type: string, name: string) => `${type} ${name} is not protected (protect is false): a destroy or a replacing change would delete it. Set the protect resource option.`;

  it("wants every stateful AWS and database type protected, and accepts each once it is", async () => {
    const types = [DATA.kmsKey, DATA.efs, DATA.bucket, DATA.bucketV2, DATA.rdsCluster, DATA.rdsInstance, DATA.elasticache, DATA.eksCluster, DATA.eksComponent, DATA.cnpgCluster];
    const { findings } = await protectedRule(types.map((t, i) => resource(t, { description: "x" }, `r${i}`)));
    expect(findings.map((f) => f.message)).toEqual(types.map((t, i) => unprotected(t, `r${i}`)));
    expect((await protectedRule(types.map((t, i) => resource(t, {}, `r${i}`, { protect: true })))).findings).toEqual([]);
  });

  it("judges a StatefulSet only when it has volume claim templates", async () => {
    const withClaims = resource(K8S.statefulSet, k.statefulSet(k.enginePod(), { volumeClaimTemplates: [{ metadata: { name: "data" } }] }), "redis");
    const withoutClaims = resource(K8S.statefulSet, k.statefulSet(k.enginePod(), { volumeClaimTemplates: [] }), "engine");
    const bare = resource(K8S.statefulSet, {}, "bare");
    const { findings, run } = await protectedRule([withClaims, withoutClaims, bare]);
    expect(findings.map((f) => f.message)).toEqual([unprotected(K8S.statefulSet, "redis")]);
    expect(run.notApplicable).toEqual(["engine: a StatefulSet without volume claim templates holds no data", "bare: a StatefulSet without volume claim templates holds no data"]);
  });

  it("does not judge stateless types such as a versioning resource or a Deployment", async () => {
    const { findings, run } = await protectedRule([resource(DATA.versioning, {}, "v"), resource(K8S.deployment, k.deployment(), "d")]);
    expect(findings).toEqual([]);
    expect(run.judged).toBe(0);
  });
});

describe("storage-class-reclaim-retain", () => {
  const reclaim = (reclaimPolicy?: string) => messages("storage-class-reclaim-retain", [resource(K8S.storageClass, { ...k.efsClass(), ...(reclaimPolicy ? { reclaimPolicy } : {}) })]);

  it("accepts Retain and refuses Delete or Kubernetes' default, naming what it is", async () => {
    expect(await reclaim("Retain")).toEqual([]);
    expect(await reclaim("Delete")).toEqual(["reclaimPolicy is Delete: deleting a claim would delete its volume. Set Retain."]);
    expect(await reclaim()).toEqual(["reclaimPolicy is unset (Delete): deleting a claim would delete its volume. Set Retain."]);
  });
});

describe("database-replicas", () => {
  const replicas = (spec: object | undefined, config?: Record<string, unknown>) => messages("database-replicas", [resource(DATA.cnpgCluster, { metadata: { name: "db" }, ...(spec ? { spec } : {}) })], config);

  it("refuses fewer instances than minInstances, and accepts exactly minInstances", async () => {
    expect(await replicas({ instances: 3 })).toEqual([]);
    expect(await replicas({ instances: 2 })).toEqual(["spec.instances is 2: run at least 3 so a failed primary has replicas to fail over to."]);
  });

  it("counts CloudNativePG's default of one instance when spec.instances is unset", async () => {
    expect(await replicas({})).toEqual(["spec.instances is 1: run at least 3 so a failed primary has replicas to fail over to."]);
    expect(await replicas(undefined)).toEqual(["spec.instances is 1: run at least 3 so a failed primary has replicas to fail over to."]);
    expect(await replicas(undefined, { minInstances: 1 })).toEqual([]);
  });

  it("takes the bound from the stack's config", async () => {
    expect(await replicas({ instances: 2 }, { minInstances: 2 })).toEqual([]);
    expect(await replicas({ instances: 4 }, { minInstances: 5 })).toEqual(["spec.instances is 4: run at least 5 so a failed primary has replicas to fail over to."]);
    expect(accepts("database-replicas", { minInstances: 2 })).not.toThrow();
    for (const bad of [0, 2.5, "3"]) expect(accepts("database-replicas", { minInstances: bad }), String(bad)).toThrow(/database-replicas: \/minInstances/);
  });
});

describe("database-wal-archiving", () => {
  const archiving = (spec?: object) => messages("database-wal-archiving", [resource(DATA.cnpgCluster, { metadata: { name: "db" }, ...(spec ? { spec } : {}) })]);
  const none = ["the Cluster archives no WAL: add the Barman Cloud plugin with isWALArchiver: true (or spec.backup.barmanObjectStore)."];
  const barman = { name: "barman-cloud.cloudnative-pg.io", isWALArchiver: true };

  it("accepts an enabled WAL-archiving plugin among others, or the in-tree barmanObjectStore", async () => {
    expect(await archiving({ plugins: [{ name: "other" }, barman] })).toEqual([]);
    expect(await archiving({ plugins: [{ ...barman, enabled: true }] })).toEqual([]);
    expect(await archiving({ backup: { barmanObjectStore: { destinationPath: "s3://b/" } } })).toEqual([]);
  });

  it("refuses a disabled or non-archiving plugin, a backup section without an object store, or none at all", async () => {
    expect(await archiving({ plugins: [{ ...barman, enabled: false }] })).toEqual(none);
    expect(await archiving({ plugins: [{ ...barman, isWALArchiver: false }, { name: "other" }] })).toEqual(none);
    expect(await archiving({ backup: {} })).toEqual(none);
    expect(await archiving({ instances: 3 })).toEqual(none);
    expect(await archiving()).toEqual(none);
  });
});

describe("database-scheduled-backup", () => {
  const cluster = (meta: object = cnpgCluster().metadata as object, name = "timescaledb") => resource(DATA.cnpgCluster, { ...cnpgCluster(), metadata: meta }, name);
  const backup = (props: object, name = "daily") => resource(DATA.cnpgScheduledBackup, props, name);
  const missing = (name: string) => [`database Cluster ${name} has no active ScheduledBackup: add one naming it in spec.cluster.name.`];
  const scheduled = (resources: EngineResource[]) => messages("database-scheduled-backup", resources);

  it("accepts a cluster named by an active ScheduledBackup in its namespace", async () => {
    expect(await scheduled([cluster(), backup(scheduledBackup())])).toEqual([]);
    expect(await scheduled([cluster(), backup({ ...scheduledBackup(), spec: { cluster: { name: "timescaledb" }, suspend: false } })])).toEqual([]);
  });

  it("counts only a ScheduledBackup: a Pooler or an on-demand Backup naming the cluster schedules nothing", async () => {
    const naming = { ...scheduledBackup(), spec: { cluster: { name: "timescaledb" } } };
    const pooler = resource("kubernetes:postgresql.cnpg.io/v1:Pooler", naming, "timescaledb-pooler");
    const once = resource("kubernetes:postgresql.cnpg.io/v1:Backup", naming, "timescaledb-now");
    expect(await scheduled([cluster(), pooler, once])).toEqual(missing("timescaledb"));
  });

  it("refuses a backup of another cluster, in another namespace, or suspended", async () => {
    expect(await scheduled([cluster(), backup({ ...scheduledBackup(), spec: { cluster: { name: "other" } } })])).toEqual(missing("timescaledb"));
    expect(await scheduled([cluster(), backup(scheduledBackup("hft-trading"))])).toEqual(missing("timescaledb"));
    expect(await scheduled([cluster(), backup({ ...scheduledBackup(), spec: { cluster: { name: "timescaledb" }, suspend: true } })])).toEqual(missing("timescaledb"));
  });

  it("reads an unset namespace as default, on either side", async () => {
    const inDefault = { metadata: { name: "b" }, spec: { cluster: { name: "timescaledb" } } };
    expect(await scheduled([cluster({ name: "timescaledb", namespace: "default" }), backup(inDefault)])).toEqual([]);
    expect(await scheduled([cluster({ name: "timescaledb" }), backup({ ...inDefault, metadata: { name: "b", namespace: "default" } })])).toEqual([]);
    expect(await scheduled([cluster({ name: "timescaledb" }), backup({ spec: inDefault.spec })])).toEqual([]);
    expect(await scheduled([cluster({ name: "timescaledb" }), backup(scheduledBackup())])).toEqual(missing("timescaledb"));
  });

  it("refuses an auto-named cluster (no metadata.name), which no backup can name, whatever backups there are", async () => {
    const autonamed = (name: string) => [`database Cluster ${name} sets no metadata.name, so no ScheduledBackup can name it: set metadata.name and add one naming it in spec.cluster.name.`];
    expect(await scheduled([resource(DATA.cnpgCluster, { spec: cnpgCluster().spec }, "db"), backup({ spec: {} })])).toEqual(autonamed("db"));
    expect(await scheduled([cluster({ namespace: "default" }, "db"), backup({ metadata: { name: "b" } }), backup({ metadata: { name: "c" }, spec: {} }, "c")])).toEqual(autonamed("db"));
  });

  it("counts only ScheduledBackups that name a cluster", async () => {
    expect(await scheduled([cluster(), resource(K8S.deployment, k.deployment(), "app")])).toEqual(missing("timescaledb"));
    expect(await scheduled([cluster(), backup({ metadata: { name: "b", namespace: "hft-data" } }), backup({ metadata: { name: "c", namespace: "hft-data" }, spec: {} }, "c")])).toEqual(missing("timescaledb"));
  });
});

describe("s3-bucket-versioning", () => {
  const versioning = (type: string, status: string | undefined, target: EngineResource, name?: string) => {
    const r = aws.onBucket(type, status === undefined ? {} : { versioningConfiguration: { status } }, target);
    return name ? { ...r, name, urn: `${r.urn}-${name}` } : r;
  };
  const versioned = (resources: EngineResource[]) => messages("s3-bucket-versioning", resources);
  const refused = (status: string) => [`bucket timescaledb-backups has no enabled versioning (${status}): add a BucketVersioning with status Enabled that references bucket.id.`];

  it("accepts a BucketVersioning or BucketVersioningV2 with status Enabled that references the bucket", async () => {
    const b = aws.bucket();
    expect(await versioned([b, versioning(DATA.versioning, "Enabled", b)])).toEqual([]);
    expect(await versioned([b, versioning(DATA.versioningV2, "Enabled", b)])).toEqual([]);
    const v2 = resource(DATA.bucketV2, {}, "logs");
    expect(await versioned([v2, versioning(DATA.versioning, "Enabled", v2)])).toEqual([]);
  });

  it("refuses a bucket without versioning, or with it suspended or unset, listing every status", async () => {
    const b = aws.bucket();
    expect(await versioned([b])).toEqual(refused("no BucketVersioning"));
    expect(await versioned([b, versioning(DATA.versioningV2, "Suspended", b)])).toEqual(refused("status Suspended"));
    expect(await versioned([b, versioning(DATA.versioning, undefined, b)])).toEqual(refused("status unset"));
    expect(await versioned([b, versioning(DATA.versioning, "Suspended", b, "one"), versioning(DATA.versioning, "Disabled", b, "two")])).toEqual(refused("status Suspended, Disabled"));
    expect(await versioned([resource(DATA.bucketV2, {}, "timescaledb-backups")])).toEqual(refused("no BucketVersioning"));
  });

  it("accepts versioning that references the bucket among other dependencies (an explicit dependsOn)", async () => {
    const b = aws.bucket();
    const owner = resource("aws:s3/bucketOwnershipControls:BucketOwnershipControls", { rule: { objectOwnership: "BucketOwnerEnforced" } }, "owner");
    expect(await versioned([b, owner, aws.onBucket(DATA.versioning, { versioningConfiguration: { status: "Enabled" } }, b, true, [owner])])).toEqual([]);
    expect(await versioned([b, owner, aws.onBucket(DATA.versioning, { versioningConfiguration: { status: "Suspended" } }, b, true, [owner])])).toEqual(refused("status Suspended"));
  });

  it("counts only versioning resources that reference this bucket", async () => {
    const b = aws.bucket();
    const other = resource(DATA.bucket, {}, "other", { protect: true });
    const onOther = versioning(DATA.versioning, "Enabled", other);
    const lookalike = aws.onBucket("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", { versioningConfiguration: { status: "Enabled" } }, b);
    expect(await versioned([b, other, onOther, lookalike])).toEqual(refused("no BucketVersioning"));
  });
});

describe("kms-key-rotation", () => {
  const rotation = (props: object, config?: Record<string, unknown>) => check("kms-key-rotation", [resource(DATA.kmsKey, props, "key")], { config });
  const rotated = async (props: object, config?: Record<string, unknown>) => (await rotation(props, config)).findings.map((f) => f.message);
  const off = ["automatic key rotation is off: set enableKeyRotation: true."];

  it("wants rotation on for a symmetric key, whichever way its spec is given", async () => {
    expect(await rotated({})).toEqual(off);
    expect(await rotated({ enableKeyRotation: false })).toEqual(off);
    expect(await rotated({ keySpec: "SYMMETRIC_DEFAULT" })).toEqual(off);
    expect(await rotated({ customerMasterKeySpec: "SYMMETRIC_DEFAULT" })).toEqual(off);
    expect(await rotated({ keySpec: "SYMMETRIC_DEFAULT", customerMasterKeySpec: "RSA_2048" })).toEqual(off);
    expect(await rotated({ enableKeyRotation: true })).toEqual([]);
  });

  it("does not apply to keys AWS cannot rotate, named by keySpec or the older customerMasterKeySpec", async () => {
    const rsa = await rotation({ keySpec: "RSA_2048" });
    expect(rsa.findings).toEqual([]);
    expect(rsa.run.notApplicable).toEqual(["key: RSA_2048 keys cannot rotate automatically"]);
    expect((await rotation({ customerMasterKeySpec: "ECC_NIST_P256" })).run.notApplicable).toEqual(["key: ECC_NIST_P256 keys cannot rotate automatically"]);
    expect((await rotation({ enableKeyRotation: true })).run.notApplicable).toEqual([]);
  });

  it("refuses a rotation period above maxRotationPeriodDays, and accepts one at it", async () => {
    expect(await rotated({ enableKeyRotation: true, rotationPeriodInDays: 365 })).toEqual([]);
    expect(await rotated({ enableKeyRotation: true, rotationPeriodInDays: 366 })).toEqual(["rotationPeriodInDays 366 is above 365."]);
    expect(await rotated({ enableKeyRotation: true, rotationPeriodInDays: 180 }, { maxRotationPeriodDays: 180 })).toEqual([]);
    expect(await rotated({ enableKeyRotation: true, rotationPeriodInDays: 181 }, { maxRotationPeriodDays: 180 })).toEqual(["rotationPeriodInDays 181 is above 180."]);
  });

  it("judges an unset period as AWS's default of 365 days", async () => {
    expect(await rotated({ enableKeyRotation: true }, { maxRotationPeriodDays: 364 })).toEqual(["rotationPeriodInDays unset (AWS's default, 365) is above 364."]);
    expect(await rotated({ enableKeyRotation: true }, { maxRotationPeriodDays: 365 })).toEqual([]);
  });

  it("validates maxRotationPeriodDays against AWS's range", () => {
    expect(accepts("kms-key-rotation", { maxRotationPeriodDays: 90 })).not.toThrow();
    for (const bad of [89, 2561, 100.5]) expect(accepts("kms-key-rotation", { maxRotationPeriodDays: bad }), String(bad)).toThrow(/kms-key-rotation: \/maxRotationPeriodDays/);
  });
});
