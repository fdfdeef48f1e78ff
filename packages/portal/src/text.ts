// One rule for text from clients: NUL cannot be stored in PostgreSQL text and lone surrogates
// cannot be encoded as UTF-8, so NUL becomes a space (as the CEF encoder would write it) and a
// lone surrogate U+FFFD. Applied to every request and every ingested record, so SQLite,
// PostgreSQL, the API and the CEF lines all carry the same characters.

export function cleanText(value: string): string {
  const wellFormed = value.toWellFormed();
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

/** Cleans every string in a parsed JSON value, keys included; returns a new value. */
export function cleanJson(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return cleanText(value);
  if (value === null || typeof value !== 'object') return value;
  if (depth >= MAX_JSON_DEPTH) throw new TooDeepError();
  if (Array.isArray(value)) return value.map((v) => cleanJson(v, depth + 1));
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [cleanText(k), cleanJson(v, depth + 1)]));
}
