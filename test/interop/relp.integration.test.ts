// The RELP sender (@cloudsiem/syslog) against a real rsyslog with imrelp (librelp): every message
// arrives exactly once; a SIGKILLed rsyslog restarted on the same port loses nothing and duplicates
// at most one window; RELP over TLS (imrelp tls.tlslib="openssl"). Prints messages/s over RELP and
// over TCP to the same rsyslog (information only: timings are never asserted).
import {
  createRelpSender,
  createSender,
  SyslogBatchError,
  SyslogError,
  type RelpSender,
  type RelpSenderOptions,
} from '@cloudsiem/syslog';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { makeTestCerts, removeTestCerts, type TestCerts } from '../support/certs.ts';
import { toolOrSkip } from '../support/tools.ts';
import { waitFor } from '../support/wait.ts';
import { MCAS_LINES, STREAM_MESSAGES } from './messages.ts';
import { RsyslogRelp } from './rsyslog-relp.ts';

const rsyslogd = toolOrSkip('rsyslogd');
const openssl = toolOrSkip('openssl');

const WINDOW = 128;
const BATCH = 1_000;

/** CEF lines of the MCAS samples, each tagged with a unique id the test counts. */
function cefLines(from: number, count: number): string[] {
  return Array.from(
    { length: count },
    (_, i) => `${MCAS_LINES[(from + i) % MCAS_LINES.length]!} cs6Label=testId cs6=${from + i}`,
  );
}

/** How often each id arrived. */
function idCounts(lines: readonly string[]): Map<number, number> {
  const counts = new Map<number, number>();
  for (const line of lines) {
    const id = Number(/ cs6=(\d+)$/.exec(line)?.[1] ?? NaN);
    counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  return counts;
}

describe.skipIf(rsyslogd === undefined || openssl === undefined)('RELP to a real rsyslog (imrelp)', () => {
  let certs: TestCerts;
  let daemon: RsyslogRelp;
  const senders: { close(): Promise<void> }[] = [];

  beforeAll(async () => {
    certs = makeTestCerts(openssl!.path);
    daemon = await RsyslogRelp.start(rsyslogd!, certs);
  });
  afterEach(async () => {
    await Promise.all(senders.splice(0).map((s) => s.close()));
    if (!daemon.running) await daemon.restart();
  });
  afterAll(async () => {
    await daemon?.stop();
    removeTestCerts(certs);
  });

  function relp(options: Partial<RelpSenderOptions> = {}): RelpSender {
    const sender = createRelpSender({
      host: '127.0.0.1',
      port: daemon.ports.relp,
      windowSize: WINDOW,
      reconnect: { initialDelayMs: 20, maxDelayMs: 200 },
      ...options,
    });
    senders.push(sender);
    return sender;
  }

  it('delivers 10 000 CEF lines, each exactly once and in order; every batch resolves only when acknowledged', async () => {
    const file = daemon.file('relp');
    const before = file.lines().length;
    const sender = relp();
    const lines = cefLines(0, 10_000);
    const started = performance.now();
    for (let i = 0; i < lines.length; i += BATCH) {
      await sender.sendBatch(lines.slice(i, i + BATCH));
      // Acknowledged means written: this rsyslog writes before it answers (direct queues).
      expect(file.lines().length - before).toBe(i + BATCH);
    }
    const relpMs = performance.now() - started;
    const received = file.lines().slice(before);
    expect(received).toEqual(lines);
    expect(sender.stats).toMatchObject({ messagesSent: 10_000, windowInUse: 0, reconnects: 0 });

    // The same lines over TCP (LF framing) to the same rsyslog, timed until all are in its file.
    const tcpFile = daemon.file('tcp');
    const tcpBefore = tcpFile.lines().length;
    const tcp = createSender({ protocol: 'tcp', host: '127.0.0.1', port: daemon.ports.tcp });
    senders.push(tcp);
    const tcpStarted = performance.now();
    for (let i = 0; i < lines.length; i += BATCH) await tcp.sendBatch(lines.slice(i, i + BATCH));
    await tcpFile.waitForLines(tcpBefore + lines.length, 30_000);
    const tcpMs = performance.now() - tcpStarted;
    const rate = (ms: number) => Math.round((lines.length / ms) * 1000);
    console.log(
      `RELP to rsyslog imrelp, batches of ${BATCH}, window ${WINDOW}: ${rate(relpMs)} messages/s ` +
        `(${Math.round(relpMs)} ms for ${lines.length}); TCP (LF) to the same rsyslog: ${rate(tcpMs)} messages/s ` +
        `(${Math.round(tcpMs)} ms until all were in its file)`,
    );
  });

  it('carries every test line byte for byte (UTF-8, escapes, the long line)', async () => {
    const file = daemon.file('relp');
    const before = file.lines().length;
    await relp().sendBatch(STREAM_MESSAGES);
    expect(file.lines().slice(before)).toEqual(STREAM_MESSAGES);
  });

  it('loses nothing when rsyslog is SIGKILLed mid-stream and restarted; duplicates stay within the window', async () => {
    const file = daemon.file('relp');
    const before = file.lines().length;
    const sender = relp();
    const total = 20_000;
    const lines = cefLines(100_000, total);
    const rejections: SyslogError[] = [];

    // The agent's loop: a rejected batch is sent again, from the first message not acknowledged.
    const produce = async () => {
      for (let i = 0; i < total; i += BATCH) {
        let batch = lines.slice(i, i + BATCH);
        for (;;) {
          try {
            await sender.sendBatch(batch);
            break;
          } catch (error) {
            if (!(error instanceof SyslogError) || !error.retriable) throw error;
            rejections.push(error);
            if (error instanceof SyslogBatchError) batch = batch.slice(error.acknowledgedMessages);
          }
        }
      }
    };
    const producing = produce();
    // Half-way through a batch, so that batch is surely in flight when rsyslog dies.
    const killAt = total / 4 + BATCH / 2;
    await waitFor(() => file.lines().length - before >= killAt, `${killAt} lines written`, 30_000);
    await daemon.kill();
    const atKill = file.lines().length - before;
    await new Promise((resolve) => setTimeout(resolve, 300));
    await daemon.restart();
    await producing;

    const counts = idCounts(file.lines().slice(before));
    const missing = lines.length - [...counts.keys()].filter((id) => id >= 100_000).length;
    const duplicates = [...counts.values()].reduce((n, c) => n + c - 1, 0);
    console.log(
      `RELP across a SIGKILL of rsyslog (at ${atKill} of ${total} lines): ${missing} missing, ${duplicates} duplicates, ` +
        `${rejections.length} rejected sends (${[...new Set(rejections.map((e) => e.code))].join(', ')}), ` +
        `${sender.stats.reconnects} reconnects`,
    );
    expect(counts.size).toBe(total);
    expect(missing).toBe(0);
    expect(duplicates).toBeLessThanOrEqual(WINDOW);
    // The batch in flight at the kill was rejected, not resolved: the kill happened mid-stream.
    expect(rejections.some((e) => e.code === 'SYSLOG_CONNECTION_LOST')).toBe(true);
    expect(sender.stats.reconnects).toBeGreaterThanOrEqual(1);
    expect(sender.stats.messagesSent).toBeGreaterThanOrEqual(total);
  });

  it('speaks RELP over TLS to imrelp (tls="on", openssl driver), verifying its certificate', async () => {
    const file = daemon.file('relpTls');
    const before = file.lines().length;
    const sender = relp({ port: daemon.ports.relpTls, tls: { ca: certs.ca } });
    const lines = cefLines(200_000, 2_000);
    await sender.sendBatch(lines.slice(0, 1_000));
    await sender.sendBatch(lines.slice(1_000));
    expect(file.lines().slice(before)).toEqual(lines);
  });

  it('refuses the TLS RELP port when its certificate is not trusted (SYSLOG_TLS), sending nothing', async () => {
    const other = makeTestCerts(openssl!.path);
    try {
      const file = daemon.file('relpTls');
      const before = file.lines().length;
      const sender = relp({ port: daemon.ports.relpTls, tls: { ca: other.ca } });
      await expect(sender.sendBatch(['x'])).rejects.toMatchObject({ code: 'SYSLOG_TLS' });
      expect(file.lines().length).toBe(before);
    } finally {
      removeTestCerts(other);
    }
  });
});
