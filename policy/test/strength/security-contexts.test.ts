/**
 * The Pod Security "restricted" rules: how a container's settings override the pod's, the exact
 * finding for each wrong value, the namespaces a host-access rule excepts, and that a computed
 * namespace is read only when there is host access to except.
 */
import { describe, expect, it } from "vitest";
import { EngineResource, PolicyConfigError, reconcileConfig } from "../../../tools/policy-engine";
import { K8S, PodSpec, SecurityContext } from "../../kubernetes";
import * as k from "../fixtures/kubernetes";
import { messages, policy, resource, UNKNOWN_STRING } from "../harness";


/** A Deployment in `namespace` whose pod has `pod` settings and one container per context (named c0, c1, …). */
function workload(contexts: (SecurityContext | undefined)[], pod: Partial<PodSpec> = {}, namespace: string = k.NS): EngineResource[] {
  const containers = contexts.map((securityContext, i) => ({ name: `c${i}`, image: "registry.example.com/app:v1", ...(securityContext ? { securityContext } : {}) }));
  const w: any = k.deployment({ containers, ...pod });
  w.metadata.namespace = namespace;
  return [resource(K8S.deployment, w, "app")];
}

describe("pod-run-as-non-root", () => {
  const rule = "pod-run-as-non-root";

  it("takes the container's setting over the pod's, and the pod's when the container has none", async () => {
    expect(await messages(rule, workload([{ runAsNonRoot: true }, {}, undefined], { securityContext: { runAsNonRoot: true } }))).toEqual([]);
    expect(await messages(rule, workload([{ runAsNonRoot: false }, { runAsNonRoot: true }, {}], { securityContext: { runAsNonRoot: true } }))).toEqual([
      'container "c0" may run as root (runAsNonRoot is false): set securityContext.runAsNonRoot: true.',
    ]);
  });

  it("refuses an unset value anywhere, and a value that is not true", async () => {
    expect(await messages(rule, workload([{}, undefined, { runAsNonRoot: "true" as unknown as boolean }], { securityContext: {} }))).toEqual([
      'container "c0" may run as root (runAsNonRoot is unset): set securityContext.runAsNonRoot: true.',
      'container "c1" may run as root (runAsNonRoot is unset): set securityContext.runAsNonRoot: true.',
      'container "c2" may run as root (runAsNonRoot is true): set securityContext.runAsNonRoot: true.',
    ]);
    expect(await messages(rule, workload([undefined]))).toEqual(['container "c0" may run as root (runAsNonRoot is unset): set securityContext.runAsNonRoot: true.']);
  });
});

describe("pod-no-root-user", () => {
  const rule = "pod-no-root-user";

  it("refuses uid 0 on the pod and on each container, and nothing else", async () => {
    expect(await messages(rule, workload([{ runAsUser: 0 }, { runAsUser: 1000 }, undefined], { securityContext: { runAsUser: 0 } }))).toEqual([
      "the pod securityContext sets runAsUser: 0: use a non-root uid.",
      'container "c0" sets runAsUser: 0: use a non-root uid.',
    ]);
    expect(await messages(rule, workload([{ runAsUser: 1 }, {}], { securityContext: { runAsUser: 1000 } }))).toEqual([]);
    expect(await messages(rule, workload([undefined]))).toEqual([]);
  });
});

describe("container-no-privilege-escalation", () => {
  it("requires false exactly, and says what it saw", async () => {
    expect(await messages("container-no-privilege-escalation", workload([{ allowPrivilegeEscalation: false }, { allowPrivilegeEscalation: true }, {}, undefined]))).toEqual([
      'container "c1" does not set allowPrivilegeEscalation: false (it is true).',
      'container "c2" does not set allowPrivilegeEscalation: false (it is unset, which allows it).',
      'container "c3" does not set allowPrivilegeEscalation: false (it is unset, which allows it).',
    ]);
  });
});

describe("container-capabilities-restricted", () => {
  const rule = "container-capabilities-restricted";
  const noDrop = (c: string) => `container "${c}" does not drop ALL capabilities: set securityContext.capabilities.drop: [ALL].`;

  it("requires ALL among the dropped capabilities, in any case and with or without CAP_", async () => {
    const contexts: SecurityContext[] = [
      { capabilities: { drop: ["ALL"] } },
      { capabilities: { drop: ["NET_RAW", "all"] } },
      { capabilities: { drop: ["CAP_ALL"] } },
      { capabilities: { drop: ["NET_RAW"] } },
      { capabilities: {} },
      {},
    ];
    expect(await messages(rule, workload([...contexts, undefined]))).toEqual([noDrop("c3"), noDrop("c4"), noDrop("c5"), noDrop("c6")]);
  });

  it("lets back only the allowed capabilities, naming the others and the list", async () => {
    const adds = (...add: string[]): SecurityContext => ({ capabilities: { drop: ["ALL"], add } });
    expect(await messages(rule, workload([adds("NET_BIND_SERVICE"), adds("cap_net_bind_service"), adds("CAP_NET_BIND_SERVICE")]))).toEqual([]);
    expect(await messages(rule, workload([adds("NET_BIND_SERVICE", "SYS_ADMIN", "net_raw"), adds("NET_BIND_CAP_SERVICE")]))).toEqual([
      'container "c0" adds SYS_ADMIN, net_raw: only NET_BIND_SERVICE may be added.',
      'container "c1" adds NET_BIND_CAP_SERVICE: only NET_BIND_SERVICE may be added.',
    ]);
  });

  it("reads the stack's allowed list, with or without CAP_, and an empty list allows nothing", async () => {
    const ctx: SecurityContext = { capabilities: { drop: ["ALL"], add: ["NET_BIND_SERVICE", "SYS_NICE"] } };
    expect(await messages(rule, workload([ctx]), { allowedCapabilities: ["SYS_NICE", "CAP_NET_BIND_SERVICE"] })).toEqual([]);
    expect(await messages(rule, workload([ctx]), { allowedCapabilities: ["SYS_NICE", "IPC_LOCK"] })).toEqual(['container "c0" adds NET_BIND_SERVICE: only SYS_NICE, IPC_LOCK may be added.']);
    expect(await messages(rule, workload([ctx]), { allowedCapabilities: [] })).toEqual(['container "c0" adds NET_BIND_SERVICE, SYS_NICE: only nothing may be added.']);
  });

  it("refuses capability names that are not upper case, and repeated ones, in its config", () => {
    const configure = (allowedCapabilities: unknown) => () => reconcileConfig([policy(rule)], { [rule]: { allowedCapabilities } });
    expect(configure(["SYS_NICE", "NET_BIND_SERVICE"])).not.toThrow();
    expect(configure(["net_raw"])).toThrow(PolicyConfigError);
    expect(configure(["net_raw"])).toThrow(/container-capabilities-restricted: \/allowedCapabilities\/0 must match pattern "\^\[A-Z_\]\+\$"/);
    expect(configure(["SYS_NICE", "SYS_NICE"])).toThrow(/\/allowedCapabilities must NOT have duplicate items/);
    expect(configure([1])).toThrow(/\/allowedCapabilities\/0 must be string/);
  });
});

describe("pod-seccomp-restricted", () => {
  const rule = "pod-seccomp-restricted";
  const profile = (type?: string): SecurityContext => ({ seccompProfile: type ? { type } : {} });

  it("passes RuntimeDefault and Localhost, from the container or else the pod", async () => {
    expect(await messages(rule, workload([profile("RuntimeDefault"), profile("Localhost"), {}, undefined, profile()], { securityContext: profile("RuntimeDefault") }))).toEqual([]);
    expect(await messages(rule, workload([profile("Localhost")], { securityContext: profile("Unconfined") }))).toEqual([]);
  });

  it("refuses any other profile, or none, naming what it saw", async () => {
    expect(await messages(rule, workload([profile("Unconfined"), profile(), {}, undefined], { securityContext: {} }))).toEqual([
      'container "c0" runs with seccomp profile Unconfined: set seccompProfile.type: RuntimeDefault.',
      'container "c1" runs with seccomp profile unset (Unconfined): set seccompProfile.type: RuntimeDefault.',
      'container "c2" runs with seccomp profile unset (Unconfined): set seccompProfile.type: RuntimeDefault.',
      'container "c3" runs with seccomp profile unset (Unconfined): set seccompProfile.type: RuntimeDefault.',
    ]);
    expect(await messages(rule, workload([undefined, profile("runtime/default")], { securityContext: profile("Unconfined") }))).toEqual([
      'container "c0" runs with seccomp profile Unconfined: set seccompProfile.type: RuntimeDefault.',
      'container "c1" runs with seccomp profile runtime/default: set seccompProfile.type: RuntimeDefault.',
    ]);
    expect(await messages(rule, workload([undefined]))).toEqual(['container "c0" runs with seccomp profile unset (Unconfined): set seccompProfile.type: RuntimeDefault.']);
  });
});

describe("container-not-privileged", () => {
  it("refuses privileged: true only", async () => {
    expect(await messages("container-not-privileged", workload([{ privileged: true }, { privileged: false }, {}, undefined]))).toEqual(['container "c0" is privileged: remove securityContext.privileged.']);
  });
});

describe("container-read-only-root-filesystem", () => {
  it("requires true exactly, and says what it saw", async () => {
    expect(await messages("container-read-only-root-filesystem", workload([{ readOnlyRootFilesystem: true }, { readOnlyRootFilesystem: false }, {}, undefined]))).toEqual([
      'container "c1" has a writable root filesystem (readOnlyRootFilesystem is false): set it to true and mount an emptyDir where it writes.',
      'container "c2" has a writable root filesystem (readOnlyRootFilesystem is unset): set it to true and mount an emptyDir where it writes.',
      'container "c3" has a writable root filesystem (readOnlyRootFilesystem is unset): set it to true and mount an emptyDir where it writes.',
    ]);
  });
});

describe("host access outside the allowed namespaces", () => {
  const HOST_RULES = ["pod-no-host-path", "pod-no-host-namespaces", "container-no-host-port", "pod-host-network-exception"];

  it("refuses each hostPath volume, by name", async () => {
    const volumes = [{ name: "tmp", emptyDir: {} }, { name: "proc", hostPath: { path: "/proc" } }, { name: "sys", hostPath: { path: "/sys" } }] as PodSpec["volumes"];
    expect(await messages("pod-no-host-path", workload([{}], { volumes }))).toEqual([
      'volume "proc" is a hostPath: use a PersistentVolumeClaim or emptyDir.',
      'volume "sys" is a hostPath: use a PersistentVolumeClaim or emptyDir.',
    ]);
    expect(await messages("pod-no-host-path", workload([{}], { volumes: [{ name: "tmp" }] }))).toEqual([]);
  });

  it("refuses each shared host namespace that is true", async () => {
    expect(await messages("pod-no-host-namespaces", workload([{}], { hostPID: true, hostIPC: true }))).toEqual(["the pod sets hostPID: true: remove it.", "the pod sets hostIPC: true: remove it."]);
    expect(await messages("pod-no-host-namespaces", workload([{}], { hostIPC: true, hostPID: false }))).toEqual(["the pod sets hostIPC: true: remove it."]);
    expect(await messages("pod-no-host-namespaces", workload([{}], { hostPID: false }))).toEqual([]);
  });

  it("refuses each non-zero hostPort, in init and regular containers", async () => {
    const w: any = workload([{}, {}])[0].props;
    const spec = w.spec.template.spec;
    spec.containers[0].ports = [{ containerPort: 8080 }, { containerPort: 9100, hostPort: 9100 }, { containerPort: 1, hostPort: 0 }];
    spec.containers[1].ports = [{ containerPort: 53, hostPort: 53 }];
    spec.initContainers = [{ name: "setup", image: "busybox:1.36.1", ports: [{ containerPort: 80, hostPort: 8080 }] }];
    expect(await messages("container-no-host-port", [resource(K8S.deployment, w, "app")])).toEqual([
      'init container "setup" binds hostPort 8080: expose it through a Service.',
      'container "c0" binds hostPort 9100: expose it through a Service.',
      'container "c1" binds hostPort 53: expose it through a Service.',
    ]);
  });

  it("refuses hostNetwork: true, naming the namespace", async () => {
    expect(await messages("pod-host-network-exception", workload([{}], { hostNetwork: true }))).toEqual([
      'the pod uses hostNetwork in namespace "hft-trading", which is not in this rule\'s allowedNamespaces.',
    ]);
    const stray: any = workload([{}], { hostNetwork: true })[0].props;
    delete stray.metadata.namespace;
    expect(await messages("pod-host-network-exception", [resource(K8S.deployment, stray, "app")])).toEqual([
      'the pod uses hostNetwork in namespace "default", which is not in this rule\'s allowedNamespaces.',
    ]);
    expect(await messages("pod-host-network-exception", workload([{}], { hostNetwork: false }))).toEqual([]);
  });

  /** A pod using every kind of host access, in `namespace`. */
  const hostPod = (namespace: string) => {
    const w: any = workload([{}], { hostNetwork: true, hostPID: true, volumes: [{ name: "proc", hostPath: { path: "/proc" } }] as PodSpec["volumes"] }, namespace)[0].props;
    w.spec.template.spec.containers[0].ports = [{ containerPort: 9100, hostPort: 9100 }];
    return [resource(K8S.deployment, w, "node-exporter")];
  };

  it("excepts only the namespaces the stack lists, for each kind of host access", async () => {
    const config = { allowedNamespaces: ["node-exporter", "hft-trading"] };
    for (const rule of HOST_RULES) {
      expect(await messages(rule, hostPod("node-exporter"), config), rule).toEqual([]);
      expect(await messages(rule, hostPod("monitoring"), config), rule).toHaveLength(1);
      expect(await messages(rule, hostPod("node-exporter")), rule).toHaveLength(1);
    }
  });

  it("describes each rule's exception by the host access it allows", () => {
    const what = { "pod-no-host-path": "hostPath volumes", "pod-no-host-namespaces": "hostPID or hostIPC", "container-no-host-port": "hostPorts", "pod-host-network-exception": "hostNetwork" };
    for (const [rule, access] of Object.entries(what)) {
      expect(policy(rule).configSchema?.properties.allowedNamespaces.description, rule).toBe(`Namespaces whose pods may use ${access} (documented exceptions such as node-exporter).`);
    }
  });

  it("excepts no namespace by default", () => {
    const settings = reconcileConfig(HOST_RULES.map(policy), {});
    for (const rule of HOST_RULES) expect(settings.get(rule)?.properties.allowedNamespaces, rule).toEqual([]);
  });

  it("reads a computed namespace only when there is host access to except", async () => {
    for (const rule of HOST_RULES) {
      expect(await messages(rule, workload([{}], {}, UNKNOWN_STRING)), rule).toEqual([]);
      expect(await messages(rule, hostPod(UNKNOWN_STRING), { allowedNamespaces: ["node-exporter"] }), rule).toEqual([
        expect.stringMatching(new RegExp(`^can't run policy '${rule}' during preview: string value at \\.metadata\\.namespace`)),
      ]);
    }
  });

  it("refuses a repeated namespace in the config", () => {
    for (const rule of HOST_RULES) {
      expect(() => reconcileConfig([policy(rule)], { [rule]: { allowedNamespaces: ["a", "a"] } }), rule).toThrow(new RegExp(`${rule}: /allowedNamespaces must NOT have duplicate items`));
      expect(() => reconcileConfig([policy(rule)], { [rule]: { allowedNamespaces: [1] } }), rule).toThrow(new RegExp(`${rule}: /allowedNamespaces/0 must be string`));
    }
  });
});
