// Keeps the agent's config in step with the portal (DESIGN §6, GET config): the first read, then a
// long poll with the ETag (`If-None-Match`, `?wait=S`) that answers as soon as an admin edits the
// agent, so edits apply without a restart. Portal errors are waited out with backoff.
import type { AgentConfig } from '@cloudsiem/protocol';
import { AgentError } from './errors.ts';
import { pause } from './pipeline.ts';
import type { PortalClient } from './source/portal-client.ts';

export interface ConfigSyncOptions {
  client: PortalClient;
  /** Long-poll wait, seconds. */
  waitS: number;
  /** A new config version to apply. */
  apply: (config: AgentConfig) => void;
  /** The portal answered. */
  contact: () => void;
  /** Ends the agent (a TLS failure on the very first contact is a setup problem). */
  fail: (error: AgentError) => void;
  /** A failed read: fatal errors end the agent; others are waited out for the returned ms. */
  failed: (error: unknown, attempt: number) => number;
  /** True once the agent is ending (after fail()). */
  ended: () => boolean;
  signal: AbortSignal;
}

/** Runs until the signal aborts or the agent ends. */
export async function runConfigSync(options: ConfigSyncOptions): Promise<void> {
  const { client, signal } = options;
  let etag: string | undefined;
  let failures = 0;
  while (!signal.aborted) {
    try {
      const answer = await client.config({
        ...(etag === undefined ? {} : { etag, waitS: options.waitS }),
        signal,
      });
      options.contact();
      failures = 0;
      if (answer.changed) {
        etag = answer.etag;
        options.apply(answer.config);
      }
    } catch (error) {
      if (signal.aborted) return;
      if (etag === undefined && error instanceof AgentError && error.code === 'PORTAL_TLS') {
        options.fail(error);
        return;
      }
      failures++;
      const wait = options.failed(error, failures);
      if (options.ended()) return;
      await pause(wait, signal);
    }
  }
}
