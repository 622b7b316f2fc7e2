/**
 * Every PromQL expression the program makes, read from its registered resources: the alert and
 * recording rules of its PrometheusRules, and prometheus-adapter's series and metrics queries.
 * Each is parsed with Prometheus's own PromQL grammar (@prometheus-io/lezer-promql, the parser of
 * Prometheus's web UI), so a typo fails the tests instead of Prometheus's rule reload.
 */
import { parser } from "@prometheus-io/lezer-promql";
import type { InventoryEntry } from "./inventory";

export interface PromqlExpression {
  /** Where it comes from: `<kind> <namespace>/<name> <path>`. */
  source: string;
  expr: string;
}

export interface RuleGroup {
  name: string;
  /** Evaluation interval; Prometheus's global one when absent. */
  interval?: string;
  rules: { alert?: string; record?: string; expr: string }[];
}

interface AdapterRule {
  seriesQuery: string;
  metricsQuery: string;
}

/**
 * prometheus-adapter expands these fields of a metricsQuery (Go templates with `<<` `>>` delimiters;
 * prometheus-adapter docs/config.md, "Querying"): stand-ins of the shape it substitutes, so the
 * expanded query is what Prometheus receives. Any other field is an error.
 */
const ADAPTER_FIELDS: Record<string, string> = {
  Series: "adapter_series",
  LabelMatchers: 'namespace="hft-trading",pod=~"trading-engine-0|trading-engine-1"',
  GroupBy: "pod",
  GroupBySlice: "pod",
};

export function expandAdapterTemplate(query: string): string {
  return query.replace(/<<\s*\.(\w+)\s*>>/g, (whole, field: string) => {
    const value = ADAPTER_FIELDS[field];
    if (value === undefined) throw new Error(`unknown prometheus-adapter template field ${whole} in ${query}`);
    return value;
  });
}

function isAdapterChart(entry: InventoryEntry): boolean {
  return entry.type.startsWith("kubernetes:helm.sh/") && entry.inputs.chart === "prometheus-adapter";
}

/** The rule groups of every PrometheusRule the program registers, with where each came from. */
export function ruleGroups(inventory: InventoryEntry[]): { source: string; groups: RuleGroup[] }[] {
  return inventory
    .filter((e) => e.custom && e.inputs.kind === "PrometheusRule")
    .map((e) => {
      const metadata = e.inputs.metadata as { name: string; namespace: string };
      return { source: `PrometheusRule ${metadata.namespace}/${metadata.name}`, groups: (e.inputs.spec as { groups: RuleGroup[] }).groups };
    });
}

export function programExpressions(inventory: InventoryEntry[]): PromqlExpression[] {
  const rules = ruleGroups(inventory).flatMap(({ source, groups }) =>
    groups.flatMap((g) => g.rules.map((r) => ({ source: `${source} ${g.name}/${r.alert ?? r.record}`, expr: r.expr }))),
  );
  const adapter = inventory.filter(isAdapterChart).flatMap((chart) => {
    const ruleSets = ((chart.inputs.values as { rules?: Record<string, unknown> } | undefined)?.rules ?? {}) as Record<string, AdapterRule[] | boolean>;
    return Object.entries(ruleSets).flatMap(([set, list]) =>
      Array.isArray(list)
        ? list.flatMap((r, i) => [
            { source: `prometheus-adapter rules.${set}[${i}].seriesQuery`, expr: r.seriesQuery },
            { source: `prometheus-adapter rules.${set}[${i}].metricsQuery`, expr: expandAdapterTemplate(r.metricsQuery) },
          ])
        : [],
    );
  });
  return [...rules, ...adapter];
}

/** Syntax errors in an expression, each with its offset; empty when Prometheus's grammar accepts it. */
export function promqlErrors(expr: string): string[] {
  const errors: string[] = [];
  if (expr.trim() === "") return ["empty expression"];
  parser.parse(expr).iterate({
    enter: (node) => {
      if (node.type.isError) errors.push(`syntax error at offset ${node.from}: ${JSON.stringify(expr.slice(Math.max(0, node.from - 10), node.to + 10))}`);
    },
  });
  return errors;
}
