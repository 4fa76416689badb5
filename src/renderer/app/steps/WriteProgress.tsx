// SPDX-License-Identifier: GPL-3.0-or-later
import { useState } from 'react';
import { progressFraction } from '../../../shared/progress';
import { formatBytes, formatDuration } from '../../../shared/units';
import { isActive } from '../../../shared/write-state';
import { en } from '../../i18n/en';
import { Dialog } from '../components/Dialog';
import { ErrorNotice } from '../components/ErrorNotice';
import { StepFrame } from '../components/StepFrame';
import { useAppFields } from '../store-context';

const t = en.write;

/** The running write: phase, bar, amount, speed and time left, and a confirmed cancel. */
export function WriteProgress() {
  const s = useAppFields(
    'writeState',
    'progress',
    'writeError',
    'writeTarget',
    'jobId',
    'cancelWrite',
  );
  const [askCancel, setAskCancel] = useState(false);
  const active = isActive(s.writeState);
  const progress = s.progress;
  const phase = progress?.phase ?? 'preparing';
  const fraction = progress ? progressFraction(progress) : 0;
  const percent = Math.floor(fraction * 100);
  const drive = s.writeTarget?.drive;
  return (
    <StepFrame
      titleId="step-write-title"
      title={t.title}
      lead={
        drive
          ? `${drive.description} · ${formatBytes(drive.sizeBytes)} · ${drive.device}`
          : undefined
      }
      primary={{
        label: t.cancel,
        tone: 'plain',
        disabled: !active || s.writeState === 'cancelling' || s.jobId === null,
        onClick: () => setAskCancel(true),
      }}
    >
      <div className="progress-block">
        <div className="progress-head">
          <span className="progress-phase" aria-live="polite">
            {s.writeState === 'cancelling' ? t.cancelling : t.phases[phase]}
          </span>
          <span className="progress-percent">{progress ? `${percent} %` : ''}</span>
        </div>
        <progress
          aria-label={t.progressLabel}
          max={100}
          {...(progress && progress.bytesTotal > 0 ? { value: fraction * 100 } : {})}
        />
        <dl className="facts facts-inline">
          <dt>{t.amount}</dt>
          <dd>
            {progress
              ? t.of(formatBytes(progress.bytesDone), formatBytes(progress.bytesTotal))
              : '—'}
          </dd>
          <dt>{t.speed}</dt>
          <dd>{progress && progress.speedBps > 0 ? `${formatBytes(progress.speedBps)}/s` : '—'}</dd>
          <dt>{t.timeLeft}</dt>
          <dd>
            {progress?.etaSeconds !== null && progress?.etaSeconds !== undefined
              ? formatDuration(progress.etaSeconds)
              : t.unknownTime}
          </dd>
        </dl>
      </div>
      <p className="hint">{t.doNotUnplug}</p>
      {s.writeError ? <ErrorNotice error={s.writeError} /> : null}
      <Dialog
        open={askCancel && active}
        title={t.cancelConfirmTitle}
        tone="danger"
        onClose={() => setAskCancel(false)}
      >
        <p>{t.cancelConfirmBody}</p>
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
