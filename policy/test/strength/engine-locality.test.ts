/**
 * engine-data-store-zone judged by value: which zone the engine's node group is in, which zones each
 * data store prefers, and the exact messages when they differ or a store is missing.
 */
import { describe, expect, it } from "vitest";
import { EngineResource, reconcileConfig } from "../../../tools/policy-engine";
import { K8S } from "../../kubernetes";
import { AWS } from "../../policies/aws";
import { DATA } from "../../policies/data-protection";
import { cnpgCluster } from "../cases/data-protection";
import * as aws from "../fixtures/aws";
import * as k from "../fixtures/kubernetes";
import { check, policy, resource } from "../harness";

const SUBNET = "aws:ec2/subnet:Subnet";
const ZONE = "topology.kubernetes.io/zone";
type Expression = { key: string; operator: string; values?: string[] };

const subnet = (zone: string | undefined, name = `subnet-${zone}`) => resource(SUBNET, zone === undefined ? { cidrBlock: "10.30.0.0/19" } : { availabilityZone: zone, cidrBlock: "10.30.0.0/19" }, name);
const group = (dependencies: EngineResource[], name = "hft-engine") => resource(AWS.nodeGroup, aws.engineNodeGroup(), name, { dependencies: dependencies.map((d) => d.urn) });
const prefer = (...expressions: Expression[]) => ({ preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, preference: { matchExpressions: expressions } }] });
const zoneIn = (...zones: string[]): Expression => ({ key: ZONE, operator: "In", values: zones });

function redis(nodeAffinity?: object, metadata: object = { name: "redis", namespace: "hft-cache" }): EngineResource {
  const w: any = k.statefulSet();
  w.metadata = metadata;
  if (nodeAffinity) w.spec.template.spec.affinity = { nodeAffinity };
  else delete w.spec.template.spec.affinity;
  return resource(K8S.statefulSet, w, "redis");
}

function database(nodeAffinity?: object, metadata?: object): EngineResource {
  const c: any = cnpgCluster();
  if (metadata) c.metadata = metadata;
  if (nodeAffinity) c.spec.affinity = { nodeAffinity };
  return resource(DATA.cnpgCluster, c, "timescaledb");
}

const AWAY = (kind: string, name: string, prefers: string) =>
  `${kind} ${name} prefers zone ${prefers}, not the engine's us-east-1a: its master or primary may sit a zone away. Add a preferred node affinity ${ZONE} In [us-east-1a].`;

describe("engine-data-store-zone", () => {
  const zoneA = subnet("us-east-1a");
  const beside = (stores: EngineResource[], extra: EngineResource[] = []) => [zoneA, group([zoneA]), ...extra, ...stores];
  const run = async (resources: EngineResource[], config?: Record<string, unknown>) => (await check("engine-data-store-zone", resources, { config })).findings;
  const texts = async (resources: EngineResource[], config?: Record<string, unknown>) => (await run(resources, config)).map((f) => f.message);

  it("accepts Redis and the database preferring the engine's zone", async () => {
    expect(await texts(beside([redis(prefer(zoneIn("us-east-1a"))), database(prefer(zoneIn("us-east-1a")))]))).toEqual([]);
  });

  it("refuses a store preferring another zone, several zones, or none, against the store", async () => {
    const findings = await run(beside([redis(prefer(zoneIn("us-east-1a", "us-east-1b"))), database(prefer(zoneIn("us-east-1b")))]));
    expect(findings.map((f) => [f.message, f.name])).toEqual([
      [AWAY("StatefulSet", "hft-cache/redis", "us-east-1a, us-east-1b"), "redis"],
      [AWAY("Cluster", "hft-data/timescaledb", "us-east-1b"), "timescaledb"],
    ]);
    expect(await texts(beside([redis(), database()]))).toEqual([AWAY("StatefulSet", "hft-cache/redis", "none"), AWAY("Cluster", "hft-data/timescaledb", "none")]);
  });

  it("reads only In expressions on the zone key, from every preferred term", async () => {
    const hostname = { key: "kubernetes.io/hostname", operator: "In", values: ["us-east-1a"] };
    const notIn = { key: ZONE, operator: "NotIn", values: ["us-east-1a"] };
    expect(await texts(beside([redis(prefer(hostname, notIn)), database(prefer({ key: ZONE, operator: "In" }))]))).toEqual([
      AWAY("StatefulSet", "hft-cache/redis", "none"),
      AWAY("Cluster", "hft-data/timescaledb", "none"),
    ]);
    const twoTerms = { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 1 }, { weight: 100, preference: { matchExpressions: [zoneIn("us-east-1a")] } }, { weight: 5, preference: {} }] };
    expect(await texts(beside([redis(twoTerms), database(prefer(zoneIn("us-east-1a")))]))).toEqual([]);
  });

  it("reads the Cluster's own affinity and a StatefulSet's pod template, not each other's", async () => {
    const clusterWithTemplate: any = cnpgCluster();
    clusterWithTemplate.spec.template = { spec: { affinity: { nodeAffinity: prefer(zoneIn("us-east-1a")) } } };
    const stsWithSpecAffinity: any = k.statefulSet();
    stsWithSpecAffinity.metadata = { name: "redis", namespace: "hft-cache" };
    delete stsWithSpecAffinity.spec.template.spec.affinity;
    stsWithSpecAffinity.spec.affinity = { nodeAffinity: prefer(zoneIn("us-east-1a")) };
    expect(await texts(beside([resource(K8S.statefulSet, stsWithSpecAffinity, "redis"), resource(DATA.cnpgCluster, clusterWithTemplate, "timescaledb")]))).toEqual([
      AWAY("StatefulSet", "hft-cache/redis", "none"),
      AWAY("Cluster", "hft-data/timescaledb", "none"),
    ]);
    expect(await texts(beside([redis(prefer(zoneIn("us-east-1a"))), resource(DATA.cnpgCluster, { metadata: { name: "timescaledb", namespace: "hft-data" } }, "timescaledb")]))).toEqual([
      AWAY("Cluster", "hft-data/timescaledb", "none"),
    ]);
  });

  it("refuses a configured store the stack lacks, matching kind, namespace and name", async () => {
    const missing = (kind: string, name: string) => `data store ${kind} ${name} (policy config dataStores) is not in the stack.`;
    expect(await texts(beside([k.engineResource()]))).toEqual([missing("StatefulSet", "hft-cache/redis"), missing("Cluster", "hft-data/timescaledb")]);
    const elsewhere = redis(prefer(zoneIn("us-east-1a")), { name: "redis", namespace: "hft-data" });
    const renamed = database(prefer(zoneIn("us-east-1a")), { name: "timescale", namespace: "hft-data" });
    const wrongKind = resource(K8S.statefulSet, { metadata: { name: "timescaledb", namespace: "hft-data" } }, "timescaledb-sts");
    const anonymous = resource(K8S.statefulSet, { spec: {} }, "anonymous");
    expect(await texts(beside([elsewhere, renamed, wrongKind, anonymous]))).toEqual([missing("StatefulSet", "hft-cache/redis"), missing("Cluster", "hft-data/timescaledb")]);
  });

  it("judges the stores the stack's config names, of either kind", async () => {
    const config = { dataStores: [{ kind: "StatefulSet", namespace: "hft-cache", name: "redis" }] };
    expect(await texts(beside([redis(prefer(zoneIn("us-east-1b")))]), config)).toEqual([AWAY("StatefulSet", "hft-cache/redis", "us-east-1b")]);
    const clusterOnly = { dataStores: [{ kind: "Cluster", namespace: "hft-cache", name: "redis" }] };
    expect(await texts(beside([redis(prefer(zoneIn("us-east-1a")))]), clusterOnly)).toEqual(["data store Cluster hft-cache/redis (policy config dataStores) is not in the stack."]);
  });

  it("takes the zone from the engine group's subnets only, counting a zone once and ignoring a subnet without one", async () => {
    // Redis a zone away: the rule is applicable exactly when it reports it.
    const stores = [redis(prefer(zoneIn("us-east-1b"))), database(prefer(zoneIn("us-east-1a")))];
    const redisAway = [AWAY("StatefulSet", "hft-cache/redis", "us-east-1b")];
    const again = subnet("us-east-1a", "hft-private-0b");
    const unzoned = subnet(undefined, "unzoned");
    expect(await texts([zoneA, again, unzoned, group([zoneA, again, unzoned]), ...stores])).toEqual(redisAway);
    // A volume in another zone the group depends on is not where its nodes run.
    const volume = resource("aws:ebs/volume:Volume", { availabilityZone: "us-east-1b", size: 10 }, "scratch");
    expect(await texts([zoneA, volume, group([zoneA, volume]), ...stores])).toEqual(redisAway);
    // A subnet of another node group does not count.
    const systemSubnet = subnet("us-east-1b");
    const system = resource(AWS.nodeGroup, { labels: { "node-type": "system" } }, "hft-system", { dependencies: [systemSubnet.urn] });
    expect(await texts([zoneA, systemSubnet, group([zoneA]), system, ...stores])).toEqual(redisAway);
  });

  it("refuses a dataStores entry without a kind it knows, a namespace or a name", () => {
    const reconcile = (dataStores: unknown) => () => reconcileConfig([policy("engine-data-store-zone")], { "engine-data-store-zone": { dataStores } });
    expect(reconcile([{ kind: "Deployment", namespace: "hft-cache", name: "redis" }])).toThrow("engine-data-store-zone: /dataStores/0/kind must be equal to one of the allowed values");
    expect(reconcile([{ kind: 1, namespace: "hft-cache", name: "redis" }])).toThrow("engine-data-store-zone: /dataStores/0/kind must be string");
    expect(reconcile([{ kind: "Cluster", namespace: "", name: "redis" }])).toThrow("engine-data-store-zone: /dataStores/0/namespace must NOT have fewer than 1 characters");
    expect(reconcile([{ kind: "Cluster", namespace: "hft-data", name: "" }])).toThrow("engine-data-store-zone: /dataStores/0/name must NOT have fewer than 1 characters");
    expect(reconcile([{ kind: "Cluster", namespace: "hft-data" }])).toThrow("engine-data-store-zone: /dataStores/0 must have required property 'name'");
    expect(reconcile(["hft-data/timescaledb"])).toThrow("engine-data-store-zone: /dataStores/0 must be object");
    expect(reconcile([{ kind: "Cluster", namespace: "hft-data", name: "timescaledb" }])).not.toThrow();
  });

  it("is not applicable when the engine group's zone is not exactly one known zone", async () => {
    const stores = [redis(prefer(zoneIn("us-east-1b"))), database(prefer(zoneIn("us-east-1b")))];
    const zoneB = subnet("us-east-1b");
    const reasons = async (resources: EngineResource[]) => {
      const { findings, run: ruleRun } = await check("engine-data-store-zone", resources);
      expect(findings).toEqual([]);
      return ruleRun.notApplicable;
    };
    expect(await reasons([zoneA, zoneB, group([zoneA, zoneB]), ...stores])).toEqual(["the engine node group's zone is not one known zone (us-east-1a, us-east-1b)"]);
    expect(await reasons([subnet(undefined, "unzoned"), group([]), ...stores])).toEqual(["the engine node group's zone is not one known zone (none)"]);
    expect(await reasons([zoneA, resource(AWS.nodeGroup, { labels: { "node-type": "system" } }, "hft-system", { dependencies: [zoneA.urn] }), ...stores])).toEqual([
      "the engine node group's zone is not one known zone (none)",
    ]);
  });

  it("finds the engine group by the configured names", async () => {
    const stores = [redis(prefer(zoneIn("us-east-1b"))), database(prefer(zoneIn("us-east-1a")))];
    const named = resource(AWS.nodeGroup, { ...aws.engineNodeGroup(), labels: { "node-type": "x" } }, "latency", { dependencies: [zoneA.urn] });
    expect(await texts([zoneA, named, ...stores], { nodeGroupNames: ["latency"] })).toEqual([AWAY("StatefulSet", "hft-cache/redis", "us-east-1b")]);
  });
});
