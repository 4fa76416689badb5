// SPDX-License-Identifier: GPL-3.0-or-later
import { useEffect, useRef, type ReactNode } from 'react';
import { en } from '../../i18n/en';

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

/**
 * The frame every step and screen of the wizard shares: title, lead, content, actions. The
 * title is the page's one <h1> and names the window or tab, so every screen says where it is.
 */
export function StepFrame({ titleId, title, lead, secondary, primary, children }: StepFrameProps) {
  useEffect(() => {
    document.title = en.app.documentTitle(title);
  }, [title]);
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

/** Nothing has focus: the element that had it was removed or disabled (or nothing had it). */
function focusIsLost(): boolean {
  const active = document.activeElement;
  return active === null || active === document.body;
}

/**
 * A step's title. It takes focus when the step appears, and whenever focus would otherwise fall
 * to the page itself — the button just pressed may vanish (a dialog closes, a screen of the
 * write step replaces another, Cancel turns disabled) — so keyboard and screen-reader users
 * always continue from the screen they are on.
 */
function StepHeading({ id, children }: { id: string; children: string }) {
  const ref = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    if (focusIsLost()) ref.current?.focus();
    const recover = (): void => {
      // Wait until the focus change settles: a closing <dialog> hands focus back afterwards.
      requestAnimationFrame(() => {
        if (focusIsLost() && !document.querySelector('dialog[open]')) ref.current?.focus();
      });
    };
    // A focused element that is removed or disabled may not report it, so changes to the
    // page's elements are a cue too.
    const observer = new MutationObserver(recover);
    observer.observe(document.body, {
      subtree: true,
      childList: true,
      attributes: true,
      attributeFilter: ['disabled', 'open'],
    });
    document.addEventListener('focusout', recover);
    return () => {
      observer.disconnect();
      document.removeEventListener('focusout', recover);
    };
  }, []);
  return (
    <h1 id={id} ref={ref} tabIndex={-1} className="step-title">
      {children}
    </h1>
  );
}
