// Cursor handling for one data type (DESIGN §6): the portal commits a position when the agent
// pulls with it, so a cursor is only presented once the page it ends was handed to the sink, and
// a page whose write failed is read again from the last acknowledged position. (The pipeline's
// read-ahead presents `cursor` as `ack` and reads from the end of the page being written: what
// is committed is still only what this checkpoint acknowledges.)
//
// Handed over is not received: without acknowledgements (TCP, TLS) the last bytes written on a
// connection die with it. So the checkpoint remembers where each page ended on its connection
// until the sink says it is delivered, and when the sink says one is lost it rewinds to the start
// of the first lost page (cursors are positions: presenting an older one moves the portal's
// committed position back). The sink decides by bytes (its replay window) or by acknowledgements.
import type { PositionStatus, SinkPosition } from './sink/sink.ts';

interface Written {
  /** The acknowledged cursor before this page (or the first of the pages merged here). */
  from: string | undefined;
  /** Where its last byte went. */
  position: SinkPosition;
  /** Offset on that connection where its first byte went. */
  start: number;
  events: number;
}

export interface Rewind {
  /** Events read again: those of the lost page and of every page after it. */
  events: number;
  pages: number;
}

export interface CheckpointOptions {
  /**
   * Consecutive pages on one connection spanning at most this many bytes are remembered as one, so
   * memory stays bounded however small the pages; a rewind may then re-send up to this many bytes
   * more. Default 0: every page on its own.
   */
  coalesceBytes?: number;
}

export class Checkpoint {
  /** The cursor after the last delivered page; undefined: resume from the portal's committed position. */
  #acknowledged: string | undefined;
  /** The page being delivered now. */
  #pending: { cursor: string; from: string | undefined; events: number } | undefined;
  /** Pages written whose delivery is not known yet, oldest first. */
  #written: Written[] = [];
  readonly #coalesceBytes: number;

  constructor(options: CheckpointOptions = {}) {
    this.#coalesceBytes = options.coalesceBytes ?? 0;
  }

  /** What the next pull presents (and so acknowledges). */
  get cursor(): string | undefined {
    return this.#acknowledged;
  }

  /** Pages (or merged runs of pages) remembered. */
  get remembered(): number {
    return this.#written.length;
  }

  /**
   * A page of `events` ending at `nextCursor` is about to be delivered. `startCursor`: where the
   * portal says it starts, so even the first page after a start (pulled without a cursor) can be
   * read again; without it, the cursor the pull presented.
   */
  pageTaken(nextCursor: string, events: number, startCursor?: string): void {
    this.#pending = { cursor: nextCursor, from: startCursor ?? this.#acknowledged, events };
  }

  /**
   * Its lines were handed to the sink, ending at `position` after `bytes` bytes (null: the page
   * was empty, nothing was written); the next pull acknowledges it.
   */
  delivered(position: SinkPosition | null, bytes = 0): void {
    const pending = this.#pending;
    if (pending === undefined) return;
    if (position !== null) {
      const last = this.#written.at(-1);
      const start = position.offset - bytes;
      if (
        last !== undefined &&
        last.position.connection === position.connection &&
        last.position.sink === position.sink &&
        position.offset - last.start <= this.#coalesceBytes
      ) {
        last.position = position;
        last.events += pending.events;
      } else {
        this.#written.push({ from: pending.from, position, start, events: pending.events });
      }
    }
    this.#acknowledged = pending.cursor;
    this.#pending = undefined;
  }

  /** Its delivery failed: the next pull re-reads it from the last acknowledged position. */
  failed(): void {
    this.#pending = undefined;
  }

  /**
   * Asks what became of the pages written: forgets the delivered ones at the front, and rewinds to
   * the first lost one (everything after it is read again). Returns the rewind, if any.
   */
  reconcile(status: (position: SinkPosition) => PositionStatus): Rewind | null {
    const statuses = this.#written.map((w) => status(w.position));
    const lost = statuses.indexOf('lost');
    if (lost !== -1) {
      const dropped = this.#written.slice(lost);
      this.#acknowledged = dropped[0]!.from;
      this.#written = this.#written.slice(0, lost);
      statuses.length = lost;
      this.#forgetDelivered(statuses);
      return { events: dropped.reduce((sum, w) => sum + w.events, 0), pages: dropped.length };
    }
    this.#forgetDelivered(statuses);
    return null;
  }

  #forgetDelivered(statuses: PositionStatus[]): void {
    let n = 0;
    while (n < statuses.length && statuses[n] === 'delivered') n++;
    if (n > 0) this.#written = this.#written.slice(n);
  }

  /** Forget the position (cursor refused, agent re-enabled): the portal's committed position rules. */
  reset(): void {
    this.#acknowledged = undefined;
    this.#pending = undefined;
    this.#written = [];
  }
}
