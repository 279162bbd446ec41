/**
 * Three linked MPR viewports (axial, coronal, sagittal) in one rendering engine, with one tool
 * group: a primary-button tool to choose (window/level by default, crosshairs, pan, zoom), pan on
 * the middle button, zoom on the right, slice scroll on the wheel, crosshairs always shown. It
 * shows one CT volume at a time, keeps the window across volume switches, reads the HU under the
 * mouse, and disposes everything (engine, tool group, its volumes) on dispose().
 */
import { ref, shallowRef } from 'vue';
import { cache, Enums, RenderingEngine, setVolumesForViewports, type Types } from '@cornerstonejs/core';
import {
  CrosshairsTool,
  Enums as ToolEnums,
  PanTool,
  StackScrollTool,
  ToolGroupManager,
  WindowLevelTool,
  ZoomTool,
} from '@cornerstonejs/tools';
import { ensureCornerstone } from './cornerstone-setup';
import { DEFAULT_WINDOW, windowRange } from './ct-presets';
import { loadNiftiVolume, releaseVolume, type LoadProgress } from './nifti-volumes';
import { sliceOf, valueAt, voxelAt, type SliceInfo } from './voxel-readout';
import { lpsToRas, type Vec3 } from './world-coordinates';

export const VIEWPORT_NAMES = ['axial', 'coronal', 'sagittal'] as const;
export type ViewportName = (typeof VIEWPORT_NAMES)[number];

const ORIENTATIONS: Record<ViewportName, Enums.OrientationAxis> = {
  axial: Enums.OrientationAxis.AXIAL,
  coronal: Enums.OrientationAxis.CORONAL,
  sagittal: Enums.OrientationAxis.SAGITTAL,
};

export const PRIMARY_TOOLS = [
  { id: 'window-level', label: 'W/L', toolName: WindowLevelTool.toolName as string },
  { id: 'crosshairs', label: 'Crosshairs', toolName: CrosshairsTool.toolName as string },
  { id: 'pan', label: 'Pan', toolName: PanTool.toolName as string },
  { id: 'zoom', label: 'Zoom', toolName: ZoomTool.toolName as string },
] as const;
export type PrimaryTool = (typeof PRIMARY_TOOLS)[number]['id'];

export interface ProbeReading {
  viewport: ViewportName;
  /** The CT value at the voxel under the mouse (HU). */
  value: number;
  voxel: Vec3;
  /** NIfTI world coordinates (RAS, mm). */
  worldRas: Vec3;
}

export type ViewerStatus = 'idle' | 'loading' | 'ready' | 'error';

let sequence = 0;

function toolNameOf(tool: PrimaryTool): string {
  return PRIMARY_TOOLS.find((item) => item.id === tool)?.toolName ?? (WindowLevelTool.toolName as string);
}

export function useMprViewer() {
  sequence += 1;
  const engineId = `ctvlm-study-${sequence}`;
  const toolGroupId = `ctvlm-study-tools-${sequence}`;
  const viewportIdOf = (name: ViewportName): string => `${engineId}-${name}`;

  const status = ref<ViewerStatus>('idle');
  const progress = ref<LoadProgress | null>(null);
  const error = ref<string | null>(null);
  const primaryTool = ref<PrimaryTool>('window-level');
  const probe = ref<ProbeReading | null>(null);
  const windowing = ref({ width: DEFAULT_WINDOW.width, level: DEFAULT_WINDOW.level });
  const slices = ref<Partial<Record<ViewportName, SliceInfo>>>({});
  /** The CT volume shown (a cornerstone volume id). */
  const ctVolumeId = shallowRef<string | null>(null);

  let engine: RenderingEngine | null = null;
  const owned = new Set<string>();
  const cleanups: (() => void)[] = [];
  let request = 0;

  function viewport(name: ViewportName): Types.IVolumeViewport | null {
    return engine?.getViewport<Types.IVolumeViewport>(viewportIdOf(name)) ?? null;
  }

  function viewports(): Types.IVolumeViewport[] {
    return VIEWPORT_NAMES.map(viewport).filter((item): item is Types.IVolumeViewport => item !== null);
  }

  function viewportIds(): string[] {
    return VIEWPORT_NAMES.map(viewportIdOf);
  }

  function render(): void {
    engine?.render();
  }

  function mount(targets: Record<ViewportName, HTMLDivElement>): void {
    ensureCornerstone();
    engine = new RenderingEngine(engineId);
    engine.setViewports(
      VIEWPORT_NAMES.map((name) => ({
        viewportId: viewportIdOf(name),
        type: Enums.ViewportType.ORTHOGRAPHIC,
        element: targets[name],
        defaultOptions: { orientation: ORIENTATIONS[name], background: [0, 0, 0] as Types.Point3 },
      })),
    );
    for (const name of VIEWPORT_NAMES) {
      const element = targets[name];
      element.oncontextmenu = (event) => event.preventDefault();
      const move = (event: MouseEvent): void => readProbe(name, element, event);
      const leave = (): void => {
        probe.value = null;
      };
      const voi = (event: Event): void => onVoiModified(event);
      const camera = (): void => updateSlice(name);
      element.addEventListener('mousemove', move);
      element.addEventListener('mouseleave', leave);
      element.addEventListener(Enums.Events.VOI_MODIFIED, voi);
      element.addEventListener(Enums.Events.CAMERA_MODIFIED, camera);
      cleanups.push(() => {
        element.removeEventListener('mousemove', move);
        element.removeEventListener('mouseleave', leave);
        element.removeEventListener(Enums.Events.VOI_MODIFIED, voi);
        element.removeEventListener(Enums.Events.CAMERA_MODIFIED, camera);
      });
    }
    const group = ToolGroupManager.createToolGroup(toolGroupId);
    if (!group) throw new Error('The viewer could not create its tool group.');
    for (const tool of [WindowLevelTool, PanTool, ZoomTool, StackScrollTool, CrosshairsTool]) {
      group.addTool(tool.toolName as string);
    }
    for (const id of viewportIds()) group.addViewport(id, engineId);
    const { MouseBindings } = ToolEnums;
    group.setToolActive(StackScrollTool.toolName as string, { bindings: [{ mouseButton: MouseBindings.Wheel }] });
    group.setToolActive(PanTool.toolName as string, { bindings: [{ mouseButton: MouseBindings.Auxiliary }] });
    group.setToolActive(ZoomTool.toolName as string, { bindings: [{ mouseButton: MouseBindings.Secondary }] });
    group.setToolActive(WindowLevelTool.toolName as string, { bindings: [{ mouseButton: MouseBindings.Primary }] });
  }

  function ctVolume(): Types.IImageVolume | undefined {
    return ctVolumeId.value ? cache.getVolume(ctVolumeId.value) : undefined;
  }

  function updateSlice(name: ViewportName): void {
    const item = viewport(name);
    const volume = ctVolume();
    if (!item || !volume?.imageData) return;
    const { focalPoint, viewPlaneNormal } = item.getCamera();
    if (focalPoint && viewPlaneNormal)
      slices.value = { ...slices.value, [name]: sliceOf(volume, focalPoint, viewPlaneNormal) };
  }

  function onVoiModified(event: Event): void {
    const detail = (event as CustomEvent<{ volumeId?: string; range?: Types.VOIRange }>).detail;
    if (!detail.range || (detail.volumeId && detail.volumeId !== ctVolumeId.value)) return;
    const { lower, upper } = detail.range;
    windowing.value = { width: Math.round(upper - lower), level: Math.round((upper + lower) / 2) };
  }

  /** Show a CT volume (a viewer file) in the three viewports; false when a newer request won. */
  async function showVolume(relativePath: string, what: string): Promise<boolean> {
    const mine = ++request;
    status.value = 'loading';
    progress.value = { loaded: 0, total: 0 };
    error.value = null;
    try {
      const volumeId = await loadNiftiVolume(relativePath, what, (bytes) => {
        if (mine === request) progress.value = bytes;
      });
      owned.add(volumeId);
      if (mine !== request || !engine) return false;
      await setVolumesForViewports(engine, [{ volumeId }], viewportIds());
      ctVolumeId.value = volumeId;
      showCrosshairs();
      applyWindow(windowing.value.width, windowing.value.level);
      for (const name of VIEWPORT_NAMES) updateSlice(name);
      status.value = 'ready';
      progress.value = null;
      return true;
    } catch (e) {
      if (mine !== request) return false;
      status.value = 'error';
      progress.value = null;
      error.value = e instanceof Error ? e.message : String(e);
      return false;
    }
  }

  /** Crosshairs are drawn (and draggable) once there is a volume; the Crosshairs tool puts them on the left button. */
  function showCrosshairs(): void {
    const group = ToolGroupManager.getToolGroup(toolGroupId);
    const name = CrosshairsTool.toolName as string;
    const tool = group?.getToolInstance(name) as CrosshairsTool | undefined;
    if (!group || !tool || tool.mode !== ToolEnums.ToolModes.Disabled) return;
    group.setToolPassive(name);
  }

  function applyWindow(width: number, level: number): void {
    const volumeId = ctVolumeId.value;
    if (!volumeId) return;
    for (const item of viewports()) item.setProperties({ voiRange: windowRange(width, level) }, volumeId);
    windowing.value = { width, level };
    render();
  }

  function setPrimaryTool(tool: PrimaryTool): void {
    const group = ToolGroupManager.getToolGroup(toolGroupId);
    if (!group || tool === primaryTool.value) return;
    group.setToolPassive(toolNameOf(primaryTool.value));
    group.setToolActive(toolNameOf(tool), { bindings: [{ mouseButton: ToolEnums.MouseBindings.Primary }] });
    primaryTool.value = tool;
  }

  /** Centre the three viewports (and the crosshairs) on a point in cornerstone's world (LPS, mm). */
  function jumpTo(worldLps: Vec3): void {
    const group = ToolGroupManager.getToolGroup(toolGroupId);
    const crosshairs = group?.getToolInstance(CrosshairsTool.toolName as string) as CrosshairsTool | undefined;
    for (const item of viewports()) item.jumpToWorld(worldLps);
    if (crosshairs && crosshairs.mode !== ToolEnums.ToolModes.Disabled) crosshairs.setToolCenter(worldLps);
    render();
    for (const name of VIEWPORT_NAMES) updateSlice(name);
  }

  function readProbe(name: ViewportName, element: HTMLDivElement, event: MouseEvent): void {
    const item = viewport(name);
    const volume = ctVolume();
    if (!item || !volume?.imageData) return;
    const rect = element.getBoundingClientRect();
    const world = item.canvasToWorld([event.clientX - rect.left, event.clientY - rect.top]);
    const voxel = voxelAt(volume, world);
    probe.value = voxel ? { viewport: name, value: valueAt(volume, voxel), voxel, worldRas: lpsToRas(world) } : null;
  }

  /** Keep a volume loaded by another part of the page released with the viewer. */
  function adopt(volumeId: string): void {
    owned.add(volumeId);
  }

  function dispose(): void {
    request += 1;
    for (const cleanup of cleanups.splice(0)) cleanup();
    if (ToolGroupManager.getToolGroup(toolGroupId)) ToolGroupManager.destroyToolGroup(toolGroupId);
    engine?.destroy();
    engine = null;
    for (const volumeId of owned) releaseVolume(volumeId);
    owned.clear();
    ctVolumeId.value = null;
  }

  return {
    status,
    progress,
    error,
    primaryTool,
    probe,
    windowing,
    slices,
    viewports,
    engine: () => engine,
    mount,
    showVolume,
    applyWindow,
    setPrimaryTool,
    jumpTo,
    render,
    adopt,
    dispose,
  };
}

export type MprViewer = ReturnType<typeof useMprViewer>;
