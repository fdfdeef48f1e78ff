// The wire contract shared by portal, agent and web: zod schemas and the types inferred from them.
export * from './records.ts';
export * from './format-settings.ts';
