import { describe, expect, it } from "vitest";
import { defaultTradingSession, TradingSessionConfig } from "../components/config";
import { ClassifiedObject } from "../tools/disruption";
import { gate, impactFromDiff, sessionAt } from "../tools/trading-session";
import { eksConfig, existingConfig, problems, expectRejected } from "./stack-config";

const at = (iso: string) => new Date(iso);
const newYork: TradingSessionConfig = { timeZone: "America/New_York", hours: { monday: "09:30-16:00", friday: "09:30-16:00" }, holidays: ["2027-03-26"] };
const london: TradingSessionConfig = { timeZone: "Europe/London", hours: { monday: "08:00-16:30" }, holidays: [] };

describe("the session window", () => {
  it("follows New York's daylight saving time: 09:30 is 14:30 UTC in winter, 13:30 UTC in summer", () => {
    // 2027-03-08: EST (UTC-5). DST starts 2027-03-14. 2027-03-15: EDT (UTC-4).
    expect(sessionAt(newYork, at("2027-03-08T14:29:00Z")).open).toBe(false);
    expect(sessionAt(newYork, at("2027-03-08T14:30:00Z")).open).toBe(true);
    expect(sessionAt(newYork, at("2027-03-15T13:29:00Z")).open).toBe(false);
    expect(sessionAt(newYork, at("2027-03-15T13:30:00Z"))).toMatchObject({ open: true, local: "monday 2027-03-15 09:30 America/New_York" });
    // The close is exclusive: 16:00 EDT is 20:00 UTC.
    expect(sessionAt(newYork, at("2027-03-15T19:59:00Z")).open).toBe(true);
    expect(sessionAt(newYork, at("2027-03-15T20:00:00Z")).open).toBe(false);
  });

  it("follows London's: 08:00 is 08:00 UTC in winter and 07:00 UTC in summer (BST from 2027-03-28)", () => {
    expect(sessionAt(london, at("2027-03-22T07:30:00Z")).open).toBe(false);
    expect(sessionAt(london, at("2027-03-22T08:00:00Z")).open).toBe(true);
    expect(sessionAt(london, at("2027-03-29T07:00:00Z")).open).toBe(true);
    expect(sessionAt(london, at("2027-03-29T06:59:00Z")).open).toBe(false);
  });

  it("is closed on a holiday, on a day without hours and at the weekend, by the local date", () => {
    expect(sessionAt(newYork, at("2027-03-26T15:00:00Z"))).toMatchObject({ open: false, why: "2027-03-26 is a holiday" });
    expect(sessionAt(newYork, at("2027-03-09T15:00:00Z"))).toMatchObject({ open: false, why: "no session on tuesday" });
    expect(sessionAt(newYork, at("2027-03-13T15:00:00Z"))).toMatchObject({ open: false, why: "no session on saturday" });
    // Friday 21:00 in New York is already Saturday in UTC: the local day decides.
    const late: TradingSessionConfig = { ...newYork, hours: { friday: "18:00-23:00" } };
    expect(sessionAt(late, at("2027-03-13T02:00:00Z"))).toMatchObject({ open: true, local: "friday 2027-03-12 21:00 America/New_York" });
  });

  it("defaults by tier: production covers extended hours, development the regular session, both closed on NYSE holidays", () => {
    const prod = eksConfig("prod").tradingSession;
    const dev = eksConfig("dev").tradingSession;
    expect(prod).toEqual(defaultTradingSession(true));
    expect(dev).toEqual(defaultTradingSession(false));
    // Monday 2026-12-07 05:00 EST: production's session, not development's.
    expect(sessionAt(prod, at("2026-12-07T10:00:00Z")).open).toBe(true);
    expect(sessionAt(dev, at("2026-12-07T10:00:00Z")).open).toBe(false);
    // Christmas 2026 (a Friday) and Good Friday 2027.
    for (const day of ["2026-12-25T15:00:00Z", "2027-03-26T15:00:00Z"]) expect(sessionAt(prod, at(day)).open).toBe(false);
    expect(existingConfig("local").tradingSession).toEqual(defaultTradingSession(false));
  });
});

describe("tradingSession config", () => {
  it("takes a stack's own calendar", () => {
    expect(eksConfig("prod", { tradingSession: london }).tradingSession).toEqual(london);
  });

  it("refuses what cannot be a calendar, one line per key naming the stack file", () => {
    expectRejected("prod", { tradingSession: { ...london, timeZone: "Mars/Olympus" } }, "tradingSession.timeZone", /an IANA time zone such as "America\/New_York"/);
    expectRejected("prod", { tradingSession: { ...london, hours: { monday: "16:00-09:30" } } }, "tradingSession.hours.monday", /open before the close/);
    expectRejected("prod", { tradingSession: { ...london, hours: { monday: "9:30-16:00" } } }, "tradingSession.hours.monday", /"HH:MM-HH:MM"/);
    const misspelt = problems("prod", { tradingSession: { ...london, hours: { mon: "09:30-16:00" } } });
    expect(misspelt.find((p) => p.startsWith("hft-platform:tradingSession.hours.mon"))).toMatch(/monday/);
    expectRejected("prod", { tradingSession: { ...london, holidays: ["2027-02-30"] } }, "tradingSession.holidays", /YYYY-MM-DD/);
    expectRejected("prod", { tradingSession: { ...london, holidays: ["2027-01-01", "2027-01-01"] } }, "tradingSession.holidays", /each date once/);
    expectRejected("prod", { tradingSession: { ...london, hours: {} } }, "tradingSession.hours", /at least one weekday in production/);
    // Development may have no session at all.
    expect(problems("dev", { tradingSession: { ...london, hours: {} } })).toEqual([]);
    const all = problems("prod", { tradingSession: { timeZone: "Mars/Olympus", hours: { monday: "16:00-09:30" }, holidays: ["someday"] } });
    expect(all.filter((p) => p.startsWith("hft-platform:tradingSession"))).toHaveLength(3);
  });
});

describe("the deploy gate", () => {
  const engineNodes: ClassifiedObject = { type: "aws:ec2/launchTemplate:LaunchTemplate", name: "hft-engine", class: "disruptive", reason: "replaces the engine nodes" };
  const disruptive = { class: "disruptive" as const, objects: [engineNodes] };
  const base = { stack: "prod", tier: "production" as const, session: newYork, scriptedClock: true, impact: disruptive };
  const open = at("2027-03-15T15:00:00Z");
  const closed = at("2027-03-15T22:00:00Z");

  it("refuses a disruptive production change during the session, naming what it disrupts", () => {
    const d = gate({ ...base, now: open });
    expect(d.proceed).toBe(false);
    expect(d.error).toMatch(/^prod: a disruptive change during the trading session \(monday 2027-03-15 11:00 America\/New_York\)/);
    expect(d.summary.join("\n")).toContain("hft-engine: replaces the engine nodes");
  });

  it("lets it through with an override, whose reason and author go into the summary", () => {
    const d = gate({ ...base, now: open, overrideReason: "CVE-2027-0001 kernel fix", actor: "alice" });
    expect(d.proceed).toBe(true);
    expect(d.summary.join("\n")).toContain("proceed by override** from alice: CVE-2027-0001 kernel fix");
    expect(gate({ ...base, now: open, overrideReason: "   " }).proceed).toBe(false);
  });

  it("lets it through outside the session, and a safe change or a development stack at any time", () => {
    expect(gate({ ...base, now: closed }).proceed).toBe(true);
    expect(gate({ ...base, now: open, impact: { class: "safe", objects: [] } }).proceed).toBe(true);
    expect(gate({ ...base, now: open, tier: "development" }).proceed).toBe(true);
    // Unknown waits like disruptive: no rule says it is safe.
    expect(gate({ ...base, now: open, impact: { class: "unknown", objects: [] } }).proceed).toBe(false);
  });

  it("counts a stack the diff could not compare as unknown", () => {
    expect(impactFromDiff('{"stacks":[]}', "prod").class).toBe("unknown");
    expect(impactFromDiff(JSON.stringify({ stacks: [{ stack: "prod", error: "base render failed" }] }), "prod").objects[0].reason).toContain("base render failed");
    expect(impactFromDiff(JSON.stringify({ stacks: [{ stack: "prod", trading: disruptive }] }), "prod")).toEqual(disruptive);
  });
});
