/**
 * Every IAM path of a rendered stack, judged over the policies as rendered (tools/iam-paths.ts):
 * the backup stores, the engine's log store, the CSI driver roles, and who may assume each pod-identity role. The render
 * runs it and fails on a violation; out/<stack>/iam-report.json lists every path and its decision.
 */
import { CSI_DRIVER_IAM, CSI_FORBIDDEN, DriverRequest } from "./data/csi-driver-iam";
import { backupPaths } from "./iam-backup-paths";
import { logStorePaths } from "./iam-log-paths";
import { evaluatePaths, IamPath, IamReport, RenderedIam } from "./iam-paths";
import { InventoryEntry } from "./inventory";

/** Every IAM path of a rendered stack: backup stores, CSI driver roles, and who may assume each role. */
export async function checkIamPaths(inventory: InventoryEntry[]): Promise<IamReport> {
  const model = new RenderedIam(inventory);
  const notEvaluated = model.roles.filter((r) => r.unknownManaged.length > 0).map((r) => `${r.entry.name}: ${r.unknownManaged.join(", ")}`);
  return evaluatePaths([...backupPaths(model), ...logStorePaths(model), ...csiDriverPaths(model), ...trustPaths(model)], notEvaluated);
}

/** Each CSI driver role may make the calls its driver makes, and none of the forbidden ones. */
function csiDriverPaths(model: RenderedIam): IamPath[] {
  const paths: IamPath[] = [];
  for (const driver of CSI_DRIVER_IAM) {
    for (const role of model.roles.filter((r) => r.managedArns.includes(driver.managedPolicyArn))) {
      const ask = (r: DriverRequest, expected: "Allowed" | "Denied"): IamPath => {
        const resource = model.fill(r.resource);
        const context = Object.fromEntries(Object.entries(r.context ?? {}).map(([k, v]) => [k, typeof v === "string" ? model.fill(v) : v]));
        return {
          path: `${role.entry.name} (${driver.driver}): ${r.action} ${resource}${r.context ? ` ${JSON.stringify(context)}` : ""}`,
          expected,
          request: {
            principal: model.session(role),
            action: r.action,
            resource,
            resourceAccount: model.account,
            context: { "aws:SecureTransport": "true", ...context },
            identityPolicies: role.policies,
            // A KMS key decides with its key policy.
            ...(resource.startsWith("arn:aws:kms:") ? { resourcePolicy: model.keyPolicy(resource) } : {}),
          },
        };
      };
      paths.push(...driver.requests.map((r) => ask(r, "Allowed")), ...CSI_FORBIDDEN.map((r) => ask(r, "Denied")));
    }
  }
  return paths;
}

/** Pod-identity roles: EKS Pod Identity may assume and tag them; EC2, another account and anonymous callers may not. */
function trustPaths(model: RenderedIam): IamPath[] {
  const other = "arn:aws:iam::999988887777:root";
  return model.roles
    .filter((r) => r.podIdentity)
    .flatMap((role) =>
      (
        [
          ["pods.eks.amazonaws.com", "sts:AssumeRole", "Allowed"],
          ["pods.eks.amazonaws.com", "sts:TagSession", "Allowed"],
          ["ec2.amazonaws.com", "sts:AssumeRole", "Denied"],
          [other, "sts:AssumeRole", "Denied"],
        ] as const
      ).map(([principal, action, expected]) => ({
        path: `${role.entry.name} trust: ${principal} ${action}`,
        expected,
        request: { principal, action, resource: role.arn, resourceAccount: model.account, identityPolicies: [], resourcePolicy: role.trust },
      })),
    );
}
