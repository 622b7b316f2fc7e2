import * as k8s from "@pulumi/kubernetes";

type Container = k8s.types.input.core.v1.Container;
type ContainerSecurityContext = k8s.types.input.core.v1.SecurityContext;
type PodSecurityContext = k8s.types.input.core.v1.PodSecurityContext;
type Probe = k8s.types.input.core.v1.Probe;
type ResourceRequirements = k8s.types.input.core.v1.ResourceRequirements;

/** uid/gid platform workloads run as unless an image needs its own (Redis, PostgreSQL). */
export const DEFAULT_UID = 1000;

/** Pod-level half of the Pod Security Standards "restricted" profile. */
export function restrictedPodSecurityContext(ids: { uid?: number; gid?: number; fsGroup?: number } = {}): PodSecurityContext {
  const uid = ids.uid ?? DEFAULT_UID;
  const gid = ids.gid ?? uid;
  return {
    runAsNonRoot: true,
    runAsUser: uid,
    runAsGroup: gid,
    fsGroup: ids.fsGroup ?? gid,
    fsGroupChangePolicy: "OnRootMismatch",
    seccompProfile: { type: "RuntimeDefault" },
  };
}

/**
 * Container-level half of "restricted": no privilege escalation, every capability dropped (only
 * NET_BIND_SERVICE may come back, the one "restricted" allows), read-only root filesystem.
 */
export function restrictedContainerSecurityContext(opts: { uid?: number; gid?: number; bindLowPorts?: boolean } = {}): ContainerSecurityContext {
  const uid = opts.uid ?? DEFAULT_UID;
  return {
    runAsNonRoot: true,
    runAsUser: uid,
    runAsGroup: opts.gid ?? uid,
    allowPrivilegeEscalation: false,
    privileged: false,
    readOnlyRootFilesystem: true,
    capabilities: { drop: ["ALL"], ...(opts.bindLowPorts ? { add: ["NET_BIND_SERVICE"] } : {}) },
    seccompProfile: { type: "RuntimeDefault" },
  };
}

/** Quantities for one container: requests, and limits (equal to requests when guaranteed). */
export interface ResourceSpec {
  cpu: string;
  memory: string;
  /** Limits; omitted means limits = requests (Guaranteed QoS when every container does so). */
  limits?: { cpu: string; memory: string };
  ephemeralStorage?: string;
  hugepages2Mi?: string;
}

export function resources(spec: ResourceSpec): ResourceRequirements {
  const requests: Record<string, string> = { cpu: spec.cpu, memory: spec.memory };
  if (spec.ephemeralStorage) requests["ephemeral-storage"] = spec.ephemeralStorage;
  if (spec.hugepages2Mi) requests["hugepages-2Mi"] = spec.hugepages2Mi;
  const limits = { ...requests, ...(spec.limits ?? {}) };
  return { requests, limits };
}

export interface ProbeTiming {
  initialDelaySeconds?: number;
  periodSeconds: number;
  timeoutSeconds: number;
  failureThreshold: number;
}

export function httpProbe(path: string, port: number | string, timing: ProbeTiming): Probe {
  return { httpGet: { path, port }, successThreshold: 1, ...timing };
}

export function execProbe(command: string[], timing: ProbeTiming): Probe {
  return { exec: { command }, successThreshold: 1, ...timing };
}

export function tcpProbe(port: number | string, timing: ProbeTiming): Probe {
  return { tcpSocket: { port }, successThreshold: 1, ...timing };
}

/** What a caller must decide for a container; everything security-related is filled in. */
export interface ContainerSpec extends Omit<Container, "resources" | "securityContext"> {
  resources: ResourceSpec;
  /** Defaults to the restricted context for DEFAULT_UID. */
  securityContext?: ContainerSecurityContext;
}

/** A container that is compliant by construction: resources always set, restricted security context. */
export function container(spec: ContainerSpec): Container {
  const { resources: quantities, securityContext, ...rest } = spec;
  return {
    imagePullPolicy: "IfNotPresent",
    ...rest,
    resources: resources(quantities),
    securityContext: securityContext ?? restrictedContainerSecurityContext(),
  };
}
