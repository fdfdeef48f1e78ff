// `cloudsiem agent` options (DESIGN §2): the seed's --token / --logsDirectory / --proxy plus
// --token-file, CLOUDSIEM_TOKEN, --ca-file, --metrics-port, --portal-url and --replay-window-bytes. Parsed once, every
// problem reported at once as `option: message`; files are read here so the daemon never fails on them later.
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { parseAgentToken } from '@cloudsiem/protocol';
import { AgentError } from './errors.ts';
import type { ProxyAddress } from './source/portal-client.ts';

export const DEFAULT_PROXY_PORT = 8080;
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error'] as const;

export interface AgentCommandInput {
  token?: string | undefined;
  tokenFile?: string | undefined;
  /** process.env.CLOUDSIEM_TOKEN */
  envToken?: string | undefined;
  logsDirectory?: string | undefined;
  proxy?: string | undefined;
  caFile?: string | undefined;
  metricsPort?: string | undefined;
  portalUrl?: string | undefined;
  logLevel?: string | undefined;
  replayWindowBytes?: string | undefined;
}

export interface AgentCommandOptions {
  token: string;
  agentId: string;
  /** From the token, or --portal-url. */
  portalUrl: string;
  proxy?: ProxyAddress;
  ca?: string;
  logsDirectory?: string;
  metricsPort?: number;
  logLevel: (typeof LOG_LEVELS)[number];
  /** Overrides the replay window sized from this host (docs/RELIABILITY.md). */
  replayWindowBytes?: number;
}

const HOST_NAME =
  /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

/** `ADDRESS[:PORT]` (an IPv6 address in brackets when a port follows), an optional http:// in front. */
export function parseProxy(text: string): ProxyAddress {
  const invalid = (why: string) =>
    new AgentError('PROXY_INVALID', `Invalid proxy address ${JSON.stringify(text)}: ${why}`);
  let rest = text.trim();
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(rest);
  if (scheme !== null) {
    if (scheme[1]!.toLowerCase() !== 'http')
      throw invalid('only an HTTP CONNECT proxy (http://) is supported');
    rest = rest.slice(scheme[0].length).replace(/\/$/, '');
  }
  if (rest.includes('@')) throw invalid('proxy credentials are not supported');
  let host: string;
  let portText: string | undefined;
  const bracketed = /^\[([^\]]+)\](?::(.*))?$/.exec(rest);
  if (bracketed !== null) {
    host = bracketed[1]!;
    portText = bracketed[2];
    if (isIP(host) !== 6) throw invalid('brackets hold an IPv6 address');
  } else if (isIP(rest) === 6) {
    host = rest;
  } else {
    const colon = rest.lastIndexOf(':');
    host = colon === -1 ? rest : rest.slice(0, colon);
    portText = colon === -1 ? undefined : rest.slice(colon + 1);
    if (isIP(host) !== 4 && !HOST_NAME.test(host))
      throw invalid('expected a host name or IP address, then optionally :PORT');
  }
  let port = DEFAULT_PROXY_PORT;
  if (portText !== undefined) {
    port = Number(portText);
    if (!/^\d{1,5}$/.test(portText) || port < 1 || port > 65535) throw invalid('the port must be 1–65535');
  }
  return { host, port };
}

function readText(file: string, option: string, problems: string[]): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    problems.push(`${option}: cannot read ${file}${code === undefined ? '' : ` (${code})`}`);
    return undefined;
  }
}

/** Validates everything at once; throws AgentError AGENT_OPTIONS (or PROXY_INVALID) listing each problem. */
export function parseAgentOptions(input: AgentCommandInput): AgentCommandOptions {
  const problems: string[] = [];
  let proxyError: AgentError | undefined;

  const given = [
    input.token !== undefined ? '--token' : null,
    input.tokenFile !== undefined ? '--token-file' : null,
  ].filter((x) => x !== null);
  if (given.length > 1) problems.push('--token, --token-file: give one of them, not both');
  let token: string | undefined;
  if (input.token !== undefined) token = input.token;
  else if (input.tokenFile !== undefined) token = readText(input.tokenFile, '--token-file', problems);
  else if (input.envToken !== undefined && input.envToken !== '') token = input.envToken;
  token = token?.trim();
  let agentId = '';
  let portalUrl = '';
  if (token === undefined) {
    if (given.length === 0)
      problems.push('--token: required (or --token-file FILE, or the CLOUDSIEM_TOKEN environment variable)');
  } else {
    const parts = parseAgentToken(token);
    if (parts === null) {
      problems.push(
        "token: this is not a cloudsiem agent token (they start with csat_): copy it again from the portal's SIEM agents page, or regenerate it there",
      );
    } else {
      agentId = parts.agentId;
      portalUrl = parts.portalUrl;
    }
  }

  if (input.portalUrl !== undefined) {
    if (URL.canParse(input.portalUrl) && /^https?:\/\//i.test(input.portalUrl))
      portalUrl = input.portalUrl.replace(/\/+$/, '');
    else
      problems.push(
        `--portal-url: must be an http:// or https:// URL, got ${JSON.stringify(input.portalUrl)}`,
      );
  }
  if (portalUrl.startsWith('http://')) {
    const { hostname } = new URL(portalUrl);
    // Plain HTTP only on loopback, for development: the token would cross the network in clear.
    if (!['localhost', '127.0.0.1', '[::1]'].includes(hostname))
      problems.push(
        `portal URL: ${portalUrl} is plain HTTP on a non-loopback host; the agent requires HTTPS there (use --portal-url https://…)`,
      );
  }

  let proxy: ProxyAddress | undefined;
  if (input.proxy !== undefined) {
    try {
      proxy = parseProxy(input.proxy);
    } catch (error) {
      if (!(error instanceof AgentError)) throw error;
      proxyError = error;
      problems.push(`--proxy: ${error.message}`);
    }
  }

  let ca: string | undefined;
  if (input.caFile !== undefined) {
    ca = readText(input.caFile, '--ca-file', problems);
    if (ca !== undefined && !ca.includes('-----BEGIN CERTIFICATE-----'))
      problems.push(`--ca-file: ${input.caFile} holds no PEM certificate`);
  }

  let metricsPort: number | undefined;
  if (input.metricsPort !== undefined) {
    metricsPort = Number(input.metricsPort);
    if (!/^\d{1,5}$/.test(input.metricsPort) || metricsPort > 65535)
      problems.push(
        `--metrics-port: must be a port number from 0 to 65535, got ${JSON.stringify(input.metricsPort)}`,
      );
  }

  let replayWindowBytes: number | undefined;
  if (input.replayWindowBytes !== undefined) {
    replayWindowBytes = Number(input.replayWindowBytes);
    if (!/^\d{1,15}$/.test(input.replayWindowBytes))
      problems.push(
        `--replay-window-bytes: must be a whole number of bytes (0 re-sends nothing after a loss), got ${JSON.stringify(input.replayWindowBytes)}`,
      );
  }

  const logLevel = (input.logLevel ?? 'info') as AgentCommandOptions['logLevel'];
  if (!LOG_LEVELS.includes(logLevel))
    problems.push(
      `--log-level: must be one of ${LOG_LEVELS.join(', ')}, got ${JSON.stringify(input.logLevel)}`,
    );

  if (problems.length === 1 && proxyError !== undefined) throw proxyError;
  if (problems.length > 0) throw new AgentError('AGENT_OPTIONS', problems.join('; '));
  return Object.freeze({
    token: token!,
    agentId,
    portalUrl,
    ...(proxy === undefined ? {} : { proxy }),
    ...(ca === undefined ? {} : { ca }),
    ...(input.logsDirectory === undefined ? {} : { logsDirectory: input.logsDirectory }),
    ...(metricsPort === undefined ? {} : { metricsPort }),
    ...(replayWindowBytes === undefined ? {} : { replayWindowBytes }),
    logLevel,
  });
}
