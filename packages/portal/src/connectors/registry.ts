// Every connector type, one line each (DESIGN §9): the scheduler, the admin API and the CLI's
// `connector test` find a type here and nowhere else.
import type { ConnectorType } from '@cloudsiem/protocol';
import type { ConnectorDefinition } from './types.ts';
import { cloudsiemConnector } from './cloudsiem/index.ts';

const DEFINITIONS: { [T in ConnectorType]?: ConnectorDefinition<T> } = {
  cloudsiem: cloudsiemConnector,
};

export function connectorDefinition<T extends ConnectorType>(type: T): ConnectorDefinition<T> | undefined {
  return DEFINITIONS[type];
}
