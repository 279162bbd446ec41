/**
 * The desktop app's main process: the only place (with src/main/app/*) that knows about
 * Electron. It builds the same Workbench as web mode and the CLI, with utility processes
 * for long work, and bridges the API over IPC.
 */
import path from 'node:path';
import { app, BrowserWindow, session } from 'electron';
import { createWorkbench, type Workbench } from '../services/workbench';
import { registerIpcBridge } from './ipc-bridge';
import { createMainWindow, type WindowPaths } from './main-window';
import { TrustedSenders } from './trusted-sender';
import { handleViewerProtocol, registerViewerScheme } from './viewer-protocol';
import { createUtilityLauncher } from './utility-launcher';

const here = import.meta.dirname;
const devUrl = process.env.ELECTRON_RENDERER_URL ?? null;
const paths: WindowPaths = {
  preload: path.join(here, '../preload/index.cjs'),
  rendererIndex: path.join(here, '../renderer/index.html'),
  devUrl,
};
const trusted = new TrustedSenders(path.join(here, '../renderer'), devUrl ? new URL(devUrl).origin : null);

// Worker threads started inside job processes find their bundled entries here.
process.env.CTVLM_AUGMENT_WORKER_ENTRY ??= path.join(here, 'augment-worker.js');

app.enableSandbox();
registerViewerScheme();
if (!app.requestSingleInstanceLock()) app.quit();

let workbench: Workbench | null = null;

app.on('web-contents-created', (_event, contents) => {
  contents.on('will-attach-webview', (event) => event.preventDefault());
});

void app.whenReady().then(() => {
  // No permission (camera, geolocation, notifications, ...) is ever needed.
  session.defaultSession.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));

  const dataDir = process.env.CTVLM_HOME ?? app.getPath('userData');
  workbench = createWorkbench({
    dataDir,
    mode: 'electron',
    launcher: createUtilityLauncher(path.join(here, 'utility-worker.js')),
  });
  registerIpcBridge(workbench, trusted);
  handleViewerProtocol(workbench.viewer);
  createMainWindow(paths, trusted);
  try {
    workbench.demo.ensure();
  } catch (error) {
    console.error(`The demo project could not be prepared: ${(error as Error).message}`);
  }

  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) createMainWindow(paths, trusted);
  });
});

app.on('second-instance', () => {
  const [window] = BrowserWindow.getAllWindows();
  if (window) {
    if (window.isMinimized()) window.restore();
    window.focus();
  }
});

let closing = false;
app.on('before-quit', (event) => {
  if (!workbench || closing) return;
  event.preventDefault();
  closing = true;
  void workbench.close().finally(() => app.quit());
});

app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit();
});
