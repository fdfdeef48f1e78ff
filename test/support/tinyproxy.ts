// Starts a real tinyproxy (an HTTP proxy that tunnels with CONNECT, RFC 9110 §9.3.6) as a foreground
// child on a free loopback port, logging every request to a file, so a test can prove that a client
// went through the proxy and to which host:port.
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Child } from './child.ts';
import { freePort, PortTakenError, startOnFreePorts } from './free-port.ts';
import type { Tool } from './tools.ts';

export interface Tinyproxy {
  port: number;
  /** `http://127.0.0.1:PORT`, for a client's proxy setting. */
  url: string;
  /**
   * What tinyproxy has logged so far (its log file, at LogLevel Connect), readiness probe included:
   * a `GET /cloudsiem-readiness-probe` that tinyproxy answers 400, logging an ERROR line for it.
   */
  log(): string;
  /** The targets (`host:port`) of the CONNECT requests logged so far, in order. */
  connects(): string[];
  /** Stops tinyproxy (SIGTERM, then SIGKILL) and removes its directory. */
  stop(): Promise<void>;
}

const READY_TIMEOUT_MS = 10_000;
const POLL_MS = 25;
const STOP_TIMEOUT_MS = 3_000;

/** How tinyproxy logs each request line: `Request (file descriptor 5): CONNECT 127.0.0.1:443 HTTP/1.1`. */
const CONNECT_REQUEST = /Request \(file descriptor \d+\): CONNECT (\S+) HTTP\/\d\.\d/g;
/** What tinyproxy prints on stderr, then exits 71, when it cannot bind its port. */
const BIND_FAILURE = /Could not create listening sockets/;

/** Starts tinyproxy on a free loopback port, trying a new port when one was taken in the meantime. */
export function startTinyproxy(tool: Tool): Promise<Tinyproxy> {
  return startOnFreePorts('tinyproxy', async (dir) => {
    const proxy = new TinyproxyProcess(tool, dir, await freePort());
    await proxy.launch();
    return {
      port: proxy.port,
      url: `http://127.0.0.1:${proxy.port}`,
      log: () => proxy.log(),
      connects: () => [...proxy.log().matchAll(CONNECT_REQUEST)].map((match) => match[1]!),
      stop: async () => {
        await proxy.stop();
        rmSync(dirname(dir), { recursive: true, force: true });
      },
    };
  });
}

class TinyproxyProcess {
  private child: Child | undefined;
  private readonly configFile: string;
  private readonly logFile: string;

  constructor(
    private readonly tool: Tool,
    dir: string,
    readonly port: number,
  ) {
    this.configFile = join(dir, 'tinyproxy.conf');
    this.logFile = join(dir, 'tinyproxy.log');
    writeFileSync(this.configFile, config(port, this.logFile, join(dir, 'tinyproxy.pid')));
  }

  log(): string {
    return existsSync(this.logFile) ? readFileSync(this.logFile, 'utf8') : '';
  }

  /** Starts tinyproxy and waits until it answers; if it does not, stops it and throws. */
  async launch(): Promise<void> {
    // -d: stay in the foreground, so the child is tinyproxy itself and dies with the test run.
    this.child = new Child(this.tool.path, ['-d', '-c', this.configFile], { env: this.tool.env });
    try {
      await this.waitUntilReady(this.child);
    } catch (error) {
      await this.stop();
      throw error;
    }
  }

  async stop(): Promise<void> {
    await this.child?.terminate(STOP_TIMEOUT_MS);
  }

  /**
   * Ready: a request to the port is answered by tinyproxy itself (its `Server:` header), not by
   * whatever else may have taken the port between `freePort()` and tinyproxy's bind.
   */
  private async waitUntilReady(child: Child): Promise<void> {
    const deadline = Date.now() + READY_TIMEOUT_MS;
    while (!(await answeredByTinyproxy(this.port))) {
      await sleep(POLL_MS);
      if (!child.running) {
        const { code, signal } = await child.exited;
        const exited = `exited with ${signal ?? `code ${code}`}`;
        if (BIND_FAILURE.test(child.output))
          throw new PortTakenError(this.describe(`could not bind, ${exited}`));
        throw new Error(this.describe(`${exited} during start-up`));
      }
      if (Date.now() > deadline) throw new Error(this.describe(`not ready after ${READY_TIMEOUT_MS} ms`));
    }
  }

  private describe(problem: string): string {
    return `tinyproxy ${problem} (port ${this.port}); its output:\n${this.child?.output ?? ''}its log:\n${this.log()}`;
  }
}

/**
 * The configuration: loopback only, every request logged. No `ConnectPort` line, so CONNECT is
 * allowed to every port (tinyproxy.conf(5): "If no ConnectPort line is found, then all ports are
 * allowed"); the default Debian file is not read, so its lines do not apply either.
 */
function config(port: number, logFile: string, pidFile: string): string {
  // tinyproxy started as root switches to `User`/`Group` after binding (and warns when they are
  // missing); started as anyone else it keeps its ids. Naming our own ids works in both cases and
  // keeps the log file, created after the switch, writable in our 0700 temporary directory.
  const uid = process.getuid?.() ?? 0;
  const gid = process.getgid?.() ?? 0;
  return [
    `User ${uid}`,
    `Group ${gid}`,
    'Listen 127.0.0.1',
    `Port ${port}`,
    'Allow 127.0.0.1',
    // Connect logs each client connection and request line — the CONNECT targets among them.
    'LogLevel Connect',
    `LogFile ${JSON.stringify(logFile)}`,
    `PidFile ${JSON.stringify(pidFile)}`,
    'MaxClients 100',
    'Timeout 60',
    '',
  ].join('\n');
}

/** Sends a request tinyproxy answers itself (400 for a path without a host) and looks for its name. */
function answeredByTinyproxy(port: number): Promise<boolean> {
  return new Promise((resolveProbe) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    let answer = '';
    const done = (ok: boolean): void => {
      socket.destroy();
      resolveProbe(ok);
    };
    socket.setTimeout(1_000, () => done(false));
    socket.once('connect', () => socket.write('GET /cloudsiem-readiness-probe HTTP/1.0\r\n\r\n'));
    socket.on('data', (chunk: Buffer) => {
      answer += chunk.toString('latin1');
      if (/\r\nServer: tinyproxy\b/i.test(answer)) done(true);
    });
    socket.once('end', () => done(false));
    socket.once('error', () => done(false));
  });
}
