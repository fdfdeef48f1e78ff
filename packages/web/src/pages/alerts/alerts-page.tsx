// Alerts: raised by policies (and other services, e.g. Defender for Identity: see their source),
// newest first, filtered with the filter builder, triaged one by one in the drawer or in bulk from
// the selected rows. `#/alerts/<id>` — the link in each alert's CEF line — opens that alert's
// details over the list.
import type { Filter } from '@cloudsiem/protocol';
import type { AlertAction } from '@cloudsiem/protocol';
import { api, type StoredAlert } from '../../api.ts';
import { Tag } from '../../components/status-badge.tsx';
import { useState } from 'react';
import { navigate, useAction, useLoad, useTitle } from '../../hooks.ts';
import { hashOf } from '../../routes.ts';
import { formatExact } from '../../time.ts';
import { BulkTriage } from './bulk-triage.tsx';
import {
  EventDrawer,
  EventFilters,
  EventTable,
  EventTime,
  type SortableColumn,
  userAndAppColumns,
} from '../events/event-list.tsx';

const SEVERITY_TONES = { informational: 'info', low: 'neutral', medium: 'warning', high: 'bad' } as const;

function Severity({ severity }: { severity: StoredAlert['severity'] }) {
  return <Tag tone={SEVERITY_TONES[severity]}>{severity}</Tag>;
}

function AlertFacts({ alert }: { alert: StoredAlert }) {
  return (
    <dl className="settings">
      <dt>Time</dt>
      <dd>{formatExact(alert.timestamp)}</dd>
      <dt>Policy</dt>
      <dd>{alert.policyName}</dd>
      <dt>Type</dt>
      <dd className="mono">{alert.type}</dd>
      <dt>Severity</dt>
      <dd>
        <Severity severity={alert.severity} />
        {alert.riskScore !== null ? ` risk score ${alert.riskScore}` : ''}
      </dd>
      <dt>User</dt>
      <dd>{alert.user ?? '—'}</dd>
      <dt>App</dt>
      <dd>{alert.appName ?? '—'}</dd>
      <dt>IP address</dt>
      <dd className="mono">{alert.ip ?? '—'}</dd>
      <dt>Source</dt>
      <dd>{alert.source}</dd>
      <dt>Status</dt>
      <dd>
        {statusWords(alert)}
        {alert.closedBy ? ` by ${alert.closedBy}` : ''}
        {typeof alert.closedAt === 'number' ? ` on ${formatExact(alert.closedAt)}` : ''}
        {alert.comment ? ` — ${alert.comment}` : ''}
      </dd>
      {alert.description ? (
        <>
          <dt>Description</dt>
          <dd>{alert.description}</dd>
        </>
      ) : null}
      <dt>Related activities</dt>
      <dd>
        {alert.relatedActivityIds.length === 0 ? (
          '—'
        ) : (
          <a
            href={hashOf({
              page: 'activity-log',
              filter: { id: { eq: alert.relatedActivityIds.slice(0, 100) } },
            })}
          >
            {alert.relatedActivityIds.length === 1
              ? 'The related activity'
              : `The ${alert.relatedActivityIds.length} related activities`}{' '}
            in the activity log
          </a>
        )}
      </dd>
    </dl>
  );
}

const STATUS_WORDS: Record<string, string> = {
  open: 'Open',
  'closed-true-positive': 'Resolved (true positive)',
  'closed-benign': 'Dismissed (benign)',
  'closed-false-positive': 'Dismissed (false positive)',
};

function statusWords(alert: StoredAlert): string {
  const status = alert.status ?? 'open';
  return STATUS_WORDS[status] ?? status;
}

/** The drawer's triage buttons, as MDCA's: resolve, dismiss (benign / false positive), reopen, read. */
function AlertTriage({ alert, onChanged }: { alert: StoredAlert; onChanged: () => void }) {
  const action = useAction();
  const closed = alert.status !== undefined && alert.status !== 'open';
  const run = (what: AlertAction) =>
    void action.run(async () => {
      await api.alertAction(what, [alert.id]);
      onChanged();
    });
  return (
    <div className="button-row" role="group" aria-label="Triage">
      {closed ? (
        <button type="button" className="button" disabled={action.busy} onClick={() => run('reopen')}>
          Reopen
        </button>
      ) : (
        <>
          <button
            type="button"
            className="button"
            disabled={action.busy}
            onClick={() => run('close_true_positive')}
          >
            Resolve (true positive)
          </button>
          <button type="button" className="button" disabled={action.busy} onClick={() => run('close_benign')}>
            Dismiss as benign
          </button>
          <button
            type="button"
            className="button"
            disabled={action.busy}
            onClick={() => run('close_false_positive')}
          >
            Dismiss as false positive
          </button>
        </>
      )}
      <button
        type="button"
        className="button button-quiet"
        disabled={action.busy}
        onClick={() => run(alert.read === true ? 'unread' : 'read')}
      >
        {alert.read === true ? 'Mark unread' : 'Mark read'}
      </button>
      {action.error ? (
        <p role="alert" className="error-text">
          {action.error}
        </p>
      ) : null}
    </div>
  );
}

function AlertDrawer({ id, onClose, onChanged }: { id: string; onClose: () => void; onChanged: () => void }) {
  const [version, setVersion] = useState(0);
  const alert = useLoad(() => api.alert(id), `alert:${id}:${version}`);
  return (
    <EventDrawer
      dataType="alerts"
      title={alert.data?.policyName ?? 'Alert'}
      record={alert.data}
      error={alert.error}
      onClose={onClose}
    >
      {alert.data !== undefined ? (
        <>
          <AlertTriage
            alert={alert.data}
            onChanged={() => {
              setVersion((v) => v + 1);
              onChanged();
            }}
          />
          <AlertFacts alert={alert.data} />
        </>
      ) : null}
    </EventDrawer>
  );
}

export function AlertsPage({ filter, alertId }: { filter: Filter; alertId: string | null }) {
  useTitle('Alerts');
  const [changes, setChanges] = useState(0);
  const columns: SortableColumn<StoredAlert>[] = [
    {
      header: 'Alert',
      sortField: 'policyName',
      rowHeader: true,
      // Unread alerts (never opened or marked read) stand out as in MDCA: bold, and said in words.
      cell: (a) => (
        <>
          <a
            className={a.read === true ? 'cell-truncate' : 'cell-truncate unread'}
            href={hashOf({ page: 'alerts', alertId: a.id, filter })}
            title={a.policyName}
          >
            {a.policyName}
          </a>
          {a.read === true ? null : <span className="visually-hidden"> (unread)</span>}
        </>
      ),
    },
    {
      header: 'Severity',
      sortField: 'severity',
      priority: 'low',
      cell: (a) => <Severity severity={a.severity} />,
    },
    ...userAndAppColumns<StoredAlert>(),
    { header: 'Source', sortField: 'source', priority: 'low', cell: (a) => a.source },
    { header: 'Status', sortField: 'status', cell: (a) => statusWords(a) },
    {
      header: 'Time',
      sortField: 'timestamp',
      priority: 'low',
      cell: (a) => <EventTime ms={a.timestamp} />,
    },
  ];
  return (
    <>
      <h1>Alerts</h1>
      <p className="page-intro">
        Alerts raised by your policies and by other services. Their source tells them apart: filter on it to
        keep the same alert from reaching your SIEM twice.
      </p>
      <EventFilters
        dataType="alerts"
        filter={filter}
        onApply={(f) => navigate({ page: 'alerts', alertId: null, filter: f })}
      />
      <EventTable<StoredAlert>
        dataType="alerts"
        filter={filter}
        columns={columns}
        label="Alerts"
        reloadKey={changes}
        selection={{
          rowName: (a) => a.policyName,
          actions: (ids, done) => <BulkTriage ids={ids} done={done} />,
        }}
      />
      {alertId !== null ? (
        <AlertDrawer
          id={alertId}
          onClose={() => navigate({ page: 'alerts', alertId: null, filter })}
          onChanged={() => setChanges((n) => n + 1)}
        />
      ) : null}
    </>
  );
}
