// The token of a new or regenerated agent, shown this once: a read-only field and a copy button;
// then how to install the agent this portal serves (/downloads/cloudsiem-agent.mjs, one file for
// Node 20.19+) and run it with the token, per platform (install-commands.ts), each copyable.
import { useEffect, useId, useRef, useState, type KeyboardEvent, type ReactNode } from 'react';
import { ConfirmDialog } from '../../components/dialog.tsx';
import { FormField } from '../../components/form-field.tsx';
import { useLeaveGuard } from '../../components/leave-guard.ts';
import { AGENT_FILE, installCommands } from './install-commands.ts';

async function copyText(text: string, element: HTMLElement | null): Promise<void> {
  if (navigator.clipboard !== undefined && window.isSecureContext) {
    await navigator.clipboard.writeText(text);
    return;
  }
  // Over plain HTTP on a non-loopback address the Clipboard API is missing: copy the selection.
  if (element instanceof HTMLInputElement) element.select();
  else if (element !== null) window.getSelection()?.selectAllChildren(element);
  if (!document.execCommand('copy')) throw new Error('copy refused');
}

type CopyState = 'idle' | 'copied' | 'failed';

/** The published SHA-256 of the download, as `sha256sum -c` reads it: null while loading. */
function useAgentSha256(): { sha256: string | null; error: string | null } {
  const [state, setState] = useState<{ sha256: string | null; error: string | null }>({
    sha256: null,
    error: null,
  });
  useEffect(() => {
    let live = true;
    fetch(`/downloads/${AGENT_FILE}.sha256`, { credentials: 'omit' })
      .then(async (answer) => {
        const text = await answer.text();
        const sha256 = /^([0-9a-f]{64}) {2}/.exec(text)?.[1];
        if (answer.ok && sha256 !== undefined) return sha256;
        let message = `the portal answered ${answer.status}`;
        try {
          message = (JSON.parse(text) as { error: { message: string } }).error.message;
        } catch {
          // not the portal's error body
        }
        throw new Error(message);
      })
      .then(
        (sha256) => live && setState({ sha256, error: null }),
        (error: unknown) =>
          live && setState({ sha256: null, error: error instanceof Error ? error.message : String(error) }),
      );
    return () => {
      live = false;
    };
  }, []);
  return state;
}

function CopyButton({
  text,
  target,
  label,
}: {
  text: string;
  target: () => HTMLElement | null;
  label: string;
}) {
  const [copy, setCopy] = useState<CopyState>('idle');
  return (
    <>
      <button
        type="button"
        className="button"
        onClick={() =>
          void copyText(text, target()).then(
            () => setCopy('copied'),
            () => setCopy('failed'),
          )
        }
      >
        {copy === 'copied' ? 'Copied' : label}
      </button>
      {copy === 'failed' ? (
        <p role="alert" className="error-text">
          The browser did not let the page copy. Select the commands and copy them yourself.
        </p>
      ) : null}
    </>
  );
}

function InstallSteps() {
  const { sha256, error } = useAgentSha256();
  const [selected, setSelected] = useState(0);
  const tabRefs = useRef<(HTMLButtonElement | null)[]>([]);
  const codeRef = useRef<HTMLElement>(null);
  const baseId = useId();
  if (error !== null)
    return (
      <p role="alert" className="notice notice-warning">
        The agent cannot be downloaded from this portal: {error}
      </p>
    );
  if (sha256 === null) return <p className="muted">Loading the install commands…</p>;
  const platforms = installCommands(window.location.origin, sha256);
  const platform = platforms[selected] ?? platforms[0]!;
  const onKeyDown = (e: KeyboardEvent<HTMLButtonElement>) => {
    const step = e.key === 'ArrowRight' ? 1 : e.key === 'ArrowLeft' ? -1 : 0;
    if (step === 0) return;
    e.preventDefault();
    const next = (selected + step + platforms.length) % platforms.length;
    setSelected(next);
    tabRefs.current[next]?.focus();
  };
  return (
    <section className="install-steps" aria-labelledby={`${baseId}-title`}>
      <h3 id={`${baseId}-title`}>Install the agent on the server that can reach your SIEM</h3>
      <p>
        <a className="button" href={`/downloads/${AGENT_FILE}`} download={AGENT_FILE}>
          Download {AGENT_FILE}
        </a>{' '}
        <span className="muted">
          One file for Node.js 20.19 or later, nothing else to install. SHA-256:{' '}
          <code className="mono sha256" data-testid="agent-sha256">
            {sha256}
          </code>
        </span>
      </p>
      <div role="tablist" aria-label="Platform" className="tabs">
        {platforms.map((p, i) => (
          <button
            key={p.id}
            ref={(el) => {
              tabRefs.current[i] = el;
            }}
            type="button"
            role="tab"
            id={`${baseId}-tab-${p.id}`}
            aria-controls={`${baseId}-panel-${p.id}`}
            aria-selected={i === selected}
            tabIndex={i === selected ? 0 : -1}
            className="tab"
            onClick={() => setSelected(i)}
            onKeyDown={onKeyDown}
          >
            {p.label}
          </button>
        ))}
      </div>
      <div
        role="tabpanel"
        id={`${baseId}-panel-${platform.id}`}
        aria-labelledby={`${baseId}-tab-${platform.id}`}
        className="tab-panel"
      >
        <p>{platform.intro}</p>
        <pre className="command">
          <code ref={codeRef}>{platform.commands}</code>
        </pre>
        <CopyButton
          key={platform.id}
          text={platform.commands}
          target={() => codeRef.current}
          label="Copy commands"
        />
      </div>
      <p className="muted">
        Each form reads the token from a file you paste it into, so it stays out of the process list and the
        shell history. The agent reads its settings from this portal and follows every later edit by itself.
        Behind a proxy add <span className="mono">--proxy ADDRESS[:PORT]</span>; for a private CA{' '}
        <span className="mono">--ca-file PEM</span>. The full guide is deploy/README.md in the repository.
      </p>
    </section>
  );
}

export const TOKEN_QUESTION = "You won't be able to see this token again. Have you copied it?";

/**
 * Closing a shown token: asks first (Escape, ×, Done, browser Back, another URL), unless the
 * token was copied with its button. `close(to)` ends the dialog and goes to `to` when a hash
 * change was asked for, null for a plain close. Render `question` beside the token's dialog.
 */
export function useTokenClose(
  shown: boolean,
  close: (to: string | null) => void,
  /** The token's own URL, when it has one (the wizard's token step): going there is no leaving. */
  tokenHash?: string,
): { onCopied: () => void; request: () => void; question: ReactNode } {
  const [copied, setCopied] = useState(false);
  const [asking, setAsking] = useState<{ to: string | null } | null>(null);
  useLeaveGuard(
    shown && !copied,
    (hash) => hash === tokenHash,
    (to) => setAsking({ to }),
  );
  const question =
    asking === null ? null : (
      <ConfirmDialog
        title={TOKEN_QUESTION}
        confirmLabel="Yes, close"
        cancelLabel="Show the token"
        danger
        onCancel={() => setAsking(null)}
        onConfirm={() => {
          setAsking(null);
          close(asking.to);
        }}
      >
        <p>
          The portal keeps only a hash of the token. Without a copy, the agent cannot be started: you would
          have to regenerate the token.
        </p>
      </ConfirmDialog>
    );
  return {
    onCopied: () => setCopied(true),
    request: () => (copied ? close(null) : setAsking({ to: null })),
    question,
  };
}

export function TokenPanel({ token, onCopied }: { token: string; onCopied?: () => void }) {
  const [copy, setCopy] = useState<CopyState>('idle');
  const inputRef = useRef<HTMLInputElement>(null);
  const noteId = useId();

  return (
    <div className="token-panel">
      <p id={noteId} className="notice notice-warning">
        <strong>Copy the token now: it is shown only once.</strong> The portal keeps only a hash of it. If you
        lose it, regenerate it from the agent&apos;s row menu (the old one then stops working).
      </p>
      <div className="token-row">
        <FormField label="Token" className="token-field">
          {(props) => (
            <input
              {...props}
              ref={inputRef}
              type="text"
              readOnly
              value={token}
              spellCheck={false}
              autoComplete="off"
              className="mono"
              onFocus={(e) => e.currentTarget.select()}
            />
          )}
        </FormField>
        <button
          type="button"
          className="button button-primary"
          data-autofocus
          onClick={() =>
            void copyText(token, inputRef.current).then(
              () => {
                setCopy('copied');
                onCopied?.();
              },
              () => setCopy('failed'),
            )
          }
        >
          {copy === 'copied' ? 'Copied' : 'Copy token'}
        </button>
      </div>
      {copy === 'failed' ? (
        <p role="alert" className="error-text">
          The browser did not let the page copy. Select the token and copy it yourself.
        </p>
      ) : null}
      <InstallSteps />
    </div>
  );
}
