// The connectors' admin REST API (DESIGN §9) as the web UI calls it, through protocol's typed
// client with api.ts's error words: list, read, add, edit, delete, the connection test (saved or
// unsaved), the rejected records and "Sync now".
import type { ConnectorInput, ConnectorPatch } from '@cloudsiem/protocol';
import { callClient } from './api.ts';

export const connectorsApi = {
  list: () => callClient((c) => c.listConnectors()),
  get: (id: string) => callClient((c) => c.getConnector(id)),
  create: (input: ConnectorInput) => callClient((c) => c.createConnector(input)),
  update: (id: string, patch: ConnectorPatch) => callClient((c) => c.updateConnector(id, patch)),
  remove: (id: string) => callClient((c) => c.deleteConnector(id)),
  /** One page of each stream with the stored settings and secret; nothing is stored. */
  testSaved: (id: string) => callClient((c) => c.testConnector(id)),
  /** The same for settings not saved yet (the wizard), with their secret. */
  testUnsaved: (input: ConnectorInput) => callClient((c) => c.testUnsavedConnector(input)),
  /** The newest records it could not store, and why. */
  rejections: (id: string, limit: number) => callClient((c) => c.listConnectorRejections(id, limit)),
  /** Polls now instead of at the next interval. */
  sync: (id: string) => callClient((c) => c.syncConnector(id)),
};
