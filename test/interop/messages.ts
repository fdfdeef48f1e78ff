// The messages the interop tests send: CEF lines in ASCII and in multi-byte UTF-8 carrying every CEF
// escape as text, Microsoft's MCAS samples, and lines with syslog prefixes (RFC 3164 / RFC 5424).
// None contains a raw CR or LF: CEF escapes them, and LF framing could not carry them.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

const FIXTURES = resolve(import.meta.dirname, '../../packages/cef/fixtures/mcas-compat.jsonl');

/** Every CEF escape as text: `\|` (header only), `\\`, `\=`, `\r` and `\n` (extension). */
export const ASCII_LINES: readonly string[] = [
  'CEF:0|cloudsiem|interop|1.0|100|Plain ASCII event|3|src=10.0.0.1 suser=alice@contoso.com msg=hello world',
  String.raw`CEF:0|cloud\|siem|interop \\ test|1.0|101|Pipe \| and backslash \\ in the header|5|msg=a=b c\\d`,
  String.raw`CEF:0|cloudsiem|interop|1.0|102|Extension escapes|7|msg=equals \= backslash \\ pipe | cr \r lf \n end cs1Label=path cs1=C:\\Windows\\System32`,
  String.raw`CEF:0|cloudsiem|interop|1.0|103|Trailing escapes|1|msg=\\ cs2=\= cs3=\n`,
  'CEF:0|cloudsiem|interop|1.0|104|Empty values and trailing spaces|0|cs4Label=policyIDs cs4= msg=  two spaces  ',
];

export const UTF8_LINES: readonly string[] = [
  String.raw`CEF:0|cloudsiem|interop|1.0|200|ユーザーがログインしました \| 日本語|3|suser=山田太郎@contoso.com msg=登录成功 \= 成功 \\ 完了 \n 次`,
  String.raw`CEF:0|cloudsiem|interop|1.0|201|تسجيل الدخول|5|suser=مستخدم@contoso.com msg=تم حذف الملف \= نعم \\ لا \r\n سطر`,
  String.raw`CEF:0|cloudsiem|interop|1.0|202|Emoji 🔐🚨 \| astral 𝄞 𠜎|9|msg=alert 🚨 \= 👩‍💻 \\ 🇫🇷 \n 𝕏 cs1=😀`,
  String.raw`CEF:0|cloudsiem|interop|1.0|203|Mixed Ünïcödé|4|msg=Zürich ß · Ελληνικά · Русский · עברית · हिन्दी · 한국어 \= ✓ cs5=é`,
];

/** The `expected` CEF lines of Microsoft's MCAS samples, some with a time and system name before CEF. */
export const MCAS_LINES: readonly string[] = readFileSync(FIXTURES, 'utf8')
  .split('\n')
  .filter((line) => line.trim() !== '')
  .map((line) => (JSON.parse(line) as { expected: string }).expected);

/** Lines with the syslog prefixes the sender can put before CEF: PRI + time + host, RFC 5424, RFC 3164. */
export const PREFIXED_LINES: readonly string[] = [
  '<134>2017-11-22T17:50:04.000Z host CEF:0|MCAS|SIEM_Agent|0.111.85|EVENT_CATEGORY_LOGOUT|Log out|0|suser=admin@contoso.com',
  String.raw`<134>2017-11-22T17:50:04.000Z LAB-EUW-ARCTEST CEF:0|MCAS|SIEM_Agent|0.112.68|EVENT|Delete \| object|0|msg=削除 \= 🗑`,
  '<134>1 2017-11-22T17:50:04.000Z host cloudsiem - - - CEF:0|cloudsiem|interop|1.0|300|RFC 5424 header|3|msg=ok',
  '<134>Nov 22 17:50:04 host CEF:0|cloudsiem|interop|1.0|301|RFC 3164 header|3|msg=ok',
  '<134>Nov  2 07:05:04 host CEF:0|cloudsiem|interop|1.0|302|RFC 3164, day space-padded|3|msg=ok',
];

/** Longer than the UDP cap: for stream transports only, to show the daemons keep long lines whole. */
export const LONG_LINE =
  'CEF:0|cloudsiem|interop|1.0|400|Long line|3|msg=' + 'Grüße 世界 🌍 \\= '.repeat(800) + 'end';

/** Everything under the default UDP cap: ASCII, UTF-8, MCAS and prefixed lines, in one order. */
export const DATAGRAM_MESSAGES: readonly string[] = [
  ...ASCII_LINES,
  ...UTF8_LINES,
  ...MCAS_LINES.slice(0, 6),
  ...PREFIXED_LINES,
  ...MCAS_LINES.slice(6),
];

/** The stream transports also carry the long line. */
export const STREAM_MESSAGES: readonly string[] = [...DATAGRAM_MESSAGES, LONG_LINE];

/**
 * What the sender must put in a datagram capped at `maxBytes`: the longest prefix of whole
 * characters within the cap, less a final backslash that would leave a cut escape (the sender
 * never cuts after an odd run of backslashes). Written independently of the sender's own code.
 */
export function expectedDatagram(message: string, maxBytes: number): string {
  let text = '';
  let bytes = 0;
  for (const char of message) {
    const size = Buffer.byteLength(char, 'utf8');
    if (bytes + size > maxBytes) break;
    text += char;
    bytes += size;
  }
  const backslashes = /\\*$/.exec(text)![0].length;
  return backslashes % 2 === 1 ? text.slice(0, -1) : text;
}

/**
 * Messages longer than a UDP cap of `maxBytes`, each built so the cap falls at a different hard
 * place: inside a 4-byte emoji, inside a 3-byte CJK character, and just after the `\` of a `\=`.
 */
export function overlongDatagrams(maxBytes: number): { name: string; message: string }[] {
  const head = (id: number, name: string): string => `CEF:0|cloudsiem|interop|1.0|${id}|${name}|3|msg=`;
  // Pads `text` with ASCII so that it is `length` bytes long modulo `modulo`.
  const padTo = (text: string, length: number, modulo: number): string => {
    const bytes = Buffer.byteLength(text, 'utf8');
    return text + 'x'.repeat((((length - bytes) % modulo) + modulo) % modulo);
  };
  const emoji = padTo(head(500, 'Cut inside an emoji'), maxBytes - 2, 4);
  const cjk = padTo(head(501, 'Cut inside a CJK character'), maxBytes - 1, 3);
  const escape = padTo(head(502, 'Cut inside an escape'), maxBytes - 1, maxBytes);
  return [
    { name: 'inside a 4-byte emoji', message: emoji + '😀'.repeat(Math.ceil(maxBytes / 4)) },
    { name: 'inside a 3-byte CJK character', message: cjk + '世'.repeat(Math.ceil(maxBytes / 3)) },
    { name: 'just after the backslash of \\=', message: escape + String.raw`\=after the cap` },
  ];
}
