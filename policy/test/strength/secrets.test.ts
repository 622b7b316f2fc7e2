/**
 * The secret rules: which names count as credentials (and which only reference one), which values
 * count as literals, where in pods, ConfigMaps, chart values and Secrets they are found, and the
 * exact finding for each.
 */
import { describe, expect, it } from "vitest";
import { EngineResource, PolicyConfigError, reconcileConfig } from "../../../tools/policy-engine";
import { Container, EnvVar, K8S } from "../../kubernetes";
import * as k from "../fixtures/kubernetes";
import { check, policy, resource, UNKNOWN_STRING } from "../harness";

const messages = async (rule: string, resources: EngineResource[], config?: Record<string, unknown>, stackTags?: Record<string, string>) =>
  (await check(rule, resources, { config, ...(stackTags ? { stackTags } : {}) })).findings.map((f) => f.message);

/** A Deployment whose one container sets these variables, and whose init container sets `init`. */
function withEnv(env: EnvVar[], init: EnvVar[] = []): EngineResource[] {
  const app = { ...k.container("app", "100m", "128Mi"), env } as Container;
  const setup = { ...k.initContainer(), env: init } as Container;
  return [resource(K8S.deployment, k.deployment({ ...k.appPod(), containers: [app], initContainers: [setup] }), "gateway")];
}

describe("env-secrets-from-refs", () => {
  const run = (resources: EngineResource[], config?: Record<string, unknown>) => messages("env-secrets-from-refs", resources, config);

  it("refuses every credential-looking name set to a literal, in init and regular containers, in any case", async () => {
    const names = ["DB_PASSWORD", "passwd", "CLIENT_SECRET", "Auth_Token", "API_KEY", "api-key", "APIKEY", "PRIVATE_KEY", "privatekey", "AWS_CREDENTIALS", "ACCESS_KEY", "access-key"];
    expect(await run(withEnv(names.map((name) => ({ name, value: "hunter2" })), [{ name: "SETUP_TOKEN", value: "t" }]))).toEqual([
      'init container "wait-for-dependencies" sets SETUP_TOKEN to a literal value: use valueFrom.secretKeyRef.',
      ...names.map((name) => `container "app" sets ${name} to a literal value: use valueFrom.secretKeyRef.`),
    ]);
  });

  it("passes references to a credential, values from a Secret, empty values and ordinary settings", async () => {
    const references = ["EXISTING_SECRET", "SECRET_NAME", "secret-ref", "SECRETREF", "API_KEY_REF", "PASSWORD_KEY", "TOKEN-KEY", "PASSWORD_FILE", "TOKEN_PATH", "SECRET-ENV"];
    const env: EnvVar[] = [
      ...references.map((name) => ({ name, value: "/run/secrets/x" })),
      { name: "API_TOKEN", valueFrom: { secretKeyRef: { name: "engine", key: "api-token" } } },
      { name: "DB_PASSWORD", value: "" },
      { name: "LOG_LEVEL", value: "debug" },
    ];
    expect(await run(withEnv(env))).toEqual([]);
  });

  it("anchors the reference names: a credential whose name merely contains one is still refused", async () => {
    expect(await run(withEnv([{ name: "MY_EXISTING_SECRET_VALUE", value: "v" }, { name: "SECRET_NAMES_PASSWORD", value: "v" }, { name: "TOKEN_FILE_CONTENT", value: "v" }]))).toEqual([
      'container "app" sets MY_EXISTING_SECRET_VALUE to a literal value: use valueFrom.secretKeyRef.',
      'container "app" sets SECRET_NAMES_PASSWORD to a literal value: use valueFrom.secretKeyRef.',
      'container "app" sets TOKEN_FILE_CONTENT to a literal value: use valueFrom.secretKeyRef.',
    ]);
  });

  it("reads the stack's name and reference patterns instead of the defaults", async () => {
    const config = { namePattern: "^DSN$|PASSPHRASE", referencePattern: "_HINT$" };
    expect(await run(withEnv([{ name: "dsn", value: "postgres://u:p@h/db" }, { name: "PASSPHRASE_HINT", value: "h" }, { name: "DB_PASSWORD", value: "p" }]), config)).toEqual([
      'container "app" sets dsn to a literal value: use valueFrom.secretKeyRef.',
    ]);
  });

  it("is undecidable, not silent, while a credential's value is unknown, and never reads other variables", async () => {
    expect(await run(withEnv([{ name: "REDIS_HOST", value: UNKNOWN_STRING }]))).toEqual([]);
    expect(await run(withEnv([{ name: "API_TOKEN", value: UNKNOWN_STRING }]))).toEqual([
      "can't run policy 'env-secrets-from-refs' during preview: string value at .spec.template.spec.containers.0.env.0.value can't be known during preview",
    ]);
  });

  it("refuses an empty or invalid name pattern in the stack's config", () => {
    const configure = (settings: Record<string, unknown>) => () => reconcileConfig([policy("env-secrets-from-refs")], { "env-secrets-from-refs": settings });
    expect(configure({ namePattern: "TOKEN", referencePattern: "_FILE$" })).not.toThrow();
    expect(configure({ namePattern: "" })).toThrow(PolicyConfigError);
    expect(configure({ namePattern: "" })).toThrow(/env-secrets-from-refs: \/namePattern must NOT have fewer than 1 characters/);
    expect(configure({ referencePattern: "" })).toThrow(/env-secrets-from-refs: \/referencePattern must NOT have fewer than 1 characters/);
    expect(configure({ namePattern: 1 })).toThrow(/env-secrets-from-refs: \/namePattern must be string/);
    expect(configure({ referencePattern: true })).toThrow(/env-secrets-from-refs: \/referencePattern must be string/);
  });
});

describe("configmap-no-secrets", () => {
  const run = (props: object, config?: Record<string, unknown>) => messages("configmap-no-secrets", [resource(K8S.configMap, { metadata: { name: "cfg" }, ...props }, "cfg")], config);

  it("refuses credential-looking keys with values in data and binaryData, each by its field", async () => {
    expect(await run({ data: { API_TOKEN: "abc", "app.yaml": "x: 1", REDIS_PASSWORD_FILE: "/run/secrets/redis", DB_PASSWORD: "" }, binaryData: { "tls.private_key": "LS0t", "logo.png": "iVBO" } })).toEqual([
      "data.API_TOKEN looks like a credential: move it to a Secret.",
      "binaryData.tls.private_key looks like a credential: move it to a Secret.",
    ]);
  });

  it("judges a ConfigMap with only one of the fields, or neither", async () => {
    expect(await run({ binaryData: { keystore_password: "cGFzcw==" } })).toEqual(["binaryData.keystore_password looks like a credential: move it to a Secret."]);
    expect(await run({ data: { secret: "s" } })).toEqual(["data.secret looks like a credential: move it to a Secret."]);
    expect(await run({})).toEqual([]);
  });

  it("reads the stack's patterns", async () => {
    expect(await run({ data: { dsn: "postgres://u:p@h/db", API_TOKEN: "abc" } }, { namePattern: "^dsn$" })).toEqual(["data.dsn looks like a credential: move it to a Secret."]);
    expect(await run({ data: { API_TOKEN: "abc" } }, { referencePattern: "TOKEN" })).toEqual([]);
  });
});

describe("helm-values-no-literal-secrets", () => {
  const run = (values: object | undefined, config?: Record<string, unknown>, type: string = K8S.helmChart) =>
    messages("helm-values-no-literal-secrets", [resource(type, { chart: "redis", ...(values ? { values } : {}) }, "redis")], config);
  const finding = (at: string) => `values.${at} sets a credential in chart values: reference a Kubernetes Secret instead (e.g. existingSecret).`;

  it("names each literal credential by its path, at the top, nested, and in name/value pairs inside lists", async () => {
    const values = {
      password: "top",
      auth: { enabled: true, password: "nested", existingSecret: "redis-auth", existingSecretPasswordKey: "password" },
      replica: { extraEnvVars: [{ name: "REDIS_PASSWORD", value: "hunter2" }, { name: "LOG_LEVEL", value: "debug" }, { name: "API_TOKEN", value: "" }] },
      grafana: { admin: { passwordKey: "admin-password" }, adminPassword: "prom-operator" },
    };
    expect(await run(values)).toEqual([finding("password"), finding("auth.password"), finding("replica.extraEnvVars[0].value"), finding("grafana.adminPassword")]);
  });

  it("passes flags, numbers and empty strings under credential-looking names", async () => {
    expect(await run({ auth: { createSecret: true, password: "", tokenTtl: 3600 }, serviceAccount: { automountServiceAccountToken: false } })).toEqual([]);
  });

  it("judges a list item by its name field, never by its index, even when every name counts as a credential", async () => {
    expect(await run({ passwords: ["p1"], env: [{ value: "v" }] }, { namePattern: ".", referencePattern: "^$" })).toEqual([finding("env[0].value")]);
    expect(await run({ tokens: ["t1"], extraEnv: [{ name: 7, value: "v" }, { value: "v" }] })).toEqual([]);
  });

  it("judges a Release's values, a chart without values, and is not applicable to a chart registered without inputs", async () => {
    expect(await run({ adminPassword: "x" }, undefined, K8S.helmRelease)).toEqual([finding("adminPassword")]);
    const bareRelease = await check("helm-values-no-literal-secrets", [resource(K8S.helmRelease, {}, "r")]);
    expect(bareRelease.findings).toEqual([]);
    expect(bareRelease.run.notApplicable).toEqual([]);
    expect(bareRelease.run.judged).toBe(1);
    const noValues = await check("helm-values-no-literal-secrets", [resource(K8S.helmChart, { chart: "redis" }, "redis")]);
    expect(noValues.findings).toEqual([]);
    expect(noValues.run.judged).toBe(1);
    const bareChart = await check("helm-values-no-literal-secrets", [resource(K8S.helmChart, {}, "c")]);
    expect(bareChart.run.judged).toBe(0);
    expect(bareChart.run.notApplicable).toEqual([expect.stringMatching(/^c: kubernetes:helm\.sh\/v4:Chart inputs are not sent to policies/)]);
  });

  it("reads the stack's patterns", async () => {
    expect(await run({ database: { dsn: "postgres://u:p@h/db", password: "p" } }, { namePattern: "^dsn$" })).toEqual([finding("database.dsn")]);
  });
});

describe("secret-values-are-pulumi-secrets", () => {
  const run = (props: object, stackTags?: Record<string, string>) => messages("secret-values-are-pulumi-secrets", [resource(K8S.secret, { metadata: { name: "s" }, type: "Opaque", ...props }, "s")], undefined, stackTags);

  it("names each plain key, and each whole plain field, of data and stringData", async () => {
    expect(await run({ data: { token: "[secret]", user: "YWRtaW4=" }, stringData: { password: "hunter2", key: "[secret]" } })).toEqual([
      "data.user is not a Pulumi secret: wrap the value in pulumi.secret() so it is encrypted in state.",
      "stringData.password is not a Pulumi secret: wrap the value in pulumi.secret() so it is encrypted in state.",
    ]);
    expect(await run({ data: "eyJhIjoxfQ==", stringData: "[secret]" })).toEqual(["data is not a Pulumi secret: wrap the value in pulumi.secret() so it is encrypted in state."]);
    expect(await run({ stringData: "plain" })).toEqual(["stringData is not a Pulumi secret: wrap the value in pulumi.secret() so it is encrypted in state."]);
  });

  it("passes Secrets whose values are all Pulumi secrets, or that hold no data", async () => {
    expect(await run({ data: "[secret]", stringData: { a: "[secret]" } })).toEqual([]);
    expect(await run({})).toEqual([]);
  });

  it("compares against the placeholder the gate named in the stack tag, not a fixed string", async () => {
    expect(await run({ stringData: { a: "<redacted>", b: "[secret]" } }, { "hft:inventory-secret-placeholder": "<redacted>" })).toEqual([
      "stringData.b is not a Pulumi secret: wrap the value in pulumi.secret() so it is encrypted in state.",
    ]);
  });

  it("is not applicable where secretness is invisible, and judges nothing then", async () => {
    const { findings, run } = await check("secret-values-are-pulumi-secrets", [resource(K8S.secret, { stringData: { password: "hunter2" } }, "s")], { stackTags: {} });
    expect(findings).toEqual([]);
    expect(run.judged).toBe(0);
    expect(run.notApplicable).toEqual(["s: secretness is not visible to policies during a deployment; the offline policy gate checks it"]);
  });
});
