import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { TimescaleDbBackupConfig, TimescaleDbConfig } from "./config";
import { standardLabels } from "./k8s/labels";
import { MonitoringHandle, podMonitor, prometheusRule, scrapers } from "./k8s/monitoring";
import { PlatformNamespace } from "./k8s/namespace";
import { apiServerEgress, DNS_EGRESS, internetEgress, namespacePeer, networkPolicy, tcp } from "./k8s/network";
import { resources } from "./k8s/pod";
import { engineZonePreference, WorkloadCluster } from "./k8s/workload-cluster";
import { marketDataSchemaSql } from "./market-data-schema";
import type { CertManager } from "./cert-manager";
import { BARMAN_CLOUD_PLUGIN, CNPG_INSTANCE_POD, PostgresOperator } from "./postgres-operator";
import { RestoreDrill } from "./restore-drill";
import { timescaleDbAlerts } from "./timescaledb-alerts";

export interface TimescaleDbArgs extends Omit<TimescaleDbConfig, "charts" | "backup"> {
  /** Exact version of the CloudNativePG operator's chart. */
  charts: { cloudnativePg: string };
  /** Namespace and pod labels of the only client (the trading engine); its connection Secret goes there. */
  clientNamespace: pulumi.Input<string>;
  clientPodSelector: Record<string, string>;
  monitoring: MonitoringHandle;
  /** Provider, the fastSsd class for data and WAL, and the ranges through which pods reach the API server. */
  cluster: WorkloadCluster;
  /**
   * Base backups and continuous WAL archiving to S3, with credentials from EKS Pod Identity. Without
   * it (clusters that have neither) there is no bucket, role, ObjectStore, ScheduledBackup or WAL
   * archiving, and no Barman Cloud plugin.
   */
  backups?: TimescaleDbBackups;
  /** Production: the Cluster cannot be deleted by accident (the platform protects the backup bucket and key). */
  protect: boolean;
}

export interface TimescaleDbBackups extends Omit<TimescaleDbBackupConfig, "noncurrentVersionDays"> {
  /** Exact chart version of the Barman Cloud plugin. */
  charts: { barmanCloud: string };
  /** Issues the plugin's mTLS certificates. */
  certManager: CertManager;
  /** Where backups go, made on the platform side for the `BACKUP_CLIENT` service account. */
  store: TimescaleDbBackupStore;
}

/** The object store the platform made for this database: plain values, so the workload knows no cloud API. */
export interface TimescaleDbBackupStore {
  /** `s3://<bucket>/<folder>`: Barman adds the server name (the Cluster's name) below it. */
  destinationPath: pulumi.Input<string>;
  bucket: pulumi.Input<string>;
  /** The bucket's region: pod identity supplies credentials, not a region. */
  region: pulumi.Input<string>;
  /** The role the instance pods receive through pod identity. */
  roleArn: pulumi.Input<string>;
  /** What must exist before the first instance pod starts (its credentials). */
  ready: pulumi.Resource[];
  /** The same for the restore drill's scratch cluster, whose identity may only read. */
  readerReady: pulumi.Resource[];
}

/** How a client reaches the database: the read-write service and the connection Secret in the client's namespace. */
export interface TimescaleDbEndpoint {
  namespace: string;
  /** DNS name of the `-rw` Service, which always points at the primary. */
  host: string;
  port: number;
  database: string;
  /** Secret in the client namespace with keys host, port, dbname, user, password, uri. */
  clientSecretName: pulumi.Output<string>;
  /** Labels of the PostgreSQL pods, for the client's egress policy. */
  podSelector: Record<string, string>;
}

export const DATA_NAMESPACE = "hft-data";
/** The CloudNativePG Cluster's name: its pods, Services (`<name>-rw`), service account and backups derive from it. */
export const CLUSTER_NAME = "timescaledb";
const PORTS = { postgres: 5432, status: 8000, metrics: 9187 } as const;
/** Pod identity's credential endpoint: the agent on every node listens on this link-local address. */
const POD_IDENTITY_AGENT = { cidr: "169.254.170.23/32", port: 80 } as const;
/** Folder in the backup bucket for base backups and WAL. */
export const BACKUP_PREFIX = "cnpg";
/** CloudNativePG runs every instance under a service account named after the Cluster: the identity the backup role is for. */
export const BACKUP_CLIENT = { namespace: DATA_NAMESPACE, serviceAccount: CLUSTER_NAME } as const;

/**
 * TimescaleDB as a CloudNativePG Cluster: the operator stack, a Cluster on the fastSsd class with a
 * separate WAL volume (three zone-spread instances with quorum synchronous replication in production),
 * the market-data schema at bootstrap, with `backups` continuous WAL archiving and nightly base backups
 * to a versioned, KMS-encrypted S3 bucket through the Barman Cloud plugin with pod-identity credentials,
 * generated credentials, a connection Secret for the client, network policies, and its scrape target
 * and alerts.
 *
 * CloudNativePG creates and manages the PodDisruptionBudgets of its instances (`enablePDB`, on by
 * default), so none is declared here.
 */
export class TimescaleDb extends pulumi.ComponentResource {
  readonly endpoint: TimescaleDbEndpoint;

  constructor(name: string, args: TimescaleDbArgs, opts?: pulumi.ComponentResourceOptions) {
    super("hft:platform:TimescaleDb", name, {}, opts);
    const parent = { parent: this };
    const k8sOpts = { parent: this, provider: args.cluster.provider };
    const stateful = { protect: args.protect, retainOnDelete: args.protect };
    const labels = standardLabels({ name: CLUSTER_NAME, component: "database" });
    const podSelector = { "cnpg.io/cluster": CLUSTER_NAME };
    const meta = (objectName: string) => ({ name: objectName, namespace: DATA_NAMESPACE, labels });

    const operators = new PostgresOperator(
      `${name}-operator`,
      {
        cloudnativePg: args.charts.cloudnativePg,
        backupPlugin: args.backups && { barmanCloud: args.backups.charts.barmanCloud, certManager: args.backups.certManager },
        network: args.cluster.network,
        monitoring: args.monitoring,
        highlyAvailable: args.instances > 1,
        provider: args.cluster.provider,
      },
      parent,
    );
    const ns = new PlatformNamespace(
      DATA_NAMESPACE,
      { name: DATA_NAMESPACE, labels, podSecurity: "restricted", provider: args.cluster.provider, namespaceProvider: args.cluster.secretsProvider },
      parent,
    );
    const inNs = { ...k8sOpts, dependsOn: [ns] };

    // --- Backups: bucket, key, the identity the instance pods use to write there, the ObjectStore ---
    const plugin = operators.barmanCloud;
    const backups = args.backups && plugin ? this.backupTarget(name, args.backups, plugin, { ns, meta, k8sOpts }) : undefined;

    // --- Credentials: generated, only ever in Pulumi secrets and Kubernetes Secrets ---
    const appPassword = new random.RandomPassword(`${name}-app`, { length: 32, special: false }, parent);
    const superuserPassword = new random.RandomPassword(`${name}-superuser`, { length: 32, special: false }, parent);
    const basicAuth = (role: string, secretName: string, username: string, password: random.RandomPassword) =>
      new k8s.core.v1.Secret(
        `${name}-${role}`,
        {
          metadata: meta(secretName),
          type: "kubernetes.io/basic-auth",
          stringData: pulumi.secret(password.result.apply((p) => ({ username, password: p }))),
        },
        { ...inNs, provider: args.cluster.secretsProvider },
      );
    const appSecret = basicAuth("app", `${CLUSTER_NAME}-app`, args.owner, appPassword);
    const superuserSecret = basicAuth("superuser", `${CLUSTER_NAME}-superuser`, "postgres", superuserPassword);

    // --- Image, schema, Cluster ---
    const catalog = new k8s.apiextensions.CustomResource(
      `${name}-image-catalog`,
      {
        apiVersion: "postgresql.cnpg.io/v1",
        kind: "ImageCatalog",
        metadata: meta(CLUSTER_NAME),
        // Timescale's tags ("pg18.4-ts2.28.2") do not start with the major version, from which the
        // operator would otherwise infer it; the catalog states it.
        spec: { images: [{ major: args.postgresMajor, image: args.image }] },
      },
      { ...k8sOpts, dependsOn: [ns, operators.operator] },
    );
    const schemaKey = "market-data.sql";
    const schema = new k8s.core.v1.ConfigMap(
      `${name}-schema`,
      { metadata: meta(`${CLUSTER_NAME}-market-data-schema`), data: { [schemaKey]: marketDataSchemaSql(args.owner) } },
      inNs,
    );

    const cluster = new k8s.apiextensions.CustomResource(
      `${name}-cluster`,
      {
        apiVersion: "postgresql.cnpg.io/v1",
        kind: "Cluster",
        metadata: meta(CLUSTER_NAME),
        spec: this.clusterSpec(args, labels, {
          catalog: CLUSTER_NAME,
          appSecret: appSecret.metadata.name,
          superuserSecret: superuserSecret.metadata.name,
          schema: { name: schema.metadata.name, key: schemaKey },
          ...(backups ? { objectStore: CLUSTER_NAME } : {}),
        }),
      },
      {
        ...k8sOpts,
        // The operator's CRDs and webhook first; the plugin and its ObjectStore before WAL archiving is
        // switched on; the pod-identity association before the first pod, or it starts without credentials.
        dependsOn: [ns, operators.operator, ...(backups ? [backups.plugin, backups.objectStore, ...backups.credentials] : []), catalog],
        ...stateful,
      },
    );

    new k8s.apiextensions.CustomResource(
      `${name}-database`,
      {
        apiVersion: "postgresql.cnpg.io/v1",
        kind: "Database",
        metadata: meta(`${CLUSTER_NAME}-${args.database.replace(/_/g, "-")}`),
        spec: {
          cluster: { name: CLUSTER_NAME },
          name: args.database,
          owner: args.owner,
          ensure: "present",
          // Dropping this resource must never drop the trading database.
          databaseReclaimPolicy: "retain",
          // Created at bootstrap already (the schema needs it); from then on the operator keeps it at the
          // version the image ships, running ALTER EXTENSION ... UPDATE when the image moves.
          extensions: [{ name: "timescaledb", version: args.timescaledbVersion, ensure: "present" }],
        },
      },
      { ...k8sOpts, dependsOn: [cluster] },
    );

    if (backups) {
      new k8s.apiextensions.CustomResource(
        `${name}-scheduled-backup`,
        {
          apiVersion: "postgresql.cnpg.io/v1",
          kind: "ScheduledBackup",
          metadata: meta(`${CLUSTER_NAME}-daily`),
          spec: {
            cluster: { name: CLUSTER_NAME },
            schedule: backups.schedule,
            // A base backup right away, so point-in-time recovery works from the first day.
            immediate: true,
            method: "plugin",
            pluginConfiguration: { name: BARMAN_CLOUD_PLUGIN },
            // Keeps the backup load off the primary when a standby is up to date.
            target: "prefer-standby",
            backupOwnerReference: "self",
          },
        },
        { ...k8sOpts, dependsOn: [cluster, backups.objectStore, backups.plugin] },
      );
      const drill = args.backups!;
      new RestoreDrill(
        `${name}-restore-drill`,
        {
          ...drill.restoreDrill,
          source: {
            cluster: CLUSTER_NAME,
            database: args.database,
            owner: args.owner,
            image: args.image,
            postgresMajor: args.postgresMajor,
            postgresUid: args.postgresUid,
            extensionImage: args.timescaledbExtensionImage,
          },
          store: { destinationPath: drill.store.destinationPath, region: drill.store.region, readerReady: drill.store.readerReady },
          sidecar: drill.sidecar,
          operator: { ready: [operators.operator, backups.plugin], namespace: operators.namespace, podSelector: operators.operatorPodSelector },
          monitoring: args.monitoring,
          cluster: args.cluster,
        },
        // Only after the database exists: its first base backup is what the first drill restores.
        { parent: this, dependsOn: [cluster] },
      );
    }

    // --- Client connection Secret in the engine's namespace ---
    const host = `${CLUSTER_NAME}-rw.${DATA_NAMESPACE}.svc.cluster.local`;
    const clientSecret = new k8s.core.v1.Secret(
      `${name}-client`,
      {
        metadata: { name: `${CLUSTER_NAME}-client`, namespace: args.clientNamespace, labels },
        type: "Opaque",
        stringData: pulumi.secret(
          appPassword.result.apply((password) => ({
            host,
            port: String(PORTS.postgres),
            dbname: args.database,
            user: args.owner,
            password,
            // CloudNativePG serves TLS only on its own CA; require encryption without pinning that CA here.
            uri: `postgresql://${args.owner}:${encodeURIComponent(password)}@${host}:${PORTS.postgres}/${args.database}?sslmode=require`,
          })),
        ),
      },
      { ...k8sOpts, provider: args.cluster.secretsProvider, dependsOn: [cluster] },
    );

    this.networkPolicies(name, args, labels, podSelector, operators, inNs);
    this.monitoringObjects(args, labels, podSelector);

    this.endpoint = {
      namespace: DATA_NAMESPACE,
      host,
      port: PORTS.postgres,
      database: args.database,
      clientSecretName: clientSecret.metadata.name,
      podSelector,
    };
    this.registerOutputs({
      host,
      database: args.database,
      clientSecretName: this.endpoint.clientSecretName,
    });
  }

  /** The plugin's ObjectStore pointing at the platform's bucket, with the instance pods' pod-identity credentials. */
  private backupTarget(
    name: string,
    backups: TimescaleDbBackups,
    plugin: k8s.helm.v4.Chart,
    ctx: {
      ns: PlatformNamespace;
      meta: (objectName: string) => { name: string; namespace: string; labels: Record<string, string> };
      k8sOpts: { parent: pulumi.Resource; provider: k8s.Provider };
    },
  ): { credentials: pulumi.Resource[]; objectStore: k8s.apiextensions.CustomResource; plugin: k8s.helm.v4.Chart; schedule: string } {
    const objectStore = new k8s.apiextensions.CustomResource(
      `${name}-object-store`,
      {
        apiVersion: "barmancloud.cnpg.io/v1",
        kind: "ObjectStore",
        metadata: ctx.meta(CLUSTER_NAME),
        spec: {
          configuration: {
            destinationPath: backups.store.destinationPath,
            // The pod-identity role, never static keys. Objects are encrypted by the bucket's default
            // SSE-KMS key: asking for "aws:kms" here would select the AWS-managed key instead.
            s3Credentials: { inheritFromIAMRole: true },
            wal: { compression: "zstd", maxParallel: 4 },
            data: { compression: "snappy", jobs: 2, immediateCheckpoint: false },
          },
          retentionPolicy: backups.retention,
          instanceSidecarConfiguration: {
            // Requests = limits keeps the instance pods Guaranteed when the database container is.
            resources: resources({ cpu: backups.sidecar.cpu, memory: backups.sidecar.memory }),
            // Pod identity supplies credentials, not a region: sign for the bucket's own region.
            env: [{ name: "AWS_DEFAULT_REGION", value: backups.store.region }],
          },
        },
      },
      { ...ctx.k8sOpts, dependsOn: [ctx.ns, plugin] },
    );
    return { credentials: backups.store.ready, objectStore, plugin, schedule: backups.schedule };
  }

  private clusterSpec(
    args: TimescaleDbArgs,
    labels: Record<string, string>,
    refs: { catalog: string; appSecret: pulumi.Input<string>; superuserSecret: pulumi.Input<string>; schema: { name: pulumi.Input<string>; key: string }; objectStore?: string },
  ): Record<string, unknown> {
    const p = args.parameters;
    return {
      instances: args.instances,
      imageCatalogRef: { apiGroup: "postgresql.cnpg.io", kind: "ImageCatalog", name: refs.catalog, major: args.postgresMajor },
      // The image's postgres user; CloudNativePG runs every container as it, non-root, with a read-only
      // root filesystem, no privilege escalation, all capabilities dropped and RuntimeDefault seccomp:
      // the pods pass the namespace's "restricted" Pod Security level without overrides.
      postgresUID: args.postgresUid,
      postgresGID: args.postgresUid,
      imagePullPolicy: "IfNotPresent",
      inheritedMetadata: { labels },
      primaryUpdateStrategy: "unsupervised",
      // Roll the primary last, by switching over to an updated standby rather than restarting it.
      primaryUpdateMethod: args.instances > 1 ? "switchover" : "restart",
      storage: { storageClass: args.cluster.storage.classes.fastSsd, size: args.storage.size },
      walStorage: { storageClass: args.cluster.storage.classes.fastSsd, size: args.storage.walSize },
      resources: resources(args.resources),
      affinity: {
        enablePodAntiAffinity: true,
        podAntiAffinityType: args.antiAffinity.type,
        topologyKey: args.antiAffinity.topologyKey,
        // The operator's own node affinity field (Cluster.spec.affinity.nodeAffinity): instance 1, the
        // initial primary, is scheduled first and prefers the engine's zone.
        ...(args.cluster.engineZone !== undefined ? { nodeAffinity: engineZonePreference(args.cluster.engineZone) } : {}),
      },
      postgresql: {
        shared_preload_libraries: ["timescaledb"],
        parameters: {
          shared_buffers: p.sharedBuffers,
          effective_cache_size: p.effectiveCacheSize,
          work_mem: p.workMem,
          maintenance_work_mem: p.maintenanceWorkMem,
          max_wal_size: p.maxWalSize,
          max_connections: String(p.maxConnections),
          max_worker_processes: String(p.maxWorkerProcesses),
          max_parallel_workers: String(p.maxParallelWorkers),
          "timescaledb.max_background_workers": String(p.timescaledbMaxBackgroundWorkers),
          max_locks_per_transaction: String(p.maxLocksPerTransaction),
          "timescaledb.telemetry_level": "off",
        },
        ...(args.synchronous.number > 0
          ? { synchronous: { method: "any", number: args.synchronous.number, dataDurability: args.synchronous.dataDurability } }
          : {}),
        ...(args.timescaledbExtensionImage
          ? { extensions: [{ name: "timescaledb-oss", image: { reference: args.timescaledbExtensionImage } }] }
          : {}),
      },
      bootstrap: {
        initdb: {
          database: args.database,
          owner: args.owner,
          secret: { name: refs.appSecret },
          dataChecksums: true,
          encoding: "UTF8",
          postInitApplicationSQLRefs: { configMapRefs: [refs.schema] },
        },
      },
      // No remote superuser logins: the postgres password stays NULL (DBAs use local peer auth through
      // `kubectl cnpg psql`). The generated Secret is there for break-glass: flipping this flag makes
      // the operator set it as the password, without an untracked secret appearing.
      superuserSecret: { name: refs.superuserSecret },
      enableSuperuserAccess: false,
      ...(refs.objectStore ? { plugins: [{ name: BARMAN_CLOUD_PLUGIN, isWALArchiver: true, parameters: { barmanObjectName: refs.objectStore } }] } : {}),
      // The platform's own PodMonitor scrapes the instances (the operator-managed one is deprecated).
      monitoring: { enablePodMonitor: false },
    };
  }

  /**
   * Default-deny is the namespace's baseline. Every CloudNativePG pod here (this Cluster's instances
   * and jobs, and a point-in-time restore next to it) may take replication and status traffic from
   * its peers, status calls from the operator and scrapes from Prometheus, and may reach DNS, its
   * peers, the API server and, with backups, S3 over HTTPS and the node's pod-identity agent. Only
   * this Cluster's instances admit the client, on PostgreSQL's port.
   */
  private networkPolicies(
    name: string,
    args: TimescaleDbArgs,
    labels: Record<string, string>,
    podSelector: Record<string, string>,
    operators: PostgresOperator,
    k8sOpts: pulumi.CustomResourceOptions,
  ): void {
    const cnpgPods = { matchExpressions: [{ key: "cnpg.io/cluster", operator: "Exists" }] };
    const network = args.cluster.network;
    networkPolicy(
      `${name}-cnpg-pods`,
      {
        name: "cnpg-pods",
        namespace: DATA_NAMESPACE,
        labels,
        podSelector: cnpgPods,
        ingress: [
          { from: [{ podSelector: cnpgPods }], ports: tcp(PORTS.postgres, PORTS.status) },
          { from: [namespacePeer(operators.namespace, operators.operatorPodSelector)], ports: tcp(PORTS.status) },
          { from: scrapers(args.monitoring), ports: tcp(PORTS.metrics) },
        ],
        egress: [
          DNS_EGRESS,
          { to: [{ podSelector: cnpgPods }], ports: tcp(PORTS.postgres, PORTS.status) },
          // The instance manager watches its Cluster through the API server.
          ...apiServerEgress(network),
          ...(args.backups
            ? [
                // S3 has no fixed addresses a NetworkPolicy could name: HTTPS to the public internet, nothing else.
                internetEgress(network, tcp(443)),
                { to: [{ ipBlock: { cidr: POD_IDENTITY_AGENT.cidr } }], ports: tcp(POD_IDENTITY_AGENT.port) },
              ]
            : []),
        ],
      },
      k8sOpts,
    );
    networkPolicy(
      `${name}-clients`,
      {
        name: `${CLUSTER_NAME}-clients`,
        namespace: DATA_NAMESPACE,
        labels,
        podSelector: { matchLabels: podSelector },
        ingress: [{ from: [namespacePeer(args.clientNamespace, args.clientPodSelector)], ports: tcp(PORTS.postgres) }],
      },
      k8sOpts,
    );
  }

  private monitoringObjects(args: TimescaleDbArgs, labels: Record<string, string>, podSelector: Record<string, string>): void {
    const monitoringArgs = { name: CLUSTER_NAME, namespace: DATA_NAMESPACE, labels, monitoring: args.monitoring, provider: args.cluster.provider, parent: this };
    // Instances only: bootstrap and join Jobs carry the cluster label too, without a metrics port.
    podMonitor(monitoringArgs, { ...podSelector, ...CNPG_INSTANCE_POD }, [{ port: "metrics", targetPort: PORTS.metrics, interval: "30s" }]);
    prometheusRule(monitoringArgs, "timescaledb", timescaleDbAlerts(args, { namespace: DATA_NAMESPACE, cluster: CLUSTER_NAME }));
  }
}
