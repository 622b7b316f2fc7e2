/**
 * Preflight's image checks: every image the render names against the registries the stack's policy
 * config allows (rule image-registry-allowed, policy/config/<stack>.json), and the pulls Docker Hub
 * must serve to the stack's nodes.
 *
 * Docker Hub pull limit, read 2026-12-07: unauthenticated users get 10 pulls per hour per IPv4
 * address or IPv6 /64 subnet; an authenticated Personal account 100 (docker/docs,
 * content/manuals/docker-hub/usage/_index.md, as changed by docker/docs#22134, 2025); a pull is one
 * manifest request. The remaining count is in the RateLimit-* headers of a HEAD request for
 * ratelimitpreview/test (docker/docs, content/manuals/docker-hub/usage/pulls.md). Private nodes leave
 * through the NAT gateways, so every node behind one gateway shares that gateway's address.
 */
import { allowedBy } from "../policy/policies/images";
import { parseImage } from "../policy/kubernetes";
import { InventoryEntry } from "./inventory";
import { AddCheck } from "./preflight-types";

export const DOCKER_HUB_UNAUTHENTICATED_PULLS_PER_HOUR = 10;

/** The stack's registry allow-list as its policy config states it. */
export interface RegistryPolicy {
  /** Relative path of policy/config/<stack>.json, as the messages name it. */
  file: string;
  allowedRegistries: string[];
  /** The rule's enforcement in that config ("all" or its own). */
  enforcement: string;
}

const RULE = "image-registry-allowed";

/** Reads the allow-list out of a policy config document (undefined where the config has no such rule). */
export function registryPolicy(file: string, config: Record<string, unknown>): RegistryPolicy | undefined {
  const rule = config[RULE] as { allowedRegistries?: string[]; enforcementLevel?: string } | string | undefined;
  if (typeof rule !== "object" || !rule.allowedRegistries) return undefined;
  const all = typeof config.all === "string" ? config.all : "advisory";
  return { file, allowedRegistries: rule.allowedRegistries, enforcement: rule.enforcementLevel ?? all };
}

const jqEdit = (file: string, expression: string) => `jq '${expression}' ${file} > ${file}.new && mv ${file}.new ${file}`;

export function registryChecks(images: string[], policy: RegistryPolicy | undefined, reservedHost: (host: string) => boolean, keyOf: (image: string) => string | undefined, stack: string, add: AddCheck): void {
  const group = "Registries";
  if (!policy) {
    add(group, "review", `no ${RULE} allow-list in policy/config/${stack}.json: the gate judges images against the pack's default`, `ls policy/config/${stack}.json`);
    return;
  }
  for (const prefix of policy.allowedRegistries.filter((p) => reservedHost(p.split("/")[0]))) {
    add(group, "placeholder", `${policy.file} allows ${prefix}, a registry reserved for documentation: remove it once the images are real`, jqEdit(policy.file, `."${RULE}".allowedRegistries -= ["${prefix}"]`));
  }
  for (const image of images) {
    const { repository } = parseImage(image);
    if (policy.allowedRegistries.some((prefix) => allowedBy(repository, prefix))) continue;
    const key = keyOf(image);
    add(
      group,
      "refused",
      `${key ? `${key} = ` : ""}${image}: ${repository} is not on ${RULE}.allowedRegistries in ${policy.file} (${policy.enforcement}): allow the repository, or copy the image to an allowed registry`,
      jqEdit(policy.file, `."${RULE}".allowedRegistries += ["${repository}"]`),
    );
  }
}

/** Pods the render starts at full scale per image: replicas (the HPA's maximum where one scales it), a DaemonSet's pod per node. */
function podStarts(inventory: InventoryEntry[], nodes: number): Map<string, number> {
  const hpaMax = new Map<string, number>();
  for (const h of inventory.filter((e) => e.type.startsWith("kubernetes:autoscaling/") && e.type.endsWith(":HorizontalPodAutoscaler"))) {
    const spec = (h.inputs as { spec?: { scaleTargetRef?: { name?: string }; maxReplicas?: number } }).spec;
    if (spec?.scaleTargetRef?.name && spec.maxReplicas) hpaMax.set(spec.scaleTargetRef.name, spec.maxReplicas);
  }
  const starts = new Map<string, number>();
  for (const e of inventory.filter((e) => /^kubernetes:(apps\/v1:(Deployment|StatefulSet|DaemonSet)|batch\/v1:Job)$/.test(e.type))) {
    const inputs = e.inputs as { metadata?: { name?: string }; spec?: { replicas?: number; template?: { spec?: { containers?: { image?: string }[]; initContainers?: { image?: string }[] } } } };
    const name = inputs.metadata?.name ?? "";
    const count = e.type.endsWith(":DaemonSet") ? nodes : (hpaMax.get(name) ?? inputs.spec?.replicas ?? 1);
    const pod = inputs.spec?.template?.spec;
    for (const c of [...(pod?.containers ?? []), ...(pod?.initContainers ?? [])]) {
      if (c.image) starts.set(c.image, (starts.get(c.image) ?? 0) + count);
    }
  }
  return starts;
}

/**
 * Docker Hub pulls at full scale against the unauthenticated limit of the addresses the nodes leave
 * from. Counts the program's own pods; the charts' images are pinned by their chart versions and
 * counted by whoever reads `helm template` (docs/deploy.md).
 */
export function pullLimitChecks(inventory: InventoryEntry[], nodes: number, egressAddresses: number, add: AddCheck): void {
  const fromHub = [...podStarts(inventory, nodes)].filter(([image]) => parseImage(image).repository.startsWith("docker.io/"));
  if (fromHub.length === 0) return;
  const pulls = fromHub.reduce((sum, [, n]) => sum + n, 0);
  const perHour = DOCKER_HUB_UNAUTHENTICATED_PULLS_PER_HOUR * Math.max(1, egressAddresses);
  add(
    "Image pulls",
    pulls > perHour ? "review" : "confirm",
    `${fromHub.length} Docker Hub image(s) in up to ${pulls} pod start(s) at full scale (${fromHub.map(([i, n]) => `${i} x${n}`).join(", ")}); unauthenticated Docker Hub serves ${DOCKER_HUB_UNAUTHENTICATED_PULLS_PER_HOUR} pulls per hour per address and the nodes leave through ${egressAddresses} NAT address(es): ${perHour} per hour${pulls > perHour ? ": a first deploy or a node replacement can be throttled; mirror them to an allowed registry (e.g. an ECR pull-through cache)" : ""}; the pulls this address has left`,
    `curl -sI -H "Authorization: Bearer $(curl -s 'https://auth.docker.io/token?service=registry.docker.io&scope=repository:ratelimitpreview/test:pull' | jq -r .token)" https://registry-1.docker.io/v2/ratelimitpreview/test/manifests/latest | grep -i ratelimit`,
  );
}
