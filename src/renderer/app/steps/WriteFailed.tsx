// SPDX-License-Identifier: GPL-3.0-or-later
import type { CancelledStick } from '../../../shared/ipc';
import { en } from '../../i18n/en';
import { ErrorNotice } from '../components/ErrorNotice';
import { StepFrame } from '../components/StepFrame';
import { useAppFields } from '../store-context';

const t = en.write;

/** A write that failed (with why, and a retry) or that was cancelled (with what it left). */
export function WriteFailed({ cancelled }: { cancelled: CancelledStick | null }) {
  const { writeError, writeTarget, resetWrite, goToStep, openConfirm } = useAppFields(
    'writeError',
    'writeTarget',
    'resetWrite',
    'goToStep',
    'openConfirm',
  );
  const startOver = (): void => {
    resetWrite();
    goToStep('persistence');
  };
  /** Back to the persistence step; the erase is confirmed again before any retry. */
  const retry = (): void => {
    startOver();
    openConfirm();
  };
  return (
    <StepFrame
      titleId="step-write-title"
      title={cancelled ? t.cancelledTitle : t.failedTitle}
      secondary={{ label: t.startOver, onClick: startOver }}
      primary={cancelled ? undefined : { label: t.retry, onClick: retry }}
    >
      {!cancelled && writeError ? (
        <ErrorNotice
          error={writeError}
          context={{ doing: 'write', device: writeTarget?.drive.device ?? '' }}
        />
      ) : null}
      {cancelled ? <p className="notice notice-info">{t.cancelled[cancelled]}</p> : null}
    </StepFrame>
  );
}
