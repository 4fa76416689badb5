// SPDX-License-Identifier: GPL-3.0-or-later
import { formatBytes } from '../../../shared/units';
import { en } from '../../i18n/en';
import type { WrittenTarget } from '../../store/write-slice';
import { StepFrame } from '../components/StepFrame';
import { useAppFields } from '../store-context';

const t = en.write;

/** What is on the finished stick, how to boot it, and where to go next. */
export function WriteDone({ target }: { target: WrittenTarget }) {
  const s = useAppFields(
    'writeSummary',
    'resetWrite',
    'goToStep',
    'setMode',
    'chooseCheckDevice',
    'inspectStick',
  );
  const { drive, layout } = target;
  const checkThis = (): void => {
    s.resetWrite();
    s.setMode('check');
    s.chooseCheckDevice(drive.device);
    void s.inspectStick();
  };
  const another = (): void => {
    s.resetWrite();
    s.goToStep('drive');
  };
  return (
    <StepFrame
      titleId="step-write-title"
      title={t.doneTitle}
      secondary={{ label: t.checkThis, onClick: checkThis }}
      primary={{ label: t.another, onClick: another }}
    >
      <p className="notice notice-success" role="status">
        {drive.description} · {formatBytes(drive.sizeBytes)} · {drive.device}
      </p>
      <h3>{t.onStick}</h3>
      <ul className="summary">
        {s.writeSummary.map((line) => (
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
