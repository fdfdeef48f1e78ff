// Policies: activity filters that raise alerts — one per matching activity, or one when a user
// has many matching activities within a window (threshold). Create one from a filter (with the
// number of stored activities it matches), enable or disable it, delete it.
import { ALERT_SEVERITIES, type AlertSeverity, type Policy } from '@cloudsiem/protocol';
import { useState, type FormEvent } from 'react';
import { api } from '../../api.ts';
import { ConfirmDialog, Dialog } from '../../components/dialog.tsx';
import { FilterBuilder } from '../../components/filter-builder.tsx';
import { FormField, RadioGroup } from '../../components/form-field.tsx';
import { useNotify } from '../../components/notice.tsx';
import { Tag } from '../../components/status-badge.tsx';
import { Table, type Column } from '../../components/table.tsx';
import { describeFilter, rowsToFilter, type FilterRow } from '../../filters.ts';
import { useAction, useLoad, useTitle } from '../../hooks.ts';

interface Draft {
  name: string;
  severity: AlertSeverity;
  alertType: string;
  kind: 'activity' | 'threshold';
  count: string;
  windowMinutes: string;
  rows: FilterRow[];
}

function CreatePolicyDialog({
  onClose,
  onCreated,
}: {
  onClose: () => void;
  onCreated: (policy: Policy) => void;
}) {
  const [draft, setDraft] = useState<Draft>({
    name: '',
    severity: 'medium',
    alertType: 'ALERT_CABINET_EVENT_MATCH_AUDIT',
    kind: 'activity',
    count: '10',
    windowMinutes: '5',
    rows: [],
  });
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [rowErrors, setRowErrors] = useState<Record<number, string>>({});
  const [matches, setMatches] = useState<string | null>(null);
  const create = useAction();
  const formId = 'create-policy-form';
  const set = <K extends keyof Draft>(key: K, value: Draft[K]) => setDraft((d) => ({ ...d, [key]: value }));

  const filterOrErrors = () => {
    const { filter, errors: found } = rowsToFilter('activities', draft.rows);
    setRowErrors(found);
    if (Object.keys(found).length > 0) return null;
    return filter;
  };

  const check = () => {
    const filter = filterOrErrors();
    if (filter === null) return;
    setMatches('Counting…');
    api.activities({ filters: filter, limit: 1 }).then(
      (r) => setMatches(`${r.total.toLocaleString('en-US')} stored activities match this filter.`),
      () => setMatches('Could not count the matching activities.'),
    );
  };

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const found: Record<string, string> = {};
    if (draft.name.trim() === '') found.name = 'name is required';
    if (!/^ALERT_[A-Z0-9_]+$/.test(draft.alertType)) found.alertType = 'must look like ALERT_*';
    const count = Number(draft.count);
    const windowMinutes = Number(draft.windowMinutes);
    if (draft.kind === 'threshold') {
      if (!Number.isInteger(count) || count < 2 || count > 100_000)
        found.count = 'a whole number from 2 to 100000';
      if (!Number.isInteger(windowMinutes) || windowMinutes < 1 || windowMinutes > 10_080)
        found.windowMinutes = 'a whole number of minutes from 1 to 10080 (a week)';
    }
    if (draft.rows.length === 0)
      found.filter = 'add at least one filter: a policy on every activity raises an alert for each';
    const filter = filterOrErrors();
    setErrors(found);
    if (filter === null || Object.keys(found).length > 0) return;
    void create.run(async () => {
      const policy = await api.createPolicy({
        name: draft.name.trim(),
        kind: draft.kind,
        severity: draft.severity,
        alertType: draft.alertType,
        filter,
        threshold: draft.kind === 'threshold' ? { count, windowMinutes } : null,
        enabled: true,
      });
      onCreated(policy);
    });
  };

  return (
    <Dialog
      title="Create policy"
      onClose={onClose}
      variant="wide"
      busy={create.busy}
      footer={
        <>
          <button type="button" className="button" onClick={onClose} disabled={create.busy}>
            Cancel
          </button>
          <button type="submit" form={formId} className="button button-primary" disabled={create.busy}>
            Create
          </button>
        </>
      }
    >
      <form id={formId} onSubmit={submit} noValidate>
        <FormField label="Name" error={errors.name}>
          {(props) => (
            <input
              {...props}
              type="text"
              value={draft.name}
              maxLength={200}
              onChange={(e) => set('name', e.target.value)}
            />
          )}
        </FormField>
        <div className="field-pair">
          <FormField label="Severity">
            {(props) => (
              <select
                {...props}
                value={draft.severity}
                onChange={(e) => set('severity', e.target.value as AlertSeverity)}
              >
                {ALERT_SEVERITIES.map((s) => (
                  <option key={s} value={s}>
                    {s}
                  </option>
                ))}
              </select>
            )}
          </FormField>
          <FormField
            label="Alert type"
            error={errors.alertType}
            hint="The CEF signature of the alerts it raises."
          >
            {(props) => (
              <input
                {...props}
                type="text"
                className="mono"
                value={draft.alertType}
                onChange={(e) => set('alertType', e.target.value.toUpperCase())}
              />
            )}
          </FormField>
        </div>
        <RadioGroup
          name="Raise an alert"
          value={draft.kind}
          inline={false}
          onChange={(kind) => set('kind', kind)}
          options={[
            { value: 'activity', label: 'For each matching activity' },
            { value: 'threshold', label: 'When one user has many matching activities in a short time' },
          ]}
        />
        {draft.kind === 'threshold' ? (
          <div className="field-pair">
            <FormField label="Activities" error={errors.count}>
              {(props) => (
                <input
                  {...props}
                  type="text"
                  inputMode="numeric"
                  value={draft.count}
                  onChange={(e) => set('count', e.target.value)}
                />
              )}
            </FormField>
            <FormField label="Within minutes" error={errors.windowMinutes}>
              {(props) => (
                <input
                  {...props}
                  type="text"
                  inputMode="numeric"
                  value={draft.windowMinutes}
                  onChange={(e) => set('windowMinutes', e.target.value)}
                />
              )}
            </FormField>
          </div>
        ) : null}
        <h3>Activities that match</h3>
        <FilterBuilder
          dataType="activities"
          rows={draft.rows}
          errors={rowErrors}
          onChange={(rows) => {
            set('rows', rows);
            setMatches(null);
          }}
        />
        {errors.filter ? <p className="field-error">{errors.filter}</p> : null}
        <div className="button-row">
          <button
            type="button"
            className="button button-small"
            onClick={check}
            disabled={draft.rows.length === 0}
          >
            Count matching activities
          </button>
          {matches !== null ? (
            <span className="muted" role="status">
              {matches}
            </span>
          ) : null}
        </div>
        {create.error !== null ? (
          <p role="alert" className="error-text">
            {create.error}
          </p>
        ) : null}
      </form>
    </Dialog>
  );
}

export function PoliciesPage() {
  useTitle('Policies');
  const policies = useLoad(() => api.policies().then((r) => r.data), 'policies');
  const [creating, setCreating] = useState(false);
  const [deleting, setDeleting] = useState<Policy | null>(null);
  const toggle = useAction();
  const remove = useAction();
  const notify = useNotify();

  const columns: Column<Policy>[] = [
    {
      header: 'Name',
      rowHeader: true,
      cell: (p) => (
        <>
          <span className="cell-truncate" title={p.name}>
            {p.name}
          </span>
          {p.enabled ? null : (
            <>
              {' '}
              <Tag>Disabled</Tag>
            </>
          )}
        </>
      ),
    },
    {
      header: 'Raises',
      priority: 'low',
      cell: (p) =>
        p.threshold === null
          ? 'An alert per matching activity'
          : `An alert when one user has ${p.threshold.count} within ${p.threshold.windowMinutes} min`,
    },
    { header: 'Severity', priority: 'low', cell: (p) => p.severity },
    {
      header: 'Filter',
      priority: 'low',
      cell: (p) => <span className="mono">{describeFilter('activities', p.filter)}</span>,
    },
    { header: 'Alert type', priority: 'low', cell: (p) => <span className="mono">{p.alertType}</span> },
    {
      className: 'cell-actions',
      cell: (p) => (
        <div className="button-row button-row-tight">
          <button
            type="button"
            className="button button-small"
            aria-label={`${p.enabled ? 'Disable' : 'Enable'} ${p.name}`}
            disabled={toggle.busy}
            onClick={() =>
              void toggle.run(async () => {
                await api.setPolicyEnabled(p.id, !p.enabled);
                notify(`${p.enabled ? 'Disabled' : 'Enabled'} ${p.name}.`);
                policies.reload();
              })
            }
          >
            {p.enabled ? 'Disable' : 'Enable'}
          </button>
          <button
            type="button"
            className="button button-small button-danger-quiet"
            aria-label={`Delete ${p.name}`}
            onClick={() => {
              remove.setError(null);
              setDeleting(p);
            }}
          >
            Delete
          </button>
        </div>
      ),
    },
  ];

  return (
    <>
      <div className="page-header">
        <h1>Policies</h1>
        <button type="button" className="button button-primary" onClick={() => setCreating(true)}>
          Create policy
        </button>
      </div>
      <p className="page-intro">
        A policy watches the activities as they arrive and raises an alert when one matches its filter. Alerts
        go to the SIEM agents that send alerts.
      </p>
      {policies.error !== null || toggle.error !== null ? (
        <p role="alert" className="error-text">
          {policies.error ?? toggle.error}
        </p>
      ) : null}
      <Table
        label="Policies"
        columns={columns}
        rows={policies.data ?? []}
        rowKey={(p) => p.id}
        rowClassName={(p) => (p.enabled ? undefined : 'row-disabled')}
        empty={policies.data === undefined ? 'Loading…' : 'No policies yet.'}
      />
      {creating ? (
        <CreatePolicyDialog
          onClose={() => setCreating(false)}
          onCreated={(policy) => {
            setCreating(false);
            notify(`Created ${policy.name}: it applies to the activities that arrive from now on.`);
            policies.reload();
          }}
        />
      ) : null}
      {deleting !== null ? (
        <ConfirmDialog
          title={`Delete ${deleting.name}?`}
          confirmLabel="Delete"
          danger
          busy={remove.busy}
          error={remove.error}
          onCancel={() => setDeleting(null)}
          onConfirm={() =>
            void remove.run(async () => {
              await api.deletePolicy(deleting.id);
              notify(`Deleted ${deleting.name}. The alerts it raised stay.`);
              setDeleting(null);
              policies.reload();
            })
          }
        >
          <p>It stops raising alerts. The alerts it already raised stay.</p>
        </ConfirmDialog>
      ) : null}
    </>
  );
}
