// SPDX-License-Identifier: GPL-3.0-or-later
import { useId, useState, type ReactNode } from 'react';
import type { SizeLimit } from '../../../shared/ipc';
import { MiB, bytesToMiB, formatBytes } from '../../../shared/units';
import { en } from '../../i18n/en';

const t = en.persistence;

interface SizeControlProps {
  readonly label: string;
  readonly help: ReactNode;
  readonly valueBytes: number;
  readonly limit: SizeLimit;
  readonly onChange: (mib: number) => void;
  readonly segment: 'overlay' | 'home' | 'swap';
}

/**
 * A size as a slider and a number in MB side by side: the slider for a feel of proportion, the
 * field for an exact value. Both talk MiB to the store; the planner's limits bound the slider.
 */
export function SizeControl({
  label,
  help,
  valueBytes,
  limit,
  onChange,
  segment,
}: SizeControlProps) {
  const id = useId();
  const [draft, setDraft] = useState<string | null>(null);
  const minMiB = bytesToMiB(limit.minBytes);
  const maxMiB = Math.max(minMiB, bytesToMiB(limit.maxBytes));
  const valueMiB = bytesToMiB(valueBytes);
  const commit = (text: string): void => {
    setDraft(text);
    const mib = Number(text);
    if (text.trim() !== '' && Number.isFinite(mib)) onChange(mib);
  };
  return (
    <div className="size-control">
      <div className="size-header">
        <span className={`swatch segment-${segment}`} aria-hidden="true" />
        <label htmlFor={`${id}-range`} className="size-label">
          {label}
        </label>
        <span className="size-readout">{formatBytes(valueMiB * MiB)}</span>
      </div>
      <div className="size-inputs">
        <input
          id={`${id}-range`}
          type="range"
          min={minMiB}
          max={maxMiB}
          step={1}
          value={Math.min(maxMiB, Math.max(minMiB, valueMiB))}
          aria-valuetext={formatBytes(valueMiB * MiB)}
          aria-describedby={`${id}-help ${id}-range-text`}
          onChange={(event) => onChange(Number(event.target.value))}
        />
        <span className="number-field">
          <input
            type="number"
            inputMode="numeric"
            min={minMiB}
            max={maxMiB}
            aria-label={t.sizeValue(label)}
            value={draft ?? String(valueMiB)}
            onChange={(event) => commit(event.target.value)}
            onBlur={() => setDraft(null)}
          />
          <span className="unit" aria-hidden="true">
            {t.sizeInMiB}
          </span>
        </span>
      </div>
      <p className="hint" id={`${id}-range-text`}>
        {t.range(formatBytes(minMiB * MiB), formatBytes(maxMiB * MiB))}
        {limit.maxReason ? ` — ${limit.maxReason}` : ''}
      </p>
      <p className="help" id={`${id}-help`}>
        {help}
      </p>
    </div>
  );
}
