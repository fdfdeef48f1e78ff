// The agent's error registry: every error it stops with or reports is an AgentError with a stable
// code. docs/errors.md (section "agent") lists the same codes; errors.test.ts keeps the two in step.

/**
 * `retriable`: the agent backs off and tries again by itself. `exitCode`: what the process exits
 * with when the error stops it (DESIGN §2: 2 bad arguments, 3 token rejected, 4 agent deleted).
 */
export const AGENT_ERRORS = {
  AGENT_OPTIONS: {
    retriable: false,
    exitCode: 2,
    meaning: 'Command-line options, environment or files named by them are invalid (every problem listed).',
  },
  PROXY_INVALID: { retriable: false, exitCode: 2, meaning: 'The --proxy address is malformed.' },
  TOKEN_INVALID: {
    retriable: false,
    exitCode: 3,
    meaning: 'The portal rejected the token: mistyped, or regenerated in the portal.',
  },
  TOKEN_OWNER_REMOVED: {
    retriable: false,
    exitCode: 3,
    meaning: 'The admin who created the token was removed; the token no longer works.',
  },
  AGENT_DELETED: { retriable: false, exitCode: 4, meaning: 'The SIEM agent was deleted in the portal.' },
  PORTAL_UNREACHABLE: {
    retriable: true,
    exitCode: 1,
    meaning: 'The portal cannot be reached (refused, name not found, timed out, proxy failure).',
  },
  PORTAL_TLS: {
    retriable: false,
    exitCode: 1,
    meaning: 'The TLS handshake with the portal failed: untrusted certificate, wrong name, or no TLS 1.2+.',
  },
  PORTAL_UNAVAILABLE: {
    retriable: true,
    exitCode: 1,
    meaning: 'The portal answered 5xx or 429 (rate limited); the agent waits (Retry-After) and retries.',
  },
  PORTAL_RESPONSE: {
    retriable: true,
    exitCode: 1,
    meaning: 'The portal answered something the agent does not understand (status or body).',
  },
  SINK_TARGET_CHANGED: {
    retriable: true,
    exitCode: 1,
    meaning:
      'The syslog target was edited while a page was being written to the old one; the page is sent to the new target.',
  },
  RECORD_INVALID: {
    retriable: false,
    exitCode: 1,
    meaning: 'One record from the portal cannot be encoded as CEF; it is dropped (counted and logged).',
  },
} as const satisfies Record<string, { retriable: boolean; exitCode: number; meaning: string }>;

export type AgentErrorCode = keyof typeof AGENT_ERRORS;

export class AgentError extends Error {
  readonly retriable: boolean;
  readonly exitCode: number;
  /** For PORTAL_UNAVAILABLE after a 429/503: the portal's Retry-After, in milliseconds. */
  readonly retryAfterMs: number | undefined;

  constructor(
    readonly code: AgentErrorCode,
    message: string,
    options?: ErrorOptions & { retryAfterMs?: number },
  ) {
    super(message, options);
    this.name = 'AgentError';
    this.retriable = AGENT_ERRORS[code].retriable;
    this.exitCode = AGENT_ERRORS[code].exitCode;
    this.retryAfterMs = options?.retryAfterMs;
  }
}

/** The portal's answers that end the agent: this token or agent is finished. */
export const FATAL_CODES = ['TOKEN_INVALID', 'TOKEN_OWNER_REMOVED', 'AGENT_DELETED'] as const;
export type FatalCode = (typeof FATAL_CODES)[number];

export function isFatalCode(code: string): code is FatalCode {
  return (FATAL_CODES as readonly string[]).includes(code);
}

/** Errors that stop the agent. */
export function isFatal(error: unknown): error is AgentError {
  return error instanceof AgentError && isFatalCode(error.code);
}
