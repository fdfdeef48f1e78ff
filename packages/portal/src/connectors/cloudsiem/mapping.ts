// A record of another cloudsiem portal is already canonical (DESIGN §3): it keeps its id (so a
// record that reached both portals is stored once) and its event time; createdAt is dropped, as
// this portal stamps its own ingest time. Validation is the ingest service's.
import type { MappedRecord } from '../types.ts';

export function mapRecord(raw: unknown, index: number): MappedRecord {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    return { upstreamId: `#${index}`, rejected: 'not a JSON object' };
  const { createdAt: _createdAt, ...record } = raw as Record<string, unknown>;
  const id = record.id;
  if (typeof id !== 'string' || id === '') return { upstreamId: `#${index}`, rejected: 'id: missing' };
  return { upstreamId: id, record };
}
