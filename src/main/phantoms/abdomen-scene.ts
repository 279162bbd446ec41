/**
 * The paint layers of an abdominal study, in drawing order: body wall, muscles, lung bases,
 * bowel and stomach, then solid organs and vessels over them, the skeleton, and the findings
 * last (steatosis and splenomegaly change the liver's HU and the spleen's shape).
 */
import type { HollowOrganSpec } from './abdomen-plan-types';
import { bodyWallLayers, ribLayers, spineLayers } from './body-frame-layers';
import type { PaintLayer } from './paint-canvas';
import { OPEN } from './shape-spec';
import { growShape, sphere } from './shape-builders';
import { type AbdomenStudyPlan, findingOf } from './study-plan';
import { type Tissue, TISSUE } from './tissue-labels';

const { visceralFat, bowel, bowelGas, stomach, lung, liver, spleen, kidney, hepaticVessel, liverMass } = TISSUE;
/** What solid organs may be drawn over: the cavity's fat and the hollow organs they push aside. */
const SOFT: readonly Tissue[] = [visceralFat, bowel, bowelGas, stomach, lung];

export function abdomenScene(plan: AbdomenStudyPlan): PaintLayer[] {
  const a = plan.anatomy;
  const hu = a.hu;
  const liverHu = findingOf(plan, 'steatosis')?.liverHu ?? hu.liver;
  const spleenShape = findingOf(plan, 'splenomegaly')?.spleen ?? a.spleen;
  const layers: PaintLayer[] = [
    ...bodyWallLayers(
      a.body,
      { subcutaneousFat: hu.subcutaneousFat, muscle: hu.muscle, cavity: hu.visceralFat },
      visceralFat,
    ),
    ...a.paraspinals.map((shape) => ({ shape, hu: hu.muscle, tissue: TISSUE.muscle })),
    ...a.psoas.map((shape) => ({ shape, hu: hu.muscle, tissue: TISSUE.muscle, onlyOver: [visceralFat] })),
    ...a.lungBases.map((shape) => ({ shape, hu: hu.lung, tissue: lung, onlyOver: [visceralFat], edgeMm: 1.5 })),
    ...a.bowel.flatMap((organ) => hollowOrganLayers(organ, hu.bowelWall, bowel)),
    ...hollowOrganLayers(a.stomach, hu.bowelWall, stomach),
    { shape: a.liver.rightLobe, hu: liverHu, tissue: liver, onlyOver: SOFT, edgeMm: 1.5 },
    { shape: a.liver.leftLobe, hu: liverHu, tissue: liver, onlyOver: SOFT, edgeMm: 1.5 },
    ...a.hepaticVeins.map((shape) => ({ shape, hu: hu.hepaticVein, tissue: hepaticVessel, onlyOver: [liver] })),
    ...a.portalVeins.map((shape, i) => ({
      shape,
      hu: hu.portalVein,
      tissue: hepaticVessel,
      onlyOver: i === 0 ? [...SOFT, liver] : [liver],
    })),
    ...a.pancreas.map((shape) => ({ shape, hu: hu.pancreas, tissue: TISSUE.pancreas, onlyOver: SOFT, edgeMm: 2 })),
    ...a.kidneys.flatMap((k): PaintLayer[] => [
      { shape: k.cortex, hu: hu.kidneyCortex, tissue: kidney, onlyOver: [...SOFT, liver, TISSUE.pancreas] },
      { shape: k.medulla, hu: hu.kidneyMedulla, tissue: kidney, onlyOver: [kidney], edgeMm: 3 },
      { shape: k.sinus, hu: hu.renalSinus, tissue: TISSUE.renalSinus, onlyOver: [kidney], edgeMm: 2 },
    ]),
    // After the kidneys: an enlarged spleen pushes down over the left kidney's upper pole.
    {
      shape: spleenShape,
      hu: hu.spleen,
      tissue: spleen,
      onlyOver: [...SOFT, kidney, TISSUE.renalSinus, TISSUE.pancreas],
      edgeMm: 1,
    },
    { shape: a.ivc, hu: hu.ivc, tissue: TISSUE.vessel },
    { shape: a.aorta, hu: hu.aorta, tissue: TISSUE.vessel },
    ...a.iliacArteries.map((shape) => ({ shape, hu: hu.aorta, tissue: TISSUE.vessel })),
    ...spineLayers(a.spine, hu, [-200, 200]),
    ...ribLayers(a.ribs, hu),
    ...a.pelvicBones.flatMap((bone): PaintLayer[] => [
      { shape: bone.outer, hu: hu.cortical * 0.65, tissue: TISSUE.bone },
      { shape: bone.inner, hu: hu.cancellous, tissue: TISSUE.bone },
    ]),
  ];

  const mass = findingOf(plan, 'liver_mass');
  if (mass) {
    const radius = mass.diameterCm * 5;
    const body = sphere(mass.centre, radius, mass.wobble);
    const inLiver = [liver, hepaticVessel];
    if (mass.capsule) {
      layers.push({ shape: growShape(body, 2.5), hu: mass.capsuleHu, tissue: liverMass, onlyOver: inLiver, edgeMm: 1 });
    }
    layers.push({ shape: body, hu: mass.lesionHu, tissue: liverMass, onlyOver: [...inLiver, liverMass], edgeMm: 2 });
    if (radius > 20) {
      // Larger HCCs are heterogeneous: a darker (necrotic) core.
      layers.push({
        shape: sphere(mass.centre, radius * 0.4),
        hu: mass.lesionHu - 12,
        tissue: liverMass,
        onlyOver: [liverMass],
        edgeMm: 4,
      });
    }
  }
  const cyst = findingOf(plan, 'liver_cyst');
  if (cyst) {
    layers.push({
      shape: sphere(cyst.centre, cyst.diameterCm * 5),
      hu: cyst.hu,
      tissue: TISSUE.liverCyst,
      onlyOver: [liver, hepaticVessel],
      edgeMm: 0,
    });
  }
  const ascites = findingOf(plan, 'ascites');
  if (ascites) {
    for (const region of ascites.regions) {
      layers.push({ shape: region.shape, hu: ascites.hu, tissue: TISSUE.fluid, onlyOver: [visceralFat], edgeMm: 3 });
    }
  }
  return layers;
}

function hollowOrganLayers(organ: HollowOrganSpec, wallHu: number, tissue: Tissue): PaintLayer[] {
  const layers: PaintLayer[] = [
    { shape: organ.wall, hu: wallHu, tissue, onlyOver: [visceralFat, bowel, bowelGas, lung], edgeMm: 1 },
    { shape: organ.lumen, hu: organ.contentHu, tissue, onlyOver: [tissue], edgeMm: 1 },
  ];
  if (organ.gasAboveY !== null) {
    layers.push({
      shape: {
        kind: 'intersection',
        of: [organ.lumen, { kind: 'box', min: [-OPEN, organ.gasAboveY, -OPEN], max: [OPEN, OPEN, OPEN] }],
      },
      hu: -1000,
      tissue: bowelGas,
      onlyOver: [tissue],
      edgeMm: 1,
    });
  }
  return layers;
}
