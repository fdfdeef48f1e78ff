// Model test of the agent's cursor handling (DESIGN §6) with fast-check: random pages, failed
// sends, connections that die after swallowing what was just written, and agent crashes, against
// a simple in-memory model of the portal's committed position. Whatever happens, every event
// reaches the SIEM, and duplicates stay bounded by what each incident put at risk.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Checkpoint } from './checkpoint.ts';

const WINDOW_MS = 1000;

/** The portal's side: a committed position, moved by the cursor a pull presents. */
class PortalModel {
  committed = 0;
  constructor(readonly events: number) {}

  pull(cursor: string | undefined, limit: number): { ids: number[]; nextCursor: string } {
    if (cursor !== undefined) this.committed = Number(cursor);
    const end = Math.min(this.events, this.committed + limit);
    const ids: number[] = [];
    for (let id = this.committed + 1; id <= end; id++) ids.push(id);
    return { ids, nextCursor: String(end) };
  }
}

type Step =
  | { kind: 'deliver'; advanceMs: number }
  | { kind: 'send-fails'; advanceMs: number }
  /** Delivered to the kernel, then the connection dies `afterMs` later and those bytes vanish. */
  | { kind: 'lost-after-write'; advanceMs: number; afterMs: number }
  | { kind: 'crash'; advanceMs: number };

const step: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('deliver' as const),
      advanceMs: fc.integer({ min: 100, max: 700 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('send-fails' as const),
      advanceMs: fc.integer({ min: 100, max: 700 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('lost-after-write' as const),
      advanceMs: fc.integer({ min: 100, max: 700 }),
      afterMs: fc.integer({ min: 0, max: WINDOW_MS - 1 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('crash' as const),
      advanceMs: fc.integer({ min: 100, max: 700 }),
    }),
  },
);

function run(events: number, limit: number, steps: Step[]) {
  const portal = new PortalModel(events);
  const received = new Map<number, number>();
  const receive = (ids: number[]) => ids.forEach((id) => received.set(id, (received.get(id) ?? 0) + 1));
  let checkpoint = new Checkpoint(WINDOW_MS);
  let now = 0;
  let connection = 1;
  let incidents = 0;

  const drainSteps: Step[] = Array.from({ length: Math.ceil(events / limit) + 2 }, () => ({
    kind: 'deliver' as const,
    advanceMs: 200,
  }));
  for (const s of [...steps, ...drainSteps]) {
    now += s.advanceMs;
    const page = portal.pull(checkpoint.cursor, limit);
    checkpoint.pageTaken(page.nextCursor);
    switch (s.kind) {
      case 'deliver':
        receive(page.ids);
        checkpoint.delivered(connection, now);
        break;
      case 'send-fails':
        incidents++;
        checkpoint.failed();
        break;
      case 'lost-after-write': {
        incidents++;
        // Handed to the kernel, never read by the SIEM: the page is not received.
        checkpoint.delivered(connection, now);
        const lostAt = now + s.afterMs;
        checkpoint.connectionLost(connection, lostAt);
        connection++;
        now = lostAt;
        break;
      }
      case 'crash':
        incidents++;
        // The page in hand dies with the process; a new agent resumes from the committed position.
        checkpoint = new Checkpoint(WINDOW_MS);
        break;
    }
  }
  return { received, incidents };
}

describe('Checkpoint against a model of the portal', () => {
  it('delivers every event at least once, duplicates bounded by the pages at risk per incident', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 400 }),
        fc.integer({ min: 1, max: 25 }),
        fc.array(step, { maxLength: 60 }),
        (events, limit, steps) => {
          const { received, incidents } = run(events, limit, steps);
          for (let id = 1; id <= events; id++)
            expect(received.get(id) ?? 0, `event ${id}`).toBeGreaterThanOrEqual(1);
          const duplicates = [...received.values()].reduce((sum, n) => sum + Math.max(0, n - 1), 0);
          // Steps advance ≥ 100 ms, so at most WINDOW_MS / 100 pages are ever inside one window.
          expect(duplicates).toBeLessThanOrEqual(incidents * (WINDOW_MS / 100 + 1) * limit);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('without incidents, every event arrives exactly once', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 300 }), fc.integer({ min: 1, max: 30 }), (events, limit) => {
        const { received } = run(events, limit, []);
        expect([...received.keys()].sort((a, b) => a - b)).toEqual(
          Array.from({ length: events }, (_, i) => i + 1),
        );
        expect([...received.values()].every((n) => n === 1)).toBe(true);
      }),
    );
  });

  it('a send that fails is read again from the last acknowledged position', () => {
    const checkpoint = new Checkpoint(WINDOW_MS);
    checkpoint.pageTaken('10');
    checkpoint.delivered(1, 0);
    expect(checkpoint.cursor).toBe('10');
    checkpoint.pageTaken('20');
    checkpoint.failed();
    expect(checkpoint.cursor).toBe('10');
  });

  it('a lost connection rewinds only over pages written on it within the window before the loss', () => {
    const checkpoint = new Checkpoint(WINDOW_MS);
    checkpoint.pageTaken('10');
    checkpoint.delivered(1, 0);
    checkpoint.pageTaken('20');
    checkpoint.delivered(1, 5000);
    checkpoint.pageTaken('30');
    checkpoint.delivered(1, 5600);
    // Lost at 6200: the pages written at 5000 (1200 ms before) are safe, the one at 5600 is not.
    checkpoint.connectionLost(1, 6200);
    expect(checkpoint.cursor).toBe('20');
    // A loss of another connection does not touch this one's pages.
    checkpoint.pageTaken('40');
    checkpoint.delivered(2, 7000);
    checkpoint.connectionLost(3, 7100);
    expect(checkpoint.cursor).toBe('40');
  });
});
