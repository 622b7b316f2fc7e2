/** Identity of a workload, from which every object's labels derive. */
export interface AppIdentity {
  /** app.kubernetes.io/name, e.g. "trading-engine". */
  name: string;
  /** app.kubernetes.io/component, e.g. "engine", "cache", "database". */
  component: string;
  /** app.kubernetes.io/instance; defaults to the name. */
  instance?: string;
}

export const PART_OF = "hft-platform";

/** The node label and taint that reserve engine nodes: the platform registers nodes with them, the engine selects and tolerates them. */
export const ENGINE_NODE_SELECTOR = { key: "node-type", value: "high-performance" } as const;

/**
 * The label an engine node gets only once its verifier read the live node and every latency check
 * passed (node-isolation.ts); the engine requires it.
 */
export const LATENCY_VERIFIED_LABEL = { key: "hft-platform/latency-verified", value: "true" } as const;

/** The recommended app.kubernetes.io labels, on every object the platform creates. */
export function standardLabels(app: AppIdentity): Record<string, string> {
  return {
    ...selectorLabels(app),
    "app.kubernetes.io/component": app.component,
    "app.kubernetes.io/part-of": PART_OF,
    "app.kubernetes.io/managed-by": "pulumi",
  };
}

/** The immutable subset used in selectors (a StatefulSet's selector can never change). */
export function selectorLabels(app: AppIdentity): Record<string, string> {
  return { "app.kubernetes.io/name": app.name, "app.kubernetes.io/instance": app.instance ?? app.name };
}
