/**
 * The resource rules (policy/policies/workloads.ts) over the edge cases a real manifest hits: a
 * container with no resources block, one list without the other, a zero or unparseable quantity, a
 * value exactly at its bound. Messages are compared whole, so a changed wording or branch shows.
 */
import { describe, expect, it } from "vitest";
import { Container, K8S, PodSpec } from "../../kubernetes";
import * as k from "../fixtures/kubernetes";
import { check, resource } from "../harness";

type Resources = Container["resources"];

/** The market-data gateway Deployment (not the engine) with its one container's resources replaced. */
function gateway(resources: Resources) {
  const pod = k.appPod();
  pod.containers![0].resources = resources;
  return [resource(K8S.deployment, k.deployment(pod))];
}

/** The engine StatefulSet with a change to its pod. */
function engine(change: (pod: PodSpec, main: Container) => void) {
  const pod = k.enginePod();
  change(pod, pod.containers![0]);
  return [k.engineResource(k.statefulSet(pod))];
}

async function messages(rule: string, resources: ReturnType<typeof gateway>, config: Record<string, unknown> = {}) {
  return (await check(rule, resources, { config })).findings.map((f) => f.message);
}

const GATEWAY = 'container "gateway"';
const ENGINE = 'container "trading-engine"';

describe("container-resources-set", () => {
  it("names every missing quantity of a container with no resources block, once", async () => {
    expect(await messages("container-resources-set", gateway(undefined))).toEqual([
      `${GATEWAY} has no requests.cpu, requests.memory, limits.cpu, limits.memory: set resources.requests and resources.limits for cpu and memory.`,
    ]);
  });

  it("refuses a zero request and a zero limit with what each fails to do, and nothing for a missing one", async () => {
    const resources = { requests: { cpu: "0", memory: "512Mi" }, limits: { cpu: "500m", memory: "0Mi" } };
    expect(await messages("container-resources-set", gateway(resources))).toEqual([
      `${GATEWAY} sets requests.cpu 0: a zero request reserves nothing. Set it above 0.`,
      `${GATEWAY} sets limits.memory 0Mi: a zero limit bounds nothing. Set it above 0.`,
    ]);
    const missingLimit = { requests: { cpu: "0", memory: "512Mi" }, limits: { cpu: "500m" } };
    expect(await messages("container-resources-set", gateway(missingLimit))).toEqual([
      `${GATEWAY} has no limits.memory: set resources.requests and resources.limits for cpu and memory.`,
      `${GATEWAY} sets requests.cpu 0: a zero request reserves nothing. Set it above 0.`,
    ]);
  });

  it("leaves a quantity that does not parse to the bounds rule", async () => {
    const resources = { requests: { cpu: "lots", memory: "512Mi" }, limits: { cpu: "500m", memory: "512Mi" } };
    expect(await messages("container-resources-set", gateway(resources))).toEqual([]);
  });
});

describe("container-resources-within-bounds", () => {
  const rule = "container-resources-within-bounds";

  it("has nothing to judge in a container with no resources, or a list without cpu", async () => {
    expect(await messages(rule, gateway(undefined))).toEqual([]);
    expect(await messages(rule, gateway({ requests: { memory: "512Mi" } }))).toEqual([]);
  });

  it("judges requests when limits are missing, and accepts a value exactly at the bound", async () => {
    expect(await messages(rule, gateway({ requests: { cpu: "32" } }), { maxCpu: 16 })).toEqual([
      `${GATEWAY}: requests.cpu 32 exceeds the stack's maximum of 16 cores.`,
    ]);
    expect(await messages(rule, gateway({ requests: { cpu: "16", memory: "8Gi" }, limits: { cpu: "16000m", memory: "8192Mi" } }), { maxCpu: 16, maxMemory: "8Gi" })).toEqual([]);
  });

  it("refuses memory one step over the stack's maxMemory, naming the bound as configured", async () => {
    expect(await messages(rule, gateway({ limits: { memory: "8193Mi" } }), { maxMemory: "8Gi" })).toEqual([
      `${GATEWAY}: limits.memory 8193Mi exceeds the stack's maximum of 8Gi.`,
    ]);
  });

  it("refuses a string that is not a Kubernetes quantity", async () => {
    expect(await messages(rule, gateway({ requests: { cpu: "lots" } }))).toEqual([`${GATEWAY}: requests.cpu "lots" is not a Kubernetes quantity.`]);
  });
});

describe("container-limits-cover-requests", () => {
  const rule = "container-limits-cover-requests";

  it("refuses a request above its limit and accepts one equal to it", async () => {
    expect(await messages(rule, gateway({ requests: { cpu: "500m", memory: "1Gi" }, limits: { cpu: "0.5", memory: "512Mi" } }))).toEqual([
      `${GATEWAY}: requests.memory 1Gi is above limits.memory 512Mi.`,
    ]);
  });

  it("compares nothing without both lists, without a limit for the resource, or with a quantity that does not parse", async () => {
    const cases: Resources[] = [
      undefined,
      { requests: { cpu: "2" } },
      { limits: { cpu: "1" } },
      { requests: { cpu: "2", memory: "1Gi" }, limits: { memory: "1Gi" } },
      { requests: { cpu: "lots" }, limits: { cpu: "1" } },
      { requests: { cpu: "2" }, limits: { cpu: "lots" } },
    ];
    for (const resources of cases) {
      expect(await messages(rule, gateway(resources)), JSON.stringify(resources)).toEqual([]);
    }
  });
});

describe("engine-guaranteed-qos", () => {
  const rule = "engine-guaranteed-qos";

  it("asks an engine container with no resources for both limits", async () => {
    expect(await messages(rule, engine((_pod, main) => delete main.resources))).toEqual([
      `${ENGINE} has no limits.cpu: the engine must be Guaranteed QoS.`,
      `${ENGINE} has no limits.memory: the engine must be Guaranteed QoS.`,
    ]);
  });

  it("reports a missing cpu or memory limit once, not also as a request without its limit", async () => {
    expect(await messages(rule, engine((_pod, main) => delete main.resources!.limits!.memory))).toEqual([
      `${ENGINE} has no limits.memory: the engine must be Guaranteed QoS.`,
    ]);
    expect(await messages(rule, engine((_pod, main) => delete main.resources!.limits!.cpu))).toEqual([`${ENGINE} has no limits.cpu: the engine must be Guaranteed QoS.`]);
  });

  it("refuses any other resource requested without a limit, and accepts a limit whose request Kubernetes defaults", async () => {
    expect(await messages(rule, engine((_pod, main) => delete main.resources!.limits!["hugepages-2Mi"]))).toEqual([
      `${ENGINE}: requests.hugepages-2Mi has no matching limit: set limits.hugepages-2Mi equal to the request.`,
    ]);
    expect(await messages(rule, engine((_pod, main) => delete main.resources!.requests!["ephemeral-storage"]))).toEqual([]);
  });

  it("compares quantities by value, not by spelling", async () => {
    expect(await messages(rule, engine((_pod, main) => (main.resources!.requests!.memory = "16384Mi")))).toEqual([]);
    expect(await messages(rule, engine((_pod, main) => (main.resources!.requests!.cpu = "4")))).toEqual([
      `${ENGINE}: requests.cpu 4 differs from limits.cpu 8: set them equal for Guaranteed QoS.`,
    ]);
  });
});

describe("engine-whole-cpus", () => {
  const rule = "engine-whole-cpus";
  const NONE_PINNED = "no container requests a whole number of CPUs: the engine container must, to get exclusive cores.";

  it("refuses a fractional request of a core or more, and an engine where no container is pinned", async () => {
    expect(await messages(rule, engine((_pod, main) => (main.resources = { requests: { cpu: "2.5", memory: "16Gi" }, limits: { cpu: "2.5", memory: "16Gi" } })))).toEqual([
      `${ENGINE} requests 2.5 CPUs: request a whole number of CPUs so its cores are pinned.`,
      NONE_PINNED,
    ]);
  });

  it("counts neither zero, an unparseable value nor a container without a cpu quantity as pinned", async () => {
    const unpinned: Resources[] = [{ requests: { cpu: "0" }, limits: { cpu: "0" } }, { requests: { cpu: "lots" } }, { requests: { memory: "16Gi" } }, undefined];
    for (const resources of unpinned) {
      expect(await messages(rule, engine((_pod, main) => (main.resources = resources))), JSON.stringify(resources)).toEqual([NONE_PINNED]);
    }
  });

  it("takes the request, else the limit Kubernetes defaults it to, and accepts one whole core however it is written", async () => {
    expect(await messages(rule, engine((_pod, main) => (main.resources = { requests: { cpu: "2" }, limits: { cpu: "2.5" } })))).toEqual([]);
    expect(await messages(rule, engine((_pod, main) => (main.resources = { limits: { cpu: "4" } })))).toEqual([]);
    expect(await messages(rule, engine((_pod, main) => (main.resources = { limits: { cpu: "1.5" } })))).toEqual([`${ENGINE} requests 1.5 CPUs: request a whole number of CPUs so its cores are pinned.`, NONE_PINNED]);
    expect(await messages(rule, engine((_pod, main) => (main.resources = { requests: { cpu: "1000m" } })))).toEqual([]);
  });

  it("does not judge init containers, which leave their cores before the engine starts", async () => {
    const initOnly = engine((pod, main) => {
      pod.initContainers![0].resources = { requests: { cpu: "2" }, limits: { cpu: "2" } };
      main.resources = { requests: { cpu: "500m" }, limits: { cpu: "500m" } };
    });
    expect(await messages(rule, initOnly)).toEqual([NONE_PINNED]);
    expect(await messages(rule, engine((pod) => (pod.initContainers![0].resources = { requests: { cpu: "1.5" }, limits: { cpu: "1.5" } })))).toEqual([]);
  });
});
