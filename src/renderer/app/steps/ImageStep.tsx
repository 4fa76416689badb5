// SPDX-License-Identifier: GPL-3.0-or-later
import { useState, type DragEvent, type FormEvent } from 'react';
import { formatBytes } from '../../../shared/units';
import { pathOfDroppedFile } from '../../api';
import { en } from '../../i18n/en';
import { ErrorNotice } from '../components/ErrorNotice';
import { StepFrame } from '../components/StepFrame';
import { useAppFields } from '../store-context';

const t = en.image;

export function ImageStep() {
  const {
    image,
    imageStatus: status,
    imageError: error,
    chooseImage,
    openImage,
    goToStep,
  } = useAppFields('image', 'imageStatus', 'imageError', 'chooseImage', 'openImage', 'goToStep');
  const [dragging, setDragging] = useState(false);
  const [dropHint, setDropHint] = useState(false);
  const [typedPath, setTypedPath] = useState('');
  const busy = status === 'opening';

  const onDrop = (event: DragEvent<HTMLDivElement>): void => {
    event.preventDefault();
    setDragging(false);
    const file = event.dataTransfer.files[0];
    if (!file) return;
    const path = pathOfDroppedFile(file);
    setDropHint(path === null);
    if (path !== null) void openImage(path);
  };
  const onSubmitPath = (event: FormEvent<HTMLFormElement>): void => {
    event.preventDefault();
    const path = typedPath.trim();
    if (path) void openImage(path);
  };

  return (
    <StepFrame
      titleId="step-image-title"
      title={t.title}
      lead={t.intro}
      primary={{
        label: en.app.next,
        disabled: !image || status !== 'ready',
        onClick: () => goToStep('drive'),
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
          onClick={() => void chooseImage()}
          disabled={busy}
        >
          {image ? t.chooseAnother : t.choose}
        </button>
        <span className="dropzone-text">{dragging ? t.dropActive : t.dropHere}</span>
      </div>
      {dropHint ? <p className="notice notice-info">{t.dropNoPath}</p> : null}

      <details className="typed-path" open={dropHint || undefined}>
        <summary>{t.typePath}</summary>
        <form className="inline-form" onSubmit={onSubmitPath}>
          <label htmlFor="iso-path">{t.pathLabel}</label>
          <div className="inline-form-row">
            <input
              id="iso-path"
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

      <div aria-live="polite">
        {busy ? <p className="status">{t.opening}</p> : null}
        {status === 'failed' && error ? <ErrorNotice error={error} /> : null}
      </div>

      {image && status === 'ready' ? (
        <div className="card" aria-label={t.chosen}>
          <p className="card-title">{image.fileName}</p>
          <dl className="facts">
            <dt>{t.label}</dt>
            <dd>{image.label}</dd>
            <dt>{t.size}</dt>
            <dd>{formatBytes(image.isoBytes)}</dd>
            <dt>{t.era}</dt>
            <dd>{t.eraNames[image.era]}</dd>
            <dt>{t.rootfs}</dt>
            <dd>{t.rootfsNames[image.rootfs]}</dd>
            <dt>{t.boot}</dt>
            <dd>
              {[image.efi ? t.bootUefi : null, image.biosBoot ? t.bootBios : null]
                .filter((name) => name !== null)
                .join(', ')}
            </dd>
            <dt>{t.persistenceKinds}</dt>
            <dd>
              {image.overlayKinds.length
                ? image.overlayKinds.map((kind) => t.overlayKindNames[kind]).join(', ')
                : t.noPersistence}
            </dd>
          </dl>
        </div>
      ) : null}
    </StepFrame>
  );
}
