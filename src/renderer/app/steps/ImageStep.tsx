// SPDX-License-Identifier: GPL-3.0-or-later
import { useRef, useState, type DragEvent, type FormEvent } from 'react';
import { pathOfDroppedFile } from '../../api';
import { en } from '../../i18n/en';
import { formatSize } from '../../i18n/sizes';
import { ErrorNotice } from '../components/ErrorNotice';
import { StepFrame } from '../components/StepFrame';
import { useAppFields } from '../store-context';

const t = en.image;

export function ImageStep() {
  const s = useAppFields(
    'image',
    'imageStatus',
    'imageError',
    'imageErrorPath',
    'noFileDialog',
    'chooseImage',
    'openImage',
    'goToStep',
  );
  const [dragging, setDragging] = useState(false);
  /** Why the path field was opened for the user: a drop without a path, or no file dialog. */
  const [typeHint, setTypeHint] = useState<'drop' | 'no-dialog' | null>(null);
  const [typedPath, setTypedPath] = useState('');
  const pathField = useRef<HTMLInputElement>(null);
  const busy = s.imageStatus === 'opening';
  const image = s.imageStatus !== 'failed' ? s.image : null;

  const askForPath = (why: 'drop' | 'no-dialog'): void => {
    setTypeHint(why);
    // The disclosure opens on this render; the field exists on the next frame.
    requestAnimationFrame(() => pathField.current?.focus());
  };
  const choose = async (): Promise<void> => {
    if ((await s.chooseImage()) === 'no-dialog') askForPath('no-dialog');
  };
  const onDrop = (event: DragEvent<HTMLDivElement>): void => {
    event.preventDefault();
    setDragging(false);
    const file = event.dataTransfer.files[0];
    if (!file) return;
    const path = pathOfDroppedFile(file);
    if (path === null) askForPath('drop');
    else void s.openImage(path);
  };
  const onSubmitPath = (event: FormEvent<HTMLFormElement>): void => {
    event.preventDefault();
    const path = typedPath.trim();
    if (path) void s.openImage(path);
  };

  return (
    <StepFrame
      titleId="step-image-title"
      title={t.title}
      lead={t.intro}
      primary={{
        label: en.app.next,
        disabled: !image || busy,
        onClick: () => s.goToStep('drive'),
      }}
    >
      <div
        className={`dropzone${dragging ? ' dropzone-active' : ''}`}
        onDragOver={(event) => {
          event.preventDefault();
          setDragging(true);
        }}
        onDragLeave={() => setDragging(false)}
        onDrop={onDrop}
      >
        <button
          type="button"
          className="button button-primary"
          onClick={() => void choose()}
          disabled={busy}
        >
          {image ? t.chooseAnother : t.choose}
        </button>
        <span className="dropzone-text">{dragging ? t.dropActive : t.dropHere}</span>
      </div>
      {typeHint ? (
        <p className="notice notice-info">{typeHint === 'drop' ? t.dropNoPath : t.noDialog}</p>
      ) : null}

      <details className="typed-path" open={typeHint !== null || s.noFileDialog || undefined}>
        <summary>{t.typePath}</summary>
        <form className="inline-form" onSubmit={onSubmitPath}>
          <label htmlFor="iso-path">{t.pathLabel}</label>
          <div className="inline-form-row">
            <input
              id="iso-path"
              ref={pathField}
              type="text"
              spellCheck={false}
              autoComplete="off"
              placeholder={t.pathPlaceholder}
              value={typedPath}
              onChange={(event) => setTypedPath(event.target.value)}
            />
            <button type="submit" className="button" disabled={busy || !typedPath.trim()}>
              {t.open}
            </button>
          </div>
        </form>
      </details>

      <div aria-live="polite" className="live-region">
        {busy ? <p className="status">{t.opening}</p> : null}
        {s.imageError ? (
          <ErrorNotice
            error={s.imageError}
            context={{ doing: 'open-image', path: s.imageErrorPath }}
          />
        ) : null}
        {s.imageError && image && !busy ? (
          <p className="hint">{t.stillUsing(image.fileName)}</p>
        ) : null}
      </div>

      {image && !busy ? (
        <div className="card" role="group" aria-label={t.chosen}>
          <p className="card-title">{image.fileName}</p>
          <dl className="facts">
            <dt>{t.label}</dt>
            <dd>{image.label}</dd>
            <dt>{t.size}</dt>
            <dd>{formatSize(image.isoBytes)}</dd>
            <dt>{t.startsOn}</dt>
            <dd>{image.biosBoot ? t.startsOnBoth : t.startsOnUefi}</dd>
            <dt>{t.keeps}</dt>
            <dd>{image.overlayKinds.length > 0 ? t.keepsYes : t.keepsNo}</dd>
          </dl>
        </div>
      ) : null}
    </StepFrame>
  );
}
