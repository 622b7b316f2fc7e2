import { PolicyResource } from "@pulumi/policy";
import {
  ClaimSpec,
  Container,
  containersOf,
  K8S,
  LabelSelector,
  LONG_RUNNING_TYPES,
  namespaceOf,
  ObjectMeta,
  podSpecOf,
  podTemplateOf,
  selectorMatches,
  Workload,
} from "../kubernetes";
import { asArray, has, HftPolicy, knownValue, resourceRule, stackRule } from "../rules";

const containerProbes = resourceRule<Workload>(
  {
    name: "container-probes",
    description: "Every regular container of a long-running pod has a livenessProbe and a readinessProbe: add both (init containers and Jobs are exempt).",
    enforcementLevel: "mandatory",
    targetTypes: LONG_RUNNING_TYPES,
  },
  (workload, report, _config, args) => {
    const pod = podSpecOf(args.type, workload);
    if (args.type === K8S.pod && pod.restartPolicy !== undefined && pod.restartPolicy !== "Always") {
      args.notApplicable("the pod runs to completion");
    }
    for (const { container, label } of containersOf(pod).filter((c) => !c.init)) {
      const missing = [container.livenessProbe === undefined ? "livenessProbe" : "", container.readinessProbe === undefined ? "readinessProbe" : ""].filter(Boolean);
      if (missing.length > 0) report(`${label} has no ${missing.join(" or ")}.`);
      for (const kind of ["livenessProbe", "readinessProbe"] as const) {
        const problem = probeProblem(container[kind], container);
        if (problem) report(`${label} ${kind} ${problem}`);
      }
    }
  },
);

interface Probe {
  httpGet?: { port?: number | string };
  tcpSocket?: { port?: number | string };
  grpc?: { port?: number };
  exec?: { command?: string[] };
}

const HANDLERS = ["httpGet", "tcpSocket", "grpc", "exec"] as const;

/**
 * A probe that can never succeed: no handler (the API server rejects it), or a port name the container
 * does not declare (the kubelet resolves names from the container's own ports, so the probe fails).
 */
function probeProblem(probe: Probe | undefined, container: Container): string | undefined {
  if (probe === undefined) return undefined;
  const handlers = HANDLERS.filter((h) => has(probe, h));
  if (handlers.length === 0) return `has no handler (one of ${HANDLERS.join(", ")}): it can never pass. Probe the container's health endpoint.`;
  for (const h of ["httpGet", "tcpSocket"] as const) {
    const port = knownValue(probe[h], "port");
    if (typeof port !== "string" || /^[0-9]+$/.test(port)) continue;
    const declared = asArray(container.ports).map((p) => p.name).filter((n): n is string => n !== undefined);
    if (!declared.includes(port)) return `probes port "${port}", which the container does not declare (declared: ${declared.join(", ") || "none"}): it can never pass. Name a declared port.`;
  }
  return undefined;
}

/** Controllers whose replicas a node drain evicts one by one; DaemonSet pods are not evicted by drains. */
const REPLICATED_TYPES: readonly string[] = [K8S.deployment, K8S.statefulSet, K8S.replicaSet];

interface Pdb {
  metadata?: ObjectMeta;
  spec?: { selector?: LabelSelector; minAvailable?: number | string; maxUnavailable?: number | string };
}

/**
 * The pods a budget lets a drain evict at once, at `replicas` pods: Kubernetes scales a percentage
 * of either field against the expected pod count rounding up (disruption controller,
 * GetScaledValueFromIntOrPercent with roundUp). Undefined when it sets neither or a malformed value.
 */
function allowedDisruptions(spec: NonNullable<Pdb["spec"]>, replicas: number): number | undefined {
  // An absent value reads as "undefined", which is no percentage either.
  const scaled = (v: number | string | undefined) => {
    if (typeof v === "number") return v;
    const m = /^([0-9]+)%$/.exec(String(v));
    return m ? Math.ceil((Number(m[1]) * replicas) / 100) : undefined;
  };
  if (spec.maxUnavailable !== undefined) return scaled(spec.maxUnavailable);
  const min = scaled(spec.minAvailable);
  return min === undefined ? undefined : replicas - min;
}

function budgetValue(spec: NonNullable<Pdb["spec"]>): string {
  return spec.maxUnavailable !== undefined ? `maxUnavailable ${spec.maxUnavailable}` : spec.minAvailable !== undefined ? `minAvailable ${spec.minAvailable}` : "neither minAvailable nor maxUnavailable";
}

const workloadPdb = stackRule(
  {
    name: "workload-pdb",
    description: "Every Deployment, StatefulSet or ReplicaSet with more than one replica is selected by a PodDisruptionBudget in its namespace that lets a drain evict at least one pod and keeps at least one: minAvailable 1..replicas-1 (or maxUnavailable 1..replicas-1).",
    enforcementLevel: "mandatory",
    targetTypes: REPLICATED_TYPES,
  },
  (resources, report) => {
    const budgets = resources.filter((r) => r.type === K8S.pdb);
    for (const resource of resources.filter((r: PolicyResource) => REPLICATED_TYPES.includes(r.type))) {
      const workload = resource.props as Workload;
      const replicas = workload.spec?.replicas ?? 1;
      if (replicas <= 1) continue;
      const namespace = namespaceOf(workload);
      const labels = podTemplateOf(resource.type, workload).metadata?.labels ?? {};
      const selecting = budgets.filter((b) => namespaceOf(b.props as Pdb) === namespace && selectorMatches((b.props as Pdb).spec?.selector, labels));
      if (selecting.length === 0) {
        report(`${resource.name} runs ${replicas} replicas in namespace "${namespace}" but no PodDisruptionBudget selects its pods: add one with minAvailable between 1 and ${replicas - 1}.`, resource.urn);
        continue;
      }
      // Every budget that selects a pod must allow its eviction, so each one is judged.
      for (const budget of selecting) {
        const spec = (budget.props as Pdb).spec ?? {};
        const allowed = allowedDisruptions(spec, replicas);
        const wanted = `minAvailable between 1 and ${replicas - 1} (or maxUnavailable between 1 and ${replicas - 1})`;
        const seen = `PodDisruptionBudget ${(budget.props as Pdb).metadata?.name ?? budget.name} sets ${budgetValue(spec)}`;
        if (allowed === undefined) report(`${resource.name} runs ${replicas} replicas but ${seen}, which bounds nothing: set ${wanted}.`, resource.urn);
        else if (allowed >= replicas) report(`${resource.name} runs ${replicas} replicas but ${seen}: a drain may evict all ${replicas} at once. Set ${wanted}.`, resource.urn);
        else if (allowed <= 0) report(`${resource.name} runs ${replicas} replicas but ${seen}: no drain can evict any of them and node upgrades stall. Set ${wanted}.`, resource.urn);
      }
    }
  },
);

interface StorageClassConfig {
  allowedClasses: string[];
}

const storageClassAllowed = resourceRule<Workload & { spec?: ClaimSpec }, StorageClassConfig>(
  {
    name: "storage-class-allowed",
    description: "PersistentVolumeClaims and StatefulSet volumeClaimTemplates name an allowed StorageClass explicitly (default fast-ssd, efs-sc, gp3): set storageClassName.",
    enforcementLevel: "mandatory",
    targetTypes: [K8S.pvc, K8S.statefulSet],
    configSchema: {
      properties: {
        allowedClasses: {
          type: "array",
          items: { type: "string", minLength: 1 },
          minItems: 1,
          uniqueItems: true,
          default: ["fast-ssd", "efs-sc", "gp3"],
          description: "StorageClass names claims may use.",
        },
      },
    },
  },
  (object, report, config, args) => {
    const claims: { label: string; spec?: ClaimSpec }[] =
      args.type === K8S.pvc
        ? [{ label: "the claim", spec: object.spec }]
        : asArray(object.spec?.volumeClaimTemplates).map((t) => ({ label: `volumeClaimTemplate "${t.metadata?.name ?? "?"}"`, spec: t.spec }));
    for (const { label, spec } of claims) {
      const className = spec?.storageClassName;
      if (className === undefined) report(`${label} names no storageClassName (the cluster default is not checked): use one of ${config.allowedClasses.join(", ")}.`);
      else if (!config.allowedClasses.includes(className)) report(`${label} uses StorageClass "${className}": use one of ${config.allowedClasses.join(", ")}.`);
    }
  },
);

export const availabilityPolicies: HftPolicy[] = [containerProbes, workloadPdb, storageClassAllowed];
