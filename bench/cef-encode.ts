// CEF encoder throughput against JSON.parse of the same records, on one core. Target: encoding a
// record costs less than parsing its JSON (ratio >= 1). Parse and encode alternate in every run so
// that load from other processes on this small machine hits both alike; the ratio is per run.
import { createActivityEncoder, createAlertEncoder } from '@cloudsiem/cef';
import { formatRate, repeat, stats } from './lib.ts';
import { BENCH_SETTINGS, makeActivities, makeAlerts } from './records.ts';
import { addFigure } from './results.ts';

const RECORDS = 50_000;
/** The agent encodes what it just parsed, a page at a time: a set that stays in the CPU caches. */
const BATCH = 1_000;
const RUNS = 7;

/** Runs `fn` over every item, `passes` times, and returns items per second. */
function rate<T>(items: readonly T[], passes: number, fn: (item: T) => number): number {
  let sink = 0;
  const started = process.hrtime.bigint();
  for (let pass = 0; pass < passes; pass++) for (const item of items) sink += fn(item);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (sink === -1) console.log(sink); // keeps the work observable
  return (items.length * passes) / seconds;
}

async function compare<R>(label: string, texts: string[], encode: (record: R) => string): Promise<void> {
  const passes = RECORDS / texts.length;
  const records = texts.map((text) => JSON.parse(text) as R);
  const parse = (text: string) => (JSON.parse(text) as { timestamp: number }).timestamp;
  const samples = {
    parse: [] as number[],
    encode: [] as number[],
    flat: [] as number[],
    ratio: [] as number[],
  };
  await repeat(RUNS, () => {
    const p = rate(texts, passes, parse);
    const e = rate(records, passes, (record) => encode(record).length);
    // What a sender pays on top: the line flattened and measured in UTF-8 bytes (framing does this).
    const f = rate(records, passes, (record) => Buffer.byteLength(encode(record)));
    samples.parse.push(p);
    samples.encode.push(e);
    samples.flat.push(f);
    samples.ratio.push(e / p);
    return e;
  });
  for (const list of Object.values(samples)) list.shift(); // the warm-up run
  console.log(`${label}:`);
  console.log(`  JSON.parse          ${formatRate(stats(samples.parse), 'records')}`);
  console.log(`  encode              ${formatRate(stats(samples.encode), 'lines')}`);
  console.log(`  encode + byteLength ${formatRate(stats(samples.flat), 'lines')}`);
  const ratio = stats(samples.ratio);
  addFigure('cef-encode', label, {
    parsePerS: stats(samples.parse),
    encodePerS: stats(samples.encode),
    encodeAndByteLengthPerS: stats(samples.flat),
    encodeOverParse: ratio,
  });
  console.log(
    `  encode / JSON.parse = ${ratio.median.toFixed(2)} (min ${ratio.min.toFixed(2)}, max ${ratio.max.toFixed(2)}; target >= 1)`,
  );
}

function describe(texts: string[], encode: (record: never) => string): string {
  const json = texts.reduce((sum, text) => sum + Buffer.byteLength(text), 0) / texts.length;
  const cef =
    texts.reduce((sum, text) => sum + Buffer.byteLength(encode(JSON.parse(text) as never)), 0) / texts.length;
  return `JSON ${Math.round(json)} bytes, CEF line ${Math.round(cef)} bytes a record`;
}

export async function run(): Promise<void> {
  const activities = makeActivities(RECORDS, 1).map((record) => JSON.stringify(record));
  const alerts = makeAlerts(RECORDS, 2).map((record) => JSON.stringify(record));
  const encodeActivity = createActivityEncoder(BENCH_SETTINGS);
  const encodeAlert = createAlertEncoder(BENCH_SETTINGS);
  console.log(
    `activities: ${describe(activities, encodeActivity)}; alerts: ${describe(alerts, encodeAlert)}`,
  );
  await compare(`activities, ${RECORDS} distinct records`, activities, encodeActivity);
  await compare(
    `activities, ${BATCH} records × ${RECORDS / BATCH} (one agent page)`,
    activities.slice(0, BATCH),
    encodeActivity,
  );
  await compare(`alerts, ${RECORDS} distinct records`, alerts, encodeAlert);
}
