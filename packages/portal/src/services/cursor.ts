// The agent's pull cursor (DESIGN §6): an opaque `c1.<epoch>.<seq>` or `c1.<epoch>.<seq>.<generation>`.
// seq follows ingest order; epoch changes when the agent is re-enabled, which voids older cursors
// and restarts backfill; generation counts the commits of pulls without read-ahead (after which
// any read-ahead still on its way is one the agent dropped), so an ack it carries is known as
// stale. Written only when not 0: cursors from portals before it stay valid.
export interface Cursor {
  epoch: number;
  position: number;
  /** 0 when the text has none. */
  generation?: number;
}

const CURSOR = /^c1\.(\d{1,9})\.(\d{1,16})(?:\.(\d{1,15}))?$/;

export function encodeCursor({ epoch, position, generation = 0 }: Cursor): string {
  return generation === 0 ? `c1.${epoch}.${position}` : `c1.${epoch}.${position}.${generation}`;
}

export function decodeCursor(text: string): Required<Cursor> | null {
  const match = CURSOR.exec(text);
  if (match === null) return null;
  const position = Number(match[2]);
  if (!Number.isSafeInteger(position)) return null;
  return { epoch: Number(match[1]), position, generation: Number(match[3] ?? 0) };
}
