// SPDX-License-Identifier: GPL-3.0-or-later
import { useShallow } from 'zustand/react/shallow';
import { en } from '../i18n/en';
import { availableSteps, currentStep, STEP_IDS, type StepId } from '../store/steps';
import { useApp } from './store-context';
import { ConfirmWriteDialog } from './steps/ConfirmWriteDialog';
import { DriveStep } from './steps/DriveStep';
import { ImageStep } from './steps/ImageStep';
import { PersistenceStep } from './steps/PersistenceStep';
import { WriteStep } from './steps/WriteStep';

const STEP_COMPONENTS: Readonly<Record<StepId, () => React.JSX.Element>> = {
  image: ImageStep,
  drive: DriveStep,
  persistence: PersistenceStep,
  write: WriteStep,
};

export function Wizard() {
  const current = useApp(currentStep);
  const available = useApp(useShallow(availableSteps));
  const goToStep = useApp((state) => state.goToStep);
  const Step = STEP_COMPONENTS[current];
  const currentIndex = STEP_IDS.indexOf(current);
  return (
    <>
      <nav className="stepper" aria-label={en.app.stepsLabel}>
        <ol>
          {STEP_IDS.map((step, index) => (
            <li
              key={step}
              className={`stepper-item${index < currentIndex ? ' stepper-done' : ''}${
                step === current ? ' stepper-current' : ''
              }`}
            >
              <button
                type="button"
                aria-current={step === current ? 'step' : undefined}
                disabled={!available[step] || step === current}
                onClick={() => goToStep(step)}
              >
                <span className="stepper-number" aria-hidden="true">
                  {index + 1}
                </span>
                <span className="stepper-label">{en.steps[step]}</span>
              </button>
            </li>
          ))}
        </ol>
      </nav>
      <Step key={current} />
      <ConfirmWriteDialog />
    </>
  );
}
