/**
 * Where the viewer's files (CT volumes, Grad-CAM maps) are fetched from, and with which headers:
 * the desktop app's privileged custom protocol (main checks the request, no token), or web mode's
 * `/files/` on the page's own origin with the per-launch token as a Bearer header.
 */
import { VIEWER_FILES_SCHEME, VIEWER_FILES_WEB_PREFIX } from '@shared/api/viewer-files';
import { getWebToken } from './web-bridge';

function isElectron(): boolean {
  return window.ctvlm !== undefined;
}

/** The absolute URL of a relative viewer path (see @shared/api/viewer-files). */
export function viewerFileUrl(relativePath: string): string {
  if (isElectron()) return `${VIEWER_FILES_SCHEME}://app/${relativePath}`;
  return new URL(VIEWER_FILES_WEB_PREFIX + relativePath, window.location.origin).toString();
}

/** The headers a request for a viewer file needs (the token in web mode, none in the desktop app). */
export function viewerFileHeaders(): Record<string, string> {
  if (isElectron()) return {};
  const token = getWebToken();
  return token ? { authorization: `Bearer ${token}` } : {};
}

/** A failed request as a sentence: the HTTP status and the server's message from its JSON body. */
async function describeFailure(response: Response, what: string): Promise<string> {
  let detail = '';
  try {
    const body = (await response.json()) as { error?: { message?: unknown }; message?: unknown };
    const message = body.error?.message ?? body.message;
    if (typeof message === 'string') detail = `: ${message}`;
  } catch {
    // Not JSON: the status says enough.
  }
  return `${what} could not be read (HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''})${detail}`;
}

async function request(url: string, what: string): Promise<Response> {
  let response: Response;
  try {
    response = await fetch(url, { headers: viewerFileHeaders() });
  } catch (error) {
    throw new Error(`${what} could not be fetched: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (!response.ok) throw new Error(await describeFailure(response, what));
  return response;
}

/**
 * Checks that a viewer file can be fetched before cornerstone's loader asks for it (the loader
 * waits forever on a failed request): throws the status and the server's message, else stops
 * reading the body and returns.
 */
export async function checkViewerFile(relativePath: string, what: string): Promise<void> {
  const response = await request(viewerFileUrl(relativePath), what);
  await response.body?.cancel();
}

/** A viewer file's bytes, e.g. to save a Grad-CAM map. */
export async function fetchViewerFile(relativePath: string, what: string): Promise<Blob> {
  return (await request(viewerFileUrl(relativePath), what)).blob();
}
