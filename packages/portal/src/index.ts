// The portal (DESIGN §1): the control plane — store, policies, SIEM agents and tokens, status,
// the agent API and the admin REST API.
export { startPortal, type Portal, type PortalOptions } from './server.ts';
export { openStore, parseDatabaseUrl, DEFAULT_DATABASE_URL, type Store } from './store/db.ts';
export { StoreError, STORE_ERROR_CODES } from './store/errors.ts';
export {
  systemClock,
  silentLogger,
  DEFAULT_SETTINGS,
  type Clock,
  type Logger,
  type PortalSettings,
} from './context.ts';
export { FIRST_ADMIN_EMAIL } from './services/admins.ts';
export { resetAdminPassword, AdminResetError, type AdminReset } from './services/admin-reset.ts';
export { agentStatus } from './services/status.ts';
export { connectorDefinition } from './connectors/registry.ts';
export { testConnection } from './connectors/test-connection.ts';
export {
  BUILTIN_POLICIES,
  BUILTIN_THRESHOLDS,
  RISKY_COUNTRIES,
  type PolicyDraft,
} from './services/builtin-policies.ts';
export {
  SecretBoxError,
  SECRET_BOX_ERROR_CODES,
  generateSecretKeyText,
  parseSecretKey,
  readSecretKeyFile,
} from './auth/secret-box.ts';
