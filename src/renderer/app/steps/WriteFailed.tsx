// SPDX-License-Identifier: GPL-3.0-or-later
import { en } from '../../i18n/en';
import { ErrorNotice } from '../components/ErrorNotice';
import { StepFrame } from '../components/StepFrame';
import { useAppFields } from '../store-context';

const t = en.write;

/** A write that failed (with why, and a retry) or that the user cancelled. */
export function WriteFailed({ cancelled }: { cancelled: boolean }) {
  const { writeError, resetWrite, goToStep, openConfirm } = useAppFields(
    'writeError',
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
      {!cancelled && writeError ? <ErrorNotice error={writeError} /> : null}
      {cancelled ? <p className="notice notice-info">{t.cancelConfirmBody}</p> : null}
    </StepFrame>
  );
}
