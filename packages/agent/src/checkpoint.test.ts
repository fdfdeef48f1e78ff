// Model test of the agent's cursor handling (DESIGN §6) with fast-check, in bytes: random pages of
// random sizes written on connections, connections lost at random points with the receiver losing
// up to W trailing bytes, target switches whose close is confirmed or abandoned, failed writes and
// agent crashes, against a simple model of the portal's committed position. The real Checkpoint and
// the real ReplayWindow decide; whatever happens every event arrives, and the duplicates of each
// loss stay within min(W + one page, bytes written on that connection).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Checkpoint } from './checkpoint.ts';
import type { SinkPosition } from './sink/sink.ts';
import { ReplayWindow } from './sink/syslog/replay-window.ts';

/** The portal's side: a committed position, moved by the cursor a pull presents. */
class PortalModel {
  committed = 0;
  constructor(readonly events: number) {}

  pull(cursor: string | undefined, limit: number): { ids: number[]; cursor: string; nextCursor: string } {
    if (cursor !== undefined) this.committed = Number(cursor);
    const end = Math.min(this.events, this.committed + limit);
    const ids: number[] = [];
    for (let id = this.committed + 1; id <= end; id++) ids.push(id);
    return { ids, cursor: String(this.committed), nextCursor: String(end) };
  }
}

/** Bytes of event `id`'s line: varied, so pages differ in size. */
const size = (id: number): number => 1 + ((id * 7919) % 13);

type Step =
  | { kind: 'deliver' }
  | { kind: 'send-fails' }
  /** The page is written, then the connection dies and the receiver loses its last `lose` bytes (≤ W). */
  | { kind: 'lost'; lose: number }
  /** The page is written, then the admin switches targets: the old close is confirmed, or abandoned. */
  | { kind: 'switch'; confirmed: boolean; lose: number }
  | { kind: 'crash' };

const fraction = fc.double({ min: 0, max: 1, noNaN: true });
const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 8, arbitrary: fc.constant({ kind: 'deliver' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'send-fails' as const }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('lost' as const), lose: fraction }) },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('switch' as const), confirmed: fc.boolean(), lose: fraction }),
  },
  { weight: 1, arbitrary: fc.constant({ kind: 'crash' as const }) },
);

interface Scenario {
  events: number;
  limit: number;
  /** What the receiver can lose with a connection. */
  lossBytes: number;
  /** The agent's window (lossBytes, unless a test shrinks it). */
  windowBytes: number;
  coalesceBytes: number;
  steps: Step[];
}

function run(s: Scenario) {
  const portal = new PortalModel(s.events);
  const received = new Map<number, number>();
  let checkpoint = new Checkpoint({ coalesceBytes: s.coalesceBytes });
  // One ReplayWindow per sink (a switch opens a new sink); connection ids unique across them.
  const sinks = new Map<number, ReplayWindow>();
  let sink = 1;
  let connection = 1;
  let written = 0;
  /** Where each event of the current connection ended, to take back what a loss swallows. */
  let ends: { id: number; end: number }[] = [];
  sinks.set(sink, new ReplayWindow(s.windowBytes));
  sinks.get(sink)!.opened(connection);
  /** Per incident, the most it may duplicate. */
  const bounds: number[] = [];
  const maxPage = s.limit * 13;

  const newConnection = () => {
    connection++;
    written = 0;
    ends = [];
    sinks.get(sink)!.opened(connection);
  };
  /** The receiver loses the last `bytes` bytes of the current connection. */
  const swallow = (bytes: number) => {
    for (const e of ends) if (e.end > written - bytes) received.set(e.id, received.get(e.id)! - 1);
  };
  const status = (p: SinkPosition) => sinks.get(p.sink!)!.status(p);

  const drain: Step[] = Array.from({ length: Math.ceil(s.events / s.limit) + 3 }, () => ({
    kind: 'deliver' as const,
  }));
  for (const st of [...s.steps, ...drain]) {
    checkpoint.reconcile(status);
    const page = portal.pull(checkpoint.cursor, s.limit);
    checkpoint.pageTaken(page.nextCursor, page.ids.length, page.cursor);
    if (st.kind === 'send-fails') {
      checkpoint.failed();
      continue;
    }
    if (st.kind === 'crash') {
      // The page in hand dies with the process; its connection closes cleanly (the kernel flushes
      // what it holds), and a new agent resumes from the committed position.
      checkpoint = new Checkpoint({ coalesceBytes: s.coalesceBytes });
      bounds.push(maxPage);
      newConnection();
      continue;
    }
    if (page.ids.length === 0) {
      checkpoint.delivered(null);
    } else {
      let bytes = 0;
      for (const id of page.ids) {
        bytes += size(id);
        ends.push({ id, end: written + bytes });
        received.set(id, (received.get(id) ?? 0) + 1);
      }
      written += bytes;
      sinks.get(sink)!.written(connection, written);
      checkpoint.delivered({ sink, connection, offset: written }, bytes);
    }
    if (st.kind === 'lost' || (st.kind === 'switch' && !st.confirmed)) {
      const lose = Math.floor(st.lose * Math.min(s.lossBytes, written));
      swallow(lose);
      bounds.push(Math.min(s.windowBytes + maxPage + s.coalesceBytes, written));
      if (st.kind === 'lost') sinks.get(sink)!.lost(connection, written);
      else sinks.get(sink)!.closed(connection, written, false);
    } else if (st.kind === 'switch') {
      sinks.get(sink)!.closed(connection, written, true);
    }
    if (st.kind === 'switch') {
      sink++;
      sinks.set(sink, new ReplayWindow(s.windowBytes));
    }
    if (st.kind !== 'deliver') newConnection();
  }
  const duplicateBytes = [...received].reduce((sum, [id, n]) => sum + Math.max(0, n - 1) * size(id), 0);
  return { received, duplicateBytes, bound: bounds.reduce((a, b) => a + b, 0), checkpoint };
}

const scenario = (overrides: { shrinkByPage?: boolean; coalesce?: boolean } = {}) =>
  fc
    .record({
      events: fc.integer({ min: 0, max: 300 }),
      limit: fc.integer({ min: 1, max: 20 }),
      lossBytes: fc.integer({ min: 0, max: 400 }),
      coalesceBytes: overrides.coalesce === true ? fc.integer({ min: 0, max: 60 }) : fc.constant(0),
      steps: fc.array(step, { maxLength: 60 }),
    })
    .map((r) => ({
      ...r,
      windowBytes: overrides.shrinkByPage === true ? Math.max(0, r.lossBytes - r.limit * 13) : r.lossBytes,
    }));

function check({ events, received, duplicateBytes, bound }: ReturnType<typeof run> & { events: number }) {
  for (let id = 1; id <= events; id++) expect(received.get(id) ?? 0, `event ${id}`).toBeGreaterThanOrEqual(1);
  expect(duplicateBytes).toBeLessThanOrEqual(bound);
}

describe('Checkpoint and ReplayWindow against a model of the portal and a receiver', () => {
  it('delivers every event at least once; duplicates per loss within min(W + a page, bytes on the connection)', () => {
    fc.assert(
      fc.property(scenario(), (s) => check({ ...run(s), events: s.events })),
      { numRuns: 500 },
    );
  });

  it('still does when consecutive small pages are remembered as one (duplicates grow by at most that span)', () => {
    fc.assert(
      fc.property(scenario({ coalesce: true }), (s) => check({ ...run(s), events: s.events })),
      { numRuns: 300 },
    );
  });

  it('a window one page smaller than what the receiver can lose misses events', () => {
    const result = fc.check(
      fc.property(scenario({ shrinkByPage: true }), (s) => check({ ...run(s), events: s.events })),
      { numRuns: 500 },
    );
    expect(result.failed).toBe(true);
  });

  it('without incidents, every event arrives exactly once and nothing is remembered past the window', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 300 }),
        fc.integer({ min: 1, max: 30 }),
        fc.integer({ min: 0, max: 100 }),
        (events, limit, windowBytes) => {
          const { received, checkpoint } = run({
            events,
            limit,
            lossBytes: windowBytes,
            windowBytes,
            coalesceBytes: 0,
            steps: [],
          });
          expect([...received.keys()].sort((a, b) => a - b)).toEqual(
            Array.from({ length: events }, (_, i) => i + 1),
          );
          expect([...received.values()].every((n) => n === 1)).toBe(true);
          // Pages whose end is more than W back are forgotten: at most W / 1 byte + 1 remain.
          expect(checkpoint.remembered).toBeLessThanOrEqual(windowBytes + 1);
        },
      ),
    );
  });

  it('a failed write is read again from the last acknowledged position', () => {
    const checkpoint = new Checkpoint();
    checkpoint.pageTaken('10', 10);
    checkpoint.delivered({ connection: 1, offset: 100 }, 100);
    expect(checkpoint.cursor).toBe('10');
    checkpoint.pageTaken('20', 10);
    checkpoint.failed();
    expect(checkpoint.cursor).toBe('10');
  });

  it('a lost connection rewinds to the first page ending in its last W bytes, and counts what is read again', () => {
    const window = new ReplayWindow(250);
    const checkpoint = new Checkpoint();
    const page = (cursor: string, connection: number, offset: number) => {
      checkpoint.pageTaken(cursor, 10);
      window.written(connection, offset);
      checkpoint.delivered({ connection, offset }, 100);
    };
    page('10', 1, 100);
    page('20', 1, 200);
    page('30', 1, 300);
    page('40', 1, 400);
    // Live: the page ending at 100 (at or before 400 - 250) is delivered and forgotten.
    expect(checkpoint.reconcile((p) => window.status(p))).toBeNull();
    expect(checkpoint.remembered).toBe(3);
    window.written(1, 500);
    expect(checkpoint.reconcile((p) => window.status(p))).toBeNull();
    expect(checkpoint.remembered).toBe(2);
    // Lost with 500 bytes written: the page ending at 250 would be safe, the one ending at 300 is not.
    window.lost(1, 500);
    expect(checkpoint.reconcile((p) => window.status(p))).toEqual({ events: 20, pages: 2 });
    expect(checkpoint.cursor).toBe('20');
    // A confirmed close delivers everything on it.
    page('30', 2, 100);
    window.closing(2);
    expect(window.status({ connection: 2, offset: 100 })).toBe('pending');
    window.closed(2, 100, true);
    expect(checkpoint.reconcile((p) => window.status(p))).toBeNull();
    expect(checkpoint.remembered).toBe(0);
    expect(checkpoint.cursor).toBe('30');
    // An abandoned close loses its window like a lost connection.
    page('40', 3, 100);
    window.closing(3);
    window.closed(3, 100, false);
    expect(checkpoint.reconcile((p) => window.status(p))).toEqual({ events: 10, pages: 1 });
    expect(checkpoint.cursor).toBe('30');
  });
});
