// The portal's admin REST API as the web UI calls it: same-origin fetch with the session cookie
// (the browser's Sec-Fetch-Site lets the portal accept the writes), JSON in and out, and every
// error answer turned into an ApiFailure carrying the portal's code and message.
import type {
  activityListResponseSchema,
  Admin,
  alertListResponseSchema,
  ApiErrorBody,
  DataType,
  Filter,
  Heartbeat,
  Policy,
  PolicyInput,
  PreviewRequest,
  PreviewResponse,
  SiemAgent,
  SiemAgentInput,
  SiemAgentPatch,
  SiemAgentWithToken,
} from '@cloudsiem/protocol';
import { ADMIN_API_PREFIX } from '@cloudsiem/protocol';
import type { z } from 'zod';

export type ActivityList = z.infer<typeof activityListResponseSchema>;
export type AlertList = z.infer<typeof alertListResponseSchema>;
export type StoredActivity = ActivityList['data'][number];
export type StoredAlert = AlertList['data'][number];
export type StoredEvent = StoredActivity | StoredAlert;

export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly issues: { path: string; message: string }[] = [],
  ) {
    super(message);
    this.name = 'ApiFailure';
  }
}

/** Called when the portal says the session is gone (expired, signed out elsewhere, admin removed). */
let onSignedOut: () => void = () => {};
export function setSignedOutHandler(handler: () => void): void {
  onSignedOut = handler;
}

function isErrorBody(value: unknown): value is ApiErrorBody {
  const error = (value as { error?: { code?: unknown; message?: unknown } } | null)?.error;
  return typeof error?.code === 'string' && typeof error.message === 'string';
}

export async function request<T>(method: 'GET' | 'POST' | 'PATCH' | 'DELETE', path: string, body?: unknown) {
  let response: Response;
  try {
    response = await fetch(`${ADMIN_API_PREFIX}${path}`, {
      method,
      credentials: 'same-origin',
      headers: body === undefined ? { accept: 'application/json' } : { 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  } catch {
    throw new ApiFailure(0, 'NETWORK', 'The portal cannot be reached. Check that it is running, then retry.');
  }
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  let parsed: unknown = undefined;
  try {
    parsed = text === '' ? undefined : (JSON.parse(text) as unknown);
  } catch {
    // not JSON: reported below
  }
  if (!response.ok) {
    if (isErrorBody(parsed)) {
      const { code, message, issues } = parsed.error;
      if (response.status === 401 && code === 'UNAUTHENTICATED') onSignedOut();
      throw new ApiFailure(response.status, code, message, issues);
    }
    throw new ApiFailure(response.status, 'HTTP', `The portal answered ${response.status}.`);
  }
  return parsed as T;
}

export interface HeartbeatEntry {
  at: number;
  heartbeat: Heartbeat;
}

export interface ListQuery {
  filters: Filter;
  skip: number;
  limit: number;
  sortField?: 'timestamp' | 'createdAt';
  sortDirection?: 'asc' | 'desc';
}

/** The requests the pages make, one per endpoint they use. */
export const api = {
  session: () => request<{ admin: Admin | null }>('GET', '/auth/session'),
  login: (email: string, password: string) =>
    request<{ admin: Admin }>('POST', '/auth/login', { email, password }),
  logout: () => request<void>('POST', '/auth/logout'),

  agents: () => request<{ data: SiemAgent[] }>('GET', '/siem-agents'),
  agent: (id: string) => request<SiemAgent>('GET', `/siem-agents/${encodeURIComponent(id)}`),
  createAgent: (input: SiemAgentInput) => request<SiemAgentWithToken>('POST', '/siem-agents', input),
  updateAgent: (id: string, patch: SiemAgentPatch) =>
    request<SiemAgent>('PATCH', `/siem-agents/${encodeURIComponent(id)}`, patch),
  regenerateToken: (id: string) =>
    request<SiemAgentWithToken>('POST', `/siem-agents/${encodeURIComponent(id)}/regenerate-token`),
  setAgentEnabled: (id: string, enabled: boolean) =>
    request<SiemAgent>('POST', `/siem-agents/${encodeURIComponent(id)}/${enabled ? 'enable' : 'disable'}`),
  deleteAgent: (id: string) => request<void>('DELETE', `/siem-agents/${encodeURIComponent(id)}`),
  heartbeats: (id: string, since: number) =>
    request<{ data: HeartbeatEntry[] }>(
      'GET',
      `/siem-agents/${encodeURIComponent(id)}/heartbeats?since=${Math.max(0, Math.floor(since))}`,
    ),
  preview: (body: Partial<PreviewRequest> & { dataType: DataType }) =>
    request<PreviewResponse>('POST', '/siem-agents/preview', body),

  activities: (query: ListQuery) => request<ActivityList>('POST', '/activities', query),
  alerts: (query: ListQuery) => request<AlertList>('POST', '/alerts', query),
  alert: (id: string) => request<StoredAlert>('GET', `/alerts/${encodeURIComponent(id)}`),

  admins: () => request<{ data: Admin[] }>('GET', '/admins'),
  createAdmin: (input: { name: string; email: string; password: string }) =>
    request<Admin>('POST', '/admins', input),
  removeAdmin: (id: string) => request<void>('DELETE', `/admins/${encodeURIComponent(id)}`),

  policies: () => request<{ data: Policy[] }>('GET', '/policies'),
  createPolicy: (input: Partial<PolicyInput> & Pick<PolicyInput, 'name' | 'severity' | 'filter'>) =>
    request<Policy>('POST', '/policies', input),
  setPolicyEnabled: (id: string, enabled: boolean) =>
    request<Policy>('PATCH', `/policies/${encodeURIComponent(id)}`, { enabled }),
  deletePolicy: (id: string) => request<void>('DELETE', `/policies/${encodeURIComponent(id)}`),
};

/** The message to show for a failed call. */
export function messageOf(error: unknown): string {
  if (error instanceof ApiFailure) {
    if (error.issues.length > 0) return error.issues.map((i) => `${i.path}: ${i.message}`).join('; ');
    return error.message;
  }
  return error instanceof Error ? error.message : String(error);
}
