// The interop cases every real receiver must pass, written once and run per daemon: our sender
// (@cloudsiem/syslog) over TCP with LF framing and with octet counting (RFC 6587), UDP (RFC 5426)
// and TLS (RFC 5425), and the daemon's output file compared byte for byte with what was sent.
import { createSender, SyslogError, type Sender, type SenderOptions } from '@cloudsiem/syslog';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestCerts, removeTestCerts, type TestCerts } from '../support/certs.ts';
import type { Tool } from '../support/tools.ts';
import { Receiver, type DaemonKind, type Listener } from './daemons.ts';
import {
  DATAGRAM_MESSAGES,
  expectedDatagram,
  LONG_LINE,
  MCAS_LINES,
  overlongDatagrams,
  STREAM_MESSAGES,
} from './messages.ts';

const UDP_MAX_BYTES = 2048;
/** About 3.5 MB of MCAS lines: several times what the socket buffers and maxQueueBytes below hold. */
const BURST_SIZE = 5_000;

/** One way of reaching the receiver: the sender's options and the listener that records it. */
interface Channel {
  name: string;
  listener: Listener;
  stream: boolean;
  options(receiver: Receiver, certs: TestCerts): SenderOptions;
}

const CHANNELS: readonly Channel[] = [
  {
    name: 'TCP with LF framing',
    listener: 'tcp',
    stream: true,
    options: (r) => ({ protocol: 'tcp', host: '127.0.0.1', port: r.ports.tcp, framing: 'lf' }),
  },
  {
    name: 'TCP with octet counting',
    listener: 'octet',
    stream: true,
    options: (r) => ({ protocol: 'tcp', host: '127.0.0.1', port: r.ports.octet, framing: 'octet' }),
  },
  {
    name: 'UDP',
    listener: 'udp',
    stream: false,
    options: (r) => ({ protocol: 'udp', host: '127.0.0.1', port: r.ports.udp, udpMaxBytes: UDP_MAX_BYTES }),
  },
  {
    name: 'TLS',
    listener: 'tls',
    stream: true,
    options: (r, certs) => ({ protocol: 'tls', host: '127.0.0.1', port: r.ports.tls, tls: { ca: certs.ca } }),
  },
];

const STREAM_CHANNELS = CHANNELS.filter((channel) => channel.stream);
const UDP = CHANNELS.find((channel) => channel.listener === 'udp')!;
const TLS = CHANNELS.find((channel) => channel.listener === 'tls')!;

/**
 * Defines the cases for one daemon. `tool` and `openssl` are what `toolOrSkip` found: when either
 * is missing the cases are skipped (toolOrSkip has said why, or failed the run in CI).
 */
export function describeReceiverInterop(
  name: string,
  daemon: (tool: Tool) => DaemonKind,
  tool: Tool | undefined,
  openssl: Tool | undefined,
): void {
  describe.skipIf(tool === undefined || openssl === undefined)(`${name} receiving from our sender`, () => {
    let receiver: Receiver;
    let certs: TestCerts;
    const senders: Sender[] = [];

    /** A sender on `channel`, its options changed by `extra`; closed after the tests even when one fails. */
    const senderOn = (channel: Channel, extra: Partial<SenderOptions> = {}): Sender => {
      const sender = createSender({ ...channel.options(receiver, certs), ...extra });
      senders.push(sender);
      return sender;
    };

    beforeAll(async () => {
      certs = makeTestCerts(openssl!.path);
      receiver = await Receiver.start(daemon(tool!), { tool: tool!, certs });
    });

    afterAll(async () => {
      await Promise.allSettled(senders.map((sender) => sender.close()));
      await receiver?.stop();
      removeTestCerts(certs);
    });

    /** Runs `send`, then returns the lines the channel's listener wrote meanwhile once `count` are there. */
    async function linesWritten(
      channel: Channel,
      count: number,
      send: () => Promise<unknown>,
    ): Promise<string[]> {
      const file = receiver.file(channel.listener);
      const before = file.lines().length;
      await send();
      await file.waitForLines(before + count);
      await sleep(50); // anything extra (a split or repeated frame) shows up too
      return file.lines().slice(before);
    }

    describe.each(CHANNELS)('over $name', (channel) => {
      const messages = channel.stream ? STREAM_MESSAGES : DATAGRAM_MESSAGES;

      it('writes ASCII, UTF-8, MCAS and syslog-prefixed CEF lines exactly as sent, in order', async () => {
        const sender = senderOn(channel);
        const half = Math.floor(messages.length / 2);
        const received = await linesWritten(channel, messages.length, async () => {
          for (const message of messages.slice(0, half)) await sender.send(message);
          await sender.sendBatch(messages.slice(half));
          await sender.close();
        });
        expect(received).toEqual(messages);
        expect(sender.stats.messagesSent).toBe(messages.length);
        expect(sender.stats.udpTruncated).toBe(0);
      });
    });

    describe.each(STREAM_CHANNELS)('over $name', (channel) => {
      it('delivers a burst of concurrent sends larger than the socket buffers, complete and in order', async () => {
        const sender = senderOn(channel, { maxQueueBytes: 256 * 1024 });
        const burst = Array.from(
          { length: BURST_SIZE },
          (_, n) => `${MCAS_LINES[n % MCAS_LINES.length]!} cn2=${n}`,
        );
        const received = await linesWritten(channel, burst.length, async () => {
          await Promise.all(burst.map((message) => sender.send(message)));
          await sender.close();
        });
        expect(received.length).toBe(burst.length);
        expect(received).toEqual(burst);
      });

      it('reconnects after the receiver is killed mid-stream and restarted on the same port', async () => {
        const file = receiver.file(channel.listener);
        const before = file.lines().length;
        const sender = senderOn(channel, { reconnect: { initialDelayMs: 20, maxDelayMs: 200 } });
        const message = (n: number): string =>
          String.raw`CEF:0|cloudsiem|interop|1.0|600|Restart ${n}|3|cnt=${n} msg=Grüße 世界 🌍 \= ${n}`;

        // Each send's outcome, and when it settled.
        const outcomes: { message: string; at: number; error?: unknown }[] = [];
        let killedAt = Infinity;
        let restartedAt = Infinity;
        let stop = false;
        const resolvedAfterRestart = (): string[] =>
          outcomes.filter((o) => o.error === undefined && o.at > restartedAt).map((o) => o.message);
        const sending = (async () => {
          for (let n = 0; !stop && resolvedAfterRestart().length < 20; n++) {
            const text = message(n);
            try {
              await sender.send(text);
              outcomes.push({ message: text, at: Date.now() });
            } catch (error) {
              outcomes.push({ message: text, at: Date.now(), error });
            }
            await sleep(5);
          }
        })();

        try {
          await file.waitForLines(before + 10); // mid-stream: the connection is carrying messages
          await receiver.kill();
          killedAt = Date.now();
          await sleep(300); // sends made now are rejected, or wait for a reconnect attempt that fails
          restartedAt = Date.now();
          await receiver.restart();
          const deadline = Date.now() + 10_000;
          while (resolvedAfterRestart().length < 20 && Date.now() < deadline) await sleep(20);
        } finally {
          stop = true;
          await sending;
        }
        await sender.close();

        const afterRestart = resolvedAfterRestart();
        expect(afterRestart.length, 'sends that resolved after the restart').toBeGreaterThanOrEqual(20);
        const received = (await file.waitForLines(before + afterRestart.length)).slice(before);
        // Every send that resolved after the restart arrived, in order.
        expect(received.filter((line) => afterRestart.includes(line))).toEqual(afterRestart);
        // Nothing arrived that was not sent, and no frame was cut or merged.
        const sent = new Set(outcomes.map((o) => o.message));
        expect(received.filter((line) => !sent.has(line))).toEqual([]);

        // While the receiver was down, sends were rejected with a retriable typed error...
        const rejected = outcomes.filter((o) => o.error !== undefined);
        expect(rejected.length).toBeGreaterThan(0);
        for (const { error } of rejected) {
          expect(error).toBeInstanceOf(SyslogError);
          expect((error as SyslogError).retriable).toBe(true);
          expect(['SYSLOG_CONNECT', 'SYSLOG_CONNECTION_LOST']).toContain((error as SyslogError).code);
        }
        // ...and none resolved once the closed peer could be seen (its bytes would have been lost).
        const resolvedWhileDown = outcomes.filter(
          (o) => o.error === undefined && o.at > killedAt + 100 && o.at < restartedAt,
        );
        expect(resolvedWhileDown.map((o) => o.message)).toEqual([]);
        expect(sender.stats.reconnects).toBeGreaterThanOrEqual(1);
      });
    });

    describe('over UDP', () => {
      it.each(overlongDatagrams(UDP_MAX_BYTES))(
        'cuts a message over udpMaxBytes to the cap $name, on a UTF-8 boundary',
        async ({ message }) => {
          const expected = expectedDatagram(message, UDP_MAX_BYTES);
          // The case really cuts where a naive byte cut would break a character or an escape.
          expect(Buffer.byteLength(message)).toBeGreaterThan(UDP_MAX_BYTES);
          expect(Buffer.byteLength(expected)).toBeLessThan(UDP_MAX_BYTES);
          expect(message.startsWith(expected)).toBe(true);

          const sender = senderOn(UDP);
          expect(await linesWritten(UDP, 1, () => sender.send(message))).toEqual([expected]);
          expect(sender.stats.udpTruncated).toBe(1);
        },
      );

      it('keeps a datagram under a larger udpMaxBytes whole (the daemon does not cut it)', async () => {
        const message = LONG_LINE.slice(0, 12_000);
        expect(Buffer.byteLength(message)).toBeGreaterThan(8192); // rsyslog's default maxMessageSize
        const sender = senderOn(UDP, { udpMaxBytes: 32_768 });
        expect(await linesWritten(UDP, 1, () => sender.send(message))).toEqual([message]);
        expect(sender.stats.udpTruncated).toBe(0);
      });
    });

    describe('over TLS', () => {
      const sendError = (sender: Sender): Promise<unknown> =>
        sender.send(STREAM_MESSAGES[0]!).then(
          () => new Error('the send succeeded'),
          (error: unknown) => error,
        );

      it('refuses a server certificate from another CA', async () => {
        const other = makeTestCerts(openssl!.path);
        removeTestCerts(other);
        const error = await sendError(senderOn(TLS, { tls: { ca: other.ca } }));
        expect(error).toBeInstanceOf(SyslogError);
        expect((error as SyslogError).code).toBe('SYSLOG_TLS');
        expect((error as SyslogError).retriable).toBe(false);
      });

      it('refuses a server certificate for another name', async () => {
        const error = await sendError(
          senderOn(TLS, { tls: { ca: certs.ca, servername: 'siem.example.com' } }),
        );
        expect(error).toBeInstanceOf(SyslogError);
        expect((error as SyslogError).code).toBe('SYSLOG_TLS');
      });

      it('accepts the certificate by its DNS name when servername is given, with the CA from caFile', async () => {
        const sender = senderOn(TLS, { tls: { caFile: certs.caFile, servername: 'localhost' } });
        const message = STREAM_MESSAGES[1]!;
        expect(await linesWritten(TLS, 1, () => sender.send(message))).toEqual([message]);
      });
    });
  });
}
