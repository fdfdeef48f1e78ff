// Errors of the store: a bad database URL, a database that cannot be opened or reached, or one
// whose disk is full; and the classifier that recognises those failures in driver errors.
export const STORE_ERROR_CODES = ['STORE_URL_INVALID', 'STORE_UNAVAILABLE', 'STORE_FULL'] as const;
export type StoreErrorCode = (typeof STORE_ERROR_CODES)[number];

export class StoreError extends Error {
  override readonly name = 'StoreError';
  readonly retriable: boolean;
  constructor(
    readonly code: StoreErrorCode,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.retriable = code !== 'STORE_URL_INVALID';
  }
}

/** Node socket errors that mean the database server cannot be reached right now. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/** What pg and kysely say when a connection died under a query, or none could be made in time. */
const CONNECTION_MESSAGES =
  /Connection terminated|not queryable|timeout exceeded when trying to connect|connection has been discarded|Client was closed/i;

function codeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

function classifyOne(error: unknown): 'STORE_UNAVAILABLE' | 'STORE_FULL' | null {
  if (error instanceof StoreError) return error.code === 'STORE_URL_INVALID' ? null : error.code;
  const code = codeOf(error);
  if (code !== undefined) {
    // SQLite: the disk (or max_page_count) is full; an I/O error, a lock held too long, a file
    // that cannot be opened or written are all "the store cannot do this right now".
    if (code === 'SQLITE_FULL') return 'STORE_FULL';
    if (/^SQLITE_(IOERR|BUSY|LOCKED|CANTOPEN|READONLY)/.test(code)) return 'STORE_UNAVAILABLE';
    // PostgreSQL SQLSTATEs: 53100 disk_full; class 53 insufficient resources, 08 connection
    // exception, 57P01–57P03 shutdown/restart, 58 system (I/O) errors.
    if (code === '53100') return 'STORE_FULL';
    if (/^(53|08|58)[0-9A-Z]{3}$/.test(code) || /^57P0[1-3]$/.test(code)) return 'STORE_UNAVAILABLE';
    if (NETWORK_CODES.has(code)) return 'STORE_UNAVAILABLE';
  }
  if (error instanceof Error && CONNECTION_MESSAGES.test(error.message)) return 'STORE_UNAVAILABLE';
  return null;
}

/**
 * Whether `error` (or what caused it, or one of an AggregateError's errors) says the store is
 * unreachable or full: a transient condition the caller answers 503 to, not a bug.
 */
export function storeFailure(error: unknown): 'STORE_UNAVAILABLE' | 'STORE_FULL' | null {
  const seen = new Set<unknown>();
  const queue: unknown[] = [error];
  while (queue.length > 0) {
    const next = queue.shift();
    if (next === null || next === undefined || seen.has(next)) continue;
    seen.add(next);
    const found = classifyOne(next);
    if (found !== null) return found;
    if (next instanceof AggregateError) queue.push(...(next.errors as unknown[]));
    if (next instanceof Error) queue.push(next.cause);
  }
  return null;
}
