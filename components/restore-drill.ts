import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { stringify } from "yaml";
import { RestoreDrillConfig } from "./config";
import { standardLabels } from "./k8s/labels";
import { AlertRule, MonitoringHandle, prometheusRule } from "./k8s/monitoring";
import { PlatformNamespace } from "./k8s/namespace";
import { apiServerEgress, DNS_EGRESS, internetEgress, namespacePeer, networkPolicy, NetworkPolicyArgs, tcp } from "./k8s/network";
import { container, resources, restrictedPodSecurityContext } from "./k8s/pod";
import { WorkloadCluster } from "./k8s/workload-cluster";
import { MARKET_DATA_POLICIES } from "./market-data-schema";
import { BARMAN_CLOUD_PLUGIN } from "./postgres-operator";

export const DRILL_NAMESPACE = "hft-restore-drill";
/** The scratch Cluster's name, and so the service account its pods run as (the backup reader's identity). */
export const DRILL_CLUSTER = "restore-drill";
const RUNNER = "restore-drill-runner";
/**
 * Below every other pod (default 0) and never preempting: when a node is lost mid-drill the
 * scheduler evicts the drill's pods to place the platform's, and the next slot runs it again.
 */
export const DRILL_PRIORITY = { name: "restore-drill", value: -1000 } as const;
const SOURCE_STORE = "restore-drill-source";
/** ConfigMaps labelled so hold manifests a job applies at run time: the render validates and counts them too. */
export const EMBEDDED_MANIFESTS_LABEL = { "hft-platform/embedded-manifests": "true" } as const;
const PORTS = { postgres: 5432, status: 8000 } as const;
const POD_IDENTITY_AGENT = { cidr: "169.254.170.23/32", port: 80 } as const;

export interface RestoreDrillArgs extends RestoreDrillConfig {
  /** The database whose backups are restored: its Cluster name (Barman's server name), database, owner and image. */
  source: { cluster: string; database: string; owner: string; image: string; postgresMajor: number; postgresUid: number; extensionImage?: string };
  /** Where the backups are, read through the reader's pod identity. */
  store: { destinationPath: pulumi.Input<string>; region: pulumi.Input<string>; readerReady: pulumi.Resource[] };
  /** The Barman Cloud sidecar's size, as the database's own instances run it. */
  sidecar: { cpu: string; memory: string };
  /** The CloudNativePG operator and its plugin, and where they run (they call the scratch pods' status port). */
  operator: { ready: pulumi.Resource[]; namespace: string; podSelector: Record<string, string> };
  monitoring: MonitoringHandle;
  cluster: WorkloadCluster;
}

/**
 * The restore drill: on a schedule a runner restores the latest backup into a scratch CloudNativePG
 * Cluster (recovery bootstrap through the Barman Cloud plugin, read-only credentials) in its own
 * namespace, checks the schema and counts the market-data rows, reports how long recovery took and
 * the newest tick recovered, and removes the scratch cluster. kube-state-metrics' CronJob and Job
 * metrics carry the outcome; alerts fire when the last success is too old or a run fails.
 */
export class RestoreDrill extends pulumi.ComponentResource {
  constructor(name: string, args: RestoreDrillArgs, opts?: pulumi.ComponentResourceOptions) {
    super("hft:platform:RestoreDrill", name, {}, opts);
    const labels = standardLabels({ name: DRILL_CLUSTER, component: "restore-drill" });
    const ns = new PlatformNamespace(DRILL_NAMESPACE, { name: DRILL_NAMESPACE, labels, podSecurity: "restricted", provider: args.cluster.provider }, { parent: this });
    const k8sOpts = { parent: this, provider: args.cluster.provider, dependsOn: [ns] };
    const meta = (objectName: string, extra: Record<string, string> = {}) => ({ name: objectName, namespace: DRILL_NAMESPACE, labels: { ...labels, ...extra } });
    const afterOperator = { ...k8sOpts, dependsOn: [ns, ...args.operator.ready] };

    new k8s.apiextensions.CustomResource(
      `${name}-catalog`,
      {
        apiVersion: "postgresql.cnpg.io/v1",
        kind: "ImageCatalog",
        metadata: meta(DRILL_CLUSTER),
        spec: { images: [{ major: args.source.postgresMajor, image: args.source.image }] },
      },
      afterOperator,
    );
    new k8s.apiextensions.CustomResource(
      `${name}-source`,
      {
        apiVersion: "barmancloud.cnpg.io/v1",
        kind: "ObjectStore",
        metadata: meta(SOURCE_STORE),
        spec: {
          // The database's own destination; the reader's role can list and read there, nothing more.
          configuration: { destinationPath: args.store.destinationPath, s3Credentials: { inheritFromIAMRole: true } },
          instanceSidecarConfiguration: {
            resources: resources({ cpu: args.sidecar.cpu, memory: args.sidecar.memory }),
            env: [{ name: "AWS_DEFAULT_REGION", value: args.store.region }],
          },
        },
      },
      afterOperator,
    );

    new k8s.scheduling.v1.PriorityClass(
      `${name}-priority`,
      {
        metadata: { name: DRILL_PRIORITY.name, labels },
        value: DRILL_PRIORITY.value,
        globalDefault: false,
        preemptionPolicy: "Never",
        description: "Restore drill pods: scheduled into spare room only, evicted first when a node is lost",
      },
      { parent: this, provider: args.cluster.provider },
    );

    const runnerLabels = { ...labels, "app.kubernetes.io/name": RUNNER };
    new k8s.core.v1.ConfigMap(
      `${name}-files`,
      {
        metadata: meta(DRILL_CLUSTER, EMBEDDED_MANIFESTS_LABEL),
        data: { "cluster.yaml": stringify(scratchCluster(args, labels)), "drill.sh": drillScript(args), "check.sql": checkSql() },
      },
      k8sOpts,
    );
    const account = new k8s.core.v1.ServiceAccount(`${name}-runner`, { metadata: meta(RUNNER), automountServiceAccountToken: false }, k8sOpts);
    const role = new k8s.rbac.v1.Role(`${name}-runner`, { metadata: meta(RUNNER), rules: runnerRules() }, k8sOpts);
    new k8s.rbac.v1.RoleBinding(
      `${name}-runner`,
      {
        metadata: meta(RUNNER),
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: role.metadata.name },
        subjects: [{ kind: "ServiceAccount", name: account.metadata.name, namespace: DRILL_NAMESPACE }],
      },
      k8sOpts,
    );

    const timeoutSeconds = args.timeoutMinutes * 60;
    new k8s.batch.v1.CronJob(
      `${name}-cronjob`,
      {
        metadata: meta(DRILL_CLUSTER),
        spec: {
          schedule: args.schedule,
          timeZone: "Etc/UTC",
          // One drill at a time; a missed slot runs late rather than twice.
          concurrencyPolicy: "Forbid",
          startingDeadlineSeconds: 3600,
          successfulJobsHistoryLimit: 3,
          failedJobsHistoryLimit: 3,
          jobTemplate: {
            metadata: { labels: runnerLabels },
            spec: {
              backoffLimit: 0,
              // The runner's own timeout plus ten minutes to remove the scratch cluster.
              activeDeadlineSeconds: timeoutSeconds + 600,
              template: {
                metadata: { labels: runnerLabels },
                spec: {
                  serviceAccountName: account.metadata.name,
                  priorityClassName: DRILL_PRIORITY.name,
                  // The runner talks to the API server; its token is projected only here.
                  automountServiceAccountToken: true,
                  restartPolicy: "Never",
                  securityContext: restrictedPodSecurityContext(),
                  containers: [
                    container({
                      name: "drill",
                      image: args.image,
                      command: ["/bin/sh", "/drill/drill.sh"],
                      env: [
                        { name: "TIMEOUT", value: `${timeoutSeconds}s` },
                        { name: "DATABASE", value: args.source.database },
                      ],
                      resources: { cpu: args.runner.cpu, memory: args.runner.memory },
                      volumeMounts: [
                        { name: "drill", mountPath: "/drill", readOnly: true },
                        { name: "tmp", mountPath: "/tmp" },
                      ],
                    }),
                  ],
                  volumes: [
                    { name: "drill", configMap: { name: DRILL_CLUSTER } },
                    // kubectl's discovery cache; the root filesystem stays read-only.
                    { name: "tmp", emptyDir: { medium: "Memory", sizeLimit: "64Mi" } },
                  ],
                },
              },
            },
          },
        },
      },
      // The scratch pods get their credentials from the reader's pod-identity association.
      { ...k8sOpts, dependsOn: [ns, ...args.store.readerReady, ...args.operator.ready] },
    );

    this.networkPolicies(name, args, labels, k8sOpts);
    prometheusRule(
      { name: DRILL_CLUSTER, namespace: DRILL_NAMESPACE, labels, monitoring: args.monitoring, provider: args.cluster.provider, parent: this },
      "restore-drill",
      restoreDrillAlerts(args),
    );
    this.registerOutputs({ namespace: DRILL_NAMESPACE });
  }

  /**
   * The namespace denies everything by default. The runner reaches DNS and the API server only (it
   * applies, waits for and execs into the scratch cluster through the API). Scratch pods talk to each
   * other, take status calls from the operator, and reach DNS, the API server, S3 over HTTPS and the
   * node's pod-identity agent; nothing may connect to their PostgreSQL from outside the namespace.
   */
  private networkPolicies(
    name: string,
    args: RestoreDrillArgs,
    labels: Record<string, string>,
    opts: pulumi.CustomResourceOptions,
  ): void {
    const policy = (policyName: string, spec: Omit<NetworkPolicyArgs, "name" | "namespace" | "labels">) =>
      networkPolicy(`${name}-${policyName}`, { name: policyName, namespace: DRILL_NAMESPACE, labels, ...spec }, opts);
    const scratchPods = { matchLabels: { "cnpg.io/cluster": DRILL_CLUSTER } };
    const network = args.cluster.network;
    policy("restore-drill-runner", {
      podSelector: { matchLabels: { "app.kubernetes.io/name": RUNNER } },
      ingress: [],
      egress: [DNS_EGRESS, ...apiServerEgress(network)],
    });
    policy("restore-drill-scratch", {
      podSelector: scratchPods,
      ingress: [
        { from: [{ podSelector: scratchPods }], ports: tcp(PORTS.postgres, PORTS.status) },
        { from: [namespacePeer(args.operator.namespace, args.operator.podSelector)], ports: tcp(PORTS.status) },
      ],
      egress: [
        DNS_EGRESS,
        { to: [{ podSelector: scratchPods }], ports: tcp(PORTS.postgres, PORTS.status) },
        ...apiServerEgress(network),
        // S3 has no fixed addresses a NetworkPolicy could name: HTTPS to the public internet, nothing else.
        internetEgress(network, tcp(443)),
        { to: [{ ipBlock: { cidr: POD_IDENTITY_AGENT.cidr } }], ports: tcp(POD_IDENTITY_AGENT.port) },
      ],
    });
  }
}

/**
 * What the runner may do, in its namespace only: manage the scratch Cluster, find its pods, and run
 * the checks in the primary (pods/exec: "create" for SPDY, "get" for the WebSocket upgrade kubectl
 * uses from Kubernetes 1.31). No Secrets, no other namespace, nothing cluster-wide.
 */
export function runnerRules(): k8s.types.input.rbac.v1.PolicyRule[] {
  return [
    { apiGroups: ["postgresql.cnpg.io"], resources: ["clusters"], verbs: ["get", "list", "watch", "create", "patch", "delete"] },
    { apiGroups: [""], resources: ["pods"], verbs: ["get", "list"] },
    { apiGroups: [""], resources: ["pods/exec"], verbs: ["create", "get"] },
  ];
}

/** The scratch Cluster: one instance recovered from the database's latest backup and WAL. */
export function scratchCluster(args: Pick<RestoreDrillArgs, "source" | "instance" | "cluster">, labels: Record<string, string>): Record<string, unknown> {
  const quantities = { cpu: args.instance.cpu, memory: args.instance.memory };
  return {
    apiVersion: "postgresql.cnpg.io/v1",
    kind: "Cluster",
    metadata: { name: DRILL_CLUSTER, namespace: DRILL_NAMESPACE, labels },
    spec: {
      instances: 1,
      imageCatalogRef: { apiGroup: "postgresql.cnpg.io", kind: "ImageCatalog", name: DRILL_CLUSTER, major: args.source.postgresMajor },
      priorityClassName: DRILL_PRIORITY.name,
      postgresUID: args.source.postgresUid,
      postgresGID: args.source.postgresUid,
      inheritedMetadata: { labels },
      storage: { storageClass: args.cluster.storage.classes.fastSsd, size: args.instance.storage },
      resources: resources(quantities),
      postgresql: {
        shared_preload_libraries: ["timescaledb"],
        parameters: { "timescaledb.telemetry_level": "off" },
        ...(args.source.extensionImage ? { extensions: [{ name: "timescaledb-oss", image: { reference: args.source.extensionImage } }] } : {}),
      },
      bootstrap: { recovery: { source: "origin", database: args.source.database, owner: args.source.owner } },
      externalClusters: [
        {
          name: "origin",
          // Barman's server name is the source Cluster's name: the folder its backups are under.
          plugin: { name: BARMAN_CLOUD_PLUGIN, parameters: { barmanObjectName: SOURCE_STORE, serverName: args.source.cluster } },
        },
      ],
      enableSuperuserAccess: false,
      monitoring: { enablePodMonitor: false },
    },
  };
}

/** The runner: remove any leftover, restore, wait, check, report, and always remove the scratch cluster. */
function drillScript(args: Pick<RestoreDrillArgs, "timeoutMinutes">): string {
  return `#!/bin/sh
# Restore drill (${args.timeoutMinutes} min budget): the latest backup into a scratch cluster, checked, timed, removed.
set -eu
ns=${DRILL_NAMESPACE}
name=${DRILL_CLUSTER}
cleanup() { kubectl -n "$ns" delete cluster "$name" --ignore-not-found --wait=true --timeout=10m >/dev/null || true; }
trap cleanup EXIT INT TERM
cleanup
start=$(date +%s)
kubectl -n "$ns" apply -f /drill/cluster.yaml
kubectl -n "$ns" wait "cluster/$name" --for=condition=Ready --timeout="$TIMEOUT"
ready=$(date +%s)
primary=$(kubectl -n "$ns" get pods -l "cnpg.io/cluster=$name,cnpg.io/instanceRole=primary" -o jsonpath='{.items[0].metadata.name}')
kubectl -n "$ns" exec -i "$primary" -c postgres -- psql -X -At -v ON_ERROR_STOP=1 -d "$DATABASE" < /drill/check.sql
echo "restore drill passed: recovered in $((ready - start))s, checked in $(( $(date +%s) - ready ))s"
`;
}

/** Schema present (TimescaleDB and every market-data hypertable), then the row counts and the newest tick recovered. */
function checkSql(): string {
  const tables = MARKET_DATA_POLICIES.map((p) => p.table);
  const list = tables.map((t) => `'${t}'`).join(", ");
  return [
    "DO $$",
    "DECLARE t text;",
    "BEGIN",
    "  IF NOT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'timescaledb') THEN RAISE EXCEPTION 'timescaledb extension missing'; END IF;",
    `  FOREACH t IN ARRAY ARRAY[${list}] LOOP`,
    "    IF NOT EXISTS (SELECT 1 FROM timescaledb_information.hypertables WHERE hypertable_name = t) THEN RAISE EXCEPTION 'hypertable % missing', t; END IF;",
    "  END LOOP;",
    "END $$;",
    ...tables.map((t) => `SELECT 'rows ${t} ' || count(*) FROM ${t};`),
    "SELECT 'newest tick ' || coalesce(max(time)::text, 'none') FROM ticks;",
    "",
  ].join("\n");
}

/** From kube-state-metrics' CronJob and Job series: too long since the last success, or a failed run. */
export function restoreDrillAlerts(args: Pick<RestoreDrillConfig, "maxAgeDays" | "schedule">): AlertRule[] {
  const cronJob = `namespace="${DRILL_NAMESPACE}", cronjob="${DRILL_CLUSTER}"`;
  const lastSuccess = `kube_cronjob_status_last_successful_time{${cronJob}}`;
  return [
    {
      alert: "RestoreDrillTooOld",
      expr: `time() - max(${lastSuccess}) > ${args.maxAgeDays * 86400} or absent(${lastSuccess})`,
      for: "1h",
      severity: "warning",
      summary: "No recent successful restore drill",
      description: `The last successful restore drill is older than ${args.maxAgeDays} days (schedule "${args.schedule}" UTC), or none has succeeded: nobody knows the backups restore. See the ${DRILL_CLUSTER} Jobs in ${DRILL_NAMESPACE}.`,
    },
    {
      alert: "RestoreDrillFailed",
      expr: `max by (job_name) (kube_job_status_failed{namespace="${DRILL_NAMESPACE}", job_name=~"${DRILL_CLUSTER}-[0-9]+"}) > 0`,
      for: "0m",
      severity: "warning",
      summary: "A restore drill failed",
      description: `Job {{ $labels.job_name }} failed: the backup did not restore, the checks failed, or it ran out of time. kubectl -n ${DRILL_NAMESPACE} logs job/{{ $labels.job_name }}.`,
    },
  ];
}
