// SPDX-License-Identifier: GPL-3.0-or-later
import { LiveStickError } from '../shared/errors';
import type { EventName, Events, ServiceHandlers } from '../shared/ipc';

/**
 * The main-process service without Electron: Electron's main and the browser bridge both build
 * it, each supplying what only it can do (a native file dialog, the drive source).
 */
export interface ServiceEnvironment {
  emit<E extends EventName>(event: E, payload: Events[E]): void;
  /** A native "open file" dialog; null when the user cancels. */
  chooseImageFile(): Promise<string | null>;
}

export interface Service {
  readonly handlers: ServiceHandlers;
  /** True while a write runs: quitting must ask first. */
  isBusy(): boolean;
  dispose(): void;
}

function notYet(what: string): never {
  throw new LiveStickError('INTERNAL', `${what} is not available in this build yet.`);
}

export function createService(environment: ServiceEnvironment): Service {
  const handlers: ServiceHandlers = {
    chooseImage: () => environment.chooseImageFile(),
    openImage: () => notYet('Opening an image'),
    listDrives: () => notYet('Listing drives'),
    plan: () => notYet('Planning'),
    startWrite: () => notYet('Writing'),
    cancelWrite: () => notYet('Cancelling'),
    inspect: () => notYet('Inspecting'),
  };
  return { handlers, isBusy: () => false, dispose: () => undefined };
}
