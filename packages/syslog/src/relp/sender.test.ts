// The RELP sender against a RELP server of our own on 127.0.0.1 (test-server.ts), for what a real
// rsyslog will not do on demand: hold answers, answer 500, go silent, drop mid-window, refuse the
// session; plus TLS with openssl-made certificates. Real rsyslog: test/interop/relp.integration.test.ts.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { makeTestCerts, removeTestCerts, type TestCerts } from '../../../../test/support/certs.ts';
import { toolOrSkip } from '../../../../test/support/tools.ts';
import { SyslogBatchError, SyslogError } from '../errors.ts';
import type { SenderEvent } from '../sender.ts';
import { freePort, rawServer, rejection, waitFor, waitUntilStable } from '../test-support.ts';
import { encodeCommands } from './frame.ts';
import { createRelpSender, type RelpSender, type RelpSenderOptions } from './sender.ts';
import { startRelpTestServer, type RelpTestServer, type RelpTestServerOptions } from './test-server.ts';

const HOST = '127.0.0.1';
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function server(options: RelpTestServerOptions = {}): Promise<RelpTestServer> {
  const s = await startRelpTestServer(options);
  cleanups.push(() => s.close());
  return s;
}

function sender(port: number, options: Partial<RelpSenderOptions> = {}): RelpSender {
  const s = createRelpSender({
    host: HOST,
    port,
    reconnect: { initialDelayMs: 5, maxDelayMs: 20 },
    ...options,
  });
  cleanups.push(() => s.close());
  return s;
}

const lines = (from: number, count: number) =>
  Array.from({ length: count }, (_, i) => `CEF:0|MCAS|SIEM_Agent|0.1|EVENT|x|0|id=${from + i} msg=é😀`);

/** What the agent does: resend a rejected batch (retriable errors only) until it resolves. */
async function sendUntilAcknowledged(s: RelpSender, batch: readonly string[]): Promise<number> {
  for (let rejections = 0; ; rejections++) {
    try {
      await s.sendBatch(batch);
      return rejections;
    } catch (error) {
      if (!(error instanceof SyslogError) || !error.retriable) throw error;
    }
  }
}

describe('RELP sender', () => {
  it('delivers batches in order and resolves with the bytes of their frames once all are acknowledged', async () => {
    const relp = await server();
    const s = sender(relp.port);
    const batch = lines(0, 300);
    const bytes = encodeCommands('syslog', batch, 2).data.length;
    const first = await s.sendBatch(batch);
    expect(first).toMatchObject({ bytes, messages: 300, offset: bytes, truncated: 0 });
    // txnr 1 was `open`, 2..301 the batch.
    const more = '302 syslog 8 one more\n'.length;
    expect(await s.send('one more')).toEqual({
      bytes: more,
      messages: 1,
      connection: first.connection,
      offset: bytes + more,
      truncated: 0,
    });
    expect(await s.sendBatch([])).toMatchObject({ bytes: 0, messages: 0, offset: bytes + more });
    expect(relp.messages).toEqual([...batch, 'one more']);
    expect(s.stats).toMatchObject({
      messagesSent: 301,
      bytesSent: bytes + 22,
      connected: true,
      reconnects: 0,
      windowInUse: 0,
      windowSize: 128,
      queuedBytes: 0,
    });
  });

  it('keeps at most windowSize messages unacknowledged, and resolves only after the last answer', async () => {
    const relp = await server({ answer: () => 'silent' });
    const s = sender(relp.port, { windowSize: 4 });
    let settled = false;
    const sent = s.sendBatch(lines(0, 10)).finally(() => (settled = true));
    await waitFor(() => relp.messages.length === 4, '4 messages');
    expect(await waitUntilStable(() => relp.messages.length, 200)).toBe(4);
    expect(s.stats).toMatchObject({ windowInUse: 4, messagesSent: 0 });
    // Each answer lets one more in; the batch waits for all ten.
    for (let round = 0; round < 3 && relp.messages.length < 10; round++) {
      relp.release();
      await waitFor(() => relp.unanswered() > 0 || relp.messages.length === 10, 'more messages');
    }
    await waitFor(() => relp.messages.length === 10, '10 messages');
    expect(settled).toBe(false);
    relp.release();
    await sent;
    expect(relp.acknowledged).toEqual(lines(0, 10));
    expect(s.stats).toMatchObject({ windowInUse: 0, messagesSent: 10 });
  });

  it('pipelines several batches through one window; each resolves on its own', async () => {
    const relp = await server();
    const s = sender(relp.port, { windowSize: 7 });
    const batches = [lines(0, 20), lines(20, 1), lines(21, 33)];
    const results = await Promise.all(batches.map((b) => s.sendBatch(b)));
    expect(results.map((r) => r.messages)).toEqual([20, 1, 33]);
    // One connection; each receipt's offset counts the acknowledged bytes up to and including it.
    expect(new Set(results.map((r) => r.connection)).size).toBe(1);
    expect(results.map((r) => r.offset)).toEqual([
      results[0]!.bytes,
      results[0]!.bytes + results[1]!.bytes,
      results[0]!.bytes + results[1]!.bytes + results[2]!.bytes,
    ]);
    expect(relp.messages).toEqual(batches.flat());
  });

  it('rejects a batch when the server answers 500 for one message, and writes none of its later ones', async () => {
    const relp = await server({ answer: (m) => (m.endsWith('id=3 msg=é😀') ? 'error' : 'ok') });
    const s = sender(relp.port, { windowSize: 1 });
    const error = await rejection(s.sendBatch(lines(0, 10)));
    expect(error).toBeInstanceOf(SyslogBatchError);
    expect(error).toMatchObject({ code: 'SYSLOG_RELP_REJECTED', retriable: true, acknowledgedMessages: 3 });
    expect(error.message).toMatch(/refused message 4 of the batch: 500 message refused by the test server/);
    expect(relp.messages).toEqual(lines(0, 4));
    // The session goes on: the next batch is acknowledged over the same connection.
    await s.sendBatch(lines(10, 5));
    expect(relp.connections).toBe(1);
    expect(s.stats.messagesSent).toBe(8);
  });

  it('drops a server that stops answering after ackTimeoutMs, rejects the batch, reconnects', async () => {
    let silent = true;
    const relp = await server({ answer: (_m, i) => (silent && i >= 5 ? 'silent' : 'ok') });
    const events: SenderEvent[] = [];
    const s = sender(relp.port, { ackTimeoutMs: 300, onEvent: (e) => events.push(e) });
    const started = Date.now();
    const error = await rejection(s.sendBatch(lines(0, 20)));
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(error).toMatchObject({ code: 'SYSLOG_RELP_TIMEOUT', retriable: true, acknowledgedMessages: 5 });
    expect(error.message).toMatch(/acknowledged nothing for 300 ms with 15 messages outstanding/);
    expect(events.map((e) => e.type)).toContain('disconnected');
    silent = false;
    await s.sendBatch(lines(5, 15));
    expect(relp.connections).toBe(2);
    expect(s.stats.reconnects).toBe(1);
  });

  it('rejects every batch in the window when the server closes mid-window; resending loses nothing', async () => {
    // The 50th message ever received kills the connection (once): 49 acknowledged before it.
    const relp = await server({ answer: (_m, i) => (i === 49 ? 'drop' : 'ok') });
    const s = sender(relp.port, { windowSize: 16 });
    const batches = [lines(0, 40), lines(40, 40), lines(80, 40)];
    const results = await Promise.allSettled(batches.map((b) => s.sendBatch(b)));
    expect(results[0]).toMatchObject({ status: 'fulfilled' });
    const second = results[1] as PromiseRejectedResult;
    expect(second.reason).toMatchObject({ code: 'SYSLOG_CONNECTION_LOST', retriable: true });
    expect((second.reason as SyslogBatchError).acknowledgedMessages).toBe(9);
    expect(results[2]).toMatchObject({ status: 'rejected', reason: { code: 'SYSLOG_CONNECTION_LOST' } });
    // The agent's way: resend each rejected batch; every message arrives, duplicates stay in the window.
    for (const [i, result] of results.entries()) {
      if (result.status === 'rejected') await sendUntilAcknowledged(s, batches[i]!);
    }
    const ids = relp.acknowledged.map((m) => Number(/id=(\d+)/.exec(m)![1]));
    expect(new Set(ids).size).toBe(120);
    expect(relp.acknowledged.length - 120).toBeLessThanOrEqual(40);
    expect(relp.messages.length - relp.acknowledged.length).toBeLessThanOrEqual(16);
  });

  it('resumes inside a batch from acknowledgedMessages: only unacknowledged messages are sent twice', async () => {
    const relp = await server({ answer: (_m, i) => (i === 70 ? 'drop' : 'ok') });
    const s = sender(relp.port, { windowSize: 16 });
    const batch = lines(0, 200);
    const error = await rejection(s.sendBatch(batch));
    const acknowledged = (error as SyslogBatchError).acknowledgedMessages;
    expect(acknowledged).toBe(70);
    await s.sendBatch(batch.slice(acknowledged));
    expect(relp.acknowledged).toEqual(batch);
    expect(relp.messages.length - batch.length).toBeLessThanOrEqual(16);
  });

  it('treats serverclose as a lost connection and reconnects', async () => {
    const relp = await server({ answer: () => 'silent' });
    const s = sender(relp.port);
    const sent = s.sendBatch(lines(0, 3));
    await waitFor(() => relp.messages.length === 3, '3 messages');
    relp.serverClose();
    const error = await rejection(sent);
    expect(error).toMatchObject({ code: 'SYSLOG_CONNECTION_LOST', acknowledgedMessages: 0 });
    expect(error.message).toMatch(/serverclose/);
    await s.connect();
    expect(relp.connections).toBe(2);
  });

  it('refuses a server that does not offer the syslog command (SYSLOG_RELP_OPEN, not retriable)', async () => {
    const relp = await server({ openAnswer: '200 OK\nrelp_version=0\ncommands=eventlog' });
    const s = sender(relp.port);
    await expect(s.connect()).rejects.toMatchObject({ code: 'SYSLOG_RELP_OPEN', retriable: false });
    const error = await rejection(s.sendBatch(['x']));
    expect(error).toMatchObject({ code: 'SYSLOG_RELP_OPEN' });
    expect(error.message).toMatch(/does not offer the syslog command \(it offers: eventlog\)/);
    expect(relp.messages).toEqual([]);
  });

  it('fails to connect with SYSLOG_CONNECT when nothing listens, and when the port does not speak RELP', async () => {
    const port = await freePort();
    await expect(sender(port).connect()).rejects.toMatchObject({
      code: 'SYSLOG_CONNECT',
      message: expect.stringMatching(/connection refused/),
    });
    // A plain syslog port reads `open` as a message and never answers.
    const plain = await rawServer();
    cleanups.push(() => plain.close());
    await expect(sender(plain.port, { connectTimeoutMs: 200 }).connect()).rejects.toMatchObject({
      code: 'SYSLOG_CONNECT',
      message: expect.stringMatching(/no answer to RELP open after 200 ms/),
    });
    expect(plain.received[0]).toMatch(
      /^1 open \d+ relp_version=0\nrelp_software=cloudsiem,0\.1\.0\ncommands=syslog\n$/,
    );
  });

  it('drops a server that sends garbage with SYSLOG_RELP_PROTOCOL', async () => {
    const garbage = await rawServer((socket) => {
      socket.once('data', () => socket.write('HTTP/1.1 400 Bad Request\r\n\r\n'));
    });
    cleanups.push(() => garbage.close());
    await expect(sender(garbage.port).connect()).rejects.toMatchObject({ code: 'SYSLOG_RELP_PROTOCOL' });
  });

  it('close() waits for the window, sends close, and later sends reject with SYSLOG_CLOSED', async () => {
    const relp = await server({ answer: () => 'silent' });
    const s = sender(relp.port);
    const sent = s.sendBatch(lines(0, 5));
    await waitFor(() => relp.messages.length === 5, '5 messages');
    const closed = s.close();
    await waitUntilStable(() => relp.closes, 100);
    expect(relp.closes).toBe(0); // not before the window is acknowledged
    relp.release();
    await sent;
    await closed;
    expect(relp.closes).toBe(1);
    await expect(s.sendBatch(['late'])).rejects.toMatchObject({ code: 'SYSLOG_CLOSED' });
    await expect(s.connect()).rejects.toMatchObject({ code: 'SYSLOG_CLOSED' });
  });

  it('close() gives up after closeTimeoutMs on a silent server: the batch rejects, nothing hangs', async () => {
    const relp = await server({ answer: () => 'silent', answerClose: false });
    const s = sender(relp.port, { closeTimeoutMs: 200 });
    const sent = s.sendBatch(lines(0, 2));
    await waitFor(() => relp.messages.length === 2, '2 messages');
    await s.close();
    await expect(sent).rejects.toMatchObject({
      code: 'SYSLOG_CONNECTION_LOST',
      message: /close\(\) timed out/,
    });
  });

  it('close() while disconnected rejects what waits with SYSLOG_QUEUE_CLOSED', async () => {
    const port = await freePort();
    const s = sender(port, { reconnect: { initialDelayMs: 10_000, maxDelayMs: 10_000 } });
    await expect(s.connect()).rejects.toMatchObject({ code: 'SYSLOG_CONNECT' });
    const waiting = s.sendBatch(['x']);
    await s.close();
    await expect(waiting).rejects.toMatchObject({ code: 'SYSLOG_QUEUE_CLOSED' });
  });

  it('sees a peer that closed before the next batch, and reconnects for it', async () => {
    const relp = await server();
    const events: SenderEvent[] = [];
    const s = sender(relp.port, { onEvent: (e) => events.push(e) });
    await s.sendBatch(['a']);
    relp.endConnections();
    await waitFor(() => events.some((e) => e.type === 'disconnected'), 'the sender to see the FIN');
    await s.sendBatch(['b']);
    expect(relp.acknowledged).toEqual(['a', 'b']);
    expect(relp.connections).toBe(2);
    expect(s.stats.reconnects).toBe(1);
  });

  it('validates every option at once (SYSLOG_OPTIONS)', () => {
    expect(() =>
      createRelpSender({
        host: ' ',
        port: 70_000,
        windowSize: 0,
        ackTimeoutMs: -1,
        reconnect: { initialDelayMs: 100, maxDelayMs: 10 },
        tls: { caFile: '/nonexistent/ca.pem' },
      }),
    ).toThrow(
      expect.objectContaining({
        code: 'SYSLOG_OPTIONS',
        message: expect.stringMatching(
          /host: .*port: .*reconnect\.maxDelayMs: .*windowSize: must be an integer from 1 to 65536, got 0.*ackTimeoutMs: .*tls\.caFile: cannot read/,
        ),
      }),
    );
  });
});

const openssl = toolOrSkip('openssl');

describe.skipIf(openssl === undefined)('RELP sender over TLS', () => {
  let certs: TestCerts;
  let otherCa: TestCerts;
  beforeAll(() => {
    certs = makeTestCerts(openssl!.path);
    otherCa = makeTestCerts(openssl!.path);
  });
  afterAll(() => removeTestCerts(certs, otherCa));

  it('delivers over TLS 1.2+ to a server whose certificate the given CA signed', async () => {
    const relp = await server({ tls: { cert: certs.cert, key: certs.key } });
    const s = sender(relp.port, { tls: { ca: certs.ca } });
    await s.sendBatch(lines(0, 500));
    expect(relp.acknowledged).toEqual(lines(0, 500));
  });

  it('refuses an untrusted server certificate with SYSLOG_TLS', async () => {
    const relp = await server({ tls: { cert: otherCa.cert, key: otherCa.key } });
    const s = sender(relp.port, { tls: { ca: certs.ca } });
    await expect(s.sendBatch(['x'])).rejects.toMatchObject({
      code: 'SYSLOG_TLS',
      message: expect.stringMatching(/not trusted/),
    });
    // `tls: true` trusts only the root CAs: a private CA's certificate is refused too.
    await expect(sender(relp.port, { tls: true }).connect()).rejects.toMatchObject({ code: 'SYSLOG_TLS' });
    expect(relp.messages).toEqual([]);
  });
});
