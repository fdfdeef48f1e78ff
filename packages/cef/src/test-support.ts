// Test oracles for this package: slow, obviously-correct versions of the fast code.

/** Truncation to UTF-8 bytes, code point by code point; lone surrogates count 3 bytes (U+FFFD). */
export function referenceTruncateUtf8(str: string, maxBytes: number): string {
  let out = '';
  let bytes = 0;
  for (const ch of str) {
    const cp = ch.codePointAt(0)!;
    const size = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
    if (bytes + size > maxBytes) break;
    bytes += size;
    out += ch;
  }
  return out;
}
