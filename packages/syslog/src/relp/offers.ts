// The RELP session layer above framing (librelp doc/relp.html): the client's `open` offers, the
// `rsp` data (`CODE [SP TEXT] [LF BODY]`), and the check of the server's answer to `open`.
import { formatAddress, SyslogError } from '../errors.ts';

/** The only RELP protocol version there is; a server answering another one is refused. */
export const RELP_VERSION = 0;

/** `name=value,value` lines; a value may itself be absent (`name`). */
export type Offers = Map<string, string[]>;

export function encodeOffers(offers: Offers): string {
  return [...offers]
    .map(([name, values]) => (values.length === 0 ? name : `${name}=${values.join(',')}`))
    .join('\n');
}

export function parseOffers(text: string): Offers {
  const offers: Offers = new Map();
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const eq = line.indexOf('=');
    const name = eq === -1 ? line : line.slice(0, eq);
    const values = eq === -1 ? [] : line.slice(eq + 1).split(',');
    offers.set(name, values);
  }
  return offers;
}

/** What the client offers in `open`: version 0, who it is, and the one command it needs. */
export function openOffers(software: string): string {
  return encodeOffers(
    new Map([
      ['relp_version', [String(RELP_VERSION)]],
      ['relp_software', [software]],
      ['commands', ['syslog']],
    ]),
  );
}

export interface RelpResponse {
  /** 200 for success, 500 for an error (RELP defines no others). */
  code: number;
  /** The human-readable text after the code. */
  text: string;
  /** What follows the first LF (the server's offers, for `open`). */
  body: string;
}

/** Parses the data of an `rsp` frame; throws SYSLOG_RELP_PROTOCOL when it has no 3-digit code. */
export function parseResponse(data: Buffer): RelpResponse {
  const text = data.toString('utf8');
  const match = /^(\d{3})(?: ([^\n]*))?(?:\n([\s\S]*))?$/.exec(text);
  if (match === null) {
    throw new SyslogError(
      'SYSLOG_RELP_PROTOCOL',
      `malformed RELP response from the server: ${JSON.stringify(text.slice(0, 80))}`,
    );
  }
  return { code: Number(match[1]), text: match[2] ?? '', body: match[3] ?? '' };
}

/**
 * Checks the server's answer to `open`: success, a version we speak, and the `syslog` command
 * offered (a server may be configured to require other commands, or to offer none we need).
 * Returns the server's offers; throws SYSLOG_RELP_OPEN saying what was wrong.
 */
export function checkOpenResponse(response: RelpResponse, host: string, port: number): Offers {
  const where = `RELP server ${formatAddress(host, port)}`;
  if (response.code !== 200) {
    throw new SyslogError(
      'SYSLOG_RELP_OPEN',
      `${where} refused the session: ${response.code} ${response.text}`.trimEnd(),
    );
  }
  const offers = parseOffers(response.body);
  const version = offers.get('relp_version')?.[0];
  if (version === undefined || !/^\d+$/.test(version)) {
    throw new SyslogError('SYSLOG_RELP_OPEN', `${where} answered open without a relp_version`);
  }
  if (Number(version) !== RELP_VERSION) {
    throw new SyslogError(
      'SYSLOG_RELP_OPEN',
      `${where} speaks RELP version ${version}; this sender speaks version ${RELP_VERSION}`,
    );
  }
  const commands = offers.get('commands') ?? [];
  if (!commands.includes('syslog')) {
    throw new SyslogError(
      'SYSLOG_RELP_OPEN',
      `${where} does not offer the syslog command (it offers: ${commands.join(', ') || 'none'})`,
    );
  }
  return offers;
}
