// SPDX-License-Identifier: GPL-3.0-or-later
import { useAppFields } from '../store-context';
import { WriteDone } from './WriteDone';
import { WriteFailed } from './WriteFailed';
import { WriteProgress } from './WriteProgress';

/** The last step shows the write while it runs, then how it ended. */
export function WriteStep() {
  const { writeState, writeTarget, writtenStick, cancelledStick, cancelAsked } = useAppFields(
    'writeState',
    'writeTarget',
    'writtenStick',
    'cancelledStick',
    'cancelAsked',
  );
  if (writeState === 'succeeded' && writeTarget && writtenStick) {
    return <WriteDone target={writeTarget} stick={writtenStick} cancelAsked={cancelAsked} />;
  }
  if (writeState === 'failed') return <WriteFailed cancelled={null} />;
  if (writeState === 'cancelled') return <WriteFailed cancelled={cancelledStick ?? 'incomplete'} />;
  return <WriteProgress />;
}
