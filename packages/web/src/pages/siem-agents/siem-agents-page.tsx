// Settings › Cloud Apps › SIEM agents (DESIGN §7): the agents table — Name, Created by, Token
// owner, Type, Status (with its SIEM side), Lag, Last connection, Agent notifications — with each row's menu, refreshed
// every 5 s so a starting agent turns Connected by itself.
import type { AgentNotification, SiemAgent } from '@cloudsiem/protocol';
import { api } from '../../api.ts';
import { Menu } from '../../components/menu.tsx';
import { RelativeTime } from '../../components/relative-time.tsx';
import { AgentStatusBadge, STATUS_HINTS, Tag } from '../../components/status-badge.tsx';
import { Table, type Column } from '../../components/table.tsx';
import { useLoad, useTitle } from '../../hooks.ts';
import { formatDuration } from '../../time.ts';
import { useAgentActions } from './agent-actions.tsx';

export const AGENTS_POLL_MS = 5000;

/** The Type column: which data types the agent sends. */
export function typeLabel(agent: SiemAgent): string {
  const { alerts, activities } = agent.dataTypes;
  if (alerts.enabled && activities.enabled) return 'Alerts and activities';
  if (alerts.enabled) return 'Alerts';
  if (activities.enabled) return 'Activities';
  return 'None';
}

function AdminName({ admin }: { admin: SiemAgent['createdBy'] }) {
  return (
    <span title={admin.email}>
      {admin.name}
      {admin.removed ? (
        <>
          {' '}
          <Tag tone="warning">Removed</Tag>
        </>
      ) : null}
    </span>
  );
}

export function openNotifications(agent: SiemAgent): AgentNotification[] {
  return agent.notifications.filter((n) => n.resolvedAt === null);
}

function Notifications({ agent }: { agent: SiemAgent }) {
  const open = openNotifications(agent);
  if (open.length === 0) return <span className="muted">None</span>;
  return (
    <details className="notifications-cell">
      <summary>
        <span className="count-bubble">{open.length}</span>
        <span className="visually-hidden"> open notifications</span>
      </summary>
      <ul>
        {open.map((n) => (
          <li key={n.id}>
            {n.message}{' '}
            <span className="muted">
              (<RelativeTime ms={n.lastAt} />
              {n.count > 1 ? `, ${n.count} times` : ''})
            </span>
          </li>
        ))}
      </ul>
    </details>
  );
}

/** The Lag column: how old the newest event the agent sent was, at its last heartbeat. */
export function Lag({ agent }: { agent: Pick<SiemAgent, 'siem'> }) {
  const lag = agent.siem?.lagSeconds;
  if (lag === null || lag === undefined) return <span className="muted">—</span>;
  return (
    <span title="How long ago the newest event the agent sent arrived in the portal (from its last heartbeat)">
      {formatDuration(lag * 1000)}
    </span>
  );
}

export function SiemAgentsPage() {
  useTitle('SIEM agents');
  const agents = useLoad(() => api.agents().then((r) => r.data), 'agents', AGENTS_POLL_MS);
  const actions = useAgentActions({ onChanged: agents.reload });
  const list = agents.data ?? [];
  const created = list.filter((a) => a.status === 'created');

  const columns: Column<SiemAgent>[] = [
    {
      header: 'Name',
      rowHeader: true,
      className: 'cell-name',
      // A long name is cut with an ellipsis (the whole of it in the title), so Status and the menu stay in view.
      cell: (a) => (
        <>
          <a className="cell-truncate" href={`#/siem-agents/${encodeURIComponent(a.id)}`} title={a.name}>
            {a.name}
          </a>
          {a.enabled ? null : (
            <>
              {' '}
              <Tag>Disabled</Tag>
            </>
          )}
        </>
      ),
    },
    { header: 'Created by', priority: 'low', cell: (a) => <AdminName admin={a.createdBy} /> },
    { header: 'Token owner', priority: 'low', cell: (a) => <AdminName admin={a.tokenOwner} /> },
    { header: 'Type', priority: 'low', cell: typeLabel },
    { header: 'Status', cell: (a) => <AgentStatusBadge agent={a} /> },
    { header: 'Lag', priority: 'low', className: 'cell-nowrap', cell: (a) => <Lag agent={a} /> },
    { header: 'Last connection', priority: 'low', cell: (a) => <RelativeTime ms={a.lastSeenAt} /> },
    { header: 'Agent notifications', priority: 'low', cell: (a) => <Notifications agent={a} /> },
    {
      className: 'cell-actions',
      cell: (a) => <Menu label={`Actions for ${a.name}`} items={actions.menuItems(a)} />,
    },
  ];

  return (
    <>
      <p className="breadcrumb">Settings › Cloud Apps</p>
      <div className="page-header">
        <h1>SIEM agents</h1>
        <button type="button" className="button button-primary" onClick={actions.add}>
          Add SIEM agent
        </button>
      </div>
      <p className="page-intro">
        A SIEM agent runs on your server, pulls the alerts and activities of your cloud apps from this portal
        over HTTPS and sends them to your SIEM as CEF over syslog. Add one, save its token to{' '}
        <span className="mono">agent.token</span>, and run{' '}
        <span className="mono">node cloudsiem-agent.mjs --token-file agent.token</span> there.
      </p>
      {agents.error !== null ? (
        <p role="alert" className="error-text">
          Could not load the SIEM agents: {agents.error}
        </p>
      ) : null}
      {created.length > 0 ? (
        <div className="hint-box">
          {created.map((a) => (
            <p key={a.id}>
              <strong>{a.name}</strong> is Created: {STATUS_HINTS.created.replace(/^C/, 'c')}
            </p>
          ))}
        </div>
      ) : null}
      {agents.data === undefined && agents.error === null ? (
        <p className="muted">Loading…</p>
      ) : (
        <Table
          label="SIEM agents"
          columns={columns}
          rows={list}
          rowKey={(a) => a.id}
          rowClassName={(a) => (a.enabled ? undefined : 'row-disabled')}
          empty={
            <>
              No SIEM agents yet. <strong>Add SIEM agent</strong> to stream alerts and activities to your
              SIEM.
            </>
          }
        />
      )}
      {actions.dialogs}
    </>
  );
}
