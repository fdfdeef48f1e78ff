// The agent's pull cursor (DESIGN §6): an opaque `c1.<epoch>.<seq>`. seq follows ingest order;
// epoch changes when the agent is re-enabled, which voids older cursors and restarts backfill.
export interface Cursor {
  epoch: number;
  position: number;
}

const CURSOR = /^c1\.(\d{1,9})\.(\d{1,16})$/;

export function encodeCursor({ epoch, position }: Cursor): string {
  return `c1.${epoch}.${position}`;
}

export function decodeCursor(text: string): Cursor | null {
  const match = CURSOR.exec(text);
  if (match === null) return null;
  const position = Number(match[2]);
  if (!Number.isSafeInteger(position)) return null;
  return { epoch: Number(match[1]), position };
}
