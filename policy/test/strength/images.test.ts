/**
 * image-tag-pinned and image-registry-allowed: the exact findings for each way an image reference
 * can be unpinned or foreign, the references that must pass, and the config bounds the schema enforces.
 */
import { describe, expect, it } from "vitest";
import { EngineResource, PolicyConfigError, reconcileConfig } from "../../../tools/policy-engine";
import { Container, K8S } from "../../kubernetes";
import * as k from "../fixtures/kubernetes";
import { check, messages, policy, resource } from "../harness";


/** A Deployment whose pod runs these containers (and these init containers). */
function withContainers(containers: Partial<Container>[], initContainers?: Partial<Container>[]): EngineResource[] {
  const pod = { ...k.appPod(), containers: containers as Container[], ...(initContainers ? { initContainers: initContainers as Container[] } : {}) };
  return [resource(K8S.deployment, k.deployment(pod), "market-data-gateway")];
}

const DIGEST = `sha256:${"a".repeat(64)}`;

describe("image-tag-pinned", () => {
  const run = (resources: EngineResource[]) => messages("image-tag-pinned", resources);

  it("passes a version tag, a digest, and a digest next to any tag (the runtime pulls the digest)", async () => {
    expect(
      await run(
        withContainers([
          { name: "a", image: "redis:7.4.1" },
          { name: "b", image: `registry.example.com/engine@${DIGEST}` },
          { name: "c", image: `redis:latest@${DIGEST}` },
          { name: "d", image: `registry.example.com:5000/engine:latest@${DIGEST}` },
        ]),
      ),
    ).toEqual([]);
  });

  it("refuses an untagged image, the latest tag, and a container with no image, each in its own words", async () => {
    expect(
      await run(
        withContainers(
          [
            { name: "untagged", image: "registry.example.com:5000/engine" },
            { name: "latest", image: "redis:latest" },
            { name: "pinned", image: "redis:7.4.1" },
            { name: "blank" },
          ],
          [{ name: "setup", image: "busybox" }],
        ),
      ),
    ).toEqual([
      'init container "setup" image "busybox" has no tag (it means latest): pin a version or digest.',
      'container "untagged" image "registry.example.com:5000/engine" has no tag (it means latest): pin a version or digest.',
      'container "latest" image "redis:latest" uses the latest tag: pin a version or digest.',
      'container "blank" names no image.',
    ]);
  });

  it("judges only the tag as latest: a repository or version that merely contains the word passes", async () => {
    expect(await run(withContainers([{ name: "a", image: "registry.example.com/latest/engine:v1" }, { name: "b", image: "redis:latest-7" }]))).toEqual([]);
  });

  it("reads the pod of every workload kind, and is not applicable to other kinds", async () => {
    const pod = { ...k.appPod(), containers: [{ name: "job", image: "busybox" }] as Container[] };
    expect(await run([resource(K8S.cronJob, k.cronJob({ ...pod, restartPolicy: "OnFailure" }), "refresh")])).toEqual([
      'container "job" image "busybox" has no tag (it means latest): pin a version or digest.',
    ]);
    expect(await run([k.podResource(pod)])).toEqual(['container "job" image "busybox" has no tag (it means latest): pin a version or digest.']);
    const { run: ruleRun, findings } = await check("image-tag-pinned", [resource(K8S.service, { spec: { containers: [{ name: "x", image: "busybox" }] } })]);
    expect(findings).toEqual([]);
    expect(ruleRun.judged).toBe(0);
  });
});

describe("image-registry-allowed", () => {
  const run = (resources: EngineResource[], config?: Record<string, unknown>) => messages("image-registry-allowed", resources, config);
  const images = (...refs: string[]) => withContainers(refs.map((image, i) => ({ name: `c${i}`, image })));

  it("by default allows the stack registry and Docker Hub's official images, and names the list when it refuses", async () => {
    expect(await run(images("registry.example.com/hft-trading-engine:v1.0.0", "redis:7.4.1", "docker.io/library/postgres:16.4", "index.docker.io/library/busybox:1.36.1"))).toEqual([]);
    expect(await run(images("fluent/fluent-bit:3.1.9", "quay.io/prometheus/node-exporter:v1.8.2"))).toEqual([
      'container "c0" image "fluent/fluent-bit:3.1.9" (docker.io/fluent/fluent-bit) is not from an allowed registry: registry.example.com, docker.io/library.',
      'container "c1" image "quay.io/prometheus/node-exporter:v1.8.2" (quay.io/prometheus/node-exporter) is not from an allowed registry: registry.example.com, docker.io/library.',
    ]);
  });

  it("matches a prefix on whole path components only", async () => {
    const config = { allowedRegistries: ["docker.io/library", "quay.io/prometheus"] };
    expect(await run(images("docker.io/libraryx/redis:7.4.1", "quay.io/prometheus-community/tool:v1", "quay.io/prometheu/x:v1"), config)).toEqual([
      'container "c0" image "docker.io/libraryx/redis:7.4.1" (docker.io/libraryx/redis) is not from an allowed registry: docker.io/library, quay.io/prometheus.',
      'container "c1" image "quay.io/prometheus-community/tool:v1" (quay.io/prometheus-community/tool) is not from an allowed registry: docker.io/library, quay.io/prometheus.',
      'container "c2" image "quay.io/prometheu/x:v1" (quay.io/prometheu/x) is not from an allowed registry: docker.io/library, quay.io/prometheus.',
    ]);
    expect(await run(images("quay.io/prometheus/alertmanager:v0.27.0", "redis:7.4.1"), config)).toEqual([]);
  });

  it("allows a prefix that names one whole repository, and ignores trailing slashes on any prefix", async () => {
    const config = { allowedRegistries: ["docker.io/fluent/fluent-bit", "quay.io/prometheus-operator//", "registry.example.com/team/"] };
    expect(
      await run(images("fluent/fluent-bit:3.1.9", "quay.io/prometheus-operator/prometheus-config-reloader:v0.76.0", "registry.example.com/team/engine:v1"), config),
    ).toEqual([]);
    expect(await run(images("fluent/fluent-bit-plugins:1", "registry.example.com/teams/engine:v1", "registry.example.com/engine:v1"), config)).toEqual([
      'container "c0" image "fluent/fluent-bit-plugins:1" (docker.io/fluent/fluent-bit-plugins) is not from an allowed registry: docker.io/fluent/fluent-bit, quay.io/prometheus-operator//, registry.example.com/team/.',
      'container "c1" image "registry.example.com/teams/engine:v1" (registry.example.com/teams/engine) is not from an allowed registry: docker.io/fluent/fluent-bit, quay.io/prometheus-operator//, registry.example.com/team/.',
      'container "c2" image "registry.example.com/engine:v1" (registry.example.com/engine) is not from an allowed registry: docker.io/fluent/fluent-bit, quay.io/prometheus-operator//, registry.example.com/team/.',
    ]);
  });

  it("judges init containers too, and leaves a container with no image to image-tag-pinned", async () => {
    expect(await run(withContainers([{ name: "blank" }, { name: "app", image: "redis:7.4.1" }], [{ name: "setup", image: "ghcr.io/org/setup:1" }]))).toEqual([
      'init container "setup" image "ghcr.io/org/setup:1" (ghcr.io/org/setup) is not from an allowed registry: registry.example.com, docker.io/library.',
    ]);
  });

  it("refuses an allow-list that is empty, repeats a prefix, or holds an empty prefix", () => {
    const configure = (allowedRegistries: unknown) => () => reconcileConfig([policy("image-registry-allowed")], { "image-registry-allowed": { allowedRegistries } });
    expect(configure(["registry.example.com"])).not.toThrow();
    expect(configure([])).toThrow(PolicyConfigError);
    expect(configure([])).toThrow(/image-registry-allowed: \/allowedRegistries must NOT have fewer than 1 items/);
    expect(configure(["a.io", "a.io"])).toThrow(/image-registry-allowed: \/allowedRegistries must NOT have duplicate items/);
    expect(configure([""])).toThrow(/image-registry-allowed: \/allowedRegistries\/0 must NOT have fewer than 1 characters/);
    expect(configure([3])).toThrow(/image-registry-allowed: \/allowedRegistries\/0 must be string/);
    expect(configure("registry.example.com")).toThrow(/image-registry-allowed: \/allowedRegistries must be array/);
  });
});
