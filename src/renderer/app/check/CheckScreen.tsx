// SPDX-License-Identifier: GPL-3.0-or-later
import type { InspectReport } from '../../../shared/ipc';
import { isActive } from '../../../shared/write-state';
import { en } from '../../i18n/en';
import { formatSize } from '../../i18n/sizes';
import { canRestore, isLiveStick } from '../../store/check-slice';
import { visibleDrives } from '../../store/drive-rules';
import { ErrorNotice } from '../components/ErrorNotice';
import { Gauge, NEARLY_FULL_PERCENT } from '../components/Gauge';
import { StepFrame } from '../components/StepFrame';
import { useAppFields } from '../store-context';
import { Maintenance, MaintenanceStatus } from './Maintenance';

const t = en.check;
/** DM states in which the overlay no longer takes writes (docs/FORMATS.md, "At boot: dracut and livesys"). */
const BROKEN_STATES = new Set([
  'Full',
  'Overflow',
  'Invalid',
  'Merge failed',
  'Truncated',
  'Corrupt',
]);

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
  const device = s.checkDevice ?? '';
  const model = drives.find((drive) => drive.device === s.checkDevice)?.description ?? device;
  const report = s.checkStatus === 'ready' ? s.checkReport : null;
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
            value={device}
            onChange={(event) => s.chooseCheckDevice(event.target.value || null)}
          >
            <option value="">{t.choosePlaceholder}</option>
            {s.checkDevice !== null && !known ? (
              <option value={s.checkDevice}>{s.checkDevice}</option>
            ) : null}
            {drives.map((drive) => (
              <option key={drive.device} value={drive.device}>
                {drive.description} · {formatSize(drive.sizeBytes)} · {drive.device}
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
      <div aria-live="polite" className="live-region">
        {s.checkStatus === 'inspecting' ? <p className="status">{t.inspecting}</p> : null}
        {s.checkStatus === 'failed' && s.checkError ? (
          <ErrorNotice error={s.checkError} context={{ doing: 'check', device }} />
        ) : null}
        {report && !isLiveStick(report) ? (
          <p className="notice notice-info">{t.notLiveStick(formatSize(report.freeBytes))}</p>
        ) : null}
      </div>
      {report && isLiveStick(report) ? <Report report={report} /> : null}
      {canRestore(s) ? (
        <Maintenance report={report && isLiveStick(report) ? report : null} model={model} />
      ) : null}
      <MaintenanceStatus device={device} />
    </StepFrame>
  );
}

function Report({ report }: { report: InspectReport }) {
  const { overlay, home } = report;
  const overlayPercent = overlay?.percentUsed ?? null;
  const overlayBroken = overlay !== null && BROKEN_STATES.has(overlay.state);
  const orphaned = overlay?.expectedPath !== undefined && overlay.expectedPath !== overlay.path;
  return (
    <div className="report">
      {overlayBroken ? (
        <p className="notice notice-error">{t.overlayFull}</p>
      ) : overlayPercent !== null && overlayPercent >= NEARLY_FULL_PERCENT ? (
        <p className="notice notice-warning">{t.overlayNearlyFull}</p>
      ) : null}
      {orphaned ? <p className="notice notice-warning">{t.overlayOrphaned}</p> : null}
      <div className="report-grid">
        <div className="card">
          <h2 className="card-title">{t.overlay}</h2>
          {overlay ? (
            <>
              {overlayPercent !== null ? (
                <Gauge
                  label={t.overlay}
                  percent={overlayBroken ? 100 : overlayPercent}
                  text={t.percentUsage(overlayPercent.toFixed(1), formatSize(overlay.sizeBytes))}
                />
              ) : (
                <p className="hint">{t.overlayUnknown}</p>
              )}
              <p>
                {t.state}: {t.states[overlay.state] ?? t.unknownState}
              </p>
            </>
          ) : (
            <p>{t.noOverlay}</p>
          )}
        </div>
        <div className="card">
          <h2 className="card-title">{t.home}</h2>
          {home ? (
            home.usedBytes !== null ? (
              <Gauge
                label={t.home}
                percent={(home.usedBytes / Math.max(1, home.sizeBytes)) * 100}
                text={t.usage(formatSize(home.usedBytes), formatSize(home.sizeBytes))}
              />
            ) : (
              <p>{t.homeEncrypted(formatSize(home.sizeBytes))}</p>
            )
          ) : (
            <p>{t.noHome}</p>
          )}
        </div>
      </div>
      <dl className="facts">
        <dt>{t.label}</dt>
        <dd>{report.label ?? '—'}</dd>
        <dt>{t.free}</dt>
        <dd>{formatSize(report.freeBytes)}</dd>
      </dl>
      <details className="technical">
        <summary>{en.app.technical}</summary>
        <dl className="facts">
          {overlay ? (
            <>
              <dt>{t.overlayFile}</dt>
              <dd className="mono">
                {overlay.path} ({t.overlayKind[overlay.kind]})
              </dd>
            </>
          ) : null}
          <dt>{t.kernelArgs}</dt>
          <dd className="mono">{report.kernelArgs.join(' ') || '—'}</dd>
          {report.statusLine ? (
            <>
              <dt>{t.status}</dt>
              <dd className="mono">{report.statusLine}</dd>
            </>
          ) : null}
          {report.warnings?.length ? (
            <>
              <dt>{t.notes}</dt>
              <dd>
                {report.warnings.map((warning) => (
                  <p key={warning}>{warning}</p>
                ))}
              </dd>
            </>
          ) : null}
        </dl>
      </details>
    </div>
  );
}
