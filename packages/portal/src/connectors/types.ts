// The contract between the connector framework (scheduler, store, ingest) and each connector
// type (DESIGN §9). A type is one folder with the same file roles as its siblings:
//   settings.ts  the type's settings schema (from @cloudsiem/protocol) and its secret field
//   client.ts    the upstream's HTTP calls, through the framework's UpstreamHttp
//   mapping.ts   upstream record → canonical record (DESIGN §3), documented in docs/connectors.md
//   streams.ts   the type's streams: windows, paging and the checkpoint of each
//   index.ts     the ConnectorDefinition, one line in ../registry.ts
import type {
  ConnectorFailureKind,
  ConnectorSecret,
  ConnectorSettingsByType,
  ConnectorType,
  DataType,
} from '@cloudsiem/protocol';
import type { z } from 'zod';
import type { Clock, Logger } from '../context.ts';

export interface UpstreamRequest {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  url: string;
  headers?: Record<string, string>;
  /** A JSON value (sent as application/json), or form fields (application/x-www-form-urlencoded). */
  json?: unknown;
  form?: Record<string, string>;
  /** A body already encoded; its content-type is the caller's header. */
  body?: string;
  /** What this call is, for errors and logs: "list activities", "token". Never secret. */
  what: string;
  /**
   * Statuses the caller handles itself instead of getting an UpstreamError (O365's AF20022 on 400,
   * a 404 for an expired blob). 2xx always returns.
   */
  accept?: readonly number[];
}

export interface UpstreamResponse {
  status: number;
  /** Lower-case header names. */
  headers: Record<string, string>;
  text: string;
  /** The body parsed as JSON; an UpstreamError `invalid-response` if it is not JSON. */
  json<T = unknown>(): T;
}

/**
 * The one way a connector reaches its upstream. It spends a token of the connector's bucket per
 * call, waits out Retry-After (and at least `throttleFloorMs` on a 429 without one), retries
 * transient failures (5xx, resets, timeouts) with capped exponential backoff, verifies TLS 1.2+
 * certificates (plain http only on loopback), and turns every failure into an UpstreamError.
 */
export interface UpstreamHttp {
  request(request: UpstreamRequest): Promise<UpstreamResponse>;
  /** Calls made so far (each attempt counts), for the numbers per 1,000 records. */
  readonly calls: number;
}

/** A failure reaching or using the upstream, classified so the UI can say exactly what failed. */
export class UpstreamError extends Error {
  readonly kind: ConnectorFailureKind;
  readonly status: number | null;
  /** Set for throttling: how long the upstream asked us to wait. */
  readonly retryAfterMs: number | null;
  /** Whether a later poll may succeed without an admin changing anything. */
  readonly retriable: boolean;
  constructor(
    kind: ConnectorFailureKind,
    message: string,
    options: {
      status?: number | null;
      retryAfterMs?: number | null;
      retriable?: boolean;
      cause?: unknown;
    } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'UpstreamError';
    this.kind = kind;
    this.status = options.status ?? null;
    this.retryAfterMs = options.retryAfterMs ?? null;
    this.retriable = options.retriable ?? !(kind === 'auth' || kind === 'permission' || kind === 'tls');
  }
}

/** A bearer token for the upstream: cached until shortly before it expires (Entra ID client credentials). */
export interface TokenSource {
  bearer(): Promise<string>;
  /** After a 401: the next bearer() fetches a fresh token. */
  invalidate(): void;
}

/** One upstream record after mapping: the canonical record, or why it could not be mapped. */
export type MappedRecord =
  { upstreamId: string; record: Record<string, unknown> } | { upstreamId: string; rejected: string };

export interface StreamPage {
  records: MappedRecord[];
  /**
   * The checkpoint once this page is stored: JSON-serialisable, written in the same transaction
   * as the page's records. A crash before that commit re-reads the page; never skips it.
   */
  checkpoint: unknown;
  /** Keys to remember until they expire (O365 content ids), written in the same transaction. */
  remember?: { key: string; expiresAt: number }[];
  /** True when the stream has caught up for this poll; false: call next() again at once. */
  done: boolean;
  /** Where the stream stands after this page, in words for the UI ("created ≥ 2026-12-07T04:00Z"). */
  position: string;
}

export interface StreamContext {
  clock: Clock;
  /** Whether `key` was remembered by an earlier page of this stream (and has not expired). */
  remembered(keys: readonly string[]): Promise<Set<string>>;
  /** `test`: one page for "Test connection" — no side effects upstream where avoidable, nothing stored. */
  mode: 'poll' | 'test';
  /** Where a stream without a checkpoint starts: this many ms before now. */
  initialLookbackMs: number;
  signal: AbortSignal;
}

export interface Stream {
  /** Unique within the connector: `activities`, `alerts`, `Audit.Exchange`. */
  name: string;
  dataType: DataType;
  /** The next page after `checkpoint` (null: never pulled). */
  next(checkpoint: unknown, context: StreamContext): Promise<StreamPage>;
}

export interface ConnectorRuntime {
  http: UpstreamHttp;
  /** Builds an Entra ID client-credentials token source on this runtime's HTTP (shared cache per connector). */
  entraToken(options: {
    authorityUrl: string;
    tenantId: string;
    clientId: string;
    clientSecret: string;
    scope: string;
  }): TokenSource;
  logger: Logger;
  clock: Clock;
}

export interface ConnectorDefinition<T extends ConnectorType = ConnectorType> {
  type: T;
  /** Shown in the UI and docs: "Microsoft Defender for Cloud Apps". */
  title: string;
  settingsSchema: z.ZodType<ConnectorSettingsByType[T]>;
  /** The permission a 401/403 most likely lacks, named in the test result ("Activities.Read.All"). */
  permissions: string;
  /** The requests per minute the connector's token bucket allows. */
  requestsPerMinute(settings: ConnectorSettingsByType[T]): number;
  /** A 429 without Retry-After waits at least this long (MDCA: 60 s). */
  throttleFloorMs: number;
  streams(settings: ConnectorSettingsByType[T], secret: ConnectorSecret, runtime: ConnectorRuntime): Stream[];
}
