// The TLS sender (RFC 5425) against real TLS servers on 127.0.0.1, with certificates made by the
// real openssl: delivery, trust, names, protocol version, reconnect, a peer that closed.
import { once } from 'node:events';
import net from 'node:net';
import tls from 'node:tls';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { makeTestCerts, removeTestCerts, type TestCerts } from '../../../../test/support/certs.ts';
import { toolOrSkip } from '../../../../test/support/tools.ts';
import { createSender, type Sender, type SenderEvent, type SenderOptions } from '../sender.ts';
import { SyslogError } from '../errors.ts';
import { collectingReceiver, rejection, waitFor } from '../test-support.ts';

const openssl = toolOrSkip('openssl');
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe.skipIf(openssl === undefined)('TLS sender', () => {
  let certs: TestCerts;
  let otherCa: TestCerts;
  beforeAll(() => {
    certs = makeTestCerts(openssl!.path);
    otherCa = makeTestCerts(openssl!.path);
  });
  afterAll(() => removeTestCerts(certs, otherCa));

  function tlsSender(port: number, options: Partial<SenderOptions> = {}): Sender {
    const sender = createSender({
      protocol: 'tls',
      host: '127.0.0.1',
      port,
      tls: { ca: certs.ca },
      ...options,
    });
    cleanups.push(() => sender.close());
    return sender;
  }

  async function tlsReceiver(port = 0) {
    const collecting = await collectingReceiver({
      protocol: 'tls',
      port,
      tls: { cert: certs.cert, key: certs.key },
    });
    cleanups.push(() => collecting.receiver.close());
    return collecting;
  }

  /** A TLS server under the test's control. */
  async function tlsServer(
    options: tls.TlsOptions,
    onSocket: (socket: tls.TLSSocket, index: number) => void,
  ) {
    const received: string[] = [];
    const server = tls.createServer({ cert: certs.cert, key: certs.key, ...options }, (socket) => {
      const index = received.push('') - 1;
      socket.on('data', (chunk: Buffer) => (received[index] += chunk.toString('utf8')));
      socket.on('error', () => {});
      onSocket(socket, index);
    });
    server.on('tlsClientError', () => {});
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    return { port: (server.address() as net.AddressInfo).port, received };
  }

  it('delivers octet-counted messages to a server whose CA is given as PEM', async () => {
    const { receiver, messages } = await tlsReceiver();
    const sender = tlsSender(receiver.port);
    await sender.sendBatch(['CEF:0|MCAS|SIEM_Agent|0.1|x|y|0|msg=é', 'two\nlines']);
    await waitFor(() => messages.length === 2, '2 messages');
    expect(messages).toEqual(['CEF:0|MCAS|SIEM_Agent|0.1|x|y|0|msg=é', 'two\nlines']);
  });

  it('trusts a CA file and checks the name "localhost" (SNI from the host name)', async () => {
    const { receiver, messages } = await tlsReceiver();
    // "localhost" may resolve to ::1 first; the receiver listens on 127.0.0.1 only.
    const sender = tlsSender(receiver.port, { host: 'localhost', tls: { caFile: certs.caFile } });
    await sender.send('over TLS');
    await waitFor(() => messages.length === 1, 'the message');
  });

  it('refuses a server whose certificate is signed by an untrusted CA, saying what to do', async () => {
    const { receiver } = await tlsReceiver();
    const sender = tlsSender(receiver.port, { tls: { ca: otherCa.ca } });
    const error = await sender.connect().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(SyslogError);
    expect(error).toMatchObject({ code: 'SYSLOG_TLS', retriable: false });
    expect((error as Error).message).toMatch(
      new RegExp(
        `^TLS handshake with syslog server 127\\.0\\.0\\.1:${receiver.port} failed: the server certificate is not trusted \\(UNABLE_TO_VERIFY_LEAF_SIGNATURE.*--ca-file`,
      ),
    );
    // No extra CA at all: only the public roots, which do not know the test CA either.
    await expect(tlsSender(receiver.port, { tls: {} }).send('x')).rejects.toMatchObject({
      code: 'SYSLOG_TLS',
    });
  });

  it('refuses a certificate that does not carry the expected name', async () => {
    const { receiver } = await tlsReceiver();
    const sender = tlsSender(receiver.port, { tls: { ca: certs.ca, servername: 'siem.example.com' } });
    const error = await rejection(sender.connect());
    expect(error.code).toBe('SYSLOG_TLS');
    expect(error.message).toContain('not valid for the name siem.example.com');
  });

  it('refuses a server limited to TLS 1.1 with a clear error', async () => {
    const server = await tlsServer({ minVersion: 'TLSv1', maxVersion: 'TLSv1.1' }, () => {});
    const sender = tlsSender(server.port);
    const error = (await sender.connect().catch((e: unknown) => e)) as SyslogError;
    expect(error).toMatchObject({ code: 'SYSLOG_TLS' });
    expect(error.message).toMatch(
      new RegExp(`^TLS handshake with syslog server 127\\.0\\.0\\.1:${server.port} failed: .*TLS 1\\.2`),
    );
  });

  it('times out a server that accepts TCP but never answers the handshake', async () => {
    const sockets: net.Socket[] = [];
    const silent = net.createServer((socket) => void sockets.push(socket.resume()));
    silent.listen(0, '127.0.0.1');
    await once(silent, 'listening');
    cleanups.push(
      () =>
        new Promise<void>((resolve) => {
          silent.close(() => resolve());
          for (const socket of sockets) socket.destroy();
        }),
    );
    const port = (silent.address() as net.AddressInfo).port;
    await expect(tlsSender(port, { connectTimeoutMs: 200 }).connect()).rejects.toMatchObject({
      code: 'SYSLOG_CONNECT',
      message: `cannot connect to syslog server 127.0.0.1:${port}: TLS handshake timed out after 200 ms`,
    });
  });

  it('reconnects after the receiver restarts on the same port', async () => {
    const first = await tlsReceiver();
    const port = first.receiver.port;
    const events: SenderEvent[] = [];
    const sender = tlsSender(port, {
      reconnect: { initialDelayMs: 10, maxDelayMs: 50 },
      onEvent: (e) => events.push(e),
    });
    await sender.send('m1');
    await waitFor(() => first.messages.length === 1, 'm1');
    await first.receiver.close();
    await waitFor(() => events.some((e) => e.type === 'disconnected'), 'the disconnection');
    const second = await tlsReceiver(port);
    await waitFor(() => sender.stats.connected, 'the reconnection');
    await sender.send('m2');
    await waitFor(() => second.messages.length === 1, 'm2');
    expect(second.messages).toEqual(['m2']);
    expect(sender.stats.reconnects).toBe(1);
  });

  it('detects a server that closed the connection before the next write, and sends on a new one', async () => {
    const server = await tlsServer({}, (socket, index) => {
      if (index === 0) socket.end();
    });
    const events: SenderEvent[] = [];
    const sender = tlsSender(server.port, {
      reconnect: { initialDelayMs: 5 },
      onEvent: (e) => events.push(e),
    });
    await sender.connect();
    await waitFor(() => events.some((e) => e.type === 'disconnected'), 'the close to be noticed');
    await sender.send('after the close');
    await waitFor(() => server.received[1] === '15 after the close', 'the message on the second connection');
    expect(server.received[0]).toBe('');
  });
});
