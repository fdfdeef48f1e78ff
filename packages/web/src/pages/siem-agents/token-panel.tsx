// The token of a new or regenerated agent, shown this once: a read-only field, a copy button and
// the exact command that runs the agent with it.
import { useId, useRef, useState } from 'react';
import { FormField } from '../../components/form-field.tsx';

async function copyText(text: string, input: HTMLInputElement | null): Promise<void> {
  if (navigator.clipboard !== undefined && window.isSecureContext) {
    await navigator.clipboard.writeText(text);
    return;
  }
  // Over plain HTTP on a non-loopback address the Clipboard API is missing: copy the selection.
  input?.select();
  if (!document.execCommand('copy')) throw new Error('copy refused');
}

export function TokenPanel({ token }: { token: string }) {
  const [copy, setCopy] = useState<'idle' | 'copied' | 'failed'>('idle');
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
              () => setCopy('copied'),
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
      <p>On the server that can reach your SIEM, run the agent with this token:</p>
      <pre className="command">
        <code>cloudsiem agent --token {token}</code>
      </pre>
      <p className="muted">
        The agent reads its settings from this portal and follows every later edit by itself. To keep the
        token out of the process list, save it in a file readable only by the agent&apos;s user and pass{' '}
        <span className="mono">--token-file FILE</span> instead (or set{' '}
        <span className="mono">CLOUDSIEM_TOKEN</span>). Behind a proxy add{' '}
        <span className="mono">--proxy ADDRESS[:PORT]</span>.
      </p>
    </div>
  );
}
