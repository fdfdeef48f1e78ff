// The Add SIEM agent wizard (DESIGN §7, the seed's four steps): General (name, SIEM format,
// advanced settings) → Remote syslog (host, port, TCP/UDP/TLS) → Data types (alerts and
// activities, each to all or to specific filters, with a preview of the matching events and the
// exact CEF lines) → Token (shown once). Editing an agent reuses the first three steps and saves.
// Each step is a route (adding: #/siem-agents/new/<step>; editing: #/siem-agents/<id>/edit/<step>,
// over the agent's details; wizard-run.ts keeps the draft across them); closing or leaving with
// unsaved edits asks first, and so does closing the token step.
import {
  activityFilterSchema,
  alertFilterSchema,
  formatSettingsSchema,
  syslogTargetSchema,
  TIME_FORMATS,
  type DataType,
  type Filter,
  type FormatSettings,
  type PreviewResponse,
  type SiemAgent,
  type SiemAgentInput,
  type SyslogTarget,
} from '@cloudsiem/protocol';
import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { flushSync } from 'react-dom';
import { api, ApiFailure, messageOf } from '../../api.ts';
import { CefSamples, summaryOf } from '../../components/cef-samples.tsx';
import { ConfirmDialog, Dialog } from '../../components/dialog.tsx';
import { Disclosure } from '../../components/disclosure.tsx';
import { FilterBuilder } from '../../components/filter-builder.tsx';
import { Checkbox, FormField, RadioGroup } from '../../components/form-field.tsx';
import { leaveTo, useLeaveGuard } from '../../components/leave-guard.ts';
import { Wizard } from '../../components/wizard.tsx';
import { filterToRows, rowsToFilter, type FilterRow } from '../../filters.ts';
import { hashOf, NEW_AGENT_STEPS } from '../../routes.ts';
import {
  cameFrom,
  currentRun,
  endRun,
  goToStep,
  runEnded,
  runOrigin,
  saveDraft,
  savedDraft,
  startRun,
  stepOfHash,
  type WizardKind,
  type WizardStep,
} from './wizard-run.ts';
import { TokenPanel, useTokenClose } from './token-panel.tsx';

export const SAVED_NOTICE = 'Saved. The running agent picks up the change by itself — no restart needed.';

const STEPS = ['General', 'Remote syslog', 'Data types', 'Token'] as const;
const GENERAL = 0;
const SYSLOG = 1;
const DATA_TYPES = 2;
const TOKEN = 3;
const LIST_HASH = '#/siem-agents';

/** Where a run closes to: the agents list (adding), or the page an edit was opened from. */
function closeHash(kind: WizardKind): string {
  return kind.adding ? LIST_HASH : (runOrigin() ?? hashOf({ page: 'siem-agent', id: kind.agentId }));
}

const TIME_FORMAT_LABELS: Record<(typeof TIME_FORMATS)[number], string> = {
  rfc5424: 'RFC 5424 (2017-01-02T16:38:38.383Z)',
  rfc3164: 'RFC 3164 (Jan  2 16:38:38)',
  'rfc3164-year': 'RFC 3164 with year (2017 Jan  2 16:38:38)',
};

interface Selection {
  enabled: boolean;
  specific: boolean;
  rows: FilterRow[];
}

interface Form {
  name: string;
  format: FormatSettings;
  host: string;
  port: string;
  protocol: SyslogTarget['protocol'];
  framing: 'lf' | 'octet';
  udpMaxBytes: string;
  alerts: Selection;
  activities: Selection;
}

type Errors = Partial<Record<string, string>>;

function initialForm(agent: SiemAgent | null): Form {
  if (agent === null) {
    const syslog = syslogTargetSchema.parse({ host: 'localhost', port: 514 });
    return {
      name: '',
      format: formatSettingsSchema.parse({}),
      host: '',
      port: '',
      protocol: syslog.protocol,
      framing: syslog.framing,
      udpMaxBytes: String(syslog.udpMaxBytes),
      alerts: { enabled: true, specific: false, rows: [] },
      activities: { enabled: true, specific: false, rows: [] },
    };
  }
  const selection = (dataType: DataType): Selection => {
    const { enabled, filter } = agent.dataTypes[dataType];
    return { enabled, specific: filter !== null, rows: filterToRows(dataType, filter) };
  };
  return {
    name: agent.name,
    format: { ...agent.format },
    host: agent.syslog.host,
    port: String(agent.syslog.port),
    protocol: agent.syslog.protocol,
    framing: agent.syslog.framing,
    udpMaxBytes: String(agent.syslog.udpMaxBytes),
    alerts: selection('alerts'),
    activities: selection('activities'),
  };
}

const PORT_MESSAGE = 'port must be 1–65535';

function validateGeneral(form: Form): Errors {
  const errors: Errors = {};
  if (form.name.trim() === '') errors.name = 'name is required';
  else if (form.name.trim().length > 100) errors.name = 'name must be at most 100 characters';
  for (const key of ['vendor', 'product'] as const) {
    const value = form.format[key];
    if (value === '')
      errors[key] = `${key} is required (the default is ${key === 'vendor' ? 'MCAS' : 'SIEM_Agent'})`;
    else if (value.length > 63) errors[key] = `${key} must be at most 63 characters`;
  }
  return errors;
}

function syslogOf(form: Form) {
  return {
    host: form.host.trim(),
    port: /^\d+$/.test(form.port.trim()) ? Number(form.port.trim()) : Number.NaN,
    protocol: form.protocol,
    framing: form.framing,
    udpMaxBytes: /^\d+$/.test(form.udpMaxBytes.trim()) ? Number(form.udpMaxBytes.trim()) : Number.NaN,
  };
}

function validateSyslog(form: Form): Errors {
  const result = syslogTargetSchema.safeParse(syslogOf(form));
  if (result.success) return {};
  const errors: Errors = {};
  for (const issue of result.error.issues) {
    const key = String(issue.path[0] ?? 'host');
    if (errors[key] !== undefined) continue;
    if (key === 'port') errors.port = PORT_MESSAGE;
    else if (key === 'udpMaxBytes') errors.udpMaxBytes = 'maximum datagram size must be 480–65000 bytes';
    else errors[key] = form.host.trim() === '' && key === 'host' ? 'host is required' : issue.message;
  }
  return errors;
}

/** The filter a data type sends with, or the errors its rows have. */
function selectionFilter(
  dataType: DataType,
  selection: Selection,
): { filter: Filter | null; rowErrors: Record<number, string>; error?: string } {
  if (!selection.specific) return { filter: null, rowErrors: {} };
  if (selection.rows.length === 0)
    return { filter: null, rowErrors: {}, error: 'add at least one filter, or apply to all' };
  const { filter, errors } = rowsToFilter(dataType, selection.rows);
  if (Object.keys(errors).length > 0) return { filter: null, rowErrors: errors };
  const schema = dataType === 'activities' ? activityFilterSchema : alertFilterSchema;
  const checked = schema.safeParse(filter);
  if (!checked.success)
    return { filter: null, rowErrors: {}, error: checked.error.issues.map((i) => i.message).join('; ') };
  return { filter, rowErrors: {} };
}

/** The row errors of a stored filter as the form opens it (none for Apply to: All). */
function storedRowErrors(dataType: DataType, selection: Selection): Record<number, string> {
  return selection.specific ? rowsToFilter(dataType, selection.rows).errors : {};
}

/** Where an error the portal answers belongs: `body.syslog.port` → the Remote syslog step's port. */
function placeServerIssues(error: unknown): { step: number; errors: Errors } | null {
  if (!(error instanceof ApiFailure) || error.issues.length === 0) return null;
  const errors: Errors = {};
  let step = DATA_TYPES;
  for (const issue of error.issues) {
    const path = issue.path.replace(/^body\./, '').split('.');
    if (path[0] === 'name') {
      errors.name ??= issue.message;
      step = Math.min(step, GENERAL);
    } else if (path[0] === 'format') {
      errors[path[1] ?? 'vendor'] ??= issue.message;
      step = Math.min(step, GENERAL);
    } else if (path[0] === 'syslog') {
      errors[path[1] ?? 'host'] ??= path[1] === 'port' ? PORT_MESSAGE : issue.message;
      step = Math.min(step, SYSLOG);
    } else {
      errors[`dataTypes.${path[1] ?? 'activities'}`] ??= `${issue.path}: ${issue.message}`;
    }
  }
  return { step, errors };
}

interface Preview {
  dataType: DataType;
  /** Apply to: All (no filter). */
  all: boolean;
  loading: boolean;
  result?: PreviewResponse;
  error?: string;
}

export function AgentWizard({
  agent,
  routeStep,
  onCreated,
  onSaved,
}: {
  /** The agent to edit, or null to add one. */
  agent: SiemAgent | null;
  /** The step the route shows (#/siem-agents/new/<step>, #/siem-agents/<id>/edit/<step>). */
  routeStep: WizardStep;
  onCreated: () => void;
  /** Editing: saved; the wizard then goes to `to`, the page it was opened from. */
  onSaved: (agent: SiemAgent, to: string) => void;
}) {
  const editing = agent !== null;
  const [kind] = useState<WizardKind>(() =>
    agent === null ? { adding: true } : { adding: false, agentId: agent.id },
  );
  // The run whose history entries the step routes are (a refresh or Back finds its draft).
  const [run] = useState(() => currentRun() ?? startRun());
  const [blank] = useState(() => JSON.stringify(initialForm(agent)));
  const [form, setForm] = useState<Form>(() => savedDraft<Form>(run, kind) ?? initialForm(agent));
  const step = NEW_AGENT_STEPS.indexOf(routeStep);
  const setStep = (next: number) => goToStep(run, kind, NEW_AGENT_STEPS[next]!);
  const isStepHash = (hash: string) => stepOfHash(kind, hash) !== null;
  const [errors, setErrors] = useState<Errors>({});
  // An edited agent's stored filter may hold a value the schema now refuses (severity eq High,
  // saved by an older portal): its rows show what is wrong as soon as the form opens.
  const [rowErrors, setRowErrors] = useState<Record<DataType, Record<number, string>>>(() => ({
    alerts: storedRowErrors('alerts', form.alerts),
    activities: storedRowErrors('activities', form.activities),
  }));
  const [advanced, setAdvanced] = useState(false);
  const [preview, setPreview] = useState<Preview | null>(null);
  const [submitting, setSubmitting] = useState(false);
  const [submitError, setSubmitError] = useState<string | null>(null);
  const [token, setToken] = useState<string | null>(null);
  /** A close or a hash change waiting for the admin's answer to "Discard this SIEM agent?". */
  const [discarding, setDiscarding] = useState<{ to: string | null } | null>(null);
  const dirty = token === null && JSON.stringify(form) !== blank;
  // Back into the steps of a run that ended (its agent created or saved, or discarded) is no wizard again.
  const ended = token === null && runEnded(run);

  /** Closes for good, to where the run closes to or to `to`, the page the admin asked for. */
  const finish = (to: string | null) => {
    const back = closeHash(kind);
    endRun(run, kind);
    leaveTo(to === null || isStepHash(to) ? back : to);
  };
  const tokenClose = useTokenClose(
    token !== null,
    finish,
    hashOf({ page: 'siem-agents', newAgent: 'token' }),
  );
  useLeaveGuard(dirty, isStepHash, (to) => setDiscarding({ to }));
  const requestClose = () => {
    if (token !== null) tokenClose.request();
    else if (dirty) setDiscarding({ to: null });
    else finish(null);
  };

  // Keep the draft for a refresh, and open no step before the ones it needs are filled in (a
  // step's URL typed, or Forward into a run that was reset).
  useEffect(() => {
    if (!ended && token === null) saveDraft(run, kind, form);
  }, [run, kind, ended, token, form]);
  useEffect(() => {
    if (ended) leaveTo(closeHash(kind));
    else if (step === TOKEN && token === null) leaveTo(closeHash(kind));
    else if (step > GENERAL && Object.keys(validateGeneral(form)).length > 0)
      goToStep(run, kind, 'general', { replace: true });
    else if (step > SYSLOG && step !== TOKEN && Object.keys(validateSyslog(form)).length > 0)
      goToStep(run, kind, 'remote-syslog', { replace: true });
  }, [run, kind, ended, step, token, form]);

  /** A field's error goes as soon as its value is valid (a new error waits for Next or Save). */
  const clearFixed = (next: Form, keys: string[]) => {
    const now = { ...validateGeneral(next), ...validateSyslog(next) };
    const fixed = (e: Errors) => keys.filter((key) => e[key] !== undefined && now[key] === undefined);
    setErrors((e) =>
      fixed(e).length === 0
        ? e
        : Object.fromEntries(Object.entries(e).filter(([key]) => !fixed(e).includes(key))),
    );
  };
  const set = <K extends keyof Form>(key: K, value: Form[K]) => {
    const next = { ...form, [key]: value };
    setForm(next);
    clearFixed(next, [key]);
  };
  const setFormat = (change: Partial<FormatSettings>) => {
    const next = { ...form, format: { ...form.format, ...change } };
    setForm(next);
    clearFixed(next, Object.keys(change));
  };
  const setSelection = (dataType: DataType, change: Partial<Selection>) => {
    setForm((f) => ({ ...f, [dataType]: { ...f[dataType], ...change } }));
    // A row's error goes once the row is fixed (new errors wait for the preview or Save).
    const rows = change.rows;
    if (rows !== undefined)
      setRowErrors((r) => {
        const now = rowsToFilter(dataType, rows).errors;
        const still = Object.entries(r[dataType]).filter(([key]) => now[Number(key)] !== undefined);
        return { ...r, [dataType]: Object.fromEntries(still.map(([key]) => [key, now[Number(key)]!])) };
      });
    if (preview?.dataType === dataType) setPreview(null);
    setErrors((e) => ({ ...e, [`dataTypes.${dataType}`]: undefined, dataTypes: undefined }));
  };

  const validateDataTypes = (): { ok: boolean; filters: Record<DataType, Filter | null> } => {
    const next: Errors = {};
    const nextRows: Record<DataType, Record<number, string>> = { alerts: {}, activities: {} };
    const filters: Record<DataType, Filter | null> = { alerts: null, activities: null };
    if (!form.alerts.enabled && !form.activities.enabled)
      next.dataTypes = 'choose alerts, activities or both';
    for (const dataType of ['alerts', 'activities'] as const) {
      if (!form[dataType].enabled) continue;
      const result = selectionFilter(dataType, form[dataType]);
      filters[dataType] = result.filter;
      nextRows[dataType] = result.rowErrors;
      if (result.error !== undefined) next[`dataTypes.${dataType}`] = result.error;
    }
    setErrors(next);
    setRowErrors(nextRows);
    const ok =
      Object.keys(next).length === 0 && Object.values(nextRows).every((r) => Object.keys(r).length === 0);
    return { ok, filters };
  };

  const next = () => {
    const found = step === GENERAL ? validateGeneral(form) : validateSyslog(form);
    setErrors(found);
    if (Object.keys(found).length === 0) setStep(step + 1);
  };

  const submit = async () => {
    const general = validateGeneral(form);
    const syslog = validateSyslog(form);
    if (Object.keys(general).length > 0 || Object.keys(syslog).length > 0) {
      setErrors({ ...general, ...syslog });
      setStep(Object.keys(general).length > 0 ? GENERAL : SYSLOG);
      return;
    }
    const { ok, filters } = validateDataTypes();
    if (!ok) return;
    const dataTypes = {
      alerts: { enabled: form.alerts.enabled, filter: filters.alerts },
      activities: { enabled: form.activities.enabled, filter: filters.activities },
    };
    // A switched-off data type keeps the filter it had, for when it is switched on again.
    if (agent !== null) {
      for (const dataType of ['alerts', 'activities'] as const) {
        if (!form[dataType].enabled) dataTypes[dataType].filter = agent.dataTypes[dataType].filter;
      }
    }
    setSubmitting(true);
    setSubmitError(null);
    try {
      const format = form.format;
      const syslogTarget = syslogOf(form);
      if (agent === null) {
        const input: SiemAgentInput = {
          name: form.name.trim(),
          format,
          syslog: syslogTarget,
          dataTypes,
          enabled: true,
        };
        const created = await api.createAgent(input);
        // The token first, so the token step's route finds it.
        flushSync(() => setToken(created.token));
        // The run is over: the token step replaces the Data types step, and Back into the run's
        // steps does not open a filled-in wizard that would create a second agent.
        endRun(run, kind);
        goToStep(run, kind, 'token', { replace: true });
        onCreated();
      } else {
        const saved = await api.updateAgent(agent.id, {
          name: form.name.trim(),
          format,
          syslog: syslogTarget,
          dataTypes,
        });
        const to = closeHash(kind);
        endRun(run, kind);
        onSaved(saved, to);
        leaveTo(to);
      }
    } catch (error) {
      const placed = placeServerIssues(error);
      if (placed === null) setSubmitError(messageOf(error));
      else {
        setErrors(placed.errors);
        setStep(placed.step);
      }
    } finally {
      setSubmitting(false);
    }
  };

  const runPreview = async (dataType: DataType) => {
    const result = selectionFilter(dataType, form[dataType]);
    setRowErrors((r) => ({ ...r, [dataType]: result.rowErrors }));
    setErrors((e) => ({ ...e, [`dataTypes.${dataType}`]: result.error }));
    if (result.error !== undefined || Object.keys(result.rowErrors).length > 0) {
      setPreview(null);
      return;
    }
    const all = result.filter === null;
    setPreview({ dataType, all, loading: true });
    try {
      const answer = await api.preview({ dataType, filter: result.filter, format: form.format, limit: 10 });
      setPreview({ dataType, all, loading: false, result: answer });
    } catch (error) {
      setPreview({ dataType, all, loading: false, error: messageOf(error) });
    }
  };

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    if (step === DATA_TYPES) void submit();
    else if (step < DATA_TYPES) next();
  };

  const formId = useId();
  const footer =
    step === TOKEN ? (
      <button type="button" className="button button-primary" onClick={requestClose}>
        Done
      </button>
    ) : (
      <>
        <button type="button" className="button button-quiet" onClick={requestClose} disabled={submitting}>
          Cancel
        </button>
        <span className="spacer" />
        <button
          type="button"
          className="button"
          disabled={step === GENERAL || submitting}
          onClick={() => {
            setErrors({});
            // The step before is the history entry before when Next led here: go Back to it, so the
            // browser's Forward is the wizard's Next again.
            if (cameFrom() === NEW_AGENT_STEPS[step - 1]) window.history.back();
            else setStep(step - 1);
          }}
        >
          Back
        </button>
        {step < DATA_TYPES ? (
          <button type="submit" form={formId} className="button button-primary">
            Next
          </button>
        ) : (
          <button type="submit" form={formId} className="button button-primary" disabled={submitting}>
            {editing ? 'Save' : 'Create'}
          </button>
        )}
      </>
    );

  if (ended) return null;
  return (
    <Dialog
      title={editing ? 'Edit SIEM agent' : 'Add SIEM agent'}
      onClose={requestClose}
      variant="wide"
      busy={submitting}
      footer={footer}
    >
      <Wizard steps={STEPS} current={step} skipped={editing ? [TOKEN] : []}>
        <form id={formId} onSubmit={onSubmit} noValidate>
          {step === GENERAL ? (
            <>
              <FormField
                label="Name"
                error={errors.name}
                hint="How this agent is listed, e.g. the SIEM it feeds."
              >
                {(props) => (
                  <input
                    {...props}
                    type="text"
                    value={form.name}
                    maxLength={100}
                    autoComplete="off"
                    onChange={(e) => set('name', e.target.value)}
                  />
                )}
              </FormField>
              <FormField
                label="SIEM format"
                hint={
                  form.format.format === 'arcsight'
                    ? 'ArcSight: RFC 5424 time, no PRI; only the system name is optional.'
                    : 'Generic CEF: what QRadar, Splunk, Exabeam and other CEF parsers read.'
                }
              >
                {(props) => (
                  <select
                    {...props}
                    value={form.format.format}
                    onChange={(e) => setFormat({ format: e.target.value as FormatSettings['format'] })}
                  >
                    <option value="generic">Generic CEF</option>
                    <option value="arcsight">ArcSight</option>
                  </select>
                )}
              </FormField>
              <Disclosure label="Advanced settings" open={advanced} onToggle={setAdvanced}>
                <>
                  {form.format.format === 'generic' ? (
                    <>
                      <FormField label="Time format">
                        {(props) => (
                          <select
                            {...props}
                            value={form.format.timeFormat}
                            onChange={(e) =>
                              setFormat({ timeFormat: e.target.value as FormatSettings['timeFormat'] })
                            }
                          >
                            {TIME_FORMATS.map((t) => (
                              <option key={t} value={t}>
                                {TIME_FORMAT_LABELS[t]}
                              </option>
                            ))}
                          </select>
                        )}
                      </FormField>
                      <Checkbox
                        label="Include PRI"
                        checked={form.format.includePri}
                        onChange={(includePri) => setFormat({ includePri })}
                        hint="Starts each line with <PRI>: the facility below and a severity derived from the event."
                      />
                      {form.format.includePri ? (
                        <FormField label="Facility" error={errors.facility}>
                          {(props) => (
                            <select
                              {...props}
                              value={form.format.facility}
                              onChange={(e) => setFormat({ facility: Number(e.target.value) })}
                            >
                              {Array.from({ length: 24 }, (_, i) => (
                                <option key={i} value={i}>
                                  {i}
                                  {i === 16 ? ' (local0, default)' : i >= 16 ? ` (local${i - 16})` : ''}
                                </option>
                              ))}
                            </select>
                          )}
                        </FormField>
                      ) : null}
                    </>
                  ) : null}
                  <Checkbox
                    label="Include system name"
                    checked={form.format.includeSystemName}
                    onChange={(includeSystemName) => setFormat({ includeSystemName })}
                    hint="Writes the agent host's name after the time."
                  />
                  <div className="field-pair">
                    <FormField
                      label="Vendor"
                      error={errors.vendor}
                      hint="CEF Device Vendor; MCAS keeps existing SIEM content working."
                    >
                      {(props) => (
                        <input
                          {...props}
                          type="text"
                          value={form.format.vendor}
                          maxLength={63}
                          onChange={(e) => setFormat({ vendor: e.target.value })}
                        />
                      )}
                    </FormField>
                    <FormField
                      label="Product"
                      error={errors.product}
                      hint="CEF Device Product (default SIEM_Agent)."
                    >
                      {(props) => (
                        <input
                          {...props}
                          type="text"
                          value={form.format.product}
                          maxLength={63}
                          onChange={(e) => setFormat({ product: e.target.value })}
                        />
                      )}
                    </FormField>
                  </div>
                </>
              </Disclosure>
            </>
          ) : null}

          {step === SYSLOG ? (
            <>
              <p className="muted">Where the agent sends the CEF lines: your SIEM&apos;s syslog listener.</p>
              <div className="field-pair">
                <FormField
                  label="Host or IP"
                  error={errors.host}
                  hint="A host name or an IP address, without scheme or port."
                >
                  {(props) => (
                    <input
                      {...props}
                      type="text"
                      value={form.host}
                      autoComplete="off"
                      spellCheck={false}
                      onChange={(e) => set('host', e.target.value)}
                    />
                  )}
                </FormField>
                <FormField label="Port" error={errors.port} hint="514 for TCP/UDP syslog, 6514 for TLS.">
                  {(props) => (
                    <input
                      {...props}
                      type="text"
                      inputMode="numeric"
                      value={form.port}
                      autoComplete="off"
                      onChange={(e) => set('port', e.target.value)}
                    />
                  )}
                </FormField>
              </div>
              <RadioGroup
                name="Protocol"
                value={form.protocol}
                onChange={(protocol) => set('protocol', protocol)}
                options={[
                  { value: 'tcp', label: 'TCP' },
                  { value: 'udp', label: 'UDP' },
                  { value: 'tls', label: 'TLS' },
                  { value: 'relp', label: 'RELP' },
                  { value: 'relp-tls', label: 'RELP over TLS' },
                ]}
              />
              <p className="field-hint">
                {form.protocol === 'relp' || form.protocol === 'relp-tls'
                  ? `RELP (rsyslog imrelp): the SIEM acknowledges every message, so nothing is lost when it restarts and only unacknowledged messages are sent twice; about one round trip per window of messages, so slower than TCP.${form.protocol === 'relp-tls' ? ' Over TLS 1.2+, the SIEM certificate verified (trust a private CA with --ca-file).' : ''}`
                  : form.protocol === 'tls'
                    ? 'TLS (RFC 5425): encrypted, the SIEM certificate is verified (trust a private CA with --ca-file).'
                    : form.protocol === 'udp'
                      ? 'UDP: one message per datagram; a longer message is cut to the maximum size.'
                      : 'TCP: each line ends with a line feed, or octet counting (RFC 6587).'}
              </p>
              {form.protocol === 'tcp' ? (
                <FormField label="Framing">
                  {(props) => (
                    <select
                      {...props}
                      value={form.framing}
                      onChange={(e) => set('framing', e.target.value as Form['framing'])}
                    >
                      <option value="lf">Line feed after each message</option>
                      <option value="octet">Octet counting (RFC 6587)</option>
                    </select>
                  )}
                </FormField>
              ) : null}
              {form.protocol === 'udp' ? (
                <FormField label="Maximum datagram size (bytes)" error={errors.udpMaxBytes}>
                  {(props) => (
                    <input
                      {...props}
                      type="text"
                      inputMode="numeric"
                      value={form.udpMaxBytes}
                      onChange={(e) => set('udpMaxBytes', e.target.value)}
                    />
                  )}
                </FormField>
              ) : null}
            </>
          ) : null}

          {step === DATA_TYPES ? (
            <>
              <p className="muted">
                Which data the agent sends. Everything matching is sent, from the last 48 hours on.
              </p>
              {errors.dataTypes ? <p className="field-error">{errors.dataTypes}</p> : null}
              {(['alerts', 'activities'] as const).map((dataType) => {
                const selection = form[dataType];
                const label = dataType === 'alerts' ? 'Alerts' : 'Activities';
                return (
                  <div
                    className="data-type"
                    key={dataType}
                    onKeyDown={(e) => {
                      // Enter in a filter value previews; it must not create the agent half-set-up.
                      if (
                        e.key === 'Enter' &&
                        e.target instanceof HTMLInputElement &&
                        e.target.type === 'text'
                      ) {
                        e.preventDefault();
                        void runPreview(dataType);
                      }
                    }}
                  >
                    <Checkbox
                      label={label}
                      checked={selection.enabled}
                      onChange={(enabled) => setSelection(dataType, { enabled })}
                    />
                    {selection.enabled ? (
                      <div className="data-type-body">
                        <RadioGroup
                          name={`Apply to ${dataType}`}
                          legend="Apply to"
                          value={selection.specific ? 'specific' : 'all'}
                          onChange={(v) => setSelection(dataType, { specific: v === 'specific' })}
                          options={[
                            { value: 'all', label: 'All' },
                            { value: 'specific', label: 'Specific filters' },
                          ]}
                        />
                        {selection.specific ? null : (
                          <button type="button" className="button" onClick={() => void runPreview(dataType)}>
                            Preview results
                          </button>
                        )}
                        {selection.specific ? (
                          <>
                            <FilterBuilder
                              dataType={dataType}
                              rows={selection.rows}
                              errors={rowErrors[dataType]}
                              onChange={(rows) => setSelection(dataType, { rows })}
                            />
                            {dataType === 'alerts' ? (
                              <p className="field-hint">
                                Receiving Defender for Identity alerts through another integration too? Filter
                                on source to avoid duplicates, e.g. source does not equal identity.
                              </p>
                            ) : null}
                            <button
                              type="button"
                              className="button"
                              onClick={() => void runPreview(dataType)}
                            >
                              Edit and preview results
                            </button>
                          </>
                        ) : null}
                        {errors[`dataTypes.${dataType}`] ? (
                          <p className="field-error">{errors[`dataTypes.${dataType}`]}</p>
                        ) : null}
                      </div>
                    ) : null}
                  </div>
                );
              })}
              {preview !== null ? <PreviewPanel preview={preview} /> : null}
            </>
          ) : null}

          {step === TOKEN && token !== null ? (
            <TokenPanel token={token} onCopied={tokenClose.onCopied} />
          ) : null}
        </form>
      </Wizard>
      {submitError !== null ? (
        <p role="alert" className="error-text">
          {submitError}
        </p>
      ) : null}
      {tokenClose.question}
      {discarding !== null ? (
        <ConfirmDialog
          title={editing ? 'Discard your changes?' : 'Discard this SIEM agent?'}
          confirmLabel="Discard"
          cancelLabel="Keep editing"
          danger
          onCancel={() => setDiscarding(null)}
          onConfirm={() => {
            setDiscarding(null);
            finish(discarding.to);
          }}
        >
          <p>
            {editing
              ? `Your changes to ${agent.name} are not saved; the agent keeps its current settings.`
              : 'What you entered is not saved, and no agent is created.'}
          </p>
        </ConfirmDialog>
      ) : null}
    </Dialog>
  );
}

function PreviewPanel({ preview }: { preview: Preview }) {
  const { dataType, result } = preview;
  const ref = useRef<HTMLElement>(null);
  // The preview opens below the filters: bring it into view.
  useEffect(() => {
    if (result !== undefined) ref.current?.scrollIntoView({ block: 'nearest', behavior: 'smooth' });
  }, [result]);
  return (
    <section ref={ref} className="preview" aria-label="Preview" aria-busy={preview.loading}>
      <h4>Preview of {dataType}</h4>
      {preview.loading ? <p className="muted">Loading…</p> : null}
      {preview.error !== undefined ? (
        <p role="alert" className="error-text">
          {preview.error}
        </p>
      ) : null}
      {result !== undefined ? (
        <>
          <p className="preview-count">{result.total.toLocaleString('en-US')} matching</p>
          {result.total === 0 ? (
            <p className="preview-nothing" role="status">
              {preview.all
                ? `Nothing stored yet: no ${dataType} have arrived in the portal. `
                : `Nothing stored matches this filter: none of the stored ${dataType} would reach your SIEM. `}
              {preview.all
                ? `The agent sends ${dataType} from the moment they arrive.`
                : `Check each value against the ${dataType} you expect (values are compared with their case); only ${dataType} that arrive later and match would be sent.`}
            </p>
          ) : (
            <p className="muted">
              {`The newest ${result.events.length} of the ${result.total.toLocaleString('en-US')} stored ${dataType} that ${preview.all ? 'the agent sends (Apply to: All)' : 'match'}, and the exact lines your SIEM will receive:`}
            </p>
          )}
          <CefSamples
            samples={result.events.map((event, i) => ({
              key: typeof event.id === 'string' ? event.id : String(i),
              summary: summaryOf(dataType, event),
              line: result.cefLines[i] ?? null,
            }))}
          />
        </>
      ) : null}
    </section>
  );
}
