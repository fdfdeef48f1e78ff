// One rule for text from clients: NUL cannot be stored in PostgreSQL text and lone surrogates
// cannot be encoded as UTF-8, so NUL becomes a space (as the CEF encoder would write it) and a
// lone surrogate U+FFFD. Applied to every request and every ingested record, so SQLite,
// PostgreSQL, the API and the CEF lines all carry the same characters.

export function cleanText(value: string): string {
  const wellFormed = value.isWellFormed() ? value : value.toWellFormed();
  return wellFormed.includes('\0') ? wellFormed.replaceAll('\0', ' ') : wellFormed;
}

/** Deeper than any request the API takes; a deeper body is refused, not recursed into. */
export const MAX_JSON_DEPTH = 64;

export class TooDeepError extends Error {
  constructor() {
    super(`the JSON is nested deeper than ${MAX_JSON_DEPTH} levels`);
    this.name = 'TooDeepError';
  }
}

/**
 * Cleans every string in a parsed JSON value, keys included. Copies only what changes: a value
 * with nothing to clean (nearly every record) comes back as itself, so a batch is not copied
 * before validation copies it again.
 */
export function cleanJson(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return cleanText(value);
  if (value === null || typeof value !== 'object') return value;
  if (depth >= MAX_JSON_DEPTH) throw new TooDeepError();
  if (Array.isArray(value)) {
    let copy: unknown[] | null = null;
    for (let i = 0; i < value.length; i += 1) {
      const item: unknown = value[i];
      const clean = cleanJson(item, depth + 1);
      if (copy === null && clean !== item) copy = value.slice(0, i);
      copy?.push(clean);
    }
    return copy ?? value;
  }
  const entries = Object.entries(value);
  let changed = false;
  for (const entry of entries) {
    const key = cleanText(entry[0]);
    const clean = cleanJson(entry[1], depth + 1);
    if (key !== entry[0] || clean !== entry[1]) {
      changed = true;
      entry[0] = key;
      entry[1] = clean;
    }
  }
  return changed ? Object.fromEntries(entries) : value;
}

/**
 * `head` + the JSON texts (strings, or UTF-8 bytes) joined by commas + `tail`, as UTF-8 bytes
 * written once into one buffer.
 * For a pull page of 1,000 stored records (~800 KB) this is about 4× cheaper than joining the
 * strings and encoding the result: no rope to flatten, no second copy.
 */
export function joinJson(
  head: string,
  items: readonly (string | Uint8Array)[],
  tail: string,
): Buffer<ArrayBuffer> {
  let length = Buffer.byteLength(head) + Buffer.byteLength(tail) + Math.max(0, items.length - 1);
  for (const item of items) length += typeof item === 'string' ? Buffer.byteLength(item) : item.byteLength;
  const out = Buffer.allocUnsafe(length);
  let offset = out.write(head);
  for (let i = 0; i < items.length; i += 1) {
    if (i > 0) out[offset++] = 0x2c;
    const item = items[i]!;
    if (typeof item === 'string') offset += out.write(item, offset);
    else {
      out.set(item, offset);
      offset += item.byteLength;
    }
  }
  offset += out.write(tail, offset);
  if (offset !== length) throw new Error(`joinJson wrote ${offset} of ${length} bytes`);
  return out;
}
