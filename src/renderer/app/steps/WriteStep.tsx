// SPDX-License-Identifier: GPL-3.0-or-later
import { useShallow } from 'zustand/react/shallow';
import { useApp } from '../store-context';
import { WriteDone } from './WriteDone';
import { WriteFailed } from './WriteFailed';
import { WriteProgress } from './WriteProgress';

/** The last step shows the write while it runs, then how it ended. */
export function WriteStep() {
  const { writeState, target } = useApp(
    useShallow((state) => ({ writeState: state.writeState, target: state.writeTarget })),
  );
  if (writeState === 'succeeded' && target) return <WriteDone target={target} />;
  if (writeState === 'failed' || writeState === 'cancelled') {
    return <WriteFailed cancelled={writeState === 'cancelled'} />;
  }
  return <WriteProgress />;
}
