import { HftPolicy } from "../rules";
import { accessPolicies } from "./access";
import { availabilityPolicies } from "./availability";
import { awsPolicies } from "./aws";
import { chartAccessPolicies } from "./chart-access";
import { dataProtectionPolicies } from "./data-protection";
import { dataStorePolicies } from "./data-stores";
import { engineIsolationPolicies } from "./engine-isolation";
import { engineLatencyPolicies } from "./engine-latency";
import { engineLocalityPolicies } from "./engine-locality";
import { engineNodePolicies } from "./engine-nodes";
import { exposurePolicies } from "./exposure";
import { iamPolicies } from "./iam";
import { imagePolicies } from "./images";
import { networkPolicies } from "./network";
import { podBaselinePolicies } from "./pod-baseline";
import { scalingPolicies } from "./scaling";
import { secretPolicies } from "./secrets";
import { securityContextPolicies } from "./security-contexts";
import { storagePolicies } from "./storage";
import { workloadPolicies } from "./workloads";

/** Every rule of the pack, by family; the pack and the offline gate both run exactly this list. */
export const allPolicies: HftPolicy[] = [
  ...workloadPolicies,
  ...securityContextPolicies,
  ...imagePolicies,
  ...availabilityPolicies,
  ...networkPolicies,
  ...secretPolicies,
  ...storagePolicies,
  ...awsPolicies,
  ...engineLatencyPolicies,
  ...engineNodePolicies,
  ...engineIsolationPolicies,
  ...engineLocalityPolicies,
  ...dataProtectionPolicies,
  ...exposurePolicies,
  ...iamPolicies,
  ...accessPolicies,
  ...dataStorePolicies,
  ...scalingPolicies,
  ...podBaselinePolicies,
  ...chartAccessPolicies,
];
