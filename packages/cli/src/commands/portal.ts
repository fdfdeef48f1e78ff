// `cloudsiem portal`: the portal alone (DESIGN §2) — the store (SQLite by default, or
// PostgreSQL), the admin REST API and the agent API over HTTP or HTTPS. Runs until SIGINT/SIGTERM.
import pino from 'pino';
import { DEFAULT_DATABASE_URL, StoreError, startPortal, type Portal } from '@cloudsiem/portal';
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
  --log-level LEVEL       trace|debug|info|warn|error (default info)
  -h, --help              this help

Environment:
  CLOUDSIEM_ADMIN_PASSWORD  the first admin's password, when the store has no admin yet
                            (otherwise one is generated and printed once)`;

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

/** Prints the portal URL and, on a first start, the first admin's login (shown this once). */
export function printStartBanner(portal: Portal, write: (line: string) => void): void {
  write(`cloudsiem portal listening on ${portal.url} (public URL ${portal.publicUrl})`);
  if (portal.firstAdmin !== null) {
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
  let running: Portal;
  try {
    running = await startPortal({
      databaseUrl: values.database ?? DEFAULT_DATABASE_URL,
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
    });
  } catch (error) {
    if (error instanceof StoreError) throw new CliError(error.message, 1);
    if (error instanceof Error && 'code' in error && error.code === 'EADDRINUSE') {
      throw new CliError(`cannot listen: the port is in use (pick another with --port)`, 1);
    }
    throw error;
  }
  // Listen for signals before saying we listen: a supervisor may stop us the moment it reads it.
  const stopped = untilSignal();
  // One write, so whoever reads the output sees the whole banner at once.
  const banner: string[] = [];
  printStartBanner(running, (line) => banner.push(line));
  process.stdout.write(`${banner.join('\n')}\n`);
  await stopped;
  await running.close();
  return 0;
};
