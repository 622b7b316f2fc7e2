/**
 * The chart access rules: Grafana's RBAC from its chart values and from the objects the charts
 * template, TLS of aggregated APIs (and the prometheus-adapter values that decide it), and Secret
 * values in a GitOps export, each with its exact finding and the values it must let through.
 */
import { describe, expect, it } from "vitest";
import { PolicyConfigError, reconcileConfig } from "../../../tools/policy-engine";
import { K8S } from "../../kubernetes";
import { check, messages, policy, resource } from "../harness";

const chart = (props: object, type: string = K8S.helmChart) => resource(type, props, "chart");

const API_SERVICE = "kubernetes:apiregistration.k8s.io/v1:APIService";
const CLUSTER_ROLE = "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole";
const CLUSTER_ROLE_BINDING = "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding";
const INJECT_CA = "cert-manager.io/inject-ca-from";

describe("grafana-rbac-namespaced", () => {
  const rule = "grafana-rbac-namespaced";
  const safe = () => ({
    rbac: { namespaced: true, useExistingRole: "grafana-sidecar" },
    sidecar: { dashboards: { searchNamespace: ["monitoring"] }, datasources: { searchNamespace: "monitoring" } },
  });
  const stack = (grafana: object) => chart({ chart: "kube-prometheus-stack", values: { grafana } });
  const own = (values: object) => chart({ chart: "grafana", values });
  const outside = (at: string, kind: string, ns: string, allowed = '["monitoring"]') =>
    `${at}.sidecar.${kind}.searchNamespace includes ${JSON.stringify(ns)}: outside the allowed namespaces ${allowed} (policy config grafana-rbac-namespaced.searchNamespaces).`;

  it("passes Grafana namespaced on a ConfigMap role, in kube-prometheus-stack and in its own chart", async () => {
    expect(await messages(rule, [stack(safe()), own(safe())])).toEqual([]);
  });

  it("names each unsafe RBAC value under its chart's path", async () => {
    const unsafe = { rbac: { namespaced: false, extraClusterRoleRules: [{ apiGroups: [""], resources: ["secrets"], verbs: ["get"] }], useExistingRole: "" }, sidecar: safe().sidecar };
    const findings = (at: string) => [
      `${at}.rbac.namespaced is false: the grafana chart then binds a ClusterRole with get/list/watch on secrets in every namespace; set it to true.`,
      `${at}.rbac.extraClusterRoleRules adds a ClusterRole: Grafana needs none.`,
      `${at}.rbac.useExistingRole is not set: the chart's own Role reads Secrets in its namespace; bind a Role on ConfigMaps instead.`,
    ];
    expect(await messages(rule, [stack(unsafe)])).toEqual(findings("values.grafana"));
    expect(await messages(rule, [own(unsafe)])).toEqual(findings("values"));
  });

  it("reads absent settings as the chart's defaults: a ClusterRole, the chart's own Role, and kube-prometheus-stack's dashboards searching ALL", async () => {
    expect(await messages(rule, [stack({})])).toEqual([
      "values.grafana.rbac.namespaced is null: the grafana chart then binds a ClusterRole with get/list/watch on secrets in every namespace; set it to true.",
      "values.grafana.rbac.useExistingRole is not set: the chart's own Role reads Secrets in its namespace; bind a Role on ConfigMaps instead.",
      outside("values.grafana", "dashboards", "ALL"),
    ]);
    expect(await messages(rule, [chart({ chart: "kube-prometheus-stack" })])).toEqual([
      "values.grafana.rbac.namespaced is null: the grafana chart then binds a ClusterRole with get/list/watch on secrets in every namespace; set it to true.",
      "values.grafana.rbac.useExistingRole is not set: the chart's own Role reads Secrets in its namespace; bind a Role on ConfigMaps instead.",
      outside("values.grafana", "dashboards", "ALL"),
    ]);
    expect(await messages(rule, [chart({ chart: "grafana" })])).toEqual([
      "values.rbac.namespaced is null: the grafana chart then binds a ClusterRole with get/list/watch on secrets in every namespace; set it to true.",
      "values.rbac.useExistingRole is not set: the chart's own Role reads Secrets in its namespace; bind a Role on ConfigMaps instead.",
    ]);
  });

  it("refuses a role name that is not a string, and rbac.namespaced given as a string", async () => {
    expect(await messages(rule, [own({ ...safe(), rbac: { namespaced: "true", useExistingRole: 7 } })])).toEqual([
      'values.rbac.namespaced is "true": the grafana chart then binds a ClusterRole with get/list/watch on secrets in every namespace; set it to true.',
      "values.rbac.useExistingRole is not set: the chart's own Role reads Secrets in its namespace; bind a Role on ConfigMaps instead.",
    ]);
  });

  it("names every namespace a sidecar searches outside the allowed ones, from a list or a comma-separated string", async () => {
    const sidecar = { dashboards: { searchNamespace: ["monitoring", "default", 5] }, datasources: { searchNamespace: "monitoring,kube-system,ALL" } };
    expect(await messages(rule, [stack({ ...safe(), sidecar })])).toEqual([
      outside("values.grafana", "dashboards", "default"),
      outside("values.grafana", "dashboards", "5"),
      outside("values.grafana", "datasources", "kube-system"),
      outside("values.grafana", "datasources", "ALL"),
    ]);
    expect(await messages(rule, [own({ ...safe(), sidecar: { datasources: { searchNamespace: "ALL" } } })])).toEqual([outside("values", "datasources", "ALL")]);
    expect(await messages(rule, [own({ ...safe(), sidecar: { dashboards: { searchNamespace: { ns: "x" } } } })])).toEqual([]);
  });

  it("judges sidecar namespaces against the stack's list", async () => {
    const sidecar = { dashboards: { searchNamespace: ["monitoring", "dashboards"] } };
    const config = { searchNamespaces: ["monitoring", "dashboards"] };
    expect(await messages(rule, [own({ ...safe(), sidecar })], config)).toEqual([]);
    expect(await messages(rule, [own({ ...safe(), sidecar: { dashboards: { searchNamespace: "ops" } } })], config)).toEqual([outside("values", "dashboards", "ops", '["monitoring","dashboards"]')]);
  });

  it("passes a kube-prometheus-stack without Grafana, and judges one with Grafana enabled", async () => {
    expect(await messages(rule, [stack({ enabled: false })])).toEqual([]);
    expect(await messages(rule, [own({ enabled: false })])).toEqual([]);
    expect(await messages(rule, [stack({ ...safe(), enabled: true, rbac: { namespaced: true } })])).toEqual([
      "values.grafana.rbac.useExistingRole is not set: the chart's own Role reads Secrets in its namespace; bind a Role on ConfigMaps instead.",
    ]);
  });

  it("recognises the charts by name or local archive, a Release too, and nothing else", async () => {
    expect(await messages(rule, [chart({ chart: "charts/kube-prometheus-stack-88.5.3.tgz", values: { grafana: {} } })])).toHaveLength(3);
    expect(await messages(rule, [chart({ chart: "grafana-12.11.1.tgz", values: {} })])).toHaveLength(2);
    expect(await messages(rule, [chart({ chart: "grafana", values: {} }, K8S.helmRelease)])).toHaveLength(2);
    for (const name of ["grafana-agent", "my-grafana", "grafana-12.11.tgz", "loki", "kube-prometheus-stack-lite"]) {
      const { findings, run } = await check(rule, [chart({ chart: name, values: {} })]);
      expect(findings, name).toEqual([]);
      expect(run.notApplicable, name).toEqual(["chart: not a chart that installs Grafana"]);
    }
    const unnamed = await check(rule, [chart({ chart: ["grafana"], values: {} }), chart({ values: {} }, K8S.helmRelease)]);
    expect(unnamed.findings).toEqual([]);
    expect(unnamed.run.notApplicable).toEqual(["chart: not a chart that installs Grafana", "chart: not a chart that installs Grafana"]);
    const bare = await check(rule, [chart({}), chart({}, K8S.helmRelease)]);
    // A v3 Release's inputs do reach policies: an empty one names no chart.
    expect(bare.run.notApplicable).toEqual([expect.stringMatching(/^chart: kubernetes:helm\.sh\/v4:Chart inputs are not sent to policies/), "chart: not a chart that installs Grafana"]);
  });

  it("refuses an empty namespace name in the config", () => {
    expect(() => reconcileConfig([policy(rule)], { [rule]: { searchNamespaces: [""] } })).toThrow(PolicyConfigError);
    expect(() => reconcileConfig([policy(rule)], { [rule]: { searchNamespaces: [""] } })).toThrow(/grafana-rbac-namespaced: \/searchNamespaces\/0 must NOT have fewer than 1 characters/);
    expect(() => reconcileConfig([policy(rule)], { [rule]: { searchNamespaces: "monitoring" } })).toThrow(/\/searchNamespaces must be array/);
  });
});

describe("grafana-no-cluster-role", () => {
  const rule = "grafana-no-cluster-role";
  const grafana = { "app.kubernetes.io/name": "grafana" };
  const object = (type: string, metadata: object | undefined, rules?: object[]) => resource(type, { ...(metadata ? { metadata } : {}), ...(rules ? { rules } : {}) }, "rbac");

  it("refuses Grafana's ClusterRole and binding, saying when the role reads secrets", async () => {
    expect(
      await messages(rule, [
        object(CLUSTER_ROLE, { name: "grafana-clusterrole", labels: grafana }, [{ resources: ["configmaps"] }, { resources: ["secrets"] }]),
        object(CLUSTER_ROLE, { name: "grafana-all", labels: grafana }, [{ resources: ["*"] }]),
        object(CLUSTER_ROLE, { name: "grafana-cm", labels: grafana }, [{ resources: ["configmaps"] }, { verbs: ["get"] }]),
        object(CLUSTER_ROLE_BINDING, { name: "grafana-binding", labels: grafana }),
        object(CLUSTER_ROLE, { labels: grafana }),
      ]),
    ).toEqual([
      "ClusterRole grafana-clusterrole belongs to Grafana and reads secrets in every namespace: set rbac.namespaced with rbac.useExistingRole in its chart values.",
      "ClusterRole grafana-all belongs to Grafana and reads secrets in every namespace: set rbac.namespaced with rbac.useExistingRole in its chart values.",
      "ClusterRole grafana-cm belongs to Grafana: set rbac.namespaced with rbac.useExistingRole in its chart values.",
      "ClusterRoleBinding grafana-binding belongs to Grafana: set rbac.namespaced with rbac.useExistingRole in its chart values.",
      "ClusterRole  belongs to Grafana: set rbac.namespaced with rbac.useExistingRole in its chart values.",
    ]);
  });

  it("passes cluster roles of everything else, labelled or not", async () => {
    const secrets = [{ resources: ["secrets"] }];
    expect(await messages(rule, [object(CLUSTER_ROLE, { name: "ksm", labels: { "app.kubernetes.io/name": "kube-state-metrics" } }, secrets), object(CLUSTER_ROLE, { name: "x" }, secrets), object(CLUSTER_ROLE, undefined, secrets)])).toEqual([]);
  });
});

describe("apiservice-verifies-tls", () => {
  const rule = "apiservice-verifies-tls";
  const service = { name: "prometheus-adapter", namespace: "monitoring" };
  const api = (spec: object, metadata: object | null = { name: "v1beta1.custom.metrics.k8s.io" }) => resource(API_SERVICE, { ...(metadata ? { metadata } : {}), spec }, "api");

  it("passes a service with a caBundle or cert-manager's injection, and local APIServices whatever they set", async () => {
    expect(
      await messages(rule, [
        api({ service, caBundle: "LS0tLS1CRUdJTi" }),
        api({ service }, { name: "a", annotations: { [INJECT_CA]: "monitoring/adapter-cert" } }),
        api({ service, insecureSkipTLSVerify: false, caBundle: "LS0t" }),
        api({ insecureSkipTLSVerify: true }, { name: "v1.apps" }),
        resource(API_SERVICE, { metadata: { name: "v1" } }, "local"),
      ]),
    ).toEqual([]);
  });

  it("refuses skipping verification even beside a CA, and a service with nothing to verify against", async () => {
    expect(
      await messages(rule, [
        api({ service, insecureSkipTLSVerify: true, caBundle: "LS0t" }),
        api({ service, insecureSkipTLSVerify: false }),
        api({ service, caBundle: "" }, { name: "b", annotations: { other: "x", [INJECT_CA]: "" } }),
        api({ service }, null),
      ]),
    ).toEqual([
      `APIService v1beta1.custom.metrics.k8s.io sets insecureSkipTLSVerify: true: give it a caBundle (or ${INJECT_CA}).`,
      `APIService v1beta1.custom.metrics.k8s.io has no caBundle and no ${INJECT_CA} annotation: the API server cannot verify the service.`,
      `APIService b has no caBundle and no ${INJECT_CA} annotation: the API server cannot verify the service.`,
      `APIService  has no caBundle and no ${INJECT_CA} annotation: the API server cannot verify the service.`,
    ]);
  });
});

describe("prometheus-adapter-verifies-tls", () => {
  const rule = "prometheus-adapter-verifies-tls";
  const adapter = (values?: object, type: string = K8S.helmChart) => chart({ chart: "prometheus-adapter", ...(values ? { values } : {}) }, type);
  const insecure = (certManager: string, tls: string) =>
    `values.certManager.enabled is ${certManager} and values.tls.enable is ${tls}: the chart then renders its APIServices with insecureSkipTLSVerify: true; set certManager.enabled.`;

  it("passes cert-manager or the chart's own TLS", async () => {
    expect(await messages(rule, [adapter({ certManager: { enabled: true } }), adapter({ tls: { enable: true } }), adapter({ certManager: { enabled: false }, tls: { enable: true } }, K8S.helmRelease)])).toEqual([]);
  });

  it("refuses neither, naming both values as it saw them", async () => {
    expect(await messages(rule, [adapter(), adapter({ certManager: { enabled: "true" }, tls: { enable: false } }), adapter({ certManager: {}, tls: { enable: 1 } })])).toEqual([
      insecure("null", "null"),
      insecure('"true"', "false"),
      insecure("null", "1"),
    ]);
  });

  it("is not applicable to other charts, nor to a chart registered without inputs", async () => {
    const { findings, run } = await check(rule, [chart({ chart: "prometheus-adapter-extra", values: {} }), chart({ values: {} }, K8S.helmRelease), chart({}), chart({}, K8S.helmRelease)]);
    expect(findings).toEqual([]);
    expect(run.notApplicable).toEqual([
      "chart: not the prometheus-adapter chart",
      "chart: not the prometheus-adapter chart",
      expect.stringMatching(/^chart: kubernetes:helm\.sh\/v4:Chart inputs are not sent to policies/),
      "chart: not the prometheus-adapter chart",
    ]);
  });
});

describe("gitops-export-no-secret-data", () => {
  const rule = "gitops-export-no-secret-data";
  const provider = (props: Record<string, unknown>) => ({ type: "pulumi:providers:kubernetes", urn: "urn:pulumi:test::hft-platform::pulumi:providers:kubernetes::hft-gitops", name: "hft-gitops", props });
  const secret = (props: object, providerProps?: Record<string, unknown>) =>
    resource(K8S.secret, { metadata: { name: "grafana-admin", namespace: "monitoring" }, type: "Opaque", ...props }, "s", providerProps ? { provider: provider(providerProps) } : {});
  const exported = { renderYamlToDirectory: "gitops/prod" };

  it("refuses a rendered Secret with values, naming the fields, the directory and the provider", async () => {
    expect(await messages(rule, [secret({ data: { a: "YQ==" }, stringData: { b: "[secret]" } }, exported), secret({ data: "", stringData: null }, exported)])).toEqual([
      "Secret monitoring/grafana-admin with data and stringData is written to gitops/prod by provider hft-gitops: apply it through the cluster's applying provider instead.",
      "Secret monitoring/grafana-admin with data is written to gitops/prod by provider hft-gitops: apply it through the cluster's applying provider instead.",
    ]);
    expect(await messages(rule, [resource(K8S.secret, { stringData: { b: "x" } }, "s", { provider: provider(exported) })])).toEqual([
      "Secret / with stringData is written to gitops/prod by provider hft-gitops: apply it through the cluster's applying provider instead.",
    ]);
  });

  it("passes a rendered Secret without values, and any Secret through an applying provider", async () => {
    expect(
      await messages(rule, [
        secret({}, exported),
        secret({ data: null }, exported),
        secret({ data: { a: "YQ==" } }),
        secret({ data: { a: "YQ==" } }, {}),
        secret({ data: { a: "YQ==" } }, { renderYamlToDirectory: "" }),
        secret({ data: { a: "YQ==" } }, { renderYamlToDirectory: true }),
      ]),
    ).toEqual([]);
  });
});
