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
});
