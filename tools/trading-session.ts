/**
 * Is the market open, and may this deploy go ahead? The session window of a stack (its
 * `tradingSession` config: time zone, hours per weekday, holidays) and the gate the prod deploy
 * runs before `pulumi up` (.github/workflows/up.yml):
 *
 *   npx tsx tools/trading-session.ts --stack <s> [--config-dir DIR]                 # open or closed, now
 *   npx tsx tools/trading-session.ts --stack <s> --diff diff.json [--config-dir DIR] # the deploy gate
 *
 * The gate reads the stack's class from `npm run diff -- --json` (tools/disruption.ts): a production
 * stack's disruptive or unknown change is refused while a session is open, unless $OVERRIDE_REASON
 * gives a reason (the workflow_dispatch input); the decision, the objects and any override go to
 * $GITHUB_STEP_SUMMARY. $TRADING_SESSION_CLOCK (an ISO 8601 instant) replaces the clock: the workflow
 * test's scripted clock, and a drill's; the summary says when it was used.
 *
 * Exit codes (tools/cli.ts): 0 closed / proceed, 1 refused or an invalid stack file, 2 usage mistake.
 */
import { appendFileSync, existsSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { parseHours, parseStackConfig, Tier, TradingSessionConfig, WEEKDAYS } from "../components/config";
import { existingDir, parseFlags, requireStack, runMain, UsageError } from "./cli";
import type { ClassifiedObject, DisruptionClass } from "./disruption";
import { readStackConfig } from "./harness";

const REPO_ROOT = path.resolve(__dirname, "..");
const USAGE = "npx tsx tools/trading-session.ts --stack <stack> [--diff diff.json] [--config-dir DIR]";

export interface SessionState {
  open: boolean;
  /** The local wall clock in the session's zone, e.g. "monday 2026-12-07 10:15 America/New_York". */
  local: string;
  /** Why it is open or closed: the day's hours, a holiday, or no hours that day. */
  why: string;
}

/** The local date, weekday and minute of an instant in a time zone (the runtime's tz database, DST included). */
export function localTime(instant: Date, timeZone: string): { date: string; weekday: (typeof WEEKDAYS)[number]; minute: number; clock: string } {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat("en-US", { timeZone, year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", weekday: "long", hourCycle: "h23" })
      .formatToParts(instant)
      .map((p) => [p.type, p.value]),
  );
  const weekday = parts.weekday.toLowerCase() as (typeof WEEKDAYS)[number];
  return { date: `${parts.year}-${parts.month}-${parts.day}`, weekday, minute: Number(parts.hour) * 60 + Number(parts.minute), clock: `${parts.hour}:${parts.minute}` };
}

/** Whether the session is open at an instant: the weekday's hours, [open, close), on a day that is not a holiday. */
export function sessionAt(session: TradingSessionConfig, instant: Date): SessionState {
  const t = localTime(instant, session.timeZone);
  const local = `${t.weekday} ${t.date} ${t.clock} ${session.timeZone}`;
  if (session.holidays.includes(t.date)) return { open: false, local, why: `${t.date} is a holiday` };
  const hours = session.hours[t.weekday];
  const range = hours === undefined ? undefined : parseHours(hours);
  if (!range) return { open: false, local, why: `no session on ${t.weekday}` };
  const open = t.minute >= range.open && t.minute < range.close;
  return { open, local, why: `${t.weekday}'s session is ${hours}` };
}

export interface GateInput {
  stack: string;
  tier: Tier;
  session: TradingSessionConfig;
  now: Date;
  /** Whether the clock was replaced ($TRADING_SESSION_CLOCK). */
  scriptedClock: boolean;
  impact: { class: DisruptionClass; objects: ClassifiedObject[] };
  /** The override's reason, when one was given. */
  overrideReason?: string;
  actor?: string;
}

export interface GateDecision {
  proceed: boolean;
  /** Markdown for the deployment's summary. */
  summary: string[];
  /** One line for the log when refused. */
  error?: string;
}

/** The deploy gate: a production stack's disruptive (or unknown) change waits for the session to close, or for an override with a reason. */
export function gate(input: GateInput): GateDecision {
  const state = sessionAt(input.session, input.now);
  const reason = input.overrideReason?.trim();
  const deciding = input.impact.objects.filter((o) => o.class === input.impact.class);
  const summary = [
    `### Trading session gate: \`${input.stack}\``,
    "",
    `- Change: **${input.impact.class}**${deciding.length ? ` (${deciding.map((o) => `${o.namespace ? `${o.namespace}/` : ""}${o.name}: ${o.reason}`).join("; ")})` : ""}`,
    `- Session: **${state.open ? "open" : "closed"}** at ${state.local} (${state.why})${input.scriptedClock ? " — scripted clock ($TRADING_SESSION_CLOCK)" : ""}`,
  ];
  const gated = input.tier === "production" && input.impact.class !== "safe" && state.open;
  if (!gated) {
    const why = input.tier !== "production" ? "not a production stack" : input.impact.class === "safe" ? "the change is safe for trading" : "outside the trading session";
    return { proceed: true, summary: [...summary, `- Decision: **proceed** (${why})`] };
  }
  if (reason) {
    return { proceed: true, summary: [...summary, `- Decision: **proceed by override** from ${input.actor ?? "an unknown actor"}: ${reason}`] };
  }
  const error = `${input.stack}: a ${input.impact.class} change during the trading session (${state.local}); deploy after the session closes, or run up.yml with override_reason saying why it cannot wait`;
  return { proceed: false, summary: [...summary, `- Decision: **refused**: ${error}`], error };
}

/** The stack's class in `npm run diff -- --json` output; a stack that was not compared is unknown. */
export function impactFromDiff(diffJson: string, stack: string): GateInput["impact"] {
  let report;
  try {
    report = JSON.parse(diffJson) as { stacks?: { stack: string; error?: string; trading?: GateInput["impact"] }[] };
  } catch {
    throw new UsageError("--diff is not the JSON of npm run diff -- --json");
  }
  const entry = report.stacks?.find((s) => s.stack === stack);
  if (!entry?.trading) {
    const why = entry?.error ?? `stack ${stack} is not in the diff`;
    return { class: "unknown", objects: [{ type: "stack", name: stack, class: "unknown", reason: `not compared: ${why}` }] };
  }
  return entry.trading;
}

function clock(): { now: Date; scripted: boolean } {
  const scripted = process.env.TRADING_SESSION_CLOCK;
  if (!scripted) return { now: new Date(), scripted: false };
  const now = new Date(scripted);
  if (Number.isNaN(now.getTime())) throw new UsageError(`TRADING_SESSION_CLOCK "${scripted}" is not an ISO 8601 instant such as 2026-12-07T15:00:00Z`);
  return { now, scripted: true };
}

function readDiff(file: string): string {
  if (!existsSync(file)) throw new UsageError(`--diff ${file}: no such file (write it with npm run diff -- --base <ref> --stack <s> --json > ${file})`);
  return readFileSync(file, "utf8");
}

function main(): void {
  const flags = parseFlags(USAGE, { stack: { type: "string" }, diff: { type: "string" }, "config-dir": { type: "string" } });
  const dir = flags["config-dir"] === undefined ? REPO_ROOT : existingDir(flags["config-dir"], "--config-dir");
  const stack = requireStack(flags.stack, dir, USAGE);
  const { config, secretKeys } = readStackConfig(stack, dir);
  const parsed = parseStackConfig(config, stack, (key) => secretKeys.includes(key));
  const { now, scripted } = clock();
  if (flags.diff === undefined) {
    const state = sessionAt(parsed.tradingSession, now);
    console.log(`${stack}: session ${state.open ? "open" : "closed"} at ${state.local} (${state.why})`);
    return;
  }
  const decision = gate({
    stack,
    tier: parsed.tier,
    session: parsed.tradingSession,
    now,
    scriptedClock: scripted,
    impact: impactFromDiff(readDiff(flags.diff), stack),
    overrideReason: process.env.OVERRIDE_REASON,
    actor: process.env.GITHUB_ACTOR,
  });
  const summaryFile = process.env.GITHUB_STEP_SUMMARY;
  if (summaryFile) appendFileSync(summaryFile, `${decision.summary.join("\n")}\n`);
  if (!decision.proceed) {
    console.error(`::error::${decision.error}`);
    process.exitCode = 1;
  }
}

if (require.main === module) runMain(main);
