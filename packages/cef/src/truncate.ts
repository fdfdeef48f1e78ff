// Truncation to a number of UTF-8 bytes that never splits a character: the CEF spec's limits
// count bytes, and a cut surrogate pair would reach the wire as U+FFFD.

/**
 * Returns the longest prefix of `str` whose UTF-8 encoding is at most `maxBytes` bytes, cut
 * between code points. A lone surrogate counts as 3 bytes (it is written as U+FFFD).
 */
export function truncateUtf8(str: string, maxBytes: number): string {
  // Every UTF-16 code unit is at most 3 UTF-8 bytes (a surrogate pair is 2 units, 4 bytes).
  if (str.length * 3 <= maxBytes) return str;
  if (!(maxBytes >= 0)) throw new RangeError(`maxBytes must be >= 0, got ${maxBytes}`);
  // Most values fit: let the native byte count say so before walking the string.
  if (str.length <= maxBytes && Buffer.byteLength(str, 'utf8') <= maxBytes) return str;
  const n = str.length;
  let bytes = 0;
  for (let i = 0; i < n; i++) {
    const c = str.charCodeAt(i);
    let size = 3;
    if (c < 0x80) size = 1;
    else if (c < 0x800) size = 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < n) {
      const next = str.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) size = 4;
    }
    bytes += size;
    if (bytes > maxBytes) return str.slice(0, i);
    if (size === 4) i++;
  }
  return str;
}
