import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { WebFrameMain } from 'electron';
import { describe, expect, it } from 'vitest';
import { TrustedSenders } from '../../../src/main/app/trusted-sender';

const RENDERER = path.resolve('/opt/ctvlm/out/renderer');

/** The two fields of Electron's WebFrameMain the check reads. */
function frame(url: string, parent: object | null = null): WebFrameMain {
  return { url, parent } as unknown as WebFrameMain;
}

describe('IPC sender check', () => {
  const ours = pathToFileURL(path.join(RENDERER, 'index.html')).href;

  it('trusts the top frame of our own window showing our renderer', () => {
    const trusted = new TrustedSenders(RENDERER, null);
    trusted.addWindow(7);
    expect(trusted.isTrusted(7, frame(`${ours}#/projects/1`))).toBe(true);
  });

  it('refuses unknown windows, closed windows, iframes, other files and remote pages', () => {
    const trusted = new TrustedSenders(RENDERER, null);
    trusted.addWindow(7);
    expect(trusted.isTrusted(8, frame(ours))).toBe(false);
    expect(trusted.isTrusted(7, frame(ours, {}))).toBe(false);
    expect(trusted.isTrusted(7, null)).toBe(false);
    expect(trusted.isTrusted(7, frame(pathToFileURL('/home/user/Downloads/evil.html').href))).toBe(false);
    expect(trusted.isTrusted(7, frame(pathToFileURL(`${RENDERER}-evil/index.html`).href))).toBe(false);
    expect(trusted.isTrusted(7, frame('https://example.com/'))).toBe(false);
    expect(trusted.isTrusted(7, frame('not a url'))).toBe(false);
    trusted.removeWindow(7);
    expect(trusted.isTrusted(7, frame(ours))).toBe(false);
  });

  it('trusts the dev server origin only under electron-vite dev', () => {
    const dev = new TrustedSenders(RENDERER, 'http://localhost:5173');
    dev.addWindow(1);
    expect(dev.isTrusted(1, frame('http://localhost:5173/#/'))).toBe(true);
    expect(dev.isTrusted(1, frame('http://localhost:5174/'))).toBe(false);
    const packaged = new TrustedSenders(RENDERER, null);
    packaged.addWindow(1);
    expect(packaged.isTrusted(1, frame('http://localhost:5173/'))).toBe(false);
  });
});
