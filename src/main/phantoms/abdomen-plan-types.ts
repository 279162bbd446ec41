/** What an abdominal phantom study is made of: normal anatomy plus the findings drawn into it. */
import type { BodyWallSpec, BoneHu, RibCageSpec, SpineSpec } from './body-plan-types';
import type { CylinderSpec, EllipsoidSpec, ShapeSpec, TubeSpec, Vec3, WobbleTerm } from './shape-spec';

/** Portal venous phase attenuation of each tissue (HU, source-scanner calibration). */
export interface AbdomenHu extends BoneHu {
  subcutaneousFat: number;
  visceralFat: number;
  muscle: number;
  liver: number;
  spleen: number;
  kidneyCortex: number;
  kidneyMedulla: number;
  renalSinus: number;
  aorta: number;
  ivc: number;
  portalVein: number;
  hepaticVein: number;
  pancreas: number;
  bowelWall: number;
  lung: number;
}

/** A hollow organ: wall, lumen with content, and gas above a level (supine: gas rises anteriorly). */
export interface HollowOrganSpec {
  wall: ShapeSpec;
  lumen: ShapeSpec;
  contentHu: number;
  /** Lumen above this y (mm) holds gas; null for none. */
  gasAboveY: number | null;
}

export interface KidneySpec {
  side: 'right' | 'left';
  cortex: EllipsoidSpec;
  medulla: EllipsoidSpec;
  sinus: EllipsoidSpec;
}

export interface AbdomenAnatomy {
  hu: AbdomenHu;
  body: BodyWallSpec;
  spine: SpineSpec;
  ribs: RibCageSpec;
  paraspinals: CylinderSpec[];
  psoas: CylinderSpec[];
  lungBases: EllipsoidSpec[];
  liver: { rightLobe: EllipsoidSpec; leftLobe: EllipsoidSpec };
  hepaticVeins: TubeSpec[];
  portalVeins: TubeSpec[];
  /** The normal spleen (splenomegaly replaces it) and its craniocaudal length. */
  spleen: EllipsoidSpec;
  spleenLengthCm: number;
  kidneys: KidneySpec[];
  aorta: CylinderSpec;
  iliacArteries: TubeSpec[];
  ivc: CylinderSpec;
  pancreas: TubeSpec[];
  stomach: HollowOrganSpec;
  bowel: HollowOrganSpec[];
  pelvicBones: Array<{ outer: EllipsoidSpec; inner: EllipsoidSpec }>;
}

export type CouinaudSegment = 'I' | 'II' | 'III' | 'IVa' | 'IVb' | 'V' | 'VI' | 'VII' | 'VIII';

/** HCC-like mass, portal venous phase: washout (hypo) or iso-attenuating with an enhancing capsule. */
export interface LiverMassFinding {
  name: 'liver_mass';
  centre: Vec3;
  diameterCm: number;
  segment: CouinaudSegment;
  /** Relative to the liver it sits in (steatosis included): hypo is at least 10 HU below it. */
  attenuation: 'hypo' | 'iso';
  lesionHu: number;
  capsule: boolean;
  capsuleHu: number;
  wobble: WobbleTerm[];
}

export interface LiverCystFinding {
  name: 'liver_cyst';
  centre: Vec3;
  diameterCm: number;
  segment: CouinaudSegment;
  hu: number;
}

export interface SteatosisFinding {
  name: 'steatosis';
  /** Attenuation of the fatty liver (HU, below the spleen's). */
  liverHu: number;
  severity: 'mild' | 'moderate' | 'severe';
}

export interface SplenomegalyFinding {
  name: 'splenomegaly';
  /** The enlarged spleen drawn instead of the normal one. */
  spleen: EllipsoidSpec;
  lengthCm: number;
}

export type AscitesSite = 'perihepatic' | 'perisplenic' | 'right paracolic' | 'left paracolic' | 'pelvic';

export interface AscitesFinding {
  name: 'ascites';
  amount: 'small' | 'moderate' | 'large';
  hu: number;
  /** Fluid fills the intraperitoneal fat inside each of these shapes. */
  regions: Array<{ site: AscitesSite; shape: ShapeSpec }>;
}

export type AbdomenFinding =
  LiverMassFinding | LiverCystFinding | SteatosisFinding | SplenomegalyFinding | AscitesFinding;
