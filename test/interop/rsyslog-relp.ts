// Starts a real rsyslog with imrelp (librelp's RELP) as a foreground child on free loopback ports:
// a plain RELP listener, a RELP-over-TLS listener (tls.tlslib="openssl"), and an imtcp LF listener
// for comparisons, each writing every message as received (%rawmsg%) one per line to its own file.
// Same harness as daemons.ts: kill (SIGKILL) and restart on the same ports, appending to the files.
import { rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { TestCerts } from '../support/certs.ts';
import { Child } from '../support/child.ts';
import { PortTakenError, startOnFreePorts } from '../support/free-port.ts';
import type { Tool } from '../support/tools.ts';
import { DAEMON_MAX_MESSAGE_BYTES, ReceivedFile } from './daemons.ts';

export type RelpListener = 'relp' | 'relpTls' | 'tcp';
const RELP_LISTENERS: readonly RelpListener[] = ['relp', 'relpTls', 'tcp'];

const READY_TIMEOUT_MS = 10_000;
const STOP_TIMEOUT_MS = 3_000;
const BIND_FAILURE = /could not activate relp listener|Could not create tcp listener|Address already in use/;

/**
 * rsyslog's configuration. Each ruleset has a direct queue: the thread that received a message
 * writes it (omfile flushes at the end of each transaction) before imrelp acknowledges it, so an
 * acknowledged message survives a SIGKILL. With the default in-memory main queue, imrelp's `200 OK`
 * means "queued in memory", and a crash loses what the queue held: RELP's promise ends where the
 * server's own queue begins.
 *
 * TLS uses tls.tlslib="openssl": with librelp's default GnuTLS driver, an imrelp listener that has
 * its own certificate requires one from the client too ("peer did not provide a certificate"),
 * whatever tls.authMode says; the sender does not present client certificates.
 */
function config(
  ports: Record<RelpListener, number>,
  files: Record<RelpListener, string>,
  certs: TestCerts,
  dir: string,
) {
  const q = JSON.stringify;
  return [
    `global(workDirectory=${q(dir)} maxMessageSize="${DAEMON_MAX_MESSAGE_BYTES}"`,
    '  parser.escapeControlCharactersOnReceive="off")',
    'module(load="imrelp" tls.tlslib="openssl")',
    'module(load="imtcp")',
    'template(name="raw" type="string" string="%rawmsg%\\n")',
    ...RELP_LISTENERS.map(
      (l) =>
        `ruleset(name="${l}" queue.type="direct") { action(type="omfile" file=${q(files[l])} template="raw") }`,
    ),
    `input(type="imrelp" address="127.0.0.1" port="${ports.relp}" ruleset="relp" maxDataSize="${DAEMON_MAX_MESSAGE_BYTES}")`,
    `input(type="imrelp" address="127.0.0.1" port="${ports.relpTls}" ruleset="relpTls" maxDataSize="${DAEMON_MAX_MESSAGE_BYTES}"`,
    `  tls="on" tls.cacert=${q(certs.caFile)} tls.mycert=${q(certs.certFile)} tls.myprivkey=${q(certs.keyFile)})`,
    `input(type="imtcp" address="127.0.0.1" port="${ports.tcp}" ruleset="tcp" supportOctetCountedFraming="off")`,
    '',
  ].join('\n');
}

export class RsyslogRelp {
  private child: Child | undefined;
  private readonly files: Record<RelpListener, ReceivedFile>;
  private readonly configFile: string;

  private constructor(
    private readonly tool: Tool,
    certs: TestCerts,
    readonly dir: string,
    readonly ports: Record<RelpListener, number>,
  ) {
    const paths = {
      relp: join(dir, 'relp.log'),
      relpTls: join(dir, 'relp-tls.log'),
      tcp: join(dir, 'tcp.log'),
    };
    this.files = {
      relp: new ReceivedFile(paths.relp),
      relpTls: new ReceivedFile(paths.relpTls),
      tcp: new ReceivedFile(paths.tcp),
    };
    this.configFile = join(dir, 'rsyslog.conf');
    writeFileSync(this.configFile, config(ports, paths, certs, dir));
  }

  static start(tool: Tool, certs: TestCerts): Promise<RsyslogRelp> {
    return startOnFreePorts('rsyslog-relp', async (dir) => {
      const daemon = new RsyslogRelp(tool, certs, dir, await freePorts());
      await daemon.launch();
      return daemon;
    });
  }

  file(listener: RelpListener): ReceivedFile {
    return this.files[listener];
  }

  get log(): string {
    return this.child?.output ?? '';
  }

  get running(): boolean {
    return this.child?.running ?? false;
  }

  /** SIGKILL, as a crash would: connections drop without serverclose. */
  async kill(): Promise<void> {
    await this.child?.kill();
  }

  /** Starts rsyslog again on the same ports, appending to the same files. */
  async restart(): Promise<void> {
    if (this.running) throw new Error('rsyslog is still running');
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

  async stop(): Promise<void> {
    await this.child?.terminate(STOP_TIMEOUT_MS);
    rmSync(dirname(this.dir), { recursive: true, force: true });
  }

  private async launch(): Promise<void> {
    rmSync(join(this.dir, 'pid'), { force: true });
    this.child = new Child(this.tool.path, ['-n', '-f', this.configFile, '-i', join(this.dir, 'pid')], {
      env: this.tool.env,
    });
    try {
      const deadline = Date.now() + READY_TIMEOUT_MS;
      for (const listener of RELP_LISTENERS) {
        while (!(await canConnect(this.ports[listener]))) {
          this.check(deadline, listener);
          await sleep(25);
        }
      }
      // rsyslog reports a taken port and runs on; the connects above then reached another process.
      this.check(deadline, 'all');
    } catch (error) {
      await this.kill();
      throw error;
    }
  }

  private check(deadline: number, waitingFor: string): void {
    const what = (problem: string) =>
      `rsyslog (imrelp) ${problem} (ports ${JSON.stringify(this.ports)}); its output:\n${this.log}`;
    if (BIND_FAILURE.test(this.log)) throw new PortTakenError(what('found a port taken'));
    if (!this.running) throw new Error(what('exited during start-up'));
    if (Date.now() > deadline) throw new Error(what(`not ready: still waiting for ${waitingFor}`));
  }
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Three different free TCP ports, held together while picked, then released for rsyslog. */
async function freePorts(): Promise<Record<RelpListener, number>> {
  const servers = await Promise.all(
    RELP_LISTENERS.map(
      () =>
        new Promise<net.Server>((resolve, reject) => {
          const server = net.createServer();
          server.once('error', reject);
          server.listen(0, '127.0.0.1', () => resolve(server));
        }),
    ),
  );
  const [relp, relpTls, tcp] = servers.map((s) => (s.address() as net.AddressInfo).port);
  await Promise.all(servers.map((s) => new Promise((done) => s.close(done))));
  return { relp: relp!, relpTls: relpTls!, tcp: tcp! };
}
