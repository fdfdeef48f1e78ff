// Option checks the senders share (TCP/TLS/UDP in sender.ts, RELP in relp/sender.ts): every
// problem is collected as `path: message`, so a caller reports them all at once.
import { DEFAULT_BACKOFF, type BackoffOptions } from './backoff.ts';

const DAY_MS = 86_400_000;

export class OptionProblems {
  readonly list: string[] = [];

  check(ok: boolean, problem: string): void {
    if (!ok) this.list.push(problem);
  }

  /** `value` (or `fallback`) when it is an integer from `min` to `max`; noted as a problem otherwise. */
  integer(value: number | undefined, fallback: number, min: number, max: number, path: string): number {
    const v = value ?? fallback;
    this.check(
      Number.isInteger(v) && v >= min && v <= max,
      `${path}: must be an integer from ${min} to ${max}, got ${v}`,
    );
    return v;
  }
}

export interface ConnectionOptions {
  host: string;
  port: number;
  connectTimeoutMs?: number;
  closeTimeoutMs?: number;
  reconnect?: { initialDelayMs?: number; maxDelayMs?: number };
}

/** The host, port, timeouts and reconnect backoff every connection-based sender takes. */
export function checkConnectionOptions(
  options: ConnectionOptions,
  defaults: { connectTimeoutMs: number; closeTimeoutMs: number },
  problems: OptionProblems,
): { port: number; connectTimeoutMs: number; closeTimeoutMs: number; backoff: BackoffOptions } {
  problems.check(
    typeof options.host === 'string' && options.host.trim() !== '',
    'host: must be a host name or address',
  );
  const port = problems.integer(options.port, 0, 1, 65_535, 'port');
  const connectTimeoutMs = problems.integer(
    options.connectTimeoutMs,
    defaults.connectTimeoutMs,
    1,
    DAY_MS,
    'connectTimeoutMs',
  );
  const closeTimeoutMs = problems.integer(
    options.closeTimeoutMs,
    defaults.closeTimeoutMs,
    1,
    DAY_MS,
    'closeTimeoutMs',
  );
  const initialDelayMs = problems.integer(
    options.reconnect?.initialDelayMs,
    DEFAULT_BACKOFF.initialDelayMs,
    1,
    DAY_MS,
    'reconnect.initialDelayMs',
  );
  const maxDelayMs = problems.integer(
    options.reconnect?.maxDelayMs,
    DEFAULT_BACKOFF.maxDelayMs,
    1,
    DAY_MS,
    'reconnect.maxDelayMs',
  );
  problems.check(
    maxDelayMs >= initialDelayMs,
    'reconnect.maxDelayMs: must not be less than reconnect.initialDelayMs',
  );
  return { port, connectTimeoutMs, closeTimeoutMs, backoff: { initialDelayMs, maxDelayMs } };
}
