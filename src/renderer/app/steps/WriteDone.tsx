// SPDX-License-Identifier: GPL-3.0-or-later
import type { WrittenStick } from '../../../shared/ipc';
import { en } from '../../i18n/en';
import { formatSize } from '../../i18n/sizes';
import type { WrittenTarget } from '../../store/write-slice';
import { StepFrame } from '../components/StepFrame';
import { useAppFields } from '../store-context';

const t = en.write;

/** What is on the finished stick (worded here from data), how to boot it, where to go next. */
export function WriteDone({
  target,
  stick,
  cancelAsked,
}: {
  target: WrittenTarget;
  stick: WrittenStick;
  cancelAsked: boolean;
}) {
  const s = useAppFields('resetWrite', 'goToStep', 'setMode', 'chooseCheckDevice', 'inspectStick');
  const { drive, layout, image } = target;
  const checkThis = (): void => {
    s.resetWrite();
    s.setMode('check');
    s.chooseCheckDevice(drive.device);
    void s.inspectStick();
  };
  const another = (): void => {
    s.resetWrite();
    s.goToStep('drive');
  };
  const driveLine = t.driveLine(drive.description, formatSize(drive.sizeBytes), drive.device);
  const contents = [
    t.system(image.label, formatSize(image.payloadBytes)),
    stick.biosBoot ? t.startsBoth : image.biosBoot ? t.startsUefiNoLoader : t.startsUefi,
    layout.overlayKind === 'none' ? t.noOverlay : t.overlay(formatSize(layout.overlay.bytes)),
    layout.home.bytes === 0
      ? t.noHome
      : layout.home.encrypted
        ? t.homeEncrypted(formatSize(layout.home.bytes))
        : t.home(formatSize(layout.home.bytes)),
    ...(layout.swap.bytes > 0 ? [t.swap(formatSize(layout.swap.bytes))] : []),
    t.free(formatSize(stick.freeBytes)),
  ];
  return (
    <StepFrame
      titleId="step-write-title"
      title={t.doneTitle}
      secondary={{ label: t.checkThis, onClick: checkThis }}
      primary={{ label: t.another, onClick: another }}
    >
      <p className="notice notice-success" role="status">
        {stick.verified ? t.writtenVerified(driveLine) : t.writtenOnly(driveLine)}
      </p>
      {cancelAsked ? <p className="notice notice-info">{t.finishedBeforeCancel}</p> : null}
      <h2 className="section-title">{t.onStick}</h2>
      <ul className="summary">
        {contents.map((line) => (
          <li key={line}>{line}</li>
        ))}
      </ul>
      <h2 className="section-title">{t.howToBoot}</h2>
      <p>{t.howToBootText}</p>
      <p className="hint">{t.remove}</p>
    </StepFrame>
  );
}
