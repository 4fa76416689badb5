// SPDX-License-Identifier: GPL-3.0-or-later
import { useAppFields } from '../store-context';
import { WriteDone } from './WriteDone';
import { WriteFailed } from './WriteFailed';
import { WriteProgress } from './WriteProgress';

/** The last step shows the write while it runs, then how it ended. */
export function WriteStep() {
  const { writeState, writeTarget } = useAppFields('writeState', 'writeTarget');
  if (writeState === 'succeeded' && writeTarget) return <WriteDone target={writeTarget} />;
  if (writeState === 'failed' || writeState === 'cancelled') {
    return <WriteFailed cancelled={writeState === 'cancelled'} />;
  }
  return <WriteProgress />;
}
