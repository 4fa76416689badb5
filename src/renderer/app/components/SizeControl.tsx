// SPDX-License-Identifier: GPL-3.0-or-later
import { useId, type KeyboardEvent, type ReactNode } from 'react';
import { MiB } from '../../../shared/units';
import { en } from '../../i18n/en';
import { fieldSize, fieldText, hundredthsToMiB, mibToHundredths } from '../../i18n/sizes';
import { FAT32_MAX_HUNDREDTHS, type SizeBounds, type SizeProblem } from '../../store/size-limits';

const t = en.persistence;

/** Arrow keys move a tenth of a GiB, Page Up/Down a whole one. */
const ARROW_STEP = 10;
const PAGE_STEP = 100;

interface SizeControlProps {
  readonly label: string;
  /** What the file is for, and what 0 (none) means; one or two sentences. */
  readonly help: ReactNode;
  readonly valueBytes: number;
  readonly suggestedBytes: number;
  readonly bounds: SizeBounds;
  /** What the user typed, while it differs from the value. */
  readonly text: string | undefined;
  readonly problem: SizeProblem | null;
  readonly segment: 'overlay' | 'home' | 'swap';
  readonly onSlide: (mib: number) => void;
  readonly onType: (text: string) => void;
  readonly onSettle: () => void;
}

export function problemText(problem: SizeProblem): string {
  switch (problem.kind) {
    case 'not-a-size':
      return t.problems.notASize;
    case 'below-minimum':
      return t.problems.belowMinimum;
    case 'no-room':
      return t.problems.noRoom;
    case 'above-maximum':
      return t.problems.aboveMaximum[problem.bounds.maxReason](
        fieldSize(hundredthsToMiB(problem.bounds.maxHundredths)),
      );
  }
}

/**
 * A size as a number field in GiB and a slider side by side: the field for an exact value, the
 * slider for a feel of proportion. Both stop at the real maximum given the other sizes, and say
 * why it is what it is; a typed value that cannot be used is marked on the field itself.
 */
export function SizeControl(props: SizeControlProps) {
  const id = useId();
  const valueMiB = props.valueBytes / MiB;
  const max = props.bounds.maxHundredths;
  const sliderValue = Math.min(max, mibToHundredths(valueMiB));
  const slideTo = (hundredths: number): void =>
    props.onSlide(hundredthsToMiB(Math.min(max, Math.max(0, hundredths))));
  const onSliderKey = (event: KeyboardEvent<HTMLInputElement>): void => {
    const steps: Readonly<Record<string, number>> = {
      ArrowRight: ARROW_STEP,
      ArrowUp: ARROW_STEP,
      ArrowLeft: -ARROW_STEP,
      ArrowDown: -ARROW_STEP,
      PageUp: PAGE_STEP,
      PageDown: -PAGE_STEP,
    };
    const step = steps[event.key];
    if (step === undefined) return;
    event.preventDefault();
    // Moves to the next tenth, so a value between tenths lands on the grid first.
    const next =
      step > 0
        ? Math.floor(sliderValue / ARROW_STEP) * ARROW_STEP + step
        : Math.ceil(sliderValue / ARROW_STEP) * ARROW_STEP + step;
    slideTo(next);
  };
  const atFat32Max = props.bounds.maxReason === 'fat32' && sliderValue >= FAT32_MAX_HUNDREDTHS;
  const limitText = t.limit(
    fieldSize(props.suggestedBytes / MiB),
    atFat32Max
      ? t.atMaximumLater(fieldSize(hundredthsToMiB(max)))
      : t.maxReason[props.bounds.maxReason](fieldSize(hundredthsToMiB(max))),
  );
  const problem = props.problem ? problemText(props.problem) : null;
  return (
    <div className={`size-control${problem ? ' size-control-invalid' : ''}`}>
      <div className="size-header">
        <span className={`swatch segment-${props.segment}`} aria-hidden="true" />
        <label htmlFor={`${id}-field`} className="size-label">
          {props.label}
        </label>
        <span className="number-field">
          <input
            id={`${id}-field`}
            type="text"
            inputMode="decimal"
            autoComplete="off"
            spellCheck={false}
            aria-label={t.sizeValue(props.label)}
            aria-invalid={problem !== null}
            aria-describedby={`${id}-limit ${id}-help`}
            aria-errormessage={problem ? `${id}-problem` : undefined}
            value={props.text ?? fieldText(valueMiB)}
            onChange={(event) => props.onType(event.target.value)}
            onBlur={props.onSettle}
          />
          <span className="unit" aria-hidden="true">
            {t.unit}
          </span>
        </span>
      </div>
      <input
        type="range"
        aria-label={props.label}
        min={0}
        max={max}
        step={1}
        value={sliderValue}
        aria-valuetext={fieldSize(valueMiB)}
        aria-describedby={`${id}-limit`}
        onKeyDown={onSliderKey}
        onChange={(event) => slideTo(Number(event.target.value))}
      />
      {problem ? (
        <p className="field-error" id={`${id}-problem`} role="alert">
          {problem}
        </p>
      ) : null}
      <p className="hint" id={`${id}-limit`}>
        {limitText}
      </p>
      <p className="help" id={`${id}-help`}>
        {props.help}
      </p>
    </div>
  );
}
