// SPDX-License-Identifier: GPL-3.0-or-later
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { getApi } from './api';
import { App } from './app/App';
import { StoreProvider } from './app/store-context';
import { connectServiceEvents } from './store/engine-events';
import { PLAN_DELAY_MS } from './store/deps';
import { createAppStore } from './store/store';
import './styles.css';

const api = getApi();
const store = createAppStore({
  api,
  plan: (request) => api.plan(request),
  planDelayMs: PLAN_DELAY_MS,
});
connectServiceEvents(api, store);
// A write outlives the page that started it: a reloaded page shows it again.
void store.getState().adoptWrite();
void store.getState().refreshDrives();

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <StoreProvider store={store}>
      <App />
    </StoreProvider>
  </StrictMode>,
);
