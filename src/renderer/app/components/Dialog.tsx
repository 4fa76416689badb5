// SPDX-License-Identifier: GPL-3.0-or-later
import { useEffect, useId, useRef, type ReactNode } from 'react';

interface DialogProps {
  readonly open: boolean;
  readonly title: string;
  /** Called when the user dismisses the dialog (Escape, or a cancel button calling it). */
  readonly onClose: () => void;
  readonly children: ReactNode;
  readonly tone?: 'danger' | 'normal';
}

/**
 * A modal on the native <dialog>: the browser traps focus, handles Escape and restores focus on
 * close, which a hand-made overlay would have to re-implement.
 */
export function Dialog({ open, title, onClose, children, tone = 'normal' }: DialogProps) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (open && !dialog.open) dialog.showModal();
    if (!open && dialog.open) dialog.close();
  }, [open]);
  return (
    <dialog
      ref={ref}
      className={`dialog dialog-${tone}`}
      aria-labelledby={titleId}
      onCancel={(event) => {
        event.preventDefault();
        onClose();
      }}
    >
      <h2 id={titleId} className="dialog-title">
        {title}
      </h2>
      {open ? children : null}
    </dialog>
  );
}
