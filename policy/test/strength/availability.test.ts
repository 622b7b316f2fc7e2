/**
 * The availability rules judged by value: probes that can never pass, disruption budgets that protect
 * nothing or block every drain, and claims on a StorageClass the stack does not allow. Each case states
 * the exact messages a user reads, and the inputs the rules must let through.
 */
import { describe, expect, it } from "vitest";
import { EngineResource, reconcileConfig } from "../../../tools/policy-engine";
import { Container, K8S } from "../../kubernetes";
import { of } from "../cases/case";
import * as k from "../fixtures/kubernetes";
import { check, messages, policy, resource } from "../harness";


describe("container-probes", () => {
  const withGateway = (change: (c: Container) => void, type: string = K8S.deployment) => {
    const w: any = k.deployment();
    change(w.spec.template.spec.containers[0]);
    return of(type, w);
  };
  const run = (resources: EngineResource[]) => messages("container-probes", resources);

  it("names each missing probe, both in one line when both are missing", async () => {
    expect(await run(withGateway((c) => delete c.livenessProbe))).toEqual(['container "gateway" has no livenessProbe.']);
    expect(await run(withGateway((c) => delete c.readinessProbe))).toEqual(['container "gateway" has no readinessProbe.']);
    expect(await run(withGateway((c) => (delete c.livenessProbe, delete c.readinessProbe)))).toEqual(['container "gateway" has no livenessProbe or readinessProbe.']);
    expect(await run(withGateway(() => {}))).toEqual([]);
  });

  it("refuses a liveness or readiness probe with no handler: it can never pass", async () => {
    const noHandler = "has no handler (one of httpGet, tcpSocket, grpc, exec): it can never pass. Probe the container's health endpoint.";
    expect(await run(withGateway((c) => (c.livenessProbe = { periodSeconds: 5 } as object)))).toEqual([`container "gateway" livenessProbe ${noHandler}`]);
    expect(await run(withGateway((c) => (c.readinessProbe = {})))).toEqual([`container "gateway" readinessProbe ${noHandler}`]);
  });

  it("accepts each handler kind", async () => {
    for (const probe of [{ httpGet: { port: 8080 } }, { tcpSocket: { port: 8080 } }, { grpc: { port: 9090 } }, { exec: { command: ["true"] } }]) {
      expect(await run(withGateway((c) => ((c.livenessProbe = probe), (c.readinessProbe = probe)))), JSON.stringify(probe)).toEqual([]);
    }
  });

  it("refuses a port name the container does not declare, for httpGet and tcpSocket, listing the declared names", async () => {
    const ports = (c: Container) => (c.ports = [{ containerPort: 8080 }, { name: "http", containerPort: 8080 }, { name: "admin", containerPort: 9000 }]);
    expect(await run(withGateway((c) => (ports(c), (c.livenessProbe = { httpGet: { port: "metrics" } }))))).toEqual([
      'container "gateway" livenessProbe probes port "metrics", which the container does not declare (declared: http, admin): it can never pass. Name a declared port.',
    ]);
    expect(await run(withGateway((c) => (ports(c), (c.readinessProbe = { tcpSocket: { port: "metrics9" } }))))).toEqual([
      'container "gateway" readinessProbe probes port "metrics9", which the container does not declare (declared: http, admin): it can never pass. Name a declared port.',
    ]);
    expect(await run(withGateway((c) => (delete c.ports, (c.readinessProbe = { tcpSocket: { port: "9000x" } }))))).toEqual([
      'container "gateway" readinessProbe probes port "9000x", which the container does not declare (declared: none): it can never pass. Name a declared port.',
    ]);
  });

  it("accepts a declared port name, and a number written as a string", async () => {
    const named = (c: Container) => (c.ports = [{ name: "http", containerPort: 8080 }]);
    expect(await run(withGateway((c) => (named(c), (c.livenessProbe = { httpGet: { port: "http" } }), (c.readinessProbe = { tcpSocket: { port: "http" } }))))).toEqual([]);
    expect(await run(withGateway((c) => (delete c.ports, (c.livenessProbe = { httpGet: { port: "8080" } }), (c.readinessProbe = { tcpSocket: { port: 8080 } }))))).toEqual([]);
  });

  it("judges a probe whose first handler is fine by its second: a tcpSocket on an undeclared name", async () => {
    const probe = { httpGet: { port: 8080 }, tcpSocket: { port: "grpc" } };
    expect(await run(withGateway((c) => (c.livenessProbe = probe)))).toEqual([
      'container "gateway" livenessProbe probes port "grpc", which the container does not declare (declared: none): it can never pass. Name a declared port.',
    ]);
  });

  it("asks no probes of init containers, which run to completion", async () => {
    const w: any = k.deployment();
    w.spec.template.spec.initContainers = [k.initContainer()];
    expect(await run(of(K8S.deployment, w))).toEqual([]);
  });

  it("judges a bare Pod that restarts (Always or unset) and not one that runs to completion", async () => {
    const probeless = (restartPolicy?: string) => {
      const pod: any = k.appPod();
      delete pod.containers[0].livenessProbe;
      return [k.podResource(restartPolicy === undefined ? pod : { ...pod, restartPolicy })];
    };
    expect(await run(probeless())).toEqual(['container "gateway" has no livenessProbe.']);
    expect(await run(probeless("Always"))).toEqual(['container "gateway" has no livenessProbe.']);
    const { findings, run: ruleRun } = await check("container-probes", probeless("OnFailure"));
    expect(findings).toEqual([]);
    expect(ruleRun.notApplicable).toEqual(["subject: the pod runs to completion"]);
  });

  it("reads restartPolicy as run-to-completion only on a bare Pod, not on a controller's template", async () => {
    const w: any = k.deployment();
    w.spec.template.spec.restartPolicy = "Never";
    delete w.spec.template.spec.containers[0].readinessProbe;
    expect(await run(of(K8S.deployment, w))).toEqual(['container "gateway" has no readinessProbe.']);
  });
});

describe("workload-pdb", () => {
  /** The gateway Deployment (or another kind) with `replicas`, none set for null. */
  const gateway = (replicas: number | null = 3, type: string = K8S.deployment) => {
    const w: any = k.deployment(k.appPod(), replicas ?? 1);
    if (replicas === null) delete w.spec.replicas;
    return resource(type, w, "gateway");
  };
  const budget = (spec: object, metadata: object = { name: "gateway-pdb", namespace: k.NS }) =>
    resource(K8S.pdb, { metadata, spec: { selector: { matchLabels: { "app.kubernetes.io/name": "market-data-gateway" } }, ...spec } }, "gateway-pdb-resource");
  const run = (resources: EngineResource[]) => messages("workload-pdb", resources);
  const WANTED_3 = "minAvailable between 1 and 2 (or maxUnavailable between 1 and 2)";

  it("refuses a replicated workload no budget selects, for each replicated kind, naming the namespace and the range", async () => {
    for (const type of [K8S.deployment, K8S.statefulSet, K8S.replicaSet]) {
      expect(await run([gateway(3, type)]), type).toEqual([
        'gateway runs 3 replicas in namespace "hft-trading" but no PodDisruptionBudget selects its pods: add one with minAvailable between 1 and 2.',
      ]);
    }
  });

  it("leaves single-replica workloads, workloads without replicas (1) and DaemonSets alone", async () => {
    expect(await run([gateway(1)])).toEqual([]);
    expect(await run([gateway(null)])).toEqual([]);
    expect(await run([resource(K8S.deployment, { metadata: { name: "specless", namespace: k.NS } }, "specless")])).toEqual([]);
    expect(await run([gateway(0)])).toEqual([]);
    // A drain does not evict DaemonSet pods, so no budget is asked of one, even one that (wrongly) sets replicas.
    expect(await run([gateway(3, K8S.daemonSet), resource(K8S.deployment, k.deployment(k.appPod(), 1), "single")])).toEqual([]);
    expect(await run([gateway(2)])).toEqual(['gateway runs 2 replicas in namespace "hft-trading" but no PodDisruptionBudget selects its pods: add one with minAvailable between 1 and 1.']);
  });

  it("counts only a PodDisruptionBudget in the workload's namespace whose selector matches its pod labels", async () => {
    const none = ['gateway runs 3 replicas in namespace "hft-trading" but no PodDisruptionBudget selects its pods: add one with minAvailable between 1 and 2.'];
    expect(await run([gateway(), budget({ minAvailable: 2 })])).toEqual([]);
    expect(await run([gateway(), budget({ minAvailable: 2 }, { name: "gateway-pdb", namespace: "hft-data" })])).toEqual(none);
    expect(await run([gateway(), budget({ minAvailable: 2, selector: { matchLabels: { "app.kubernetes.io/name": "redis" } } })])).toEqual(none);
    expect(await run([gateway(), resource(K8S.pdb, { metadata: { name: "bare", namespace: k.NS } }, "bare")])).toEqual(none);
    // A Service selecting the same pods is not a budget.
    expect(await run([gateway(), resource(K8S.service, { metadata: { name: "gateway", namespace: k.NS }, spec: { selector: { "app.kubernetes.io/name": "market-data-gateway" } } }, "svc")])).toEqual(none);
  });

  it("matches a workload and budget that both omit the namespace in namespace default, and reads pods without labels", async () => {
    const w: any = k.deployment();
    delete w.metadata.namespace;
    const plain = resource(K8S.deployment, w, "gateway");
    expect(await run([plain, budget({ minAvailable: 1 }, { name: "gateway-pdb" })])).toEqual([]);
    expect(await run([plain])).toEqual(['gateway runs 2 replicas in namespace "default" but no PodDisruptionBudget selects its pods: add one with minAvailable between 1 and 1.']);
    const unlabelled: any = k.deployment(k.appPod(), 3);
    delete unlabelled.spec.template.metadata;
    expect(await run([resource(K8S.deployment, unlabelled, "gateway"), budget({ minAvailable: 2 })])).toEqual([
      'gateway runs 3 replicas in namespace "hft-trading" but no PodDisruptionBudget selects its pods: add one with minAvailable between 1 and 2.',
    ]);
  });

  it("accepts budgets that let a drain evict some but not all replicas, at both ends of the range", async () => {
    for (const spec of [{ minAvailable: 1 }, { minAvailable: 2 }, { maxUnavailable: 1 }, { maxUnavailable: 2 }, { maxUnavailable: "1%" }, { minAvailable: "34%" }, { minAvailable: "66%" }, { maxUnavailable: 1, minAvailable: 0 }]) {
      expect(await run([gateway(), budget(spec)]), JSON.stringify(spec)).toEqual([]);
    }
  });

  it("refuses a budget that lets a drain evict every replica, including above the count", async () => {
    const all = (seen: string) => [`gateway runs 3 replicas but PodDisruptionBudget gateway-pdb sets ${seen}: a drain may evict all 3 at once. Set ${WANTED_3}.`];
    expect(await run([gateway(), budget({ maxUnavailable: 3 })])).toEqual(all("maxUnavailable 3"));
    expect(await run([gateway(), budget({ maxUnavailable: 4 })])).toEqual(all("maxUnavailable 4"));
    expect(await run([gateway(), budget({ maxUnavailable: "67%" })])).toEqual(all("maxUnavailable 67%"));
    expect(await run([gateway(), budget({ minAvailable: 0 })])).toEqual(all("minAvailable 0"));
    expect(await run([gateway(), budget({ minAvailable: "0%" })])).toEqual(all("minAvailable 0%"));
    expect(await run([gateway(), budget({ minAvailable: 2, maxUnavailable: 3 })])).toEqual(all("maxUnavailable 3"));
  });

  it("refuses a budget that lets no drain evict any replica, percentages rounded up", async () => {
    const none = (seen: string) => [`gateway runs 3 replicas but PodDisruptionBudget gateway-pdb sets ${seen}: no drain can evict any of them and node upgrades stall. Set ${WANTED_3}.`];
    expect(await run([gateway(), budget({ maxUnavailable: 0 })])).toEqual(none("maxUnavailable 0"));
    expect(await run([gateway(), budget({ maxUnavailable: "0%" })])).toEqual(none("maxUnavailable 0%"));
    expect(await run([gateway(), budget({ minAvailable: 3 })])).toEqual(none("minAvailable 3"));
    expect(await run([gateway(), budget({ minAvailable: 5 })])).toEqual(none("minAvailable 5"));
    expect(await run([gateway(), budget({ minAvailable: "67%" })])).toEqual(none("minAvailable 67%"));
    expect(await run([gateway(), budget({ minAvailable: 2, maxUnavailable: 0 })])).toEqual(none("maxUnavailable 0"));
  });

  it("scales a percentage against the replicas, not a fixed count", async () => {
    const ten = resource(K8S.deployment, k.deployment(k.appPod(), 10), "gateway");
    expect(await run([ten, budget({ maxUnavailable: "50%" })])).toEqual([]);
    expect(await run([ten, budget({ minAvailable: "95%" })])).toEqual([
      "gateway runs 10 replicas but PodDisruptionBudget gateway-pdb sets minAvailable 95%: no drain can evict any of them and node upgrades stall. Set minAvailable between 1 and 9 (or maxUnavailable between 1 and 9).",
    ]);
    expect(await run([ten, budget({ maxUnavailable: "91%" })])).toEqual([
      "gateway runs 10 replicas but PodDisruptionBudget gateway-pdb sets maxUnavailable 91%: a drain may evict all 10 at once. Set minAvailable between 1 and 9 (or maxUnavailable between 1 and 9).",
    ]);
  });

  it("refuses a budget that sets neither field or a value that is not a count or percentage, which bounds nothing", async () => {
    const nothing = (seen: string) => [`gateway runs 3 replicas but PodDisruptionBudget gateway-pdb sets ${seen}, which bounds nothing: set ${WANTED_3}.`];
    expect(await run([gateway(), budget({})])).toEqual(nothing("neither minAvailable nor maxUnavailable"));
    expect(await run([gateway(), budget({ minAvailable: "50" })])).toEqual(nothing("minAvailable 50"));
    expect(await run([gateway(), budget({ minAvailable: "x50%" })])).toEqual(nothing("minAvailable x50%"));
    expect(await run([gateway(), budget({ maxUnavailable: "50%x" })])).toEqual(nothing("maxUnavailable 50%x"));
    expect(await run([gateway(), budget({ maxUnavailable: "%" })])).toEqual(nothing("maxUnavailable %"));
  });

  it("judges every budget that selects the pods, named by metadata.name or else the resource name", async () => {
    const second = resource(K8S.pdb, { metadata: { namespace: k.NS }, spec: { selector: {}, maxUnavailable: 0 } }, "catch-all");
    expect(await run([gateway(), budget({ minAvailable: 2 }), second])).toEqual([
      `gateway runs 3 replicas but PodDisruptionBudget catch-all sets maxUnavailable 0: no drain can evict any of them and node upgrades stall. Set ${WANTED_3}.`,
    ]);
  });

  it("names a budget without metadata by its resource name, in namespace default", async () => {
    const w: any = k.deployment(k.appPod(), 3);
    delete w.metadata.namespace;
    const anonymous = resource(K8S.pdb, { spec: { selector: {}, minAvailable: 3 } }, "anonymous-pdb");
    expect(await run([resource(K8S.deployment, w, "gateway"), anonymous])).toEqual([
      `gateway runs 3 replicas but PodDisruptionBudget anonymous-pdb sets minAvailable 3: no drain can evict any of them and node upgrades stall. Set ${WANTED_3}.`,
    ]);
  });

  it("reports against the workload, so an exemption by its name lifts it", async () => {
    const { findings } = await check("workload-pdb", [gateway(), budget({ minAvailable: 0 })]);
    expect(findings.map((f) => f.urn)).toEqual([gateway().urn]);
  });
});

describe("storage-class-allowed", () => {
  const claim = (spec?: object) => of(K8S.pvc, { metadata: { name: "reference", namespace: k.NS }, ...(spec ? { spec } : {}) });
  const run = (resources: EngineResource[], config?: Record<string, unknown>) => messages("storage-class-allowed", resources, config);

  it("accepts each default class, and refuses another naming the default list", async () => {
    for (const name of ["fast-ssd", "efs-sc", "gp3"]) expect(await run(claim({ storageClassName: name })), name).toEqual([]);
    expect(await run(claim({ storageClassName: "gp2" }))).toEqual(['the claim uses StorageClass "gp2": use one of fast-ssd, efs-sc, gp3.']);
  });

  it("refuses a claim that leaves the class to the cluster default, with or without a spec", async () => {
    const unset = ["the claim names no storageClassName (the cluster default is not checked): use one of fast-ssd, efs-sc, gp3."];
    expect(await run(claim({ accessModes: ["ReadWriteOnce"] }))).toEqual(unset);
    expect(await run(claim())).toEqual(unset);
  });

  it("judges against the stack's own list", async () => {
    const config = { allowedClasses: ["io2"] };
    expect(await run(claim({ storageClassName: "io2" }), config)).toEqual([]);
    expect(await run(claim({ storageClassName: "fast-ssd" }), config)).toEqual(['the claim uses StorageClass "fast-ssd": use one of io2.']);
  });

  it("refuses a stack config whose list holds an empty or repeated class name", () => {
    const reconcile = (allowedClasses: unknown) => () => reconcileConfig([policy("storage-class-allowed")], { "storage-class-allowed": { allowedClasses } });
    expect(reconcile([""])).toThrow("storage-class-allowed: /allowedClasses/0 must NOT have fewer than 1 characters");
    expect(reconcile(["gp3", "gp3"])).toThrow("storage-class-allowed: /allowedClasses must NOT have duplicate items (items ## 1 and 0 are identical)");
    expect(reconcile(["gp3", "io2"])).not.toThrow();
  });

  it("judges each StatefulSet volumeClaimTemplate by name, '?' when it has none", async () => {
    const sts: any = k.statefulSet();
    sts.spec.volumeClaimTemplates = [
      { metadata: { name: "data" }, spec: { storageClassName: "fast-ssd" } },
      { metadata: { name: "wal" }, spec: { storageClassName: "standard" } },
      { spec: {} },
      { metadata: {} },
    ];
    expect(await run(of(K8S.statefulSet, sts))).toEqual([
      'volumeClaimTemplate "wal" uses StorageClass "standard": use one of fast-ssd, efs-sc, gp3.',
      'volumeClaimTemplate "?" names no storageClassName (the cluster default is not checked): use one of fast-ssd, efs-sc, gp3.',
      'volumeClaimTemplate "?" names no storageClassName (the cluster default is not checked): use one of fast-ssd, efs-sc, gp3.',
    ]);
  });

  it("has nothing to judge in a StatefulSet without claim templates or without a spec", async () => {
    const sts: any = k.statefulSet();
    delete sts.spec.volumeClaimTemplates;
    expect(await run(of(K8S.statefulSet, sts))).toEqual([]);
    expect(await run(of(K8S.statefulSet, { metadata: { name: "bare" } }))).toEqual([]);
  });
});
