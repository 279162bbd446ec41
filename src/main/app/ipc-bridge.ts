/** Electron IPC over the one API contract: sender checks, then the shared dispatcher. */
import { BrowserWindow, ipcMain } from 'electron';
import type { Envelope } from '../../shared/api/envelope';
import { IPC_EVENT_CHANNEL, IPC_INVOKE_CHANNEL } from '../../shared/api/ipc-channels';
import type { Workbench } from '../services/workbench';
import type { TrustedSenders } from './trusted-sender';

export function registerIpcBridge(workbench: Workbench, trusted: TrustedSenders): () => void {
  ipcMain.handle(IPC_INVOKE_CHANNEL, async (event, route: unknown, input: unknown): Promise<Envelope<unknown>> => {
    if (!trusted.isTrusted(event.sender.id, event.senderFrame)) {
      return {
        ok: false,
        error: { code: 'FORBIDDEN', kind: 'user', message: 'This page may not call the workbench API.' },
      };
    }
    if (typeof route !== 'string') {
      return { ok: false, error: { code: 'INVALID_INPUT', kind: 'user', message: 'The route name must be a string.' } };
    }
    return workbench.dispatcher.invoke(route, input);
  });

  const unsubscribe = workbench.events.subscribe((event, payload) => {
    for (const window of BrowserWindow.getAllWindows()) {
      if (!window.isDestroyed() && trusted.isOurUrl(window.webContents.getURL())) {
        window.webContents.send(IPC_EVENT_CHANNEL, event, payload);
      }
    }
  });

  return () => {
    unsubscribe();
    ipcMain.removeHandler(IPC_INVOKE_CHANNEL);
  };
}
