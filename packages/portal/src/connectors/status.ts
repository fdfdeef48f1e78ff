// A connector's status (DESIGN §9) from its row and the clock: Created (never pulled), Connected
// (last poll succeeded), Throttled, Connection error (auth refused, unreachable, or failing for
// longer than 3 poll intervals), Disabled — with one line saying why.
import type { ConnectorStatus } from '@cloudsiem/protocol';
import type { ConnectorRow } from '../store/connectors.ts';
import { isHardError } from './errors.ts';

export const FAILING_INTERVALS = 3;

export function connectorStatus(
  row: Pick<
    ConnectorRow,
    | 'enabled'
    | 'last_success_at'
    | 'last_error_code'
    | 'last_error_message'
    | 'failing_since'
    | 'throttled_until'
  >,
  pollSeconds: number,
  now: number,
  problem: string | null,
): { status: ConnectorStatus; statusDetail: string | null } {
  if (row.enabled !== 1) return { status: 'Disabled', statusDetail: null };
  // The portal cannot run it at all (no secret key): say so whatever happened before.
  if (problem !== null) return { status: 'Connection error', statusDetail: problem };
  const code = row.last_error_code;
  const message = row.last_error_message ?? code;
  if (code === 'UPSTREAM_THROTTLED') {
    const until =
      row.throttled_until === null ? '' : `; next try at ${new Date(row.throttled_until).toISOString()}`;
    return { status: 'Throttled', statusDetail: `${message}${until}` };
  }
  if (isHardError(code)) return { status: 'Connection error', statusDetail: message };
  if (
    code !== null &&
    row.failing_since !== null &&
    now - row.failing_since > FAILING_INTERVALS * pollSeconds * 1000
  )
    return {
      status: 'Connection error',
      statusDetail: `failing since ${new Date(row.failing_since).toISOString()}: ${message}`,
    };
  if (row.last_success_at !== null) return { status: 'Connected', statusDetail: message };
  return { status: 'Created', statusDetail: message };
}
