/**
 * AWS commercial Regions (partition `aws`) an `eks` stack may deploy to.
 *
 * Source: AWS General Reference, "AWS Regions" (docs.aws.amazon.com/global-infrastructure/latest/regions/aws-regions.html),
 * cross-checked against the region lists of openshift-docs (installation-aws-regions.adoc, mx-central-1 and
 * ap-southeast-7) and datadog-lambda-python (ci/datasources/regions.yaml, ap-east-2 and ap-southeast-6);
 * taken 2026-11-30. Opt-in Regions are included: enabling one is an account setting, not a config value.
 * GovCloud (aws-us-gov) and China (aws-cn) are other partitions, with other ARNs and endpoints, and are
 * left out. Refresh: `aws account list-regions --region-opt-status-contains ENABLED ENABLED_BY_DEFAULT DISABLED --query 'Regions[].RegionName'`.
 */
export const AWS_REGIONS = [
  "af-south-1",
  "ap-east-1",
  "ap-east-2",
  "ap-northeast-1",
  "ap-northeast-2",
  "ap-northeast-3",
  "ap-south-1",
  "ap-south-2",
  "ap-southeast-1",
  "ap-southeast-2",
  "ap-southeast-3",
  "ap-southeast-4",
  "ap-southeast-5",
  "ap-southeast-6",
  "ap-southeast-7",
  "ca-central-1",
  "ca-west-1",
  "eu-central-1",
  "eu-central-2",
  "eu-north-1",
  "eu-south-1",
  "eu-south-2",
  "eu-west-1",
  "eu-west-2",
  "eu-west-3",
  "il-central-1",
  "me-central-1",
  "me-south-1",
  "mx-central-1",
  "sa-east-1",
  "us-east-1",
  "us-east-2",
  "us-west-1",
  "us-west-2",
] as const;
