/** What the mutation catalogues share: finding the resource to break in a prod inventory, and the shape of a mutation. */
import { InventoryEntry } from "../../../tools/inventory";
import { isEnginePod, K8S, podSpecOf, POD_TYPES } from "../../kubernetes";
import { AWS } from "../../policies/aws";

export type Inventory = InventoryEntry[];
export type Entry = InventoryEntry & { inputs: any };

/**
 * One breakage of the prod inventory that one rule must refuse as a mandatory violation.
 *
 * `kind` says how it breaks it. A `value` mutation sets a field the rule is about to a wrong value
 * (or adds a wrong entry): it deletes no resource and no object key, which the catalogue test
 * checks on every run. A `removal` deletes what the rule requires. Every rule of the pack needs at
 * least one `value` mutation (policy/test/mutations.test.ts fails otherwise): a rule that only
 * notices removals checks presence, not value.
 */
export interface Mutation {
  name: string;
  rule: string;
  kind: "value" | "removal";
  /** Breaks the inventory in place; returns the URN the violation must name. */
  apply(inv: Inventory): string;
}

export function find(inv: Inventory, what: string, predicate: (e: Entry) => boolean): Entry {
  const found = (inv as Entry[]).find(predicate);
  if (!found) throw new Error(`the inventory has no ${what} to mutate`);
  return found;
}

export function remove(inv: Inventory, entry: InventoryEntry): void {
  inv.splice(inv.indexOf(entry), 1);
}

export const ofType = (type: string) => (e: Entry) => e.type === type;
export const named = (type: string, name: string) => (e: Entry) => e.type === type && e.inputs.metadata?.name === name;
export const engine = (inv: Inventory) => find(inv, "pod tolerating node-type=high-performance", (e) => POD_TYPES.includes(e.type) && isEnginePod(podSpecOf(e.type, e.inputs)));
export const enginePod = (e: Entry) => podSpecOf(e.type, e.inputs) as any;
export const engineContainer = (e: Entry) => enginePod(e).containers[0];
export const loadBalancer = (inv: Inventory) => find(inv, "LoadBalancer Service", (e) => e.type === K8S.service && e.inputs.spec?.type === "LoadBalancer");
export const ebsClass = (inv: Inventory) => find(inv, "EBS StorageClass", (e) => e.type === K8S.storageClass && e.inputs.provisioner === "ebs.csi.aws.com");
export const engineNodes = (inv: Inventory) => find(inv, "engine node group", (e) => e.type === AWS.nodeGroup && e.inputs.labels?.["node-type"] === "high-performance");
export const eksComponent = (inv: Inventory) => find(inv, "eks:index:Cluster", ofType(AWS.eksComponent));
export const bucket = (inv: Inventory) => find(inv, "S3 bucket", ofType(AWS.bucket));
export const tradingNamespace = (inv: Inventory) => find(inv, "namespace hft-trading", named(K8S.namespace, "hft-trading"));
