// The one typed client of the admin REST API (DESIGN §7), for the web UI, the CLI and connectors
// that read another portal: global fetch, JSON in and out (NDJSON for ingest), every error answer
// an AdminApiError with the portal's code, message, issues and Retry-After.
import type { z } from 'zod';
import {
  ADMIN_API_PREFIX,
  type activityListRequestSchema,
  type activityListResponseSchema,
  type Admin,
  type adminCreateSchema,
  type AdminToken,
  type adminTokenCreateSchema,
  type AdminTokenWithSecret,
  type alertListRequestSchema,
  type alertListResponseSchema,
  ingestResultSchema,
  type IngestResult,
  type Policy,
  type policyInputSchema,
  type PreviewRequest,
  type previewRequestSchema,
  type PreviewResponse,
  type storedActivitySchema,
  type storedAlertSchema,
} from './admin-api.ts';
import type { HeartbeatEntry } from './agent-api.ts';
import type { AlertAction, AlertActionRequest, AlertActionResult } from './alert-triage.ts';
import { apiErrorBodySchema } from './api-errors.ts';
import type {
  Connector,
  ConnectorInput,
  ConnectorPatch,
  ConnectorRejection,
  ConnectorTestResult,
} from './connectors.ts';
import type { Overview } from './overview.ts';
import type { SiemAgent, siemAgentInputSchema, SiemAgentPatch, SiemAgentWithToken } from './siem-agents.ts';

export type ActivityList = z.infer<typeof activityListResponseSchema>;
export type AlertList = z.infer<typeof alertListResponseSchema>;
export type StoredActivity = z.infer<typeof storedActivitySchema>;
export type StoredAlert = z.infer<typeof storedAlertSchema>;
/** A list request before the portal fills its defaults (filters {}, newest first, 100). */
export type ActivityListInput = z.input<typeof activityListRequestSchema>;
export type AlertListInput = z.input<typeof alertListRequestSchema>;

/**
 * Codes besides the portal's own (API_ERRORS): `NETWORK` (no answer; `cause` says why), `HTTP`
 * (an error status without the portal's error body: a proxy, or not a cloudsiem portal) and
 * `BAD_RESPONSE` (a success status whose body is not what the endpoint answers).
 */
export const ADMIN_CLIENT_ERROR_CODES = ['NETWORK', 'HTTP', 'BAD_RESPONSE'] as const;

export interface AdminApiErrorInit {
  /** The HTTP status; 0 when no answer came. */
  status: number;
  /** The portal's error code (API_ERRORS), or one of ADMIN_CLIENT_ERROR_CODES. */
  code: string;
  message: string;
  issues?: { path: string; message: string }[];
  retryAfterMs?: number | null;
  /** The answer's status text and body text, when the body was not the portal's error body. */
  statusText?: string;
  bodyText?: string | null;
  cause?: unknown;
}

export class AdminApiError extends Error {
  override readonly name = 'AdminApiError';
  /** The HTTP status; 0 when no answer came. */
  readonly status: number;
  /** The portal's error code (API_ERRORS), or one of ADMIN_CLIENT_ERROR_CODES. */
  readonly code: string;
  /** Per-item problems, e.g. `body.filters.user.eq: …`. */
  readonly issues: { path: string; message: string }[];
  /** From the Retry-After header (429, 503), else null. */
  readonly retryAfterMs: number | null;
  readonly statusText: string;
  /** The answer's body when it was not the portal's error body (at most 1,000 characters). */
  readonly bodyText: string | null;

  constructor(init: AdminApiErrorInit) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.status = init.status;
    this.code = init.code;
    this.issues = init.issues ?? [];
    this.retryAfterMs = init.retryAfterMs ?? null;
    this.statusText = init.statusText ?? '';
    this.bodyText = init.bodyText ?? null;
  }

  /** Whether the same request may succeed later: no answer, 408, 429 or a 5xx. */
  get retriable(): boolean {
    return this.status === 0 || this.status === 408 || this.status === 429 || this.status >= 500;
  }
}

export interface AdminClientOptions {
  /** The portal's URL (`https://portal.example:8443`); '' for the page's own origin in a browser. */
  baseUrl: string;
  /** Default: the global fetch. */
  fetch?: typeof fetch;
  /** An admin API token (`csadm_…`), sent as `Authorization: Token …`. */
  token?: string;
  /** Sent with every request (after the token's header, so they may replace it). */
  headers?: Record<string, string>;
  /** For a browser: `same-origin` sends the session cookie. */
  credentials?: 'include' | 'omit' | 'same-origin';
  /** Called with every error before it is thrown (the web UI signs out on UNAUTHENTICATED). */
  onError?: (error: AdminApiError) => void;
}

/** Per call: a signal aborts the request (the error is then the fetch's AbortError, unwrapped). */
export interface CallOptions {
  signal?: AbortSignal;
}

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';

function retryAfterMs(response: Response): number | null {
  const header = response.headers.get('retry-after');
  return header !== null && /^\d+$/.test(header.trim()) ? Number(header.trim()) * 1000 : null;
}

function parseJson(text: string): unknown {
  try {
    return text === '' ? undefined : (JSON.parse(text) as unknown);
  } catch {
    return undefined;
  }
}

const id = (value: string) => encodeURIComponent(value);

export function createAdminClient(options: AdminClientOptions) {
  const base = `${options.baseUrl.replace(/\/+$/, '')}${ADMIN_API_PREFIX}`;
  // Looked up per call and called on globalThis: a browser refuses fetch detached from window.
  const fetchImpl: typeof fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  const fixedHeaders: Record<string, string> = {
    ...(options.token === undefined ? {} : { authorization: `Token ${options.token}` }),
    ...options.headers,
  };

  function fail(error: AdminApiError): never {
    options.onError?.(error);
    throw error;
  }

  function networkError(url: string, error: unknown): AdminApiError {
    const reason = error instanceof Error && error.cause instanceof Error ? error.cause : error;
    const text = reason instanceof Error ? reason.message : String(reason);
    return new AdminApiError({
      status: 0,
      code: 'NETWORK',
      message: `cannot reach ${url}: ${text}`,
      cause: error,
    });
  }

  /** One request; the answer's status and its JSON (undefined for 204), or an AdminApiError. */
  async function send(
    method: Method,
    path: string,
    body: { type: string; text: string } | undefined,
    call: CallOptions | undefined,
  ): Promise<{ status: number; value: unknown }> {
    const url = `${base}${path}`;
    let response: Response;
    let text: string;
    try {
      response = await fetchImpl(url, {
        method,
        headers: {
          accept: 'application/json',
          ...(body === undefined ? {} : { 'content-type': body.type }),
          ...fixedHeaders,
        },
        ...(body === undefined ? {} : { body: body.text }),
        ...(options.credentials === undefined ? {} : { credentials: options.credentials }),
        ...(call?.signal === undefined ? {} : { signal: call.signal }),
      });
      text = response.status === 204 ? '' : await response.text();
    } catch (error) {
      if (call?.signal?.aborted === true) throw error;
      return fail(networkError(url, error));
    }
    const { status, statusText } = response;
    if (status === 204) return { status, value: undefined };
    const parsed = parseJson(text);
    if (!response.ok) {
      const errorBody = apiErrorBodySchema.safeParse(parsed);
      if (errorBody.success) {
        const { code, message, issues } = errorBody.data.error;
        return fail(
          new AdminApiError({
            status,
            code,
            message,
            issues: issues ?? [],
            retryAfterMs: retryAfterMs(response),
          }),
        );
      }
      return fail(
        new AdminApiError({
          status,
          code: 'HTTP',
          message: `${method} ${url} answered ${status} ${statusText}`.trim(),
          retryAfterMs: retryAfterMs(response),
          statusText,
          bodyText: text.slice(0, 1000),
        }),
      );
    }
    if (parsed === undefined) {
      return fail(
        new AdminApiError({
          status,
          code: 'BAD_RESPONSE',
          message: `${method} ${url} answered ${status} with a body that is not JSON`,
          statusText,
          bodyText: text.slice(0, 1000),
        }),
      );
    }
    return { status, value: parsed };
  }

  /** JSON in (when `body` is given) and out; the answer is typed by the endpoint's response schema. */
  async function json<T>(method: Method, path: string, body?: unknown, call?: CallOptions): Promise<T> {
    const payload = body === undefined ? undefined : { type: 'application/json', text: JSON.stringify(body) };
    return (await send(method, path, payload, call)).value as T;
  }

  /** Ingest as NDJSON, one record a line; the answer is checked, as a batch's outcome depends on it. */
  async function ingest(dataType: 'activities' | 'alerts', records: readonly unknown[], call?: CallOptions) {
    const text = `${records.map((record) => JSON.stringify(record)).join('\n')}\n`;
    const path = `/ingest/${dataType}`;
    const answer = await send('POST', path, { type: 'application/x-ndjson', text }, call);
    const result = ingestResultSchema.safeParse(answer.value);
    if (!result.success)
      return fail(
        new AdminApiError({
          status: answer.status,
          code: 'BAD_RESPONSE',
          message: `${base}${path} answered ${answer.status} with a body that is not an ingest result`,
          bodyText: JSON.stringify(answer.value ?? null).slice(0, 1000),
        }),
      );
    return result.data satisfies IngestResult;
  }

  return {
    // Sign-in (browsers: the portal sets the session cookie).
    session: (call?: CallOptions) => json<{ admin: Admin | null }>('GET', '/auth/session', undefined, call),
    login: (email: string, password: string, call?: CallOptions) =>
      json<{ admin: Admin }>('POST', '/auth/login', { email, password }, call),
    logout: (call?: CallOptions) => json<undefined>('POST', '/auth/logout', undefined, call),
    me: (call?: CallOptions) => json<{ admin: Admin }>('GET', '/auth/me', undefined, call),

    // Activities and alerts.
    listActivities: (request: ActivityListInput = {}, call?: CallOptions) =>
      json<ActivityList>('POST', '/activities', request, call),
    listAlerts: (request: AlertListInput = {}, call?: CallOptions) =>
      json<AlertList>('POST', '/alerts', request, call),
    getActivity: (activityId: string, call?: CallOptions) =>
      json<StoredActivity>('GET', `/activities/${id(activityId)}`, undefined, call),
    getAlert: (alertId: string, call?: CallOptions) =>
      json<StoredAlert>('GET', `/alerts/${id(alertId)}`, undefined, call),
    /** Alert triage (alert-triage.ts): close, reopen, mark read or unread, by ids. */
    alertAction: (action: AlertAction, request: AlertActionRequest, call?: CallOptions) =>
      json<AlertActionResult>('POST', `/alerts/${action}`, request, call),
    ingestActivities: (records: readonly unknown[], call?: CallOptions) =>
      ingest('activities', records, call),
    ingestAlerts: (records: readonly unknown[], call?: CallOptions) => ingest('alerts', records, call),

    // SIEM agents.
    listSiemAgents: (call?: CallOptions) =>
      json<{ data: SiemAgent[] }>('GET', '/siem-agents', undefined, call),
    createSiemAgent: (input: z.input<typeof siemAgentInputSchema>, call?: CallOptions) =>
      json<SiemAgentWithToken>('POST', '/siem-agents', input, call),
    getSiemAgent: (agentId: string, call?: CallOptions) =>
      json<SiemAgent>('GET', `/siem-agents/${id(agentId)}`, undefined, call),
    updateSiemAgent: (agentId: string, patch: SiemAgentPatch, call?: CallOptions) =>
      json<SiemAgent>('PATCH', `/siem-agents/${id(agentId)}`, patch, call),
    regenerateToken: (agentId: string, call?: CallOptions) =>
      json<SiemAgentWithToken>('POST', `/siem-agents/${id(agentId)}/regenerate-token`, undefined, call),
    setSiemAgentEnabled: (agentId: string, enabled: boolean, call?: CallOptions) =>
      json<SiemAgent>(
        'POST',
        `/siem-agents/${id(agentId)}/${enabled ? 'enable' : 'disable'}`,
        undefined,
        call,
      ),
    deleteSiemAgent: (agentId: string, call?: CallOptions) =>
      json<undefined>('DELETE', `/siem-agents/${id(agentId)}`, undefined, call),
    listHeartbeats: (agentId: string, since?: number, call?: CallOptions) =>
      json<{ data: HeartbeatEntry[] }>(
        'GET',
        `/siem-agents/${id(agentId)}/heartbeats${since === undefined ? '' : `?since=${Math.max(0, Math.floor(since))}`}`,
        undefined,
        call,
      ),
    preview: (request: z.input<typeof previewRequestSchema> | PreviewRequest, call?: CallOptions) =>
      json<PreviewResponse>('POST', '/siem-agents/preview', request, call),

    /** The pipeline now: sources → store → agents → SIEMs, with events per minute and what fails. */
    overview: (call?: CallOptions) => json<Overview>('GET', '/overview', undefined, call),

    // Admins and admin API tokens.
    listAdmins: (call?: CallOptions) => json<{ data: Admin[] }>('GET', '/admins', undefined, call),
    createAdmin: (input: z.input<typeof adminCreateSchema>, call?: CallOptions) =>
      json<Admin>('POST', '/admins', input, call),
    removeAdmin: (adminId: string, call?: CallOptions) =>
      json<undefined>('DELETE', `/admins/${id(adminId)}`, undefined, call),
    listAdminTokens: (call?: CallOptions) =>
      json<{ data: AdminToken[] }>('GET', '/admin-tokens', undefined, call),
    createAdminToken: (input: z.input<typeof adminTokenCreateSchema>, call?: CallOptions) =>
      json<AdminTokenWithSecret>('POST', '/admin-tokens', input, call),
    revokeAdminToken: (tokenId: string, call?: CallOptions) =>
      json<undefined>('DELETE', `/admin-tokens/${id(tokenId)}`, undefined, call),

    // Connectors (DESIGN §9): the secret goes in, never comes back.
    listConnectors: (call?: CallOptions) =>
      json<{ data: Connector[] }>('GET', '/connectors', undefined, call),
    createConnector: (input: ConnectorInput, call?: CallOptions) =>
      json<Connector>('POST', '/connectors', input, call),
    getConnector: (connectorId: string, call?: CallOptions) =>
      json<Connector>('GET', `/connectors/${id(connectorId)}`, undefined, call),
    updateConnector: (connectorId: string, patch: ConnectorPatch, call?: CallOptions) =>
      json<Connector>('PATCH', `/connectors/${id(connectorId)}`, patch, call),
    deleteConnector: (connectorId: string, call?: CallOptions) =>
      json<undefined>('DELETE', `/connectors/${id(connectorId)}`, undefined, call),
    /** One page of each stream with the stored settings and secret; nothing stored. */
    testConnector: (connectorId: string, call?: CallOptions) =>
      json<ConnectorTestResult>('POST', `/connectors/${id(connectorId)}/test`, undefined, call),
    /** The same for a connector not saved yet, with its secret. */
    testUnsavedConnector: (input: ConnectorInput, call?: CallOptions) =>
      json<ConnectorTestResult>('POST', '/connectors/test', input, call),
    /** Sync now: polls at once, whatever its poll interval. */
    syncConnector: (connectorId: string, call?: CallOptions) =>
      json<Connector>('POST', `/connectors/${id(connectorId)}/sync`, undefined, call),

    /** The newest records the connector could not store, with their upstream ids and why. */
    listConnectorRejections: (connectorId: string, limit?: number, call?: CallOptions) =>
      json<{ data: ConnectorRejection[] }>(
        'GET',
        `/connectors/${id(connectorId)}/rejections${limit === undefined ? '' : `?limit=${Math.floor(limit)}`}`,
        undefined,
        call,
      ),

    // Policies.
    listPolicies: (call?: CallOptions) => json<{ data: Policy[] }>('GET', '/policies', undefined, call),
    createPolicy: (input: z.input<typeof policyInputSchema>, call?: CallOptions) =>
      json<Policy>('POST', '/policies', input, call),
    setPolicyEnabled: (policyId: string, enabled: boolean, call?: CallOptions) =>
      json<Policy>('PATCH', `/policies/${id(policyId)}`, { enabled }, call),
    deletePolicy: (policyId: string, call?: CallOptions) =>
      json<undefined>('DELETE', `/policies/${id(policyId)}`, undefined, call),
  };
}

export type AdminClient = ReturnType<typeof createAdminClient>;
