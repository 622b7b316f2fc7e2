/**
 * The network model over the real prod render: every needed flow allowed, the engine's peers among
 * them, nothing from a stranger's pod to the order port or a webhook, and a policy change that
 * breaks a needed flow fails with the flow and the policy named.
 */
import { beforeAll, describe, expect, it } from "vitest";
import type { ClusterNetwork } from "../components/k8s/network";
import { evaluate } from "../tools/network/evaluate";
import { NetworkModel, networkModel, STRANGER } from "../tools/network/model";
import { networkErrors, networkReport } from "../tools/network/report";
import { runStack, StackRun } from "../tools/harness";
import { clusterNetworkOf, flowDiff } from "../tools/network/diff";
import { REPO_ROOT } from "../tools/harness";

let run: StackRun;
let model: NetworkModel;

beforeAll(async () => {
  run = await runStack("prod");
  model = networkModel(run.inventory, run.outputs.clusterNetwork as ClusterNetwork);
});

/** The model with one policy edited as a change to the program would edit it. */
function withPolicy(name: string, edit: (spec: any) => void): NetworkModel {
  const policies = structuredClone(model.policies);
  const target = policies.find((p) => `${p.namespace}/${p.name}` === name)!;
  edit(target);
  return { ...model, policies };
}

const pod = (namespace: string, name: string) => model.pods.find((p) => p.namespace === namespace && p.name === name)!;

describe("prod reachability", () => {
  it("allows every needed flow, the engine's peers on 8080 and 8443 among them", () => {
    const report = networkReport("prod", model);
    expect(networkErrors(report)).toEqual([]);
    expect(report.needed.blocked).toBe(0);
    expect(report.needed.allowed).toBe(report.needed.flows);
    const peers = report.flows.filter((f) => / peers (8080|8443)$/.test(f.name));
    expect(peers.map((f) => f.name)).toEqual(["hft-trading/trading-engine peers 8080", "hft-trading/trading-engine peers 8443"]);
    expect(peers.every((f) => f.allowed && f.pairs > 0)).toBe(true);
  });

  it("leaves no allowed pair unexplained but the ones kept with a reason", () => {
    const report = networkReport("prod", model);
    expect(report.unexplained.filter((p) => !p.reason)).toEqual([]);
  });

  it("lets a pod in default reach neither the order port nor a webhook nor the metrics adapter", () => {
    const stranger = { pod: model.pods.find((p) => p.namespace === STRANGER.namespace && p.name === STRANGER.name)! };
    const targets: [string, string, number][] = [
      ["hft-trading", "trading-engine", 8443],
      ["cnpg-system", "cnpg-controller-manager", 9443],
      ["cert-manager", "cert-manager-webhook", 10250],
      ["monitoring", "prometheus-adapter", 6443],
    ];
    for (const [namespace, name, port] of targets) {
      const verdict = evaluate(stranger, { pod: pod(namespace, name) }, port, "TCP", { policies: model.policies, namespaces: model.namespaces });
      expect(verdict.allowed, `${namespace}/${name}:${port}`).toBe(false);
    }
    // The control plane does reach the webhooks, from its own subnets.
    const controlPlane = { address: { name: "control plane", cidr: model.network.controlPlaneCidrs[0] } };
    expect(evaluate(controlPlane, { pod: pod("cnpg-system", "cnpg-controller-manager") }, 9443, "TCP", { policies: model.policies, namespaces: model.namespaces }).allowed).toBe(true);
  });

  it("fails when a change drops the engine's egress rule to its peers, naming the flow and the policy", () => {
    const broken = withPolicy("hft-trading/trading-engine-egress", (p) => {
      p.egress = p.egress.filter((rule: any) => !(rule.to?.[0]?.podSelector && !rule.to[0].namespaceSelector));
    });
    const errors = networkErrors(networkReport("prod", broken));
    expect(errors.length).toBeGreaterThan(0);
    for (const port of [8080, 8443]) {
      expect(errors.some((e) => e.includes(`needed flow "hft-trading/trading-engine peers ${port}"`) && e.includes("hft-trading/trading-engine-egress"))).toBe(true);
    }
  });

  it("reports the order port open to every pod when the clients' range keeps the pods' addresses", () => {
    const wide = withPolicy("hft-trading/trading-engine-ingress", (p) => {
      for (const rule of p.ingress) for (const peer of rule.from ?? []) if (peer.ipBlock) delete peer.ipBlock.except;
    });
    const report = networkReport("prod", wide);
    expect(report.unexplained).toContainEqual(expect.objectContaining({ from: "default/any-pod", to: "hft-trading/trading-engine", port: "8443/TCP" }));
  });

  it("reports Prometheus let out to every pod on every port, as the old scrape rule did", () => {
    const open = withPolicy("monitoring/prometheus", (p) => {
      p.egress.push({ to: [{ namespaceSelector: {} }] });
    });
    const report = networkReport("prod", open);
    // Whatever no policy isolates answers: the metrics-server's API port is nothing Prometheus scrapes.
    expect(report.unexplained).toContainEqual(expect.objectContaining({ from: "monitoring/prometheus", to: "kube-system/metrics-server", port: "10251/TCP" }));
  });

  it("fails a policy that opens the engine to the internet on 443 as unexplained, Services on 443 with it", () => {
    const https = withPolicy("hft-trading/trading-engine-egress", (p) => {
      p.egress.push({ to: [{ ipBlock: { cidr: "0.0.0.0/0" } }], ports: [{ protocol: "TCP", port: 443 }] });
    });
    const report = networkReport("prod", https);
    expect(report.unexplained).toContainEqual(expect.objectContaining({ from: "hft-trading/trading-engine", to: "0.0.0.0/0", port: "443/TCP" }));
  });

  it("reads the render's address ranges back from its resources, as the diff does for a base", () => {
    expect(clusterNetworkOf(run.inventory, "prod", REPO_ROOT)).toEqual(run.outputs.clusterNetwork);
  });

  it("shows in the diff the flows a change blocks and the pairs it closes", () => {
    const head = structuredClone(run.inventory);
    const egress = head.find((r) => r.type === "kubernetes:networking.k8s.io/v1:NetworkPolicy" && (r.inputs as any).metadata.name === "trading-engine-egress")!;
    (egress.inputs as any).spec.egress = (egress.inputs as any).spec.egress.filter((rule: any) => !(rule.to?.[0]?.podSelector && !rule.to[0].namespaceSelector));
    const d = flowDiff("prod", run.inventory, head, REPO_ROOT, REPO_ROOT);
    expect(d.blocked).toEqual(["hft-trading/trading-engine peers 8080", "hft-trading/trading-engine peers 8443"]);
    expect(d.closed).toEqual(["hft-trading/trading-engine -> hft-trading/trading-engine 8080/TCP", "hft-trading/trading-engine -> hft-trading/trading-engine 8443/TCP"]);
    expect(d.opened).toEqual([]);
  });
});
