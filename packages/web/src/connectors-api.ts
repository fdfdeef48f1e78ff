// The connectors' admin REST API (DESIGN §9) as the web UI calls it, through api.ts's `request`:
// list, read, add, edit, delete, the connection test (saved or unsaved) and "Sync now".
import type {
  Connector,
  ConnectorInput,
  ConnectorPatch,
  ConnectorTestResult,
  connectorListResponseSchema,
} from '@cloudsiem/protocol';
import type { z } from 'zod';
import { request } from './api.ts';

export type ConnectorList = z.infer<typeof connectorListResponseSchema>;

const path = (id: string, action = '') => `/connectors/${encodeURIComponent(id)}${action}`;

export const connectorsApi = {
  list: () => request<ConnectorList>('GET', '/connectors'),
  get: (id: string) => request<Connector>('GET', path(id)),
  create: (input: ConnectorInput) => request<Connector>('POST', '/connectors', input),
  update: (id: string, patch: ConnectorPatch) => request<Connector>('PATCH', path(id), patch),
  remove: (id: string) => request<void>('DELETE', path(id)),
  /** One page fetched with the stored settings and secret, nothing stored. */
  testSaved: (id: string) => request<ConnectorTestResult>('POST', path(id, '/test')),
  /** The same for settings not saved yet (the wizard), with their secret. */
  testUnsaved: (input: ConnectorInput) => request<ConnectorTestResult>('POST', '/connectors/test', input),
  /** Polls now instead of at the next interval. */
  sync: (id: string) => request<unknown>('POST', path(id, '/sync')),
};
