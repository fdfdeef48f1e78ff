// The codes a connector's lastError and notifications carry (DESIGN §9), listed in the
// "connectors" section of docs/errors.md (a test keeps the two in step).
import type { ConnectorFailureKind } from '@cloudsiem/protocol';

export const CONNECTOR_ERRORS = {
  UPSTREAM_DNS: { hard: true, meaning: "The upstream's host name does not resolve." },
  UPSTREAM_CONNECT: { hard: true, meaning: 'The upstream refused or dropped the connection.' },
  UPSTREAM_TLS: { hard: true, meaning: "The upstream's certificate is not trusted or no TLS 1.2+." },
  UPSTREAM_TIMEOUT: { hard: true, meaning: 'The upstream did not answer in time.' },
  UPSTREAM_AUTH: { hard: true, meaning: 'The upstream refused the credentials (401).' },
  UPSTREAM_PERMISSION: { hard: true, meaning: 'The credentials lack a permission (403).' },
  UPSTREAM_THROTTLED: { hard: false, meaning: 'The upstream asked to wait (429, Retry-After).' },
  UPSTREAM_HTTP: { hard: false, meaning: 'The upstream answered an error status (5xx after retries).' },
  UPSTREAM_INVALID_RESPONSE: { hard: false, meaning: 'The upstream answered something unreadable.' },
  SECRET_UNREADABLE: { hard: true, meaning: "The stored secret does not open with this portal's key." },
  SECRET_KEY_MISSING: { hard: true, meaning: 'The portal has no secret key: connectors do not run.' },
  CONNECTOR_TYPE_UNAVAILABLE: { hard: true, meaning: 'This portal does not have the connector type.' },
  CONNECTOR_FAILED: { hard: false, meaning: 'An unexpected error; details are in the portal log.' },
  RECORDS_REJECTED: { hard: false, meaning: 'Records the mapping or ingest refused (counted, kept).' },
} as const;
export type ConnectorErrorCode = keyof typeof CONNECTOR_ERRORS;

export function upstreamErrorCode(kind: ConnectorFailureKind): ConnectorErrorCode {
  return `UPSTREAM_${kind.toUpperCase().replace('-', '_')}` as ConnectorErrorCode;
}

/** Whether the code means the connector cannot work until something changes (Connection error at once). */
export function isHardError(code: string | null): boolean {
  return code !== null && code in CONNECTOR_ERRORS && CONNECTOR_ERRORS[code as ConnectorErrorCode].hard;
}
