/**
 * On-demand list prices (USD) per region, for the cost report.
 *
 * Source: the AWS Price List bulk API, offer files for AmazonEC2, AmazonEKS, AmazonEFS, AmazonS3,
 * AmazonCloudWatch, awskms and AWSELB (Linux, shared tenancy, no pre-installed software), as published on the
 * public pricing pages on the price date below. Refresh a region's table with, for example:
 *
 *   aws pricing get-products --region us-east-1 --service-code AmazonEC2 --filters \
 *     Type=TERM_MATCH,Field=instanceType,Value=c6i.metal Type=TERM_MATCH,Field=regionCode,Value=us-east-1 \
 *     Type=TERM_MATCH,Field=operatingSystem,Value=Linux Type=TERM_MATCH,Field=tenancy,Value=Shared \
 *     Type=TERM_MATCH,Field=preInstalledSw,Value=NA Type=TERM_MATCH,Field=capacitystatus,Value=Used
 *   aws pricing get-products --region us-east-1 --service-code AmazonEC2 --filters \
 *     Type=TERM_MATCH,Field=productFamily,Value=Storage Type=TERM_MATCH,Field=volumeApiName,Value=gp3 \
 *     Type=TERM_MATCH,Field=regionCode,Value=us-east-1
 *   curl -s https://pricing.us-east-1.amazonaws.com/offers/v1.0/aws/AmazonEKS/current/us-east-1/index.json
 *
 * (the same for AmazonEFS, AmazonS3, AmazonCloudWatch, awskms, AWSELB and the NatGateway usage types of
 * AmazonEC2), then copy `terms.OnDemand.*.priceDimensions.*.pricePerUnit.USD` here and move priceDate.
 * The values were not re-read from the API for this table (no AWS access offline): see docs/capacity-and-cost.md.
 */
export interface RegionPrices {
  priceDate: string;
  /** EC2 Linux on-demand, per instance-hour. */
  ec2Hourly: Record<string, number>;
  ebsGp3: { gbMonth: number; iopsMonthAbove3000: number; mibpsMonthAbove125: number };
  efsStandardGbMonth: number;
  efsBackupWarmGbMonth: number;
  natGatewayHour: number;
  natGatewayGb: number;
  publicIpv4Hour: number;
  /** EKS cluster in standard support, per cluster-hour. */
  eksClusterHour: number;
  nlbHour: number;
  nlbLcuHour: number;
  s3StandardGbMonth: number;
  cloudWatchLogsIngestGb: number;
  cloudWatchLogsStoreGbMonth: number;
  kmsKeyMonth: number;
}

export const HOURS_PER_MONTH = 730;

export const PRICES: Record<string, RegionPrices> = {
  "us-east-1": {
    priceDate: "2026-11-30",
    ec2Hourly: {
      "m6i.large": 0.096,
      "m6i.xlarge": 0.192,
      "m6i.2xlarge": 0.384,
      "m6i.4xlarge": 0.768,
      "m6i.8xlarge": 1.536,
      "r6i.large": 0.126,
      "r6i.xlarge": 0.252,
      "r6i.2xlarge": 0.504,
      "r6i.4xlarge": 1.008,
      "c6i.2xlarge": 0.34,
      "c6i.4xlarge": 0.68,
      "c6i.8xlarge": 1.36,
      "c6i.metal": 5.44,
    },
    ebsGp3: { gbMonth: 0.08, iopsMonthAbove3000: 0.005, mibpsMonthAbove125: 0.04 },
    efsStandardGbMonth: 0.3,
    efsBackupWarmGbMonth: 0.05,
    natGatewayHour: 0.045,
    natGatewayGb: 0.045,
    publicIpv4Hour: 0.005,
    eksClusterHour: 0.1,
    nlbHour: 0.0225,
    nlbLcuHour: 0.006,
    s3StandardGbMonth: 0.023,
    cloudWatchLogsIngestGb: 0.5,
    cloudWatchLogsStoreGbMonth: 0.03,
    kmsKeyMonth: 1,
  },
};

export function regionPrices(region: string): RegionPrices {
  const prices = PRICES[region];
  if (!prices) throw new Error(`no price table for region ${region} in tools/data/prices.ts: add one with the refresh command there`);
  return prices;
}
