// Starts a real tinyproxy (an HTTP proxy that tunnels with CONNECT, RFC 9110 §9.3.6) as a foreground
// child on a free loopback port, logging every request to a file, so a test can prove that a client
// went through the proxy and to which host:port.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
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
export async function startTinyproxy(tool: Tool): Promise<Tinyproxy> {
  const dir = mkdtempSync(join(tmpdir(), 'cloudsiem-tinyproxy-'));
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    const attemptDir = join(dir, String(attempt));
    mkdirSync(attemptDir);
    const proxy = new TinyproxyProcess(tool, attemptDir, await freePort());
    try {
      await proxy.launch();
      return {
        port: proxy.port,
        url: `http://127.0.0.1:${proxy.port}`,
        log: () => proxy.log(),
        connects: () => [...proxy.log().matchAll(CONNECT_REQUEST)].map((match) => match[1]!),
        stop: async () => {
          await proxy.stop();
          rmSync(dir, { recursive: true, force: true });
        },
      };
    } catch (error) {
      lastError = error;
      await proxy.stop();
      if (!(error instanceof PortTakenError)) break;
    }
  }
  rmSync(dir, { recursive: true, force: true });
  throw lastError;
}

class PortTakenError extends Error {}

class TinyproxyProcess {
  private child: ChildProcess | undefined;
  private output = '';
  private exited: Promise<void> = Promise.resolve();
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

  async launch(): Promise<void> {
    // -d: stay in the foreground, so the child is tinyproxy itself and dies with the test run.
    const child = spawn(this.tool.path, ['-d', '-c', this.configFile], {
      env: this.tool.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    const killOnExit = (): void => void child.kill('SIGKILL');
    process.once('exit', killOnExit);
    const collect = (chunk: Buffer): void => {
      this.output += chunk.toString('utf8');
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    this.exited = new Promise((resolveExit) => {
      // 'close', not 'exit': it comes after the last of stdout/stderr, so the output is complete.
      child.once('close', (code, signal) => {
        this.output += `exited with ${signal ?? `code ${code}`}\n`;
        process.removeListener('exit', killOnExit);
        this.child = undefined;
        resolveExit();
      });
    });
    child.once('error', (error) => {
      this.output += `spawn failed: ${error.message}\n`;
    });
    await this.waitUntilReady();
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (child !== undefined) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
      await this.exited;
      clearTimeout(timer);
    }
  }

  /**
   * Ready: a request to the port is answered by tinyproxy itself (its `Server:` header), not by
   * whatever else may have taken the port between `freePort()` and tinyproxy's bind.
   */
  private async waitUntilReady(): Promise<void> {
    const deadline = Date.now() + READY_TIMEOUT_MS;
    while (!(await answeredByTinyproxy(this.port))) {
      await sleep(POLL_MS);
      if (this.child === undefined) {
        await this.exited;
        if (BIND_FAILURE.test(this.output)) throw new PortTakenError(this.describe('could not bind'));
        throw new Error(this.describe('exited during start-up'));
      }
      if (Date.now() > deadline) throw new Error(this.describe(`not ready after ${READY_TIMEOUT_MS} ms`));
    }
  }

  private describe(problem: string): string {
    return `tinyproxy ${problem} (port ${this.port}); its output:\n${this.output}its log:\n${this.log()}`;
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

/** A port the kernel hands out for port 0, released for tinyproxy; a port taken in between is retried. */
async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolveListen);
  });
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolveClose) => server.close(resolveClose));
  return port;
}
