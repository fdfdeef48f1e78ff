// The fairness check: a sample of the lines a sender delivered (the sink keeps every n-th) is
// decoded with the cef package's decoder and compared, field by field, with what our encoder
// writes for the same records (found by externalId in the NDJSON file). A comparison with a peer
// that writes other bytes would not be one: a difference throws, and the benchmark fails loudly.
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { isDeepStrictEqual } from 'node:util';
import {
  createActivityEncoder,
  decode,
  type CefActivity,
  type CefSettings,
  type DecodedCef,
} from '@cloudsiem/cef';
import { BENCH_SETTINGS } from './records.ts';

export interface FairnessResult {
  checked: number;
  /** Of those, lines byte-identical to ours (decoded-equal is the requirement; bytes are a bonus). */
  identical: number;
  /** Lines that differ in an ignored key (allowed, counted). */
  differIn: number;
  ignored: string[];
}

/** How often the sink samples so that about `wanted` lines of `records` are checked. */
export function sampleEvery(records: number, wanted = 1000): number {
  return Math.max(1, Math.floor(records / wanted));
}

/** Decodes `lines` and compares them with our encoder's lines for the same records; throws on a difference. */
export async function checkFairness(
  who: string,
  lines: readonly string[],
  file: string,
  settings: CefSettings = BENCH_SETTINGS,
  /** Extension keys allowed to differ (counted): cs4 for lines through the portal, whose built-in policies tag activities. */
  ignore: readonly string[] = [],
): Promise<FairnessResult> {
  if (lines.length === 0) throw new Error(`fairness check (${who}): the sink kept no sample lines`);
  const theirs = new Map<string, { line: string; decoded: DecodedCef }>();
  for (const line of lines) {
    const decoded = decode(line);
    const id = decoded.extension.externalId;
    if (id === undefined) throw new Error(`fairness check (${who}): a line without externalId: ${line}`);
    theirs.set(id, { line, decoded });
  }
  const encode = createActivityEncoder(settings);
  let checked = 0;
  let identical = 0;
  let differIn = 0;
  const input = createInterface({ input: createReadStream(file, { encoding: 'utf8' }), crlfDelay: Infinity });
  for await (const json of input) {
    // Cheap pre-filter: the id is the first field of every bench record.
    const id = /^\{"id":"([^"]+)"/.exec(json)?.[1];
    const their = id === undefined ? undefined : theirs.get(id);
    if (their === undefined) continue;
    const ours = encode(JSON.parse(json) as CefActivity);
    const mine = decode(ours);
    const theirFields = { ...their.decoded, extension: { ...their.decoded.extension } };
    const myFields = { ...mine, extension: { ...mine.extension } };
    for (const key of ignore) {
      if (theirFields.extension[key] !== myFields.extension[key]) differIn++;
      delete theirFields.extension[key];
      delete myFields.extension[key];
    }
    if (!isDeepStrictEqual(myFields, theirFields)) {
      input.close();
      throw new Error(
        `fairness check (${who}) FAILED: the line for ${id} decodes to other fields than ours.\n` +
          `  theirs: ${their.line}\n  ours:   ${ours}`,
      );
    }
    checked++;
    if (ours === their.line) identical++;
    theirs.delete(id!);
  }
  if (theirs.size > 0) {
    throw new Error(
      `fairness check (${who}) FAILED: ${theirs.size} sampled lines have an externalId that is not in the input`,
    );
  }
  return { checked, identical, differIn, ignored: [...ignore] };
}

export function fairnessText(who: string, result: FairnessResult): string {
  return (
    `fairness check (${who}): ${result.checked} sampled lines decode to the same fields as ours; ` +
    `${result.identical} of them byte-identical` +
    (result.ignored.length === 0
      ? ''
      : ` (${result.ignored.join(', ')} not compared: ${result.differIn} differ, policy tags added by the portal)`)
  );
}
