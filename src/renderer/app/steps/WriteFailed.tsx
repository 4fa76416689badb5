// SPDX-License-Identifier: GPL-3.0-or-later
import { useShallow } from 'zustand/react/shallow';
import { en } from '../../i18n/en';
import { ErrorNotice } from '../components/ErrorNotice';
import { StepFrame } from '../components/StepFrame';
import { useApp } from '../store-context';

const t = en.write;

/** A write that failed (with why, and a retry) or that the user cancelled. */
export function WriteFailed({ cancelled }: { cancelled: boolean }) {
  const s = useApp(
    useShallow((state) => ({
      error: state.writeError,
      resetWrite: state.resetWrite,
      goToStep: state.goToStep,
      openConfirm: state.openConfirm,
    })),
  );

  /** Back to the persistence step; the erase is confirmed again before any retry. */
  const retry = (): void => {
    s.resetWrite();
    s.goToStep('persistence');
    s.openConfirm();
  };

  return (
    <StepFrame
      titleId="step-write-title"
      title={cancelled ? t.cancelledTitle : t.failedTitle}
      actions={
        <>
          <button
            type="button"
            className="button"
            onClick={() => {
              s.resetWrite();
              s.goToStep('persistence');
            }}
          >
            {t.startOver}
          </button>
          {cancelled ? null : (
            <button type="button" className="button button-primary" onClick={retry}>
              {t.retry}
            </button>
          )}
        </>
      }
    >
      {!cancelled && s.error ? <ErrorNotice error={s.error} /> : null}
      {cancelled ? <p className="notice notice-info">{t.cancelConfirmBody}</p> : null}
    </StepFrame>
  );
}
