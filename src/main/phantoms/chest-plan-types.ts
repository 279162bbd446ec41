/** What a chest phantom study is made of: normal anatomy plus the findings drawn into it. */
import type { BodyWallSpec, BoneHu, RibCageSpec, SpineSpec } from './body-plan-types';
import type { HeartFrame } from './heart-geometry';
import type { CylinderSpec, EllipsoidSpec, TubeSpec, Vec3, WobbleTerm } from './shape-spec';

/** Non-contrast chest CT attenuation of each tissue (HU, source-scanner calibration). */
export interface ChestHu extends BoneHu {
  subcutaneousFat: number;
  mediastinalFat: number;
  muscle: number;
  /** Lung parenchyma anteriorly; it rises by `lungDependentRise` towards the posterior lung. */
  lung: number;
  lungDependentRise: number;
  heart: number;
  blood: number;
  airwayWall: number;
  liver: number;
  upperAbdomen: number;
}

export interface ChestAnatomy {
  hu: ChestHu;
  body: BodyWallSpec;
  spine: SpineSpec;
  ribs: RibCageSpec;
  sternum: { outer: CylinderSpec; inner: CylinderSpec };
  paraspinals: CylinderSpec[];
  lungs: { right: EllipsoidSpec; left: EllipsoidSpec };
  /** Diaphragm domes: liver under the right, spleen and stomach under the left. */
  domes: { right: EllipsoidSpec; left: EllipsoidSpec; gastricBubble: EllipsoidSpec };
  mediastinum: CylinderSpec;
  /** The normal heart (cardiomegaly replaces it), its pericardial fat pad, and its cardiothoracic ratio. */
  heart: EllipsoidSpec;
  heartFrame: HeartFrame;
  pericardialFatMm: number;
  cardiothoracicRatio: number;
  greatVessels: TubeSpec[];
  airways: { walls: TubeSpec[]; lumens: TubeSpec[] };
  esophagus: CylinderSpec;
  lungVessels: TubeSpec[];
  /** y (mm) of the most posterior point of the pleural space, where effusions collect. */
  pleuralFloorY: number;
}

export type LungLobe =
  'right upper lobe' | 'right middle lobe' | 'right lower lobe' | 'left upper lobe' | 'lingula' | 'left lower lobe';

export interface LungNoduleFinding {
  name: 'lung_nodule';
  centre: Vec3;
  diameterMm: number;
  lobe: LungLobe;
  hu: number;
  wobble: WobbleTerm[];
}

export interface PleuralEffusionFinding {
  name: 'pleural_effusion';
  side: 'right' | 'left' | 'bilateral';
  size: 'small' | 'moderate' | 'large';
  /**
   * Fluid fills the lung on each affected side posterior to (below) this y (mm) at z = baseZ:
   * dependent, posterior. The level falls towards the back by `slope` mm per mm above baseZ, so
   * the layer thins towards the apex (see pleural-effusion-geometry.ts).
   */
  levelY: { right: number | null; left: number | null };
  baseZ: number;
  slope: number;
  hu: number;
}

export interface CardiomegalyFinding {
  name: 'cardiomegaly';
  /** The enlarged heart drawn instead of the normal one. */
  heart: EllipsoidSpec;
  cardiothoracicRatio: number;
}

export interface EmphysemaFinding {
  name: 'emphysema';
  severity: 'mild' | 'moderate' | 'severe';
  distribution: 'upper' | 'diffuse';
  hu: number;
  /** Low-attenuation spheres, drawn only where there is lung. */
  patches: Array<{ centre: Vec3; radiusMm: number }>;
}

export type ChestFinding = LungNoduleFinding | PleuralEffusionFinding | CardiomegalyFinding | EmphysemaFinding;
