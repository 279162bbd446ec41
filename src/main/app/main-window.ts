/** The workbench window: isolated, sandboxed, no Node in the page, no navigation away. */
import path from 'node:path';
import { BrowserWindow, shell } from 'electron';
import type { TrustedSenders } from './trusted-sender';

export interface WindowPaths {
  preload: string;
  rendererIndex: string;
  devUrl: string | null;
}

export function createMainWindow(paths: WindowPaths, trusted: TrustedSenders): BrowserWindow {
  const window = new BrowserWindow({
    width: 1400,
    height: 900,
    minWidth: 960,
    minHeight: 600,
    title: 'CT-VLM Workbench',
    backgroundColor: '#0f1419',
    show: false,
    webPreferences: {
      preload: paths.preload,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      spellcheck: false,
    },
  });
  const contentsId = window.webContents.id;
  trusted.addWindow(contentsId);
  window.on('closed', () => trusted.removeWindow(contentsId));
  window.once('ready-to-show', () => window.show());

  // Links to the outside world open in the user's browser; the window itself never navigates away.
  window.webContents.setWindowOpenHandler(({ url }) => {
    if (url.startsWith('https://')) void shell.openExternal(url);
    return { action: 'deny' };
  });
  window.webContents.on('will-navigate', (event, url) => {
    if (!trusted.isOurUrl(url)) event.preventDefault();
  });

  if (paths.devUrl) void window.loadURL(paths.devUrl);
  else void window.loadFile(path.resolve(paths.rendererIndex));
  return window;
}
