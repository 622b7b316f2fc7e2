/**
 * Pod Security Standards "restricted", checked before admission so a violation fails the preview
 * rather than the rollout. Container settings override the pod's where Kubernetes lets them.
 */
import { PolicyConfigSchema } from "@pulumi/policy";
import { containersOf, namespaceOf, podSpecOf, POD_TYPES, Workload } from "../kubernetes";
import { asArray, has, HftPolicy, resourceRule } from "../rules";

interface NamespaceExceptionConfig {
  allowedNamespaces: string[];
}

/** Host access is granted per namespace, matching a namespace whose Pod Security level admits it. */
function namespaceException(what: string): PolicyConfigSchema {
  return {
    properties: {
      allowedNamespaces: {
        type: "array",
        items: { type: "string" },
        uniqueItems: true,
        default: [],
        description: `Namespaces whose pods may use ${what} (documented exceptions such as node-exporter).`,
      },
    },
  };
}

/** Whether the workload's namespace is excepted; the namespace is read only when there is something to except. */
function excepted(workload: Workload, config: NamespaceExceptionConfig): boolean {
  return config.allowedNamespaces.includes(namespaceOf(workload));
}

const runAsNonRoot = resourceRule<Workload>(
  {
    name: "pod-run-as-non-root",
    description: "Every container runs with runAsNonRoot: true (set in the pod or the container securityContext).",
    enforcementLevel: "mandatory",
    targetTypes: POD_TYPES,
  },
  (workload, report, _config, args) => {
    const pod = podSpecOf(args.type, workload);
    for (const { container, label } of containersOf(pod)) {
      const effective = container.securityContext?.runAsNonRoot ?? pod.securityContext?.runAsNonRoot;
      if (effective !== true) report(`${label} may run as root (runAsNonRoot is ${effective === undefined ? "unset" : String(effective)}): set securityContext.runAsNonRoot: true.`);
    }
  },
);

const noRootUser = resourceRule<Workload>(
  {
    name: "pod-no-root-user",
    description: "No pod or container sets runAsUser: 0: run as the image's non-root uid (the platform uses 1000).",
    enforcementLevel: "mandatory",
    targetTypes: POD_TYPES,
  },
  (workload, report, _config, args) => {
    const pod = podSpecOf(args.type, workload);
    if (pod.securityContext?.runAsUser === 0) report("the pod securityContext sets runAsUser: 0: use a non-root uid.");
    for (const { container, label } of containersOf(pod)) {
      if (container.securityContext?.runAsUser === 0) report(`${label} sets runAsUser: 0: use a non-root uid.`);
    }
  },
);

const noPrivilegeEscalation = resourceRule<Workload>(
  {
    name: "container-no-privilege-escalation",
    description: "Every container sets securityContext.allowPrivilegeEscalation: false.",
    enforcementLevel: "mandatory",
    targetTypes: POD_TYPES,
  },
  (workload, report, _config, args) => {
    for (const { container, label } of containersOf(podSpecOf(args.type, workload))) {
      const value = container.securityContext?.allowPrivilegeEscalation;
      if (value !== false) {
        report(`${label} does not set allowPrivilegeEscalation: false (it is ${value === undefined ? "unset, which allows it" : String(value)}).`);
      }
    }
  },
);

interface CapabilitiesConfig {
  allowedCapabilities: string[];
}

/** Kubernetes takes capability names with or without the CAP_ prefix. */
function capability(name: string): string {
  return name.toUpperCase().replace(/^CAP_/, "");
}

const capabilitiesRestricted = resourceRule<Workload, CapabilitiesConfig>(
  {
    name: "container-capabilities-restricted",
    description: "Every container drops ALL capabilities and adds back only allowed ones (default NET_BIND_SERVICE): set capabilities.drop: [ALL] and remove other adds.",
    enforcementLevel: "mandatory",
    targetTypes: POD_TYPES,
    configSchema: {
      properties: {
        allowedCapabilities: {
          type: "array",
          items: { type: "string", pattern: "^[A-Z_]+$" },
          uniqueItems: true,
          default: ["NET_BIND_SERVICE"],
          description: "Capabilities a container may add back after dropping ALL.",
        },
      },
    },
  },
  (workload, report, config, args) => {
    const allowed = new Set(config.allowedCapabilities.map(capability));
    for (const { container, label } of containersOf(podSpecOf(args.type, workload))) {
      const caps = container.securityContext?.capabilities;
      if (!asArray(caps?.drop).some((c) => capability(c) === "ALL")) report(`${label} does not drop ALL capabilities: set securityContext.capabilities.drop: [ALL].`);
      const extra = asArray(caps?.add).filter((c) => !allowed.has(capability(c)));
      if (extra.length > 0) report(`${label} adds ${extra.join(", ")}: only ${[...allowed].join(", ") || "nothing"} may be added.`);
    }
  },
);

const SECCOMP_ALLOWED = ["RuntimeDefault", "Localhost"];

const seccompRestricted = resourceRule<Workload>(
  {
    name: "pod-seccomp-restricted",
    description: "Every container runs under a RuntimeDefault or Localhost seccomp profile: set securityContext.seccompProfile.type: RuntimeDefault on the pod.",
    enforcementLevel: "mandatory",
    targetTypes: POD_TYPES,
  },
  (workload, report, _config, args) => {
    const pod = podSpecOf(args.type, workload);
    for (const { container, label } of containersOf(pod)) {
      const type = container.securityContext?.seccompProfile?.type ?? pod.securityContext?.seccompProfile?.type ?? "unset (Unconfined)";
      if (!SECCOMP_ALLOWED.includes(type)) report(`${label} runs with seccomp profile ${type}: set seccompProfile.type: RuntimeDefault.`);
    }
  },
);

const notPrivileged = resourceRule<Workload>(
  {
    name: "container-not-privileged",
    description: "No container is privileged: remove securityContext.privileged and move node tuning into node bootstrap.",
    enforcementLevel: "mandatory",
    targetTypes: POD_TYPES,
  },
  (workload, report, _config, args) => {
    for (const { container, label } of containersOf(podSpecOf(args.type, workload))) {
      if (container.securityContext?.privileged === true) report(`${label} is privileged: remove securityContext.privileged.`);
    }
  },
);

const noHostPath = resourceRule<Workload, NamespaceExceptionConfig>(
  {
    name: "pod-no-host-path",
    description: "No pod mounts a hostPath volume outside this rule's allowedNamespaces: use a PersistentVolumeClaim, emptyDir, ConfigMap or Secret instead.",
    enforcementLevel: "mandatory",
    targetTypes: POD_TYPES,
    configSchema: namespaceException("hostPath volumes"),
  },
  (workload, report, config, args) => {
    const hostPaths = asArray(podSpecOf(args.type, workload).volumes).filter((v) => has(v, "hostPath"));
    if (hostPaths.length === 0 || excepted(workload, config)) return;
    for (const volume of hostPaths) report(`volume "${volume.name}" is a hostPath: use a PersistentVolumeClaim or emptyDir.`);
  },
);

const noHostNamespaces = resourceRule<Workload, NamespaceExceptionConfig>(
  {
    name: "pod-no-host-namespaces",
    description: "No pod outside this rule's allowedNamespaces shares the node's PID or IPC namespace: remove hostPID and hostIPC.",
    enforcementLevel: "mandatory",
    targetTypes: POD_TYPES,
    configSchema: namespaceException("hostPID or hostIPC"),
  },
  (workload, report, config, args) => {
    const pod = podSpecOf(args.type, workload);
    const shared = (["hostPID", "hostIPC"] as const).filter((field) => pod[field] === true);
    if (shared.length === 0 || excepted(workload, config)) return;
    for (const field of shared) report(`the pod sets ${field}: true: remove it.`);
  },
);

const noHostPort = resourceRule<Workload, NamespaceExceptionConfig>(
  {
    name: "container-no-host-port",
    description: "No container outside this rule's allowedNamespaces binds a hostPort: expose it through a Service instead.",
    enforcementLevel: "mandatory",
    targetTypes: POD_TYPES,
    configSchema: namespaceException("hostPorts"),
  },
  (workload, report, config, args) => {
    const bound = containersOf(podSpecOf(args.type, workload)).flatMap(({ container, label }) =>
      asArray(container.ports)
        .filter((port) => port.hostPort !== undefined && port.hostPort !== 0)
        .map((port) => `${label} binds hostPort ${port.hostPort}: expose it through a Service.`),
    );
    if (bound.length === 0 || excepted(workload, config)) return;
    for (const message of bound) report(message);
  },
);

const hostNetworkException = resourceRule<Workload, NamespaceExceptionConfig>(
  {
    name: "pod-host-network-exception",
    description: "Only namespaces listed in this rule's allowedNamespaces (documented exceptions: the engine's kernel-bypass mode, node-exporter) may use hostNetwork: remove hostNetwork or list the namespace in the stack's policy config.",
    enforcementLevel: "mandatory",
    targetTypes: POD_TYPES,
    configSchema: namespaceException("hostNetwork"),
  },
  (workload, report, config, args) => {
    if (podSpecOf(args.type, workload).hostNetwork !== true || excepted(workload, config)) return;
    report(`the pod uses hostNetwork in namespace "${namespaceOf(workload)}", which is not in this rule's allowedNamespaces.`);
  },
);

const readOnlyRootFilesystem = resourceRule<Workload>(
  {
    name: "container-read-only-root-filesystem",
    description: "Every container sets securityContext.readOnlyRootFilesystem: true; mount an emptyDir where it must write.",
    enforcementLevel: "mandatory",
    targetTypes: POD_TYPES,
  },
  (workload, report, _config, args) => {
    for (const { container, label } of containersOf(podSpecOf(args.type, workload))) {
      const value = container.securityContext?.readOnlyRootFilesystem;
      if (value !== true) {
        report(`${label} has a writable root filesystem (readOnlyRootFilesystem is ${value === undefined ? "unset" : String(value)}): set it to true and mount an emptyDir where it writes.`);
      }
    }
  },
);

export const securityContextPolicies: HftPolicy[] = [
  runAsNonRoot,
  noRootUser,
  noPrivilegeEscalation,
  capabilitiesRestricted,
  seccompRestricted,
  notPrivileged,
  noHostPath,
  noHostNamespaces,
  noHostPort,
  hostNetworkException,
  readOnlyRootFilesystem,
];
