// The syslog package's error registry: every error it throws or rejects with is a SyslogError with
// a stable code. docs/errors.md (section "syslog") lists the same codes; errors.test.ts keeps the two in step.

/**
 * Every code of the package. `retriable`: the same send may succeed later without a configuration
 * change (the agent resends from its last acknowledged position); `false` means fix something first.
 */
export const SYSLOG_ERRORS = {
  SYSLOG_OPTIONS: {
    retriable: false,
    meaning: 'Sender or receiver options are invalid (every problem listed).',
  },
  SYSLOG_CONNECT: {
    retriable: true,
    meaning: 'Cannot connect to the syslog server (refused, unreachable, name not found, timed out).',
  },
  SYSLOG_TLS: {
    retriable: false,
    meaning: 'The TLS handshake failed: untrusted certificate, wrong name, or no TLS 1.2+ on the server.',
  },
  SYSLOG_CONNECTION_LOST: {
    retriable: true,
    meaning:
      'The connection dropped before the message was handed to the socket (TCP, TLS) or acknowledged by the server (RELP).',
  },
  SYSLOG_SEND: { retriable: true, meaning: 'A UDP datagram could not be sent (e.g. ICMP port unreachable).' },
  SYSLOG_CLOSED: { retriable: false, meaning: 'send() or connect() was called after close().' },
  SYSLOG_QUEUE_CLOSED: {
    retriable: false,
    meaning: 'close() was called while the message was still queued (not connected); it was not sent.',
  },
  SYSLOG_MESSAGE_INVALID: {
    retriable: false,
    meaning: 'A message contains a raw LF, which LF framing cannot carry (use octet counting).',
  },
  SYSLOG_LISTEN: {
    retriable: false,
    meaning: 'The receiver cannot listen on the address (in use, no permission).',
  },
  SYSLOG_FRAME: {
    retriable: false,
    meaning: 'The receiver got a malformed frame (bad octet count, message over the size limit).',
  },
  SYSLOG_RELP_OPEN: {
    retriable: false,
    meaning: 'The RELP server refused the session, or does not offer the syslog command or RELP version 0.',
  },
  SYSLOG_RELP_PROTOCOL: {
    retriable: true,
    meaning: 'The RELP server sent a malformed frame or an unexpected response; the connection was dropped.',
  },
  SYSLOG_RELP_REJECTED: {
    retriable: true,
    meaning: 'The RELP server answered an error (500) for a message of the batch.',
  },
  SYSLOG_RELP_TIMEOUT: {
    retriable: true,
    meaning: 'The RELP server stopped acknowledging (ackTimeoutMs); the connection was dropped.',
  },
  SYSLOG_HEADER_INVALID: {
    retriable: false,
    meaning: 'A syslog prefix setting (facility, system name, app name) or event time is invalid.',
  },
} as const satisfies Record<string, { retriable: boolean; meaning: string }>;

export type SyslogErrorCode = keyof typeof SYSLOG_ERRORS;

export class SyslogError extends Error {
  readonly retriable: boolean;

  constructor(
    readonly code: SyslogErrorCode,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'SyslogError';
    this.retriable = SYSLOG_ERRORS[code].retriable;
  }
}

/**
 * A batch that failed part-way (RELP): its first `acknowledgedMessages` messages were acknowledged
 * by the server, so a caller able to resume inside a batch resends from there only.
 */
export class SyslogBatchError extends SyslogError {
  constructor(
    code: SyslogErrorCode,
    message: string,
    readonly acknowledgedMessages: number,
    options?: ErrorOptions,
  ) {
    super(code, message, options);
    this.name = 'SyslogBatchError';
  }
}

/** `host:port`, with brackets around an IPv6 address. */
export function formatAddress(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

const REASONS: Record<string, string> = {
  ECONNREFUSED: 'connection refused (is a syslog server listening on that port?)',
  ENOTFOUND: 'host name not found',
  EAI_AGAIN: 'host name lookup failed temporarily',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ETIMEDOUT: 'timed out',
  ECONNRESET: 'connection reset by the server',
  EPIPE: 'the server closed the connection',
  EADDRINUSE: 'address already in use',
  EACCES: 'permission denied',
  EADDRNOTAVAIL: 'address not available on this host',
};

/** A short human reason for a Node system error: the known codes in words, plus the code. */
export function describeCause(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as NodeJS.ErrnoException).code;
  if (code !== undefined && REASONS[code] !== undefined) return `${REASONS[code]} (${code})`;
  return error.message;
}

export function connectError(host: string, port: number, reason: string, cause?: unknown): SyslogError {
  return new SyslogError(
    'SYSLOG_CONNECT',
    `cannot connect to syslog server ${formatAddress(host, port)}: ${reason}`,
    cause === undefined ? undefined : { cause },
  );
}

export function connectionLostError(
  host: string,
  port: number,
  reason: string,
  cause?: unknown,
): SyslogError {
  return new SyslogError(
    'SYSLOG_CONNECTION_LOST',
    `connection to syslog server ${formatAddress(host, port)} lost before the message was sent: ${reason}`,
    cause === undefined ? undefined : { cause },
  );
}
