/**
 * The desktop app's `ctvlm-files://app/<viewer path>` protocol: the CT viewer fetches its NIfTI
 * files through it (never file:// URLs). Registered as privileged (standard, secure, fetch and
 * streaming) before the app is ready; only the workbench's own pages load it, and each path is
 * checked against the few shapes viewer-files.ts serves.
 */
import { protocol } from 'electron';
import { VIEWER_FILES_SCHEME } from '../../shared/api/viewer-files';
import { viewerFileResponse, type ViewerFileSource } from '../server/viewer-file-response';

/** Call before app 'ready'. */
export function registerViewerScheme(): void {
  protocol.registerSchemesAsPrivileged([
    {
      scheme: VIEWER_FILES_SCHEME,
      privileges: { standard: true, secure: true, supportFetchAPI: true, stream: true, corsEnabled: true },
    },
  ]);
}

/** Call once the app is ready. */
export function handleViewerProtocol(source: ViewerFileSource): void {
  protocol.handle(VIEWER_FILES_SCHEME, async (request) => {
    const url = new URL(request.url);
    let relative: string;
    try {
      relative = decodeURIComponent(url.pathname.replace(/^\/+/, ''));
    } catch {
      return new Response('The file path is not valid.', { status: 400 });
    }
    return viewerFileResponse(source, relative, request.method);
  });
}
