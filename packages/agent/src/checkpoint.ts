// Cursor handling for one data type (DESIGN §6): the portal commits a position when the agent
// pulls with it, so a cursor is only presented once the page it ends was handed to the syslog
// socket. A failed delivery goes back to the last acknowledged position: at-least-once.
//
// "Handed to the socket" is not "received": bytes the kernel accepted just before a TCP
// connection died can vanish (RFC 6587 has no acknowledgements). So the checkpoint remembers the
// pages written in the last `resendWindowMs` and, when the connection they went over is lost,
// rewinds to the first of them (cursors are positions; presenting an older one moves the
// portal's committed position back). Duplicates stay bounded by what was written in that window.

interface Written {
  /** The acknowledged cursor before this page: rewinding here re-reads it. */
  from: string | undefined;
  at: number;
  /** The syslog connection it went over. */
  connection: number;
}

export const DEFAULT_RESEND_WINDOW_MS = 1000;

export class Checkpoint {
  /** The cursor after the last delivered page; undefined: resume from the portal's committed position. */
  #acknowledged: string | undefined;
  /** The cursor after the page being delivered now. */
  #pending: string | undefined;
  #recent: Written[] = [];

  constructor(private readonly resendWindowMs = DEFAULT_RESEND_WINDOW_MS) {}

  /** What the next pull presents (and so acknowledges). */
  get cursor(): string | undefined {
    return this.#acknowledged;
  }

  /** A page ending at `nextCursor` is about to be delivered. */
  pageTaken(nextCursor: string): void {
    this.#pending = nextCursor;
  }

  /** Its lines were handed to syslog connection `connection` at `at`: the next pull acknowledges them. */
  delivered(connection: number, at: number): void {
    if (this.#pending === undefined) return;
    this.#recent = this.#recent.filter((w) => w.at >= at - this.resendWindowMs);
    this.#recent.push({ from: this.#acknowledged, at, connection });
    this.#acknowledged = this.#pending;
    this.#pending = undefined;
  }

  /** Its delivery failed: the next pull re-reads it from the last acknowledged position. */
  failed(): void {
    this.#pending = undefined;
  }

  /**
   * Connection `connection` was lost at `lostAt`: pages written on it within the resend window
   * before that may not have reached the SIEM, so the next pull starts again at the first of them.
   */
  connectionLost(connection: number, lostAt: number): void {
    const suspect = this.#recent.find(
      (w) => w.connection === connection && w.at >= lostAt - this.resendWindowMs,
    );
    if (suspect !== undefined) this.#acknowledged = suspect.from;
    this.#recent = this.#recent.filter((w) => w.connection !== connection);
  }

  /** The connections pages were recently written over (to check which of them were lost). */
  connections(): number[] {
    return [...new Set(this.#recent.map((w) => w.connection))];
  }

  /** Forget the position (cursor refused, agent re-enabled): the portal's committed position rules. */
  reset(): void {
    this.#acknowledged = undefined;
    this.#pending = undefined;
    this.#recent = [];
  }
}
