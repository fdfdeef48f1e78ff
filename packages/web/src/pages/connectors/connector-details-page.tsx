// One connector (DESIGN §9): its status and why, lag, rate, records stored and rejected, the last
// error, its notifications, each stream's position and records stored, the newest rejected records
// and why, and its settings; "Sync now" and the row menu's actions. Refreshed every 5 s while open.
import type { Connector } from '@cloudsiem/protocol';
import { Fragment } from 'react';
import { connectorsApi } from '../../connectors-api.ts';
import { Menu } from '../../components/menu.tsx';
import { NotificationList } from '../../components/notification-list.tsx';
import { ExactTime, RelativeTime } from '../../components/relative-time.tsx';
import { Table } from '../../components/table.tsx';
import { navigate, useLoad, useTitle } from '../../hooks.ts';
import { useConnectorActions } from './connector-actions.tsx';
import { LABELS } from './connector-form.ts';
import { CONNECTOR_STATUS_HINTS, CONNECTOR_TITLES, formatRate } from './connector-labels.ts';
import { ConnectorStatus, CONNECTORS_POLL_MS, Lag, LastError } from './connectors-page.tsx';

const BACK = (
  <p className="breadcrumb">
    Settings › <a href="#/settings/connectors">Connectors</a> ›
  </p>
);

/** `tenantId` → "Tenant ID" (a key the form does not know stays as it is). */
function settingLabel(key: string): string {
  const label = (LABELS as Record<string, string | undefined>)[key];
  return label === undefined ? key : label.charAt(0).toUpperCase() + label.slice(1);
}

/** A settings value as text: lists joined, data types named, objects as JSON. */
function settingText(value: unknown): string {
  if (Array.isArray(value)) return value.length === 0 ? '—' : value.join(', ');
  if (value !== null && typeof value === 'object') {
    const on = Object.entries(value)
      .filter(([, v]) => v === true)
      .map(([k]) => k);
    return on.length > 0 && Object.values(value).every((v) => typeof v === 'boolean')
      ? on.join(', ')
      : JSON.stringify(value);
  }
  return String(value);
}

const REJECTIONS_SHOWN = 20;

/** The newest records the connector could not store: which, from where, and why. */
function Rejections({ connector }: { connector: Connector }) {
  const rejections = useLoad(
    () => connectorsApi.rejections(connector.id, REJECTIONS_SHOWN).then((r) => r.data),
    `rejections:${connector.id}:${connector.recordsRejected}`,
  );
  if (rejections.error !== null)
    return (
      <p role="alert" className="error-text">
        Could not load the rejected records: {rejections.error}
      </p>
    );
  if (rejections.data === undefined) return <p className="muted">Loading…</p>;
  return (
    <Table
      label="Rejected records"
      columns={[
        { header: 'Upstream id', rowHeader: true, cell: (r) => <span className="mono">{r.upstreamId}</span> },
        { header: 'Stream', priority: 'low', cell: (r) => r.stream },
        { header: 'Why', cell: (r) => r.reason },
        { header: 'When', priority: 'low', cell: (r) => <RelativeTime ms={r.at} /> },
      ]}
      rows={rejections.data}
      rowKey={(r) => `${r.stream}:${r.upstreamId}:${r.at}`}
      empty="None kept."
    />
  );
}

function Streams({ connector }: { connector: Connector }) {
  return (
    <Table
      label="Streams"
      columns={[
        { header: 'Stream', rowHeader: true, cell: (s) => s.stream },
        { header: 'Data type', priority: 'low', cell: (s) => s.dataType },
        {
          header: 'Position',
          priority: 'low',
          cell: (s) => s.position ?? <span className="muted">Not pulled yet</span>,
        },
        { header: 'Last poll', cell: (s) => <RelativeTime ms={s.lastPollAt} /> },
        {
          header: 'Records stored',
          className: 'cell-number',
          cell: (s) => s.recordsStored.toLocaleString('en-US'),
        },
      ]}
      rows={connector.streams}
      rowKey={(s) => s.stream}
      empty="No stream has been pulled yet."
    />
  );
}

export function ConnectorDetailsPage({ id }: { id: string }) {
  const connector = useLoad(() => connectorsApi.get(id), `connector:${id}`, CONNECTORS_POLL_MS);
  const actions = useConnectorActions({
    onChanged: connector.reload,
    onDeleted: () => navigate('#/settings/connectors'),
  });
  const data = connector.data;
  useTitle(data?.name ?? 'Connector');

  if (data === undefined) {
    return (
      <>
        {BACK}
        {connector.error !== null ? (
          <>
            <h1>Connector not found</h1>
            <p role="alert" className="error-text">
              {connector.error}
            </p>
          </>
        ) : (
          <p className="muted">Loading…</p>
        )}
        {actions.dialogs}
      </>
    );
  }

  const items = actions.menuItems(data);
  const sync = items.find((i) => i.label === 'Sync now');
  return (
    <>
      {BACK}
      <div className="page-header">
        <h1>{data.name}</h1>
        <ConnectorStatus connector={data} detail={false} />
        <span className="spacer" />
        <span className="page-actions">
          {sync === undefined ? null : (
            <button type="button" className="button" onClick={sync.onSelect}>
              Sync now
            </button>
          )}
          <Menu label={`Actions for ${data.name}`} items={items.filter((i) => i !== sync)} />
        </span>
      </div>
      {connector.error !== null ? (
        <p role="alert" className="error-text">
          Could not refresh: {connector.error}
        </p>
      ) : null}

      <section className="panel" aria-labelledby="status-heading">
        <h2 id="status-heading">Status</h2>
        <p className="muted">{data.statusDetail ?? CONNECTOR_STATUS_HINTS[data.status]}</p>
        <dl className="stats">
          <div>
            <dt>Lag</dt>
            <dd>
              <Lag connector={data} />
            </dd>
          </div>
          <div>
            <dt>Records/min</dt>
            <dd>{formatRate(data.recordsPerMinute)}</dd>
          </div>
          <div>
            <dt>Records stored</dt>
            <dd>{data.recordsStored.toLocaleString('en-US')}</dd>
          </div>
          <div>
            <dt>Records rejected</dt>
            <dd>{data.recordsRejected.toLocaleString('en-US')}</dd>
          </div>
          <div>
            <dt>Last poll</dt>
            <dd>
              <RelativeTime ms={data.lastPollAt} />
            </dd>
          </div>
          <div>
            <dt>Last success</dt>
            <dd>
              <RelativeTime ms={data.lastSuccessAt} />
            </dd>
          </div>
        </dl>
        <h3>Last error</h3>
        <LastError error={data.lastError} />
      </section>

      <section className="panel" aria-labelledby="notifications-heading">
        <h2 id="notifications-heading">Notifications</h2>
        <NotificationList notifications={data.notifications} none="None: the connector met no problem." />
        {data.notifications.some((n) => n.resolvedAt === null) ? (
          <p className="field-hint">A notification resolves by itself once the problem is gone.</p>
        ) : null}
      </section>

      <section className="panel" aria-labelledby="streams-heading">
        <h2 id="streams-heading">Streams</h2>
        <Streams connector={data} />
      </section>

      {data.recordsRejected > 0 ? (
        <section className="panel" aria-labelledby="rejections-heading">
          <h2 id="rejections-heading">Rejected records</h2>
          <p className="muted">
            Records the upstream sent that could not be mapped or failed validation: counted, not stored. The
            newest {REJECTIONS_SHOWN}:
          </p>
          <Rejections connector={data} />
        </section>
      ) : null}

      <section className="panel" aria-labelledby="settings-heading">
        <h2 id="settings-heading">Settings</h2>
        <dl className="settings">
          <dt>Type</dt>
          <dd>{CONNECTOR_TITLES[data.type]}</dd>
          {Object.entries(data.settings).map(([key, value]) => (
            <Fragment key={key}>
              <dt>{settingLabel(key)}</dt>
              <dd className="mono">{settingText(value)}</dd>
            </Fragment>
          ))}
          <dt>Secret</dt>
          <dd>
            {data.secretSet === null ? (
              <span className="muted">Not set</span>
            ) : (
              <>
                {data.secretSet.field === 'token' ? 'API token' : 'Client secret'}{' '}
                <span className="muted">({data.secretSet.hint})</span>
              </>
            )}
          </dd>
          <dt>Created</dt>
          <dd>
            <ExactTime ms={data.createdAt} /> by {data.createdBy}
          </dd>
        </dl>
      </section>
      {actions.dialogs}
    </>
  );
}
