// What a fault scenario ingests and what it counts (docs/RELIABILITY.md "Fault runs"): a seeded
// mix of activities and alerts posted to the portal's ingest API in batches of 5,000, and a tally
// of every line the SIEM wrote, by the externalId of its decoded CEF (DESIGN §4).
import { closeSync, existsSync, fstatSync, openSync, readSync } from 'node:fs';
import { decode } from '@cloudsiem/cef';
import type { DataType } from '@cloudsiem/protocol';
import { activity, alert, type AdminClient } from '../e2e/harness.ts';
import { sleep } from './world.ts';

/** The ingest API's batch size used here (the brief's, and the agent API's PULL_LIMIT_MAX). */
export const INGEST_BATCH = 5000;

export interface Batch {
  dataType: DataType;
  records: object[];
  ids: string[];
}

/**
 * `n` records, a quarter of them alerts, descriptions of 100–900 characters (CEF lines of about
 * 0.6–1.5 kB; one in fifty over 2 kB), in ingest batches of one data type each.
 */
export function makeBatches(prefix: string, n: number, random: () => number): Batch[] {
  const pending: Record<DataType, { records: object[]; ids: string[] }> = {
    activities: { records: [], ids: [] },
    alerts: { records: [], ids: [] },
  };
  const batches: Batch[] = [];
  const flush = (dataType: DataType) => {
    const { records, ids } = pending[dataType];
    if (records.length > 0) batches.push({ dataType, records, ids });
    pending[dataType] = { records: [], ids: [] };
  };
  for (let i = 0; i < n; i++) {
    const isAlert = random() < 0.25;
    const dataType: DataType = isAlert ? 'alerts' : 'activities';
    const id = `${prefix}-${isAlert ? 'alr' : 'act'}-${i}`;
    const description = `fault run ${prefix} event ${i} `.padEnd(100 + Math.floor(random() * 800), '.');
    // One in fifty is longer than a UDP datagram's default cap (2,048 bytes), to show truncation
    // (in cs3: msg is cut to 1,023 characters by the CEF limits before it reaches the wire).
    const objects = random() < 0.02 ? [`object of ${id} `.padEnd(1500, '.')] : [];
    pending[dataType].records.push(
      isAlert
        ? alert(id, { description, relatedActivityIds: objects })
        : activity(id, { description, targetObjects: objects }),
    );
    pending[dataType].ids.push(id);
    if (pending[dataType].records.length === INGEST_BATCH) flush(dataType);
  }
  flush('activities');
  flush('alerts');
  return batches;
}

/**
 * Ingests one batch, retrying while the portal is down (a portal fault); ingest is idempotent by
 * id, so a batch cut off by a kill is simply posted again. Fails on a rejected record.
 */
export async function ingestBatch(api: AdminClient, batch: Batch, deadline: number): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      const answer = await api.call('POST', `/api/v1/ingest/${batch.dataType}`, batch.records);
      if (answer.status === 200) {
        const result = answer.body as { accepted: number; duplicates: number; rejected: unknown[] };
        if (result.accepted + result.duplicates !== batch.records.length || result.rejected.length > 0)
          throw new Error(`ingest ${batch.dataType}: ${answer.text.slice(0, 500)}`);
        return;
      }
      if (answer.status < 500)
        throw new Error(`ingest ${batch.dataType}: HTTP ${answer.status} ${answer.text.slice(0, 500)}`);
    } catch (error) {
      const transient =
        error instanceof Error && /ECONNREFUSED|ECONNRESET|socket hang up/.test(error.message);
      if (!transient) throw error;
    }
    if (Date.now() > deadline) throw new Error(`ingest ${batch.dataType}: the portal stayed down`);
    await sleep(Math.min(2000, 200 * (attempt + 1)));
  }
}

// ---------------------------------------------------------------------------------------------
// Counting what arrived

/** Reads a growing file's new complete lines (a line still being written waits for its LF). */
class LineTail {
  #offset = 0;
  #partial = Buffer.alloc(0);

  constructor(readonly path: string) {}

  take(): string[] {
    if (!existsSync(this.path)) return [];
    const fd = openSync(this.path, 'r');
    let chunk: Buffer;
    try {
      const grown = fstatSync(fd).size - this.#offset;
      if (grown <= 0) return [];
      chunk = Buffer.alloc(grown);
      const read = readSync(fd, chunk, 0, grown, this.#offset);
      this.#offset += read;
      chunk = chunk.subarray(0, read);
    } finally {
      closeSync(fd);
    }
    const data = this.#partial.length === 0 ? chunk : Buffer.concat([this.#partial, chunk]);
    const lines: string[] = [];
    let start = 0;
    for (let end = data.indexOf(0x0a); end !== -1; end = data.indexOf(0x0a, start)) {
      lines.push(data.toString('utf8', start, end));
      start = end + 1;
    }
    this.#partial = Buffer.from(data.subarray(start));
    return lines;
  }
}

/** The receivers' readiness probes (test/interop/daemons.ts), not ours. */
const PROBE_PREFIX = 'cloudsiem-readiness-probe ';

/**
 * Every record here carries an IPv4 address, so its line ends with the empty IPv6 key. A line that
 * does not was cut (a killed writer, a UDP size cap) or merged with another by a killed receiver.
 */
const isWhole = (line: string): boolean => line.endsWith(' c6a1=');

/** A tally over one or more receivers' files: how often each externalId arrived, and when. */
export class Tally {
  readonly #tails: LineTail[];
  readonly counts = new Map<string, number>();
  /** Lines that are not one whole CEF record (cut, merged). */
  fragments = 0;
  /** Whole lines whose externalId was never ingested (e.g. an alert a policy raised). */
  unexpected = 0;
  lines = 0;
  /** Ingested ids received at least once, as a whole line. */
  distinct = 0;
  /** Ingested ids that arrived only cut (UDP truncation). */
  readonly cutIds = new Set<string>();
  /** The shortest whole line, LF included: turns a replay window in bytes into events. */
  minLineBytes = Number.POSITIVE_INFINITY;
  /** When the line count last grew, and when the first line arrived. */
  firstLineAt: number | undefined;
  lastLineAt: number | undefined;

  constructor(
    paths: readonly string[],
    private readonly expected: ReadonlySet<string>,
  ) {
    this.#tails = paths.map((path) => new LineTail(path));
  }

  /** Reads what arrived since the last poll; returns how many lines. */
  poll(): number {
    let added = 0;
    for (const tail of this.#tails) {
      for (const line of tail.take()) {
        if (line.startsWith(PROBE_PREFIX)) continue;
        added++;
        this.#count(line);
      }
    }
    if (added > 0) {
      const now = Date.now();
      this.firstLineAt ??= now;
      this.lastLineAt = now;
      this.lines += added;
    }
    return added;
  }

  #count(line: string): void {
    let id: string | undefined;
    try {
      id = decode(line).extension.externalId;
    } catch {
      id = undefined;
    }
    if (!isWhole(line) || id === undefined) {
      this.fragments++;
      // A UDP datagram cut at the size cap still names its event (externalId comes first).
      if (id !== undefined && this.expected.has(id)) this.cutIds.add(id);
      return;
    }
    this.minLineBytes = Math.min(this.minLineBytes, Buffer.byteLength(line) + 1);
    const before = this.counts.get(id) ?? 0;
    if (!this.expected.has(id)) this.unexpected++;
    else if (before === 0) this.distinct++;
    this.counts.set(id, before + 1);
  }

  /** Whole lines beyond one per ingested id. */
  get duplicates(): number {
    let n = 0;
    for (const [id, count] of this.counts) if (this.expected.has(id)) n += count - 1;
    return n;
  }

  missingIds(): string[] {
    return [...this.expected].filter((id) => !this.counts.has(id));
  }
}
