/**
 * The network model of a render: every pod the stack runs (the program's, the CloudNativePG
 * instances, the charts' and the EKS add-ons' from tools/data/, and a stranger: an unlabelled pod in
 * `default`), the Services, the NetworkPolicies, and the flows the platform needs, each derived where
 * the render says it (see `neededFlows`).
 */
import { parse } from "yaml";
import type { ClusterNetwork } from "../../components/k8s/network";
import { stackWorkloads } from "../capacity/workloads";
import { chartNetwork, ChartContext, apiFlow } from "../data/chart-flows";
import { embeddedManifests, InventoryEntry } from "../inventory";
import { Address, blockCovers, ContainerPort, NetworkPolicy, Pod, Protocol } from "./evaluate";
import { ModelService, NeededFlow, PodsRef } from "./types";

export interface ModelPod extends Pod {
  /** Where the model took it from: the program, a chart at its version, an EKS add-on, the model itself. */
  source: string;
}

export interface NetworkModel {
  /** Whether the VPC CNI enforces (EKS): egress to a cluster IP is judged before translation. */
  eks: boolean;
  network: ClusterNetwork;
  namespaces: Record<string, Record<string, string>>;
  policies: NetworkPolicy[];
  pods: ModelPod[];
  services: ModelService[];
  flows: NeededFlow[];
  /** Parties outside the pod network the report tries as sources. */
  outsiders: Address[];
}

type K8sObject = { metadata?: { name?: string; namespace?: string; labels?: Record<string, string> }; spec?: Record<string, unknown>; data?: Record<string, string> };
const objects = (inventory: InventoryEntry[], type: string) => inventory.filter((r) => r.type === type).map((r) => r.inputs as K8sObject);
const nsOf = (o: K8sObject) => o.metadata?.namespace ?? "default";

/** The stranger the report tries everything from: a pod with no labels in a namespace no policy covers. */
export const STRANGER = { namespace: "default", name: "any-pod" };

function ipAt(cidr: string, offset: number): string {
  const [base] = cidr.split("/");
  const n = base.split(".").reduce((a, o) => a * 256 + Number(o), 0) + offset;
  return `${[24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join(".")}/32`;
}

function podsOf(inventory: InventoryEntry[], network: ClusterNetwork): ModelPod[] {
  const addresses = network.podCidrs ?? ["0.0.0.0/0"];
  const pods: ModelPod[] = stackWorkloads(inventory).map((w) => {
    const [namespace, name] = w.name.split("/");
    const labels = Object.fromEntries(Object.entries(w.pod.labels).filter(([k]) => k !== "hft.model/workload"));
    return { namespace, name, labels, ports: w.network?.ports ?? [], addresses, hostNetwork: w.network?.hostNetwork, source: w.source };
  });
  // Jobs run pods too (cert-manager's start-up check).
  for (const job of objects(inventory, "kubernetes:batch/v1:Job")) {
    const template = (job.spec?.template ?? {}) as { metadata?: { labels?: Record<string, string> }; spec?: { containers?: { ports?: { name?: string; containerPort: number; protocol?: string }[] }[]; hostNetwork?: boolean } };
    const ports: ContainerPort[] = (template.spec?.containers ?? []).flatMap((c) => (c.ports ?? []).map((p) => ({ name: p.name, port: p.containerPort, protocol: (p.protocol ?? "TCP") as Protocol })));
    pods.push({ namespace: nsOf(job), name: job.metadata?.name ?? "job", labels: template.metadata?.labels ?? {}, ports, addresses, hostNetwork: template.spec?.hostNetwork, source: "program (Job)" });
  }
  pods.push({ ...STRANGER, labels: {}, ports: [], addresses, source: "model: any pod in a namespace without policies" });
  // An existing cluster's DNS is not in the render: CoreDNS as kubeadm and kind deploy it.
  if (!pods.some((p) => p.namespace === "kube-system" && p.labels["k8s-app"] === "kube-dns")) {
    const ports: ContainerPort[] = [{ name: "dns", port: 53, protocol: "UDP" }, { name: "dns-tcp", port: 53, protocol: "TCP" }, { name: "metrics", port: 9153, protocol: "TCP" }];
    pods.push({ namespace: "kube-system", name: "coredns", labels: { "k8s-app": "kube-dns" }, ports, addresses, source: "cluster DNS (CoreDNS, labelled as kubeadm and kind label it)" });
  }
  return pods;
}

function policiesOf(inventory: InventoryEntry[]): NetworkPolicy[] {
  return objects(inventory, "kubernetes:networking.k8s.io/v1:NetworkPolicy").map((o) => ({ name: o.metadata?.name ?? "", namespace: nsOf(o), ...(o.spec as object) }) as NetworkPolicy);
}

function namespacesOf(inventory: InventoryEntry[], pods: ModelPod[]): Record<string, Record<string, string>> {
  const out: Record<string, Record<string, string>> = {};
  for (const name of ["default", "kube-system", ...pods.map((p) => p.namespace)]) out[name] = { "kubernetes.io/metadata.name": name };
  for (const ns of objects(inventory, "kubernetes:core/v1:Namespace")) {
    const name = ns.metadata?.name ?? "";
    out[name] = { ...(ns.metadata?.labels ?? {}), "kubernetes.io/metadata.name": name };
  }
  return out;
}

type ServiceSpec = { selector?: Record<string, string>; clusterIP?: string; ports?: { port: number; targetPort?: number | string; protocol?: Protocol }[]; loadBalancerSourceRanges?: string[]; type?: string };

function programServices(inventory: InventoryEntry[]): ModelService[] {
  return objects(inventory, "kubernetes:core/v1:Service").map((o) => {
    const spec = (o.spec ?? {}) as ServiceSpec;
    return {
      namespace: nsOf(o),
      name: o.metadata?.name ?? "",
      selector: spec.selector,
      headless: spec.clusterIP === "None",
      ports: (spec.ports ?? []).map((p) => ({ port: p.port, targetPort: p.targetPort ?? p.port, protocol: p.protocol ?? "TCP" })),
    };
  });
}

/** The API server, CoreDNS and metrics-server Services every cluster has. */
function clusterServices(network: ClusterNetwork, controlPlane: Address[]): ModelService[] {
  return [
    { namespace: "default", name: "kubernetes", ports: [{ port: 443, targetPort: network.apiServerPort, protocol: "TCP" }], endpoints: { addresses: controlPlane, port: network.apiServerPort }, clusterIp: ipAt(network.serviceCidr, 1) },
    {
      namespace: "kube-system",
      name: "kube-dns",
      selector: { "k8s-app": "kube-dns" },
      clusterIp: ipAt(network.serviceCidr, 10),
      ports: [
        { port: 53, targetPort: 53, protocol: "UDP" },
        { port: 53, targetPort: 53, protocol: "TCP" },
        { port: 9153, targetPort: 9153, protocol: "TCP" },
      ],
    },
    { namespace: "kube-system", name: "metrics-server", selector: { "k8s-app": "metrics-server" }, ports: [{ port: 443, targetPort: "https", protocol: "TCP" }] },
  ];
}

/** CloudNativePG Clusters: the program's, and those a job applies at run time (embedded in a ConfigMap, like the restore drill's). */
function cnpgClusters(inventory: InventoryEntry[]): K8sObject[] {
  const embedded = embeddedManifests(inventory)
    .map((m) => m.object as K8sObject & { kind?: string })
    .filter((o) => o.kind === "Cluster");
  return [...objects(inventory, "kubernetes:postgresql.cnpg.io/v1:Cluster"), ...embedded];
}

/** CloudNativePG's Services for a Cluster: -rw to the primary, -ro to replicas, -r to any instance. */
function cnpgServices(inventory: InventoryEntry[]): ModelService[] {
  return cnpgClusters(inventory).flatMap((c) =>
    ["rw", "ro", "r"].map((suffix) => ({
      namespace: nsOf(c),
      name: `${c.metadata?.name}-${suffix}`,
      // Any instance may be the primary: the model's instances stand for every role.
      selector: { "cnpg.io/cluster": c.metadata?.name ?? "", "cnpg.io/podRole": "instance" },
      ports: [{ port: 5432, targetPort: 5432, protocol: "TCP" as const }],
    })),
  );
}

/** A client range: its addresses less the pods' and the control plane's (on EKS both take addresses there, and are not clients). */
function clients(cidr: string, network: ClusterNetwork): Address {
  const except = [...(network.podCidrs ?? []), ...network.controlPlaneCidrs].filter((p) => p !== cidr && blockCovers({ cidr }, { cidr: p }));
  return { name: `clients ${cidr}`, cidr, ...(except.length ? { except } : {}) };
}

const exact = (pod: ModelPod): PodsRef => ({ namespace: pod.namespace, selector: { matchLabels: pod.labels } });

/** Finds a Service by a DNS name `<svc>.<ns>.svc[.cluster.local]`. */
function serviceByHost(services: ModelService[], host: string): ModelService | undefined {
  const [name, namespace] = host.split(".");
  return services.find((s) => s.name === name && s.namespace === namespace);
}

/**
 * The flows the platform needs, each from where the render says it:
 * - every pod of the platform resolves names through the kube-dns Service;
 * - ServiceMonitors and PodMonitors: Prometheus to each scraped pod's port;
 * - the engine's application.yaml: its Redis, Sentinel and database Services, its peers' ports
 *   (server.port, websocketPort) when it can run more than one pod, its venues;
 * - the external Service's loadBalancerSourceRanges: the clients, to the order port;
 * - a StatefulSet running Sentinel: its pods replicate and gossip among themselves; a CloudNativePG
 *   Cluster: its instances replicate, the operator reads their status, backups go to S3;
 * - a pod whose service account holds RBAC in the render uses the API server;
 * - the charts' own needs (tools/data/chart-flows.ts).
 */
function neededFlows(inventory: InventoryEntry[], pods: ModelPod[], services: ModelService[], ctx: ChartContext & { network: ClusterNetwork }): NeededFlow[] {
  const flows: NeededFlow[] = [];
  const platform = pods.filter((p) => !p.hostNetwork && !p.source.startsWith("EKS add-on") && !p.source.startsWith("model"));
  for (const pod of platform) {
    for (const protocol of ["UDP", "TCP"] as const) {
      flows.push({ name: `${pod.namespace}/${pod.name} -> DNS ${protocol}`, declaredBy: "every pod resolves names (dnsPolicy ClusterFirst)", from: { pods: exact(pod) }, to: { service: "kube-system/kube-dns", port: 53 }, protocol });
    }
  }
  for (const chart of inventory.filter((r) => r.type.startsWith("kubernetes:helm.sh/"))) {
    const namespace = typeof chart.inputs.namespace === "string" ? chart.inputs.namespace : "default";
    const found = chartNetwork(String(chart.inputs.chart), namespace, (chart.inputs.values ?? {}) as Record<string, unknown>, ctx);
    flows.push(...found.flows);
  }
  const prometheus = pods.find((p) => p.labels["app.kubernetes.io/name"] === "prometheus");
  if (prometheus) flows.push(...monitorFlows(inventory, services, { namespace: prometheus.namespace, selector: { matchLabels: { "app.kubernetes.io/name": "prometheus" } } }));
  flows.push(...shipperFlows(inventory, ctx),
    ...engineFlows(inventory, services), ...clientFlows(inventory, services, ctx.network), ...replicationFlows(inventory, pods, ctx), ...apiClientFlows(inventory));
  return flows;
}

function monitorFlows(inventory: InventoryEntry[], services: ModelService[], prometheus: PodsRef): NeededFlow[] {
  const flows: NeededFlow[] = [];
  for (const m of objects(inventory, "kubernetes:monitoring.coreos.com/v1:ServiceMonitor")) {
    const spec = m.spec as { selector: { matchLabels?: Record<string, string> }; endpoints: { port: string }[] };
    const svcs = objects(inventory, "kubernetes:core/v1:Service").filter((s) => nsOf(s) === nsOf(m) && Object.entries(spec.selector.matchLabels ?? {}).every(([k, v]) => s.metadata?.labels?.[k] === v));
    for (const s of svcs) {
      const model = services.find((x) => x.namespace === nsOf(s) && x.name === s.metadata?.name)!;
      const named = ((s.spec as ServiceSpec).ports ?? []) as { name?: string; port: number; targetPort?: number | string }[];
      for (const e of spec.endpoints) {
        const port = named.find((p) => p.name === e.port);
        if (!port || !model.selector) continue;
        flows.push({
          name: `scrape ${nsOf(m)}/${m.metadata?.name} ${e.port}`,
          declaredBy: `ServiceMonitor ${nsOf(m)}/${m.metadata?.name} (Service ${model.name} port ${e.port})`,
          from: { pods: prometheus },
          to: { pods: { namespace: model.namespace, selector: { matchLabels: model.selector } }, port: port.targetPort ?? port.port },
          protocol: "TCP",
        });
      }
    }
  }
  for (const m of objects(inventory, "kubernetes:monitoring.coreos.com/v1:PodMonitor")) {
    const spec = m.spec as { selector: { matchLabels?: Record<string, string> }; podMetricsEndpoints: { port: string }[] };
    for (const e of spec.podMetricsEndpoints) {
      flows.push({ name: `scrape ${nsOf(m)}/${m.metadata?.name} ${e.port}`, declaredBy: `PodMonitor ${nsOf(m)}/${m.metadata?.name}`, from: { pods: prometheus }, to: { pods: { namespace: nsOf(m), selector: spec.selector }, port: e.port }, protocol: "TCP" });
    }
  }
  return flows;
}

type PodSpecLike = { volumes?: { configMap?: { name?: string } }[]; serviceAccountName?: string; automountServiceAccountToken?: boolean };
type WorkloadObject = K8sObject & { spec?: { replicas?: number; selector?: { matchLabels?: Record<string, string> }; template?: { spec?: PodSpecLike } } };

function programWorkloadObjects(inventory: InventoryEntry[]): WorkloadObject[] {
  return ["StatefulSet", "Deployment", "DaemonSet"].flatMap((k) => objects(inventory, `kubernetes:apps/v1:${k}`));
}

/** The engine's own configuration names its data stores, its peers' ports and its venues. */
function engineFlows(inventory: InventoryEntry[], services: ModelService[]): NeededFlow[] {
  const flows: NeededFlow[] = [];
  for (const cm of objects(inventory, "kubernetes:core/v1:ConfigMap").filter((c) => c.data?.["application.yaml"])) {
    const app = parse(cm.data!["application.yaml"]) as {
      server?: { port: number; websocketPort: number };
      redis?: { host: string; port: number; sentinel?: { host: string; port: number } };
      database?: { host: string; port: number };
      venues?: { name: string; cidrs: string[]; ports: { protocol: Protocol; port: number; end_port?: number }[] }[];
    };
    const workload = programWorkloadObjects(inventory).find((w) => nsOf(w) === nsOf(cm) && (w.spec?.template?.spec?.volumes ?? []).some((v) => v.configMap?.name === cm.metadata?.name));
    if (!workload?.spec?.selector?.matchLabels) continue;
    const engine: PodsRef = { namespace: nsOf(workload), selector: { matchLabels: workload.spec.selector.matchLabels } };
    const id = `${engine.namespace}/${workload.metadata?.name}`;
    const declared = (key: string) => `ConfigMap ${nsOf(cm)}/${cm.metadata?.name} application.yaml ${key}`;
    const via = (key: string, host: string | undefined, port: number | undefined) => {
      const svc = host ? serviceByHost(services, host) : undefined;
      if (svc && port) flows.push({ name: `${id} -> ${svc.namespace}/${svc.name}:${port}`, declaredBy: declared(key), from: { pods: engine }, to: { service: `${svc.namespace}/${svc.name}`, port }, protocol: "TCP" });
    };
    via("redis", app.redis?.host, app.redis?.port);
    via("redis.sentinel", app.redis?.sentinel?.host, app.redis?.sentinel?.port);
    via("database", app.database?.host, app.database?.port);
    // Sentinel answers with the master's own address: the engine then connects to that pod directly.
    const redisService = app.redis?.sentinel && app.redis.host ? serviceByHost(services, app.redis.host) : undefined;
    if (redisService?.selector) {
      flows.push({ name: `${id} -> Redis master pod`, declaredBy: declared("redis.sentinel"), from: { pods: engine }, to: { pods: { namespace: redisService.namespace, selector: { matchLabels: redisService.selector } }, port: app.redis!.port }, protocol: "TCP" });
    }
    const hpa = objects(inventory, "kubernetes:autoscaling/v2:HorizontalPodAutoscaler").find((h) => nsOf(h) === engine.namespace && (h.spec?.scaleTargetRef as { name?: string })?.name === workload.metadata?.name);
    const most = Math.max(workload.spec.replicas ?? 1, Number(hpa?.spec?.maxReplicas ?? 0));
    if (app.server && most > 1) {
      for (const port of [app.server.port, app.server.websocketPort]) {
        flows.push({ name: `${id} peers ${port}`, declaredBy: `${declared("server")} (up to ${most} pods)`, from: { pods: engine }, to: { pods: engine, port }, protocol: "TCP" });
      }
    }
    for (const v of app.venues ?? []) {
      for (const cidr of v.cidrs) {
        for (const p of v.ports) {
          flows.push({ name: `${id} -> venue ${v.name} ${cidr} ${p.protocol} ${p.port}${p.end_port ? `-${p.end_port}` : ""}`, declaredBy: declared(`venues[${v.name}]`), from: { pods: engine }, to: { address: { name: `venue ${v.name}`, cidr }, port: p.port, endPort: p.end_port }, protocol: p.protocol });
        }
      }
    }
  }
  return flows;
}

/**
 * A log shipper whose Fluent Bit configuration sends to CloudWatch Logs or S3: those endpoints have no
 * fixed addresses (HTTPS to the internet), and the credentials come from the EKS Pod Identity agent.
 */
function shipperFlows(inventory: InventoryEntry[], ctx: ChartContext): NeededFlow[] {
  const flows: NeededFlow[] = [];
  for (const cm of objects(inventory, "kubernetes:core/v1:ConfigMap")) {
    const outputs = [...(cm.data?.["fluent-bit.conf"] ?? "").matchAll(/^\s*Name\s+(cloudwatch_logs|s3)\s*$/gm)].map((m) => m[1]);
    if (outputs.length === 0) continue;
    const workload = programWorkloadObjects(inventory).find((w) => nsOf(w) === nsOf(cm) && (w.spec?.template?.spec?.volumes ?? []).some((v) => v.configMap?.name === cm.metadata?.name));
    if (!workload?.spec?.selector?.matchLabels) continue;
    const from = { pods: { namespace: nsOf(workload), selector: { matchLabels: workload.spec.selector.matchLabels } } };
    const by = `ConfigMap ${nsOf(cm)}/${cm.metadata?.name} fluent-bit.conf outputs ${[...new Set(outputs)].join(", ")}`;
    flows.push(
      { name: `${nsOf(workload)}/${workload.metadata?.name} log shipper -> AWS`, declaredBy: by, from, to: { address: ctx.internet, port: 443 }, protocol: "TCP" },
      { name: `${nsOf(workload)}/${workload.metadata?.name} log shipper -> pod identity agent`, declaredBy: by, from, to: { address: { name: "EKS Pod Identity agent", cidr: "169.254.170.23/32" }, port: 80 }, protocol: "TCP" },
    );
  }
  return flows;
}

/** A load balancer's clients, by its source ranges, to the pods behind it. */
function clientFlows(inventory: InventoryEntry[], services: ModelService[], network: ClusterNetwork): NeededFlow[] {
  return objects(inventory, "kubernetes:core/v1:Service")
    .filter((s) => (s.spec as ServiceSpec).type === "LoadBalancer")
    .flatMap((s) => {
      const spec = s.spec as ServiceSpec;
      const model = services.find((x) => x.namespace === nsOf(s) && x.name === s.metadata?.name)!;
      return (spec.loadBalancerSourceRanges ?? []).flatMap((cidr) =>
        model.ports.map((p) => ({
          name: `clients ${cidr} -> ${model.namespace}/${model.name}:${p.port}`,
          declaredBy: `Service ${model.namespace}/${model.name} loadBalancerSourceRanges`,
          // externalTrafficPolicy Local keeps the client's address; pods are never the clients.
          from: { address: clients(cidr, network) },
          to: { pods: { namespace: model.namespace, selector: { matchLabels: model.selector ?? {} } }, port: p.targetPort },
          protocol: p.protocol,
        })),
      );
    });
}

function replicationFlows(inventory: InventoryEntry[], pods: ModelPod[], ctx: ChartContext): NeededFlow[] {
  const flows: NeededFlow[] = [];
  for (const sts of objects(inventory, "kubernetes:apps/v1:StatefulSet") as WorkloadObject[]) {
    const pod = pods.find((p) => p.namespace === nsOf(sts) && p.name === sts.metadata?.name);
    const replicas = sts.spec?.replicas ?? 1;
    if (!pod || replicas < 2 || !pod.ports.some((p) => p.name === "sentinel")) continue;
    const self: PodsRef = { namespace: pod.namespace, selector: { matchLabels: sts.spec!.selector!.matchLabels! } };
    for (const port of ["redis", "sentinel"]) {
      flows.push({ name: `${pod.namespace}/${pod.name} replication ${port}`, declaredBy: `StatefulSet ${pod.namespace}/${pod.name}: Sentinel, ${replicas} replicas`, from: { pods: self }, to: { pods: self, port }, protocol: "TCP" });
    }
  }
  const operator = pods.find((p) => p.labels["app.kubernetes.io/name"] === "cloudnative-pg");
  for (const c of cnpgClusters(inventory)) {
    const name = c.metadata?.name ?? "";
    const instances: PodsRef = { namespace: nsOf(c), selector: { matchLabels: { "cnpg.io/cluster": name, "cnpg.io/podRole": "instance" } } };
    const spec = c.spec as { instances?: number; plugins?: unknown[]; externalClusters?: { plugin?: unknown }[] };
    const by = `Cluster ${nsOf(c)}/${name}`;
    flows.push(apiFlow(`${nsOf(c)}/${name} instances`, instances, `${by}: the instance manager watches its Cluster`));
    if ((spec.instances ?? 1) > 1) flows.push({ name: `${nsOf(c)}/${name} replication`, declaredBy: `${by}: ${spec.instances} instances stream WAL`, from: { pods: instances }, to: { pods: instances, port: "postgresql" }, protocol: "TCP" });
    if (operator) flows.push({ name: `cnpg operator -> ${nsOf(c)}/${name} status`, declaredBy: `${by}: the operator reads each instance's status`, from: { pods: exact(operator) }, to: { pods: instances, port: "status" }, protocol: "TCP" });
    // Backups through the Barman Cloud plugin, or a recovery from its object store: S3, with Pod Identity's credentials.
    if ((spec.plugins ?? []).length > 0 || (spec.externalClusters ?? []).some((e) => e.plugin)) {
      flows.push(
        { name: `${nsOf(c)}/${name} backups -> S3`, declaredBy: `${by}: Barman Cloud plugin (backups or recovery from S3)`, from: { pods: instances }, to: { address: ctx.internet, port: 443 }, protocol: "TCP" },
        { name: `${nsOf(c)}/${name} -> pod identity agent`, declaredBy: `${by}: S3 credentials from EKS Pod Identity`, from: { pods: instances }, to: { address: { name: "EKS Pod Identity agent", cidr: "169.254.170.23/32" }, port: 80 }, protocol: "TCP" },
      );
    }
  }
  return flows;
}

/** Pods whose service account is bound to a Role or ClusterRole in the render call the API server. */
function apiClientFlows(inventory: InventoryEntry[]): NeededFlow[] {
  const bound = new Set(
    [...objects(inventory, "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding"), ...objects(inventory, "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding")].flatMap((b) =>
      ((b as { subjects?: { kind: string; name: string; namespace?: string }[] }).subjects ?? []).filter((s) => s.kind === "ServiceAccount").map((s) => `${s.namespace ?? nsOf(b)}/${s.name}`),
    ),
  );
  const cronJobs = objects(inventory, "kubernetes:batch/v1:CronJob").map((c) => ({ ...c, spec: (c.spec as { jobTemplate: { spec: WorkloadObject["spec"] } }).jobTemplate.spec }));
  const withPods = [...programWorkloadObjects(inventory), ...(objects(inventory, "kubernetes:batch/v1:Job") as WorkloadObject[]), ...cronJobs];
  return withPods
    .filter((w) => w.spec?.template?.spec?.automountServiceAccountToken !== false && bound.has(`${nsOf(w)}/${w.spec?.template?.spec?.serviceAccountName ?? "default"}`))
    .map((w) => {
      const labels = (w.spec?.template as { metadata?: { labels?: Record<string, string> } }).metadata?.labels ?? {};
      return apiFlow(`${nsOf(w)}/${w.metadata?.name}`, { namespace: nsOf(w), selector: { matchLabels: labels } }, `service account ${w.spec?.template?.spec?.serviceAccountName} has RBAC in the render`);
    });
}

/** The model of a render; `network` is the program's `clusterNetwork` output. */
export function networkModel(inventory: InventoryEntry[], network: ClusterNetwork): NetworkModel {
  const eks = inventory.some((r) => r.type === "eks:index:Cluster");
  const controlPlane: Address[] = network.controlPlaneCidrs.map((cidr) => ({ name: `control plane ${cidr}`, cidr }));
  const ctx: ChartContext & { network: ClusterNetwork } = {
    network,
    controlPlane,
    apiServerPort: network.apiServerPort,
    nodes: { name: "nodes", cidr: network.nodeCidr },
    internet: { name: "the internet", cidr: "0.0.0.0/0", except: ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "169.254.0.0/16"] },
  };
  const pods = podsOf(inventory, network);
  const services = [...programServices(inventory), ...cnpgServices(inventory), ...clusterServices(network, controlPlane)];
  for (const chart of inventory.filter((r) => r.type.startsWith("kubernetes:helm.sh/"))) {
    const namespace = typeof chart.inputs.namespace === "string" ? chart.inputs.namespace : "default";
    services.push(...chartNetwork(String(chart.inputs.chart), namespace, (chart.inputs.values ?? {}) as Record<string, unknown>, ctx).services);
  }
  const clientRanges = objects(inventory, "kubernetes:core/v1:Service").flatMap((s) => ((s.spec as ServiceSpec).loadBalancerSourceRanges ?? []).map((cidr) => clients(cidr, network)));
  return {
    eks,
    network,
    namespaces: namespacesOf(inventory, pods),
    policies: policiesOf(inventory),
    pods,
    services,
    flows: neededFlows(inventory, pods, services, ctx),
    outsiders: [...controlPlane, ...clientRanges, { name: "an internet address", cidr: "192.0.2.1/32" }],
  };
}
