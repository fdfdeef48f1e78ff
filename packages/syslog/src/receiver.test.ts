// The receiver against raw client sockets: deframing across writes, malformed frames, bind errors.
import net from 'node:net';
import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { startReceiver, type MessageMeta } from './receiver.ts';
import type { SyslogError } from './errors.ts';
import { rejection, waitFor } from './test-support.ts';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function receiver(framing: 'lf' | 'octet') {
  const messages: [string, MessageMeta][] = [];
  const errors: SyslogError[] = [];
  const r = await startReceiver({
    protocol: 'tcp',
    framing,
    maxMessageBytes: 100,
    onMessage: (message, meta) => messages.push([message, meta]),
    onError: (error) => errors.push(error),
  });
  cleanups.push(() => r.close());
  return { r, messages, errors };
}

async function client(port: number): Promise<net.Socket> {
  const socket = net.connect(port, '127.0.0.1');
  await once(socket, 'connect');
  cleanups.push(() => Promise.resolve(void socket.destroy()));
  return socket;
}

/** Writes pieces one by one, letting each reach the receiver as its own chunk. */
async function writeSlowly(socket: net.Socket, pieces: Buffer[]): Promise<void> {
  for (const piece of pieces) {
    socket.write(piece);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('receiver', () => {
  it('deframes a character split across TCP segments and reports the sender address', async () => {
    const { r, messages } = await receiver('octet');
    const socket = await client(r.port);
    // Cuts inside the first 😀, inside the second count, inside the last 😀.
    const bytes = Buffer.from('5 a😀10 b😀\n😀', 'utf8');
    await writeSlowly(socket, [
      bytes.subarray(0, 4),
      bytes.subarray(4, 8),
      bytes.subarray(8, 18),
      bytes.subarray(18),
    ]);
    await waitFor(() => messages.length === 2, '2 messages');
    expect(messages.map(([m]) => m)).toEqual(['a😀', 'b😀\n😀']);
    expect(messages[0]![1].remote).toBe(`127.0.0.1:${socket.localPort}`);
  });

  it('close({ graceMs }) reads what a finishing sender still has in flight before it closes', async () => {
    const { r, messages } = await receiver('lf');
    const socket = await client(r.port);
    // 2,000 lines of 90 bytes: more than one read, so some are still in the kernel at close().
    for (let i = 0; i < 2000; i++) socket.write(`${String(i).padStart(89, '.')}\n`);
    socket.end();
    await once(socket, 'finish');
    await r.close({ graceMs: 5_000 });
    expect(messages.length).toBe(2000);
    expect(messages.at(-1)?.[0]).toBe('1999'.padStart(89, '.'));
  });

  it('hands over a last LF-framed message that lacks its LF when the sender closes', async () => {
    const { r, messages } = await receiver('lf');
    const socket = await client(r.port);
    socket.end('one\ntwo');
    await waitFor(() => messages.length === 2, '2 messages');
    expect(messages.map(([m]) => m)).toEqual(['one', 'two']);
  });

  it.each([
    ['octet', 'x not a count', /expected an octet count/],
    ['octet', '200 too long', /over the limit of 100/],
    ['lf', `${'x'.repeat(101)}\n`, /longer than 100 bytes/],
  ] as const)(
    'reports a malformed %s stream as SYSLOG_FRAME and closes the connection',
    async (framing, input, message) => {
      const { r, messages, errors } = await receiver(framing);
      const socket = await client(r.port);
      socket.write(`${framing === 'lf' ? 'ok\n' : '2 ok'}${input}`);
      await once(socket, 'close');
      expect(messages.map(([m]) => m)).toEqual(['ok']);
      expect(errors).toHaveLength(1);
      expect(errors[0]?.code).toBe('SYSLOG_FRAME');
      expect(errors[0]?.message).toMatch(message);
    },
  );

  it('fails with SYSLOG_LISTEN when the port is taken', async () => {
    const { r } = await receiver('lf');
    await expect(startReceiver({ protocol: 'tcp', port: r.port, onMessage: () => {} })).rejects.toMatchObject(
      {
        code: 'SYSLOG_LISTEN',
        message: `cannot listen on 127.0.0.1:${r.port}: address already in use (EADDRINUSE)`,
      },
    );
  });

  it('needs a certificate and a key for TLS', async () => {
    const error = await rejection(startReceiver({ protocol: 'tls', onMessage: () => {} }));
    expect(error.code).toBe('SYSLOG_OPTIONS');
    expect(error.message).toContain('tls: a TLS receiver needs a certificate and a key');
  });
});
