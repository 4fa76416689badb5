// SPDX-License-Identifier: GPL-3.0-or-later
import { useEffect } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { isActive } from '../../shared/write-state';
import appIcon from '../../../assets/livestick.svg';
import { en } from '../i18n/en';
import type { Mode } from '../store/ui-slice';
import { CheckScreen } from './check/CheckScreen';
import { useApp } from './store-context';
import { Wizard } from './Wizard';

const MODES: readonly { id: Mode; label: string }[] = [
  { id: 'create', label: en.app.modeCreate },
  { id: 'check', label: en.app.modeCheck },
];

export function App() {
  const { mode, setMode, busy } = useApp(
    useShallow((state) => ({
      mode: state.mode,
      setMode: state.setMode,
      busy: isActive(state.writeState),
    })),
  );
  useLeaveWarning(busy);
  return (
    <div className="app">
      <header className="app-header">
        <div className="brand">
          <img className="brand-mark" src={appIcon} alt="" width={36} height={36} />
          <div>
            <p className="brand-name">{en.app.name}</p>
            <p className="brand-tagline">{en.app.tagline}</p>
          </div>
        </div>
        <nav className="modes" aria-label={en.app.modes}>
          {MODES.map(({ id, label }) => (
            <button
              key={id}
              type="button"
              className="mode"
              aria-pressed={mode === id}
              disabled={busy && mode !== id}
              onClick={() => setMode(id)}
            >
              {label}
            </button>
          ))}
        </nav>
      </header>
      <main className="wizard">{mode === 'create' ? <Wizard /> : <CheckScreen />}</main>
    </div>
  );
}

/**
 * While a write runs, leaving the page asks first. The write itself goes on (main or the bridge
 * owns it, and the page shows it again when it comes back), but closing the app's window quits
 * it: Electron's main turns this objection into its own question (docs/ARCHITECTURE.md,
 * "The wizard's store"); a browser shows its "Leave site?" prompt.
 */
function useLeaveWarning(active: boolean): void {
  useEffect(() => {
    if (!active) return;
    const warn = (event: BeforeUnloadEvent): void => event.preventDefault();
    window.addEventListener('beforeunload', warn);
    return () => window.removeEventListener('beforeunload', warn);
  }, [active]);
}
