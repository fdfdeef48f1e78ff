// A labelled form control with its hint and its error next to it (aria-describedby, aria-invalid),
// plus the checkbox and radio-group variants the forms use.
import { useId, type ReactNode } from 'react';

export interface ControlProps {
  id: string;
  'aria-describedby': string | undefined;
  'aria-invalid': true | undefined;
}

export function FormField({
  label,
  error,
  hint,
  children,
  className,
}: {
  label: ReactNode;
  error?: string | null | undefined;
  hint?: ReactNode;
  /** The control, given the id, aria-describedby and aria-invalid to spread on it. */
  children: (props: ControlProps) => ReactNode;
  className?: string;
}) {
  const id = useId();
  const hintId = hint === undefined ? undefined : `${id}-hint`;
  const errorId = error ? `${id}-error` : undefined;
  const describedBy = [errorId, hintId].filter(Boolean).join(' ') || undefined;
  return (
    <div className={`field${error ? ' field-invalid' : ''}${className ? ` ${className}` : ''}`}>
      <label htmlFor={id}>{label}</label>
      {children({ id, 'aria-describedby': describedBy, 'aria-invalid': error ? true : undefined })}
      {error ? (
        <p id={errorId} className="field-error">
          {error}
        </p>
      ) : null}
      {hint === undefined ? null : (
        <p id={hintId} className="field-hint">
          {hint}
        </p>
      )}
    </div>
  );
}

export function Checkbox({
  label,
  checked,
  onChange,
  hint,
  disabled,
}: {
  label: string;
  checked: boolean;
  onChange: (checked: boolean) => void;
  hint?: ReactNode;
  disabled?: boolean;
}) {
  const id = useId();
  return (
    <div className="field field-check">
      <input
        id={id}
        type="checkbox"
        checked={checked}
        disabled={disabled}
        aria-describedby={hint === undefined ? undefined : `${id}-hint`}
        onChange={(e) => onChange(e.target.checked)}
      />
      <label htmlFor={id}>{label}</label>
      {hint === undefined ? null : (
        <p id={`${id}-hint`} className="field-hint">
          {hint}
        </p>
      )}
    </div>
  );
}

export interface RadioOption<T extends string> {
  value: T;
  label: string;
  hint?: string;
}

/** Native radios in a role=radiogroup named `name` (shown as `legend`, which may be shorter). */
export function RadioGroup<T extends string>({
  name,
  legend,
  value,
  options,
  onChange,
  error,
  inline = true,
}: {
  name: string;
  legend?: string;
  value: T;
  options: readonly RadioOption<T>[];
  onChange: (value: T) => void;
  error?: string | null;
  inline?: boolean;
}) {
  const id = useId();
  return (
    <div className={`field${error ? ' field-invalid' : ''}`}>
      {/* The group is named by aria-label; the visible legend may be shorter ("Apply to"). */}
      <div className="field-legend" aria-hidden="true">
        {legend ?? name}
      </div>
      <div
        role="radiogroup"
        aria-label={name}
        aria-describedby={error ? `${id}-error` : undefined}
        className={inline ? 'radio-group radio-group-inline' : 'radio-group'}
      >
        {options.map((option) => (
          <div className="radio" key={option.value}>
            <input
              id={`${id}-${option.value}`}
              type="radio"
              name={id}
              value={option.value}
              checked={value === option.value}
              aria-describedby={option.hint === undefined ? undefined : `${id}-${option.value}-hint`}
              onChange={() => onChange(option.value)}
            />
            <label htmlFor={`${id}-${option.value}`}>{option.label}</label>
            {option.hint === undefined ? null : (
              <span id={`${id}-${option.value}-hint`} className="field-hint">
                {option.hint}
              </span>
            )}
          </div>
        ))}
      </div>
      {error ? (
        <p id={`${id}-error`} className="field-error">
          {error}
        </p>
      ) : null}
    </div>
  );
}
