// SPDX-License-Identifier: GPL-3.0-or-later
import { useState } from 'react';
import type { DriveInfo } from '../../../shared/ipc';
import { en } from '../../i18n/en';
import { formatSize } from '../../i18n/sizes';
import { judgeDrive, visibleDrives } from '../../store/drive-rules';
import { Dialog } from '../components/Dialog';
import { ErrorNotice } from '../components/ErrorNotice';
import { StepFrame } from '../components/StepFrame';
import { useAppFields } from '../store-context';

const t = en.drive;

function driveKind(drive: DriveInfo): string {
  if (drive.system) return t.system;
  if (drive.removable) return t.removable;
  return drive.bus === 'usb' ? t.external : t.fixed;
}

function driveFacts(drive: DriveInfo): string {
  const bus = drive.bus === null ? t.unknownBus : (t.bus[drive.bus.toLowerCase()] ?? drive.bus);
  return [formatSize(drive.sizeBytes), bus, driveKind(drive), drive.device].join(' · ');
}

export function DriveStep() {
  const state = useAppFields(
    'drives',
    'drivesLoaded',
    'drivesError',
    'showAllDrives',
    'selectedDevice',
    'image',
    'selectDrive',
    'setShowAllDrives',
    'refreshDrives',
    'goToStep',
  );
  const [askShowAll, setAskShowAll] = useState(false);
  const shown = visibleDrives(state.drives, state.showAllDrives);
  const selectedUsable = shown.some(
    (drive) => drive.device === state.selectedDevice && judgeDrive(drive, state.image).usable,
  );

  return (
    <StepFrame
      titleId="step-drive-title"
      title={t.title}
      lead={t.intro}
      secondary={{ label: en.app.back, onClick: () => state.goToStep('image') }}
      primary={{
        label: en.app.next,
        disabled: !selectedUsable,
        onClick: () => state.goToStep('persistence'),
      }}
    >
      {state.drivesError ? (
        <ErrorNotice error={state.drivesError} context={{ doing: 'list-drives' }} />
      ) : null}
      {!state.drivesLoaded ? <p className="status">{t.loading}</p> : null}
      {state.drivesLoaded && shown.length === 0 ? <p className="empty">{t.none}</p> : null}

      {shown.length > 0 ? (
        <fieldset className="drive-list">
          <legend className="visually-hidden">{t.listLabel}</legend>
          {shown.map((drive, index) => {
            const verdict = judgeDrive(drive, state.image);
            const inputId = `drive-${index}`;
            const reasonId = `${inputId}-reason`;
            const checked = drive.device === state.selectedDevice;
            return (
              <label
                key={drive.device}
                htmlFor={inputId}
                className={`drive${checked ? ' drive-selected' : ''}${
                  verdict.usable ? '' : ' drive-disabled'
                }${drive.system ? ' drive-system' : ''}`}
              >
                <input
                  id={inputId}
                  type="radio"
                  name="drive"
                  value={drive.device}
                  checked={checked}
                  disabled={!verdict.usable}
                  aria-describedby={verdict.usable ? undefined : reasonId}
                  onChange={() => state.selectDrive(drive.device)}
                />
                <span className="drive-text">
                  <span className="drive-name">{drive.description}</span>
                  <span className="drive-facts">{driveFacts(drive)}</span>
                  {drive.mountpoints.length ? (
                    <span className="drive-facts">{t.mounted(drive.mountpoints.join(', '))}</span>
                  ) : null}
                  {verdict.usable ? null : (
                    <span id={reasonId} className="drive-reason">
                      {verdict.reason}
                    </span>
                  )}
                </span>
              </label>
            );
          })}
        </fieldset>
      ) : null}

      <div className="drive-tools">
        <label className="checkbox">
          <input
            type="checkbox"
            checked={state.showAllDrives}
            onChange={(event) =>
              event.target.checked ? setAskShowAll(true) : void state.setShowAllDrives(false)
            }
          />
          {t.showAll}
        </label>
        <button
          type="button"
          className="button button-quiet"
          onClick={() => void state.refreshDrives()}
        >
          {t.refresh}
        </button>
      </div>
      {state.showAllDrives ? <p className="notice notice-warning">{t.showAllWarning}</p> : null}

      <Dialog
        open={askShowAll}
        title={t.showAllConfirmTitle}
        tone="danger"
        onClose={() => setAskShowAll(false)}
      >
        <p>{t.showAllConfirmBody}</p>
        <div className="dialog-actions">
          <button type="button" className="button" onClick={() => setAskShowAll(false)}>
            {en.app.cancel}
          </button>
          <button
            type="button"
            className="button button-danger"
            onClick={() => {
              setAskShowAll(false);
              void state.setShowAllDrives(true);
            }}
          >
            {t.showAllConfirm}
          </button>
        </div>
      </Dialog>
    </StepFrame>
  );
}
