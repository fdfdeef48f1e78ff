// A syslog TCP sink that only counts: LF-framed lines and bytes over all its connections, in a
// CHILD process (the machine has two cores: whoever sends gets one). It reports once it has
// counted the lines it was told to expect, with its own CPU time, the time from the first byte to
// the last line (the same meter for every sender), and, when asked, a sample of the lines (every
// n-th, for the fairness check: they are decoded and compared with what our encoder writes).
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { childCpu, childRss } from './process-stats.ts';

const SINK = `
const net = require('node:net');
let expected = Infinity;
let lines = 0;
let bytes = 0;
let cpu = process.cpuUsage();
let firstAt = 0n;
let lastAt = 0n;
let sampleEvery = 0;
let samples = [];
// The pieces of the sampled line being read (a line can span chunks), or null.
let capture = null;
const report = (type) => {
  const used = process.cpuUsage(cpu);
  const spanSeconds = firstAt === 0n ? 0 : Number(lastAt - firstAt) / 1e9;
  process.send({ type, lines, bytes, cpuSeconds: (used.user + used.system) / 1e6, spanSeconds, samples });
};
process.on('message', (message) => {
  if (message.type === 'expect') {
    expected = message.lines;
    lines = 0;
    bytes = 0;
    firstAt = 0n;
    lastAt = 0n;
    sampleEvery = message.sampleEvery;
    samples = [];
    capture = sampleEvery > 0 ? [] : null;
    cpu = process.cpuUsage();
    process.send({ type: 'ready' });
  } else if (message.type === 'count') {
    report('count');
  }
});
const server = net.createServer((socket) => {
  socket.on('data', (chunk) => {
    if (firstAt === 0n) firstAt = process.hrtime.bigint();
    bytes += chunk.length;
    if (sampleEvery === 0) {
      for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) lines++;
    } else {
      let start = 0;
      for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) {
        if (capture !== null) {
          capture.push(chunk.subarray(start, i));
          samples.push(Buffer.concat(capture).toString('utf8'));
          capture = null;
        }
        lines++;
        start = i + 1;
        if (lines % sampleEvery === 0) capture = [];
      }
      if (capture !== null) capture.push(Buffer.from(chunk.subarray(start)));
    }
    if (lines > 0) lastAt = process.hrtime.bigint();
    if (lines >= expected) {
      expected = Infinity;
      report('done');
    }
  });
  socket.on('error', () => {});
});
server.listen(0, '127.0.0.1', () => process.send({ type: 'listening', port: server.address().port }));
process.on('disconnect', () => process.exit(0));
`;

export interface SinkCount {
  lines: number;
  bytes: number;
  /** The sink's CPU time since the last expect(). */
  cpuSeconds: number;
  /** From the first byte received to the last LF counted, seconds (0 before any line). */
  spanSeconds: number;
  /** Every `sampleEvery`-th line (the first included), without its LF; empty without sampling. */
  samples: string[];
}

export interface CountingSink {
  port: number;
  /**
   * Resets the counts; the promise resolves when `lines` lines have arrived. With `sampleEvery`,
   * line 0 and every `sampleEvery`-th line after it are kept (the fairness check decodes them).
   */
  expect(lines: number, sampleEvery?: number): Promise<{ done: Promise<SinkCount> }>;
  /** The counts now (lines beyond the expected ones show up here). */
  count(): Promise<SinkCount>;
  close(): Promise<void>;
}

interface Message extends Partial<SinkCount> {
  type: 'listening' | 'ready' | 'done' | 'count';
  port?: number;
}

/** One listener for the child's messages: waiters by type, so none is missed between two awaits. */
function messages(child: ChildProcess): (type: Message['type']) => Promise<Message> {
  const waiters: { type: Message['type']; resolve: (message: Message) => void }[] = [];
  child.on('message', (message: Message) => {
    const index = waiters.findIndex((w) => w.type === message.type);
    if (index !== -1) waiters.splice(index, 1)[0]!.resolve(message);
  });
  return (type) => new Promise((resolve) => waiters.push({ type, resolve }));
}

function countOf(message: Message): SinkCount {
  return {
    lines: message.lines ?? 0,
    bytes: message.bytes ?? 0,
    cpuSeconds: message.cpuSeconds ?? 0,
    spanSeconds: message.spanSeconds ?? 0,
    samples: message.samples ?? [],
  };
}

export async function startCountingSink(): Promise<CountingSink> {
  const child = spawn(process.execPath, ['-e', SINK], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const next = messages(child);
  const { port } = await next('listening');
  return {
    port: port!,
    async expect(lines, sampleEvery = 0) {
      const ready = next('ready');
      child.send({ type: 'expect', lines, sampleEvery });
      await ready;
      return { done: next('done').then(countOf) };
    },
    async count() {
      const answer = next('count');
      child.send({ type: 'count' });
      return countOf(await answer);
    },
    async close() {
      child.disconnect();
      await once(child, 'exit');
    },
  };
}

/** A sender child's run, metered at the sink: first byte to last line, its CPU and peak RSS. */
export interface SenderRun {
  /** First byte to last line at the sink. */
  seconds: number;
  /** The sender's CPU seconds (user + system, all threads) from its start to the last line. */
  cpuSeconds: number;
  peakRss: number;
  sink: SinkCount;
}

/**
 * Waits until the sink has counted what `child` (called `name`) sends: `done`, from `sink.expect`;
 * throws when the child exits first, with `detail()` (say, its stderr). Stopping it is the caller's.
 */
export async function meterSender(
  sender: { name: string; child: ChildProcess; exited: Promise<unknown[]>; detail?: () => string },
  done: Promise<SinkCount>,
): Promise<SenderRun> {
  const { name, child, exited, detail } = sender;
  const cpu = childCpu(child.pid!);
  const counted = await Promise.race([
    done,
    exited.then(([code]): never => {
      throw new Error(
        `${name} exited (code ${String(code)}) before the sink had every line${detail?.() ?? ''}`,
      );
    }),
  ]);
  return {
    seconds: counted.spanSeconds,
    cpuSeconds: cpu?.seconds() ?? NaN,
    peakRss: childRss(child.pid!)?.peak ?? NaN,
    sink: counted,
  };
}
