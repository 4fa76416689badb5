// SPDX-License-Identifier: GPL-3.0-or-later
import { en } from '../../i18n/en';

/** Usage at or above this share is "nearly full": a DM overlay then overflows without warning. */
export const NEARLY_FULL_PERCENT = 85;

/**
 * How full something is, as a bar. role="meter" (not a progress bar): it is a level, not a task.
 * The fill width goes through the CSSOM, which the style-src policy allows.
 */
export function Gauge({ label, percent, text }: { label: string; percent: number; text: string }) {
  const clamped = Math.min(100, Math.max(0, percent));
  const level = clamped >= NEARLY_FULL_PERCENT ? 'gauge-high' : clamped >= 60 ? 'gauge-mid' : '';
  return (
    <div className="gauge-block">
      <div
        className={`gauge ${level}`}
        role="meter"
        aria-label={en.check.usageGauge(label)}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={Math.round(clamped)}
        aria-valuetext={text}
      >
        <span className="gauge-fill" style={{ width: `${clamped}%` }} />
      </div>
      <p className="gauge-text">{text}</p>
    </div>
  );
}
