// SPDX-License-Identifier: GPL-3.0-or-later
import { useState } from 'react';
import type { InspectReport } from '../../../shared/ipc';
import { bytesToMiB } from '../../../shared/units';
import { en } from '../../i18n/en';
import { Dialog } from '../components/Dialog';
import { ErrorNotice } from '../components/ErrorNotice';
import { useAppFields } from '../store-context';

const t = en.check;
type Pending = 'reset-overlay' | 'grow' | 'restore' | null;

/** The stick-changing actions of the check screen; each one is confirmed in its own dialog. */
export function Maintenance({ report, model }: { report: InspectReport; model: string }) {
  const { maintainStatus, maintainStick } = useAppFields('maintainStatus', 'maintainStick');
  const [pending, setPending] = useState<Pending>(null);
  const close = (): void => setPending(null);
  const working = maintainStatus === 'working';
  return (
    <div className="card">
      <h3 className="card-title">{t.maintenance}</h3>
      <p className="help">{t.maintenanceIntro}</p>
      <div className="button-row">
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
          disabled={working}
          onClick={() => setPending('grow')}
        >
          {t.grow}
        </button>
        <button
          type="button"
          className="button button-danger-quiet"
          disabled={working}
          onClick={() => setPending('restore')}
        >
          {t.restore}
        </button>
      </div>
      <Dialog open={pending === 'reset-overlay'} title={t.resetTitle} tone="danger" onClose={close}>
        <p>{t.resetBody}</p>
        <DialogButtons
          confirm={t.resetConfirm}
          onCancel={close}
          onConfirm={() => {
            close();
            void maintainStick({ action: 'reset-overlay' });
          }}
        />
      </Dialog>

      <Dialog open={pending === 'grow'} title={t.growTitle} onClose={close}>
        <GrowForm
          overlayBytes={report.overlay?.sizeBytes ?? null}
          homeBytes={report.home?.sizeBytes ?? null}
          onCancel={close}
          onGrow={(sizes) => {
            close();
            void maintainStick({ action: 'grow', ...sizes });
          }}
        />
      </Dialog>

      <Dialog open={pending === 'restore'} title={t.restoreTitle} tone="danger" onClose={close}>
        <p>{t.restoreBody(model)}</p>
        <DialogButtons
          confirm={t.restoreConfirm}
          onCancel={close}
          onConfirm={() => {
            close();
            void maintainStick({ action: 'restore' });
          }}
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
  readonly overlayBytes: number | null;
  readonly homeBytes: number | null;
  readonly onCancel: () => void;
  readonly onGrow: (sizes: { overlayMiB?: number; homeMiB?: number }) => void;
}

/** New sizes, each at least the current one: growing never shrinks what holds data. */
function GrowForm({ overlayBytes, homeBytes, onCancel, onGrow }: GrowFormProps) {
  const currentOverlay = overlayBytes === null ? null : Math.ceil(overlayBytes / 1024 / 1024);
  const currentHome = homeBytes === null ? null : bytesToMiB(homeBytes);
  const [overlay, setOverlay] = useState(currentOverlay === null ? '' : String(currentOverlay));
  const [home, setHome] = useState(currentHome === null ? '' : String(currentHome));
  const grown = (text: string, current: number | null): number | undefined => {
    const mib = Number(text);
    return current !== null && Number.isInteger(mib) && mib > current ? mib : undefined;
  };
  const overlayMiB = grown(overlay, currentOverlay);
  const homeMiB = grown(home, currentHome);
  return (
    <form
      onSubmit={(event) => {
        event.preventDefault();
        if (overlayMiB === undefined && homeMiB === undefined) return;
        onGrow({
          ...(overlayMiB !== undefined ? { overlayMiB } : {}),
          ...(homeMiB !== undefined ? { homeMiB } : {}),
        });
      }}
    >
      <p>{t.growBody}</p>
      {currentOverlay !== null ? (
        <label className="field">
          {t.growOverlay}
          <input
            type="number"
            min={currentOverlay}
            value={overlay}
            onChange={(event) => setOverlay(event.target.value)}
          />
        </label>
      ) : null}
      {currentHome !== null ? (
        <label className="field">
          {t.growHome}
          <input
            type="number"
            min={currentHome}
            value={home}
            onChange={(event) => setHome(event.target.value)}
          />
        </label>
      ) : null}
      <div className="dialog-actions">
        <button type="button" className="button" onClick={onCancel}>
          {en.app.cancel}
        </button>
        <button
          type="submit"
          className="button button-primary"
          disabled={overlayMiB === undefined && homeMiB === undefined}
        >
          {t.growConfirm}
        </button>
      </div>
    </form>
  );
}

/** The outcome of the last action; outside the card, since a restored drive has no report. */
export function MaintenanceStatus() {
  const {
    maintainStatus: status,
    maintainResult: result,
    maintainError: error,
  } = useAppFields('maintainStatus', 'maintainResult', 'maintainError');
  return (
    <div aria-live="polite">
      {status === 'working' ? <p className="status">{t.working}</p> : null}
      {status === 'done' && result ? (
        <div className="notice notice-success" role="status">
          {result.summary.map((line) => (
            <p key={line}>{line}</p>
          ))}
        </div>
      ) : null}
      {status === 'failed' && error ? <ErrorNotice error={error} /> : null}
    </div>
  );
}
