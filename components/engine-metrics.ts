/**
 * The engine's metrics contract: what the engine exports on its metrics port and what the alerts
 * and the HPA's adapter query. The engine renders its histogram with the bounds application.yaml
 * gives it (metrics.latency_histogram); docs/workloads.md states the contract for its developers.
 */
export const ENGINE_METRICS = {
  /** Histogram of order-path latency in seconds (Prometheus base unit), one series set per pod. */
  latency: "latency_seconds",
  /** Counter of errors the engine handled or logged. */
  errors: "errors_total",
} as const;

/** Bucket series of the latency histogram (`_bucket{le=...}`), and its observation counter. */
export const LATENCY_BUCKET_SERIES = `${ENGINE_METRICS.latency}_bucket`;
export const LATENCY_COUNT_SERIES = `${ENGINE_METRICS.latency}_count`;

/** Histogram upper bounds in seconds, from the configured microseconds (+Inf is implicit). */
export function latencyBucketsSeconds(bucketsUs: number[]): number[] {
  return bucketsUs.map((us) => us / 1e6);
}
