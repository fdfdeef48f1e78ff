// The TCP sender against real sockets on 127.0.0.1: delivery, connect errors, reconnect, a peer
// that closed, backpressure, close. UDP and TLS live in transport/*.test.ts.
import { afterEach, describe, expect, it } from 'vitest';
import { createSender, type Sender, type SenderEvent, type SenderOptions } from './sender.ts';
import { SyslogError } from './errors.ts';
import { frame, type Framing } from './framing.ts';
import { collectingReceiver, freePort, rawServer, waitFor, waitUntilStable } from './test-support.ts';

const HOST = '127.0.0.1';
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function sender(options: Omit<SenderOptions, 'protocol' | 'host'> & Partial<SenderOptions>): Sender {
  const s = createSender({ protocol: 'tcp', host: HOST, ...options });
  cleanups.push(() => s.close());
  return s;
}

/** What the agent does: resend the same message until a send resolves, on retriable errors only. */
async function sendUntilAccepted(s: Sender, message: string): Promise<void> {
  for (;;) {
    try {
      await s.send(message);
      return;
    } catch (error) {
      if (!(error instanceof SyslogError) || !error.retriable) throw error;
    }
  }
}

describe('TCP sender', () => {
  it.each<Framing>(['lf', 'octet'])('delivers messages in order with %s framing', async (framing) => {
    const { receiver, messages } = await collectingReceiver({ protocol: 'tcp', framing });
    cleanups.push(() => receiver.close());
    const s = sender({ port: receiver.port, framing });
    const batch = ['CEF:0|MCAS|SIEM_Agent|0.1|EVENT|Log out|0|suser=é', 'msg=😀 astral', 'c\\=d'];
    const framed = (m: string) => Buffer.byteLength(frame(m, framing));
    // Each send resolves with the bytes it wrote, framing included.
    expect((await s.send('first')).bytes).toBe(framed('first'));
    expect((await s.sendBatch(batch)).bytes).toBe(batch.reduce((n, m) => n + framed(m), 0));
    expect((await s.sendBatch([])).bytes).toBe(0);
    await waitFor(() => messages.length === 4, '4 messages');
    expect(messages).toEqual(['first', ...batch]);
    const bytes = ['first', ...batch].reduce((n, m) => n + framed(m), 0);
    expect(s.stats).toMatchObject({ messagesSent: 4, bytesSent: bytes, connected: true, reconnects: 0 });
  });

  it('fails to connect with SYSLOG_CONNECT naming host:port when nothing listens', async () => {
    const port = await freePort();
    const s = sender({ port });
    const expected = {
      code: 'SYSLOG_CONNECT',
      retriable: true,
      message: `cannot connect to syslog server 127.0.0.1:${port}: connection refused (is a syslog server listening on that port?) (ECONNREFUSED)`,
    };
    await expect(s.connect()).rejects.toMatchObject(expected);
    // A send made while disconnected waits for the next attempt and fails with it.
    await expect(s.send('x')).rejects.toMatchObject(expected);
    expect(s.stats.connected).toBe(false);
  });

  it('refuses a message with a raw LF under LF framing, and carries it with octet counting', async () => {
    const { receiver, messages } = await collectingReceiver({ protocol: 'tcp', framing: 'octet' });
    cleanups.push(() => receiver.close());
    await expect(sender({ port: receiver.port }).send('a\nCEF:0|forged')).rejects.toMatchObject({
      code: 'SYSLOG_MESSAGE_INVALID',
    });
    await sender({ port: receiver.port, framing: 'octet' }).send('a\nb');
    await waitFor(() => messages.length === 1, 'the message');
    expect(messages).toEqual(['a\nb']);
  });

  it('reports every bad option at once', () => {
    expect(() =>
      createSender({ protocol: 'tls', host: '', port: 70_000, framing: 'lf', reconnect: { maxDelayMs: 0 } }),
    ).toThrow(
      /invalid syslog sender options: host: .*; port: must be an integer from 1 to 65535, got 70000; reconnect.maxDelayMs: must be an integer from 1.*; framing: TLS always uses octet counting /,
    );
    expect(() =>
      createSender({ protocol: 'tls', host: 'h', port: 1, tls: { caFile: '/nonexistent/ca.pem' } }),
    ).toThrow(/tls.caFile: cannot read \/nonexistent\/ca.pem/);
    expect(() =>
      createSender({ protocol: 'tls', host: 'h', port: 1, tls: { ca: 'not a certificate' } }),
    ).toThrow(/tls.ca: not a PEM certificate/);
  });

  it('reconnects with growing, capped backoff after the receiver restarts on the same port', async () => {
    const first = await collectingReceiver({ protocol: 'tcp' });
    const port = first.receiver.port;
    const events: SenderEvent[] = [];
    const s = sender({
      port,
      reconnect: { initialDelayMs: 10, maxDelayMs: 80 },
      onEvent: (e) => events.push(e),
    });
    await s.sendBatch(['m1', 'm2']);
    await waitFor(() => first.messages.length === 2, 'the first messages');

    await first.receiver.close();
    await waitFor(() => events.some((e) => e.type === 'disconnected'), 'the disconnection');
    expect(s.stats.connected).toBe(false);
    // While the server is down a send fails with a retriable error: the agent keeps its cursor.
    await expect(s.send('m3')).rejects.toMatchObject({ code: 'SYSLOG_CONNECT', retriable: true });
    const attempts = () => events.filter((e) => e.type === 'reconnecting');
    await waitFor(() => attempts().length >= 6, 'six reconnect attempts');

    const second = await collectingReceiver({ protocol: 'tcp', port });
    cleanups.push(() => second.receiver.close());
    for (const m of ['m3', 'm4', 'm5']) await sendUntilAccepted(s, m);
    await waitFor(() => second.messages.length === 3, 'the later messages');
    expect(second.messages).toEqual(['m3', 'm4', 'm5']);
    expect(s.stats).toMatchObject({ connected: true, reconnects: 1 });
    expect(events.filter((e) => e.type === 'connected')).toHaveLength(2);

    // Attempts count up; each delay is under its ceiling min(80, 10·2^(n-1)).
    const seen = attempts();
    seen.forEach((e, i) => {
      expect(e).toMatchObject({ attempt: i + 1, error: { retriable: true } });
      expect(e.delayMs).toBeLessThan(Math.min(80, 10 * 2 ** i));
    });
  });

  it.each([
    ['half-closes (FIN, still reading)', true],
    ['closes', false],
  ])('detects a peer that %s before the next write, and sends on a new connection', async (_, halfOpen) => {
    // The first connection is ended by the server right away; a write into it would be read here
    // (half-closed) or vanish (closed). The sender must see 'end' and reconnect instead.
    const server = await rawServer(
      (socket, index) => {
        if (index === 0) socket.end();
      },
      { allowHalfOpen: halfOpen },
    );
    cleanups.push(() => server.close());
    const events: SenderEvent[] = [];
    // A server that keeps its half open never confirms a close: closing waits closeTimeoutMs.
    const s = sender({
      port: server.port,
      reconnect: { initialDelayMs: 5 },
      closeTimeoutMs: 200,
      onEvent: (e) => events.push(e),
    });
    await s.connect();
    // No write happened: only reading the socket can notice the FIN.
    await waitFor(() => events.some((e) => e.type === 'disconnected'), 'the FIN to be noticed');
    expect(events.slice(0, 3).map((e) => e.type)).toEqual(['connected', 'disconnected', 'reconnecting']);
    const lost = events.find((e) => e.type === 'disconnected')!;
    expect(lost.error.code).toBe('SYSLOG_CONNECTION_LOST');
    expect(lost.error.message).toContain('the server closed the connection');

    await s.send('after the FIN');
    await waitFor(() => server.received[1] === 'after the FIN\n', 'the message on the second connection');
    expect(server.received[0]).toBe('');
    expect(s.stats.reconnects).toBe(1);
  });

  it('rejects with a retriable error the sends still buffered when the connection drops', async () => {
    const server = await rawServer((socket) => socket.pause());
    const s = sender({ port: server.port, reconnect: { initialDelayMs: 5 } });
    await s.connect();
    const big = 'x'.repeat(64 * 1024);
    const sends = Array.from({ length: 200 }, () => s.send(big));
    await waitFor(() => s.stats.queuedBytes > 0, 'bytes to pile up');
    await server.close();
    const results = await Promise.allSettled(sends);
    const rejected = results.filter((r) => r.status === 'rejected');
    expect(rejected.length).toBeGreaterThan(0);
    for (const r of rejected) {
      expect(r.reason).toMatchObject({ retriable: true });
      expect((r.reason as SyslogError).code).toMatch(/^SYSLOG_(CONNECTION_LOST|CONNECT)$/);
    }
    // What resolved went out first: the outcomes are a run of fulfilled, then rejected ones.
    const firstRejected = results.findIndex((r) => r.status === 'rejected');
    expect(results.slice(firstRejected).every((r) => r.status === 'rejected')).toBe(true);
  });

  it('waits for room when the server does not read, bounded by maxQueueBytes, and completes once it reads', async () => {
    const maxQueueBytes = 64 * 1024;
    const message = 'x'.repeat(1000);
    const frameBytes = 1001;
    const count = 30_000; // 30 MB: more than the kernel's socket buffers on loopback
    const server = await rawServer((socket) => socket.pause());
    cleanups.push(() => server.close());
    const s = sender({ port: server.port, maxQueueBytes });

    let resolved = 0;
    let maxQueued = 0;
    const observe = () => {
      maxQueued = Math.max(maxQueued, s.stats.queuedBytes);
    };
    const sends: Promise<void>[] = [];
    for (let i = 0; i < count; i++) {
      sends.push(
        s.send(message).then(() => {
          resolved++;
          observe();
        }),
      );
      observe();
    }
    const stalledAt = await waitUntilStable(() => resolved);
    expect(stalledAt).toBeLessThan(count);
    observe();
    expect(maxQueued).toBeLessThanOrEqual(maxQueueBytes + frameBytes);

    server.sockets[0]!.resume();
    await Promise.all(sends);
    await waitFor(() => server.received[0]!.length === count * frameBytes, 'every byte', 20_000);
    expect(maxQueued).toBeLessThanOrEqual(maxQueueBytes + frameBytes);
    expect(s.stats.messagesSent).toBe(count);
  });

  it('makes progress with a bound smaller than the socket high-water mark', async () => {
    const { receiver, messages } = await collectingReceiver({ protocol: 'tcp' });
    cleanups.push(() => receiver.close());
    const s = sender({ port: receiver.port, maxQueueBytes: 100 });
    await Promise.all(Array.from({ length: 2000 }, (_, i) => s.send(`message ${i} ${'x'.repeat(40)}`)));
    await waitFor(() => messages.length === 2000, 'every message');
  });

  it('close() flushes what was accepted, then ends; later sends reject with SYSLOG_CLOSED', async () => {
    const { receiver, messages } = await collectingReceiver({ protocol: 'tcp' });
    cleanups.push(() => receiver.close());
    const s = sender({ port: receiver.port });
    const sends = Array.from({ length: 1000 }, (_, i) => s.send(`message ${i}`));
    await s.close();
    await Promise.all(sends);
    await waitFor(() => messages.length === 1000, 'all messages');
    expect(messages[999]).toBe('message 999');
    expect(s.stats.connected).toBe(false);
    await expect(s.send('late')).rejects.toMatchObject({ code: 'SYSLOG_CLOSED', retriable: false });
    await expect(s.connect()).rejects.toMatchObject({ code: 'SYSLOG_CLOSED' });
  });

  it('close() while waiting to reconnect rejects the queued sends with SYSLOG_QUEUE_CLOSED and stops the loop', async () => {
    const port = await freePort();
    const events: SenderEvent[] = [];
    const s = sender({
      port,
      reconnect: { initialDelayMs: 60_000, maxDelayMs: 60_000 },
      onEvent: (e) => events.push(e),
    });
    await expect(s.connect()).rejects.toMatchObject({ code: 'SYSLOG_CONNECT' });
    const queued = s.send('never sent');
    await s.close();
    await expect(queued).rejects.toMatchObject({ code: 'SYSLOG_QUEUE_CLOSED', retriable: false });
    const count = events.length;
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(events.length).toBe(count);
  });

  it('resolves each send with its connection and that connection’s offset; a loss reports the bytes written on it', async () => {
    const first = await collectingReceiver({ protocol: 'tcp' });
    const port = first.receiver.port;
    const events: SenderEvent[] = [];
    const s = sender({
      port,
      reconnect: { initialDelayMs: 5, maxDelayMs: 20 },
      onEvent: (e) => events.push(e),
    });
    const a = await s.send('a');
    const b = await s.sendBatch(['bb', 'ccc']);
    expect(a).toMatchObject({ bytes: 2, messages: 1, offset: 2, truncated: 0 });
    expect(b).toMatchObject({ bytes: 3 + 4, messages: 2, connection: a.connection, offset: 2 + 7 });
    expect(events[0]).toEqual({ type: 'connected', remote: `127.0.0.1:${port}`, connection: a.connection });

    await first.receiver.close();
    await waitFor(() => events.some((e) => e.type === 'disconnected'), 'the loss');
    expect(events.find((e) => e.type === 'disconnected')).toMatchObject({
      connection: a.connection,
      bytesWritten: 9,
    });
    const second = await collectingReceiver({ protocol: 'tcp', port });
    cleanups.push(() => second.receiver.close());
    for (;;) {
      const c = await s.send('dddd').catch(() => undefined);
      if (c === undefined) continue;
      // A new connection: a larger id, offsets from zero again.
      expect(c.connection).toBeGreaterThan(a.connection);
      expect(c).toMatchObject({ bytes: 5, offset: 5 });
      break;
    }
  });

  it('close() is confirmed when the server closes its side after reading everything', async () => {
    const { receiver, messages } = await collectingReceiver({ protocol: 'tcp' });
    cleanups.push(() => receiver.close());
    const events: SenderEvent[] = [];
    const s = sender({ port: receiver.port, onEvent: (e) => events.push(e) });
    const receipt = await s.sendBatch(['one', 'two']);
    await s.close();
    expect(messages).toEqual(['one', 'two']);
    expect(events.at(-1)).toEqual({
      type: 'closed',
      connection: receipt.connection,
      bytesWritten: receipt.offset,
      confirmed: true,
    });
  });

  it('close() abandons a server that stops reading after closeTimeoutMs, unconfirmed, and rejects what was in flight', async () => {
    const server = await rawServer((socket) => socket.pause());
    cleanups.push(() => server.close());
    const events: SenderEvent[] = [];
    const s = sender({ port: server.port, closeTimeoutMs: 200, onEvent: (e) => events.push(e) });
    await s.connect();
    const big = 'x'.repeat(64 * 1024);
    const sends = Array.from({ length: 400 }, () => s.send(big));
    await waitFor(() => s.stats.queuedBytes > 0, 'bytes to pile up');
    const resolved: number[] = [];
    for (const send of sends)
      send.then(
        (r) => void resolved.push(r.offset),
        () => {},
      );
    await waitUntilStable(() => resolved.length);
    await s.close();
    const results = await Promise.allSettled(sends);
    expect(results.some((r) => r.status === 'rejected')).toBe(true);
    const closed = events.at(-1);
    expect(closed).toMatchObject({
      type: 'closed',
      confirmed: false,
      reason: 'close() timed out after 200 ms',
    });
    // What was written on it is exactly what the resolved sends said.
    expect(closed).toMatchObject({ bytesWritten: Math.max(...resolved) });
  });
});
