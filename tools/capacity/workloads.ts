/**
 * Every pod a stack runs, from its render: the program's own workloads (with their HPA maxima and
 * PodDisruptionBudgets), the CloudNativePG clusters, the Helm charts' workloads and the EKS add-ons' pods.
 */
import { embeddedManifests, InventoryEntry } from "../inventory";
import { chartWorkloads } from "../data/chart-pods";
import { EKS_ADDON_PODS } from "../data/eks-addon-pods";
import { LabelSelector, selectorMatches } from "../label-selector";
import { podRequests, quantity, templateFromSpec } from "./pods";
import { PodNetwork, Workload } from "./types";

type K8sObject = { metadata?: { name?: string; namespace?: string; labels?: Record<string, string> }; spec?: Record<string, unknown> };

const objectsOf = (inventory: InventoryEntry[], type: string) => inventory.filter((r) => r.type === type).map((r) => r.inputs as K8sObject);

type ContainerSpec = { ports?: { name?: string; containerPort: number; protocol?: string }[] };

/** A pod spec's container ports (init containers serve nothing) and host networking. */
export function podNetwork(spec: { containers?: ContainerSpec[]; hostNetwork?: boolean }): PodNetwork {
  const ports = (spec.containers ?? []).flatMap((c) =>
    (c.ports ?? []).map((p) => ({ ...(p.name ? { name: p.name } : {}), port: p.containerPort, protocol: (p.protocol ?? "TCP") as PodNetwork["ports"][number]["protocol"] })),
  );
  return { ports, ...(spec.hostNetwork ? { hostNetwork: true } : {}) };
}

/**
 * CloudNativePG instance pods: the operator labels them with their cluster and role and gives the
 * postgres container the ports postgresql 5432, metrics 9187 and status 8000 (the instance manager)
 * (cloudnative-pg pkg/specs/pods.go, read 2026-11-30).
 */
const CNPG_INSTANCE_NETWORK: PodNetwork = {
  ports: [
    { name: "postgresql", port: 5432, protocol: "TCP" },
    { name: "metrics", port: 9187, protocol: "TCP" },
    { name: "status", port: 8000, protocol: "TCP" },
  ],
};

/** A CronJob's pod: one at a time (the program's CronJobs forbid concurrent runs), counted as if always running. */
function cronJobWorkloads(inventory: InventoryEntry[]): Workload[] {
  return objectsOf(inventory, "kubernetes:batch/v1:CronJob").map((o) => {
    const template = (o.spec as { jobTemplate: { spec: { template: { metadata?: { labels?: Record<string, string> }; spec: Parameters<typeof templateFromSpec>[1] } } } }).jobTemplate.spec.template;
    return {
      name: `${o.metadata?.namespace ?? "default"}/${o.metadata?.name}`,
      kind: "CronJob",
      source: "program",
      replicas: 1,
      pod: templateFromSpec(template.metadata?.labels ?? {}, template.spec),
      network: podNetwork(template.spec as Parameters<typeof podNetwork>[0]),
    };
  });
}

function programWorkloads(inventory: InventoryEntry[]): Workload[] {
  const kinds = { "kubernetes:apps/v1:StatefulSet": "StatefulSet", "kubernetes:apps/v1:Deployment": "Deployment", "kubernetes:apps/v1:DaemonSet": "DaemonSet" } as const;
  return [...cronJobWorkloads(inventory), ...Object.entries(kinds).flatMap(([type, kind]) =>
    objectsOf(inventory, type).map((o) => {
      const spec = o.spec as { replicas?: number; template: { metadata?: { labels?: Record<string, string> }; spec: Parameters<typeof templateFromSpec>[1] } };
      return {
        name: `${o.metadata?.namespace ?? "default"}/${o.metadata?.name}`,
        kind,
        source: "program",
        replicas: kind === "DaemonSet" ? 0 : (spec.replicas ?? 1),
        pod: templateFromSpec(spec.template.metadata?.labels ?? {}, spec.template.spec),
        network: podNetwork(spec.template.spec as Parameters<typeof podNetwork>[0]),
      };
    }),
  )];
}

/**
 * CloudNativePG instances: the postgres container, plus the barman-cloud plugin's sidecar at the
 * ObjectStore's `instanceSidecarConfiguration.resources`. CloudNativePG keeps a PDB on the primary
 * (minAvailable 1) and, from 3 instances, one on the replicas (minAvailable instances - 2): together 1,
 * or instances - 1 (cloudnative-pg pkg/specs/poddisruptionbudget.go at 0e3b79b6, read 2026-11-30).
 * Clusters a job applies at run time (the restore drill's scratch cluster, embedded in a ConfigMap)
 * count as running; a cluster restoring from an ObjectStore (externalClusters) runs its sidecar too.
 */
function cnpgWorkloads(inventory: InventoryEntry[]): Workload[] {
  const stores = objectsOf(inventory, "kubernetes:barmancloud.cnpg.io/v1:ObjectStore");
  const embedded = embeddedManifests(inventory)
    .map((m) => m.object as K8sObject & { kind?: string })
    .filter((o) => o.kind === "Cluster");
  return [...objectsOf(inventory, "kubernetes:postgresql.cnpg.io/v1:Cluster"), ...embedded].map((o) => {
    const spec = o.spec as {
      instances?: number;
      resources?: object;
      plugins?: { name: string; parameters?: { barmanObjectName?: string } }[];
      externalClusters?: { plugin?: { name: string; parameters?: { barmanObjectName?: string } } }[];
      affinity?: { enablePodAntiAffinity?: boolean; podAntiAffinityType?: string; topologyKey?: string; nodeSelector?: Record<string, string>; tolerations?: [] };
      priorityClassName?: string;
    };
    const name = o.metadata?.name ?? "cluster";
    const storeUsers = [...(spec.plugins ?? []), ...(spec.externalClusters ?? []).flatMap((e) => e.plugin ?? [])];
    const sidecars = [...new Set(storeUsers.map((p) => p.parameters?.barmanObjectName))]
      .map((storeName) => stores.find((s) => s.metadata?.name === storeName && s.metadata?.namespace === o.metadata?.namespace))
      .map((s) => ({ resources: (s?.spec?.instanceSidecarConfiguration as { resources?: object } | undefined)?.resources }))
      .filter((c) => c.resources);
    const instances = spec.instances ?? 1;
    const labels = { "cnpg.io/cluster": name, "cnpg.io/podRole": "instance" };
    const hard = spec.affinity?.enablePodAntiAffinity !== false && spec.affinity?.podAntiAffinityType === "required";
    const { requests, exclusiveCpus } = podRequests([{ resources: spec.resources }, ...sidecars]);
    return {
      name: `${o.metadata?.namespace ?? "default"}/${name}`,
      kind: "Cluster",
      source: "program (CloudNativePG Cluster)",
      replicas: instances,
      minAvailable: instances >= 3 ? instances - 1 : 1,
      pod: {
        labels,
        requests,
        exclusiveCpus,
        ...(spec.priorityClassName ? { priorityClassName: spec.priorityClassName } : {}),
        tolerations: spec.affinity?.tolerations ?? [],
        nodeSelector: spec.affinity?.nodeSelector ?? {},
        nodeAffinity: [],
        antiAffinity: hard ? [{ selector: { matchLabels: { "cnpg.io/cluster": name } }, topologyKey: spec.affinity?.topologyKey ?? "kubernetes.io/hostname" }] : [],
        spread: [],
      },
      network: CNPG_INSTANCE_NETWORK,
    } satisfies Workload;
  });
}

function helmWorkloads(inventory: InventoryEntry[]): Workload[] {
  return inventory
    .filter((r) => r.type.startsWith("kubernetes:helm.sh/"))
    .flatMap((r) =>
      chartWorkloads(String(r.inputs.chart), r.inputs.version as string | undefined, (typeof r.inputs.namespace === "string" ? r.inputs.namespace : "default"), (r.inputs.values ?? {}) as Record<string, unknown>),
    );
}

function addonWorkloads(inventory: InventoryEntry[]): Workload[] {
  const cluster = inventory.find((r) => r.type === "eks:index:Cluster");
  if (!cluster) return [];
  const names = ["vpc-cni"];
  if ((cluster.inputs.kubeProxyAddonOptions as { enabled?: boolean } | undefined)?.enabled !== false) names.push("kube-proxy");
  names.push(...inventory.filter((r) => r.type === "aws:eks/addon:Addon").map((r) => String(r.inputs.addonName)));
  return names.flatMap((n) => {
    const pods = EKS_ADDON_PODS[n];
    if (!pods) throw new Error(`EKS add-on ${n} has no pods in tools/data/eks-addon-pods.ts: add them with their source`);
    return pods;
  });
}

/** Applies HPAs (maximum) and PodDisruptionBudgets (minimum available) to the program's workloads. */
function withScalingAndBudgets(inventory: InventoryEntry[], workloads: Workload[]): Workload[] {
  const hpas = objectsOf(inventory, "kubernetes:autoscaling/v2:HorizontalPodAutoscaler");
  const pdbs = objectsOf(inventory, "kubernetes:policy/v1:PodDisruptionBudget");
  return workloads.map((w) => {
    const [namespace, name] = w.name.split("/");
    const hpa = hpas.find((h) => h.metadata?.namespace === namespace && (h.spec?.scaleTargetRef as { name?: string })?.name === name);
    const pdb = pdbs.find((p) => p.metadata?.namespace === namespace && selectorMatches((p.spec?.selector ?? {}) as LabelSelector, w.pod.labels));
    const out = { ...w };
    if (hpa) out.maxReplicas = Number(hpa.spec?.maxReplicas);
    if (pdb) {
      const max = pdb.spec?.maxUnavailable;
      const min = pdb.spec?.minAvailable;
      out.minAvailable = typeof max === "number" ? Math.max(0, w.replicas - max) : typeof min === "number" ? min : Math.ceil((w.replicas * quantity(String(min).replace("%", ""))) / 100);
    }
    return out;
  });
}

/** Workloads whose pods run below the default priority: what a PriorityClass with a negative value marks. */
function markPreemptible(inventory: InventoryEntry[], workloads: Workload[]): Workload[] {
  const low = new Set(
    objectsOf(inventory, "kubernetes:scheduling.k8s.io/v1:PriorityClass")
      .filter((o) => Number((o as { value?: number }).value) < 0)
      .map((o) => o.metadata?.name),
  );
  return workloads.map((w) => (w.pod.priorityClassName && low.has(w.pod.priorityClassName) ? { ...w, preemptible: true } : w));
}

export function stackWorkloads(inventory: InventoryEntry[]): Workload[] {
  return markPreemptible(inventory, [
    ...withScalingAndBudgets(inventory, [...programWorkloads(inventory), ...cnpgWorkloads(inventory)]),
    ...helmWorkloads(inventory),
    ...addonWorkloads(inventory),
  ]);
}
