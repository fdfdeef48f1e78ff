// `cloudsiem receive` through the real binary: it listens, prints what the syslog sender sends,
// decodes CEF with --json, appends with --output, and stops with exit code 0 on SIGTERM.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it, onTestFinished } from 'vitest';
import { createSender, type Protocol, type Sender } from '@cloudsiem/syslog';
import { makeTestCerts, removeTestCerts } from '../../../../test/support/certs.ts';
import { toolOrSkip } from '../../../../test/support/tools.ts';
import { waitFor } from '../../../../test/support/wait.ts';

const BIN = resolve(import.meta.dirname, '../../bin/cloudsiem.js');
const CEF_LINE =
  '2017-11-22T17:50:04.000Z CEF:0|MCAS|SIEM_Agent|0.111.126|EVENT_CATEGORY_LOGOUT|Log out|0|externalId=1511373004000_acc msg=a\\=b\\nc suser=admin@contoso.com';

interface Running {
  child: ChildProcessWithoutNullStreams;
  stdout: () => string[];
  stderr: () => string;
  port: number;
  exit: Promise<number | null>;
}

const children: ChildProcessWithoutNullStreams[] = [];
const senders: Sender[] = [];
afterEach(async () => {
  for (const sender of senders.splice(0)) await sender.close();
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
});

function run(args: string[]): { child: ChildProcessWithoutNullStreams; exit: Promise<number | null> } {
  const child = spawn(process.execPath, [BIN, 'receive', ...args], { stdio: 'pipe' });
  children.push(child);
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, exit };
}

/** Starts the receiver and waits for its "listening on HOST:PORT" line. */
async function start(args: string[]): Promise<Running> {
  const { child, exit } = run(args);
  let out = '';
  let err = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString('utf8')));
  const port = await new Promise<number>((resolve, reject) => {
    const check = (): void => {
      const match = /listening on 127\.0\.0\.1:(\d+)/.exec(err);
      if (match) resolve(Number(match[1]));
    };
    child.stderr.on('data', check);
    void exit.then((code) => reject(new Error(`exited with ${code}: ${err}`)));
  });
  return { child, port, exit, stdout: () => out.split('\n').filter((l) => l !== ''), stderr: () => err };
}

function sender(
  protocol: Protocol,
  port: number,
  options: { framing?: 'lf' | 'octet'; ca?: string } = {},
): Sender {
  const s = createSender({
    protocol,
    host: '127.0.0.1',
    port,
    ...(options.framing === undefined ? {} : { framing: options.framing }),
    ...(options.ca === undefined ? {} : { tls: { ca: options.ca } }),
  });
  senders.push(s);
  return s;
}

describe('cloudsiem receive', () => {
  it('prints each TCP message on its own line and exits 0 on SIGTERM', async () => {
    const receiver = await start(['--protocol', 'tcp', '--port', '0']);
    expect(receiver.stderr()).toMatch(/^listening on 127\.0\.0\.1:\d+ \(tcp, lf framing\)\n/);
    await sender('tcp', receiver.port).sendBatch([CEF_LINE, 'plain é😀']);
    await waitFor(() => receiver.stdout().length === 2, 'two lines');
    expect(receiver.stdout()).toEqual([CEF_LINE, 'plain é😀']);
    receiver.child.kill('SIGTERM');
    expect(await receiver.exit).toBe(0);
    expect(receiver.stderr()).toContain('stopped: 2 messages received');
  });

  it('prints decoded CEF with --json, and {error, raw} for a line that is not CEF (octet framing)', async () => {
    const receiver = await start(['--protocol', 'tcp', '--port', '0', '--framing', 'octet', '--json']);
    await sender('tcp', receiver.port, { framing: 'octet' }).sendBatch([CEF_LINE, 'not CEF\nat all']);
    await waitFor(() => receiver.stdout().length === 2, 'two lines');
    const [cef, other] = receiver.stdout().map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(cef).toMatchObject({
      prefix: '2017-11-22T17:50:04.000Z ',
      vendor: 'MCAS',
      product: 'SIEM_Agent',
      signature: 'EVENT_CATEGORY_LOGOUT',
      name: 'Log out',
      extension: { externalId: '1511373004000_acc', msg: 'a=b\nc', suser: 'admin@contoso.com' },
    });
    expect(other).toMatchObject({ raw: 'not CEF\nat all' });
    expect(typeof other?.error).toBe('string');
    receiver.child.kill('SIGINT');
    expect(await receiver.exit).toBe(0);
  });

  it('receives UDP datagrams and appends them, one per line, to --output', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'cloudsiem-receive-')), 'received.cef');
    const receiver = await start(['--protocol', 'udp', '--port', '0', '--output', file]);
    // A raw line break cannot be printed as such: it shows as \n, one message per line.
    await sender('udp', receiver.port).sendBatch(['one', 'two\nlines']);
    await waitFor(() => readLines(file).length === 2, 'two lines in the file');
    expect(readLines(file).sort()).toEqual(['one', 'two\\nlines']);
    expect(receiver.stdout()).toEqual([]);
    receiver.child.kill('SIGTERM');
    expect(await receiver.exit).toBe(0);
  });

  const openssl = toolOrSkip('openssl');
  it.skipIf(openssl === undefined)('receives over TLS with --cert and --key', async () => {
    const certs = makeTestCerts(openssl!.path);
    onTestFinished(() => removeTestCerts(certs));
    const receiver = await start([
      '--protocol',
      'tls',
      '--port',
      '0',
      '--cert',
      certs.certFile,
      '--key',
      certs.keyFile,
    ]);
    expect(receiver.stderr()).toMatch(/\(tls, octet framing\)/);
    await sender('tls', receiver.port, { ca: certs.ca }).send(CEF_LINE);
    await waitFor(() => receiver.stdout().length === 1, 'the line');
    expect(receiver.stdout()).toEqual([CEF_LINE]);
    receiver.child.kill('SIGTERM');
    expect(await receiver.exit).toBe(0);
  });

  it.each([
    [['--protocol', 'tls', '--port', '0'], /--protocol tls needs --cert FILE and --key FILE/],
    [['--protocol', 'udp', '--port', '0', '--framing', 'lf'], /--framing applies to tcp and tls only/],
    [['--protocol', 'sctp', '--port', '0'], /--protocol must be one of tcp, udp, tls/],
    [['--protocol', 'tcp'], /--port must be a port number/],
  ])('exits 2 with one clear line for %j', async (args, message) => {
    const { child, exit } = run(args);
    let err = '';
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString('utf8')));
    expect(await exit).toBe(2);
    expect(err).toMatch(message);
  });

  it('exits 1 saying why when the port is taken', async () => {
    const first = await start(['--protocol', 'tcp', '--port', '0']);
    const { child, exit } = run(['--protocol', 'tcp', '--port', String(first.port)]);
    let err = '';
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString('utf8')));
    expect(await exit).toBe(1);
    expect(err).toContain(`cannot listen on 127.0.0.1:${first.port}: address already in use`);
  });
});

function readLines(file: string): string[] {
  try {
    return readFileSync(file, 'utf8')
      .split('\n')
      .filter((l) => l !== '');
  } catch {
    return [];
  }
}
