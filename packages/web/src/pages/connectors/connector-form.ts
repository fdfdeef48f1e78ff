// The connector wizard's form (DESIGN §9): its fields as text and checkboxes, the settings each
// type sends (checked by the type's schema from @cloudsiem/protocol, so the UI and the API agree
// on every rule and default), the write-only secret, and where an error the portal answers
// (`settings.tenantId`) belongs in the form.
import {
  CONNECTOR_DEFAULTS,
  CONNECTOR_SETTINGS_SCHEMAS,
  O365_CONTENT_TYPES,
  secretFieldFor,
  type Connector,
  type ConnectorInput,
  type ConnectorPatch,
  type ConnectorType,
} from '@cloudsiem/protocol';
import { ApiFailure } from '../../api.ts';

export type O365ContentType = (typeof O365_CONTENT_TYPES)[number];

export interface ConnectorForm {
  type: ConnectorType;
  name: string;
  url: string;
  /** mdca only: OAuth client credentials, or the legacy API token. */
  auth: 'oauth' | 'token';
  tenantId: string;
  clientId: string;
  authorityUrl: string;
  activities: boolean;
  alerts: boolean;
  /** graph-alerts: serviceSource names, separated by commas, spaces or lines; empty for all. */
  serviceSources: string;
  contentTypes: O365ContentType[];
  publisherId: string;
  pollSeconds: string;
  requestsPerMinute: string;
  /** Write-only: a client secret or a token; empty on edit keeps the stored one. */
  secret: string;
}

/** The form's keys an error can sit beside. */
export type FieldKey = Exclude<keyof ConnectorForm, 'activities' | 'alerts'> | 'dataTypes';
export type FieldErrors = Partial<Record<FieldKey, string>>;

export const GENERAL_FIELDS: readonly FieldKey[] = ['type', 'name'];
/** The settings step's fields that sit under "Advanced" (opened when one of them has an error). */
export const ADVANCED_FIELDS: readonly FieldKey[] = [
  'authorityUrl',
  'publisherId',
  'pollSeconds',
  'requestsPerMinute',
];

/** Which settings each type has (the URL has a default for Graph and O365, so it is advanced there). */
export function fieldsOf(type: ConnectorType, auth: ConnectorForm['auth']): FieldKey[] {
  switch (type) {
    case 'mdca':
      return auth === 'oauth'
        ? [
            'url',
            'auth',
            'tenantId',
            'clientId',
            'dataTypes',
            'authorityUrl',
            'pollSeconds',
            'requestsPerMinute',
          ]
        : ['url', 'auth', 'dataTypes', 'pollSeconds', 'requestsPerMinute'];
    case 'graph-alerts':
      return [
        'tenantId',
        'clientId',
        'serviceSources',
        'url',
        'authorityUrl',
        'pollSeconds',
        'requestsPerMinute',
      ];
    case 'o365-management':
      return [
        'tenantId',
        'clientId',
        'contentTypes',
        'url',
        'authorityUrl',
        'publisherId',
        'pollSeconds',
        'requestsPerMinute',
      ];
    case 'cloudsiem':
      return ['url', 'dataTypes', 'pollSeconds', 'requestsPerMinute'];
  }
}

/** Whether the URL is optional (it has a default) for this type: then it sits under Advanced. */
export function urlIsAdvanced(type: ConnectorType): boolean {
  return type === 'graph-alerts' || type === 'o365-management';
}

/** A number setting's default and maximum, read from the type's schema. */
export function numberSetting(type: ConnectorType, key: 'pollSeconds' | 'requestsPerMinute') {
  const field = CONNECTOR_SETTINGS_SCHEMAS[type].shape[key];
  return {
    default: field.parse(undefined),
    min: field.unwrap().minValue ?? 1,
    max: field.unwrap().maxValue ?? 0,
  };
}

function defaultUrl(type: ConnectorType): string {
  if (type === 'graph-alerts') return CONNECTOR_DEFAULTS.graphUrl;
  if (type === 'o365-management') return CONNECTOR_DEFAULTS.o365Url;
  return '';
}

/** A new connector of `type`: every default of its schema filled in. */
export function newForm(type: ConnectorType, name = ''): ConnectorForm {
  return {
    type,
    name,
    url: defaultUrl(type),
    auth: 'oauth',
    tenantId: '',
    clientId: '',
    authorityUrl: CONNECTOR_DEFAULTS.authorityUrl,
    activities: true,
    alerts: true,
    serviceSources: '',
    contentTypes: [...O365_CONTENT_TYPES],
    publisherId: '',
    pollSeconds: String(numberSetting(type, 'pollSeconds').default),
    requestsPerMinute: String(numberSetting(type, 'requestsPerMinute').default),
    secret: '',
  };
}

/** Another type chosen in step 1: the name stays, the settings start over from that type's defaults. */
export function changeType(form: ConnectorForm, type: ConnectorType): ConnectorForm {
  return form.type === type ? form : newForm(type, form.name);
}

/** A stored connector's settings back into the form (the secret stays empty: write-only). */
export function formOf(connector: Connector): ConnectorForm {
  const s = connector.settings;
  const base = newForm(connector.type, connector.name);
  const text = (key: string, fallback: string) => (typeof s[key] === 'string' ? s[key] : fallback);
  const number = (key: string, fallback: string) => (typeof s[key] === 'number' ? String(s[key]) : fallback);
  const dataTypes = (s.dataTypes ?? {}) as { activities?: unknown; alerts?: unknown };
  return {
    ...base,
    url: text('url', base.url),
    auth: s.auth === 'token' ? 'token' : 'oauth',
    tenantId: text('tenantId', ''),
    clientId: text('clientId', ''),
    authorityUrl: text('authorityUrl', base.authorityUrl),
    activities: dataTypes.activities !== false,
    alerts: dataTypes.alerts !== false,
    serviceSources: Array.isArray(s.serviceSources) ? s.serviceSources.join(', ') : '',
    contentTypes: Array.isArray(s.contentTypes)
      ? O365_CONTENT_TYPES.filter((c) => (s.contentTypes as unknown[]).includes(c))
      : base.contentTypes,
    publisherId: text('publisherId', ''),
    pollSeconds: number('pollSeconds', base.pollSeconds),
    requestsPerMinute: number('requestsPerMinute', base.requestsPerMinute),
  };
}

/** `a, b\nc` → ['a', 'b', 'c']. */
export function splitList(text: string): string[] {
  return text.split(/[\s,;]+/).filter((s) => s !== '');
}

const integer = (text: string) => (/^\s*\d+\s*$/.test(text) ? Number(text) : Number.NaN);

/** The settings the form sends for its type: empty optional fields left out, the schema's defaults apply. */
export function settingsOf(form: ConnectorForm): Record<string, unknown> {
  const settings: Record<string, unknown> = {};
  const put = (key: string, value: string) => {
    if (value.trim() !== '') settings[key] = value.trim();
  };
  for (const key of fieldsOf(form.type, form.auth)) {
    switch (key) {
      case 'url':
      case 'tenantId':
      case 'clientId':
      case 'authorityUrl':
      case 'publisherId':
        put(key, form[key]);
        break;
      case 'auth':
        settings.auth = form.auth;
        break;
      case 'dataTypes':
        settings.dataTypes = { activities: form.activities, alerts: form.alerts };
        break;
      case 'serviceSources': {
        const list = splitList(form.serviceSources);
        if (list.length > 0) settings.serviceSources = list;
        break;
      }
      case 'contentTypes':
        settings.contentTypes = form.contentTypes;
        break;
      case 'pollSeconds':
      case 'requestsPerMinute':
        settings[key] = integer(form[key]);
        break;
    }
  }
  return settings;
}

/** The secret's field for the form's type and auth: `clientSecret` or `token`. */
export function secretField(form: Pick<ConnectorForm, 'type' | 'auth'>): 'clientSecret' | 'token' {
  return secretFieldFor(form.type, form.type === 'mdca' ? { auth: form.auth } : {});
}

/** Whether saving needs a new secret: always when adding, and on edit when the stored one no longer fits. */
export function secretRequired(form: ConnectorForm, connector: Connector | null): boolean {
  return connector === null || connector.secretSet?.field !== secretField(form);
}

/** Each field's name in running text ("tenant ID is required"). */
export const LABELS: Record<FieldKey, string> = {
  type: 'type',
  name: 'name',
  url: 'URL',
  auth: 'authentication',
  tenantId: 'tenant ID',
  clientId: 'client ID',
  authorityUrl: 'authority URL',
  dataTypes: 'data types',
  serviceSources: 'service sources',
  contentTypes: 'content types',
  publisherId: 'publisher ID',
  pollSeconds: 'poll interval',
  requestsPerMinute: 'requests per minute',
  secret: 'secret',
};

/** A schema issue in the form's words: "tenant ID is required", "poll interval must be 10–86400 seconds". */
function messageFor(form: ConnectorForm, key: FieldKey, issue: { code: string; message: string }): string {
  if (key === 'pollSeconds' || key === 'requestsPerMinute') {
    const { min, max } = numberSetting(form.type, key);
    return key === 'pollSeconds'
      ? `poll interval must be a whole number of seconds, ${min}–${max}`
      : `requests per minute must be a whole number, ${min}–${max}`;
  }
  if (issue.code === 'invalid_type') return `${LABELS[key]} is required`;
  if (key === 'serviceSources')
    return `service sources: ${issue.message} (letters only, e.g. microsoftDefenderForCloudApps)`;
  if (key === 'contentTypes' && issue.code === 'too_small') return 'choose at least one content type';
  // A rule across the checkboxes says what to do already.
  if (key === 'dataTypes') return issue.message;
  return `${LABELS[key]} ${issue.message}`;
}

/** The path of a settings issue → the form's key. */
function keyOfSettingsPath(path: readonly PropertyKey[]): FieldKey {
  const first = String(path[0] ?? 'url');
  return first in LABELS ? (first as FieldKey) : 'url';
}

/** Every problem of the form at once, keyed by field (empty when it can be sent). */
export function validate(form: ConnectorForm, connector: Connector | null): FieldErrors {
  const errors: FieldErrors = {};
  const name = form.name.trim();
  if (name === '') errors.name = 'name is required';
  else if (name.length > 100) errors.name = 'name must be at most 100 characters';
  const result = CONNECTOR_SETTINGS_SCHEMAS[form.type].safeParse(settingsOf(form));
  if (!result.success)
    for (const issue of result.error.issues) {
      const key = keyOfSettingsPath(issue.path);
      errors[key] ??= messageFor(form, key, issue);
    }
  // The schema checks OAuth's required ids only once the rest parses: say it at once.
  if (form.type === 'mdca' && form.auth === 'oauth')
    for (const key of ['tenantId', 'clientId'] as const)
      if (form[key].trim() === '') errors[key] = `${LABELS[key]} is required with OAuth`;
  if (form.secret === '' && secretRequired(form, connector))
    errors.secret =
      secretField(form) === 'token' ? 'the API token is required' : 'the client secret is required';
  return errors;
}

/** The step an error belongs to: 0 for the type and name, 1 for the settings and secret. */
export function stepOf(errors: FieldErrors): number | null {
  const keys = Object.keys(errors) as FieldKey[];
  if (keys.length === 0) return null;
  return keys.some((k) => GENERAL_FIELDS.includes(k)) ? 0 : 1;
}

/** POST /connectors (and the unsaved test). */
export function inputOf(form: ConnectorForm): ConnectorInput {
  return {
    name: form.name.trim(),
    type: form.type,
    enabled: true,
    settings: settingsOf(form),
    secret: { [secretField(form)]: form.secret },
  };
}

/** PATCH /connectors/{id}: the settings merge over the stored ones; an empty secret keeps the stored one. */
export function patchOf(form: ConnectorForm): ConnectorPatch {
  return {
    name: form.name.trim(),
    settings: settingsOf(form),
    ...(form.secret === '' ? {} : { secret: { [secretField(form)]: form.secret } }),
  };
}

/**
 * The portal's validation issues beside their fields: `settings.tenantId` → tenantId,
 * `secret.clientSecret` → secret, `name` → name (a leading `body.` is dropped). Null when the
 * error is no validation error; issues that fit no field are returned as `other`.
 */
export function placeServerIssues(error: unknown): { errors: FieldErrors; other: string[] } | null {
  if (!(error instanceof ApiFailure) || error.issues.length === 0) return null;
  const errors: FieldErrors = {};
  const other: string[] = [];
  for (const issue of error.issues) {
    const path = issue.path.replace(/^body\./, '').split('.');
    const [first, second] = path;
    let key: FieldKey | null = null;
    if (first === 'name' || first === 'type') key = first;
    else if (first === 'secret') key = 'secret';
    else if (first === 'settings' && second !== undefined && second in LABELS) key = second as FieldKey;
    if (key === null) other.push(issue.path === '' ? issue.message : `${issue.path}: ${issue.message}`);
    else errors[key] ??= issue.message;
  }
  return { errors, other };
}
