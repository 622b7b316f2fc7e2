import { parse as parseYaml } from "yaml";

/**
 * The offline render's record of one registered resource, as written to
 * `out/<stack>/inventory.json` and read by the policy gate and the diff.
 */
export interface InventoryEntry {
  /** URN as the mock monitor assigned it (`urn:pulumi:<stack>::hft-platform::<parent types>$<type>::<name>`). */
  urn: string;
  /** Pulumi type token, e.g. `kubernetes:apps/v1:StatefulSet`, `aws:eks/nodeGroup:NodeGroup`. */
  type: string;
  /** Pulumi resource name (not the cloud name). */
  name: string;
  /** URN of the parent resource; absent for top-level resources. */
  parent?: string;
  /** False for ComponentResources (including remote components such as `eks:index:Cluster`). */
  custom: boolean;
  /** The explicit provider it is registered with (`<provider URN>::<id>`): which cluster applies it, or whether it is only rendered. */
  provider?: string;
  /** Resource inputs as the engine would pass them to policies; every Pulumi secret is replaced by SECRET_PLACEHOLDER. */
  inputs: Record<string, unknown>;
  /** Resource options that guard against accidental deletion (set on prod's stateful resources). */
  protect?: boolean;
  retainOnDelete?: boolean;
  /** Input paths Pulumi leaves to someone else after creation (e.g. a StatefulSet's replicas, owned by its HPA). */
  ignoreChanges?: string[];
  /** URNs this resource waits for: explicit `dependsOn` and resources its inputs come from. */
  dependsOn?: string[];
  /** Former URNs it answers to (`aliases`), so a move between components does not replace it. */
  aliases?: string[];
  /** Readable forms of encoded inputs (launch template user data is base64) for reviews and diffs; policies read `inputs`. */
  decoded?: Record<string, string>;
}

export const SECRET_PLACEHOLDER = "[secret]";

/** ConfigMaps carrying this label hold Kubernetes manifests a job applies at run time (the restore drill's scratch Cluster). */
export const EMBEDDED_MANIFESTS_LABEL = "hft-platform/embedded-manifests";

/**
 * The objects inside labelled ConfigMaps (each `*.yaml` key one YAML document), so the render's
 * schema check and capacity model judge them like the objects the program applies itself.
 */
export function embeddedManifests(inventory: InventoryEntry[]): { file: string; object: Record<string, unknown> }[] {
  return inventory
    .filter((e) => e.type === "kubernetes:core/v1:ConfigMap")
    .flatMap((e) => {
      const metadata = e.inputs.metadata as { name?: string; namespace?: string; labels?: Record<string, string> } | undefined;
      if (metadata?.labels?.[EMBEDDED_MANIFESTS_LABEL] !== "true") return [];
      return Object.entries((e.inputs.data ?? {}) as Record<string, string>)
        .filter(([key]) => key.endsWith(".yaml"))
        .map(([key, text]) => ({ file: `${metadata.namespace ?? "_cluster"}/ConfigMap-${metadata.name}/${key}`, object: parseYaml(text) as Record<string, unknown> }));
    });
}
