// The wire contract shared by portal, agent and web: zod schemas and the types inferred from them.
export * from './records.ts';
export * from './format-settings.ts';
export * from './filters.ts';
export * from './api-errors.ts';
export * from './siem-agents.ts';
export * from './agent-api.ts';
export * from './admin-api.ts';
export * from './agent-token.ts';
export * from './field-values.ts';
export * from './connectors.ts';
export * from './admin-client.ts';
export * from './alert-triage.ts';
export * from './overview.ts';
