/**
 * A viewer file (viewer-files.ts) as a fetch Response: what web mode sends over HTTP and the
 * desktop app's custom protocol returns to the window. The NIfTI bytes are streamed as they are
 * stored (gzip included: the viewer's loader gunzips them itself, so no Content-Encoding is set),
 * and never cached by the browser (they are patient data). Failures are the API's JSON envelope.
 */
import fs from 'node:fs';
import { Readable } from 'node:stream';
import type { Envelope } from '../../shared/api/envelope';
import { toErrorPayload, type ErrorPayload } from '../../shared/errors';
import type { ViewerFile } from '../services/viewer-service';
import { httpStatusOf } from './http-status';

export interface ViewerFileSource {
  resolveFile(relativePath: string): Promise<ViewerFile>;
}

const FILE_HEADERS = {
  'content-type': 'application/octet-stream',
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
};

export async function viewerFileResponse(
  source: ViewerFileSource,
  relativePath: string,
  method: string,
): Promise<Response> {
  if (method !== 'GET' && method !== 'HEAD') {
    return errorResponse(405, { code: 'INVALID_INPUT', kind: 'user', message: 'Viewer files are read with GET.' });
  }
  let found: ViewerFile;
  try {
    found = await source.resolveFile(relativePath);
  } catch (error) {
    const payload = toErrorPayload(error);
    return errorResponse(httpStatusOf(payload), payload);
  }
  const headers = { ...FILE_HEADERS, 'content-length': String(found.size) };
  if (method === 'HEAD') return new Response(null, { status: 200, headers });
  const body = Readable.toWeb(fs.createReadStream(found.file)) as ReadableStream<Uint8Array>;
  return new Response(body, { status: 200, headers });
}

function errorResponse(status: number, error: ErrorPayload): Response {
  const envelope: Envelope<never> = { ok: false, error };
  return new Response(JSON.stringify(envelope), {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' },
  });
}
