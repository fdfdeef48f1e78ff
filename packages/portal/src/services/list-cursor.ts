// The list API's cursor (keyset paging of the activity log and alerts): opaque base64url text
// `l1.<JSON>` holding the last shown record's sort key and seq, and a digest of the request's
// data type, filters and sort, so a cursor is only ever read back for the list it came from.
import { createHash } from 'node:crypto';
import type { DataType, Filter } from '@cloudsiem/protocol';
import { ApiError } from '../errors.ts';
import type { ListPosition } from '../store/events.ts';

interface Listed {
  filter: Filter;
  sortField: string;
  sortDirection: 'asc' | 'desc';
}

function digest(dataType: DataType, query: Listed): string {
  return createHash('sha256')
    .update(JSON.stringify([dataType, query.sortField, query.sortDirection, query.filter]))
    .digest('base64url')
    .slice(0, 16);
}

export function encodeListCursor(dataType: DataType, query: Listed, position: ListPosition): string {
  const body = JSON.stringify({ k: position.key, s: position.seq, q: digest(dataType, query) });
  return `l1.${Buffer.from(body).toString('base64url')}`;
}

/** The position a cursor names; CURSOR_INVALID (400) when it is malformed or from another request. */
export function decodeListCursor(dataType: DataType, query: Listed, text: string): ListPosition {
  const invalid = (why: string) => new ApiError('CURSOR_INVALID', `body.cursor: ${why}`);
  if (!/^l1\.[A-Za-z0-9_-]+$/.test(text))
    throw invalid('not a list cursor this portal issued; send a nextCursor unchanged, or no cursor');
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(text.slice(3), 'base64url').toString('utf8'));
  } catch {
    parsed = undefined;
  }
  const { k, s, q } = (typeof parsed === 'object' && parsed !== null ? parsed : {}) as Record<
    string,
    unknown
  >;
  if (
    !(typeof k === 'string' || (typeof k === 'number' && Number.isFinite(k))) ||
    typeof s !== 'number' ||
    !Number.isSafeInteger(s) ||
    s < 0 ||
    typeof q !== 'string'
  )
    throw invalid('not a list cursor this portal issued; send a nextCursor unchanged, or no cursor');
  if (q !== digest(dataType, query))
    throw invalid(
      'this cursor belongs to another list request (its filters, sort or data type differ); start again without a cursor',
    );
  return { key: k, seq: s };
}
