// SPDX-License-Identifier: GPL-3.0-or-later
import { useEffect, useRef } from 'react';

/**
 * A step's title. It takes focus when the step appears so keyboard and screen-reader users start
 * at the new step instead of on a button that no longer exists.
 */
export function StepHeading({ id, children }: { id: string; children: string }) {
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
