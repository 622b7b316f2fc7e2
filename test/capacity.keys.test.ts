import { readFileSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { NODE_GROUP_KEYS, POD_SIZE_KEYS, unfitLines } from "../tools/capacity/report";
import { CHART_VERSION_KEYS, MODELLED_CHARTS } from "../tools/data/chart-pods";
import { REPO_ROOT } from "../tools/harness";

// The keys capacity messages name must be keys a stack file can set: read from the generated JSON Schema.
const schema = JSON.parse(readFileSync(path.join(REPO_ROOT, "schema", "stack-config.schema.json"), "utf8"));
function isConfigKey(dotted: string): boolean {
  const [section, ...rest] = dotted.split(".");
  let node = schema.properties.config.properties[`hft-platform:${section}`];
  for (const key of rest) node = node?.properties?.[key];
  return node !== undefined;
}

describe("the keys capacity messages name", () => {
  it("are stack-file keys: each pod size, node group and chart version", () => {
    const keys = [...Object.values(POD_SIZE_KEYS).flatMap((k) => Object.values(k)), ...Object.values(NODE_GROUP_KEYS), ...Object.values(CHART_VERSION_KEYS)];
    expect(keys.filter((k) => !isConfigKey(k))).toEqual([]);
    expect(Object.keys(CHART_VERSION_KEYS).sort()).toEqual(Object.keys(MODELLED_CHARTS).sort());
  });

  it("say once per workload what its pods lack and the key that sizes them", () => {
    const engine = (i: number) => ({
      pod: `hft-trading/trading-engine-${i}`,
      reason: "hft-engine (c6i.metal x5): no single NUMA node has 62 free CPUs and 4.00 GiB hugepages (single-numa-node) | hft-system (m6i.4xlarge x3): nodeSelector node-type=high-performance does not match",
    });
    const lines = unfitLines([0, 1, 2, 3, 4].map(engine));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^5 pods of hft-trading\/trading-engine \(0, 1, 2, 3, 4\) do not fit .*; change engine\.cpu \(per pod\) or engineNodes \(their instance type and count\)$/);
    const memory = unfitLines([{ pod: "hft-cache/redis-0", reason: "hft-system (m6i.large x3): insufficient memory (needs 9.00 GiB, 5.10 GiB free)" }]);
    expect(memory).toEqual([expect.stringMatching(/^pod hft-cache\/redis-0 does not fit .*; change redis\.resources\.requests\.memory \(per pod\) or systemNodes/)]);
  });
});
