/**
 * The nodes' clock: chrony on every node synchronised to the Amazon Time Sync Service, through the
 * instance's PTP hardware clock where it has one and the link-local NTP endpoint otherwise.
 *
 * Source: Amazon EC2 User Guide, "Set the time reference on your EC2 instance to use the local
 * Amazon Time Sync Service" (configure-ec2-ntp), read 2026-12-07: the NTP endpoint 169.254.169.123
 * (`server 169.254.169.123 prefer iburst minpoll 4 maxpoll 4`); the PTP hardware clock with
 * `refclock PHC /dev/ptp_ena poll 0 delay 0.000010 prefer`, where /dev/ptp_ena is the udev symlink to
 * the ENA's clock (rule: SUBSYSTEM=="ptp", ATTR{clock_name}=="ena-ptp-*", SYMLINK += "ptp_ena");
 * the PHC needs one of the Regions and instance families below and ENA driver 2.10.0 or later. The
 * NTP endpoint smears leap seconds, the PHC does not: a node uses one or the other, never both as peers.
 */

/** The PTP hardware clock's availability, as the source above lists it. */
export const PHC_SUPPORT = {
  regions: ["us-east-1", "us-east-2", "ap-southeast-5", "ap-southeast-7", "ap-northeast-1", "eu-north-1"],
  /** Instance families (the part of the type before the size). C-family instances are not among them. */
  families: ["m7a", "m7g", "m7i", "r7a", "r7g", "r7i", "i8g", "i8ge"],
} as const;

export const TIME_SYNC_NTP = "169.254.169.123";
export const PHC_DEVICE = "/dev/ptp_ena";

export type TimeSource = "phc" | "ntp";

/** The family of an instance type: "c6i.metal" -> "c6i", "m7i-flex.large" -> "m7i-flex". */
export function instanceFamily(instanceType: string): string {
  return instanceType.split(".")[0];
}

/** The Amazon Time Sync Service's best path for this instance type in this Region. */
export function timeSource(instanceType: string, region: string): TimeSource {
  const family = instanceFamily(instanceType) as (typeof PHC_SUPPORT.families)[number];
  const inRegion = (PHC_SUPPORT.regions as readonly string[]).includes(region);
  return inRegion && PHC_SUPPORT.families.includes(family) ? "phc" : "ntp";
}

/**
 * /etc/chrony.conf, whole: the node's time comes from the Amazon Time Sync Service only. A clock is
 * stepped only in its first updates after boot (before the kubelet runs pods), then only slewed, so
 * timestamps never jump backwards under a running engine.
 */
export function chronyConfig(source: TimeSource): string {
  const reference =
    source === "phc"
      ? [`refclock PHC ${PHC_DEVICE} poll 0 delay 0.000010 prefer`]
      : [`server ${TIME_SYNC_NTP} prefer iburst minpoll 4 maxpoll 4`];
  return [
    "# hft-platform node bootstrap: Amazon Time Sync Service only (components/time-sync.ts).",
    ...reference,
    "driftfile /var/lib/chrony/drift",
    "makestep 1.0 3",
    "rtcsync",
    "logdir /var/log/chrony",
    "",
  ].join("\n");
}

/**
 * The boot script part that installs the configuration and restarts chronyd. On a PHC node it makes
 * sure the device link exists first; if the clock is still missing (an ENA driver older than 2.10.0)
 * it falls back to the NTP endpoint, and the clock alerts judge the result.
 */
export function timeSyncBootScript(source: TimeSource): string {
  const write = (config: string) => `cat > /etc/chrony.conf <<'CHRONY'\n${config}CHRONY`;
  const install =
    source === "phc"
      ? `if [ ! -e ${PHC_DEVICE} ]; then
  echo 'SUBSYSTEM=="ptp", ATTR{clock_name}=="ena-ptp-*", SYMLINK += "ptp_ena"' > /etc/udev/rules.d/53-hft-ptp-ena.rules
  udevadm control --reload-rules && udevadm trigger --subsystem-match=ptp && udevadm settle
fi
if [ -e ${PHC_DEVICE} ]; then
${write(chronyConfig("phc"))}
else
  echo "hft-platform: no ${PHC_DEVICE} (ENA driver < 2.10.0?): using the NTP endpoint" >&2
${write(chronyConfig("ntp"))}
fi`
      : write(chronyConfig("ntp"));
  return `#!/bin/bash
set -euo pipefail
# Clock discipline: the Amazon Time Sync Service (${source === "phc" ? "PTP hardware clock" : `NTP at ${TIME_SYNC_NTP}`}).
${install}
systemctl enable chronyd
systemctl restart chronyd
`;
}
