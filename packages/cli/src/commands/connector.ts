// `cloudsiem connector test`: the portal's "Test connection" from a shell (DESIGN §9), for people
// checking upstream credentials before they configure the portal. One page of each stream,
// nothing stored; secrets only from files or stdin, never from the command line (visible in ps).
import { readFileSync } from 'node:fs';
import { parseProxy } from '@cloudsiem/agent';
import { connectorDefinition, systemClock, testConnection } from '@cloudsiem/portal';
import {
  CONNECTOR_SETTINGS_SCHEMAS,
  CONNECTOR_TYPES,
  secretFieldFor,
  type ConnectorTestResult,
  type ConnectorType,
} from '@cloudsiem/protocol';
import { parseChoice, parseCommandArgs } from '../args.ts';
import { CliError, type Command } from '../cli-error.ts';

const USAGE = `Usage: cloudsiem connector test --type TYPE [options]

Fetches one page of each stream of an upstream, stores nothing, and prints the first records with
the CEF line each would become — or exactly what failed (DNS, TLS, 401/403 with the permission
named, throttled). Exit 0 when it worked, 3 when the upstream refused or failed, 2 for bad options.

Options:
  --type mdca|graph-alerts|o365-management|cloudsiem
  --url URL                  the upstream's base URL (mdca: https://<tenant>.portal.cloudappsecurity.com;
                             cloudsiem: the other portal; graph and o365 have defaults)
  --auth oauth|token         mdca: Entra ID app (default) or the legacy API token
  --tenant ID                Entra tenant GUID or domain
  --client-id GUID           the Entra application (client) id
  --client-secret-file F     the client secret, from a file or - for stdin
  --token-file F             mdca --auth token, cloudsiem: the API token, from a file or - for stdin
  --authority-url URL        Entra authority (default https://login.microsoftonline.com)
  --data-types LIST          mdca, cloudsiem: activities,alerts (default both)
  --service-source NAME      graph-alerts: only this serviceSource (repeatable)
  --content-type NAME        o365-management: Audit.Exchange, Audit.SharePoint, … (repeatable)
  --publisher-id GUID        o365-management: PublisherIdentifier (default the tenant)
  --ca-file F                trust this CA (PEM) besides the system roots
  --proxy ADDRESS[:PORT]     an HTTP CONNECT proxy
  --lookback-hours N         how far back the page starts (default 48)
  --json                     print the result as JSON
  -h, --help                 this help`;

function readSecret(file: string, option: string): string {
  try {
    const text = readFileSync(file === '-' ? 0 : file, 'utf8').trim();
    if (text === '') throw new CliError(`${option}: ${file === '-' ? 'stdin' : file} is empty`);
    return text;
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw new CliError(
      `${option}: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? String(error)})`,
    );
  }
}

function print(result: ConnectorTestResult, type: ConnectorType): void {
  const out: string[] = [];
  for (const stream of result.streams) {
    out.push(
      `${stream.stream}: ${stream.fetched} record${stream.fetched === 1 ? '' : 's'} on the first page`,
    );
    for (const sample of stream.samples)
      out.push(
        sample.line !== null
          ? `  ${sample.line}`
          : `  REJECTED ${sample.upstreamId}: ${sample.rejected ?? ''}`,
      );
  }
  if (result.failure !== null) {
    const status = result.failure.status === null ? '' : `, HTTP ${result.failure.status}`;
    out.push(`FAILED (${result.failure.kind}${status}): ${result.failure.message}`);
  } else out.push(`OK: ${type} answered in ${result.elapsedMs} ms; nothing was stored`);
  process.stdout.write(`${out.join('\n')}\n`);
}

async function test(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs(
    argv,
    {
      type: { type: 'string' },
      url: { type: 'string' },
      auth: { type: 'string' },
      tenant: { type: 'string' },
      'client-id': { type: 'string' },
      'client-secret-file': { type: 'string' },
      'token-file': { type: 'string' },
      'authority-url': { type: 'string' },
      'data-types': { type: 'string' },
      'service-source': { type: 'string', multiple: true },
      'content-type': { type: 'string', multiple: true },
      'publisher-id': { type: 'string' },
      'ca-file': { type: 'string' },
      proxy: { type: 'string' },
      'lookback-hours': { type: 'string' },
      json: { type: 'boolean' },
    },
    USAGE,
  );
  if (values.help === true) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const type = parseChoice(values.type, CONNECTOR_TYPES, '--type');
  const dataTypes =
    values['data-types'] === undefined
      ? undefined
      : {
          activities: values['data-types'].split(',').includes('activities'),
          alerts: values['data-types'].split(',').includes('alerts'),
        };
  const raw: Record<string, unknown> = {
    url: values.url,
    auth: type === 'mdca' ? (values.auth ?? 'oauth') : undefined,
    tenantId: values.tenant,
    clientId: values['client-id'],
    authorityUrl: values['authority-url'],
    dataTypes: type === 'mdca' || type === 'cloudsiem' ? dataTypes : undefined,
    serviceSources: type === 'graph-alerts' ? values['service-source'] : undefined,
    contentTypes: type === 'o365-management' ? values['content-type'] : undefined,
    publisherId: type === 'o365-management' ? values['publisher-id'] : undefined,
  };
  for (const key of Object.keys(raw)) if (raw[key] === undefined) delete raw[key];
  const parsed = CONNECTOR_SETTINGS_SCHEMAS[type].safeParse(raw);
  if (!parsed.success) {
    const flag: Record<string, string> = {
      tenantId: '--tenant',
      clientId: '--client-id',
      authorityUrl: '--authority-url',
      serviceSources: '--service-source',
      contentTypes: '--content-type',
      publisherId: '--publisher-id',
      dataTypes: '--data-types',
    };
    throw new CliError(
      parsed.error.issues
        .map((i) => `${flag[String(i.path[0])] ?? `--${String(i.path[0] ?? 'settings')}`}: ${i.message}`)
        .join('\n'),
    );
  }
  const field = secretFieldFor(type, parsed.data as { auth?: string });
  const file = field === 'token' ? values['token-file'] : values['client-secret-file'];
  if (file === undefined)
    throw new CliError(
      `${field === 'token' ? '--token-file' : '--client-secret-file'} is required for ${type}${type === 'mdca' ? ` --auth ${String(raw.auth)}` : ''}`,
    );
  const secret = { [field]: readSecret(file, field === 'token' ? '--token-file' : '--client-secret-file') };
  let proxy: { host: string; port: number } | undefined;
  if (values.proxy !== undefined) {
    try {
      proxy = parseProxy(values.proxy);
    } catch (error) {
      throw new CliError(`--proxy: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  const ca = values['ca-file'] === undefined ? undefined : readSecret(values['ca-file'], '--ca-file');
  const hours = Number(values['lookback-hours'] ?? 48);
  if (!Number.isInteger(hours) || hours < 1 || hours > 24 * 30)
    throw new CliError('--lookback-hours must be a whole number of hours from 1 to 720');
  const definition = connectorDefinition(type);
  if (definition === undefined)
    throw new CliError(`the ${type} connector type is not available in this build`, 1);
  const result = await testConnection(definition, parsed.data as never, secret, {
    clock: systemClock,
    logger: { info() {}, warn() {}, error: (_obj, msg) => process.stderr.write(`${msg}\n`) },
    network: { ...(ca === undefined ? {} : { ca }), ...(proxy === undefined ? {} : { proxy }) },
    publicUrl: 'https://cloudsiem.invalid',
    initialLookbackMs: hours * 3600_000,
  });
  if (values.json === true) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  else print(result, type);
  return result.ok ? 0 : 3;
}

export const connector: Command = async (argv) => {
  const [sub, ...rest] = argv;
  if (sub === 'test') return test(rest);
  if (sub === '-h' || sub === '--help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  throw new CliError(`unknown connector command ${JSON.stringify(sub ?? '')}\n${USAGE}`);
};
