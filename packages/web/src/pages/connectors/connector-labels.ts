// The words the connector pages show (DESIGN §9): each type's title, each status's meaning, the
// lag of the newest stored record, the rate, and what a failed connection test's kind means.
import type { Connector, ConnectorFailureKind, ConnectorStatus, ConnectorType } from '@cloudsiem/protocol';
import { formatDuration } from '../../time.ts';

export const CONNECTOR_TITLES: Record<ConnectorType, string> = {
  mdca: 'Defender for Cloud Apps',
  'graph-alerts': 'Microsoft Graph alerts',
  'o365-management': 'Office 365 Management Activity',
  cloudsiem: 'cloudsiem portal',
};

/** One line under each type's radio in the wizard: what it pulls. */
export const CONNECTOR_DESCRIPTIONS: Record<ConnectorType, string> = {
  mdca: 'Activities and alerts from the Defender for Cloud Apps REST API.',
  'graph-alerts': 'Security alerts of every Defender product from Microsoft Graph (alerts_v2).',
  'o365-management':
    'Audit records of Entra ID, Exchange, SharePoint and more from the Management Activity API.',
  cloudsiem: "Activities and alerts from another cloudsiem portal's list API (hub and spoke).",
};

export const CONNECTOR_STATUS_HINTS: Record<ConnectorStatus, string> = {
  Created: 'Not pulled yet: the first poll starts shortly after it is saved.',
  Connected: 'The last poll succeeded.',
  Throttled: 'The upstream asked to slow down; the connector waits and goes on by itself.',
  'Connection error': 'Refused, unreachable, or failing for longer than 3 poll intervals.',
  Disabled: 'Does not pull until you enable it.',
};

/** The badge's CSS modifier: `Connection error` → `connection-error`. */
export function statusClass(status: ConnectorStatus): string {
  return status.toLowerCase().replace(/\s+/g, '-');
}

/** The Lag column: how old the newest stored record is ("newest record 3 min old"). */
export function formatLag(newestRecordAt: number | null, now: number): string {
  if (newestRecordAt === null) return 'no records yet';
  const age = Math.max(0, now - newestRecordAt);
  return age < 1000 ? 'newest record just in' : `newest record ${formatDuration(age)} old`;
}

/** Records per minute: one decimal below 10, whole numbers (with separators) above. */
export function formatRate(perMinute: number): string {
  if (!Number.isFinite(perMinute) || perMinute <= 0) return '0';
  if (perMinute < 10) return String(Math.round(perMinute * 10) / 10);
  return Math.round(perMinute).toLocaleString('en-US');
}

/** What a connection test's failure kind means, as its heading. */
export const FAILURE_TITLES: Record<ConnectorFailureKind, string> = {
  dns: 'The host name does not resolve (DNS)',
  connect: 'The upstream cannot be reached',
  tls: 'The TLS handshake failed',
  timeout: 'The upstream did not answer in time',
  auth: 'Authentication refused',
  permission: 'Permission missing',
  throttled: 'Throttled by the upstream',
  http: 'The upstream answered an error',
  'invalid-response': 'The upstream answered something unexpected',
};

/** The last error in one line: `AUTH: Invalid client secret provided.` */
export function lastErrorLine(error: Connector['lastError']): string {
  return error === null ? '' : `${error.code}: ${error.message.replace(/\s+/g, ' ').trim()}`;
}
