// SPDX-License-Identifier: GPL-3.0-or-later
import { useState } from 'react';
import { overallWriteFraction, type Progress } from '../../../shared/progress';
import { formatDuration } from '../../../shared/units';
import { isActive } from '../../../shared/write-state';
import { en } from '../../i18n/en';
import { formatSize, formatSpeed } from '../../i18n/sizes';
import { Dialog } from '../components/Dialog';
import { StepFrame } from '../components/StepFrame';
import { useAppFields } from '../store-context';

const t = en.write;

/**
 * Seconds until the whole write is done: the rest of this phase, and while writing also the
 * reading back, estimated at the writing speed (reading is rarely slower).
 */
function overallEta(progress: Progress, verify: boolean): number | null {
  if (progress.etaSeconds === null) return null;
  if (progress.phase === 'writing' && verify && progress.speedBps > 0) {
    return progress.etaSeconds + progress.bytesTotal / progress.speedBps;
  }
  return progress.etaSeconds;
}

/** The running write: one bar over all phases, the amounts, and a Cancel that says the truth. */
export function WriteProgress() {
  const s = useAppFields('writeState', 'progress', 'writeTarget', 'jobId', 'cancelWrite');
  const [askCancel, setAskCancel] = useState(false);
  const active = isActive(s.writeState);
  const progress = s.progress;
  const phase = progress?.phase ?? 'preparing';
  const verify = s.writeTarget?.verify ?? true;
  const fraction = progress ? overallWriteFraction(progress, { verify }) : null;
  const percent = fraction === null ? null : Math.floor(fraction * 100);
  const drive = s.writeTarget?.drive;
  const cancelling = s.writeState === 'cancelling';
  const eta = progress ? overallEta(progress, verify) : null;
  return (
    <StepFrame
      titleId="step-write-title"
      title={t.title}
      lead={
        drive
          ? t.driveLine(drive.description, formatSize(drive.sizeBytes), drive.device)
          : undefined
      }
      primary={{
        label: t.cancel,
        tone: 'plain',
        disabled: !active || cancelling || s.jobId === null,
        onClick: () => setAskCancel(true),
      }}
    >
      <div className="progress-block">
        <div className="progress-head">
          <span className="progress-phase" aria-live="polite">
            {cancelling ? t.cancelling : t.phases[phase]}
          </span>
          <span className="progress-percent">{percent === null ? '' : t.percent(percent)}</span>
        </div>
        {/* Without a value the bar is indeterminate: nothing has moved yet while preparing. */}
        <progress
          aria-label={t.progressLabel}
          max={100}
          {...(fraction === null ? {} : { value: fraction * 100 })}
          {...(percent === null ? {} : { 'aria-valuetext': t.percent(percent) })}
        />
        {phase === 'preparing' || !progress ? (
          <p className="hint">{t.preparingText}</p>
        ) : (
          <dl className="facts facts-inline">
            <dt>{t.amount}</dt>
            <dd className="nowrap">
              {phase === 'verifying'
                ? t.amountVerified(formatSize(progress.bytesDone), formatSize(progress.bytesTotal))
                : t.amountWritten(formatSize(progress.bytesDone), formatSize(progress.bytesTotal))}
            </dd>
            <dt>{t.speed}</dt>
            <dd className="nowrap">
              {progress.speedBps > 0 ? formatSpeed(progress.speedBps) : '—'}
            </dd>
            <dt>{t.timeLeft}</dt>
            <dd className="nowrap">{eta !== null ? formatDuration(eta) : t.unknownTime}</dd>
          </dl>
        )}
      </div>
      <p className="hint">{t.doNotUnplug}</p>
      <Dialog
        open={askCancel && active && !cancelling}
        title={t.cancelConfirmTitle}
        tone="danger"
        onClose={() => setAskCancel(false)}
      >
        <p>{t.cancelConfirmBody[phase]}</p>
        <div className="dialog-actions">
          <button type="button" className="button" autoFocus onClick={() => setAskCancel(false)}>
            {t.cancelKeep}
          </button>
          <button
            type="button"
            className="button button-danger"
            onClick={() => {
              setAskCancel(false);
              void s.cancelWrite();
            }}
          >
            {t.cancelConfirm}
          </button>
        </div>
      </Dialog>
    </StepFrame>
  );
}
