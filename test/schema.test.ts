import { describe, expect, it } from "vitest";
import { validateObjects } from "../tools/schema";

const statefulSet = (container: Record<string, unknown>) => ({
  apiVersion: "apps/v1",
  kind: "StatefulSet",
  metadata: { name: "s", namespace: "n" },
  spec: { serviceName: "s", selector: { matchLabels: { a: "b" } }, template: { metadata: { labels: { a: "b" } }, spec: { containers: [container] } } },
});

describe("schema validation", () => {
  it("accepts well-formed built-in and prometheus-operator objects", async () => {
    const report = await validateObjects([
      { file: "a.yaml", object: statefulSet({ name: "c", image: "nginx:1.27.3" }) },
      {
        file: "b.yaml",
        object: { apiVersion: "monitoring.coreos.com/v1", kind: "ServiceMonitor", metadata: { name: "m" }, spec: { selector: {}, endpoints: [{ port: "metrics", interval: "1s" }] } },
      },
    ]);
    expect(report).toEqual({ checked: 2, redacted: {}, errors: [] });
  });

  it("reports a wrong field type, naming the object and the field", async () => {
    const report = await validateObjects([{ file: "bad.yaml", object: statefulSet({ name: "c", image: "nginx:1.27.3", ports: [{ containerPort: "http" }] }) }]);
    expect(report.errors).toHaveLength(1);
    expect(report.errors[0]).toMatchObject({ file: "bad.yaml", kind: "StatefulSet", name: "s" });
    expect(report.errors[0].message).toMatch(/containerPort must be (integer|number)/);
  });

  it("reports a custom resource with an invalid spec", async () => {
    const report = await validateObjects([
      { file: "sm.yaml", object: { apiVersion: "monitoring.coreos.com/v1", kind: "ServiceMonitor", metadata: { name: "m" }, spec: { endpoints: "metrics" } } },
    ]);
    expect(report.errors.map((e) => e.kind)).toEqual(["ServiceMonitor"]);
  });

  it("treats a kind without a schema as an error rather than passing it", async () => {
    const report = await validateObjects([{ file: "x.yaml", object: { apiVersion: "example.com/v1", kind: "Widget", metadata: { name: "w" } } }]);
    expect(report.errors[0].message).toMatch(/no schema for example.com\/v1 Widget/);
  });

  it("validates a Secret without its redacted values and says so", async () => {
    const report = await validateObjects([
      { file: "s.yaml", object: { apiVersion: "v1", kind: "Secret", metadata: { name: "s" }, type: "Opaque", stringData: "[secret]" } },
    ]);
    expect(report.errors).toEqual([]);
    expect(report.redacted).toEqual({ "s.yaml": ["stringData"] });
  });

  describe("custom resources checked against vendored CRD schemas", () => {
    const cluster = (spec: Record<string, unknown>) => ({
      apiVersion: "postgresql.cnpg.io/v1",
      kind: "Cluster",
      metadata: { name: "timescaledb", namespace: "hft-data" },
      spec: {
        instances: 3,
        imageCatalogRef: { apiGroup: "postgresql.cnpg.io", kind: "ImageCatalog", name: "timescaledb", major: 18 },
        storage: { size: "500Gi", storageClass: "fast-ssd" },
        postgresql: { shared_preload_libraries: ["timescaledb"], parameters: { shared_buffers: "4GB" }, synchronous: { method: "any", number: 1 } },
        affinity: { enablePodAntiAffinity: true, podAntiAffinityType: "required", topologyKey: "topology.kubernetes.io/zone" },
        plugins: [{ name: "barman-cloud.cloudnative-pg.io", isWALArchiver: true, parameters: { barmanObjectName: "timescaledb" } }],
        ...spec,
      },
    });

    it("accepts a well-formed CloudNativePG Cluster and Barman Cloud ObjectStore", async () => {
      const report = await validateObjects([
        { file: "c.yaml", object: cluster({}) },
        {
          file: "o.yaml",
          object: {
            apiVersion: "barmancloud.cnpg.io/v1",
            kind: "ObjectStore",
            metadata: { name: "timescaledb" },
            spec: { retentionPolicy: "30d", configuration: { destinationPath: "s3://bucket/cnpg", s3Credentials: { inheritFromIAMRole: true } } },
          },
        },
      ]);
      expect(report.errors).toEqual([]);
      expect(report.checked).toBe(2);
    });

    it("reports a wrong type, naming the field", async () => {
      const report = await validateObjects([{ file: "c.yaml", object: cluster({ instances: "three" }) }]);
      expect(report.errors).toHaveLength(1);
      expect(report.errors[0]).toMatchObject({ file: "c.yaml", kind: "Cluster", name: "timescaledb" });
      expect(report.errors[0].message).toContain("Cluster/spec/instances must be integer");
    });

    it("reports enum violations, missing required fields and unknown fields", async () => {
      const report = await validateObjects([
        { file: "a.yaml", object: cluster({ postgresql: { synchronous: { method: "all", number: 1 } } }) },
        { file: "b.yaml", object: cluster({ affinity: { podAntiAffinityTyp: "required" } }) },
        {
          file: "o.yaml",
          object: { apiVersion: "barmancloud.cnpg.io/v1", kind: "ObjectStore", metadata: { name: "o" }, spec: { retentionPolicy: "30 days", configuration: {} } },
        },
      ]);
      expect(report.errors.map((e) => e.file)).toEqual(["a.yaml", "b.yaml", "o.yaml"]);
      expect(report.errors[0].message).toMatch(/synchronous\/method must be equal to one of the allowed values/);
      expect(report.errors[1].message).toMatch(/affinity must NOT have additional properties/);
      expect(report.errors[2].message).toMatch(/retentionPolicy must match pattern/);
      expect(report.errors[2].message).toMatch(/must have required property 'destinationPath'/);
    });

    it("still reports a kind of a known group that has no schema", async () => {
      const report = await validateObjects([{ file: "p.yaml", object: { apiVersion: "postgresql.cnpg.io/v1", kind: "Pooler", metadata: { name: "p" }, spec: {} } }]);
      expect(report.errors[0].message).toMatch(/no schema for postgresql.cnpg.io\/v1 Pooler/);
    });
  });
});
