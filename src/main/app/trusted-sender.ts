/** IPC is answered only for frames that show our own renderer, in windows we created. */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { WebFrameMain } from 'electron';

export class TrustedSenders {
  private readonly windowContentIds = new Set<number>();

  constructor(
    /** file:// renderer folder in a packaged or previewed app. */
    private readonly rendererDir: string,
    /** The dev server's origin under `electron-vite dev`, else null. */
    private readonly devOrigin: string | null,
  ) {}

  addWindow(webContentsId: number): void {
    this.windowContentIds.add(webContentsId);
  }

  removeWindow(webContentsId: number): void {
    this.windowContentIds.delete(webContentsId);
  }

  isTrusted(webContentsId: number, frame: WebFrameMain | null): boolean {
    if (!this.windowContentIds.has(webContentsId) || !frame) return false;
    if (frame.parent !== null) return false; // no iframes
    return this.isOurUrl(frame.url);
  }

  isOurUrl(raw: string): boolean {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      return false;
    }
    if (this.devOrigin && url.origin === this.devOrigin) return true;
    if (url.protocol !== 'file:') return false;
    const file = path.resolve(fileURLToPath(url));
    return file.startsWith(path.resolve(this.rendererDir) + path.sep);
  }
}
