// SPDX-License-Identifier: GPL-3.0-or-later
import { formatBytes } from '../../../shared/units';
import { en } from '../../i18n/en';
import { capacity, shownSizes } from '../../store/capacity';
import type { OverlayType } from '../../store/sizing-slice';
import { writeBlocker } from '../../store/steps';
import { CapacityBar } from '../components/CapacityBar';
import { ErrorNotice } from '../components/ErrorNotice';
import { SizeControl } from '../components/SizeControl';
import { StepFrame } from '../components/StepFrame';
import { useApp, useAppFields } from '../store-context';

const t = en.persistence;
const OVERLAY_TYPES: readonly OverlayType[] = ['auto', 'dm-snapshot', 'overlayfs'];

export function PersistenceStep() {
  const s = useAppFields(
    'image',
    'sizing',
    'layout',
    'planStatus',
    'planError',
    'passphrase',
    'passphraseConfirm',
    'setOverlayMiB',
    'setHomeMiB',
    'setSwapMiB',
    'setOverlayType',
    'setEncryptedHome',
    'setPassphrase',
    'goToStep',
    'openConfirm',
  );
  const bar = capacity(s);
  const sizes = shownSizes(s);
  const blocker = useApp(writeBlocker);
  const { layout, image } = s;
  const passphraseProblem =
    s.sizing.encryptedHome && s.passphrase.length > 0 && s.passphrase !== s.passphraseConfirm
      ? t.passphraseMismatch
      : null;

  return (
    <StepFrame
      titleId="step-persistence-title"
      title={t.title}
      lead={t.intro}
      secondary={{ label: en.app.back, onClick: () => s.goToStep('drive') }}
      primary={{
        label: t.write,
        tone: 'danger',
        disabled: blocker !== null || (bar?.overBytes ?? 0) > 0,
        onClick: () => s.openConfirm(),
      }}
    >
      {bar ? <CapacityBar capacity={bar} /> : null}
      <div aria-live="polite">
        {s.planStatus === 'pending' && !layout ? <p className="status">{t.planning}</p> : null}
        {s.planStatus === 'failed' && s.planError ? <ErrorNotice error={s.planError} /> : null}
      </div>
      {layout?.warnings.map((warning) => (
        <p key={warning} className="notice notice-warning">
          {warning}
        </p>
      ))}

      {layout && image ? (
        <div className="size-grid">
          {layout.overlayKind !== 'none' ? (
            <SizeControl
              label={t.overlay}
              segment="overlay"
              valueBytes={sizes.overlay}
              limit={layout.overlay}
              onChange={s.setOverlayMiB}
              help={
                <>
                  {t.overlayHelp}
                  {layout.overlayKind === 'dm-snapshot' && image.rootfsImageBytes
                    ? ` ${t.overlayDmWaste(formatBytes(image.rootfsImageBytes))}`
                    : ''}
                </>
              }
            />
          ) : null}
          <SizeControl
            label={t.home}
            segment="home"
            valueBytes={sizes.home}
            limit={layout.home}
            onChange={s.setHomeMiB}
            help={sizes.home === 0 ? `${t.homeHelp} ${t.noHome}` : t.homeHelp}
          />
          <SizeControl
            label={t.swap}
            segment="swap"
            valueBytes={sizes.swap}
            limit={layout.swap}
            onChange={s.setSwapMiB}
            help={t.swapHelp}
          />
          <div className="size-control">
            <div className="size-header">
              <span className="swatch segment-free" aria-hidden="true" />
              <span className="size-label">{t.free}</span>
              <span className="size-readout">
                {formatBytes(bar?.segments.find((segment) => segment.id === 'free')?.bytes ?? 0)}
              </span>
            </div>
            <p className="help">{t.freeHelp}</p>
          </div>
        </div>
      ) : null}
      {layout ? <p className="hint">{t.fat32Limit}</p> : null}
      {layout?.notes.map((note) => (
        <p key={note} className="hint">
          {note}
        </p>
      ))}

      {image && image.overlayKinds.length > 0 ? (
        <fieldset className="choice-group">
          <legend>{t.overlayType}</legend>
          <p className="help">{t.overlayTypeHelp}</p>
          {OVERLAY_TYPES.map((type) => {
            const supported = type === 'auto' || image.overlayKinds.includes(type);
            return (
              <label key={type} className="radio">
                <input
                  type="radio"
                  name="overlay-type"
                  value={type}
                  checked={s.sizing.overlayType === type}
                  disabled={!supported}
                  onChange={() => s.setOverlayType(type)}
                />
                {t.overlayTypes[type]}
                {supported ? null : <span className="muted"> — {t.overlayTypeUnsupported}</span>}
              </label>
            );
          })}
        </fieldset>
      ) : null}

      <div className="choice-group">
        <label className="checkbox">
          <input
            type="checkbox"
            checked={s.sizing.encryptedHome}
            disabled={sizes.home === 0}
            onChange={(event) => s.setEncryptedHome(event.target.checked)}
          />
          {t.encrypt}
        </label>
        <p className="help">{t.encryptHelp}</p>
        {s.sizing.encryptedHome ? (
          <div className="passphrase">
            <label>
              {t.passphrase}
              <input
                type="password"
                autoComplete="new-password"
                value={s.passphrase}
                onChange={(event) => s.setPassphrase(event.target.value, s.passphraseConfirm)}
              />
            </label>
            <label>
              {t.passphraseConfirm}
              <input
                type="password"
                autoComplete="new-password"
                value={s.passphraseConfirm}
                aria-invalid={passphraseProblem !== null}
                aria-describedby={passphraseProblem ? 'passphrase-problem' : undefined}
                onChange={(event) => s.setPassphrase(s.passphrase, event.target.value)}
              />
            </label>
            {passphraseProblem ? (
              <p id="passphrase-problem" className="field-error">
                {passphraseProblem}
              </p>
            ) : null}
          </div>
        ) : null}
      </div>
    </StepFrame>
  );
}
