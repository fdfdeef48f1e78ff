// A show/hide section (WAI-ARIA disclosure): a button with aria-expanded controlling the content
// below it, which is rendered only while open ("Advanced settings").
import { useId, type ReactNode } from 'react';

export function Disclosure({
  label,
  open,
  onToggle,
  children,
}: {
  label: string;
  open: boolean;
  onToggle: (open: boolean) => void;
  children: ReactNode;
}) {
  const id = useId();
  return (
    <>
      <button
        type="button"
        className="disclosure"
        aria-expanded={open}
        aria-controls={id}
        onClick={() => onToggle(!open)}
      >
        <span aria-hidden="true" className="disclosure-icon" />
        {label}
      </button>
      <div id={id} hidden={!open} className="advanced">
        {open ? children : null}
      </div>
    </>
  );
}
