/**
 * Exposure: what can reach the platform's pods and data from outside their namespaces. NodePorts,
 * open ingress into data namespaces, relaxed Pod Security, namespaces without limits, and a CNI
 * that ignores NetworkPolicies.
 */
import { PolicyConfigJSONSchema } from "@pulumi/policy/schema";
import { K8S, namespaceOf, ObjectMeta, POD_TYPES } from "../kubernetes";
import { asArray, HftPolicy, OPEN_CIDRS, requireComponentInputs, resourceRule, stackRule } from "../rules";

const EXPOSURE = {
  limitRange: "kubernetes:core/v1:LimitRange",
  resourceQuota: "kubernetes:core/v1:ResourceQuota",
  eksComponent: "eks:index:Cluster",
  addon: "aws:eks/addon:Addon",
} as const;

const serviceNoNodePort = resourceRule<{ metadata?: ObjectMeta; spec?: { type?: string } }>(
  {
    name: "service-no-node-port",
    description: "No Service is type NodePort (it opens a port on every node, outside NetworkPolicies' reach from the VPC) unless the stack's policy config exempts it by name with a reason.",
    enforcementLevel: "mandatory",
    targetTypes: [K8S.service],
  },
  (service, report, _config, args) => {
    // Every Service's type is judged (ClusterIP, LoadBalancer and ExternalName pass); an exempt NodePort never reaches here.
    if (service.spec?.type !== "NodePort") return;
    const id = `${namespaceOf(service)}/${service.metadata?.name ?? args.name}`;
    report(`Service ${id} is type NodePort: every node would accept it from anywhere its security group allows. Use ClusterIP, or a LoadBalancer with source ranges.`);
  },
);

interface NetworkPolicyPeer {
  ipBlock?: { cidr?: string };
}

interface NetworkPolicyProps {
  metadata?: ObjectMeta;
  spec?: { policyTypes?: string[]; ingress?: { from?: NetworkPolicyPeer[] }[] };
}

const noOpenIngressToData = resourceRule<NetworkPolicyProps, { dataNamespaces: string[] }>(
  {
    name: "network-policy-no-open-ingress-to-data",
    description: "No NetworkPolicy in a data namespace admits 0.0.0.0/0 or ::/0, or any source at all (an ingress rule without from): allow the exact client pods instead.",
    enforcementLevel: "mandatory",
    targetTypes: [K8S.networkPolicy],
    configSchema: {
      properties: {
        dataNamespaces: { type: "array", items: { type: "string", minLength: 1 }, uniqueItems: true, default: ["hft-data", "hft-cache"], description: "Namespaces holding the platform's databases and caches." },
      },
    },
  },
  (policy, report, config, args) => {
    const ns = namespaceOf(policy);
    if (!config.dataNamespaces.includes(ns)) args.notApplicable("not in a data namespace");
    asArray(policy.spec?.ingress).forEach((rule, i) => {
      if (asArray(rule.from).length === 0) {
        report(`ingress[${i}] has no from: it admits every source, inside the cluster and out, into data namespace ${ns}. Name the client pods.`);
        return;
      }
      const open = asArray(rule.from).map((p) => p.ipBlock?.cidr).filter((c): c is string => OPEN_CIDRS.includes(c as string));
      if (open.length > 0) report(`ingress[${i}] admits ${open.join(", ")} into data namespace ${ns}: allow the exact client pods instead.`);
    });
  },
);

const LEVELS = ["restricted", "baseline", "privileged"];
const ENFORCE = "pod-security.kubernetes.io/enforce";

interface PodSecurityConfig {
  defaultLevel: string;
  namespaceLevels: Record<string, string>;
}

const LEVEL_SCHEMA: PolicyConfigJSONSchema = { type: "string", enum: LEVELS };

const namespacePodSecurity = resourceRule<{ metadata?: ObjectMeta }, PodSecurityConfig>(
  {
    name: "namespace-pod-security-level",
    description: `Every Namespace enforces the Pod Security level its stack's policy config names (${ENFORCE}), the default level unless listed: only listed namespaces may be privileged.`,
    enforcementLevel: "mandatory",
    targetTypes: [K8S.namespace],
    configSchema: {
      properties: {
        defaultLevel: { ...LEVEL_SCHEMA, default: "restricted", description: "Level of every namespace not listed in namespaceLevels." },
        namespaceLevels: { type: "object", additionalProperties: LEVEL_SCHEMA, default: {}, description: "Namespaces with their own level (the documented exceptions)." },
      },
    },
  },
  (ns, report, config, args) => {
    const name = ns.metadata?.name ?? args.name;
    const wanted = config.namespaceLevels[name] ?? config.defaultLevel;
    // An unlabelled namespace is admitted at "privileged", the Pod Security Admission default.
    const actual = ns.metadata?.labels?.[ENFORCE] ?? "privileged (unlabelled)";
    if (actual !== wanted) report(`namespace ${name} enforces ${actual}; its stack's policy config says ${wanted}: set the ${ENFORCE} label to ${wanted}.`);
  },
);

interface LimitsConfig {
  workloadNamespaces: string[];
}

const namespaceLimitsAndQuota = stackRule<LimitsConfig>(
  {
    name: "namespace-limits-and-quota",
    description: "Every workload namespace the stack's policy config lists holds a LimitRange and a ResourceQuota, and every other Namespace the program creates is exempt (kind Namespace, its name, a reason).",
    enforcementLevel: "mandatory",
    targetTypes: [K8S.namespace],
    configSchema: {
      properties: {
        workloadNamespaces: { type: "array", items: { type: "string", minLength: 1 }, uniqueItems: true, default: [], description: "Namespaces that must hold a LimitRange and a ResourceQuota." },
      },
    },
  },
  (resources, report, config) => {
    const inNamespace = (type: string, ns: string) => resources.some((r) => r.type === type && namespaceOf(r.props as { metadata?: ObjectMeta }) === ns);
    for (const resource of resources.filter((r) => r.type === K8S.namespace)) {
      const name = (resource.props as { metadata?: ObjectMeta }).metadata?.name ?? resource.name;
      if (!config.workloadNamespaces.includes(name)) {
        const holds = POD_TYPES.some((t) => inNamespace(t, name)) ? " and holds workloads" : "";
        report(`namespace ${name} is neither a listed workload namespace nor exempt${holds}: add a LimitRange and a ResourceQuota and list it, or exempt it with a reason.`, resource.urn);
        continue;
      }
      const missing = [
        ...(inNamespace(EXPOSURE.limitRange, name) ? [] : ["LimitRange"]),
        ...(inNamespace(EXPOSURE.resourceQuota, name) ? [] : ["ResourceQuota"]),
      ];
      if (missing.length > 0) report(`workload namespace ${name} has no ${missing.join(" and no ")}: one pod could take the namespace's share of the nodes.`, resource.urn);
    }
  },
);

interface CniProps {
  vpcCniOptions?: { enableNetworkPolicy?: boolean };
  addonName?: string;
  configurationValues?: string;
}

const cniNetworkPolicyEnforcement = resourceRule<CniProps>(
  {
    name: "cni-network-policy-enforcement",
    description: "The VPC CNI enforces NetworkPolicies (eks.Cluster vpcCniOptions.enableNetworkPolicy, or the vpc-cni add-on's enableNetworkPolicy): without it every policy is ignored.",
    enforcementLevel: "mandatory",
    targetTypes: [EXPOSURE.eksComponent, EXPOSURE.addon],
  },
  (props, report, _config, args) => {
    if (args.type === EXPOSURE.eksComponent) {
      requireComponentInputs(props, args);
      if (props.vpcCniOptions?.enableNetworkPolicy !== true) report("vpcCniOptions.enableNetworkPolicy is not true: the cluster's NetworkPolicies, default-deny included, would not be enforced.");
      return;
    }
    if (props.addonName !== "vpc-cni") args.notApplicable("not the vpc-cni add-on");
    // The add-on takes the setting as a string in its JSON configuration values (EKS user guide, "Restrict Pod network traffic", read 2026-11-30).
    let values: { enableNetworkPolicy?: string | boolean } = {};
    try {
      values = JSON.parse(props.configurationValues ?? "{}") as typeof values;
    } catch {
      report("configurationValues is not JSON: enableNetworkPolicy cannot be read.");
      return;
    }
    if (String(values.enableNetworkPolicy) !== "true") report('the vpc-cni add-on does not set enableNetworkPolicy: "true" in configurationValues: NetworkPolicies would be ignored.');
  },
);

export const exposurePolicies: HftPolicy[] = [serviceNoNodePort, noOpenIngressToData, namespacePodSecurity, namespaceLimitsAndQuota, cniNetworkPolicyEnforcement];
