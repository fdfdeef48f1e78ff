// A modal dialog (WAI-ARIA dialog pattern): labelled by its heading, focus moved in on open and
// kept inside (Tab wraps, a click on the backdrop leaves it where it is), Escape closes, the page
// behind made inert, focus given back on close.
// `variant="drawer"` slides it in from the right, for record details.
import { useEffect, useId, useRef, type ReactNode } from 'react';
import { createPortal } from 'react-dom';

const FOCUSABLE =
  'a[href], button:not([disabled]), input:not([disabled]):not([type="hidden"]), select:not([disabled]), textarea:not([disabled]), summary, [tabindex]:not([tabindex="-1"])';

let openDialogs = 0;
function setBackgroundInert(inert: boolean): void {
  const root = document.getElementById('root');
  if (root !== null) root.inert = inert;
  // The page behind does not scroll either.
  document.body.classList.toggle('dialog-open', inert);
}

export interface DialogProps {
  title: ReactNode;
  onClose: () => void;
  children: ReactNode;
  /** Buttons, right-aligned under the content. */
  footer?: ReactNode;
  variant?: 'normal' | 'wide' | 'drawer';
  /** While true (a request in flight), Escape and the close button do nothing. */
  busy?: boolean;
  /** Describes the dialog for assistive technology (an id inside it). */
  describedBy?: string;
}

function focusables(container: HTMLElement): HTMLElement[] {
  return [...container.querySelectorAll<HTMLElement>(FOCUSABLE)].filter(
    (el) => el.offsetParent !== null || el === document.activeElement,
  );
}

export function Dialog({
  title,
  onClose,
  children,
  footer,
  variant = 'normal',
  busy = false,
  describedBy,
}: DialogProps) {
  const titleId = useId();
  const ref = useRef<HTMLDivElement>(null);
  const closeRef = useRef(onClose);
  closeRef.current = onClose;
  const busyRef = useRef(busy);
  busyRef.current = busy;

  useEffect(() => {
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    openDialogs += 1;
    setBackgroundInert(true);
    const dialog = ref.current;
    if (dialog !== null) {
      // The first field or button of the content, else the dialog itself; not the close button.
      const first =
        dialog.querySelector<HTMLElement>('[data-autofocus]') ??
        focusables(dialog).find((el) => !el.classList.contains('dialog-close')) ??
        dialog;
      first.focus();
    }
    return () => {
      openDialogs -= 1;
      if (openDialogs === 0) setBackgroundInert(false);
      // Give focus back to what opened the dialog, once the page behind is no longer inert.
      if (opener?.isConnected) opener.focus();
    };
  }, []);

  const onKeyDown = (event: React.KeyboardEvent) => {
    if (event.key === 'Escape') {
      event.stopPropagation();
      if (!busyRef.current) closeRef.current();
      return;
    }
    if (event.key !== 'Tab' || ref.current === null) return;
    const items = focusables(ref.current);
    if (items.length === 0) {
      event.preventDefault();
      return;
    }
    const first = items[0]!;
    const last = items[items.length - 1]!;
    const active = document.activeElement;
    if (event.shiftKey && (active === first || active === ref.current)) {
      event.preventDefault();
      last.focus();
    } else if (!event.shiftKey && active === last) {
      event.preventDefault();
      first.focus();
    }
  };

  return createPortal(
    <div
      className={`dialog-backdrop dialog-backdrop-${variant}`}
      // A press on the backdrop would move the focus to the page's body, out of the dialog, where
      // Escape and Tab no longer reach it: the focus stays where it is.
      onMouseDown={(event) => {
        if (event.target === event.currentTarget) event.preventDefault();
      }}
    >
      <div
        ref={ref}
        role="dialog"
        aria-modal="true"
        aria-labelledby={titleId}
        aria-describedby={describedBy}
        className={`dialog dialog-${variant}`}
        tabIndex={-1}
        onKeyDown={onKeyDown}
      >
        <header className="dialog-header">
          <h2 id={titleId}>{title}</h2>
          <button
            type="button"
            className="dialog-close icon-button"
            aria-label="Close"
            title="Close (Esc)"
            disabled={busy}
            onClick={() => onClose()}
          >
            <span aria-hidden="true">×</span>
          </button>
        </header>
        <div className="dialog-body">{children}</div>
        {footer === undefined ? null : <footer className="dialog-footer">{footer}</footer>}
      </div>
    </div>,
    document.body,
  );
}

/** A yes/no question: the confirming button is named by `confirmLabel` ("Delete", "Regenerate"). */
export function ConfirmDialog({
  title,
  children,
  confirmLabel,
  cancelLabel = 'Cancel',
  danger = false,
  busy = false,
  error,
  onConfirm,
  onCancel,
}: {
  title: ReactNode;
  children: ReactNode;
  confirmLabel: string;
  /** The button that keeps things as they are ("Keep editing"). */
  cancelLabel?: string;
  danger?: boolean;
  busy?: boolean;
  error?: string | null;
  onConfirm: () => void;
  onCancel: () => void;
}) {
  return (
    <Dialog
      title={title}
      onClose={onCancel}
      busy={busy}
      footer={
        <>
          {/* A destructive question starts on Cancel, so Enter does not destroy by accident. */}
          <button
            type="button"
            className="button"
            onClick={onCancel}
            disabled={busy}
            data-autofocus={danger || undefined}
          >
            {cancelLabel}
          </button>
          <button
            type="button"
            className={danger ? 'button button-danger' : 'button button-primary'}
            onClick={onConfirm}
            disabled={busy}
            data-autofocus={!danger || undefined}
          >
            {confirmLabel}
          </button>
        </>
      }
    >
      {children}
      {error ? (
        <p role="alert" className="error-text">
          {error}
        </p>
      ) : null}
    </Dialog>
  );
}
