// Settings › Connectors (DESIGN §9): the portal's pullers of real upstreams — Name, Type, Status
// (with why), Lag, Records/min, Last error — with each row's menu, refreshed every 5 s like the
// SIEM agents so a new connector turns Connected by itself.
import type { Connector } from '@cloudsiem/protocol';
import { connectorsApi } from '../../connectors-api.ts';
import { Menu } from '../../components/menu.tsx';
import { RelativeTime, useNow } from '../../components/relative-time.tsx';
import { Badge } from '../../components/status-badge.tsx';
import { Table, type Column } from '../../components/table.tsx';
import { useLoad, useTitle } from '../../hooks.ts';
import { useConnectorActions } from './connector-actions.tsx';
import {
  CONNECTOR_STATUS_HINTS,
  CONNECTOR_TITLES,
  formatLag,
  formatRate,
  lastErrorLine,
  statusClass,
} from './connector-labels.ts';

export const CONNECTORS_POLL_MS = 5000;

export function connectorHref(connector: Pick<Connector, 'id'>): string {
  return `#/settings/connectors/${encodeURIComponent(connector.id)}`;
}

export function ConnectorStatus({ connector, detail = true }: { connector: Connector; detail?: boolean }) {
  const hint = connector.statusDetail ?? CONNECTOR_STATUS_HINTS[connector.status];
  return (
    <>
      <Badge tone={`${statusClass(connector.status)} badge-connector`} hint={hint}>
        {connector.status}
      </Badge>
      {detail && connector.statusDetail !== null ? (
        <span className="cell-hint" title={connector.statusDetail}>
          {connector.statusDetail}
        </span>
      ) : null}
    </>
  );
}

export function Lag({ connector }: { connector: Connector }) {
  const now = useNow();
  return (
    <span className={connector.newestRecordAt === null ? 'muted' : undefined}>
      {formatLag(connector.newestRecordAt, now)}
    </span>
  );
}

/** The last error on one line; opened, the whole message and when it happened. */
export function LastError({ error }: { error: Connector['lastError'] }) {
  if (error === null) return <span className="muted">None</span>;
  const line = lastErrorLine(error);
  return (
    <details className="error-cell">
      <summary title={line}>
        <span className="mono">{error.code}</span> {error.message}
      </summary>
      <p>
        {error.message}{' '}
        <span className="muted">
          (<RelativeTime ms={error.at} />)
        </span>
      </p>
    </details>
  );
}

export function ConnectorsPage() {
  useTitle('Connectors');
  const connectors = useLoad(
    () => connectorsApi.list().then((r) => r.data),
    'connectors',
    CONNECTORS_POLL_MS,
  );
  const actions = useConnectorActions({ onChanged: connectors.reload });
  const list = connectors.data ?? [];

  const columns: Column<Connector>[] = [
    {
      header: 'Name',
      rowHeader: true,
      cell: (c) => (
        <a className="cell-truncate" href={connectorHref(c)} title={c.name}>
          {c.name}
        </a>
      ),
    },
    { header: 'Type', priority: 'low', cell: (c) => CONNECTOR_TITLES[c.type] },
    { header: 'Status', cell: (c) => <ConnectorStatus connector={c} /> },
    { header: 'Lag', priority: 'low', cell: (c) => <Lag connector={c} /> },
    {
      header: 'Records/min',
      priority: 'low',
      className: 'cell-number',
      cell: (c) => formatRate(c.recordsPerMinute),
    },
    { header: 'Last error', priority: 'low', cell: (c) => <LastError error={c.lastError} /> },
    {
      className: 'cell-actions',
      cell: (c) => <Menu label={`Actions for ${c.name}`} items={actions.menuItems(c)} />,
    },
  ];

  return (
    <>
      <p className="breadcrumb">Settings</p>
      <div className="page-header">
        <h1>Connectors</h1>
        <button type="button" className="button button-primary" onClick={actions.add}>
          Add connector
        </button>
      </div>
      <p className="page-intro">
        A connector pulls the activities and alerts of a real upstream — Defender for Cloud Apps, Microsoft
        Graph, the Office 365 Management Activity API or another cloudsiem portal — into this portal, where
        your policies and SIEM agents see them like any other record.
      </p>
      {connectors.error !== null ? (
        <p role="alert" className="error-text">
          Could not load the connectors: {connectors.error}
        </p>
      ) : null}
      {connectors.data === undefined && connectors.error === null ? (
        <p className="muted">Loading…</p>
      ) : (
        <Table
          label="Connectors"
          columns={columns}
          rows={list}
          rowKey={(c) => c.id}
          rowClassName={(c) => (c.enabled ? undefined : 'row-disabled')}
          empty={
            <>
              No connectors yet. A connector signs in to one upstream tenant with an app registration or an
              API token and polls it every few minutes; what it pulls is stored here once, however many SIEM
              agents send it on. <strong>Add connector</strong> to connect the first one.
            </>
          }
        />
      )}
      {actions.dialogs}
    </>
  );
}
