/**
 * The preload exposes exactly two functions to the page: invoke(route, input) and
 * on(event, listener) -> unsubscribe. Everything else stays in main, which validates
 * every payload and checks the sender.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import type { ApiBridge } from '../shared/api/bridge';
import type { Envelope } from '../shared/api/envelope';
import { IPC_EVENT_CHANNEL, IPC_INVOKE_CHANNEL } from '../shared/api/ipc-channels';

const bridge: ApiBridge = {
  invoke: (route, input) => ipcRenderer.invoke(IPC_INVOKE_CHANNEL, String(route), input) as Promise<Envelope<unknown>>,
  on(event, listener) {
    const handler = (_event: IpcRendererEvent, name: unknown, payload: unknown): void => {
      if (name === event) listener(payload);
    };
    ipcRenderer.on(IPC_EVENT_CHANNEL, handler);
    return () => {
      ipcRenderer.removeListener(IPC_EVENT_CHANNEL, handler);
    };
  },
};

contextBridge.exposeInMainWorld('ctvlm', bridge);
