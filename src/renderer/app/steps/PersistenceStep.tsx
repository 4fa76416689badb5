// SPDX-License-Identifier: GPL-3.0-or-later
import type { ReactNode } from 'react';
import { MiB } from '../../../shared/units';
import { en } from '../../i18n/en';
import type { AppState } from '../../store/app-state';
import { capacity, shownSizes } from '../../store/capacity';
import type { OverlayType, SizingNotice } from '../../store/sizing-slice';
import {
  sizeBounds,
  sizeProblem,
  usefulOverlayBytes,
  type SizeItem,
} from '../../store/size-limits';
import { writeBlocker } from '../../store/steps';
import { CapacityBar } from '../components/CapacityBar';
import { ErrorNotice } from '../components/ErrorNotice';
import { SizeControl } from '../components/SizeControl';
import { StepFrame } from '../components/StepFrame';
import { useApp, useAppFields } from '../store-context';

const t = en.persistence;
const OVERLAY_TYPES: readonly OverlayType[] = ['auto', 'dm-snapshot', 'overlayfs'];

type Fields = Pick<
  AppState,
  'image' | 'sizing' | 'layout' | 'sizeTexts' | 'setSize' | 'setSizeText' | 'settleSizeText'
>;

/**
 * How the stick's space is shared: the overlay and home up front, encryption, and the choices
 * few people need (overlay type, swap) behind "Advanced". The page is laid out to fit a
 * 1280×800 window with its Write button in view. A stick layout choice (such as a large,
 * exFAT-based one) would sit between the bar and the sizes.
 */
export function PersistenceStep() {
  const s = useAppFields(
    'image',
    'sizing',
    'layout',
    'planStatus',
    'planError',
    'sizeTexts',
    'sizingNotice',
    'passphrase',
    'passphraseConfirm',
    'setSize',
    'setSizeText',
    'settleSizeText',
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
  const usefulOverlay = usefulOverlayBytes(s);

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
      {bar ? <CapacityBar capacity={bar} note={t.freeHelp} /> : null}
      <div aria-live="polite" className="live-region">
        {s.planStatus === 'pending' && !layout ? <p className="status">{t.planning}</p> : null}
        {s.planStatus === 'failed' && s.planError ? (
          <ErrorNotice error={s.planError} context={{ doing: 'plan' }} />
        ) : null}
        {s.sizingNotice ? <p className="notice notice-info">{noticeText(s.sizingNotice)}</p> : null}
      </div>

      {layout && image ? (
        <>
          <div className="size-grid">
            {image.overlayKinds.length > 0 ? (
              <Size
                item="overlay"
                fields={s}
                label={t.overlay}
                valueBytes={sizes.overlay}
                suggestedBytes={
                  usefulOverlay === null
                    ? layout.overlay.defaultBytes
                    : Math.min(layout.overlay.defaultBytes, Math.ceil(usefulOverlay / MiB) * MiB)
                }
                help={sizes.overlay === 0 ? t.overlayNone : t.overlayHelp}
              />
            ) : null}
            <Size
              item="home"
              fields={s}
              label={t.home}
              valueBytes={sizes.home}
              suggestedBytes={layout.home.defaultBytes}
              help={sizes.home === 0 ? t.homeNone : t.homeHelp}
            />
          </div>

          <div className="encryption">
            <label className="checkbox">
              <input
                type="checkbox"
                checked={s.sizing.encryptedHome}
                disabled={sizes.home === 0}
                aria-describedby="encrypt-help"
                onChange={(event) => s.setEncryptedHome(event.target.checked)}
              />
              {t.encrypt}
            </label>
            <p className="help" id="encrypt-help">
              {t.encryptHelp}
            </p>
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

          <details className="advanced">
            <summary>{t.advanced}</summary>
            <div className="advanced-body">
              {image.overlayKinds.length > 0 ? (
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
                        {supported ? null : (
                          <span className="muted"> — {t.overlayTypeUnsupported}</span>
                        )}
                      </label>
                    );
                  })}
                </fieldset>
              ) : null}
              <Size
                item="swap"
                fields={s}
                label={t.swap}
                valueBytes={sizes.swap}
                suggestedBytes={layout.swap.defaultBytes}
                help={t.swapHelp}
              />
            </div>
          </details>
          <p className="hint">{t.later}</p>
        </>
      ) : null}
    </StepFrame>
  );
}

function noticeText(notice: SizingNotice): string {
  if (notice.changed.length === 0) return t.sizesKept;
  const names = notice.changed.map((item) => t.sizeNames[item]).join(t.and);
  return t.sizesChanged(names, notice.changed.length > 1, notice.kept.length > 0);
}

function Size(props: {
  readonly item: SizeItem;
  readonly fields: Fields;
  readonly label: string;
  readonly valueBytes: number;
  readonly suggestedBytes: number;
  readonly help: ReactNode;
}) {
  const { item, fields } = props;
  const bounds = sizeBounds(fields, item);
  if (!bounds) return null;
  return (
    <SizeControl
      label={props.label}
      help={props.help}
      valueBytes={props.valueBytes}
      suggestedBytes={props.suggestedBytes}
      bounds={bounds}
      text={fields.sizeTexts[item]}
      problem={sizeProblem(fields, item)}
      segment={item}
      onSlide={(mib) => fields.setSize(item, mib)}
      onType={(text) => fields.setSizeText(item, text)}
      onSettle={() => fields.settleSizeText(item)}
    />
  );
}
