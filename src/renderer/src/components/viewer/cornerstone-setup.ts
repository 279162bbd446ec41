/**
 * One-time set-up of cornerstone3D for the study page: the core (WebGL rendering), the tools the
 * viewer uses, and the NIfTI image loader, whose requests carry the viewer files' headers (the
 * web-mode token). Safe to call on every mount.
 */
import { imageLoader, init as initCore } from '@cornerstonejs/core';
import { cornerstoneNiftiImageLoader, init as initNiftiLoader } from '@cornerstonejs/nifti-volume-loader';
import {
  addTool,
  CrosshairsTool,
  init as initTools,
  PanTool,
  StackScrollTool,
  WindowLevelTool,
  ZoomTool,
} from '@cornerstonejs/tools';
import { viewerFileHeaders } from '../../api/viewer-files';

let ready = false;

export function ensureCornerstone(): void {
  if (ready) return;
  initCore();
  initNiftiLoader({ beforeSend: (_xhr, defaultHeaders) => ({ ...defaultHeaders, ...viewerFileHeaders() }) });
  imageLoader.registerImageLoader('nifti', cornerstoneNiftiImageLoader);
  initTools();
  for (const tool of [WindowLevelTool, PanTool, ZoomTool, StackScrollTool, CrosshairsTool]) addTool(tool);
  ready = true;
}
