// SPDX-License-Identifier: GPL-3.0-or-later
import type { InspectReport } from '../../../shared/ipc';
import { formatBytes } from '../../../shared/units';
import { isActive } from '../../../shared/write-state';
import { en } from '../../i18n/en';
import { visibleDrives } from '../../store/drive-rules';
import { ErrorNotice } from '../components/ErrorNotice';
import { Gauge, NEARLY_FULL_PERCENT } from '../components/Gauge';
import { StepFrame } from '../components/StepFrame';
import { Maintenance, MaintenanceStatus } from './Maintenance';
import { useAppFields } from '../store-context';

const t = en.check;
/** DM states in which the overlay no longer takes writes (docs/FORMATS.md, "At boot: dracut and livesys"). */
const BROKEN_STATES = new Set(['Overflow', 'Invalid', 'Merge failed']);

export function CheckScreen() {
  const s = useAppFields(
    'drives',
    'showAllDrives',
    'checkDevice',
    'checkStatus',
    'checkReport',
    'checkError',
    'writeState',
    'chooseCheckDevice',
    'inspectStick',
  );
  const busy = isActive(s.writeState);
  const drives = visibleDrives(s.drives, s.showAllDrives);
  const known = drives.some((drive) => drive.device === s.checkDevice);
  return (
    <StepFrame titleId="check-title" title={t.title} lead={t.intro}>
      <form
        className="inline-form"
        onSubmit={(event) => {
          event.preventDefault();
          void s.inspectStick();
        }}
      >
        <label htmlFor="check-device">{t.chooseLabel}</label>
        <div className="inline-form-row">
          <select
            id="check-device"
            value={s.checkDevice ?? ''}
            onChange={(event) => s.chooseCheckDevice(event.target.value || null)}
          >
            <option value="">{t.choosePlaceholder}</option>
            {s.checkDevice !== null && !known ? (
              <option value={s.checkDevice}>{s.checkDevice}</option>
            ) : null}
            {drives.map((drive) => (
              <option key={drive.device} value={drive.device}>
                {drive.description} · {formatBytes(drive.sizeBytes)} · {drive.device}
              </option>
            ))}
          </select>
          <button
            type="submit"
            className="button button-primary"
            disabled={s.checkDevice === null || s.checkStatus === 'inspecting' || busy}
          >
            {t.inspect}
          </button>
        </div>
      </form>
      <div aria-live="polite">
        {s.checkStatus === 'inspecting' ? <p className="status">{t.inspecting}</p> : null}
        {s.checkStatus === 'failed' && s.checkError ? <ErrorNotice error={s.checkError} /> : null}
      </div>
      {s.checkStatus === 'ready' && s.checkReport ? <Report report={s.checkReport} /> : null}
      {s.checkReport && s.checkDevice !== null ? (
        <Maintenance
          report={s.checkReport}
          model={
            drives.find((drive) => drive.device === s.checkDevice)?.description ?? s.checkDevice
          }
        />
      ) : null}
      <MaintenanceStatus />
    </StepFrame>
  );
}

function Report({ report }: { report: InspectReport }) {
  const { overlay, home } = report;
  const overlayBroken = overlay !== null && BROKEN_STATES.has(overlay.state);
  const overlayPercent = overlay?.percentUsed ?? null;
  return (
    <div className="report">
      {report.warnings?.map((warning) => (
        <p key={warning} className="notice notice-warning">
          {warning}
        </p>
      ))}
      <dl className="facts">
        <dt>{t.label}</dt>
        <dd>
          {report.label ?? '—'}
          {report.uuid ? ` (${report.uuid})` : ''}
        </dd>
      </dl>

      <div className="card">
        <h3 className="card-title">{t.overlay}</h3>
        {overlay ? (
          <>
            <p className="muted">
              {t.overlayKind[overlay.kind]} · {formatBytes(overlay.sizeBytes)} · {overlay.path}
            </p>
            {overlayPercent !== null ? (
              <Gauge
                label={t.overlay}
                percent={overlayBroken ? 100 : overlayPercent}
                text={t.overlayUsage(
                  `${overlayPercent.toFixed(1)} %`,
                  formatBytes(overlay.sizeBytes),
                )}
              />
            ) : (
              <p className="hint">{t.overlayUnknown}</p>
            )}
            <dl className="facts">
              <dt>{t.overlayState}</dt>
              <dd>{overlay.state}</dd>
              {report.statusLine ? (
                <>
                  <dt>{t.status}</dt>
                  <dd className="mono">{report.statusLine}</dd>
                </>
              ) : null}
            </dl>
            {overlayBroken ? (
              <p className="notice notice-error">{t.overlayFull}</p>
            ) : overlayPercent !== null && overlayPercent >= NEARLY_FULL_PERCENT ? (
              <p className="notice notice-warning">{t.overlayNearlyFull}</p>
            ) : null}
          </>
        ) : (
          <p>{t.noOverlay}</p>
        )}
      </div>

      <div className="card">
        <h3 className="card-title">{t.home}</h3>
        {home ? (
          home.usedBytes !== null ? (
            <Gauge
              label={t.home}
              percent={(home.usedBytes / Math.max(1, home.sizeBytes)) * 100}
              text={t.homeUsage(formatBytes(home.usedBytes), formatBytes(home.sizeBytes))}
            />
          ) : (
            <p>
              {formatBytes(home.sizeBytes)}
              {home.encrypted ? ` — ${t.homeEncrypted}` : ''}
            </p>
          )
        ) : (
          <p>{t.noHome}</p>
        )}
      </div>

      <dl className="facts">
        <dt>{t.free}</dt>
        <dd>{formatBytes(report.freeBytes)}</dd>
        <dt>{t.kernelArgs}</dt>
        <dd className="mono">{report.kernelArgs.join(' ') || '—'}</dd>
      </dl>
    </div>
  );
}
