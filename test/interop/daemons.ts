// Starts real syslog receivers (syslog-ng, rsyslog) as foreground child processes on free loopback
// ports, each listener writing every message exactly as received, one per line, to its own file.
// Listeners: TCP with LF framing and TCP with octet counting (RFC 6587), UDP (RFC 5426), and TLS with
// octet counting (RFC 5425).
import { execFileSync } from 'node:child_process';
import dgram from 'node:dgram';
import {
  closeSync,
  existsSync,
  fstatSync,
  openSync,
  readFileSync,
  readSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import net from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { TestCerts } from '../support/certs.ts';
import { Child } from '../support/child.ts';
import { PortTakenError, startOnFreePorts } from '../support/free-port.ts';
import type { Tool } from '../support/tools.ts';

/** One listener of a receiver; each writes to its own output file. */
export type Listener = 'tcp' | 'octet' | 'udp' | 'tls';
export const LISTENERS: readonly Listener[] = ['tcp', 'octet', 'udp', 'tls'];

export type ListenerPorts = Record<Listener, number>;

function perListener<T>(value: (listener: Listener) => T): Record<Listener, T> {
  return { tcp: value('tcp'), octet: value('octet'), udp: value('udp'), tls: value('tls') };
}

/** Largest message the daemons accept; well above the sender's UDP cap and our longest test line. */
export const DAEMON_MAX_MESSAGE_BYTES = 65_536;

/**
 * UDP readiness probes start with this; the output reader drops them, so tests see only their
 * own messages however many probes were needed (or arrive late).
 */
const PROBE_PREFIX = 'cloudsiem-readiness-probe ';

const READY_TIMEOUT_MS = 10_000;
const POLL_MS = 25;
const STOP_TIMEOUT_MS = 3_000;

/** A file a listener writes: the received messages, one per line. Read incrementally as it grows. */
export class ReceivedFile {
  #offset = 0;
  #partial = Buffer.alloc(0);
  readonly #lines: string[] = [];

  constructor(readonly path: string) {}

  /** The complete lines so far, readiness probes left out; a line still being written is not counted. */
  lines(): string[] {
    if (existsSync(this.path)) {
      const fd = openSync(this.path, 'r');
      try {
        const grown = fstatSync(fd).size - this.#offset;
        if (grown > 0) {
          const chunk = Buffer.alloc(grown);
          const read = readSync(fd, chunk, 0, grown, this.#offset);
          this.#offset += read;
          this.#take(chunk.subarray(0, read));
        }
      } finally {
        closeSync(fd);
      }
    }
    return [...this.#lines];
  }

  #take(chunk: Buffer): void {
    let data = Buffer.concat([this.#partial, chunk]);
    for (let end = data.indexOf(0x0a); end !== -1; end = data.indexOf(0x0a)) {
      const line = data.toString('utf8', 0, end);
      if (!line.startsWith(PROBE_PREFIX)) this.#lines.push(line);
      data = data.subarray(end + 1);
    }
    this.#partial = Buffer.from(data);
  }

  /** Polls until at least `count` lines are there; fails after `timeoutMs` showing what arrived. */
  async waitForLines(count: number, timeoutMs = 5_000): Promise<string[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const lines = this.lines();
      if (lines.length >= count) return lines;
      if (Date.now() > deadline) {
        throw new Error(
          `${this.path}: ${lines.length} of ${count} lines after ${timeoutMs} ms; the last: ${JSON.stringify(
            lines.slice(-3).map((line) => (line.length > 300 ? `${line.slice(0, 300)}…` : line)),
          )}`,
        );
      }
      await sleep(POLL_MS);
    }
  }
}

/** How one daemon is configured and started; the harness below is the same for every daemon. */
export interface DaemonKind {
  name: string;
  /** The configuration file's text for these ports, writing each listener's messages to `files`. */
  config(ports: ListenerPorts, files: Record<Listener, string>, certs: TestCerts, dir: string): string;
  /** Arguments that run the daemon in the foreground on `configFile`, its state files in `dir`. */
  args(configFile: string, dir: string): string[];
  /**
   * What the daemon prints when a port is taken. syslog-ng then exits; rsyslog logs it and runs on
   * without that listener, so its output must be checked.
   */
  bindFailure: RegExp;
}

export interface ReceiverOptions {
  tool: Tool;
  certs: TestCerts;
}

/** A running receiver daemon: its ports, its output files, and stop/start on the same ports. */
export class Receiver {
  /** The daemon last launched, running or not. */
  private child: Child | undefined;
  private readonly files: Record<Listener, ReceivedFile>;
  private readonly configFile: string;

  private constructor(
    readonly kind: DaemonKind,
    private readonly tool: Tool,
    certs: TestCerts,
    readonly dir: string,
    readonly ports: ListenerPorts,
  ) {
    const paths = perListener((listener) => join(dir, `${listener}.log`));
    this.files = perListener((listener) => new ReceivedFile(paths[listener]));
    this.configFile = join(dir, `${kind.name}.conf`);
    writeFileSync(this.configFile, kind.config(ports, paths, certs, dir));
  }

  /** Starts a daemon on free ports, trying new ports when one was taken in the meantime. */
  static start(kind: DaemonKind, { tool, certs }: ReceiverOptions): Promise<Receiver> {
    return startOnFreePorts(kind.name, async (dir) => {
      const receiver = new Receiver(kind, tool, certs, dir, await freePorts());
      await receiver.launch();
      return receiver;
    });
  }

  file(listener: Listener): ReceivedFile {
    return this.files[listener];
  }

  /** What the daemon printed (its own log), for failure messages. */
  get log(): string {
    return this.child?.output ?? '';
  }

  get running(): boolean {
    return this.child?.running ?? false;
  }

  /** Kills the daemon abruptly (SIGKILL), as a crash would: its connections drop without a goodbye. */
  async kill(): Promise<void> {
    await this.child?.kill();
  }

  /** Starts the daemon again on the same ports, appending to the same files. */
  async restart(): Promise<void> {
    if (this.running) throw new Error(`${this.kind.name} is still running`);
    // A port freed by the killed daemon can stay briefly unbindable; retry on the same ports.
    for (let attempt = 0; ; attempt++) {
      try {
        await this.launch();
        return;
      } catch (error) {
        if (!(error instanceof PortTakenError) || attempt >= 20) throw error;
        await sleep(100);
      }
    }
  }

  /** Stops the daemon (SIGTERM, then SIGKILL) and removes its directory. */
  async stop(): Promise<void> {
    await this.child?.terminate(STOP_TIMEOUT_MS);
    rmSync(dirname(this.dir), { recursive: true, force: true });
  }

  /** Starts the daemon and waits until every listener is ready; if they are not, kills it and throws. */
  private async launch(): Promise<void> {
    for (const stale of ['pid', 'ctl']) rmSync(join(this.dir, stale), { force: true });
    this.child = new Child(this.tool.path, this.kind.args(this.configFile, this.dir), { env: this.tool.env });
    try {
      await this.waitUntilReady();
    } catch (error) {
      await this.kill();
      throw error;
    }
  }

  /** Ready: every TCP port accepts a connection and a UDP probe reaches the UDP listener's file. */
  private async waitUntilReady(): Promise<void> {
    const deadline = Date.now() + READY_TIMEOUT_MS;
    let waitingFor = '';
    const check = (): void => {
      if (this.kind.bindFailure.test(this.log)) throw new PortTakenError(this.describe('a port is taken'));
      if (!this.running) throw new Error(this.describe('exited during start-up'));
      if (Date.now() > deadline) {
        throw new Error(
          this.describe(`not ready after ${READY_TIMEOUT_MS} ms: still waiting for ${waitingFor}`),
        );
      }
    };
    for (const listener of ['tcp', 'octet', 'tls'] as const) {
      waitingFor = `a connection to the ${listener} port`;
      while (!(await canConnect(this.ports[listener]))) {
        check();
        await sleep(POLL_MS);
      }
    }
    const udp = this.files.udp;
    waitingFor = `a UDP probe written verbatim to ${udp.path}`;
    const socket = dgram.createSocket('udp4');
    socket.on('error', () => {}); // ICMP port unreachable while the daemon binds: probe again
    try {
      for (let n = 0; !readFileIfExists(udp.path).includes(PROBE_PREFIX); n++) {
        check();
        if (n % 4 === 0) socket.send(`${PROBE_PREFIX}${n}`, this.ports.udp, '127.0.0.1');
        await sleep(POLL_MS);
      }
    } finally {
      socket.close();
    }
    check(); // rsyslog reports a taken TCP port and runs on; the connects above then reached another process
  }

  private describe(problem: string): string {
    return `${this.kind.name} ${problem} (ports ${JSON.stringify(this.ports)}); its output:\n${this.log}`;
  }
}

function readFileIfExists(path: string): string {
  return existsSync(path) ? readFileSync(path, 'utf8') : '';
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolveConnect) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolveConnect(true);
    });
    socket.once('error', () => resolveConnect(false));
  });
}

function bound<S extends net.Server | dgram.Socket>(socket: S, bind: (done: () => void) => void): Promise<S> {
  return new Promise((resolveBind, reject) => {
    socket.once('error', reject);
    bind(() => resolveBind(socket));
  });
}

/**
 * Ports the kernel hands out for port 0 (TCP for the stream listeners, UDP for the datagram one),
 * held together so they differ, then released for the daemon. The daemon needs explicit ports; a
 * port taken in between is caught by `Receiver.start`, which then tries new ones.
 */
async function freePorts(): Promise<ListenerPorts> {
  const servers = await Promise.all(
    ['tcp', 'octet', 'tls'].map(() => {
      const server = net.createServer();
      return bound(server, (done) => server.listen(0, '127.0.0.1', done));
    }),
  );
  const udpSocket = dgram.createSocket('udp4');
  await bound(udpSocket, (done) => udpSocket.bind(0, '127.0.0.1', done));
  const port = (server: net.Server): number => (server.address() as net.AddressInfo).port;
  const ports: ListenerPorts = {
    tcp: port(servers[0]!),
    octet: port(servers[1]!),
    tls: port(servers[2]!),
    udp: udpSocket.address().port,
  };
  await Promise.all(servers.map((server) => new Promise((done) => server.close(done))));
  await new Promise<void>((done) => udpSocket.close(done));
  return ports;
}

/** syslog-ng's "major.minor", for `@version:` and its module directory. */
function syslogNgVersion(tool: Tool): string {
  const text = execFileSync(tool.path, ['--version'], { env: tool.env, encoding: 'utf8' });
  const match = /Installer-Version: (\d+\.\d+)/.exec(text) ?? /\((\d+\.\d+)/.exec(text);
  if (match?.[1] === undefined) throw new Error(`cannot read the syslog-ng version from: ${text}`);
  return match[1];
}

/** Quotes a path for syslog-ng and rsyslog configuration strings. */
function quoted(text: string): string {
  return JSON.stringify(text);
}

/**
 * syslog-ng: `flags(no-parse)` keeps the whole received line — PRI, timestamp, host and all — in
 * ${MSG}, untouched, so `template("${MSG}\n")` writes exactly what arrived. `network()` with
 * transport("tcp") frames by LF only; `syslog()` with tcp/tls accepts octet-counted frames only
 * (an LF-framed stream is an "Invalid frame header"), so each framing test can fail.
 */
export function syslogNg(tool: Tool): DaemonKind {
  const version = syslogNgVersion(tool);
  // The unpacked Debian copy keeps its modules beside the binary, not where it was compiled to look.
  const moduleDir = resolve(dirname(tool.path), '../lib/syslog-ng', version);
  const size = `log-msg-size(${DAEMON_MAX_MESSAGE_BYTES})`;
  return {
    name: 'syslog-ng',
    config: (ports, files, certs) =>
      [
        `@version: ${version}`,
        `options { ${size}; stats-freq(0); };`,
        `source s_tcp { network(ip("127.0.0.1") port(${ports.tcp}) transport("tcp") flags(no-parse) ${size}); };`,
        `source s_octet { syslog(ip("127.0.0.1") port(${ports.octet}) transport("tcp") flags(no-parse) ${size}); };`,
        `source s_udp { network(ip("127.0.0.1") port(${ports.udp}) transport("udp") flags(no-parse) ${size} so-rcvbuf(1048576)); };`,
        `source s_tls { syslog(ip("127.0.0.1") port(${ports.tls}) transport("tls") flags(no-parse) ${size}`,
        `  tls(key-file(${quoted(certs.keyFile)}) cert-file(${quoted(certs.certFile)}) peer-verify(optional-untrusted))); };`,
        ...LISTENERS.flatMap((l) => [
          `destination d_${l} { file(${quoted(files[l])} template("\${MSG}\\n")); };`,
          `log { source(s_${l}); destination(d_${l}); };`,
        ]),
        '',
      ].join('\n'),
    args: (configFile, dir) => [
      '--foreground',
      '--stderr',
      '--no-caps',
      `--cfgfile=${configFile}`,
      ...(existsSync(moduleDir) ? [`--module-path=${moduleDir}`] : []),
      `--persist-file=${join(dir, 'persist')}`,
      `--pidfile=${join(dir, 'pid')}`,
      `--control=${join(dir, 'ctl')}`,
    ],
    bindFailure: /Error binding socket/,
  };
}

/**
 * rsyslog: `%rawmsg%` is the message as received (without its framing), so the `raw` template writes
 * it unparsed. Only imtcp and imudp are loaded — no imuxsock or imklog, so /dev/log and the kernel log
 * are left alone — and every path is in the temporary directory. The LF listener turns octet
 * counting off (imtcp otherwise reads a line that starts with a digit as an octet count); the octet
 * listener keeps it on, and then rejects LF-framed lines that start with a digit, as MCAS lines do.
 */
export function rsyslog(_tool: Tool): DaemonKind {
  return {
    name: 'rsyslog',
    config: (ports, files, certs, dir) =>
      [
        `global(workDirectory=${quoted(dir)} maxMessageSize="${DAEMON_MAX_MESSAGE_BYTES}"`,
        '  parser.escapeControlCharactersOnReceive="off")',
        'module(load="imtcp")',
        'module(load="imudp")',
        'template(name="raw" type="string" string="%rawmsg%\\n")',
        ...LISTENERS.map(
          (l) => `ruleset(name="${l}") { action(type="omfile" file=${quoted(files[l])} template="raw") }`,
        ),
        `input(type="imtcp" address="127.0.0.1" port="${ports.tcp}" ruleset="tcp" supportOctetCountedFraming="off")`,
        `input(type="imtcp" address="127.0.0.1" port="${ports.octet}" ruleset="octet" supportOctetCountedFraming="on")`,
        `input(type="imudp" address="127.0.0.1" port="${ports.udp}" ruleset="udp" rcvBufSize="1m")`,
        `input(type="imtcp" address="127.0.0.1" port="${ports.tls}" ruleset="tls" supportOctetCountedFraming="on"`,
        '  streamDriver.name="ossl" streamDriver.mode="1" streamDriver.authMode="anon"',
        `  streamDriver.caFile=${quoted(certs.caFile)} streamDriver.certFile=${quoted(certs.certFile)}`,
        `  streamDriver.keyFile=${quoted(certs.keyFile)})`,
        '',
      ].join('\n'),
    args: (configFile, dir) => ['-n', '-f', configFile, '-i', join(dir, 'pid')],
    bindFailure: /Could not create (tcp|udp) listener|Address already in use/,
  };
}
