// SPDX-License-Identifier: GPL-3.0-or-later
import { useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { progressFraction } from '../../../shared/progress';
import { formatBytes, formatDuration } from '../../../shared/units';
import { isActive } from '../../../shared/write-state';
import { en } from '../../i18n/en';
import { Dialog } from '../components/Dialog';
import { ErrorNotice } from '../components/ErrorNotice';
import { StepHeading } from '../components/StepHeading';
import { useApp } from '../store-context';

const t = en.write;

export function WriteStep() {
  const s = useApp(
    useShallow((state) => ({
      writeState: state.writeState,
      progress: state.progress,
      error: state.writeError,
      summary: state.writeSummary,
      target: state.writeTarget,
      jobId: state.jobId,
      cancelWrite: state.cancelWrite,
      resetWrite: state.resetWrite,
      goToStep: state.goToStep,
      openConfirm: state.openConfirm,
      setMode: state.setMode,
      chooseCheckDevice: state.chooseCheckDevice,
      inspectStick: state.inspectStick,
    })),
  );
  const [askCancel, setAskCancel] = useState(false);
  const active = isActive(s.writeState);

  /** Back to the persistence step; the erase is confirmed again before any retry. */
  const retry = (): void => {
    s.resetWrite();
    s.goToStep('persistence');
    s.openConfirm();
  };

  if (s.writeState === 'succeeded' && s.target) {
    const { drive, layout } = s.target;
    return (
      <section className="step" aria-labelledby="step-write-title">
        <StepHeading id="step-write-title">{t.doneTitle}</StepHeading>
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
        <div className="step-actions">
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
        </div>
      </section>
    );
  }

  if (s.writeState === 'failed' || s.writeState === 'cancelled') {
    const failed = s.writeState === 'failed';
    return (
      <section className="step" aria-labelledby="step-write-title">
        <StepHeading id="step-write-title">{failed ? t.failedTitle : t.cancelledTitle}</StepHeading>
        {failed && s.error ? <ErrorNotice error={s.error} /> : null}
        {!failed ? <p className="notice notice-info">{en.write.cancelConfirmBody}</p> : null}
        <div className="step-actions">
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
          {failed ? (
            <button type="button" className="button button-primary" onClick={retry}>
              {t.retry}
            </button>
          ) : null}
        </div>
      </section>
    );
  }

  const progress = s.progress;
  const phase = progress?.phase ?? 'preparing';
  const fraction = progress ? progressFraction(progress) : 0;
  const percent = Math.floor(fraction * 100);
  const drive = s.target?.drive;
  return (
    <section className="step" aria-labelledby="step-write-title">
      <StepHeading id="step-write-title">{t.title}</StepHeading>
      {drive ? (
        <p className="lead">
          {drive.description} · {formatBytes(drive.sizeBytes)} · {drive.device}
        </p>
      ) : null}
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
      {s.error ? <ErrorNotice error={s.error} /> : null}
      <div className="step-actions">
        <span />
        <button
          type="button"
          className="button"
          disabled={!active || s.writeState === 'cancelling' || s.jobId === null}
          onClick={() => setAskCancel(true)}
        >
          {t.cancel}
        </button>
      </div>
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
    </section>
  );
}
