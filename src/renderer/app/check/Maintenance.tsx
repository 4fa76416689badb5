// SPDX-License-Identifier: GPL-3.0-or-later
import { useId, useState } from 'react';
import type { InspectReport } from '../../../shared/ipc';
import { MiB } from '../../../shared/units';
import { en } from '../../i18n/en';
import { fieldSize, fieldText, formatSize, hundredthsToMiB } from '../../i18n/sizes';
import type { MaintenanceRequest } from '../../store/check-slice';
import { Dialog } from '../components/Dialog';
import { ErrorNotice } from '../components/ErrorNotice';
import { useAppFields } from '../store-context';
import { currentHundredths, growLimit, readGrowText, type GrowLimit } from './grow-limits';

const t = en.check;
type Pending = 'reset-overlay' | 'grow' | 'restore' | null;

interface GrowTarget {
  readonly id: 'overlay' | 'home';
  readonly name: string;
  readonly limit: GrowLimit;
  /** Why it cannot grow at all, when it cannot. */
  readonly blocked: string | null;
}

function growTargets(report: InspectReport): GrowTarget[] {
  const targets: GrowTarget[] = [];
  if (report.overlay) {
    const limit = growLimit(report, report.overlay);
    targets.push({
      id: 'overlay',
      name: t.overlay,
      limit,
      blocked: limit.canGrow ? null : t.growAtMost[limit.maxReason],
    });
  }
  if (report.home) {
    const limit = growLimit(report, report.home);
    targets.push({
      id: 'home',
      name: t.home,
      limit,
      blocked: report.home.encrypted
        ? t.growEncrypted
        : limit.canGrow
          ? null
          : t.growAtMost[limit.maxReason],
    });
  }
  return targets;
}

/**
 * The stick-changing actions of the check screen; each one is confirmed in its own dialog. A
 * drive that is not a LiveStick (`report` null) can only be restored.
 */
export function Maintenance({ report, model }: { report: InspectReport | null; model: string }) {
  const { maintainStatus, maintainStick } = useAppFields('maintainStatus', 'maintainStick');
  const [pending, setPending] = useState<Pending>(null);
  const close = (): void => setPending(null);
  const working = maintainStatus === 'working';
  const targets = report ? growTargets(report) : [];
  const growable = targets.some((target) => target.blocked === null);
  const run = (request: MaintenanceRequest): void => {
    close();
    void maintainStick(request);
  };
  return (
    <div className="card">
      <h2 className="card-title">{t.maintenance}</h2>
      <p className="help">{report ? t.maintenanceIntro : t.restoreOffer}</p>
      <div className="button-row">
        {report ? (
          <>
            <button
              type="button"
              className="button"
              disabled={working || report.overlay === null}
              onClick={() => setPending('reset-overlay')}
            >
              {t.reset}
            </button>
            <button
              type="button"
              className="button"
              disabled={working || !growable}
              aria-describedby={growable ? undefined : 'grow-blocked'}
              onClick={() => setPending('grow')}
            >
              {t.grow}
            </button>
          </>
        ) : null}
        <button
          type="button"
          className="button button-danger-quiet"
          disabled={working}
          onClick={() => setPending('restore')}
        >
          {t.restore}
        </button>
      </div>
      {report && !growable && targets.length > 0 ? (
        <p className="hint" id="grow-blocked">
          {t.growNothing} {targets.map((target) => `${target.name}: ${target.blocked}`).join(' ')}
        </p>
      ) : null}

      <Dialog open={pending === 'reset-overlay'} title={t.resetTitle} tone="danger" onClose={close}>
        <p>{t.resetBody}</p>
        <DialogButtons
          confirm={t.resetConfirm}
          onCancel={close}
          onConfirm={() => run({ action: 'reset-overlay' })}
        />
      </Dialog>

      {report ? (
        <Dialog open={pending === 'grow'} title={t.growTitle} onClose={close}>
          <GrowForm
            targets={targets}
            freeBytes={report.freeBytes}
            onCancel={close}
            onGrow={(sizes) => run({ action: 'grow', ...sizes })}
          />
        </Dialog>
      ) : null}

      <Dialog open={pending === 'restore'} title={t.restoreTitle} tone="danger" onClose={close}>
        <p>{t.restoreBody(model)}</p>
        <DialogButtons
          confirm={t.restoreConfirm}
          onCancel={close}
          onConfirm={() => run({ action: 'restore' })}
        />
      </Dialog>
    </div>
  );
}

function DialogButtons(props: {
  readonly confirm: string;
  readonly onCancel: () => void;
  readonly onConfirm: () => void;
}) {
  return (
    <div className="dialog-actions">
      <button type="button" className="button" autoFocus onClick={props.onCancel}>
        {en.app.cancel}
      </button>
      <button type="button" className="button button-danger" onClick={props.onConfirm}>
        {props.confirm}
      </button>
    </div>
  );
}

interface GrowFormProps {
  readonly targets: readonly GrowTarget[];
  readonly freeBytes: number;
  readonly onCancel: () => void;
  readonly onGrow: (sizes: { overlayMiB?: number; homeMiB?: number }) => void;
}

/**
 * New sizes in GiB, each starting at the current size, with the largest possible one and why.
 * Anything that cannot be written (smaller, past the maximum, not a size) is marked on its field
 * and keeps Grow disabled, so the engine is never asked for growth that would fail or go unused.
 */
function GrowForm({ targets, freeBytes, onCancel, onGrow }: GrowFormProps) {
  const [texts, setTexts] = useState<Readonly<Record<string, string>>>(() =>
    Object.fromEntries(
      targets.map((target) => [
        target.id,
        fieldText(hundredthsToMiB(currentHundredths(target.limit))),
      ]),
    ),
  );
  const readings = targets.map((target) => ({
    target,
    reading: target.blocked
      ? { growToMiB: null }
      : readGrowText(texts[target.id] ?? '', target.limit),
  }));
  const sizes: { overlayMiB?: number; homeMiB?: number } = {};
  for (const { target, reading } of readings) {
    if ('growToMiB' in reading && reading.growToMiB !== null) {
      sizes[target.id === 'overlay' ? 'overlayMiB' : 'homeMiB'] = reading.growToMiB;
    }
  }
  const valid = readings.every(({ reading }) => !('problem' in reading));
  const anything = Object.keys(sizes).length > 0;
  return (
    <form
      onSubmit={(event) => {
        event.preventDefault();
        if (valid && anything) onGrow(sizes);
      }}
    >
      <p>{t.growBody}</p>
      <p className="hint">{t.growFree(formatSize(freeBytes))}</p>
      {readings.map(({ target, reading }) => (
        <GrowField
          key={target.id}
          target={target}
          text={texts[target.id] ?? ''}
          problem={'problem' in reading ? reading.problem.kind : null}
          onChange={(text) => setTexts({ ...texts, [target.id]: text })}
        />
      ))}
      <div className="dialog-actions">
        <button type="button" className="button" onClick={onCancel}>
          {en.app.cancel}
        </button>
        <button type="submit" className="button button-primary" disabled={!valid || !anything}>
          {t.growConfirm}
        </button>
      </div>
    </form>
  );
}

function GrowField(props: {
  readonly target: GrowTarget;
  readonly text: string;
  readonly problem: 'not-a-size' | 'not-larger' | 'above-maximum' | null;
  readonly onChange: (text: string) => void;
}) {
  const id = useId();
  const { target } = props;
  const now = fieldSize(target.limit.currentBytes / MiB);
  const max = fieldSize(hundredthsToMiB(target.limit.maxHundredths));
  const problem =
    props.problem === 'not-a-size'
      ? t.growProblems.notASize
      : props.problem === 'not-larger'
        ? t.growProblems.notLarger(now)
        : props.problem === 'above-maximum'
          ? t.growProblems.aboveMaximum(max)
          : null;
  return (
    <div className="field">
      <label htmlFor={`${id}-field`}>{t.growField(target.name, now)}</label>
      <span className="number-field">
        <input
          id={`${id}-field`}
          type="text"
          inputMode="decimal"
          autoComplete="off"
          spellCheck={false}
          disabled={target.blocked !== null}
          aria-invalid={problem !== null}
          aria-describedby={`${id}-limit`}
          aria-errormessage={problem ? `${id}-problem` : undefined}
          value={props.text}
          onChange={(event) => props.onChange(event.target.value)}
        />
        <span className="unit" aria-hidden="true">
          {en.persistence.unit}
        </span>
      </span>
      {problem ? (
        <p className="field-error" id={`${id}-problem`} role="alert">
          {problem}
        </p>
      ) : null}
      <p className="hint" id={`${id}-limit`}>
        {target.blocked ?? t.growMax[target.limit.maxReason](max)}
      </p>
    </div>
  );
}

/** The outcome of the last action, worded from what was asked; outside the report's card. */
export function MaintenanceStatus({ device }: { device: string }) {
  const { maintainStatus, maintainRequest, maintainError } = useAppFields(
    'maintainStatus',
    'maintainRequest',
    'maintainError',
  );
  return (
    <div aria-live="polite" className="live-region">
      {maintainStatus === 'working' ? <p className="status">{t.working}</p> : null}
      {maintainStatus === 'done' && maintainRequest ? (
        <div className="notice notice-success" role="status">
          {doneLines(maintainRequest).map((line) => (
            <p key={line}>{line}</p>
          ))}
        </div>
      ) : null}
      {maintainStatus === 'failed' && maintainError ? (
        <ErrorNotice error={maintainError} context={{ doing: 'change', device }} />
      ) : null}
    </div>
  );
}

function doneLines(request: MaintenanceRequest): string[] {
  switch (request.action) {
    case 'grow':
      return [
        ...(request.overlayMiB !== undefined
          ? [t.done.grownOverlay(fieldSize(request.overlayMiB))]
          : []),
        ...(request.homeMiB !== undefined ? [t.done.grownHome(fieldSize(request.homeMiB))] : []),
      ];
    case 'reset-overlay':
    case 'restore':
    case 'persistence-menu':
      return [t.done[request.action]];
  }
}
