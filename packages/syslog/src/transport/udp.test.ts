// The UDP sender against a real receiver on 127.0.0.1: one message per datagram, truncation.
import { afterEach, describe, expect, it } from 'vitest';
import { createSender, type Sender } from '../sender.ts';
import { collectingReceiver, rejection, waitFor } from '../test-support.ts';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function udpSender(port: number, udpMaxBytes?: number): Sender {
  const sender = createSender({ protocol: 'udp', host: '127.0.0.1', port, udpMaxBytes });
  cleanups.push(() => sender.close());
  return sender;
}

describe('UDP sender', () => {
  it('sends each message in its own datagram, LF and all', async () => {
    const { receiver, messages } = await collectingReceiver({ protocol: 'udp' });
    cleanups.push(() => receiver.close());
    const sender = udpSender(receiver.port);
    expect(await sender.send('one')).toMatchObject({ bytes: 3, messages: 1, offset: 3, truncated: 0 });
    // The bytes of the datagrams, UTF-8 (é is 2 bytes, 😀 4).
    expect(await sender.sendBatch(['two', 'three\nwith a line break', 'é😀'])).toMatchObject({
      bytes: 3 + 23 + 6,
      messages: 3,
      offset: 3 + 3 + 23 + 6,
    });
    await waitFor(() => messages.length === 4, '4 datagrams');
    expect(messages.sort()).toEqual(['one', 'three\nwith a line break', 'two', 'é😀']);
    expect(sender.stats).toMatchObject({ messagesSent: 4, udpTruncated: 0, connected: true });
  });

  it('cuts a long message at the end to udpMaxBytes, on a character boundary, and counts it', async () => {
    const { receiver, messages } = await collectingReceiver({ protocol: 'udp' });
    cleanups.push(() => receiver.close());
    const sender = udpSender(receiver.port, 480);
    const header = '<134>2017-01-02T16:38:38.383Z host-1 CEF:0|MCAS|SIEM_Agent|0.1|EVENT|Log in|0|msg=a';
    // The header is 83 ASCII bytes; 'é' is 2 bytes, so byte 480 falls inside a character.
    expect(Buffer.byteLength(header) % 2).toBe(1);
    const long = header + 'é'.repeat(300);
    const escaped = `${'a'.repeat(479)}\\=b`; // the cut would fall between '\' and '='
    expect(await sender.sendBatch([long, escaped, 'short'])).toMatchObject({ messages: 3, truncated: 2 });
    await waitFor(() => messages.length === 3, '3 datagrams');
    const cut = messages.find((m) => m.startsWith('<134>'))!;
    expect(cut).toBe(header + 'é'.repeat((480 - 1 - Buffer.byteLength(header)) / 2));
    expect(Buffer.byteLength(cut)).toBe(479);
    expect(messages).toContain('a'.repeat(479));
    expect(sender.stats.udpTruncated).toBe(2);
  });

  it('keeps sending to a receiver restarted on the same port', async () => {
    const first = await collectingReceiver({ protocol: 'udp' });
    const port = first.receiver.port;
    const sender = udpSender(port);
    await sender.send('before');
    await waitFor(() => first.messages.length === 1, 'the first datagram');
    await first.receiver.close();
    // Nothing listens: the datagram is lost, or the kernel's ICMP error rejects a send (SYSLOG_SEND).
    await sender
      .send('while down')
      .catch((error: unknown) => expect(error).toMatchObject({ code: 'SYSLOG_SEND' }));
    const second = await collectingReceiver({ protocol: 'udp', port });
    cleanups.push(() => second.receiver.close());
    for (let i = 0; second.messages.length === 0; i++) {
      await sender.send(`after ${i}`).catch(() => {});
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(second.messages[0]).toMatch(/^after \d+$/);
  });

  it('close() lets the datagrams already given to the socket go, then refuses sends', async () => {
    const { receiver, messages } = await collectingReceiver({ protocol: 'udp' });
    cleanups.push(() => receiver.close());
    const sender = udpSender(receiver.port);
    await sender.connect();
    const sends = Array.from({ length: 200 }, (_, i) => sender.send(`datagram ${i}`));
    await sender.close();
    await Promise.all(sends);
    expect(sender.stats.messagesSent).toBe(200);
    await waitFor(() => messages.length === 200, 'every datagram');
    const error = await rejection(sender.send('late'));
    expect(error.code).toBe('SYSLOG_CLOSED');
  });

  it('fails with SYSLOG_CONNECT when the host name does not resolve', async () => {
    const sender = createSender({ protocol: 'udp', host: 'no-such-host.invalid', port: 514 });
    const error = await rejection(sender.connect());
    expect(error.code).toBe('SYSLOG_CONNECT');
    expect(error.message).toMatch(
      /^cannot connect to syslog server no-such-host\.invalid:514: host name not found/,
    );
    await sender.close();
  });
});
