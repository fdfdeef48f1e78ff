// The portal's admin REST API as the web UI calls it: protocol's admin client, same-origin with the
// session cookie (the browser's Sec-Fetch-Site lets the portal accept the writes); every error
// answer an ApiFailure (AdminApiError) carrying the portal's code and message.
import {
  AdminApiError,
  createAdminClient,
  type AdminClient,
  type ActivityList,
  type AlertAction,
  type AlertList,
  type DataType,
  type Filter,
  type HeartbeatEntry,
  type PolicyInput,
  type PreviewRequest,
  type SiemAgentInput,
  type SiemAgentPatch,
  type StoredActivity,
  type StoredAlert,
} from '@cloudsiem/protocol';

export type { ActivityList, AlertList, HeartbeatEntry, StoredActivity, StoredAlert };
export type StoredEvent = StoredActivity | StoredAlert;

/** The error every call throws: the portal's status, code, message and per-field issues. */
export { AdminApiError as ApiFailure };

/** Called when the portal says the session is gone (expired, signed out elsewhere, admin removed). */
let onSignedOut: () => void = () => {};
export function setSignedOutHandler(handler: () => void): void {
  onSignedOut = handler;
}

const client = createAdminClient({
  baseUrl: '',
  credentials: 'same-origin',
  onError: (error) => {
    if (error.status === 401 && error.code === 'UNAUTHENTICATED') onSignedOut();
  },
});

/** The client's errors, with the UI's words where the portal gave none. */
async function call<T>(request: () => Promise<T>): Promise<T> {
  try {
    return await request();
  } catch (error) {
    if (!(error instanceof AdminApiError)) throw error;
    if (error.code === 'NETWORK')
      throw new AdminApiError({
        status: 0,
        code: 'NETWORK',
        message: 'The portal cannot be reached. Check that it is running, then retry.',
      });
    if (error.code === 'HTTP' || error.code === 'BAD_RESPONSE')
      throw new AdminApiError({
        status: error.status,
        code: 'HTTP',
        message:
          error.code === 'HTTP'
            ? `The portal answered ${error.status}.`
            : 'The portal answered with something that is not JSON.',
      });
    throw error;
  }
}

/** A call of the typed client with the UI's error words: for an area's own file (connectors-api.ts). */
export function callClient<T>(request: (admin: AdminClient) => Promise<T>): Promise<T> {
  return call(() => request(client));
}

export interface ListQuery {
  filters: Filter;
  limit: number;
  /** The previous page's nextCursor: pages never repeat a record while new ones arrive. */
  cursor?: string;
  sortField?: string;
  sortDirection?: 'asc' | 'desc';
}

/** The requests the pages make, one per endpoint they use. */
export const api = {
  session: () => call(() => client.session()),
  login: (email: string, password: string) => call(() => client.login(email, password)),
  logout: () => call(() => client.logout()),

  agents: () => call(() => client.listSiemAgents()),
  agent: (id: string) => call(() => client.getSiemAgent(id)),
  createAgent: (input: SiemAgentInput) => call(() => client.createSiemAgent(input)),
  updateAgent: (id: string, patch: SiemAgentPatch) => call(() => client.updateSiemAgent(id, patch)),
  regenerateToken: (id: string) => call(() => client.regenerateToken(id)),
  setAgentEnabled: (id: string, enabled: boolean) => call(() => client.setSiemAgentEnabled(id, enabled)),
  deleteAgent: (id: string) => call(() => client.deleteSiemAgent(id)),
  heartbeats: (id: string, since: number) => call(() => client.listHeartbeats(id, since)),
  overview: () => call(() => client.overview()),
  preview: (body: Partial<PreviewRequest> & { dataType: DataType }) => call(() => client.preview(body)),

  activities: (query: ListQuery) =>
    call(() => client.listActivities(query as Parameters<AdminClient['listActivities']>[0])),
  alerts: (query: ListQuery) =>
    call(() => client.listAlerts(query as Parameters<AdminClient['listAlerts']>[0])),
  activity: (id: string) => call(() => client.getActivity(id)),
  alert: (id: string) => call(() => client.getAlert(id)),
  alertAction: (action: AlertAction, ids: string[]) => call(() => client.alertAction(action, { ids })),

  admins: () => call(() => client.listAdmins()),
  createAdmin: (input: { name: string; email: string; password: string }) =>
    call(() => client.createAdmin(input)),
  removeAdmin: (id: string) => call(() => client.removeAdmin(id)),

  policies: () => call(() => client.listPolicies()),
  createPolicy: (input: Partial<PolicyInput> & Pick<PolicyInput, 'name' | 'severity' | 'filter'>) =>
    call(() => client.createPolicy(input)),
  setPolicyEnabled: (id: string, enabled: boolean) => call(() => client.setPolicyEnabled(id, enabled)),
  deletePolicy: (id: string) => call(() => client.deletePolicy(id)),
};

/** The message to show for a failed call. */
export function messageOf(error: unknown): string {
  if (error instanceof AdminApiError) {
    if (error.issues.length > 0) return error.issues.map((i) => `${i.path}: ${i.message}`).join('; ');
    return error.message;
  }
  return error instanceof Error ? error.message : String(error);
}
