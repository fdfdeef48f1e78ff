// A wizard's frame: the list of steps (the current one marked aria-current="step", the done ones
// ticked) above the current step's content, which is labelled by the step's heading. On a step
// change the focus moves to the new step's heading, so a screen reader announces where it is.
import { useEffect, useRef, type ReactNode } from 'react';

export function Wizard({
  steps,
  current,
  skipped = [],
  children,
}: {
  steps: readonly string[];
  /** Index of the current step. */
  current: number;
  /** Steps this run of the wizard leaves out (editing an agent keeps its token). */
  skipped?: readonly number[];
  children: ReactNode;
}) {
  const heading = useRef<HTMLHeadingElement>(null);
  const shown = useRef(current);
  useEffect(() => {
    // Not on opening: the dialog puts the focus in the first field then.
    if (shown.current === current) return;
    shown.current = current;
    heading.current?.focus();
  }, [current]);
  return (
    <div className="wizard">
      <ol className="wizard-steps" aria-label="Steps">
        {steps.map((step, i) => (
          <li
            key={step}
            className={`wizard-step${i === current ? ' wizard-step-current' : i < current ? ' wizard-step-done' : ''}${skipped.includes(i) ? ' wizard-step-skipped' : ''}`}
            aria-current={i === current ? 'step' : undefined}
          >
            <span className="wizard-step-number" aria-hidden="true">
              {i < current ? '✓' : i + 1}
            </span>
            <span className="wizard-step-label">{step}</span>
            {i < current ? <span className="visually-hidden"> (done)</span> : null}
            {skipped.includes(i) ? <span className="visually-hidden"> (not part of this edit)</span> : null}
          </li>
        ))}
      </ol>
      {/* Not a labelled region: "Token" must name only the token's input in the last step. */}
      <div className="wizard-panel">
        <h3 ref={heading} className="wizard-panel-title" tabIndex={-1}>
          {steps[current]}
        </h3>
        {children}
      </div>
    </div>
  );
}
