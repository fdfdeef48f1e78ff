// The pipeline's read-ahead (DESIGN §6 `ack`): page N+1 is pulled while page N is written, acknowledging
// only what was handed to the sink before; a failed write, a rewind or a config applied drops the page
// read ahead and reads again from the right position. A fake portal (committed position, ack
// semantics) and a fake sink whose writes the test resolves.
import { SyslogError } from '@cloudsiem/syslog';
import { afterEach, describe, expect, it } from 'vitest';
import { Checkpoint } from './checkpoint.ts';
import { emptyStats, runPipeline, type PipelineContext } from './pipeline.ts';
import type { PositionStatus, SinkPosition, SinkReceipt } from './sink/sink.ts';
import type { TargetSwitch } from './sink/target-switch.ts';
import type { Page, PortalClient } from './source/portal-client.ts';
import type { PageEncoder } from './transform/encode-cef.ts';

interface PullCall {
  cursor: string | undefined;
  ack: string | undefined;
  /** Writes finished when the pull was made. */
  writesDone: number;
}

/** Events 1..total; positions are plain numbers as strings. */
function fakePortal(total: number, pageSize: number) {
  let committed = 0;
  const calls: PullCall[] = [];
  const state = { writesDone: 0 };
  const client = {
    pull(_dataType, { cursor, ack, limit }) {
      calls.push({ cursor, ack, writesDone: state.writesDone });
      if (ack !== undefined) committed = Number(ack);
      else if (cursor !== undefined) committed = Number(cursor);
      const from = cursor === undefined ? committed : Number(cursor);
      const end = Math.min(total, from + Math.min(limit, pageSize));
      const events: Record<string, unknown>[] = [];
      for (let id = from + 1; id <= end; id++) events.push({ id });
      const page: Page = {
        events,
        cursor: String(from),
        nextCursor: String(end),
        committed: String(committed),
        hasMore: end < total,
      };
      return Promise.resolve(page);
    },
    config: () => Promise.reject(new Error('not used')),
    heartbeat: () => Promise.resolve(),
    close: () => Promise.resolve(),
  } satisfies PortalClient;
  return { client, calls, state, committed: () => committed };
}

/** A sink whose writes wait until the test lets them go, in order; status per written position. */
function fakeSink(state: { writesDone: number }) {
  const written: string[][] = [];
  const statuses = new Map<number, PositionStatus>();
  const queue: { lines: readonly string[]; resolve: (r: SinkReceipt) => void; reject: (e: Error) => void }[] =
    [];
  let offset = 0;
  const waiters: (() => void)[] = [];
  const sink = {
    write(lines: readonly string[]) {
      return new Promise<SinkReceipt>((resolve, reject) => {
        queue.push({ lines, resolve, reject });
        for (const w of waiters.splice(0)) w();
      }).finally(() => state.writesDone++);
    },
    status: (position: SinkPosition) => statuses.get(position.offset) ?? 'pending',
    settled: () => Promise.resolve(),
    waitUntilConnected: () => Promise.resolve(),
  } as unknown as TargetSwitch;

  /** The next write, once the pipeline made it. */
  async function next() {
    while (queue.length === 0) await new Promise<void>((resolve) => waiters.push(resolve));
    return queue.shift()!;
  }
  return {
    sink,
    written,
    statuses,
    /** Lets the next write through; returns its lines and the offset it ended at. */
    async deliver(): Promise<{ lines: readonly string[]; end: number }> {
      const write = await next();
      const bytes = write.lines.length;
      offset += bytes;
      written.push([...write.lines]);
      write.resolve({ position: { connection: 1, offset }, bytes, truncated: 0 });
      return { lines: write.lines, end: offset };
    },
    /** Fails every write still waiting (the test is over). */
    close(): void {
      for (const write of queue.splice(0)) write.reject(new SyslogError('SYSLOG_CLOSED', 'closed'));
    },
    async fail(): Promise<void> {
      const write = await next();
      write.reject(new SyslogError('SYSLOG_CONNECTION_LOST', 'the connection was lost'));
    },
  };
}

const quiet = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };

function setup(total: number, pageSize = 10) {
  const portal = fakePortal(total, pageSize);
  const sink = fakeSink(portal.state);
  let encoder: PageEncoder = (records) => ({
    lines: records.map((r) => String(r.id)),
    dropped: [],
    newestCreatedAt: null,
  });
  const acks: boolean[] = [];
  const context: PipelineContext = {
    dataType: 'activities',
    client: portal.client,
    sink: sink.sink,
    checkpoint: new Checkpoint(),
    logger: quiet,
    stats: emptyStats(),
    pageSize,
    idlePollMs: 60_000,
    readAhead: true,
    encoder: () => encoder,
    contact: () => {},
    pullFailed: () => 0,
    pullRefused: () => {},
    dropped: () => {},
    truncated: () => {},
    portalAcks: (understood) => acks.push(understood),
  };
  const controller = new AbortController();
  const running = runPipeline(context, controller.signal);
  stops.push(async () => {
    controller.abort();
    sink.close();
    await running;
  });
  return {
    portal,
    sink,
    context,
    acks,
    setEncoder: (next: PageEncoder) => void (encoder = next),
    /** Until the pipeline made `n` pulls. */
    async pulls(n: number) {
      while (portal.calls.length < n) await new Promise((resolve) => setTimeout(resolve, 1));
      return portal.calls.slice(0, n);
    },
  };
}

const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0)) await stop();
});

const ids = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => String(from + i));

describe('pipeline read-ahead', { timeout: 10_000 }, () => {
  it('pulls page N+1 while page N is being written, acknowledging only what was handed over before', async () => {
    const t = setup(30);
    // Page 1 (no cursor) is being written: page 2 is read meanwhile, acknowledging nothing new.
    const [first, second] = await t.pulls(2);
    expect(first).toEqual({ cursor: undefined, ack: undefined, writesDone: 0 });
    expect(second).toEqual({ cursor: '10', ack: '0', writesDone: 0 });
    expect(t.portal.committed()).toBe(0);
    expect((await t.sink.deliver()).lines).toEqual(ids(1, 10));
    // Page 2 is written from the page read ahead; page 3 is read meanwhile and acknowledges page 1.
    const third = (await t.pulls(3))[2];
    expect(third).toEqual({ cursor: '20', ack: '10', writesDone: 1 });
    expect(t.portal.committed()).toBe(10);
    expect((await t.sink.deliver()).lines).toEqual(ids(11, 20));
    expect((await t.sink.deliver()).lines).toEqual(ids(21, 30));
    // The last page has no more after it: nothing is read ahead (the next pull, after the idle
    // wait, acknowledges pages 2 and 3).
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(t.portal.calls).toHaveLength(3);
    expect(t.portal.committed()).toBe(10);
    expect(t.acks.every(Boolean)).toBe(true);
  });

  it('drops the page read ahead when a write fails, and reads the failed page again', async () => {
    const t = setup(40);
    await t.sink.deliver(); // page 1
    await t.pulls(3); // page 2 taken from the read-ahead, page 3 read ahead
    await t.sink.fail(); // page 2 not written
    // Read again from where page 2 starts, not from the page read ahead (page 3).
    const again = (await t.pulls(4))[3];
    expect(again?.cursor).toBe('10');
    expect(t.portal.committed()).toBe(10);
    expect((await t.sink.deliver()).lines).toEqual(ids(11, 20));
    expect((await t.sink.deliver()).lines).toEqual(ids(21, 30));
    expect((await t.sink.deliver()).lines).toEqual(ids(31, 40));
  });

  it('drops the page read ahead on a rewind, and reads again from the first lost page', async () => {
    const t = setup(40);
    const p1 = await t.sink.deliver(); // page 1 handed over (pending: not known delivered)
    const p2 = await t.sink.deliver(); // page 2 handed over; page 3 is being read ahead or was
    await t.pulls(4); // page 3 taken, page 4 read ahead while page 3 is written
    // The connection died: page 1 arrived, page 2 did not.
    t.sink.statuses.set(p1.end, 'delivered');
    t.sink.statuses.set(p2.end, 'lost');
    const p3 = await t.sink.deliver();
    t.sink.statuses.set(p3.end, 'lost');
    // The next page is read from where page 2 starts: the portal's position moves back with it.
    const rewound = (await t.pulls(5))[4];
    expect(rewound?.cursor).toBe('10');
    expect(t.portal.committed()).toBe(10);
    expect(t.context.stats.rewinds).toBe(1);
    expect((await t.sink.deliver()).lines).toEqual(ids(11, 20));
  });

  it('drops the page read ahead when a config was applied meanwhile: it is read again under it', async () => {
    const t = setup(30);
    await t.pulls(2); // page 2 read ahead under the first config
    t.setEncoder((records) => ({
      lines: records.map((r) => `v2:${String(r.id)}`),
      dropped: [],
      newestCreatedAt: null,
    }));
    await t.sink.deliver();
    const reread = (await t.pulls(3))[2];
    expect(reread).toEqual({ cursor: '10', ack: undefined, writesDone: 1 });
    expect((await t.sink.deliver()).lines).toEqual(ids(11, 20).map((id) => `v2:${id}`));
  });
});
