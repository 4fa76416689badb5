// SPDX-License-Identifier: GPL-3.0-or-later
import { useShallow } from 'zustand/react/shallow';
import { formatBytes } from '../../../shared/units';
import { en } from '../../i18n/en';
import type { WrittenTarget } from '../../store/write-slice';
import { StepFrame } from '../components/StepFrame';
import { useApp } from '../store-context';

const t = en.write;

/** What is on the finished stick, how to boot it, and where to go next. */
export function WriteDone({ target }: { target: WrittenTarget }) {
  const s = useApp(
    useShallow((state) => ({
      summary: state.writeSummary,
      resetWrite: state.resetWrite,
      goToStep: state.goToStep,
      setMode: state.setMode,
      chooseCheckDevice: state.chooseCheckDevice,
      inspectStick: state.inspectStick,
    })),
  );
  const { drive, layout } = target;
  return (
    <StepFrame
      titleId="step-write-title"
      title={t.doneTitle}
      actions={
        <>
          <button
            type="button"
            className="button"
            onClick={() => {
              s.resetWrite();
              s.setMode('check');
              s.chooseCheckDevice(drive.device);
              void s.inspectStick();
            }}
          >
            {t.checkThis}
          </button>
          <button
            type="button"
            className="button button-primary"
            onClick={() => {
              s.resetWrite();
              s.goToStep('drive');
            }}
          >
            {t.another}
          </button>
        </>
      }
    >
      <p className="notice notice-success" role="status">
        {drive.description} · {formatBytes(drive.sizeBytes)} · {drive.device}
      </p>
      <h3>{t.onStick}</h3>
      <ul className="summary">
        {s.summary.map((line) => (
          <li key={line}>{line}</li>
        ))}
      </ul>
      <h3>{t.howToBoot}</h3>
      <p>{t.howToBootText}</p>
      <h3>{t.freeSpace}</h3>
      <p>{t.freeSpaceText(formatBytes(layout.freeBytes))}</p>
      <p className="hint">{t.remove}</p>
    </StepFrame>
  );
}
