/**
 * What a change does to the trading path, judged per resource from the offline diff: disruptive
 * (replaces or restarts an engine pod or node, fails Redis or the database over, changes the
 * engine's Services or network policies), safe (cannot touch a trading pod, node or flow), or
 * unknown (no rule says; a reviewer decides). A stack takes its worst resource's class. The prod
 * deploy reads the class (tools/trading-session.ts); `npm run diff` prints it at the top.
 */
import { DATA_NAMESPACE } from "../components/timescaledb";
import { REDIS_NAMESPACE } from "../components/redis";
import { TRADING_NAMESPACE } from "../components/engine";
import { InventoryEntry } from "./inventory";

/** What this module reads of a diff (tools/diff.ts's StackDiff has these and more). */
interface ResourceRef {
  urn: string;
}
interface FieldChange {
  path: string;
}

export const CLASSES = ["safe", "unknown", "disruptive"] as const;
export type DisruptionClass = (typeof CLASSES)[number];

export interface ClassifiedObject {
  type: string;
  name: string;
  namespace?: string;
  class: DisruptionClass;
  reason: string;
}

export interface TradingImpact {
  class: DisruptionClass;
  /** Every added, removed or changed resource with its class, the worst first. */
  objects: ClassifiedObject[];
}

/** The namespaces whose pods are the trading path: the engine, Redis and the database. */
const TRADING_PATH = [TRADING_NAMESPACE, REDIS_NAMESPACE, DATA_NAMESPACE];

/** Fields that change no running thing: labels and tags on the cloud side, annotations of the object itself. */
const INERT_FIELD = /^(inputs\.)?(tags|tagsAll|metadata\.labels|metadata\.annotations)(\.|$)/;

type Change = { kind: "added" | "removed" | "changed"; entry: InventoryEntry; fields: FieldChange[] };
type Verdict = [DisruptionClass, string];

const namespaceOf = (e: InventoryEntry): string | undefined => {
  const meta = e.inputs.metadata as { namespace?: string } | undefined;
  return meta?.namespace ?? (typeof e.inputs.namespace === "string" && e.type.includes("helm.sh") ? e.inputs.namespace : undefined);
};

/** The program names the engine's node group, launch template and placement group `<cluster>-engine` (components/cluster.ts). */
const isEngineNodes = (e: InventoryEntry) => e.name.endsWith("-engine");

const SAFE_AWS = /^aws:(cloudwatch|codebuild|iam|kms|s3|cloudtrail)\/|^aws:eks\/podIdentityAssociation:|^aws:efs\/backupPolicy:|^random:/;
const AWS_NETWORK = /^aws:(ec2\/(vpc|subnet|routeTable|routeTableAssociation|natGateway|internetGateway|eip|securityGroup|flowLog)|vpc\/securityGroup(Ingress|Egress)Rule):/;
const MONITORING_OBJECT = /^kubernetes:monitoring\.coreos\.com\/v1:(PrometheusRule|ServiceMonitor|PodMonitor)$/;
const MONITORING_CHARTS = ["kube-prometheus-stack", "prometheus-adapter"];

function verdict({ kind, entry: e, fields }: Change): Verdict {
  const ns = namespaceOf(e);
  const onPath = ns !== undefined && TRADING_PATH.includes(ns);
  const live = fields.filter((f) => !INERT_FIELD.test(f.path));
  if (kind === "changed" && live.length === 0) return ["safe", "labels, annotations or tags only"];
  const kindName = e.type.split(":").pop()!;

  if (/^aws:(ec2\/launchTemplate|eks\/nodeGroup|ec2\/placementGroup):/.test(e.type)) {
    return isEngineNodes(e)
      ? ["disruptive", "replaces the engine nodes: engine pods move"]
      : ["disruptive", "replaces the system nodes: Redis and TimescaleDB pods are evicted and fail over"];
  }
  if (MONITORING_OBJECT.test(e.type)) return ["safe", "monitoring only (alerts, scrapes)"];
  if (e.type === "kubernetes:helm.sh/v4:Chart") {
    return MONITORING_CHARTS.includes(String(e.inputs.chart)) ? ["safe", "monitoring chart"] : ["unknown", `operator chart ${String(e.inputs.chart)}: an operator upgrade may roll what it manages`];
  }
  if (onPath) {
    if (kind === "removed") return ["disruptive", `removes a ${kindName} of the trading path`];
    if (kindName === "StatefulSet") {
      const who = ns === TRADING_NAMESPACE ? "engine" : "Redis";
      return ns === TRADING_NAMESPACE || live.some((f) => f.path.includes("spec.template") || f.path.includes("volumeClaimTemplates")) || kind === "added"
        ? ["disruptive", `restarts ${who} pods${who === "Redis" ? " (Sentinel fails the primary over)" : ""}`]
        : ["unknown", `changes the ${who} StatefulSet outside its pod template`];
    }
    if (kindName === "Cluster") return ["disruptive", "CloudNativePG rolls the instances and switches the primary over"];
    if (kindName === "Service") return ["disruptive", "changes a Service the trading path connects through"];
    if (kindName === "NetworkPolicy") return ["disruptive", "changes a network policy of the trading path"];
    if (["PodDisruptionBudget", "ResourceQuota", "LimitRange", "ScheduledBackup"].includes(kindName)) return ["safe", `${kindName}: restarts no pod`];
    return ["unknown", `${kindName} in ${ns}: read by trading pods; no rule says whether they restart`];
  }
  if (kindName === "Namespace" && TRADING_PATH.includes(e.name)) return ["unknown", "a namespace of the trading path"];
  if (SAFE_AWS.test(e.type)) return ["safe", "outside the trading path (identity, keys, logs, CI, backups)"];
  if (AWS_NETWORK.test(e.type)) return ["unknown", "AWS network: a replacement cuts the nodes' traffic; check the field diff"];
  if (e.type === "aws:eks/addon:Addon") return ["unknown", `add-on ${String(e.inputs.addonName)}: its DaemonSet restarts on every node, the engine's too`];
  if (e.type === "eks:index:Cluster") return ["unknown", "the EKS control plane: pods keep running, the API is briefly unavailable"];
  if (ns !== undefined) return ["safe", `${kindName} in ${ns}, outside the trading path`];
  return ["unknown", `no rule for ${e.type}`];
}

const rank = (c: DisruptionClass) => CLASSES.indexOf(c);

/** The stack's class and each changed resource's; a stack without changes is safe. */
export function tradingImpact(
  diff: { added: ResourceRef[]; removed: ResourceRef[]; changed: (ResourceRef & { fields: FieldChange[] })[] },
  base: InventoryEntry[],
  head: InventoryEntry[],
): TradingImpact {
  const byUrn = (list: InventoryEntry[]) => new Map(list.map((e) => [e.urn, e]));
  const before = byUrn(base);
  const after = byUrn(head);
  const changes: Change[] = [
    ...diff.added.map((r): Change => ({ kind: "added", entry: after.get(r.urn)!, fields: [] })),
    ...diff.removed.map((r): Change => ({ kind: "removed", entry: before.get(r.urn)!, fields: [] })),
    ...diff.changed.map((r): Change => ({ kind: "changed", entry: after.get(r.urn)!, fields: r.fields })),
  ].filter((c) => c.entry && (c.entry.custom || c.entry.type === "eks:index:Cluster"));
  const objects = changes
    .map((c): ClassifiedObject => {
      const [cls, reason] = verdict(c);
      const namespace = namespaceOf(c.entry);
      return { type: c.entry.type, name: c.entry.name, ...(namespace ? { namespace } : {}), class: cls, reason: c.kind === "changed" ? reason : `${c.kind}: ${reason}` };
    })
    .sort((a, b) => rank(b.class) - rank(a.class) || a.type.localeCompare(b.type) || a.name.localeCompare(b.name));
  return { class: objects[0]?.class ?? "safe", objects };
}

const ICON: Record<DisruptionClass, string> = { disruptive: "🛑", unknown: "❔", safe: "✅" };

/** One Markdown line per stack for the top of the diff: its class and the objects that decide it. */
export function impactLine(stack: string, impact: TradingImpact | undefined): string {
  if (!impact) return `- \`${stack}\`: ❔ **unknown** (not compared)`;
  const deciding = impact.objects.filter((o) => o.class === impact.class);
  const named = deciding.map((o) => `\`${o.type.split(":").pop()}\` **${o.namespace ? `${o.namespace}/` : ""}${o.name}** (${o.reason})`);
  return `- \`${stack}\`: ${ICON[impact.class]} **${impact.class}**${named.length ? `: ${named.join("; ")}` : " (no change)"}`;
}
