import { beforeAll, describe, expect, it } from "vitest";
import { runStack } from "../tools/harness";
import { Inventory } from "./inventory";

let inv: Inventory;
const values = () => inv.one("kubernetes:helm.sh/v4:Chart", "kube-prometheus-stack").inputs.values as any;

beforeAll(async () => {
  inv = new Inventory((await runStack("dev")).inventory);
});

describe("dev monitoring", () => {
  it("runs single replicas whose volumes go with the stack", () => {
    const prometheus = values().prometheus.prometheusSpec;
    expect(prometheus).toMatchObject({ replicas: 1, retention: "7d", retentionSize: "40GB", podAntiAffinity: "soft" });
    expect(prometheus.storageSpec.volumeClaimTemplate.spec).toMatchObject({ storageClassName: "fast-ssd", resources: { requests: { storage: "50Gi" } } });
    expect(prometheus.persistentVolumeClaimRetentionPolicy).toEqual({ whenDeleted: "Delete", whenScaled: "Delete" });
    expect(values().alertmanager.alertmanagerSpec).toMatchObject({ replicas: 1, storage: { volumeClaimTemplate: { spec: { storageClassName: "gp3" } } } });
  });

  it("routes every alert to the explicit discard receiver and needs no receiver Secret", () => {
    expect(values().alertmanager.config.route).toMatchObject({ receiver: "dev-discard", routes: [] });
    expect(values().alertmanager.config.receivers).toEqual([{ name: "dev-discard" }]);
    expect(values().alertmanager.alertmanagerSpec.secrets).toEqual([]);
    expect(inv.all("kubernetes:core/v1:Secret").map((s) => (s.inputs as any).metadata.name)).not.toContain("alertmanager-receivers");
  });

  it("keeps the security settings of prod", () => {
    expect(values().kubeEtcd).toEqual({ enabled: false });
    expect(values().prometheusOperator.admissionWebhooks.enabled).toBe(false);
    expect(values().grafana.admin.existingSecret).toBe("grafana-admin");
    expect(inv.k8s("kubernetes:core/v1:Namespace", "monitoring").metadata.labels["pod-security.kubernetes.io/enforce"]).toBe("restricted");
  });
});
