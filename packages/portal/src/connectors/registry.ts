// Every connector type, one line each (DESIGN §9): the scheduler, the admin API and the CLI's
// `connector test` find a type here and nowhere else.
import type { ConnectorType } from '@cloudsiem/protocol';
import { cloudsiemConnector } from './cloudsiem/index.ts';
import { mdcaConnector } from './mdca/index.ts';
import type { ConnectorDefinition } from './types.ts';
import { graphAlertsConnector } from './graph-alerts/index.ts';
import { o365ManagementConnector } from './o365-management/index.ts';

const DEFINITIONS: { [T in ConnectorType]: ConnectorDefinition<T> } = {
  mdca: mdcaConnector,
  cloudsiem: cloudsiemConnector,
  'graph-alerts': graphAlertsConnector,
  'o365-management': o365ManagementConnector,
};

export function connectorDefinition<T extends ConnectorType>(type: T): ConnectorDefinition<T> | undefined {
  return DEFINITIONS[type];
}
