// SPDX-License-Identifier: GPL-3.0-or-later
import { useEffect, useRef, type ReactNode } from 'react';

interface StepFrameProps {
  /** The heading's id; it labels the whole step. */
  readonly titleId: string;
  readonly title: string;
  /** One line under the title saying what the step is for. */
  readonly lead?: ReactNode;
  /** The buttons at the foot of the step (back on the left, forward on the right). */
  readonly actions?: ReactNode;
  readonly children?: ReactNode;
}

/** The frame every step and screen of the wizard shares: title, lead, content, actions. */
export function StepFrame({ titleId, title, lead, actions, children }: StepFrameProps) {
  return (
    <section className="step" aria-labelledby={titleId}>
      <StepHeading id={titleId}>{title}</StepHeading>
      {lead !== undefined ? <p className="lead">{lead}</p> : null}
      {children}
      {actions !== undefined ? <div className="step-actions">{actions}</div> : null}
    </section>
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
