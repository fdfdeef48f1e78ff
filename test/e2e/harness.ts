// End-to-end harness: the real `cloudsiem portal` and `cloudsiem agent` as child processes (the
// binary users run), an admin REST client for the portal, and helpers to read what a real syslog
// receiver wrote back as CEF. Everything started here is stopped by `cleanup()` (call it in
// afterEach/afterAll; `describeWithSyslogNg` does); every child is also SIGKILLed if the test worker
// exits first.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { hostname, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, describe, expect } from 'vitest';
import { createActivityEncoder, createAlertEncoder, decode, type DecodedCef } from '@cloudsiem/cef';
import {
  CLOUDSIEM_VERSION,
  formatSettingsSchema,
  toCefSettings,
  type Activity,
  type Alert,
  type DataType,
  type FormatSettings,
  type IngestResult,
  type SiemAgent,
  type SiemAgentPatch,
} from '@cloudsiem/protocol';
import { Receiver, syslogNg, type Listener, type ReceivedFile } from '../interop/daemons.ts';
import { makeTestCerts, removeTestCerts, type TestCerts } from '../support/certs.ts';
import { Child, type ChildExit } from '../support/child.ts';
import { toolOrSkip, type Tool } from '../support/tools.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const CLI = join(ROOT, 'packages/cli/bin/cloudsiem.js');
export const ADMIN_EMAIL = 'admin@cloudsiem.local';
export const ADMIN_PASSWORD = 'e2e admin password 1';

const START_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 5_000;
const POLL_MS = 50;

// ---------------------------------------------------------------------------------------------
// Cleanup registry

const cleanups: (() => Promise<void> | void)[] = [];

/** Registers something to undo in `cleanup()`, last registered first. */
export function onCleanup(undo: () => Promise<void> | void): void {
  cleanups.push(undo);
}

/** Stops every process and removes every directory this harness started or made. */
export async function cleanup(): Promise<void> {
  const errors: unknown[] = [];
  while (cleanups.length > 0) {
    try {
      await cleanups.pop()!();
    } catch (error) {
      errors.push(error);
    }
  }
  if (errors.length > 0) throw new AggregateError(errors, 'cleanup failed');
}

export function tempDir(name: string): string {
  const dir = mkdtempSync(join(tmpdir(), `cloudsiem-e2e-${name}-`));
  onCleanup(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

// ---------------------------------------------------------------------------------------------
// Waiting

/** Polls `condition` (sync or async) until it holds; fails with `what` (and `detail()`) after `timeoutMs`. */
export async function waitUntil(
  condition: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 15_000,
  detail?: () => string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await condition()) return;
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${detail ? `\n${detail()}` : ''}`);
    }
    await sleep(POLL_MS);
  }
}

// ---------------------------------------------------------------------------------------------
// Child processes

export interface Exit extends ChildExit {
  stdout: string;
  stderr: string;
}

/** A `cloudsiem` child process with its output collected. */
class CliProcess extends Child {
  constructor(args: string[], env: NodeJS.ProcessEnv = {}) {
    super(process.execPath, [CLI, ...args], {
      cwd: ROOT,
      // A CLOUDSIEM_TOKEN from the developer's shell must not stand in for the --token-file.
      env: { ...process.env, CLOUDSIEM_TOKEN: '', ...env },
    });
  }

  /** The process's exit, failing after `timeoutMs` with what it printed. */
  async exit(timeoutMs = 20_000): Promise<Exit> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`still running after ${timeoutMs} ms; ${this.describe()}`)),
        timeoutMs,
      );
    });
    try {
      return this.#withOutput(await Promise.race([this.exited, timeout]));
    } finally {
      clearTimeout(timer);
    }
  }

  /** SIGTERM (what systemd sends), SIGKILL if it has not exited after `graceMs`. */
  override async terminate(graceMs = STOP_TIMEOUT_MS): Promise<Exit> {
    return this.#withOutput(await super.terminate(graceMs));
  }

  /** `kill -9`: no chance to acknowledge or flush anything. */
  override async kill(): Promise<Exit> {
    return this.#withOutput(await super.kill());
  }

  describe(): string {
    const tail = (text: string) => (text.length > 4000 ? `…${text.slice(-4000)}` : text);
    return `stdout:\n${tail(this.stdout)}\nstderr:\n${tail(this.stderr)}`;
  }

  #withOutput({ code, signal }: ChildExit): Exit {
    return { code, signal, stdout: this.stdout, stderr: this.stderr };
  }
}

// ---------------------------------------------------------------------------------------------
// HTTP

export interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- tests read whatever came back
}

/** One HTTP(S) request with a JSON body; `ca` trusts a private CA for an HTTPS portal. */
export function request(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: unknown; ca?: string } = {},
): Promise<Answer> {
  const target = new URL(url);
  const body = options.body === undefined ? undefined : JSON.stringify(options.body);
  const headers: Record<string, string> = {
    accept: 'application/json',
    ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    ...options.headers,
  };
  const send = target.protocol === 'https:' ? https.request : http.request;
  return new Promise((resolveAnswer, reject) => {
    const req = send(
      target,
      {
        method: options.method ?? 'GET',
        headers,
        ...(options.ca === undefined ? {} : { ca: options.ca }),
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: unknown = undefined;
          try {
            parsed = text === '' ? undefined : JSON.parse(text);
          } catch {
            // not JSON: the text is there
          }
          resolveAnswer({ status: res.statusCode ?? 0, headers: res.headers, text, body: parsed });
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

function expectStatus(answer: Answer, expected: number, what: string): void {
  if (answer.status !== expected)
    throw new Error(`${what}: expected HTTP ${expected}, got ${answer.status}: ${answer.text.slice(0, 500)}`);
}

let agentsCreated = 0;

/** The admin REST API of a portal, as one admin (an admin API token). */
export class AdminClient {
  private constructor(
    readonly url: string,
    readonly token: string,
    readonly adminId: string,
    private readonly ca: string | undefined,
  ) {}

  /** Signs in (session cookie) and creates an admin API token, as the README shows. */
  static async login(url: string, email: string, password: string, ca?: string): Promise<AdminClient> {
    const login = await request(`${url}/api/v1/auth/login`, {
      method: 'POST',
      body: { email, password },
      ...(ca === undefined ? {} : { ca }),
    });
    expectStatus(login, 200, `sign in as ${email}`);
    const cookie = [login.headers['set-cookie'] ?? []].flat()[0]?.split(';')[0];
    if (cookie === undefined) throw new Error('sign in: no session cookie');
    const created = await request(`${url}/api/v1/admin-tokens`, {
      method: 'POST',
      headers: { cookie, origin: url },
      body: { name: 'e2e' },
      ...(ca === undefined ? {} : { ca }),
    });
    expectStatus(created, 201, 'create an admin API token');
    const { token } = created.body as { token: string };
    const { admin } = login.body as { admin: { id: string } };
    return new AdminClient(url, token, admin.id, ca);
  }

  call(method: string, path: string, body?: unknown): Promise<Answer> {
    return request(`${this.url}${path}`, {
      method,
      headers: { authorization: `Token ${this.token}` },
      ...(body === undefined ? {} : { body }),
      ...(this.ca === undefined ? {} : { ca: this.ca }),
    });
  }

  async createAgent(input: Record<string, unknown>): Promise<{ agent: SiemAgent; token: string }> {
    // Agent names are unique (without case): each unnamed one gets its own.
    agentsCreated += 1;
    const answer = await this.call('POST', '/api/v1/siem-agents', {
      name: `e2e agent ${agentsCreated}`,
      ...input,
    });
    expectStatus(answer, 201, 'create a SIEM agent');
    return answer.body as { agent: SiemAgent; token: string };
  }

  async getAgent(id: string): Promise<SiemAgent> {
    const answer = await this.call('GET', `/api/v1/siem-agents/${id}`);
    expectStatus(answer, 200, 'read a SIEM agent');
    return answer.body as SiemAgent;
  }

  async updateAgent(id: string, patch: SiemAgentPatch): Promise<SiemAgent> {
    const answer = await this.call('PATCH', `/api/v1/siem-agents/${id}`, patch);
    expectStatus(answer, 200, 'edit a SIEM agent');
    return answer.body as SiemAgent;
  }

  async regenerateToken(id: string): Promise<{ agent: SiemAgent; token: string }> {
    const answer = await this.call('POST', `/api/v1/siem-agents/${id}/regenerate-token`);
    expectStatus(answer, 200, 'regenerate a token');
    return answer.body as { agent: SiemAgent; token: string };
  }

  async deleteAgent(id: string): Promise<void> {
    expectStatus(await this.call('DELETE', `/api/v1/siem-agents/${id}`), 204, 'delete a SIEM agent');
  }

  async createAdmin(input: { email: string; name: string; password: string }): Promise<{ id: string }> {
    const answer = await this.call('POST', '/api/v1/admins', input);
    expectStatus(answer, 201, 'add an admin');
    return answer.body as { id: string };
  }

  async removeAdmin(id: string): Promise<void> {
    expectStatus(await this.call('DELETE', `/api/v1/admins/${id}`), 204, 'remove an admin');
  }

  /** Ingests records; fails unless every one was stored and no policy raised an alert on them. */
  async ingest(dataType: DataType, records: readonly object[]): Promise<IngestResult> {
    const answer = await this.call('POST', `/api/v1/ingest/${dataType}`, records);
    expectStatus(answer, 200, `ingest ${dataType}`);
    const result = answer.body as IngestResult;
    if (result.accepted !== records.length || result.alertsRaised !== 0)
      throw new Error(`ingest ${dataType}: ${JSON.stringify(result).slice(0, 1000)}`);
    return result;
  }
}

// ---------------------------------------------------------------------------------------------
// The portal

export interface PortalProcess {
  url: string;
  /** Where its SQLite database is. */
  dir: string;
  publicUrl: string;
  /** The first admin's API client. */
  api: AdminClient;
  /** The CA to trust for an HTTPS portal. */
  ca: string | undefined;
  output(): string;
  stop(): Promise<Exit>;
}

export interface PortalOptions {
  tls?: { certFile: string; keyFile: string; ca: string };
  /** Reuse a stopped portal's database (its `dir`), e.g. to restart it. */
  dir?: string;
  port?: number;
  args?: string[];
}

/** Starts `cloudsiem portal` on a fresh SQLite database, port 0; resolves once it listens. */
export async function startPortal(options: PortalOptions = {}): Promise<PortalProcess> {
  const dir = options.dir ?? tempDir('portal');
  const args = [
    'portal',
    '--database',
    `sqlite:${join(dir, 'cloudsiem.db')}`,
    '--port',
    String(options.port ?? 0),
    '--log-level',
    'warn',
    ...(options.tls === undefined
      ? []
      : ['--tls-cert', options.tls.certFile, '--tls-key', options.tls.keyFile]),
    ...(options.args ?? []),
  ];
  const portal = new CliProcess(args, { CLOUDSIEM_ADMIN_PASSWORD: ADMIN_PASSWORD });
  onCleanup(async () => void (await portal.terminate()));
  const banner = /cloudsiem portal listening on (\S+) \(public URL (\S+)\)/;
  await waitUntil(
    () => banner.test(portal.stdout) || !portal.running,
    'the portal to listen',
    START_TIMEOUT_MS,
    () => portal.describe(),
  );
  const match = banner.exec(portal.stdout);
  if (match === null) throw new Error(`the portal did not start; ${portal.describe()}`);
  const [, url, publicUrl] = match as unknown as [string, string, string];
  const ca = options.tls?.ca;
  const api = await AdminClient.login(url, ADMIN_EMAIL, ADMIN_PASSWORD, ca);
  return {
    url,
    dir,
    publicUrl,
    api,
    ca,
    output: () => portal.describe(),
    stop: () => portal.terminate(),
  };
}

// ---------------------------------------------------------------------------------------------
// The agent

/** /healthz of a running agent (see packages/agent/src/metrics.ts). */
export interface AgentHealth {
  status: string;
  portal: string;
  lastPortalContactAt: number | null;
  configVersion: number | null;
  enabled: boolean;
  syslog: { state: string; target: string; error: string | null };
}

export interface AgentLogLine {
  level: number;
  msg: string;
  [key: string]: unknown;
}

export class AgentProcess {
  #metricsPort: number | undefined;

  constructor(private readonly cli: CliProcess) {}

  get running(): boolean {
    return this.cli.running;
  }

  /** The agent's process id (to read its memory from /proc, or to signal it). */
  get pid(): number | undefined {
    return this.cli.process.pid;
  }

  /** The JSON log lines printed so far (pino on stdout). */
  logs(): AgentLogLine[] {
    return this.cli.stdout
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as AgentLogLine);
  }

  stderr(): string {
    return this.cli.stderr;
  }

  describe(): string {
    return this.cli.describe();
  }

  /** The port of /metrics and /healthz (the agent is started with --metrics-port 0). */
  async metricsPort(): Promise<number> {
    if (this.#metricsPort !== undefined) return this.#metricsPort;
    await waitUntil(
      () => this.logs().some((l) => l.msg === 'Metrics listening on 127.0.0.1') || !this.running,
      'the agent to serve its metrics',
      START_TIMEOUT_MS,
      () => this.describe(),
    );
    const line = this.logs().find((l) => l.msg === 'Metrics listening on 127.0.0.1');
    if (line === undefined) throw new Error(`the agent exited before serving metrics; ${this.describe()}`);
    this.#metricsPort = line.port as number;
    return this.#metricsPort;
  }

  async health(): Promise<AgentHealth> {
    const answer = await request(`http://127.0.0.1:${await this.metricsPort()}/healthz`);
    return answer.body as AgentHealth;
  }

  /** A counter or gauge of /metrics, e.g. `cloudsiem_sent_events_total{data_type="alerts"}`. */
  async metric(series: string): Promise<number> {
    const answer = await request(`http://127.0.0.1:${await this.metricsPort()}/metrics`);
    const line = answer.text.split('\n').find((l) => l.startsWith(`${series} `));
    if (line === undefined) throw new Error(`no ${series} in /metrics:\n${answer.text}`);
    return Number(line.slice(series.length + 1));
  }

  /** Polls /healthz until `check` holds. */
  async waitForHealth(
    check: (health: AgentHealth) => boolean,
    what: string,
    timeoutMs = 15_000,
  ): Promise<AgentHealth> {
    let last: AgentHealth | undefined;
    await waitUntil(
      async () => {
        if (!this.running) throw new Error(`the agent exited while waiting for ${what}; ${this.describe()}`);
        last = await this.health();
        return check(last);
      },
      what,
      timeoutMs,
      () => `last /healthz: ${JSON.stringify(last)}\n${this.describe()}`,
    );
    return last!;
  }

  /** Waits until the agent runs config `version` (an edit made in the portal reached it). */
  waitForConfig(version: number, timeoutMs = 15_000): Promise<AgentHealth> {
    return this.waitForHealth((h) => h.configVersion === version, `config version ${version}`, timeoutMs);
  }

  /**
   * Waits until every one of `wanted` (records or their ids) was received on `file`; a timeout
   * shows what this agent printed, and `detail()` after it.
   */
  waitForDelivery(
    file: ReceivedFile,
    wanted: Iterable<string | { id: string }>,
    options: { timeoutMs?: number; detail?: () => string; keep?: (line: string) => boolean } = {},
  ): Promise<ReceivedEvent[]> {
    const { timeoutMs = 20_000, detail, keep } = options;
    return waitForIds(
      file,
      [...wanted].map((w) => (typeof w === 'string' ? w : w.id)),
      timeoutMs,
      () => (detail === undefined ? this.describe() : `${this.describe()}\n${detail()}`),
      keep,
    );
  }

  exit(timeoutMs?: number): Promise<Exit> {
    return this.cli.exit(timeoutMs);
  }

  /** SIGTERM; SIGKILL after `graceMs` (the exit then shows signal SIGKILL). */
  stop(options: { graceMs?: number } = {}): Promise<Exit> {
    return this.cli.terminate(options.graceMs);
  }

  kill9(): Promise<Exit> {
    return this.cli.kill();
  }
}

/**
 * Starts `cloudsiem agent --token-file F --metrics-port 0 …args` (the token in a 0600 file, as an
 * operator would keep it). Does not wait: an agent meant to fail exits on its own.
 */
export function startAgent(token: string, args: string[] = []): AgentProcess {
  const dir = tempDir('agent');
  const tokenFile = join(dir, 'token');
  writeFileSync(tokenFile, `${token}\n`, { mode: 0o600 });
  const child = new CliProcess(['agent', '--token-file', tokenFile, '--metrics-port', '0', ...args]);
  onCleanup(async () => void (await child.kill()));
  return new AgentProcess(child);
}

/** Expects the agent's pipelines of `dataTypes` to catch up (lag 0, polled for up to 10 s each). */
export async function expectCaughtUp(
  agent: AgentProcess,
  dataTypes: readonly DataType[] = ['activities', 'alerts'],
): Promise<void> {
  for (const dataType of dataTypes)
    await expect
      .poll(() => agent.metric(`cloudsiem_lag_seconds{data_type="${dataType}"}`), {
        timeout: 10_000,
        message: `the ${dataType} pipeline to catch up`,
      })
      .toBe(0);
}

/** The one line a stopped agent printed on stderr (DESIGN §2: one clear line saying why). */
export function exitLine(exit: Exit): string {
  const lines = exit.stderr.split('\n').filter((line) => line !== '');
  if (lines.length !== 1) throw new Error(`expected one line on stderr, got ${JSON.stringify(exit.stderr)}`);
  return lines[0]!;
}

// ---------------------------------------------------------------------------------------------
// The SIEM

/** A syslog target with no listener (port 9, discard): for agents that never deliver, or a typo in the portal. */
export const CLOSED_SYSLOG = { host: '127.0.0.1', port: 9, protocol: 'tcp' } as const;

/** An agent's syslog settings for one of a receiver's listeners. */
export function syslogTarget(receiver: Receiver, listener: Listener = 'tcp'): Record<string, unknown> {
  const port = receiver.ports[listener];
  if (listener === 'octet') return { host: '127.0.0.1', port, protocol: 'tcp', framing: 'octet' };
  return { host: '127.0.0.1', port, protocol: listener };
}

/** What most tests start from: see `SyslogNgSuite.startPortalAndSyslogNg`. */
export interface Setup {
  portal: PortalProcess;
  receiver: Receiver;
  /** The SIEM agent as the portal created it. */
  created: SiemAgent;
  /** Its token, for `startAgent`. */
  token: string;
  /** The receiver's file for `listener` (tcp unless given). */
  file: ReceivedFile;
}

export interface SyslogNgSuite {
  /** The test CA and server certificate (made once for the block): syslog-ng's TLS, an HTTPS portal. */
  readonly certs: TestCerts;
  /**
   * A portal and a real syslog-ng (tcp, octet, udp and tls listeners on free ports) started
   * together, and a SIEM agent created in the portal sending to the `listener` (default tcp), or
   * to `syslog`. The agent process is not started: a test ingests first, or passes arguments.
   */
  startPortalAndSyslogNg(options?: {
    portal?: PortalOptions;
    listener?: Listener;
    syslog?: Record<string, unknown>;
  }): Promise<Setup>;
}

/** A real syslog-ng, stopped by cleanup(). */
async function startSyslogNg(tool: Tool, certs: TestCerts): Promise<Receiver> {
  const receiver = await Receiver.start(syslogNg(tool), { tool, certs });
  onCleanup(() => receiver.stop());
  return receiver;
}

/**
 * A describe block whose tests need a real syslog-ng and the test certificates (skipped, with the
 * reason printed, when syslog-ng or openssl is missing; see `toolOrSkip`). The certificates are
 * made once; everything a test started is stopped after it (`cleanup()`).
 */
export function describeWithSyslogNg(name: string, body: (suite: SyslogNgSuite) => void): void {
  const syslogNgTool = toolOrSkip('syslog-ng');
  const openssl = toolOrSkip('openssl');
  describe.skipIf(syslogNgTool === undefined || openssl === undefined)(name, () => {
    let certs: TestCerts | undefined;
    beforeAll(() => {
      certs = makeTestCerts(openssl!.path);
    });
    afterAll(() => {
      if (certs !== undefined) removeTestCerts(certs);
    });
    afterEach(cleanup);
    const suite: SyslogNgSuite = {
      get certs(): TestCerts {
        if (certs === undefined) throw new Error('the test certificates are made in beforeAll');
        return certs;
      },
      async startPortalAndSyslogNg(options = {}) {
        const [portal, receiver] = await Promise.all([
          startPortal(options.portal),
          startSyslogNg(syslogNgTool!, suite.certs),
        ]);
        const listener = options.listener ?? 'tcp';
        const { agent: created, token } = await portal.api.createAgent({
          syslog: options.syslog ?? syslogTarget(receiver, listener),
        });
        return { portal, receiver, created, token, file: receiver.file(listener) };
      },
    };
    body(suite);
  });
}

// ---------------------------------------------------------------------------------------------
// Records and what the SIEM should receive for them

/** A fixed past time (2017-11-22T17:50:04Z, Microsoft's samples): lines are deterministic. */
export const BASE_TIME = 1_511_373_004_000;

export function activity(id: string, fields: Partial<Activity> = {}): Activity {
  return {
    id,
    timestamp: BASE_TIME,
    category: 'EVENT_CATEGORY_LOGIN',
    action: 'Log on',
    description: `Log on of ${id}`,
    user: 'alice@contoso.com',
    appName: 'Box',
    appIds: ['APPID_BOX'],
    ip: '13.82.149.151',
    userAgent: 'Mozilla/5.0',
    targetObjects: [],
    policyIds: [],
    ...fields,
  };
}

export function alert(id: string, fields: Partial<Alert> = {}): Alert {
  return {
    id,
    timestamp: BASE_TIME,
    type: 'ALERT_CABINET_EVENT_MATCH_AUDIT',
    policyName: 'Box downloads',
    policyIds: ['5a152bd3c2a3e60bf1abc0b8'],
    severity: 'medium',
    description: `Alert ${id}`,
    user: 'alice@contoso.com',
    appName: 'Box',
    appIds: ['APPID_BOX'],
    riskScore: null,
    relatedActivityIds: [],
    ip: '13.82.149.151',
    source: 'cloud-apps',
    status: 'open',
    ...fields,
  };
}

/**
 * The line the agent must write for a record with these format settings (default: the defaults), from
 * `packages/cef`'s encoder. `toWellFormed`: a lone surrogate reaches the wire as U+FFFD (the
 * portal stores it so, and UTF-8 cannot carry it otherwise).
 */
export function expectedLine(
  dataType: DataType,
  record: Activity | Alert,
  portalUrl: string,
  format: Partial<FormatSettings> = {},
): string {
  const settings = toCefSettings(formatSettingsSchema.parse(format), {
    systemName: hostname(),
    portalUrl,
    deviceVersion: CLOUDSIEM_VERSION,
  });
  const line =
    dataType === 'activities'
      ? createActivityEncoder(settings)(record as Activity)
      : createAlertEncoder(settings)(record as Alert);
  return line.toWellFormed();
}

export interface ReceivedEvent {
  line: string;
  cef: DecodedCef;
  externalId: string;
}

/**
 * What a receiver's listener wrote, decoded; a line that is not CEF fails the test. `keep` leaves
 * lines out first (a crash test leaves out the one line a killed agent could not finish).
 */
export function received(file: ReceivedFile, keep: (line: string) => boolean = () => true): ReceivedEvent[] {
  return file
    .lines()
    .filter(keep)
    .map((line) => {
      const cef = decode(line);
      const externalId = cef.extension.externalId;
      if (externalId === undefined) throw new Error(`a received line has no externalId: ${line}`);
      return { line, cef, externalId };
    });
}

/** How often each externalId was received. */
export function countIds(events: readonly ReceivedEvent[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const { externalId } of events) counts.set(externalId, (counts.get(externalId) ?? 0) + 1);
  return counts;
}

/** Waits until every id in `ids` was received at least once on `file`. */
async function waitForIds(
  file: ReceivedFile,
  ids: Iterable<string>,
  timeoutMs = 20_000,
  detail?: () => string,
  keep?: (line: string) => boolean,
): Promise<ReceivedEvent[]> {
  const wanted = [...ids];
  let events: ReceivedEvent[] = [];
  let missing: string[] = wanted;
  await waitUntil(
    () => {
      events = received(file, keep);
      const seen = new Set(events.map((e) => e.externalId));
      missing = wanted.filter((id) => !seen.has(id));
      return missing.length === 0;
    },
    `${wanted.length} events on ${file.path}`,
    timeoutMs,
    () =>
      `${missing.length} missing (first: ${JSON.stringify(missing.slice(0, 5))}), ${events.length} lines received` +
      (detail ? `\n${detail()}` : ''),
  );
  return events;
}

/** Ids `prefix-0` … `prefix-(n-1)`. */
export function ids(prefix: string, n: number, from = 0): string[] {
  return Array.from({ length: n }, (_, i) => `${prefix}-${from + i}`);
}
