import { list, section, text, TierContext, withRules } from "./fields";

/**
 * When the market the engine trades is open: the prod deploy refuses a change that disrupts the
 * trading path during a session (tools/trading-session.ts, .github/workflows/up.yml).
 */
export interface TradingSessionConfig {
  /** IANA time zone the hours and holidays are written in (DST follows the zone). */
  timeZone: string;
  /** Session hours per weekday, "HH:MM-HH:MM" local time; a day without hours is closed. */
  hours: Partial<Record<Weekday, string>>;
  /** Local dates (YYYY-MM-DD) on which the market is closed all day. */
  holidays: string[];
}

export const WEEKDAYS = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/**
 * US equities holidays 2026-2028: NYSE Group, "NYSE Group Announces 2026, 2027 And 2028 Holiday And
 * Early Closings Calendar", 2025-12-23 (mondovisione.com), read 2026-12-07. Early closes (13:00 ET)
 * are not listed: the session is taken as the full day, which refuses more, never less.
 */
export const NYSE_HOLIDAYS = [
  "2026-01-01", "2026-01-19", "2026-02-16", "2026-04-03", "2026-05-25", "2026-06-19", "2026-07-03", "2026-09-07", "2026-11-26", "2026-12-25",
  "2027-01-01", "2027-01-18", "2027-02-15", "2027-03-26", "2027-05-31", "2027-06-18", "2027-07-05", "2027-09-06", "2027-11-25", "2027-12-24",
  "2028-01-17", "2028-02-21", "2028-04-14", "2028-05-29", "2028-06-19", "2028-07-04", "2028-09-04", "2028-11-23", "2028-12-25",
];

const WEEKDAYS_ONLY = (range: string): Partial<Record<Weekday, string>> => ({ monday: range, tuesday: range, wednesday: range, thursday: range, friday: range });

/**
 * Defaults per tier. Production: US equities from the pre-market open to the end of after-hours
 * trading (04:00-20:00 ET, Nasdaq's and NYSE Arca's extended hours), when the engine holds orders.
 * Development: the regular session (09:30-16:00 ET), when paper trading follows live data.
 */
export function defaultTradingSession(prod: boolean): TradingSessionConfig {
  return { timeZone: "America/New_York", hours: WEEKDAYS_ONLY(prod ? "04:00-20:00" : "09:30-16:00"), holidays: NYSE_HOLIDAYS };
}

/** A time zone the runtime's tz database knows (the Node of the workflows and the tools). */
export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

const CLOCK = "(?:[01]\\d|2[0-3]):[0-5]\\d";
const HOURS = new RegExp(`^(${CLOCK})-(${CLOCK}|24:00)$`);

/** Minutes after local midnight of a session range's open and close. */
export function parseHours(range: string): { open: number; close: number } | undefined {
  const m = HOURS.exec(range);
  if (!m) return undefined;
  const minutes = (t: string) => Number(t.slice(0, 2)) * 60 + Number(t.slice(3));
  const open = minutes(m[1]);
  const close = minutes(m[2]);
  return open < close ? { open, close } : undefined;
}

function isCalendarDate(value: string): boolean {
  const d = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().startsWith(value);
}

const hoursAllowed = 'local hours "HH:MM-HH:MM" with the open before the close, e.g. "09:30-16:00" (a session past midnight is two days\' hours)';

export function tradingSessionSchema({ prod }: TierContext) {
  const day = (d: Weekday) => text(HOURS, hoursAllowed, (v) => parseHours(v) !== undefined).optional().describe(`Session hours on ${d}, local time, e.g. "09:30-16:00".`);
  const hours = section({
    sunday: day("sunday"),
    monday: day("monday"),
    tuesday: day("tuesday"),
    wednesday: day("wednesday"),
    thursday: day("thursday"),
    friday: day("friday"),
    saturday: day("saturday"),
  });
  const fields = section({
    timeZone: text(/^[A-Za-z_]+(\/[A-Za-z0-9_+-]+)*$/, 'an IANA time zone such as "America/New_York", "Europe/London" or "UTC"', isTimeZone).describe(
      "IANA time zone of the hours and holidays; daylight saving time follows the zone.",
    ),
    hours: hours.describe('Session hours per weekday (sunday … saturday), "HH:MM-HH:MM" local time; a day without hours is closed.'),
    holidays: list(text(/^\d{4}-\d{2}-\d{2}$/, "dates YYYY-MM-DD", isCalendarDate))
      .default([])
      .describe("Local dates (YYYY-MM-DD) on which the market is closed all day."),
  });
  return withRules(fields, (r) => {
    if (r.valid("holidays")) {
      r.value.holidays.forEach((day, i) => {
        if (r.value.holidays.indexOf(day) !== i) r.problem(`holidays.${i}`, day, "each date once");
      });
    }
    if (prod && r.valid("hours") && Object.values(r.value.hours).every((h) => h === undefined)) {
      r.problem("hours", r.value.hours, "hours on at least one weekday in production (a stack that never trades is never protected)");
    }
  })
    .default(defaultTradingSession(prod))
    .describe(
      "When the market is open: the prod deploy refuses a change that disrupts trading during a session. Default per tier: production 04:00-20:00, development 09:30-16:00, America/New_York on weekdays, NYSE holidays 2026-2028.",
    );
}
