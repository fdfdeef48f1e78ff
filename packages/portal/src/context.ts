// What every portal service is given: the store, a clock tests can move, a logger and the
// settings. Passed in, never imported, so tests swap any of them.
import type { Store } from './store/db.ts';

export interface Clock {
  now(): number;
}
export const systemClock: Clock = { now: () => Date.now() };

/** pino's calling convention; the portal passes a pino logger, tests a silent one. */
export interface Logger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}
export const silentLogger: Logger = { info() {}, warn() {}, error() {} };

export interface PortalSettings {
  /** The URL agents and browsers use; goes into agent tokens and CEF portalURL fields. */
  publicUrl: string;
  /** What an agent receives on first connect and on re-enable, and the furthest back it resumes. */
  backfillHours: number;
  /** Events ingested longer ago are deleted; 0 keeps everything. */
  retentionDays: number;
  configPollIntervalMs: number;
  heartbeatIntervalMs: number;
  /** Pull requests per second per agent and data type, and the burst allowed above it. */
  pullRatePerSecond: number;
  pullBurst: number;
  /** The fewest seqs one window of a filtered pull scans (a pull reads at most 16 windows). */
  pullScanWindow: number;
  sessionTtlMs: number;
}

export const DEFAULT_SETTINGS: Omit<PortalSettings, 'publicUrl'> = {
  backfillHours: 48,
  retentionDays: 30,
  configPollIntervalMs: 30_000,
  heartbeatIntervalMs: 60_000,
  pullRatePerSecond: 200,
  pullBurst: 400,
  pullScanWindow: 10_000,
  sessionTtlMs: 12 * 3600_000,
};

export interface PortalContext {
  store: Store;
  clock: Clock;
  logger: Logger;
  settings: PortalSettings;
  /** Aborted when the portal closes: long-running handlers (the config long poll) end before the store does. */
  shutdown?: AbortSignal;
}
