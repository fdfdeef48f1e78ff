// `cloudsiem portal`: the portal alone (DESIGN §2) — the store (SQLite by default, or
// PostgreSQL), the admin REST API and the agent API over HTTP or HTTPS. Runs until SIGINT/SIGTERM.
import { chmodSync, existsSync } from 'node:fs';
import pino from 'pino';
import { parseProxy } from '@cloudsiem/agent';
import {
  DEFAULT_DATABASE_URL,
  SecretBoxError,
  StoreError,
  parseDatabaseUrl,
  parseSecretKey,
  readSecretKeyFile,
  startPortal,
  type Portal,
} from '@cloudsiem/portal';
import { parseCommandArgs, parsePort, readPem } from '../args.ts';
import { CliError, type Command } from '../cli-error.ts';
import { untilSignal } from '../signals.ts';

const USAGE = `Usage: cloudsiem portal [options]

The cloudsiem portal: stores activities and alerts, runs policies, manages SIEM agents and their
tokens, and serves the admin REST API (/api/v1), the agent API (/api/agent/v1) and
/api/openapi.json. Logs are JSON lines on stdout.

Options:
  --database URL          sqlite:PATH (default ${DEFAULT_DATABASE_URL}) or
                          postgres://user@host:5432/db[?schema=NAME]
  --port N                port to listen on (default 8080; 0 picks a free one)
  --host ADDRESS          address to listen on (default 127.0.0.1; 0.0.0.0 for agents on other hosts)
  --public-url URL        the URL agents and browsers use (goes into agent tokens and CEF links);
                          default http(s)://HOST:PORT
  --tls-cert FILE         serve HTTPS (TLS 1.2 or later) with this certificate chain (PEM)...
  --tls-key FILE          ...and this key (PEM)
  --backfill-hours N      what a new or re-enabled agent receives first (default 48)
  --retention-days N      delete events ingested longer ago (default 30; 0 keeps everything)
  --secret-key-file FILE  the 32-byte key (base64 or hex) sealing connector secrets; every portal
                          sharing a database needs the same one (make one: openssl rand -base64 32).
                          Without a key everything runs but connectors cannot be saved or run
  --connector-ca-file F   a CA (PEM) connectors trust besides the system roots (a private upstream,
                          a TLS-inspecting proxy)
  --connector-proxy A[:P] an HTTP CONNECT proxy the connectors reach their upstreams through
  --log-level LEVEL       trace|debug|info|warn|error (default info)
  -h, --help              this help

Environment:
  CLOUDSIEM_ADMIN_PASSWORD  the first admin's password, when the store has no admin yet
                            (never printed; otherwise one is generated and printed once)
  CLOUDSIEM_SECRET_KEY      the connector secret key, when --secret-key-file is not given

A SQLite database, its -wal/-shm files and the folders created for them are readable by this
user only (0600/0700).`;

/** What the banner says instead of a password that came from the environment. */
export const ENV_PASSWORD_TEXT = 'the password you set in CLOUDSIEM_ADMIN_PASSWORD';

/**
 * Files this process creates are its user's alone (0600, folders 0700): the SQLite database holds
 * password and token hashes and the security events. Set before the store is opened.
 */
export function privateFiles(): void {
  process.umask(0o077);
}

/**
 * A SQLite database made by an earlier version may be world-readable: its file and -wal/-shm
 * become 0600. (Folders that already existed keep their mode: they may be shared, e.g. /var/lib.)
 */
export function restrictSqliteFiles(databaseUrl: string): void {
  const parsed = parseDatabaseUrl(databaseUrl);
  if (parsed.dialect !== 'sqlite' || parsed.target === ':memory:') return;
  for (const path of [parsed.target, `${parsed.target}-wal`, `${parsed.target}-shm`]) {
    if (existsSync(path)) chmodSync(path, 0o600);
  }
}

/**
 * The connector secret key: --secret-key-file, else CLOUDSIEM_SECRET_KEY, else none (connectors
 * off). A key that is not 32 bytes of base64 or hex is a one-line error.
 */
export function secretKeyOption(
  file: string | undefined,
  environment: string | undefined,
): Buffer | undefined {
  try {
    if (file !== undefined) return readSecretKeyFile(file);
    if (environment !== undefined && environment !== '')
      return parseSecretKey(environment, 'CLOUDSIEM_SECRET_KEY');
    return undefined;
  } catch (error) {
    if (error instanceof SecretBoxError) throw new CliError(error.message);
    throw error;
  }
}

function positiveNumber(text: string | undefined, option: string, fallback: number): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!/^\d+(\.\d+)?$/.test(text) || !Number.isFinite(value)) {
    throw new CliError(`${option} must be a non-negative number, got ${JSON.stringify(text)}`);
  }
  return value;
}

function publicUrl(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  try {
    const url = new URL(text);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('not http(s)');
    return text;
  } catch {
    throw new CliError(`--public-url must be an http:// or https:// URL, got ${JSON.stringify(text)}`);
  }
}

/**
 * Prints the portal URL and, on a first start, the first admin's login: a generated password is
 * shown this once; one from CLOUDSIEM_ADMIN_PASSWORD never (it would land in logs and scrollback).
 */
export function printStartBanner(
  portal: Portal,
  write: (line: string) => void,
  passwordFromEnvironment: boolean,
): void {
  write(`cloudsiem portal listening on ${portal.url} (public URL ${portal.publicUrl})`);
  if (portal.firstAdmin === null) return;
  if (passwordFromEnvironment) {
    write(`First admin created: ${portal.firstAdmin.email} / ${ENV_PASSWORD_TEXT}`);
  } else {
    write(`First admin created: ${portal.firstAdmin.email} / ${portal.firstAdmin.password}`);
    write('This password is shown once: sign in and add your own admins.');
  }
}

export const portal: Command = async (argv) => {
  const { values } = parseCommandArgs(
    argv,
    {
      database: { type: 'string' },
      port: { type: 'string' },
      host: { type: 'string' },
      'public-url': { type: 'string' },
      'tls-cert': { type: 'string' },
      'tls-key': { type: 'string' },
      'backfill-hours': { type: 'string' },
      'retention-days': { type: 'string' },
      'log-level': { type: 'string' },
      'secret-key-file': { type: 'string' },
      'connector-ca-file': { type: 'string' },
      'connector-proxy': { type: 'string' },
    },
    USAGE,
  );
  if (values.help === true) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if ((values['tls-cert'] === undefined) !== (values['tls-key'] === undefined)) {
    throw new CliError('--tls-cert and --tls-key go together');
  }
  const tls =
    values['tls-cert'] === undefined || values['tls-key'] === undefined
      ? undefined
      : { cert: readPem(values['tls-cert'], '--tls-cert'), key: readPem(values['tls-key'], '--tls-key') };
  const level = values['log-level'] ?? 'info';
  if (!['trace', 'debug', 'info', 'warn', 'error'].includes(level)) {
    throw new CliError(
      `--log-level must be one of trace, debug, info, warn, error, got ${JSON.stringify(level)}`,
    );
  }
  const url = publicUrl(values['public-url']);
  const firstAdminPassword = process.env.CLOUDSIEM_ADMIN_PASSWORD || undefined;
  if (firstAdminPassword !== undefined && firstAdminPassword.length < 12) {
    throw new CliError('CLOUDSIEM_ADMIN_PASSWORD must be at least 12 characters');
  }
  const secretKey = secretKeyOption(values['secret-key-file'], process.env.CLOUDSIEM_SECRET_KEY);
  let proxy: { host: string; port: number } | undefined;
  if (values['connector-proxy'] !== undefined) {
    try {
      proxy = parseProxy(values['connector-proxy']);
    } catch (error) {
      throw new CliError(`--connector-proxy: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  const ca =
    values['connector-ca-file'] === undefined
      ? undefined
      : readPem(values['connector-ca-file'], '--connector-ca-file').toString('utf8');
  const databaseUrl = values.database ?? DEFAULT_DATABASE_URL;
  privateFiles();
  let running: Portal;
  try {
    running = await startPortal({
      databaseUrl,
      host: values.host ?? '127.0.0.1',
      port: values.port === undefined ? 8080 : parsePort(values.port, '--port'),
      ...(url === undefined ? {} : { publicUrl: url }),
      ...(tls === undefined ? {} : { tls }),
      logger: pino({ level, base: { service: 'cloudsiem-portal' } }),
      settings: {
        backfillHours: positiveNumber(values['backfill-hours'], '--backfill-hours', 48),
        retentionDays: positiveNumber(values['retention-days'], '--retention-days', 30),
      },
      ...(firstAdminPassword === undefined ? {} : { firstAdminPassword }),
      ...(secretKey === undefined ? {} : { secretKey }),
      ...(ca === undefined && proxy === undefined
        ? {}
        : {
            upstreamNetwork: {
              ...(ca === undefined ? {} : { ca }),
              ...(proxy === undefined ? {} : { proxy }),
            },
          }),
    });
  } catch (error) {
    if (error instanceof StoreError) throw new CliError(error.message, 1);
    if (error instanceof Error && 'code' in error && error.code === 'EADDRINUSE') {
      throw new CliError(`cannot listen: the port is in use (pick another with --port)`, 1);
    }
    throw error;
  }
  restrictSqliteFiles(databaseUrl);
  // Listen for signals before saying we listen: a supervisor may stop us the moment it reads it.
  const stopped = untilSignal();
  // One write, so whoever reads the output sees the whole banner at once.
  const banner: string[] = [];
  printStartBanner(running, (line) => banner.push(line), firstAdminPassword !== undefined);
  process.stdout.write(`${banner.join('\n')}\n`);
  await stopped;
  await running.close();
  return 0;
};
