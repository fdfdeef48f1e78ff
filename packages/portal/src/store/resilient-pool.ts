// A pg Pool as Kysely's PostgresDialect wants it, made to survive PostgreSQL restarts and lost
// connections: pool and client 'error' events are handled (unhandled, either one ends the
// process), dead clients are destroyed instead of reused, connecting retries with backoff, and a
// statement that failed on a dead connection outside a transaction is retried once on a fresh
// connection when that is safe (a read, or BEGIN). Anything else fails with the driver's error,
// which the portal answers with 503 STORE_UNAVAILABLE.
import type pg from 'pg';
import type { PostgresPool, PostgresPoolClient, PostgresQueryResult } from 'kysely';
import { StoreError } from './errors.ts';
import type { StoreHealth } from './health.ts';

/** Connect attempts while the store is believed up; delays between them. One attempt while down. */
const CONNECT_DELAYS_MS = [100, 400];

/** Statements that change nothing, or start a transaction: re-running one on a new connection is safe. */
const RETRY_SAFE = /^\s*(select|begin|start\s+transaction|show)\b/i;
const BEGINS = /^\s*(begin|start\s+transaction)\b/i;
const ENDS = /^\s*(commit|rollback|end|abort)\b/i;

/**
 * Statement texts PostgreSQL should prepare once per connection, by name (pg sends Parse only on
 * a connection's first use). For big statements run often, such as the 500-row ingest insert,
 * whose planning otherwise costs the server as much as running it.
 */
const preparedNames = new Map<string, string>();

export function namePreparedStatement(text: string, name: string): void {
  preparedNames.set(text, name);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function resilientPool(pool: pg.Pool, health: StoreHealth, displayUrl: string): PostgresPool {
  // An idle client whose connection died: pg-pool removes it; this listener keeps the process up.
  pool.on('error', (error) => {
    health.report(error);
  });
  // And one listener on every client for its whole life: pg-pool takes its own listener off a
  // client it hands out before the caller can add one, and a server's FATAL message that arrives
  // in the same read as the connect or query answer is emitted in that gap.
  // The same listener marks the client dead, so whoever holds it destroys it on release.
  const dead = new WeakSet<pg.PoolClient>();
  pool.on('connect', (client) => {
    client.on('error', (error) => {
      dead.add(client);
      health.report(error);
    });
  });

  async function connect(): Promise<pg.PoolClient> {
    const delays = health.state === 'ok' ? CONNECT_DELAYS_MS : [];
    for (let attempt = 0; ; attempt += 1) {
      try {
        const client = await pool.connect();
        if (health.state === 'unavailable') health.recovered();
        return client;
      } catch (error) {
        const kind = health.report(error);
        if (kind === null) throw error;
        const delay = delays[attempt];
        if (delay === undefined) {
          throw new StoreError(
            'STORE_UNAVAILABLE',
            `cannot connect to ${displayUrl}: ${error instanceof Error ? error.message : String(error)}`,
            { cause: error },
          );
        }
        await sleep(delay);
      }
    }
  }

  class ResilientClient {
    #client: pg.PoolClient;
    #inTransaction = false;
    #broken = false;

    constructor(client: pg.PoolClient) {
      this.#client = client;
    }

    #isBroken(): boolean {
      return this.#broken || dead.has(this.#client);
    }

    async #run(sql: string, parameters: readonly unknown[]): Promise<PostgresQueryResult<unknown>> {
      const values = [...parameters];
      const name = preparedNames.get(sql);
      const result = (await (name === undefined
        ? this.#client.query(sql, values)
        : this.#client.query({ name, text: sql, values }))) as unknown as PostgresQueryResult<unknown>;
      if (BEGINS.test(sql)) this.#inTransaction = true;
      else if (ENDS.test(sql)) this.#inTransaction = false;
      return result;
    }

    query(sql: string, parameters: readonly unknown[]): Promise<PostgresQueryResult<unknown>> {
      return this.#query(sql, parameters);
    }

    async #query(sql: string, parameters: readonly unknown[]): Promise<PostgresQueryResult<unknown>> {
      if (/^\s*(rollback|abort)\b/i.test(sql) && this.#isBroken()) {
        // The server already ended the transaction with the connection: keep the original error.
        this.#inTransaction = false;
        return { command: 'ROLLBACK', rowCount: 0, rows: [] };
      }
      try {
        return await this.#run(sql, parameters);
      } catch (error) {
        const kind = health.report(error);
        if (kind !== 'STORE_UNAVAILABLE') throw error;
        // The connection is suspect whatever exactly failed: it is destroyed, never reused.
        this.#broken = true;
        if (this.#inTransaction || !RETRY_SAFE.test(sql)) throw error;
        // Outside a transaction nothing is lost with the old connection: swap in a new one.
        this.#swap(await connect());
        return this.#run(sql, parameters);
      }
    }

    #swap(next: pg.PoolClient): void {
      this.#client.release(true);
      this.#client = next;
      this.#broken = false;
    }

    release(destroy?: boolean): void {
      // pg-pool destroys a client released with a truthy argument instead of keeping it idle.
      this.#client.release(destroy === true || this.#isBroken() ? true : undefined);
    }
  }

  return {
    connect: async () => new ResilientClient(await connect()) as unknown as PostgresPoolClient,
    end: () => pool.end(),
  };
}
