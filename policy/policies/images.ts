import { containersOf, parseImage, podSpecOf, POD_TYPES, Workload } from "../kubernetes";
import { HftPolicy, resourceRule } from "../rules";

const imageTagPinned = resourceRule<Workload>(
  {
    name: "image-tag-pinned",
    description: "Every container image names a version tag other than latest, or a digest: pin it (e.g. redis:7.4.1 or image@sha256:…).",
    enforcementLevel: "mandatory",
    targetTypes: POD_TYPES,
  },
  (workload, report, _config, args) => {
    for (const { container, label } of containersOf(podSpecOf(args.type, workload))) {
      if (container.image === undefined) {
        report(`${label} names no image.`);
        continue;
      }
      const image = parseImage(container.image);
      if (image.digest !== undefined) continue;
      if (image.tag === undefined) report(`${label} image "${container.image}" has no tag (it means latest): pin a version or digest.`);
      else if (image.tag === "latest") report(`${label} image "${container.image}" uses the latest tag: pin a version or digest.`);
    }
  },
);

interface RegistryConfig {
  allowedRegistries: string[];
}

/** A prefix matches whole path components: `docker.io/library` allows `docker.io/library/redis`, not `docker.io/libraryx/…`. */
export function allowedBy(repository: string, prefix: string): boolean {
  const trimmed = prefix.replace(/\/+$/, "");
  return repository === trimmed || repository.startsWith(`${trimmed}/`);
}

const imageRegistryAllowed = resourceRule<Workload, RegistryConfig>(
  {
    name: "image-registry-allowed",
    description: "Every container image comes from a registry prefix on the stack's allow-list (Docker Hub short names count as docker.io/library/…): mirror the image or extend allowedRegistries.",
    enforcementLevel: "mandatory",
    targetTypes: POD_TYPES,
    configSchema: {
      properties: {
        allowedRegistries: {
          type: "array",
          items: { type: "string", minLength: 1 },
          minItems: 1,
          uniqueItems: true,
          default: ["registry.example.com", "docker.io/library"],
          description: "Registry/repository prefixes images may come from, matched on whole path components.",
        },
      },
    },
  },
  (workload, report, config, args) => {
    for (const { container, label } of containersOf(podSpecOf(args.type, workload))) {
      // A missing image is image-tag-pinned's finding.
      if (container.image === undefined) continue;
      const { repository } = parseImage(container.image);
      if (!config.allowedRegistries.some((prefix) => allowedBy(repository, prefix))) {
        report(`${label} image "${container.image}" (${repository}) is not from an allowed registry: ${config.allowedRegistries.join(", ")}.`);
      }
    }
  },
);

export const imagePolicies: HftPolicy[] = [imageTagPinned, imageRegistryAllowed];
