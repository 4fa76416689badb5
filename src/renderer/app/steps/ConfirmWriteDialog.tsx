// SPDX-License-Identifier: GPL-3.0-or-later
import { useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { en } from '../../i18n/en';
import { formatSize } from '../../i18n/sizes';
import { needsTypedConfirmation } from '../../store/drive-rules';
import { selectedDrive } from '../../store/drives-slice';
import { Dialog } from '../components/Dialog';
import { useApp } from '../store-context';

const t = en.confirm;

/**
 * The last stop before erasing: names the drive's model, size and path. Disks that are not
 * plain USB sticks (internal, system, or large) also need their device name typed
 * (as Raspberry Pi Imager's ConfirmSystemDriveDialog asks).
 */
export function ConfirmWriteDialog() {
  const { open, drive, closeConfirm, startWrite } = useApp(
    useShallow((state) => ({
      open: state.confirmOpen,
      drive: selectedDrive(state),
      closeConfirm: state.closeConfirm,
      startWrite: state.startWrite,
    })),
  );
  return (
    <Dialog open={open && drive !== null} title={t.title} tone="danger" onClose={closeConfirm}>
      {drive ? (
        <ConfirmBody
          key={drive.device}
          model={drive.description}
          size={formatSize(drive.sizeBytes)}
          device={drive.device}
          mountpoints={drive.mountpoints}
          typeName={needsTypedConfirmation(drive)}
          onCancel={closeConfirm}
          onConfirm={() => {
            closeConfirm();
            void startWrite();
          }}
        />
      ) : null}
    </Dialog>
  );
}

interface ConfirmBodyProps {
  readonly model: string;
  readonly size: string;
  readonly device: string;
  readonly mountpoints: readonly string[];
  readonly typeName: boolean;
  readonly onCancel: () => void;
  readonly onConfirm: () => void;
}

function ConfirmBody(props: ConfirmBodyProps) {
  const [typed, setTyped] = useState('');
  const confirmed = !props.typeName || typed.trim() === props.device;
  return (
    <form
      onSubmit={(event) => {
        event.preventDefault();
        if (confirmed) props.onConfirm();
      }}
    >
      <p>{t.body(props.model, props.size, props.device)}</p>
      {props.mountpoints.length ? <p>{t.partitions(props.mountpoints.join(', '))}</p> : null}
      {props.typeName ? (
        <label className="field">
          {t.typeName(props.device)}
          <input
            type="text"
            spellCheck={false}
            autoComplete="off"
            aria-label={t.typeNameLabel}
            autoFocus
            value={typed}
            onChange={(event) => setTyped(event.target.value)}
          />
        </label>
      ) : null}
      <div className="dialog-actions">
        {/* Cancel comes first and takes focus: Enter alone must never erase a disk. */}
        <button
          type="button"
          className="button"
          onClick={props.onCancel}
          autoFocus={!props.typeName}
        >
          {t.keep}
        </button>
        <button type="submit" className="button button-danger" disabled={!confirmed}>
          {t.erase}
        </button>
      </div>
    </form>
  );
}
