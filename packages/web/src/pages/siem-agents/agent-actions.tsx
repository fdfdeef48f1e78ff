// What an admin can do to one SIEM agent, from its row menu or its details page: Edit (the
// wizard), Regenerate token (confirmed, then the new token once), Disable/Enable, Delete (confirmed).
import type { SiemAgent } from '@cloudsiem/protocol';
import { useState, type ReactNode } from 'react';
import { api, messageOf } from '../../api.ts';
import { ConfirmDialog, Dialog } from '../../components/dialog.tsx';
import type { MenuItem } from '../../components/menu.tsx';
import { useNotify } from '../../components/notice.tsx';
import { AgentWizard, SAVED_NOTICE } from './agent-wizard.tsx';
import { TokenPanel } from './token-panel.tsx';

type Open =
  | { kind: 'add' }
  | { kind: 'edit'; agent: SiemAgent }
  | { kind: 'regenerate'; agent: SiemAgent }
  | { kind: 'token'; agent: SiemAgent; token: string }
  | { kind: 'delete'; agent: SiemAgent };

export function useAgentActions({
  onChanged,
  onDeleted,
}: {
  onChanged: () => void;
  onDeleted?: (agent: SiemAgent) => void;
}): {
  add: () => void;
  menuItems: (agent: SiemAgent) => MenuItem[];
  dialogs: ReactNode;
} {
  const [open, setOpen] = useState<Open | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const notify = useNotify();

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
  const setEnabled = (agent: SiemAgent, enabled: boolean) =>
    api.setAgentEnabled(agent.id, enabled).then(
      () => {
        notify(
          enabled
            ? `Enabled ${agent.name}: it sends again, starting with what arrived in the backfill window (48 hours by default).`
            : `Disabled ${agent.name}: it stops receiving data and keeps polling its settings until you enable it.`,
        );
        onChanged();
      },
      (e: unknown) => notify(`${agent.name}: ${messageOf(e)}`, 'error'),
    );

  const menuItems = (agent: SiemAgent): MenuItem[] => [
    { label: 'Edit', onSelect: () => setOpen({ kind: 'edit', agent }) },
    { label: 'Regenerate token', onSelect: () => setOpen({ kind: 'regenerate', agent }) },
    agent.enabled
      ? { label: 'Disable', onSelect: () => void setEnabled(agent, false) }
      : { label: 'Enable', onSelect: () => void setEnabled(agent, true) },
    { label: 'Delete', danger: true, onSelect: () => setOpen({ kind: 'delete', agent }) },
  ];

  let dialogs: ReactNode = null;
  if (open?.kind === 'add' || open?.kind === 'edit') {
    dialogs = (
      <AgentWizard
        agent={open.kind === 'edit' ? open.agent : null}
        onClose={close}
        onCreated={onChanged}
        onSaved={() => {
          close();
          notify(SAVED_NOTICE);
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
    dialogs = (
      <Dialog
        title={`New token for ${open.agent.name}`}
        onClose={close}
        variant="wide"
        footer={
          <button type="button" className="button button-primary" onClick={close}>
            Done
          </button>
        }
      >
        <TokenPanel token={open.token} />
      </Dialog>
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
            notify(`Deleted ${agent.name}. The agent running with its token stops (exit code 4).`);
            onChanged();
            onDeleted?.(agent);
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

  return { add: () => setOpen({ kind: 'add' }), menuItems, dialogs };
}
