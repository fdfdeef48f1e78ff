// `cloudsiem up` (`npm start`, DESIGN §2): the main job in one process on the embedded default —
// the portal (SQLite under ./data), the connected-app simulator, a local syslog receiver that
// appends every line to data/received.cef, and a SIEM agent created through the portal's own API
// and running against that receiver. Ctrl-C stops everything, the agent acknowledging what it sent.
import { chmodSync, createWriteStream, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { join, resolve } from 'node:path';
import { pino } from 'pino';
import { createPortalClient, createRotatingLogFile, startAgent, type RunningAgent } from '@cloudsiem/agent';
import {
  StoreError,
  generateSecretKeyText,
  readSecretKeyFile,
  startPortal,
  type Portal,
} from '@cloudsiem/portal';
import { startInProcessSimulation } from '@cloudsiem/portal/simulator';
import {
  AdminApiError,
  CLOUDSIEM_VERSION,
  createAdminClient,
  type AdminClient,
  type SiemAgentWithToken,
} from '@cloudsiem/protocol';
import { startReceiver, type Receiver } from '@cloudsiem/syslog';
import { parseCommandArgs, parsePort } from '../args.ts';
import { CliError, type Command } from '../cli-error.ts';
import { untilSignal } from '../signals.ts';
import { ENV_PASSWORD_TEXT, privateFiles, restrictSqliteFiles } from './portal.ts';

const USAGE = `Usage: cloudsiem up [options]

Runs the whole system on this machine: the portal on http://127.0.0.1:PORT (SQLite in DIR), the
connected-app simulator, a syslog receiver on 127.0.0.1 that appends every line to
DIR/received.cef, and a SIEM agent created through the portal's API that streams to it.

Options:
  --port N            the portal's port (default 8080; 0 picks a free one)
  --syslog-port N     the local receiver's TCP port (default 5514; 0 picks a free one)
  --data-dir DIR      where the database, logs and received.cef go (default ./data)
  --rate N            simulated activities per second (default 20)
  --no-simulator      no simulated traffic (ingest your own through the API)
  --no-agent          no SIEM agent (run 'cloudsiem agent --token …' yourself)
  --no-receiver       no local receiver: the agent sends to 127.0.0.1:SYSLOG_PORT, your own SIEM
  --status-interval S seconds between status lines (default 5)
  -h, --help          this help

Logs of the portal and the agent go to DIR/portal.log and DIR/agent.log; DIR/secret.key (made on
the first start) seals the secrets of the portal's connectors. DIR and what this
command writes in it are readable by this user only (0700/0600).

Environment:
  CLOUDSIEM_ADMIN_PASSWORD  the first admin's password on a first start (never printed or kept;
                            otherwise one is generated, printed, and kept in DIR/first-admin.txt)`;

/** The SIEM agent `up` creates, found again by name on the next start. */
export const UP_AGENT_NAME = 'Local receiver (cloudsiem up)';
const ADMIN_PASSWORD_FILE = 'first-admin.txt';
const SECRET_KEY_FILE = 'secret.key';

/** The sandbox's connector secret key: DIR/secret.key (0600), made on the first start. */
export function ensureSecretKey(dataDir: string): Buffer {
  const path = join(dataDir, SECRET_KEY_FILE);
  if (!existsSync(path)) writeFileSync(path, generateSecretKeyText(), { mode: 0o600, flag: 'wx' });
  chmodSync(path, 0o600);
  try {
    return readSecretKeyFile(path, path);
  } catch (error) {
    throw new CliError(error instanceof Error ? error.message : String(error), 1);
  }
}

/**
 * Runs `setup` with an admin-scope API token that exists only meanwhile: creating the agent needs
 * admin rights, nothing after it does (the simulator ingests in-process, the agent has its own
 * token), so no admin token outlives the setup, not even until Ctrl-C.
 */
async function withSetupToken<T>(portal: Portal, setup: (api: AdminClient) => Promise<T>): Promise<T> {
  const admin = (await portal.services.admins.list())[0];
  if (admin === undefined) throw new CliError('the portal has no admin', 1);
  const { token, adminToken } = await portal.services.admins.createApiToken(admin.id, 'cloudsiem up setup');
  try {
    return await setup(createAdminClient({ baseUrl: portal.url, token }));
  } catch (error) {
    if (error instanceof AdminApiError)
      throw new CliError(
        `the portal answered ${error.status} while setting up the local agent: ${error.code}: ${error.message}`,
        1,
      );
    throw error;
  } finally {
    await portal.services.admins.revokeApiToken(admin.id, adminToken.id);
  }
}

/** The agent from the last start (pointed at this receiver, with a new token), or a new one. */
async function ensureAgent(api: AdminClient, syslogPort: number): Promise<SiemAgentWithToken> {
  const { data: agents } = await api.listSiemAgents();
  // Names are unique without case (NAME_TAKEN): an agent renamed only in case is still this one.
  const existing = agents.find((a) => a.name.toLowerCase() === UP_AGENT_NAME.toLowerCase());
  const syslog = { host: '127.0.0.1', port: syslogPort, protocol: 'tcp' as const, framing: 'lf' as const };
  if (existing === undefined) {
    return api.createSiemAgent({
      name: UP_AGENT_NAME,
      syslog,
      format: { format: 'generic', includeSystemName: true },
    });
  }
  await api.updateSiemAgent(existing.id, { syslog, enabled: true });
  // The token is stored only as a hash: a new start takes a new one (the old one stops working).
  return api.regenerateToken(existing.id);
}

/** The banner's sign-in line: never a password that came from the environment. */
function signInLine(portal: Portal, passwordFile: string, envPassword: string | undefined): string {
  if (portal.firstAdmin !== null && envPassword !== undefined)
    return `${portal.firstAdmin.email} / ${ENV_PASSWORD_TEXT}`;
  if (existsSync(passwordFile)) {
    const [email = '', password = ''] = readFileSync(passwordFile, 'utf8').trim().split(' ');
    // Earlier versions kept an environment password here too.
    return password === envPassword ? `${email} / ${ENV_PASSWORD_TEXT}` : `${email} / ${password}`;
  }
  return 'admin@cloudsiem.local / (the password printed, or set in CLOUDSIEM_ADMIN_PASSWORD, at the first start)';
}

function positive(text: string | undefined, option: string, fallback: number, max: number): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!/^\d+(\.\d+)?$/.test(text) || !(value > 0) || value > max) {
    throw new CliError(`${option} must be a number from 1 to ${max}, got ${JSON.stringify(text)}`);
  }
  return value;
}

export const up: Command = async (argv) => {
  const { values } = parseCommandArgs(
    argv,
    {
      port: { type: 'string' },
      'syslog-port': { type: 'string' },
      'data-dir': { type: 'string' },
      rate: { type: 'string' },
      'no-simulator': { type: 'boolean' },
      'no-agent': { type: 'boolean' },
      'no-receiver': { type: 'boolean' },
      'status-interval': { type: 'string' },
    },
    USAGE,
  );
  if (values.help === true) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const portalPort = parsePort(values.port ?? '8080', '--port');
  const syslogPort = parsePort(values['syslog-port'] ?? '5514', '--syslog-port');
  const rate = positive(values.rate, '--rate', 20, 100_000);
  const statusIntervalS = positive(values['status-interval'], '--status-interval', 5, 3600);
  if (values['no-receiver'] === true && syslogPort === 0)
    throw new CliError('--no-receiver needs --syslog-port: the port your own syslog server listens on');
  const dataDir = resolve(values['data-dir'] ?? 'data');
  // The sandbox's folder holds the database, the logs and received events: this user's only.
  privateFiles();
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  chmodSync(dataDir, 0o700);
  const receivedPath = join(dataDir, 'received.cef');
  const firstAdminPassword = process.env.CLOUDSIEM_ADMIN_PASSWORD || undefined;
  if (firstAdminPassword !== undefined && firstAdminPassword.length < 12)
    throw new CliError('CLOUDSIEM_ADMIN_PASSWORD must be at least 12 characters');

  const portalLog = createRotatingLogFile({ directory: dataDir, fileName: 'portal.log' });
  const agentLog = createRotatingLogFile({ directory: dataDir, fileName: 'agent.log' });
  const databaseUrl = `sqlite:${join(dataDir, 'cloudsiem.db')}`;
  const secretKey = ensureSecretKey(dataDir);
  let portal: Portal;
  try {
    portal = await startPortal({
      databaseUrl,
      host: '127.0.0.1',
      port: portalPort,
      logger: pino({ base: { service: 'cloudsiem-portal' } }, portalLog),
      secretKey,
      ...(firstAdminPassword === undefined ? {} : { firstAdminPassword }),
    });
  } catch (error) {
    if (error instanceof StoreError) throw new CliError(error.message, 1);
    if (error instanceof Error && 'code' in error && error.code === 'EADDRINUSE')
      throw new CliError(`cannot listen on port ${portalPort}: it is in use (pick another with --port)`, 1);
    throw error;
  }

  restrictSqliteFiles(databaseUrl);
  const stops: Array<() => Promise<void>> = [() => portal.close()];
  const stopAll = async () => {
    for (const stop of stops.splice(0).reverse()) await stop();
  };
  try {
    // A generated first password is shown once by the portal; `up` is the local sandbox, so it
    // also keeps it in the data directory, readable by this user only, to show it again. A
    // password from CLOUDSIEM_ADMIN_PASSWORD is the user's own: never printed, never kept.
    const passwordFile = join(dataDir, ADMIN_PASSWORD_FILE);
    if (portal.firstAdmin !== null && firstAdminPassword === undefined) {
      writeFileSync(passwordFile, `${portal.firstAdmin.email} ${portal.firstAdmin.password}\n`, {
        mode: 0o600,
      });
      chmodSync(passwordFile, 0o600);
    }
    const login = signInLine(portal, passwordFile, firstAdminPassword);

    let receiver: Receiver | undefined;
    let received = 0;
    if (values['no-receiver'] !== true) {
      // Appending keeps the mode an earlier version created the file with.
      if (existsSync(receivedPath)) chmodSync(receivedPath, 0o600);
      const output = createWriteStream(receivedPath, { flags: 'a', mode: 0o600 });
      receiver = await startReceiver({
        protocol: 'tcp',
        host: '127.0.0.1',
        port: syslogPort,
        framing: 'lf',
        onMessage: (message) => {
          received++;
          output.write(`${message}\n`);
        },
      });
      const running = receiver;
      stops.push(async () => {
        // The agent has ended its connection: the receiver reads what the kernel still holds.
        await running.close({ graceMs: 2_000 });
        output.end();
        await once(output, 'finish');
      });
    }
    const targetPort = receiver?.port ?? syslogPort;

    let agent: RunningAgent | undefined;
    let agentId: string | undefined;
    if (values['no-agent'] !== true) {
      const created = await withSetupToken(portal, (api) => ensureAgent(api, targetPort));
      agentId = created.agent.id;
      const client = createPortalClient({
        portalUrl: portal.url,
        token: created.token,
        userAgent: `cloudsiem-agent/${CLOUDSIEM_VERSION} (cloudsiem up)`,
      });
      const running = startAgent({
        client,
        logger: pino({ base: { service: 'cloudsiem-agent', agentId } }, agentLog),
      });
      agent = running;
      stops.push(async () => {
        await running.stop();
      });
      void running.done.then((result) => {
        if (result.reason === 'error')
          process.stderr.write(`The agent stopped: ${result.error.message} [${result.error.code}]\n`);
      });
    }

    let simulation: ReturnType<typeof startInProcessSimulation> | undefined;
    if (values['no-simulator'] !== true) {
      simulation = startInProcessSimulation(portal.services.events, {
        rate,
        onError: (error) =>
          process.stderr.write(`Simulator: ${error instanceof Error ? error.message : String(error)}\n`),
      });
      const running = simulation;
      stops.push(() => running.stop());
    }

    // Listen for signals before announcing ourselves: Ctrl-C may come the moment the banner shows.
    const stopped = untilSignal();
    process.stdout.write(
      [
        `cloudsiem up — portal ${portal.url} (SQLite in ${dataDir})`,
        `  sign in         ${login}`,
        receiver === undefined
          ? `  syslog          the agent sends to 127.0.0.1:${targetPort} (--no-receiver)`
          : `  syslog receiver 127.0.0.1:${receiver.port}, appending to ${receivedPath}`,
        agent === undefined
          ? '  agent           off (--no-agent): add one in the portal and run cloudsiem agent --token …'
          : `  agent           "${UP_AGENT_NAME}" (logs in ${agentLog.path})`,
        simulation === undefined
          ? '  simulator       off (--no-simulator)'
          : `  simulator       about ${rate} activities/s`,
        '  Ctrl-C stops everything.',
        '',
      ].join('\n'),
    );

    let last = { activities: 0, alerts: 0, at: Date.now() };
    const status = setInterval(() => {
      void (async () => {
        const now = Date.now();
        const seconds = (now - last.at) / 1000;
        const stats = agent?.stats();
        const sent = { activities: stats?.activities.eventsSent ?? 0, alerts: stats?.alerts.eventsSent ?? 0 };
        const state =
          agentId === undefined
            ? 'no agent'
            : (await portal.services.agents.get(agentId).catch(() => null))?.status;
        process.stdout.write(
          `agent ${state ?? 'unknown'}, syslog ${stats?.syslog.state ?? '-'}: ` +
            `activities ${((sent.activities - last.activities) / seconds).toFixed(1)}/s, ` +
            `alerts ${((sent.alerts - last.alerts) / seconds).toFixed(1)}/s` +
            (receiver === undefined ? '' : `, ${received} lines in ${receivedPath}`) +
            '\n',
        );
        last = { ...sent, at: now };
      })();
    }, statusIntervalS * 1000);
    stops.push(() => Promise.resolve(clearInterval(status)));

    await stopped;
    await stopAll();
    const sentTotal = (agent?.stats().activities.eventsSent ?? 0) + (agent?.stats().alerts.eventsSent ?? 0);
    process.stdout.write(
      `Stopped: ${sentTotal} events sent by the agent${receiver === undefined ? '' : `, ${received} lines received`}.\n`,
    );
    return 0;
  } catch (error) {
    await stopAll();
    throw error;
  } finally {
    portalLog.end();
    agentLog.end();
  }
};
