// What an admin can do to one connector, from its row menu or its details page: Edit (the
// wizard), Test connection (the saved settings), Sync now, Disable (confirmed) / Enable, Delete
// (confirmed).
import type { Connector } from '@cloudsiem/protocol';
import { useEffect, useState, type ReactNode } from 'react';
import { messageOf } from '../../api.ts';
import { connectorsApi } from '../../connectors-api.ts';
import { ConfirmDialog, Dialog } from '../../components/dialog.tsx';
import type { MenuItem } from '../../components/menu.tsx';
import { useNotify } from '../../components/notice.tsx';
import { useAction } from '../../hooks.ts';
import { ConnectionTest, type TestState } from './connection-test.tsx';
import { ConnectorWizard } from './connector-wizard.tsx';

type Open =
  | { kind: 'add' }
  | { kind: 'edit'; connector: Connector }
  | { kind: 'test'; connector: Connector }
  | { kind: 'disable'; connector: Connector }
  | { kind: 'delete'; connector: Connector };

/** Tests a saved connector when opened, and again on "Test again". */
function TestDialog({ connector, onClose }: { connector: Connector; onClose: () => void }) {
  const [test, setTest] = useState<TestState>({ state: 'running' });
  const [round, setRound] = useState(0);
  useEffect(() => {
    let current = true;
    setTest({ state: 'running' });
    connectorsApi.testSaved(connector.id).then(
      (result) => current && setTest({ state: 'done', result }),
      (error: unknown) => current && setTest({ state: 'error', message: messageOf(error) }),
    );
    return () => {
      current = false;
    };
  }, [connector.id, round]);
  return (
    <Dialog
      title={`Test connection: ${connector.name}`}
      onClose={onClose}
      variant="wide"
      footer={
        <>
          <button
            type="button"
            className="button"
            disabled={test.state === 'running'}
            onClick={() => setRound((r) => r + 1)}
          >
            Test again
          </button>
          <button type="button" className="button button-primary" onClick={onClose}>
            Done
          </button>
        </>
      }
    >
      <p className="muted">One page of each stream, with the saved settings and secret; nothing is stored.</p>
      <ConnectionTest test={test} />
    </Dialog>
  );
}

export function useConnectorActions({
  onChanged,
  onDeleted,
}: {
  onChanged: () => void;
  onDeleted?: (connector: Connector) => void;
}): { add: () => void; menuItems: (connector: Connector) => MenuItem[]; dialogs: ReactNode } {
  const [open, setOpen] = useState<Open | null>(null);
  const action = useAction();
  const notify = useNotify();
  const close = () => {
    setOpen(null);
    action.setError(null);
  };

  const setEnabled = async (connector: Connector, enabled: boolean) => {
    await connectorsApi.update(connector.id, { enabled });
    notify(
      enabled
        ? `Enabled ${connector.name}: it polls again from where it stopped.`
        : `Disabled ${connector.name}: it stops polling; what it stored stays.`,
    );
    onChanged();
  };
  const sync = (connector: Connector) =>
    connectorsApi.sync(connector.id).then(
      () => {
        notify(`Syncing ${connector.name} now: new records appear as they are stored.`, 'info');
        onChanged();
      },
      (e: unknown) => notify(`${connector.name}: ${messageOf(e)}`, 'error'),
    );

  const menuItems = (connector: Connector): MenuItem[] => [
    { label: 'Edit', onSelect: () => setOpen({ kind: 'edit', connector }) },
    { label: 'Test connection', onSelect: () => setOpen({ kind: 'test', connector }) },
    ...(connector.enabled ? [{ label: 'Sync now', onSelect: () => void sync(connector) }] : []),
    connector.enabled
      ? { label: 'Disable', onSelect: () => setOpen({ kind: 'disable', connector }) }
      : {
          label: 'Enable',
          onSelect: () =>
            void setEnabled(connector, true).catch((e: unknown) =>
              notify(`${connector.name}: ${messageOf(e)}`, 'error'),
            ),
        },
    { label: 'Delete', danger: true, onSelect: () => setOpen({ kind: 'delete', connector }) },
  ];

  let dialogs: ReactNode = null;
  if (open?.kind === 'add' || open?.kind === 'edit') {
    dialogs = (
      <ConnectorWizard
        connector={open.kind === 'edit' ? open.connector : null}
        onClose={close}
        onSaved={(saved, created) => {
          close();
          notify(
            created
              ? `Added ${saved.name}. Its first poll starts now; the status turns Connected once it succeeds.`
              : `Saved ${saved.name}. The next poll uses the new settings.`,
          );
          onChanged();
        }}
      />
    );
  } else if (open?.kind === 'test') {
    dialogs = <TestDialog connector={open.connector} onClose={close} />;
  } else if (open?.kind === 'disable') {
    const { connector } = open;
    dialogs = (
      <ConfirmDialog
        title={`Disable ${connector.name}?`}
        confirmLabel="Disable"
        busy={action.busy}
        error={action.error}
        onCancel={close}
        onConfirm={() =>
          void action.run(async () => {
            await setEnabled(connector, false);
            close();
          })
        }
      >
        <p>
          It stops pulling from the upstream until you enable it. The records it stored stay, and when enabled
          it goes on from its checkpoint.
        </p>
      </ConfirmDialog>
    );
  } else if (open?.kind === 'delete') {
    const { connector } = open;
    dialogs = (
      <ConfirmDialog
        title={`Delete ${connector.name}?`}
        confirmLabel="Delete"
        danger
        busy={action.busy}
        error={action.error}
        onCancel={close}
        onConfirm={() =>
          void action.run(async () => {
            await connectorsApi.remove(connector.id);
            close();
            notify(`Deleted ${connector.name}. The records it stored stay in the activity log and alerts.`);
            // The details page leaves instead of reloading a connector that is gone.
            if (onDeleted === undefined) onChanged();
            else onDeleted(connector);
          })
        }
      >
        <p>
          Its settings, secret and checkpoints are deleted. The records it already stored stay in the activity
          log and alerts.
        </p>
      </ConfirmDialog>
    );
  }

  return { add: () => setOpen({ kind: 'add' }), menuItems, dialogs };
}
