import { section, text } from "./fields";

/** cert-manager, the platform's certificate issuer (the metrics adapter's serving certificate; with backups, the plugin's mTLS). */
export interface CertManagerConfig {
  /** Exact cert-manager chart version from charts.jetstack.io, e.g. "v1.21.1". */
  version: string;
}

export function certManagerSchema() {
  return section({
    version: text(/^v\d+\.\d+\.\d+$/, 'an exact cert-manager chart version such as "v1.21.1" (no ranges)').describe(
      'Exact cert-manager chart version (charts.jetstack.io), e.g. "v1.21.1".',
    ),
  });
}
