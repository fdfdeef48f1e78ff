// CEF escaping (ArcSight CEF implementation standard): header fields escape `\` and `|`;
// extension values escape `\` and `=` and write CR/LF as `\r`/`\n`, and the Unicode line breaks
// NEL, LS and PS (which some parsers split lines on) as `\n`. Other control characters (C0 except
// TAB, and DEL) become a space, as line breaks do in header fields, so no NUL or terminal escape
// reaches a SIEM.
// Values are truncated to their limit in UTF-8 bytes first, then escaped (never mid-escape).
import { truncateUtf8 } from './truncate.ts';

/* eslint-disable no-control-regex -- matching control characters is the point here */
// One character class per test, so the Unicode line breaks cost nothing on plain values.
const HEADER_SPECIAL = /[\x00-\x08\x0a-\x1f\x7f\x85\u2028\u2029\\|]/;
const HEADER_SPECIAL_G = /[\x00-\x08\x0a-\x1f\x7f\x85\u2028\u2029\\|]/g;
const EXTENSION_SPECIAL = /[\x00-\x08\x0a-\x1f\x7f\x85\u2028\u2029\\=]/;
const EXTENSION_SPECIAL_G = /[\x00-\x08\x0a-\x1f\x7f\x85\u2028\u2029\\=]/g;
/* eslint-enable no-control-regex */

function headerReplacement(ch: string): string {
  return ch === '\\' ? '\\\\' : ch === '|' ? '\\|' : ' ';
}

function extensionReplacement(ch: string): string {
  switch (ch) {
    case '\\':
      return '\\\\';
    case '=':
      return '\\=';
    case '\r':
      return '\\r';
    case '\n':
    case '\x85':
    case '\u2028':
    case '\u2029':
      return '\\n';
    default:
      return ' ';
  }
}

/** Escapes a header field (`\` → `\\`, `|` → `\|`, control characters and line breaks → space). */
export function escapeHeaderField(value: string): string {
  return HEADER_SPECIAL.test(value) ? value.replace(HEADER_SPECIAL_G, headerReplacement) : value;
}

/** True when an extension value needs neither escaping nor sanitising. */
export function isPlainExtensionValue(value: string): boolean {
  return !EXTENSION_SPECIAL.test(value);
}

/** Escapes an extension value (`\` `=` CR LF escaped, NEL LS PS → `\n`, other control characters → space). */
export function escapeExtensionValue(value: string): string {
  return EXTENSION_SPECIAL.test(value) ? value.replace(EXTENSION_SPECIAL_G, extensionReplacement) : value;
}

/** A header field as written: truncated to `maxBytes` UTF-8 bytes, then escaped. */
export function headerField(value: string, maxBytes: number): string {
  if (value.length * 3 > maxBytes) value = truncateUtf8(value, maxBytes);
  return HEADER_SPECIAL.test(value) ? value.replace(HEADER_SPECIAL_G, headerReplacement) : value;
}

/** An extension value as written: truncated to `maxBytes` UTF-8 bytes, then escaped. */
export function extensionValue(value: string, maxBytes: number): string {
  if (value.length * 3 > maxBytes) value = truncateUtf8(value, maxBytes);
  return EXTENSION_SPECIAL.test(value) ? value.replace(EXTENSION_SPECIAL_G, extensionReplacement) : value;
}
