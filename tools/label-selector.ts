/**
 * Kubernetes label selectors (apimachinery's LabelSelector): matchLabels and matchExpressions ANDed,
 * as the capacity model's scheduling and the network model's policy peers both judge them.
 */
export interface MatchExpression {
  key: string;
  operator: "In" | "NotIn" | "Exists" | "DoesNotExist";
  values?: string[];
}

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: MatchExpression[];
}

export function selectorMatches(selector: LabelSelector, labels: Record<string, string>): boolean {
  const byLabel = Object.entries(selector.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
  return byLabel && (selector.matchExpressions ?? []).every((e) => expressionMatches(e, labels));
}

export function expressionMatches(e: MatchExpression, labels: Record<string, string>): boolean {
  const value = labels[e.key];
  switch (e.operator) {
    case "In":
      return value !== undefined && (e.values ?? []).includes(value);
    case "NotIn":
      return value === undefined || !(e.values ?? []).includes(value);
    case "Exists":
      return value !== undefined;
    case "DoesNotExist":
      return value === undefined;
  }
}
