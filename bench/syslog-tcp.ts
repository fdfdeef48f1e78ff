// Syslog TCP sender throughput: pre-encoded CEF lines of realistic activities pushed through the
// real sender (sendBatch of 1000, LF framing) into a counting sink in a CHILD process (the machine
// has two cores: sender and sink each get one). The clock stops when the sink has counted every
// byte. Target, a ratio measured in the same run: the sender moves lines >= 5x faster than the CEF
// encoder makes them, so the syslog hop is never what limits the agent.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import net from 'node:net';
import { createActivityEncoder } from '@cloudsiem/cef';
import { createSender, encodeFrames, type Framing } from '@cloudsiem/syslog';
import { formatRate, repeat, stats, type Stats } from './lib.ts';
import { BENCH_SETTINGS, makeActivities } from './records.ts';

const LINES = 100_000;
const BATCH = 1000;
// Loopback throughput on this VM swings by 2x from run to run: many short runs, medians compared.
const RUNS = 9;

// The sink: counts bytes and LFs of each connection and reports them when the sender ends it.
const SINK = `
const net = require('node:net');
const server = net.createServer((socket) => {
  let bytes = 0;
  let lines = 0;
  socket.on('data', (chunk) => {
    bytes += chunk.length;
    for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) lines++;
  });
  socket.on('end', () => process.send({ bytes, lines }));
});
server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }));
process.on('disconnect', () => process.exit(0));
`;

interface SinkReport {
  bytes: number;
  lines: number;
}

async function startSink(): Promise<{ child: ChildProcess; port: number; next: () => Promise<SinkReport> }> {
  const child = spawn(process.execPath, ['-e', SINK], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const [{ port }] = (await once(child, 'message')) as [{ port: number }];
  return { child, port, next: async () => ((await once(child, 'message')) as [SinkReport])[0] };
}

function encoderRate(encode: () => number): number {
  const started = process.hrtime.bigint();
  const count = encode();
  return count / (Number(process.hrtime.bigint() - started) / 1e9);
}

/** Encodes the activities (measuring the encoder on the way); the records are dropped after. */
async function encodeLines(): Promise<{ lines: string[]; encoder: Stats }> {
  const activities = makeActivities(LINES, 1);
  const encodeActivity = createActivityEncoder(BENCH_SETTINGS);
  const encoder = await repeat(RUNS, () =>
    encoderRate(() => {
      let n = 0;
      for (const activity of activities) n += encodeActivity(activity).length > 0 ? 1 : 0;
      return n;
    }),
  );
  return { lines: activities.map((activity) => encodeActivity(activity)), encoder };
}

export async function run(): Promise<void> {
  // A real agent holds one batch at a time; dropping the 100k records keeps the heap (and so the
  // cost of each garbage collection) closer to that.
  const { lines, encoder } = await encodeLines();
  const batches: string[][] = [];
  for (let i = 0; i < lines.length; i += BATCH) batches.push(lines.slice(i, i + BATCH));
  const framedBytes = (framing: Framing) => batches.reduce((n, b) => n + encodeFrames(b, framing).length, 0);
  const lfBytes = framedBytes('lf');
  console.log(`${LINES} CEF activity lines, ${Math.round(lfBytes / LINES - 1)} bytes each on average`);

  const sink = await startSink();
  const lfFrames = encodeFrames(lines, 'lf');
  const octetBytes = framedBytes('octet');
  try {
    // Wall-clock rates swing with the VM's scheduling; the sender process's own CPU time per line
    // (user + system, kernel copy included) is the steadier measure of what the sender costs.
    let cpuRates: number[] = [];
    const timed = async (send: () => Promise<void>, framing: Framing): Promise<number> => {
      const report = sink.next();
      const cpu = process.cpuUsage();
      const started = process.hrtime.bigint();
      await send();
      const { bytes, lines: counted } = await report;
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const used = process.cpuUsage(cpu);
      cpuRates.push(LINES / ((used.user + used.system) / 1e6));
      const expectedBytes = framing === 'lf' ? lfBytes : octetBytes;
      if (bytes !== expectedBytes || (framing === 'lf' && counted !== LINES)) {
        throw new Error(`sink got ${bytes} bytes / ${counted} lines, expected ${expectedBytes} / ${LINES}`);
      }
      return LINES / seconds;
    };

    /** Every batch through the sender over a fresh connection, until the sink counted every byte. */
    const viaSender = (framing: Framing, pipelined: boolean) => async (): Promise<number> => {
      const sender = createSender({ protocol: 'tcp', host: '127.0.0.1', port: sink.port, framing });
      await sender.connect();
      return timed(async () => {
        if (pipelined) {
          // Every batch issued at once: the sender's bounded queue (4 MiB) applies backpressure.
          await Promise.all(batches.map((batch) => sender.sendBatch(batch)));
        } else {
          // The agent's way: the next batch only after the previous one was handed to the socket.
          for (const batch of batches) await sender.sendBatch(batch);
        }
        await sender.close();
      }, framing);
    };

    /** The ceiling: the same bytes, framed beforehand, written in 1 MiB slices by a bare socket. */
    const bareSocket = async (): Promise<number> => {
      const socket = net.connect(sink.port, '127.0.0.1');
      await once(socket, 'connect');
      const rate = await timed(async () => {
        for (let i = 0; i < lfFrames.length; i += 1024 * 1024) {
          if (!socket.write(lfFrames.subarray(i, i + 1024 * 1024))) await once(socket, 'drain');
        }
        socket.end();
        await once(socket, 'finish');
      }, 'lf');
      socket.destroy();
      return rate;
    };

    const measure = async (label: string, fn: () => Promise<number>, target: boolean): Promise<void> => {
      cpuRates = [];
      const wall = await repeat(RUNS, fn);
      const cpu = stats(cpuRates.slice(1)); // the first sample is repeat()'s warm-up run
      const mb = (n: number) => Math.round((n * lfBytes) / LINES / 1e6).toLocaleString('en-US');
      console.log(`  ${label.padEnd(24)} wall ${formatRate(wall, 'lines')} = ${mb(wall.median)} MB/s`);
      console.log(`  ${''.padEnd(24)} cpu  ${formatRate(cpu, 'lines')} of sender process CPU`);
      if (target) {
        const ratio = (n: number) => (n / encoder.median).toFixed(1);
        console.log(
          `  ${''.padEnd(24)} sender / encoder = ${ratio(wall.median)} wall, ${ratio(cpu.median)} cpu (target >= 5)`,
        );
      }
    };

    console.log(`  ${'CEF encoder (1 core)'.padEnd(24)} ${formatRate(encoder, 'lines')}`);
    await measure('bare socket, pre-framed', bareSocket, false);
    await measure('TCP LF, agent-style', viaSender('lf', false), true);
    await measure('TCP LF, pipelined', viaSender('lf', true), true);
    await measure('TCP octet, agent-style', viaSender('octet', false), true);
  } finally {
    sink.child.disconnect();
    await once(sink.child, 'exit');
  }
}
