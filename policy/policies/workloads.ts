import { containersOf, ENGINE_IDENTITY_SCHEMA, EngineIdentity, isEnginePod, isEngineWorkload, parseQuantity, podSpecOf, POD_TYPES, Quantity, QUANTITY_PATTERN, ResourceList, Workload } from "../kubernetes";
import { has, HftPolicy, knownValue, resourceRule } from "../rules";

const REQUIRED = ["requests.cpu", "requests.memory", "limits.cpu", "limits.memory"] as const;

function field(resources: { requests?: ResourceList; limits?: ResourceList } | undefined, path: (typeof REQUIRED)[number]): boolean {
  const [kind, resource] = path.split(".") as ["requests" | "limits", string];
  return has(resources?.[kind], resource);
}

const containerResourcesSet = resourceRule<Workload>(
  {
    name: "container-resources-set",
    description: "Every container and init container sets CPU and memory requests and limits above zero: add them under resources.requests and resources.limits.",
    enforcementLevel: "mandatory",
    targetTypes: POD_TYPES,
  },
  (workload, report, _config, args) => {
    for (const { container, label } of containersOf(podSpecOf(args.type, workload))) {
      const missing = REQUIRED.filter((path) => !field(container.resources, path));
      if (missing.length > 0) report(`${label} has no ${missing.join(", ")}: set resources.requests and resources.limits for cpu and memory.`);
      // A zero request reserves nothing and a zero limit bounds nothing. Missing quantities (reported above)
      // and quantities unknown during preview parse to undefined and are not judged here.
      for (const path of REQUIRED) {
        const [kind, resource] = path.split(".") as ["requests" | "limits", string];
        const raw = knownValue(container.resources?.[kind], resource) as Quantity | undefined;
        const value = parseQuantity(raw);
        if (value === undefined || value > 0) continue;
        report(`${label} sets ${path} ${String(raw)}: a zero ${kind === "requests" ? "request reserves" : "limit bounds"} nothing. Set it above 0.`);
      }
    }
  },
);

interface BoundsConfig {
  maxCpu: number;
  maxMemory: string;
}

const containerResourcesWithinBounds = resourceRule<Workload, BoundsConfig>(
  {
    name: "container-resources-within-bounds",
    description: "Container CPU and memory requests and limits are valid quantities no larger than the stack's maxCpu/maxMemory: size the container down or raise the bound in the stack's policy config.",
    enforcementLevel: "mandatory",
    targetTypes: POD_TYPES,
    configSchema: {
      properties: {
        maxCpu: { type: "number", exclusiveMinimum: 0, default: 16, description: "Largest CPU request or limit of one container, in cores." },
        maxMemory: { type: "string", pattern: QUANTITY_PATTERN, default: "64Gi", description: "Largest memory request or limit of one container (a Kubernetes quantity)." },
      },
    },
  },
  (workload, report, config, args) => {
    const maxima = { cpu: config.maxCpu, memory: parseQuantity(config.maxMemory) ?? 0 };
    const shown = { cpu: `${config.maxCpu} cores`, memory: config.maxMemory };
    for (const { container, label } of containersOf(podSpecOf(args.type, workload))) {
      for (const kind of ["requests", "limits"] as const) {
        const list = container.resources?.[kind];
        for (const resource of ["cpu", "memory"] as const) {
          const raw = list?.[resource];
          if (raw === undefined) continue;
          const value = parseQuantity(raw);
          if (value === undefined) report(`${label}: ${kind}.${resource} "${String(raw)}" is not a Kubernetes quantity.`);
          else if (value > maxima[resource]) report(`${label}: ${kind}.${resource} ${String(raw)} exceeds the stack's maximum of ${shown[resource]}.`);
        }
      }
    }
  },
);

const containerLimitsCoverRequests = resourceRule<Workload>(
  {
    name: "container-limits-cover-requests",
    description: "No container requests more of a resource than its limit (the API server would reject the pod): raise the limit or lower the request.",
    enforcementLevel: "mandatory",
    targetTypes: POD_TYPES,
  },
  (workload, report, _config, args) => {
    for (const { container, label } of containersOf(podSpecOf(args.type, workload))) {
      const requests = container.resources?.requests ?? {};
      const limits = container.resources?.limits ?? {};
      for (const resource of Object.keys(requests)) {
        // A resource without a limit, or a quantity that does not parse (judged by container-resources-within-bounds), is not compared.
        const request = parseQuantity(requests[resource]);
        const limit = parseQuantity(limits[resource]);
        if (request === undefined || limit === undefined || request <= limit) continue;
        report(`${label}: requests.${resource} ${String(requests[resource])} is above limits.${resource} ${String(limits[resource])}.`);
      }
    }
  },
);

/** The engine by its identity, and any pod that tolerates its taint: both end up on its cores. */
function judgedAsEngine(type: string, workload: Workload, identity: EngineIdentity): boolean {
  return isEngineWorkload(type, workload, identity) || isEnginePod(podSpecOf(type, workload));
}

const NOT_ENGINE = "neither the engine (by the identity in the stack's policy config) nor tolerating the engine taint";

const engineGuaranteedQos = resourceRule<Workload, { engine: EngineIdentity }>(
  {
    name: "engine-guaranteed-qos",
    description: "The engine (by identity) and pods tolerating node-type=high-performance are Guaranteed QoS: every container sets cpu and memory limits and requests equal to limits.",
    enforcementLevel: "mandatory",
    targetTypes: POD_TYPES,
    configSchema: { properties: { engine: ENGINE_IDENTITY_SCHEMA } },
  },
  (workload, report, config, args) => {
    const pod = podSpecOf(args.type, workload);
    if (!judgedAsEngine(args.type, workload, config.engine)) args.notApplicable(NOT_ENGINE);
    for (const { container, label } of containersOf(pod)) {
      const requests = container.resources?.requests ?? {};
      const limits = container.resources?.limits ?? {};
      for (const resource of ["cpu", "memory"]) {
        if (!has(limits, resource)) report(`${label} has no limits.${resource}: the engine must be Guaranteed QoS.`);
      }
      const names = new Set([...Object.keys(requests), ...Object.keys(limits)]);
      for (const resource of names) {
        // Kubernetes defaults a missing request to the limit; a request without a limit has no such default.
        if (!has(limits, resource)) {
          if (resource !== "cpu" && resource !== "memory") report(`${label}: requests.${resource} has no matching limit: set limits.${resource} equal to the request.`);
          continue;
        }
        if (!has(requests, resource)) continue;
        if (parseQuantity(requests[resource]) !== parseQuantity(limits[resource])) {
          report(`${label}: requests.${resource} ${String(requests[resource])} differs from limits.${resource} ${String(limits[resource])}: set them equal for Guaranteed QoS.`);
        }
      }
    }
  },
);

const engineWholeCpus = resourceRule<Workload, { engine: EngineIdentity }>(
  {
    name: "engine-whole-cpus",
    description: "The engine (by identity) and pods tolerating node-type=high-performance request whole CPUs (so the static CPU manager pins them) in every container asking for a core or more, and in at least one.",
    enforcementLevel: "mandatory",
    targetTypes: POD_TYPES,
    configSchema: { properties: { engine: ENGINE_IDENTITY_SCHEMA } },
  },
  (workload, report, config, args) => {
    const pod = podSpecOf(args.type, workload);
    if (!judgedAsEngine(args.type, workload, config.engine)) args.notApplicable(NOT_ENGINE);
    let pinned = false;
    for (const { container, label } of containersOf(pod).filter((c) => !c.init)) {
      // Kubernetes defaults a missing request to the limit. A quantity that does not parse counts as none.
      const raw = container.resources?.requests?.cpu ?? container.resources?.limits?.cpu;
      const cores = parseQuantity(raw) ?? 0;
      if (Number.isInteger(cores) && cores > 0) pinned = true;
      else if (cores >= 1) report(`${label} requests ${String(raw)} CPUs: request a whole number of CPUs so its cores are pinned.`);
    }
    if (!pinned) report("no container requests a whole number of CPUs: the engine container must, to get exclusive cores.");
  },
);

export const workloadPolicies: HftPolicy[] = [
  containerResourcesSet,
  containerResourcesWithinBounds,
  containerLimitsCoverRequests,
  engineGuaranteedQos,
  engineWholeCpus,
];
