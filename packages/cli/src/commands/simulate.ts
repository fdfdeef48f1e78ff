// `cloudsiem simulate`: pushes realistic activities, and the Defender for Identity alerts they raise, from
// the connected-app simulator to a portal's ingest API (DESIGN §7) as NDJSON, at a given rate.
import { accessSync, constants } from 'node:fs';
import { resolve } from 'node:path';
import {
  ADMIN_API_PREFIX,
  INGEST_BATCH_MAX,
  AdminApiError,
  createAdminClient,
  type IngestResult,
} from '@cloudsiem/protocol';
// The simulator lives with the portal (whose `up` runs it in-process); it has no runtime dependencies.
import { createSimulator } from '@cloudsiem/portal/simulator';
import { parseCommandArgs } from '../args.ts';
import { CliError, type Command } from '../cli-error.ts';
import { untilSignal } from '../signals.ts';

const USAGE = `Usage: cloudsiem simulate --portal URL --token API_TOKEN [options]

Pushes realistic activities of connected apps (Microsoft 365, Box, Salesforce, GitHub, AWS…) to the
portal's ingest API, with the Defender for Identity alerts some of them raise, until Ctrl-C.

Options:
  --portal URL      the portal's URL, e.g. https://cloudsiem.example.com
  --token TOKEN     an API token of scope ingest (create one in the portal: it may only ingest);
                    or set CLOUDSIEM_ADMIN_TOKEN (a token on the command line is visible in ps)
  --rate N          activities per second (default 20)
  --count N         stop after N activities (default: run until SIGINT or SIGTERM)
  --batch N         activities per request, 1 to ${INGEST_BATCH_MAX} (default 200)
  --seed N          seed of the simulator: the same seed gives the same traffic
  --ca-file FILE    trust the CA in FILE (PEM) for an https portal. Node reads extra CAs only at
                    start, so run as NODE_EXTRA_CA_CERTS=FILE cloudsiem simulate … --ca-file FILE
  -h, --help        this help

Exit codes: 0 stopped by signal or --count reached; 2 bad arguments; 3 token rejected; 1 anything else.`;

const DEFAULT_RATE = 20;
const MAX_RATE = 100_000;
const DEFAULT_BATCH = 200;
/** A partial batch goes out at least this often, so a low rate still reaches the portal steadily. */
const FLUSH_INTERVAL_MS = 1_000;
const PROGRESS_INTERVAL_MS = 5_000;
const RETRY_BASE_MS = 500;
const RETRY_MAX_MS = 30_000;
const REJECTIONS_SHOWN = 10;
/** TLS failures that a retry cannot fix. */
const CERTIFICATE_ERRORS = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_HAS_EXPIRED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

export interface SimulateOptions {
  /** The portal's base URL, without a trailing slash. */
  readonly portalUrl: string;
  readonly token: string;
  /** Activities per second. */
  readonly rate: number;
  /** Stop after this many activities; null: until stopped. */
  readonly count: number | null;
  readonly batchSize: number;
  readonly seed: number | undefined;
  readonly caFile: string | null;
  /** Things worth saying before starting (plain HTTP to another host). */
  readonly warnings: readonly string[];
}

function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(hostname);
}

/**
 * Parses the arguments and environment of `cloudsiem simulate` once, reporting every problem at once
 * as `option: message` (CliError, exit code 2). 'help' when -h/--help was given.
 */
export function parseSimulateArgs(argv: string[], env: NodeJS.ProcessEnv): SimulateOptions | 'help' {
  const { values } = parseCommandArgs(
    argv,
    {
      portal: { type: 'string' },
      token: { type: 'string' },
      rate: { type: 'string' },
      count: { type: 'string' },
      batch: { type: 'string' },
      seed: { type: 'string' },
      'ca-file': { type: 'string' },
    },
    USAGE,
  );
  if (values.help) return 'help';
  const problems: string[] = [];
  const warnings: string[] = [];

  let portalUrl = '';
  let portal: URL | null = null;
  if (values.portal === undefined) {
    problems.push('--portal: required, the URL of the portal (e.g. https://cloudsiem.example.com)');
  } else {
    try {
      portal = new URL(values.portal);
    } catch {
      problems.push(`--portal: not a URL: ${JSON.stringify(values.portal)}`);
    }
    if (portal !== null && portal.protocol !== 'https:' && portal.protocol !== 'http:') {
      problems.push(`--portal: must be an http:// or https:// URL, got ${JSON.stringify(values.portal)}`);
    } else if (portal !== null && (portal.username !== '' || portal.password !== '')) {
      problems.push('--portal: must not carry credentials; pass the admin API token with --token');
    } else if (portal !== null) {
      portalUrl = `${portal.origin}${portal.pathname.replace(/\/+$/, '')}`;
      if (portal.protocol === 'http:' && !isLoopback(portal.hostname)) {
        warnings.push(`--portal uses plain HTTP to ${portal.host}: the admin API token travels unencrypted`);
      }
    }
  }

  const token = values.token ?? env.CLOUDSIEM_ADMIN_TOKEN ?? '';
  if (token === '') {
    problems.push(
      '--token: required (or set CLOUDSIEM_ADMIN_TOKEN): an API token of the portal, scope ingest',
    );
  } else if (!/^[\x21-\x7e]+$/.test(token)) {
    // Never echo the token: it is a secret, and this line may end up in a log.
    problems.push('--token: must be printable ASCII without spaces (is it the whole token?)');
  }

  const rate = values.rate === undefined ? DEFAULT_RATE : Number(values.rate);
  if (values.rate !== undefined && (!/^\d+(\.\d+)?$/.test(values.rate) || rate <= 0 || rate > MAX_RATE)) {
    problems.push(
      `--rate: must be a number of activities per second, more than 0 and at most ${MAX_RATE}, got ${JSON.stringify(values.rate)}`,
    );
  }

  const count = values.count === undefined ? null : Number(values.count);
  if (
    values.count !== undefined &&
    (!/^\d+$/.test(values.count) || !Number.isSafeInteger(count) || count === 0)
  ) {
    problems.push(
      `--count: must be a whole number of activities, 1 or more, got ${JSON.stringify(values.count)}`,
    );
  }

  const batchSize = values.batch === undefined ? DEFAULT_BATCH : Number(values.batch);
  if (
    values.batch !== undefined &&
    (!/^\d+$/.test(values.batch) || batchSize < 1 || batchSize > INGEST_BATCH_MAX)
  ) {
    problems.push(
      `--batch: must be a whole number from 1 to ${INGEST_BATCH_MAX}, got ${JSON.stringify(values.batch)}`,
    );
  }

  const seed = values.seed === undefined ? undefined : Number(values.seed);
  if (values.seed !== undefined && (!/^-?\d+$/.test(values.seed) || !Number.isSafeInteger(seed))) {
    problems.push(`--seed: must be a whole number, got ${JSON.stringify(values.seed)}`);
  }

  const caFile = values['ca-file'] ?? null;
  if (caFile !== null) {
    if (portal?.protocol === 'http:') problems.push('--ca-file: applies to an https:// portal only');
    try {
      accessSync(caFile, constants.R_OK);
      // Node's fetch takes extra CAs only from NODE_EXTRA_CA_CERTS, read when the process starts.
      const extra = env.NODE_EXTRA_CA_CERTS;
      if (extra === undefined || resolve(extra) !== resolve(caFile)) {
        problems.push(
          `--ca-file: Node reads extra CA certificates only at start; run NODE_EXTRA_CA_CERTS=${caFile} cloudsiem simulate …`,
        );
      }
    } catch (error) {
      problems.push(
        `--ca-file: cannot read ${caFile}: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  }

  if (problems.length > 0)
    throw new CliError(`${problems.join('\n')}\nRun 'cloudsiem simulate --help' for the options.`);
  return Object.freeze({
    portalUrl,
    token,
    rate,
    count,
    batchSize,
    seed,
    caFile,
    warnings: Object.freeze(warnings),
  });
}

// ---------------------------------------------------------------------------------------------

export type IngestDataType = 'activities' | 'alerts';

export interface SimulationTotals {
  /** Activities the portal answered for (accepted, duplicate or rejected). */
  activitiesSent: number;
  /** Identity alerts the portal answered for. */
  alertsSent: number;
  accepted: number;
  duplicates: number;
  rejected: number;
  /** Alerts the portal's policies raised on what was sent. */
  alertsRaised: number;
  /** Requests repeated after a network error, a 5xx or a 429. */
  retries: number;
}

export interface SimulationProgress {
  dataType: IngestDataType;
  /** The portal's answer to this batch. */
  result: IngestResult;
  totals: Readonly<SimulationTotals>;
}

export interface SimulationRetry {
  dataType: IngestDataType;
  /** 1 for the first repeat of a batch. */
  attempt: number;
  delayMs: number;
  reason: string;
}

export interface SimulationOptions {
  portalUrl: string;
  token: string;
  /** Activities per second. */
  rate: number;
  /** Stop after this many activities; null or undefined: until `signal` aborts. */
  count?: number | null;
  batchSize: number;
  seed?: number;
  /** Stops the simulation; a request in flight is abandoned (ingest is idempotent by id). */
  signal: AbortSignal;
  fetchImpl?: typeof fetch;
  /** Called after each batch the portal answered. */
  onProgress?: (progress: SimulationProgress) => void;
  /** Called before a batch is sent again. */
  onRetry?: (retry: SimulationRetry) => void;
}

/** Resolves after `ms`, or at once when `signal` aborts. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((done) => {
    if (signal.aborted) return done();
    const finish = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', finish);
      done();
    };
    const timer = setTimeout(finish, ms);
    signal.addEventListener('abort', finish, { once: true });
  });
}

/** The most useful words of a fetch failure: undici hides the socket error in `cause`. */
function networkReason(error: unknown): { code: string | null; text: string } {
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
  const code =
    typeof cause === 'object' && cause !== null && 'code' in cause && typeof cause.code === 'string'
      ? cause.code
      : null;
  const text = cause instanceof Error ? cause.message : String(cause);
  return { code, text };
}

/** `CODE: message` from the portal's error body, or the status text when the body is not one. */
function errorDetail(error: AdminApiError): string {
  if (error.code !== 'HTTP') return `${error.code}: ${error.message}`;
  const raw = printable((error.bodyText ?? '').trim()).slice(0, 200);
  return raw === '' ? error.statusText : raw;
}

/** Makes text safe for a terminal: control characters (C0, DEL, C1) become \u escapes. */
function printable(text: string): string {
  let out = '';
  for (const char of text) {
    const code = char.codePointAt(0) ?? 0;
    out += code < 0x20 || (code >= 0x7f && code < 0xa0) ? `\\u${code.toString(16).padStart(4, '0')}` : char;
  }
  return out;
}

/**
 * Generates activities at `rate` per second and posts them in batches to the portal's ingest API,
 * then the identity alerts they raised. A batch that fails with a network error, a 5xx or a 429 is
 * sent again with capped backoff until the portal takes it: nothing is skipped. A rejected token
 * (401/403) throws a CliError with exit code 3; other refusals one with exit code 1.
 */
export async function runSimulation(options: SimulationOptions): Promise<SimulationTotals> {
  const { rate, batchSize, signal } = options;
  const count = options.count ?? null;
  if (!(rate > 0 && rate <= MAX_RATE)) throw new RangeError(`rate must be more than 0, at most ${MAX_RATE}`);
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > INGEST_BATCH_MAX) {
    throw new RangeError(`batchSize must be a whole number from 1 to ${INGEST_BATCH_MAX}`);
  }
  if (count !== null && !(Number.isSafeInteger(count) && count >= 0)) {
    throw new RangeError('count must be a whole number, 0 or more');
  }
  const base = options.portalUrl.replace(/\/+$/, '');
  const client = createAdminClient({
    baseUrl: base,
    token: options.token,
    ...(options.fetchImpl === undefined ? {} : { fetch: options.fetchImpl }),
  });
  const simulator = createSimulator(options.seed === undefined ? {} : { seed: options.seed });
  const totals: SimulationTotals = {
    activitiesSent: 0,
    alertsSent: 0,
    accepted: 0,
    duplicates: 0,
    rejected: 0,
    alertsRaised: 0,
    retries: 0,
  };

  /** Posts one batch until the portal answers it; false when stopped first. */
  const post = async (dataType: IngestDataType, records: readonly object[]): Promise<boolean> => {
    const url = `${base}${ADMIN_API_PREFIX}/ingest/${dataType}`;
    for (let attempt = 0; ; attempt++) {
      if (signal.aborted) return false;
      let reason: string;
      let waitMs: number | null = null;
      try {
        const result =
          dataType === 'activities'
            ? await client.ingestActivities(records, { signal })
            : await client.ingestAlerts(records, { signal });
        if (dataType === 'activities') totals.activitiesSent += records.length;
        else totals.alertsSent += records.length;
        totals.accepted += result.accepted;
        totals.duplicates += result.duplicates;
        totals.rejected += result.rejected.length;
        totals.alertsRaised += result.alertsRaised;
        options.onProgress?.({ dataType, result, totals: { ...totals } });
        return true;
      } catch (error) {
        if (signal.aborted) return false;
        if (!(error instanceof AdminApiError)) throw error;
        if (error.code === 'BAD_RESPONSE') {
          throw new CliError(
            `${url} answered ${error.status} with a body that is not an ingest result; is --portal a cloudsiem portal?`,
            1,
          );
        }
        if (error.code === 'NETWORK') {
          const { code, text } = networkReason(error.cause);
          if (code !== null && CERTIFICATE_ERRORS.has(code)) {
            throw new CliError(
              `cannot verify the TLS certificate of ${base} (${code}: ${text}); if a private CA signed it, ` +
                'run with NODE_EXTRA_CA_CERTS=CA_FILE',
              1,
            );
          }
          reason = `cannot reach ${url}: ${code === null || text.includes(code) ? text : `${code}: ${text}`}`;
        } else {
          const detail = errorDetail(error);
          if (error.status === 401 || error.status === 403) {
            throw new CliError(
              `the portal rejected the API token (${error.status} ${detail}); ` +
                'create an API token of scope ingest in the portal and pass it with --token or CLOUDSIEM_ADMIN_TOKEN',
              3,
            );
          }
          if (!error.retriable) {
            const hint =
              error.status === 404
                ? `; is ${base} the portal's URL?`
                : error.status === 413
                  ? '; lower --batch'
                  : '';
            throw new CliError(`the portal refused the ${dataType}: ${error.status} ${detail}${hint}`, 1);
          }
          reason = `the portal answered ${error.status} ${detail}`;
          waitMs = error.retryAfterMs;
        }
      }
      const backoff = Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** attempt) * (0.8 + Math.random() * 0.4);
      const delayMs = Math.round(Math.min(RETRY_MAX_MS * 2, Math.max(waitMs ?? 0, backoff)));
      totals.retries++;
      options.onRetry?.({ dataType, attempt: attempt + 1, delayMs, reason });
      await sleep(delayMs, signal);
    }
  };

  let paceStart = Date.now();
  let lastSendAt = paceStart;
  let generated = 0;
  while (!signal.aborted) {
    const remaining = count === null ? Infinity : count - generated;
    if (remaining <= 0) break;
    const now = Date.now();
    let due = Math.floor(((now - paceStart) * rate) / 1000) - generated;
    if (due > batchSize) {
      // Behind after a stall (portal down or slow): keep the rate, do not flood the portal to catch up.
      paceStart += ((due - batchSize) * 1000) / rate;
      due = batchSize;
    }
    const want = Math.min(batchSize, remaining);
    if (due < want && !(due > 0 && now - lastSendAt >= FLUSH_INTERVAL_MS)) {
      const untilFull = paceStart + ((generated + want) * 1000) / rate - now;
      const untilNext =
        due > 0 ? lastSendAt + FLUSH_INTERVAL_MS - now : paceStart + ((generated + 1) * 1000) / rate - now;
      await sleep(Math.max(1, Math.min(untilFull, untilNext)), signal);
      continue;
    }
    const activities = simulator.activities(Math.min(due, want));
    generated += activities.length;
    lastSendAt = now;
    if (!(await post('activities', activities))) break;
    const alerts = simulator.identityAlerts(simulator.pendingIdentityAlerts());
    for (let i = 0; i < alerts.length; i += batchSize) {
      if (!(await post('alerts', alerts.slice(i, i + batchSize)))) break;
    }
  }
  return totals;
}

// ---------------------------------------------------------------------------------------------

function summary(totals: SimulationTotals): string {
  return (
    `sent ${totals.activitiesSent} activities and ${totals.alertsSent} identity alerts: ` +
    `${totals.accepted} accepted, ${totals.duplicates} duplicates, ${totals.rejected} rejected, ` +
    `${totals.alertsRaised} alerts raised`
  );
}

export const simulate: Command = async (argv) => {
  const options = parseSimulateArgs(argv, process.env);
  if (options === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  for (const warning of options.warnings) process.stderr.write(`warning: ${warning}\n`);
  const controller = new AbortController();
  void untilSignal().then(() => controller.abort());
  process.stdout.write(
    `sending about ${options.rate} activities/s to ${options.portalUrl} in batches of up to ${options.batchSize}` +
      `${options.count === null ? '; Ctrl-C stops' : `, ${options.count} in all`}\n`,
  );

  let lastProgressAt = Date.now();
  let rejectionsShown = 0;
  const totals = await runSimulation({
    portalUrl: options.portalUrl,
    token: options.token,
    rate: options.rate,
    count: options.count,
    batchSize: options.batchSize,
    ...(options.seed === undefined ? {} : { seed: options.seed }),
    signal: controller.signal,
    onProgress: ({ dataType, result, totals }) => {
      for (const rejection of result.rejected) {
        if (rejectionsShown++ < REJECTIONS_SHOWN) {
          process.stderr.write(
            `rejected ${dataType} record ${rejection.index} (${printable(rejection.id ?? 'no id')}): ` +
              `${printable(rejection.reason)}\n`,
          );
        } else if (rejectionsShown === REJECTIONS_SHOWN + 1) {
          process.stderr.write('further rejections are counted, not shown\n');
        }
      }
      const now = Date.now();
      if (now - lastProgressAt >= PROGRESS_INTERVAL_MS) {
        lastProgressAt = now;
        process.stdout.write(`${summary(totals)}\n`);
      }
    },
    onRetry: ({ dataType, attempt, delayMs, reason }) => {
      process.stderr.write(
        `${printable(reason)}; sending the ${dataType} batch again in ${(delayMs / 1000).toFixed(1)} s (retry ${attempt})\n`,
      );
    },
  });
  process.stdout.write(`stopped: ${summary(totals)}\n`);
  return 0;
};
