/**
 * The paint layers of a chest study, in drawing order: body wall, lungs filling the thoracic
 * cavity (denser posteriorly), emphysema, the diaphragm domes, mediastinum, heart, great
 * vessels and airways, lung vessels, the skeleton, then effusion and nodule.
 */
import { bodyWallLayers, ribLayers, spineLayers } from './body-frame-layers';
import type { PaintLayer } from './paint-canvas';
import { effusionShape } from './pleural-effusion-geometry';
import { cavityExtent } from './sample-body-frame';
import { growEllipsoid, sphere } from './shape-builders';
import { type ChestStudyPlan, findingOf } from './study-plan';
import { TISSUE } from './tissue-labels';

const { lung, lungVessel, mediastinalFat, liver, spleen, heart, vessel, airway, muscle } = TISSUE;

export function chestScene(plan: ChestStudyPlan): PaintLayer[] {
  const a = plan.anatomy;
  const hu = a.hu;
  const cavity = cavityExtent(a.body);
  const lungHu = (_x: number, y: number): number =>
    hu.lung + hu.lungDependentRise * Math.min(1, Math.max(0, (cavity.cy - y) / cavity.post));
  const heartShape = findingOf(plan, 'cardiomegaly')?.heart ?? a.heart;
  const emphysema = findingOf(plan, 'emphysema');

  const layers: PaintLayer[] = [
    ...bodyWallLayers(
      a.body,
      { subcutaneousFat: hu.subcutaneousFat, muscle: hu.muscle, cavity: hu.mediastinalFat },
      mediastinalFat,
    ),
    ...a.paraspinals.map((shape) => ({ shape, hu: hu.muscle, tissue: muscle })),
    { shape: a.lungs.right, hu: lungHu, tissue: lung, onlyOver: [mediastinalFat], edgeMm: 1.5 },
    { shape: a.lungs.left, hu: lungHu, tissue: lung, onlyOver: [mediastinalFat], edgeMm: 1.5 },
    ...(emphysema?.patches ?? []).map((patch) => ({
      shape: sphere(patch.centre, patch.radiusMm),
      hu: emphysema?.hu ?? -960,
      tissue: lung,
      onlyOver: [lung],
      edgeMm: 1.5,
    })),
    { shape: a.domes.right, hu: hu.liver, tissue: liver, onlyOver: [lung, mediastinalFat], edgeMm: 2 },
    { shape: a.domes.left, hu: hu.upperAbdomen, tissue: spleen, onlyOver: [lung, mediastinalFat], edgeMm: 2 },
    { shape: a.domes.gastricBubble, hu: -1000, tissue: TISSUE.bowelGas, onlyOver: [spleen], edgeMm: 1 },
    { shape: a.mediastinum, hu: hu.mediastinalFat, tissue: mediastinalFat, onlyOver: [lung], edgeMm: 2 },
    {
      shape: growEllipsoid(heartShape, a.pericardialFatMm),
      hu: hu.mediastinalFat,
      tissue: mediastinalFat,
      onlyOver: [lung, mediastinalFat, liver, spleen],
      edgeMm: 1,
    },
    { shape: heartShape, hu: hu.heart, tissue: heart, onlyOver: [lung, mediastinalFat, liver, spleen], edgeMm: 1 },
    ...a.greatVessels.map((shape) => ({
      shape,
      hu: hu.blood,
      tissue: vessel,
      onlyOver: [lung, mediastinalFat, heart],
    })),
    { shape: a.esophagus, hu: hu.muscle - 5, tissue: muscle, onlyOver: [lung, mediastinalFat] },
    ...a.airways.walls.map((shape) => ({
      shape,
      hu: hu.airwayWall,
      tissue: airway,
      onlyOver: [lung, mediastinalFat, vessel, muscle],
    })),
    ...a.airways.lumens.map((shape) => ({ shape, hu: -1000, tissue: airway, onlyOver: [airway] })),
    ...a.lungVessels.map((shape) => ({ shape, hu: hu.blood, tissue: lungVessel, onlyOver: [lung] })),
    ...spineLayers(a.spine, hu, [-200, 200]),
    ...ribLayers(a.ribs, hu),
    { shape: a.sternum.outer, hu: hu.cortical * 0.7, tissue: TISSUE.bone },
    { shape: a.sternum.inner, hu: hu.cancellous, tissue: TISSUE.bone },
  ];

  const effusion = findingOf(plan, 'pleural_effusion');
  for (const side of ['right', 'left'] as const) {
    const shape = effusion ? effusionShape(effusion, side) : null;
    if (!effusion || !shape) continue;
    layers.push({ shape, hu: effusion.hu, tissue: TISSUE.fluid, onlyOver: [lung, lungVessel], edgeMm: 1 });
  }
  const nodule = findingOf(plan, 'lung_nodule');
  if (nodule) {
    layers.push({
      shape: sphere(nodule.centre, nodule.diameterMm / 2, nodule.wobble),
      hu: nodule.hu,
      tissue: TISSUE.lungNodule,
      onlyOver: [lung, lungVessel],
      edgeMm: 0.5,
    });
  }
  return layers;
}
