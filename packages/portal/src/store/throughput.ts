// Records per minute by key (an ingest source, or the pulls of one SIEM agent), for the overview:
// every portal process adds its own counts to the same rows, so the rates survive a restart and
// add up across the portals of one database.
import type { Transaction } from 'kysely';
import type { Db } from './dialect.ts';
import type { Database } from './schema.ts';

type Executor = Db | Transaction<Database>;

export interface ThroughputCount {
  key: string;
  /** Epoch ms of the minute's start. */
  minute: number;
  records: number;
}

/** Adds the counts to their minutes (one statement per count; a flush holds a handful). */
export async function addThroughput(db: Executor, counts: readonly ThroughputCount[]): Promise<void> {
  for (const { key, minute, records } of counts)
    await db
      .insertInto('throughput_minutes')
      .values({ key, minute, records })
      .onConflict((oc) =>
        oc
          .columns(['key', 'minute'])
          .doUpdateSet((eb) => ({ records: eb('throughput_minutes.records', '+', records) })),
      )
      .execute();
}

export async function pruneThroughput(db: Executor, before: number): Promise<void> {
  await db.deleteFrom('throughput_minutes').where('minute', '<', before).execute();
}

/** Per key, the records counted from the minute `since` falls in, and the first minute with a count. */
export async function throughputSince(
  db: Executor,
  since: number,
): Promise<Map<string, { records: number; firstMinute: number }>> {
  const rows = await db
    .selectFrom('throughput_minutes')
    .select((eb) => ['key', eb.fn.sum<number>('records').as('n'), eb.fn.min<number>('minute').as('first')])
    .where('minute', '>=', since)
    .groupBy('key')
    .execute();
  return new Map(rows.map((r) => [r.key, { records: Number(r.n), firstMinute: Number(r.first) }]));
}
