// What an admin can do to one SIEM agent, from its row menu or its details page: Edit (the
// wizard), Regenerate token (confirmed, then the new token once), Disable (confirmed)/Enable, Delete
// (confirmed).
// Add SIEM agent is a route (#/siem-agents/new/<step>): its wizard shows over the agents list; Edit
// is one too (#/siem-agents/<id>/edit/<step>), over the agent's details page.
import type { SiemAgent } from '@cloudsiem/protocol';
import { useEffect, useState, type ReactNode } from 'react';
import { api, messageOf } from '../../api.ts';
import { ConfirmDialog, Dialog } from '../../components/dialog.tsx';
import type { MenuItem } from '../../components/menu.tsx';
import { useNotify } from '../../components/notice.tsx';
import { leaveTo } from '../../components/leave-guard.ts';
import { useRoute } from '../../hooks.ts';
import { AgentWizard, SAVED_NOTICE } from './agent-wizard.tsx';
import { parseHash } from '../../routes.ts';
import { openEditRun, openNewRun } from './wizard-run.ts';
import { TokenPanel, useTokenClose } from './token-panel.tsx';

type Open =
  | { kind: 'regenerate'; agent: SiemAgent }
  | { kind: 'token'; agent: SiemAgent; token: string }
  | { kind: 'disable'; agent: SiemAgent }
  | { kind: 'delete'; agent: SiemAgent };

/**
 * A notice for the agents list to show when it opens: the details page goes there after a delete,
 * and a notice given before the page changes would belong to the details page, and go with it.
 */
let noticeForList: string | null = null;

export function useAgentActions({
  onChanged,
  onDeleted,
  shown,
}: {
  onChanged: () => void;
  /** In place of onChanged after a delete: the page of the deleted agent goes to the list. */
  onDeleted?: (agent: SiemAgent) => void;
  /** The details page's agent, once loaded: its edit wizard's route shows over that page. */
  shown?: SiemAgent | null;
}): {
  add: () => void;
  menuItems: (agent: SiemAgent) => MenuItem[];
  dialogs: ReactNode;
} {
  const [open, setOpen] = useState<Open | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const notify = useNotify();
  useEffect(() => {
    if (noticeForList === null || onDeleted !== undefined) return;
    notify(noticeForList);
    noticeForList = null;
  }, [notify, onDeleted]);

  const close = () => {
    setOpen(null);
    setError(null);
  };
  const attempt = async (call: () => Promise<void>) => {
    setBusy(true);
    setError(null);
    try {
      await call();
    } catch (e) {
      setError(messageOf(e));
    } finally {
      setBusy(false);
    }
  };
  const enable = (agent: SiemAgent) =>
    api.setAgentEnabled(agent.id, true).then(
      () => {
        notify(
          `Enabled ${agent.name}: it sends again, starting with what arrived in the backfill window (48 hours by default).`,
        );
        onChanged();
      },
      (e: unknown) => notify(`${agent.name}: ${messageOf(e)}`, 'error'),
    );

  const menuItems = (agent: SiemAgent): MenuItem[] => [
    { label: 'Edit', onSelect: () => openEditRun(agent.id) },
    { label: 'Regenerate token', onSelect: () => setOpen({ kind: 'regenerate', agent }) },
    agent.enabled
      ? { label: 'Disable', onSelect: () => setOpen({ kind: 'disable', agent }) }
      : { label: 'Enable', onSelect: () => void enable(agent) },
    { label: 'Delete', danger: true, onSelect: () => setOpen({ kind: 'delete', agent }) },
  ];

  const route = useRoute();
  const newAgentStep = route.page === 'siem-agents' ? route.newAgent : undefined;
  const editStep = route.page === 'siem-agent' && shown?.id === route.id ? route.editStep : undefined;

  let dialogs: ReactNode = null;
  if (newAgentStep !== undefined) {
    dialogs = <AgentWizard agent={null} routeStep={newAgentStep} onCreated={onChanged} onSaved={close} />;
  } else if (editStep !== undefined && shown != null) {
    dialogs = (
      <AgentWizard
        agent={shown}
        routeStep={editStep}
        onCreated={onChanged}
        onSaved={(_saved, to) => {
          // Back on this page, the notice is its own; on the list, the list shows it when it opens.
          const back = parseHash(to);
          if (back.page === 'siem-agent' && back.id === shown.id) notify(SAVED_NOTICE);
          else noticeForList = SAVED_NOTICE;
          onChanged();
        }}
      />
    );
  } else if (open?.kind === 'regenerate') {
    const { agent } = open;
    dialogs = (
      <ConfirmDialog
        title={`Regenerate the token of ${agent.name}?`}
        confirmLabel="Regenerate"
        busy={busy}
        error={error}
        onCancel={close}
        onConfirm={() =>
          void attempt(async () => {
            const { token } = await api.regenerateToken(agent.id);
            setOpen({ kind: 'token', agent, token });
            onChanged();
          })
        }
      >
        <p>
          The current token (<span className="mono">{agent.tokenHint}…</span>) stops working at once: the
          agent running with it stops (exit code 3) until you restart it with the new token. You become the
          token&apos;s owner.
        </p>
      </ConfirmDialog>
    );
  } else if (open?.kind === 'token') {
    dialogs = <TokenDialog agent={open.agent} token={open.token} onClose={close} />;
  } else if (open?.kind === 'disable') {
    const { agent } = open;
    dialogs = (
      <ConfirmDialog
        title={`Disable ${agent.name}?`}
        confirmLabel="Disable"
        busy={busy}
        error={error}
        onCancel={close}
        onConfirm={() =>
          void attempt(async () => {
            await api.setAgentEnabled(agent.id, false);
            close();
            notify(
              `Disabled ${agent.name}: it stops receiving data and keeps polling its settings until you enable it.`,
            );
            onChanged();
          })
        }
      >
        <p>
          It stops forwarding alerts and activities to your SIEM until you enable it again. The agent keeps
          running and polling its settings, and its token stays valid. Enabled again, it sends from the
          backfill window on (what arrived in the last 48 hours by default).
        </p>
      </ConfirmDialog>
    );
  } else if (open?.kind === 'delete') {
    const { agent } = open;
    dialogs = (
      <ConfirmDialog
        title={`Delete ${agent.name}?`}
        confirmLabel="Delete"
        danger
        busy={busy}
        error={error}
        onCancel={close}
        onConfirm={() =>
          void attempt(async () => {
            await api.deleteAgent(agent.id);
            close();
            const deleted = `Deleted ${agent.name}. The agent running with its token stops (exit code 4).`;
            // Not reloaded: the agent's page asking for it again would only get 404s.
            if (onDeleted === undefined) {
              notify(deleted);
              onChanged();
            } else {
              noticeForList = deleted;
              onDeleted(agent);
            }
          })
        }
      >
        <p>
          The agent running with its token stops (exit code 4) and its settings, status history and
          notifications are deleted. What it already sent stays in your SIEM.
        </p>
      </ConfirmDialog>
    );
  }

  return { add: openNewRun, menuItems, dialogs };
}

/** A regenerated token, shown this once: closing it without the Copy button asks first. */
function TokenDialog({ agent, token, onClose }: { agent: SiemAgent; token: string; onClose: () => void }) {
  const tokenClose = useTokenClose(true, (to) => {
    onClose();
    if (to !== null) leaveTo(to);
  });
  return (
    <Dialog
      title={`New token for ${agent.name}`}
      onClose={tokenClose.request}
      variant="wide"
      footer={
        <button type="button" className="button button-primary" onClick={tokenClose.request}>
          Done
        </button>
      }
    >
      <TokenPanel token={token} onCopied={tokenClose.onCopied} />
      {tokenClose.question}
    </Dialog>
  );
}
