// The wizard's Settings step: the fields of the chosen connector type (DESIGN §9) — URL, the
// authentication and its ids, data types, service sources or content types, the write-only
// secret — with the authority URL, publisher, poll interval and request rate under "Advanced".
import { O365_CONTENT_TYPES, type Connector } from '@cloudsiem/protocol';
import { useEffect, useId, useState, type ReactNode } from 'react';
import { Disclosure } from '../../components/disclosure.tsx';
import { Checkbox, FormField, RadioGroup } from '../../components/form-field.tsx';
import {
  ADVANCED_FIELDS,
  fieldsOf,
  newForm,
  numberSetting,
  secretField,
  urlIsAdvanced,
  type ConnectorForm,
  type FieldErrors,
  type FieldKey,
} from './connector-form.ts';

const URL_FIELDS = {
  mdca: {
    label: 'API URL',
    hint: 'Your Defender for Cloud Apps API URL, e.g. https://contoso.us3.portal.cloudappsecurity.com (Settings › Cloud Apps › About).',
  },
  'graph-alerts': {
    label: 'Graph URL',
    hint: 'https://graph.microsoft.com unless your tenant is in a national cloud.',
  },
  'o365-management': {
    label: 'API URL',
    hint: 'https://manage.office.com unless your tenant is in a national cloud.',
  },
  cloudsiem: { label: 'Portal URL', hint: 'The other cloudsiem portal, e.g. https://hub.example.com.' },
} as const;

const CONTENT_TYPE_LABELS: Record<(typeof O365_CONTENT_TYPES)[number], string> = {
  'Audit.AzureActiveDirectory': 'Entra ID (Audit.AzureActiveDirectory)',
  'Audit.Exchange': 'Exchange (Audit.Exchange)',
  'Audit.SharePoint': 'SharePoint and OneDrive (Audit.SharePoint)',
  'Audit.General': 'Everything else (Audit.General)',
  'DLP.All': 'Data loss prevention (DLP.All)',
};

/** A group of checkboxes named for assistive technology, with its error under it. */
function CheckGroup({
  label,
  error,
  children,
}: {
  label: string;
  error?: string | undefined;
  children: ReactNode;
}) {
  const id = useId();
  return (
    <div
      role="group"
      aria-labelledby={`${id}-label`}
      aria-describedby={error ? `${id}-error` : undefined}
      className={`check-group${error ? ' field-invalid' : ''}`}
    >
      <div id={`${id}-label`} className="field-legend">
        {label}
      </div>
      {children}
      {error ? (
        <p id={`${id}-error`} className="field-error">
          {error}
        </p>
      ) : null}
    </div>
  );
}

export function ConnectorSettings({
  form,
  onChange,
  errors,
  connector,
}: {
  form: ConnectorForm;
  onChange: (change: Partial<ConnectorForm>) => void;
  errors: FieldErrors;
  /** The connector being edited (its secret is set), or null when adding one. */
  connector: Connector | null;
}) {
  const fields = fieldsOf(form.type, form.auth);
  const advancedFields = fields.filter(
    (f) => ADVANCED_FIELDS.includes(f) || (f === 'url' && urlIsAdvanced(form.type)),
  );
  // Open from the start when something in it differs from the defaults (an edit, a step back).
  const [advanced, setAdvanced] = useState(() => {
    const defaults = newForm(form.type);
    return advancedFields.some((f) => f !== 'dataTypes' && form[f] !== defaults[f]);
  });
  // An error under "Advanced" must be seen: open it.
  const advancedError = advancedFields.some((f) => errors[f] !== undefined);
  useEffect(() => {
    if (advancedError) setAdvanced(true);
  }, [advancedError]);

  const text = (key: FieldKey & keyof ConnectorForm, label: string, hint?: string, placeholder?: string) => (
    <FormField key={key} label={label} error={errors[key]} hint={hint}>
      {(props) => (
        <input
          {...props}
          type="text"
          value={form[key]}
          placeholder={placeholder}
          autoComplete="off"
          spellCheck={false}
          onChange={(e) => onChange({ [key]: e.target.value })}
        />
      )}
    </FormField>
  );
  const number = (key: 'pollSeconds' | 'requestsPerMinute', label: string, hint: string) => {
    const { default: fallback, min, max } = numberSetting(form.type, key);
    return (
      <FormField
        key={key}
        label={label}
        error={errors[key]}
        hint={`${hint} ${min}–${max}, default ${fallback}.`}
      >
        {(props) => (
          <input
            {...props}
            type="text"
            inputMode="numeric"
            value={form[key]}
            autoComplete="off"
            onChange={(e) => onChange({ [key]: e.target.value })}
          />
        )}
      </FormField>
    );
  };

  const render = (key: FieldKey): ReactNode => {
    switch (key) {
      case 'url':
        return text('url', URL_FIELDS[form.type].label, URL_FIELDS[form.type].hint, 'https://');
      case 'auth':
        return (
          <RadioGroup
            key={key}
            name="Authentication"
            value={form.auth}
            inline={false}
            onChange={(auth) => onChange({ auth })}
            error={errors.auth}
            options={[
              {
                value: 'oauth',
                label: 'OAuth (Entra ID application)',
                hint: 'An app registration with the Defender for Cloud Apps API permissions and a client secret.',
              },
              {
                value: 'token',
                label: 'Legacy API token',
                hint: 'A token from Settings › Cloud Apps › API tokens.',
              },
            ]}
          />
        );
      case 'tenantId':
        return text(
          'tenantId',
          'Tenant ID',
          'The directory (tenant) ID, or a verified domain such as contoso.onmicrosoft.com.',
        );
      case 'clientId':
        return text('clientId', 'Client ID', 'The application (client) ID of the app registration: a GUID.');
      case 'authorityUrl':
        return text(
          'authorityUrl',
          'Authority URL',
          'Where the client secret is exchanged for a token; another one only in a national cloud.',
        );
      case 'publisherId':
        return text(
          'publisherId',
          'Publisher ID',
          'PublisherIdentifier: Microsoft counts the throttling per publisher. Empty: the tenant ID.',
        );
      case 'dataTypes':
        return (
          <CheckGroup key={key} label="Data types" error={errors.dataTypes}>
            <Checkbox
              label="Activities"
              checked={form.activities}
              onChange={(activities) => onChange({ activities })}
            />
            <Checkbox label="Alerts" checked={form.alerts} onChange={(alerts) => onChange({ alerts })} />
          </CheckGroup>
        );
      case 'serviceSources':
        return (
          <FormField
            key={key}
            label="Service sources"
            error={errors.serviceSources}
            hint="Only alerts of these sources, separated by commas or lines, e.g. microsoftDefenderForCloudApps. Empty: every source. Leave out a source another integration already sends, to avoid duplicates."
          >
            {(props) => (
              <textarea
                {...props}
                rows={2}
                value={form.serviceSources}
                spellCheck={false}
                onChange={(e) => onChange({ serviceSources: e.target.value })}
              />
            )}
          </FormField>
        );
      case 'contentTypes':
        return (
          <CheckGroup key={key} label="Content types" error={errors.contentTypes}>
            {O365_CONTENT_TYPES.map((contentType) => (
              <Checkbox
                key={contentType}
                label={CONTENT_TYPE_LABELS[contentType]}
                checked={form.contentTypes.includes(contentType)}
                onChange={(on) =>
                  onChange({
                    contentTypes: O365_CONTENT_TYPES.filter((c) =>
                      c === contentType ? on : form.contentTypes.includes(c),
                    ),
                  })
                }
              />
            ))}
          </CheckGroup>
        );
      case 'pollSeconds':
        return number('pollSeconds', 'Poll interval (seconds)', 'How often it asks for new records:');
      case 'requestsPerMinute':
        return number(
          'requestsPerMinute',
          'Requests per minute',
          'At most this many calls a minute, shared by its streams:',
        );
      default:
        return null;
    }
  };

  const field = secretField(form);
  const keeps = connector?.secretSet?.field === field;
  const secretName = field === 'token' ? 'API token' : 'Client secret';
  return (
    <>
      {fields.filter((f) => !advancedFields.includes(f)).map(render)}
      <FormField
        label={secretName}
        error={errors.secret}
        hint={
          keeps
            ? `A ${field === 'token' ? 'token' : 'client secret'} is set (${connector?.secretSet?.hint ?? 'stored'}) — leave empty to keep it.`
            : 'Write-only: stored encrypted and never shown again.'
        }
      >
        {(props) => (
          <input
            {...props}
            type="password"
            value={form.secret}
            autoComplete="new-password"
            spellCheck={false}
            onChange={(e) => onChange({ secret: e.target.value })}
          />
        )}
      </FormField>
      <Disclosure label="Advanced" open={advanced} onToggle={setAdvanced}>
        {advancedFields.map(render)}
      </Disclosure>
    </>
  );
}
