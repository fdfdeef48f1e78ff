// The error body every API answers with, and the registry of API error codes with their HTTP
// status (listed in docs/errors.md; a test keeps the two in step).
import * as z from 'zod';

export const API_ERRORS = {
  BAD_REQUEST: {
    status: 400,
    meaning: 'The request body, query or path is invalid; the message names each problem.',
  },
  CURSOR_INVALID: {
    status: 400,
    meaning:
      'The cursor is malformed or points past the newest event, or a list cursor belongs to another list request.',
  },
  UNAUTHENTICATED: {
    status: 401,
    meaning: 'No credentials, or the session or admin API token is not valid.',
  },
  TOKEN_INVALID: { status: 401, meaning: 'The agent token is malformed, wrong, or was regenerated.' },
  TOKEN_OWNER_REMOVED: { status: 401, meaning: 'The admin who created this agent token was removed.' },
  LOGIN_FAILED: { status: 401, meaning: 'Email or password is wrong.' },
  FORBIDDEN: {
    status: 403,
    meaning: 'These credentials may not do this (an agent token on an admin endpoint).',
  },
  TOKEN_SCOPE_DENIED: {
    status: 403,
    meaning: "The admin API token's scope (read or ingest) does not cover this endpoint.",
  },
  CSRF_REJECTED: { status: 403, meaning: 'A cookie-authenticated write came from another origin.' },
  NOT_FOUND: { status: 404, meaning: 'No such record, agent, admin or policy.' },
  CONFLICT: {
    status: 409,
    meaning: 'The change conflicts with existing data (duplicate email, last admin).',
  },
  NAME_TAKEN: {
    status: 409,
    meaning: 'Another SIEM agent already has this name (names are compared without case).',
  },
  AGENT_DISABLED: {
    status: 409,
    meaning: 'The SIEM agent is disabled in the portal; it keeps polling its config.',
  },
  DATA_TYPE_DISABLED: { status: 409, meaning: 'This data type is switched off for the agent.' },
  SECRET_KEY_MISSING: {
    status: 503,
    meaning:
      'The portal has no secret key (--secret-key-file or CLOUDSIEM_SECRET_KEY), so connectors cannot be saved, tested or run.',
  },
  AGENT_DELETED: { status: 410, meaning: 'The SIEM agent was deleted in the portal.' },
  PAYLOAD_TOO_LARGE: {
    status: 413,
    meaning: 'The body is over the size limit, or a batch has too many records.',
  },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, meaning: 'The body is not JSON (or NDJSON for ingest).' },
  RATE_LIMITED: { status: 429, meaning: 'Too many requests; retry after the Retry-After seconds.' },
  INTERNAL: {
    status: 500,
    meaning: 'An unexpected error; details are in the portal log, never in the answer.',
  },
  AGENT_DOWNLOAD_MISSING: {
    status: 503,
    meaning: 'The portal has no agent download to serve (dist/downloads is not built): run npm run build.',
  },
  STORE_UNAVAILABLE: {
    status: 503,
    meaning: 'The store is unreachable (restarting, connections lost); retry after Retry-After.',
  },
  STORE_FULL: {
    status: 503,
    meaning: "The store's disk is full; nothing was written. Retry after Retry-After.",
  },
} as const;
export type ApiErrorCode = keyof typeof API_ERRORS;

export const apiErrorBodySchema = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    /** Per-item problems, e.g. `body.filters.user.eq: …`. */
    issues: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  }),
});
export type ApiErrorBody = z.infer<typeof apiErrorBodySchema>;
