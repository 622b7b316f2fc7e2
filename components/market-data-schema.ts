/**
 * The market-data schema of the trading platform, applied once at bootstrap (CloudNativePG runs it as
 * the superuser in the application database, from a ConfigMap). Every statement is idempotent, so the
 * same file can be re-run by hand after a restore or on an existing database without changing anything.
 *
 * ticks: every quote/trade print from the venues, hourly chunks, compressed after a day, kept 90 days.
 * trades: the platform's own executions, daily chunks, compressed after a week, kept 7 years (audit).
 * positions: position snapshots per account, daily chunks, compressed after a week, kept 2 years.
 */

export interface HypertablePolicy {
  table: string;
  chunkInterval: string;
  /** Columns each compressed batch is grouped by (queries filter on them). */
  segmentBy: string;
  compressAfter: string;
  retainFor: string;
}

export const MARKET_DATA_POLICIES: HypertablePolicy[] = [
  { table: "ticks", chunkInterval: "1 hour", segmentBy: "symbol, venue", compressAfter: "1 day", retainFor: "90 days" },
  { table: "trades", chunkInterval: "1 day", segmentBy: "symbol", compressAfter: "7 days", retainFor: "7 years" },
  { table: "positions", chunkInterval: "1 day", segmentBy: "account_id, symbol", compressAfter: "7 days", retainFor: "2 years" },
];

const TABLES = `
CREATE TABLE IF NOT EXISTS ticks (
  time        TIMESTAMPTZ    NOT NULL,
  symbol      TEXT           NOT NULL,
  venue       TEXT           NOT NULL,
  bid_price   NUMERIC(20, 8),
  bid_size    NUMERIC(20, 8),
  ask_price   NUMERIC(20, 8),
  ask_size    NUMERIC(20, 8),
  last_price  NUMERIC(20, 8),
  last_size   NUMERIC(20, 8),
  received_at TIMESTAMPTZ    NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS trades (
  time        TIMESTAMPTZ    NOT NULL,
  trade_id    TEXT           NOT NULL,
  order_id    TEXT           NOT NULL,
  account_id  TEXT           NOT NULL,
  symbol      TEXT           NOT NULL,
  venue       TEXT           NOT NULL,
  side        TEXT           NOT NULL CHECK (side IN ('buy', 'sell')),
  price       NUMERIC(20, 8) NOT NULL CHECK (price > 0),
  quantity    NUMERIC(20, 8) NOT NULL CHECK (quantity > 0),
  fee         NUMERIC(20, 8) NOT NULL DEFAULT 0,
  PRIMARY KEY (trade_id, time)
);

CREATE TABLE IF NOT EXISTS positions (
  time           TIMESTAMPTZ    NOT NULL,
  account_id     TEXT           NOT NULL,
  symbol         TEXT           NOT NULL,
  quantity       NUMERIC(20, 8) NOT NULL,
  average_price  NUMERIC(20, 8) NOT NULL,
  realized_pnl   NUMERIC(20, 8) NOT NULL DEFAULT 0,
  unrealized_pnl NUMERIC(20, 8) NOT NULL DEFAULT 0,
  PRIMARY KEY (account_id, symbol, time)
);
`;

const INDEXES = `
CREATE INDEX IF NOT EXISTS ticks_symbol_time_idx ON ticks (symbol, time DESC);
CREATE INDEX IF NOT EXISTS trades_symbol_time_idx ON trades (symbol, time DESC);
CREATE INDEX IF NOT EXISTS trades_order_idx ON trades (order_id, time DESC);
CREATE INDEX IF NOT EXISTS positions_symbol_time_idx ON positions (symbol, time DESC);
`;

function hypertable(p: HypertablePolicy): string {
  return `SELECT create_hypertable('${p.table}', by_range('time', INTERVAL '${p.chunkInterval}'), if_not_exists => TRUE);`;
}

/** Compression and retention are Timescale License features: the block skips them (loudly) on the Apache-2 edition. */
function policies(ps: HypertablePolicy[]): string {
  const perTable = ps
    .map(
      (p) => `    IF NOT EXISTS (SELECT 1 FROM timescaledb_information.hypertables WHERE hypertable_name = '${p.table}' AND compression_enabled) THEN
      ALTER TABLE ${p.table} SET (timescaledb.compress, timescaledb.compress_segmentby = '${p.segmentBy}', timescaledb.compress_orderby = 'time DESC');
    END IF;
    PERFORM add_compression_policy('${p.table}', INTERVAL '${p.compressAfter}', if_not_exists => TRUE);
    PERFORM add_retention_policy('${p.table}', INTERVAL '${p.retainFor}', if_not_exists => TRUE);`,
    )
    .join("\n");
  return `DO $$
BEGIN
  IF current_setting('timescaledb.license', true) = 'timescale' THEN
${perTable}
  ELSE
    RAISE WARNING 'TimescaleDB % edition: no compression or retention policies, chunks are kept until dropped by hand',
      current_setting('timescaledb.license', true);
  END IF;
END
$$;`;
}

/**
 * The bootstrap SQL. `owner` must be a validated PostgreSQL identifier (config.ts checks it): the
 * tables belong to the application role so the engine can write them without superuser rights.
 */
export function marketDataSchemaSql(owner: string): string {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(owner)) throw new Error(`invalid PostgreSQL role name ${JSON.stringify(owner)}`);
  return [
    "-- Market-data schema for the hft-platform (managed by Pulumi; idempotent).",
    "CREATE EXTENSION IF NOT EXISTS timescaledb;",
    `SET ROLE ${owner};`,
    TABLES.trim(),
    ...MARKET_DATA_POLICIES.map(hypertable),
    INDEXES.trim(),
    policies(MARKET_DATA_POLICIES),
    "RESET ROLE;",
    "",
  ].join("\n\n");
}
