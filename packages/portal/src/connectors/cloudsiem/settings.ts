// The `cloudsiem` connector's settings (another cloudsiem portal's list API, hub and spoke) and
// its secret: an admin API token of that portal (scope `read` is enough).
export { cloudsiemSettingsSchema as settingsSchema, type CloudsiemSettings } from '@cloudsiem/protocol';

export const SECRET_FIELD = 'token' as const;
/** What a refused token most likely lacks. */
export const PERMISSIONS = 'an admin API token of the other portal with scope read (or admin)';
