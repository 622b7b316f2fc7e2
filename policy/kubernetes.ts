/**
 * The parts of Kubernetes objects the rules read, as the engine presents them (resource inputs:
 * the object itself), and helpers to walk pod templates. Fields are optional because nothing
 * guarantees a program set them; that is what the rules check.
 */
import { PolicyConfigJSONSchema } from "@pulumi/policy/schema";
import { asArray } from "./rules";

export const K8S = {
  deployment: "kubernetes:apps/v1:Deployment",
  statefulSet: "kubernetes:apps/v1:StatefulSet",
  daemonSet: "kubernetes:apps/v1:DaemonSet",
  replicaSet: "kubernetes:apps/v1:ReplicaSet",
  job: "kubernetes:batch/v1:Job",
  cronJob: "kubernetes:batch/v1:CronJob",
  pod: "kubernetes:core/v1:Pod",
  namespace: "kubernetes:core/v1:Namespace",
  service: "kubernetes:core/v1:Service",
  configMap: "kubernetes:core/v1:ConfigMap",
  secret: "kubernetes:core/v1:Secret",
  pvc: "kubernetes:core/v1:PersistentVolumeClaim",
  networkPolicy: "kubernetes:networking.k8s.io/v1:NetworkPolicy",
  pdb: "kubernetes:policy/v1:PodDisruptionBudget",
  storageClass: "kubernetes:storage.k8s.io/v1:StorageClass",
  helmChart: "kubernetes:helm.sh/v4:Chart",
  helmRelease: "kubernetes:helm.sh/v3:Release",
} as const;

/** Every type that carries a pod template (or is a pod). */
export const POD_TYPES: readonly string[] = [K8S.deployment, K8S.statefulSet, K8S.daemonSet, K8S.replicaSet, K8S.job, K8S.cronJob, K8S.pod];

/** Pods that run until stopped: probes and disruption budgets make sense only for these. */
export const LONG_RUNNING_TYPES: readonly string[] = [K8S.deployment, K8S.statefulSet, K8S.daemonSet, K8S.replicaSet, K8S.pod];

/** Taint of the engine node group; pods that tolerate it are the latency-critical engine. */
export const ENGINE_TAINT = { key: "node-type", value: "high-performance" } as const;

export type Quantity = string | number;
export type ResourceList = Record<string, Quantity>;

export interface ObjectMeta {
  name?: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

export interface SecurityContext {
  runAsNonRoot?: boolean;
  runAsUser?: number;
  allowPrivilegeEscalation?: boolean;
  privileged?: boolean;
  readOnlyRootFilesystem?: boolean;
  capabilities?: { add?: string[]; drop?: string[] };
  seccompProfile?: { type?: string };
}

export interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: object;
}

export interface Container {
  name: string;
  image?: string;
  env?: EnvVar[];
  ports?: { name?: string; containerPort?: number; hostPort?: number }[];
  resources?: { requests?: ResourceList; limits?: ResourceList };
  securityContext?: SecurityContext;
  livenessProbe?: object;
  readinessProbe?: object;
}

export interface Toleration {
  key?: string;
  operator?: string;
  value?: string;
  effect?: string;
}

export interface PodSpec {
  containers?: Container[];
  initContainers?: Container[];
  securityContext?: SecurityContext & { sysctls?: { name?: string; value?: string }[] };
  automountServiceAccountToken?: boolean;
  volumes?: { name: string; hostPath?: object }[];
  hostNetwork?: boolean;
  hostPID?: boolean;
  hostIPC?: boolean;
  restartPolicy?: string;
  tolerations?: Toleration[];
  nodeSelector?: Record<string, string>;
  affinity?: Affinity;
  priorityClassName?: string;
  dnsPolicy?: string;
  dnsConfig?: { nameservers?: string[]; searches?: string[]; options?: { name?: string; value?: string }[] };
}

export interface NodeSelectorTerm {
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

export interface PodAffinityTerm {
  labelSelector?: LabelSelector;
  topologyKey?: string;
  namespaces?: string[];
}

export interface Affinity {
  nodeAffinity?: { requiredDuringSchedulingIgnoredDuringExecution?: { nodeSelectorTerms?: NodeSelectorTerm[] } };
  podAntiAffinity?: { requiredDuringSchedulingIgnoredDuringExecution?: PodAffinityTerm[] };
}

export interface PodTemplate {
  metadata?: ObjectMeta;
  spec?: PodSpec;
}

export interface ClaimSpec {
  storageClassName?: string;
}

/** A workload as the rules read it: any of POD_TYPES. */
export interface Workload {
  metadata?: ObjectMeta;
  spec?: PodSpec & {
    replicas?: number;
    selector?: LabelSelector;
    template?: PodTemplate;
    jobTemplate?: { spec?: { template?: PodTemplate } };
    volumeClaimTemplates?: { metadata?: ObjectMeta; spec?: ClaimSpec }[];
  };
}

/** The pod template of a workload (the pod itself for a Pod). */
export function podTemplateOf(type: string, workload: Workload): PodTemplate {
  if (type === K8S.pod) return { metadata: workload.metadata, spec: workload.spec };
  if (type === K8S.cronJob) return workload.spec?.jobTemplate?.spec?.template ?? {};
  return workload.spec?.template ?? {};
}

export function podSpecOf(type: string, workload: Workload): PodSpec {
  return podTemplateOf(type, workload).spec ?? {};
}

export interface ContainerRef {
  container: Container;
  init: boolean;
  /** How messages name it: `container "x"` or `init container "x"`. */
  label: string;
}

export function containersOf(pod: PodSpec): ContainerRef[] {
  const refs = (list: Container[] | undefined, init: boolean): ContainerRef[] =>
    asArray(list).map((container) => ({ container, init, label: `${init ? "init container" : "container"} "${container.name}"` }));
  return [...refs(pod.initContainers, true), ...refs(pod.containers, false)];
}

/** Tolerates the engine taint by key (Exists) or by key and value (Equal). */
export function isEnginePod(pod: PodSpec): boolean {
  return asArray(pod.tolerations).some(
    (t) => t.key === ENGINE_TAINT.key && (t.operator === "Exists" || t.value === ENGINE_TAINT.value),
  );
}

/**
 * How a stack's policy config names the engine: workload names and pod labels. Never the scheduling
 * fields the rules judge, so a pod that drops its toleration or node selector is still the engine.
 */
export interface EngineIdentity {
  names: string[];
  labels: Record<string, string>;
}

export const DEFAULT_ENGINE: EngineIdentity = { names: ["trading-engine"], labels: { "app.kubernetes.io/name": "trading-engine" } };

/** Config schema of an engine identity, shared by every engine rule. */
export const ENGINE_IDENTITY_SCHEMA: PolicyConfigJSONSchema = {
  type: "object",
  properties: {
    names: { type: "array", items: { type: "string", minLength: 1 }, minItems: 1, uniqueItems: true, description: "metadata.name of the engine's workloads." },
    labels: { type: "object", minProperties: 1, additionalProperties: { type: "string" }, description: "Labels every engine pod carries (all must match)." },
  },
  required: ["names", "labels"],
  additionalProperties: false,
  default: DEFAULT_ENGINE,
  description: "Who the engine is: a workload with one of these names, or whose pods carry all of these labels.",
};

/** The engine by identity: its workload's name, or all the identity's labels on the workload or its pods. */
export function isEngineWorkload(type: string, workload: Workload, identity: EngineIdentity): boolean {
  const wanted = Object.entries(identity.labels);
  const carries = (labels: Record<string, string> | undefined) => wanted.length > 0 && wanted.every(([k, v]) => labels?.[k] === v);
  const name = workload.metadata?.name;
  return (name !== undefined && identity.names.includes(name)) || carries(workload.metadata?.labels) || carries(podTemplateOf(type, workload).metadata?.labels);
}

const BINARY_SUFFIXES: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 };
const DECIMAL_SUFFIXES: Record<string, number> = { n: 1e-9, u: 1e-6, m: 1e-3, "": 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18 };
const QUANTITY = /^([+-]?[0-9.]+(?:[eE][+-]?[0-9]+)?)(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)?$/;

/** Pattern for config fields that hold a Kubernetes quantity. */
export const QUANTITY_PATTERN = QUANTITY.source;

/** A Kubernetes quantity as a number (cores for cpu, bytes for memory); undefined when malformed. */
export function parseQuantity(quantity: Quantity | undefined): number | undefined {
  if (typeof quantity === "number") return Number.isFinite(quantity) ? quantity : undefined;
  if (typeof quantity !== "string") return undefined;
  const match = QUANTITY.exec(quantity.trim());
  if (!match) return undefined;
  const value = Number(match[1]);
  if (!Number.isFinite(value)) return undefined;
  const suffix = match[2] ?? "";
  return value * (BINARY_SUFFIXES[suffix] ?? DECIMAL_SUFFIXES[suffix]);
}

/**
 * Kubernetes label-selector semantics: every matchLabels pair and every expression must hold. A
 * missing selector matches nothing and an empty one everything, as for a policy/v1 PodDisruptionBudget.
 */
export function selectorMatches(selector: LabelSelector | undefined, labels: Record<string, string>): boolean {
  if (!selector) return false;
  const pairs = Object.entries(selector.matchLabels ?? {});
  const expressions = asArray(selector.matchExpressions);
  const pairsHold = pairs.every(([key, value]) => labels[key] === value);
  const expressionsHold = expressions.every((e) => {
    const present = Object.prototype.hasOwnProperty.call(labels, e.key);
    const values = asArray(e.values);
    switch (e.operator) {
      case "In":
        return present && values.includes(labels[e.key]);
      case "NotIn":
        return !present || !values.includes(labels[e.key]);
      case "Exists":
        return present;
      case "DoesNotExist":
        return !present;
      default:
        return false;
    }
  });
  return pairsHold && expressionsHold;
}

/** Selects every pod: no labels and no expressions (`{}` or `{matchLabels: {}}`). */
export function selectsAllPods(selector: LabelSelector | undefined): boolean {
  return selector !== undefined && Object.keys(selector.matchLabels ?? {}).length === 0 && asArray(selector.matchExpressions).length === 0;
}

export function namespaceOf(object: { metadata?: ObjectMeta }): string {
  return object.metadata?.namespace ?? "default";
}

export interface ImageReference {
  /** Registry host and repository path, Docker Hub short names expanded: `docker.io/library/redis`. */
  repository: string;
  tag?: string;
  digest?: string;
}

/** Parses an image reference the way the container runtime resolves it. */
export function parseImage(image: string): ImageReference {
  const [name, digest] = image.split("@", 2);
  const lastSlash = name.lastIndexOf("/");
  const colon = name.lastIndexOf(":");
  const hasTag = colon > lastSlash;
  const path = hasTag ? name.slice(0, colon) : name;
  const tag = hasTag ? name.slice(colon + 1) : undefined;
  const first = path.split("/")[0];
  // A first component with a dot or port, or "localhost", is a registry host; otherwise it is Docker Hub.
  const explicitRegistry = path.includes("/") && (first.includes(".") || first.includes(":") || first === "localhost");
  const registry = !explicitRegistry || first === "index.docker.io" ? "docker.io" : first;
  const rest = explicitRegistry ? path.slice(first.length + 1) : path;
  // Docker Hub's official images live under library/.
  const repository = `${registry}/${registry === "docker.io" && !rest.includes("/") ? `library/${rest}` : rest}`;
  return { repository, ...(tag !== undefined ? { tag } : {}), ...(digest !== undefined ? { digest } : {}) };
}
