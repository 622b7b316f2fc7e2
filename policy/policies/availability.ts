import { PolicyResource } from "@pulumi/policy";
import {
  ClaimSpec,
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
import { asArray, HftPolicy, resourceRule, stackRule } from "../rules";

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
    for (const { container, label } of containersOf(pod, { init: false })) {
      const missing = [container.livenessProbe === undefined ? "livenessProbe" : "", container.readinessProbe === undefined ? "readinessProbe" : ""].filter(Boolean);
      if (missing.length > 0) report(`${label} has no ${missing.join(" or ")}.`);
    }
  },
);

/** Controllers whose replicas a node drain evicts one by one; DaemonSet pods are not evicted by drains. */
const REPLICATED_TYPES: readonly string[] = [K8S.deployment, K8S.statefulSet, K8S.replicaSet];

interface Pdb {
  metadata?: ObjectMeta;
  spec?: { selector?: LabelSelector };
}

const workloadPdb = stackRule(
  {
    name: "workload-pdb",
    description: "Every Deployment, StatefulSet or ReplicaSet with more than one replica is selected by a PodDisruptionBudget in its namespace: add one whose selector matches the pod labels.",
    enforcementLevel: "mandatory",
    targetTypes: REPLICATED_TYPES,
  },
  (resources, report) => {
    const budgets = resources.filter((r) => r.type === K8S.pdb).map((r) => r.props as Pdb);
    for (const resource of resources.filter((r: PolicyResource) => REPLICATED_TYPES.includes(r.type))) {
      const workload = resource.props as Workload;
      const replicas = workload.spec?.replicas ?? 1;
      if (replicas <= 1) continue;
      const namespace = namespaceOf(workload);
      const labels = podTemplateOf(resource.type, workload).metadata?.labels ?? {};
      const covered = budgets.some((pdb) => namespaceOf(pdb) === namespace && selectorMatches(pdb.spec?.selector, labels));
      if (!covered) {
        report(`${resource.name} runs ${replicas} replicas in namespace "${namespace}" but no PodDisruptionBudget selects its pods: add one.`, resource.urn);
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
