/**
 * The engine's data stores in its zone: the Redis StatefulSet's pods and the CloudNativePG Cluster's
 * instances prefer the zone of the engine node group's subnet (the first of a spread set, the initial
 * master or primary, lands there). A wrong zone is a cross-zone round trip on every cache read and
 * every write. Applies where the stack has an engine node group (the EKS mode).
 */
import { PolicyResource } from "@pulumi/policy";
import { K8S, ObjectMeta, PodSpec, podSpecOf } from "../kubernetes";
import { asArray, HftPolicy, rawString, stackRule } from "../rules";
import { DATA } from "./data-protection";
import { engineGroups, NODE_GROUP_NAMES_SCHEMA } from "./engine-nodes";

const SUBNET = "aws:ec2/subnet:Subnet";
const ZONE_KEY = "topology.kubernetes.io/zone";

type NodeAffinity = NonNullable<NonNullable<PodSpec["affinity"]>["nodeAffinity"]> & {
  preferredDuringSchedulingIgnoredDuringExecution?: { weight?: number; preference?: { matchExpressions?: { key: string; operator: string; values?: string[] }[] } }[];
};

/** The zones a node affinity prefers (In on the zone key), from its preferred terms. */
function preferredZones(affinity: NodeAffinity | undefined): string[] {
  return asArray(affinity?.preferredDuringSchedulingIgnoredDuringExecution).flatMap((term) =>
    asArray(term.preference?.matchExpressions).flatMap((e) => (e.key === ZONE_KEY && e.operator === "In" ? asArray(e.values) : [])),
  );
}

/** The node affinity of a data store: a StatefulSet's pod template, or a CloudNativePG Cluster's operator-level affinity. */
function nodeAffinityOf(resource: PolicyResource): NodeAffinity | undefined {
  if (resource.type === DATA.cnpgCluster) return (resource.props as { spec?: { affinity?: { nodeAffinity?: NodeAffinity } } }).spec?.affinity?.nodeAffinity;
  return podSpecOf(resource.type, resource.props as never).affinity?.nodeAffinity;
}

const engineDataStoreZone = stackRule<{ nodeGroupNames: string[]; dataStores: { kind: string; namespace: string; name: string }[] }>(
  {
    name: "engine-data-store-zone",
    description: "The engine's data stores (dataStores: the Redis StatefulSet, the CloudNativePG Cluster) prefer, by node affinity on topology.kubernetes.io/zone, the zone of the engine node group's subnet: no cross-zone hop to the initial master or primary.",
    enforcementLevel: "mandatory",
    targetTypes: [K8S.statefulSet, DATA.cnpgCluster],
    configSchema: {
      properties: {
        nodeGroupNames: NODE_GROUP_NAMES_SCHEMA,
        dataStores: {
          type: "array",
          items: {
            type: "object",
            properties: { kind: { type: "string", enum: ["StatefulSet", "Cluster"] }, namespace: { type: "string", minLength: 1 }, name: { type: "string", minLength: 1 } },
            required: ["kind", "namespace", "name"],
          },
          default: [
            { kind: "StatefulSet", namespace: "hft-cache", name: "redis" },
            { kind: "Cluster", namespace: "hft-data", name: "timescaledb" },
          ],
          description: "The engine's data stores, by kind, namespace and metadata.name.",
        },
      },
    },
  },
  (resources, report, config, args) => {
    const groups = engineGroups(resources, config.nodeGroupNames);
    const subnets = groups.flatMap(({ group }) => group.dependencies.filter((d) => d.type === SUBNET));
    const zones = [...new Set(subnets.map((s) => rawString(s.props, "availabilityZone")).filter((z): z is string => z !== undefined))];
    if (zones.length !== 1) args.notApplicable(`the engine node group's zone is not one known zone (${zones.length ? zones.join(", ") : "none"})`);
    const [zone] = zones;
    for (const store of config.dataStores) {
      const type = store.kind === "Cluster" ? DATA.cnpgCluster : K8S.statefulSet;
      const found = resources.find((r) => {
        const metadata = (r.props as { metadata?: ObjectMeta }).metadata;
        return r.type === type && metadata?.name === store.name && metadata.namespace === store.namespace;
      });
      if (!found) {
        report(`data store ${store.kind} ${store.namespace}/${store.name} (policy config dataStores) is not in the stack.`);
        continue;
      }
      const preferred = preferredZones(nodeAffinityOf(found));
      if (!preferred.includes(zone) || preferred.some((z) => z !== zone)) {
        report(
          `${store.kind} ${store.namespace}/${store.name} prefers zone ${preferred.length ? preferred.join(", ") : "none"}, not the engine's ${zone}: its master or primary may sit a zone away. Add a preferred node affinity ${ZONE_KEY} In [${zone}].`,
          found.urn,
        );
      }
    }
  },
);

export const engineLocalityPolicies: HftPolicy[] = [engineDataStoreZone];
