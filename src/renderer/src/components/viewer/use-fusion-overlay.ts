/**
 * A Grad-CAM map fused over the CT in the viewer's three viewports: a second volume with a
 * colormap, an overall opacity, and a threshold below which the map is transparent (the map is
 * normalised to 1 at its peak, so its values run from 0 to 1).
 */
import { ref, shallowRef, watch } from 'vue';
import { DEFAULT_OVERLAY_COLORMAP, type OverlayColormap } from './overlay-colormaps';
import { loadNiftiVolume, type LoadProgress } from './nifti-volumes';
import type { MprViewer } from './use-mpr-viewer';

interface OpacityScaledActor {
  getProperty(): { setScalarOpacityUnitDistance(index: number, distance: number): void };
}

/**
 * vtk.js treats a volume's opacity as per unit distance along the ray (1 mm by default), and an
 * MPR view samples a slab only MINIMUM_SLAB_THICKNESS (0.05 mm) thick, so an opacity of 0.5 showed
 * as a faint tint. Measured here (SwiftShader), a unit of 0.075 mm shows opacities up to about 0.5
 * as they say; above that the map is drawn nearly opaque.
 */
const OPACITY_UNIT_DISTANCE_MM = 0.075;

function literalOpacity(actor: unknown): void {
  const volume = actor as Partial<OpacityScaledActor> | undefined;
  volume?.getProperty?.().setScalarOpacityUnitDistance(0, OPACITY_UNIT_DISTANCE_MM);
}

export function useFusionOverlay(viewer: MprViewer) {
  const volumeId = shallowRef<string | null>(null);
  const colormap = ref<OverlayColormap>(DEFAULT_OVERLAY_COLORMAP);
  const opacity = ref(0.4);
  const threshold = ref(0.2);
  const loading = ref(false);
  const progress = ref<LoadProgress | null>(null);
  const error = ref<string | null>(null);
  let request = 0;

  function applyStyle(): void {
    const id = volumeId.value;
    if (!id) return;
    for (const viewport of viewer.viewports()) {
      viewport.setProperties(
        {
          voiRange: { lower: 0, upper: 1 },
          colormap: { name: colormap.value, opacity: opacity.value, threshold: threshold.value },
        },
        id,
      );
    }
    viewer.render();
  }

  function removeActors(): void {
    const id = volumeId.value;
    if (!id) return;
    for (const viewport of viewer.viewports()) {
      if (viewport.getActor(id)) viewport.removeVolumeActors([id]);
    }
    volumeId.value = null;
    viewer.render();
  }

  /** Overlay a map (a viewer file); the CT must already be shown on the map's grid. False when superseded or failed. */
  async function show(relativePath: string, what: string): Promise<boolean> {
    const mine = ++request;
    loading.value = true;
    error.value = null;
    progress.value = { loaded: 0, total: 0 };
    try {
      const id = await loadNiftiVolume(relativePath, what, (bytes) => {
        if (mine === request) progress.value = bytes;
      });
      viewer.adopt(id);
      if (mine !== request) return false;
      removeActors();
      // addVolumes hides an actor unless told otherwise; its uid is the volume id so removal finds it.
      await Promise.all(
        viewer.viewports().map((viewport) => viewport.addVolumes([{ volumeId: id, actorUID: id, visibility: true }])),
      );
      volumeId.value = id;
      for (const viewport of viewer.viewports()) literalOpacity(viewport.getActor(id)?.actor);
      applyStyle();
      return true;
    } catch (e) {
      if (mine === request) error.value = e instanceof Error ? e.message : String(e);
      return false;
    } finally {
      if (mine === request) {
        loading.value = false;
        progress.value = null;
      }
    }
  }

  function hide(): void {
    request += 1;
    loading.value = false;
    progress.value = null;
    removeActors();
  }

  watch([colormap, opacity, threshold], applyStyle);

  return { volumeId, colormap, opacity, threshold, loading, progress, error, show, hide, applyStyle };
}

export type FusionOverlay = ReturnType<typeof useFusionOverlay>;
