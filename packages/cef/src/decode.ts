// CEF decoding (ArcSight CEF implementation standard): splits a syslog line into its prefix, the
// seven header fields and the extension's key=value pairs, undoing the escapes exactly. Used by
// the test receiver (`cloudsiem receive --json`) and the round-trip tests of the encoder.
import { CefDecodeError } from './errors.ts';

export interface DecodedCef {
  /** Everything before `CEF:` (the syslog time, PRI, system name…), unchanged. */
  readonly prefix: string;
  /** The CEF format version (`CEF:0` → 0). */
  readonly version: number;
  readonly vendor: string;
  readonly product: string;
  readonly deviceVersion: string;
  /** Device Event Class ID. */
  readonly signature: string;
  readonly name: string;
  /** As written: `0`–`10`, or a word (`Low`, `High`, …) in later versions of the spec. */
  readonly severity: string;
  /** The extension's pairs in a null-prototype object, values unescaped; the last of a repeated key wins. */
  readonly extension: Record<string, string>;
}

// A key is [A-Za-z0-9_.-[]]+ at the start or after a space, followed by `=`. A key character is
// never `\`, so that `=` is never an escaped one, and a value runs until the next such key.
const KEY = /(?:^| )([A-Za-z0-9_.[\]-]+)=/g;
const HEADER_ESCAPE = /\\([\\|])/g;
const EXTENSION_ESCAPE = /\\([\\=rn])/g;

function unescapeHeader(raw: string): string {
  return raw.includes('\\') ? raw.replace(HEADER_ESCAPE, '$1') : raw;
}

function extensionUnescape(_match: string, ch: string): string {
  return ch === 'r' ? '\r' : ch === 'n' ? '\n' : ch;
}

function unescapeExtension(raw: string): string {
  // Unknown escapes (`\x`) are kept as written, backslash included.
  return raw.includes('\\') ? raw.replace(EXTENSION_ESCAPE, extensionUnescape) : raw;
}

/** Parses the extension part (everything after the seventh unescaped `|`). */
export function decodeExtension(text: string): Record<string, string> {
  const pairs = Object.create(null) as Record<string, string>;
  if (text === '') return pairs;
  KEY.lastIndex = 0;
  let match = KEY.exec(text);
  if (match === null || match.index !== 0) {
    throw new CefDecodeError(`The CEF extension does not start with key=value: ${preview(text)}`);
  }
  let key = match[1]!;
  let valueStart = KEY.lastIndex;
  while ((match = KEY.exec(text)) !== null) {
    pairs[key] = unescapeExtension(text.slice(valueStart, match.index));
    key = match[1]!;
    valueStart = KEY.lastIndex;
  }
  pairs[key] = unescapeExtension(text.slice(valueStart));
  return pairs;
}

function preview(text: string): string {
  return JSON.stringify(text.length > 60 ? `${text.slice(0, 60)}…` : text);
}

/**
 * Decodes one CEF line (a trailing LF or CRLF is ignored). Throws CefDecodeError when the line
 * has no `CEF:` marker, fewer than seven header fields, or an extension that is not key=value.
 */
export function decode(line: string): DecodedCef {
  if (line.endsWith('\n')) line = line.slice(0, line.endsWith('\r\n') ? -2 : -1);
  const start = line.startsWith('CEF:') ? 0 : line.indexOf(' CEF:') + 1;
  if (start === 0 && !line.startsWith('CEF:')) {
    throw new CefDecodeError(`Not a CEF message (no "CEF:" marker): ${preview(line)}`);
  }
  // The seven header fields end at the first seven pipes not escaped by a backslash.
  const fields: string[] = [];
  const n = line.length;
  let fieldStart = start + 4;
  for (let i = fieldStart; i < n && fields.length < 7; i++) {
    const c = line.charCodeAt(i);
    if (c === 0x5c /* \ */) i++;
    else if (c === 0x7c /* | */) {
      fields.push(line.slice(fieldStart, i));
      fieldStart = i + 1;
    }
  }
  if (fields.length < 7) {
    throw new CefDecodeError(
      `A CEF header has 7 fields separated by "|", found ${fields.length}: ${preview(line)}`,
    );
  }
  const [version, vendor, product, deviceVersion, signature, name, severity] = fields as [
    string,
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  if (!/^\d{1,9}$/.test(version)) throw new CefDecodeError(`Bad CEF version ${preview(version)}`);
  return {
    prefix: line.slice(0, start),
    version: Number(version),
    vendor: unescapeHeader(vendor),
    product: unescapeHeader(product),
    deviceVersion: unescapeHeader(deviceVersion),
    signature: unescapeHeader(signature),
    name: unescapeHeader(name),
    severity: unescapeHeader(severity),
    extension: decodeExtension(line.slice(fieldStart)),
  };
}
