import { beforeAll, describe, expect, it } from "vitest";
import { runStack, StackRun } from "../tools/harness";
import { Inventory } from "./inventory";

let run: StackRun;
let inv: Inventory;
const sts = () => inv.k8s("kubernetes:apps/v1:StatefulSet", "redis");

beforeAll(async () => {
  run = await runStack("dev");
  inv = new Inventory(run.inventory);
});

describe("dev Redis", () => {
  it("is a single pod without Sentinel, still persisted on fast-ssd with AOF", () => {
    expect(sts().spec.replicas).toBe(1);
    expect(sts().spec.template.spec.containers.map((c: any) => c.name)).toEqual(["redis", "exporter"]);
    expect(sts().spec.volumeClaimTemplates[0].spec).toMatchObject({ storageClassName: "fast-ssd", resources: { requests: { storage: "5Gi" } } });
    const data = inv.k8s("kubernetes:core/v1:ConfigMap", "redis-config").data;
    expect(Object.keys(data).sort()).toEqual(["redis.conf", "start-redis.sh"]);
    expect(data["redis.conf"]).toContain("appendonly yes");
    expect(data["start-redis.sh"]).not.toContain("replicaof");
  });

  it("lets its volume and StatefulSet go with the stack", () => {
    expect(sts().spec.persistentVolumeClaimRetentionPolicy).toEqual({ whenDeleted: "Delete", whenScaled: "Delete" });
    expect(inv.one("kubernetes:apps/v1:StatefulSet", "redis").protect).toBeUndefined();
  });

  it("has no sentinel service, port, peer traffic or replication alert", () => {
    const services = inv
      .all("kubernetes:core/v1:Service")
      .filter((s) => (s.inputs as any).metadata.namespace === "hft-cache")
      .map((s) => (s.inputs as any).metadata.name);
    expect(services.sort()).toEqual(["redis", "redis-headless", "redis-metrics"]);
    const policy = inv.k8s("kubernetes:networking.k8s.io/v1:NetworkPolicy", "redis").spec;
    expect(policy.ingress).toHaveLength(2);
    expect(policy.ingress[0].ports).toEqual([{ protocol: "TCP", port: 6379 }]);
    expect(policy.egress).toHaveLength(1);
    const alerts = inv.k8s("kubernetes:monitoring.coreos.com/v1:PrometheusRule", "redis").spec.groups[0].rules.map((r: any) => r.alert);
    expect(alerts).not.toContain("RedisReplicationBroken");
    expect(run.outputs.redisEndpoint).not.toHaveProperty("sentinel");
  });

  it("keeps authentication and the PDB", () => {
    const redis = sts().spec.template.spec.containers[0];
    expect(redis.env.map((e: any) => e.name)).toEqual(["REDIS_PASSWORD", "REDISCLI_AUTH"]);
    expect(inv.k8s("kubernetes:policy/v1:PodDisruptionBudget", "redis").spec.maxUnavailable).toBe(1);
    const text = JSON.stringify(run.inventory);
    for (const secret of run.generatedSecrets) expect(text).not.toContain(secret);
  });
});
