// SPDX-License-Identifier: GPL-3.0-or-later
import { useShallow } from 'zustand/react/shallow';
import { isActive } from '../../shared/write-state';
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
  return (
    <div className="app">
      <header className="app-header">
        <div className="brand">
          <span className="brand-mark" aria-hidden="true" />
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
