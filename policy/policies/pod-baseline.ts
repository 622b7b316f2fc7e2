/**
 * Pod Security "baseline" controls the restricted-profile rules (security-contexts.ts) do not cover:
 * kernel parameters a pod may set, and the Kubernetes API credentials a pod carries.
 */
import { PolicyConfigSchema } from "@pulumi/policy";
import { kubernetesKind } from "../exemptions";
import { namespaceOf, podSpecOf, POD_TYPES, Workload } from "../kubernetes";
import { asArray, HftPolicy, resourceRule } from "../rules";

/**
 * The Pod Security Standards' baseline "Sysctls" control: the only names a pod may set
 * (kubernetes.io/docs/concepts/security/pod-security-standards, baseline table, and the kubelet's safe
 * set on kubernetes.io/docs/tasks/administer-cluster/sysctl-cluster; read 2026-12-07). The kubelet also
 * treats net.ipv4.tcp_rmem/tcp_wmem as safe since 1.32; the Pod Security page lists neither, so the
 * pack does not admit them.
 */
export const SAFE_SYSCTLS = [
  "kernel.shm_rmid_forced",
  "net.ipv4.ip_local_port_range",
  "net.ipv4.ip_unprivileged_port_start",
  "net.ipv4.tcp_syncookies",
  "net.ipv4.ping_group_range",
  "net.ipv4.ip_local_reserved_ports",
  "net.ipv4.tcp_keepalive_time",
  "net.ipv4.tcp_fin_timeout",
  "net.ipv4.tcp_keepalive_intvl",
  "net.ipv4.tcp_keepalive_probes",
] as const;

interface SysctlConfig {
  allowedSysctls: string[];
}

const safeSysctls = resourceRule<Workload, SysctlConfig>(
  {
    name: "pod-safe-sysctls",
    description: "A pod sets only sysctls in this rule's allowedSysctls (at most the Pod Security baseline's safe set), and none under net.* with hostNetwork: tune the node at boot instead.",
    enforcementLevel: "mandatory",
    targetTypes: POD_TYPES,
    configSchema: {
      properties: {
        allowedSysctls: {
          type: "array",
          items: { type: "string", enum: [...SAFE_SYSCTLS] },
          uniqueItems: true,
          default: [...SAFE_SYSCTLS],
          description: "Sysctls pods may set: a subset of the Pod Security baseline's safe sysctls.",
        },
      },
    },
  },
  (workload, report, config, args) => {
    const pod = podSpecOf(args.type, workload);
    for (const sysctl of asArray(pod.securityContext?.sysctls)) {
      const name = String(sysctl.name);
      if (!config.allowedSysctls.includes(name)) {
        report(`the pod sets sysctl ${name}; this stack's policy config allows only ${config.allowedSysctls.join(", ") || "none"}: set it on the node at boot.`);
      } else if (pod.hostNetwork === true && name.startsWith("net.")) {
        report(`the pod sets sysctl ${name} with hostNetwork: it would change the node's network namespace, and the kubelet refuses it.`);
      }
    }
  },
);

/** A workload that calls the Kubernetes API, named exactly, with why it needs its token. */
interface ApiClient {
  kind: string;
  namespace: string;
  name: string;
  reason: string;
}

interface TokenConfig {
  apiClients: ApiClient[];
}

const API_CLIENTS_SCHEMA: PolicyConfigSchema = {
  properties: {
    apiClients: {
      type: "array",
      default: [],
      description: "Workloads that call the Kubernetes API and so mount a service-account token, each with what it calls.",
      items: {
        type: "object",
        properties: {
          kind: { type: "string", minLength: 1 },
          namespace: { type: "string", minLength: 1 },
          name: { type: "string", minLength: 1 },
          reason: { type: "string", minLength: 20 },
        },
        required: ["kind", "namespace", "name", "reason"],
        additionalProperties: false,
      },
    },
  },
};

const serviceAccountToken = resourceRule<Workload, TokenConfig>(
  {
    name: "pod-service-account-token",
    description: "A pod sets automountServiceAccountToken: false unless its workload is in this rule's apiClients (the declared list of workloads that call the Kubernetes API): a token a pod never uses is a credential to steal.",
    enforcementLevel: "mandatory",
    targetTypes: POD_TYPES,
    configSchema: API_CLIENTS_SCHEMA,
  },
  (workload, report, config, args) => {
    const automount = podSpecOf(args.type, workload).automountServiceAccountToken;
    if (automount === false) return;
    const kind = kubernetesKind(args.type);
    const namespace = namespaceOf(workload);
    const name = workload.metadata?.name;
    if (config.apiClients.some((c) => c.kind === kind && c.namespace === namespace && c.name === name)) return;
    report(
      `${kind} ${namespace}/${name} mounts a service-account token (automountServiceAccountToken ${automount ?? "unset, default true"}) but is not one of this stack's apiClients (${config.apiClients.map((c) => `${c.namespace}/${c.name}`).join(", ") || "none"}): set automountServiceAccountToken: false.`,
    );
  },
);

export const podBaselinePolicies: HftPolicy[] = [safeSysctls, serviceAccountToken];
