// SPDX-License-Identifier: GPL-3.0-or-later
import { useEffect, useRef, type ReactNode } from 'react';

/** A button in the row at the foot of a step. */
export interface StepAction {
  readonly label: string;
  readonly onClick: () => void;
  readonly disabled?: boolean;
  /** `primary` goes on, `danger` erases; `plain` is the rest (the default on the left). */
  readonly tone?: 'plain' | 'primary' | 'danger';
}

interface StepFrameProps {
  /** The heading's id; it labels the whole step. */
  readonly titleId: string;
  readonly title: string;
  /** One line under the title saying what the step is for. */
  readonly lead?: ReactNode;
  /** Left in the foot row: back, or another way out. */
  readonly secondary?: StepAction;
  /** Right in the foot row: the step's main action (primary tone unless said otherwise). */
  readonly primary?: StepAction;
  readonly children?: ReactNode;
}

/** The frame every step and screen of the wizard shares: title, lead, content, actions. */
export function StepFrame({ titleId, title, lead, secondary, primary, children }: StepFrameProps) {
  return (
    <section className="step" aria-labelledby={titleId}>
      <StepHeading id={titleId}>{title}</StepHeading>
      {lead !== undefined ? <p className="lead">{lead}</p> : null}
      {children}
      {secondary || primary ? (
        <div className="step-actions">
          {secondary ? <ActionButton action={secondary} tone="plain" /> : <span />}
          {primary ? <ActionButton action={primary} tone="primary" /> : null}
        </div>
      ) : null}
    </section>
  );
}

function ActionButton({ action, tone }: { action: StepAction; tone: StepAction['tone'] }) {
  const look = action.tone ?? tone;
  return (
    <button
      type="button"
      className={look === 'plain' ? 'button' : `button button-${look}`}
      disabled={action.disabled}
      onClick={action.onClick}
    >
      {action.label}
    </button>
  );
}

/**
 * A step's title. It takes focus when the step appears so keyboard and screen-reader users start
 * at the new step instead of on a button that no longer exists.
 */
function StepHeading({ id, children }: { id: string; children: string }) {
  const ref = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    if (document.activeElement === document.body || document.activeElement === null) {
      ref.current?.focus();
    }
  }, []);
  return (
    <h2 id={id} ref={ref} tabIndex={-1} className="step-title">
      {children}
    </h2>
  );
}
