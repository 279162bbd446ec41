import * as nifti from 'nifti-reader-js';
import { describe, expect, it } from 'vitest';
import { UserError } from '../../../src/shared/errors';
import {
  defaultPhantomGrid,
  planCohort,
  renderPhantom,
  renderPhantomWithTissues,
  TISSUE,
  type PhantomGrid,
} from '../../../src/main/phantoms';
import { encodeNiftiGz } from '../../../src/main/volumes/nifti-writer';
import { centroid, collect, mean, median } from './volume-probes';

const SMALL: PhantomGrid = { dims: [48, 48, 32], spacingMm: [8, 8, 10] };

describe('renderPhantom', () => {
  it('gives identical bytes for the same plan and different bytes for another seed', () => {
    const [plan] = planCohort({ region: 'chest', count: 1, seed: 31, scanner: 'source' });
    const [other] = planCohort({ region: 'chest', count: 1, seed: 32, scanner: 'source' });
    if (!plan || !other) throw new Error('no plans');
    const a = renderPhantom(plan, SMALL);
    const b = renderPhantom(structuredClone(plan), SMALL);
    expect(Buffer.from(b.data.buffer).equals(Buffer.from(a.data.buffer))).toBe(true);
    const c = renderPhantom(other, SMALL);
    expect(Buffer.from(c.data.buffer).equals(Buffer.from(a.data.buffer))).toBe(false);
  });

  it('returns Int16 HU on the requested grid with a RAS+ diagonal affine centred on the origin', () => {
    const [plan] = planCohort({ region: 'abdomen', count: 1, seed: 2, scanner: 'source' });
    if (!plan) throw new Error('no plan');
    const volume = renderPhantom(plan, { dims: [40, 30, 20], spacingMm: [9, 10, 12] });
    expect(volume.data).toBeInstanceOf(Int16Array);
    expect(volume.dims).toEqual([40, 30, 20]);
    expect(volume.data.length).toBe(40 * 30 * 20);
    expect(volume.affine).toEqual([9, 0, 0, -175.5, 0, 10, 0, -145, 0, 0, 12, -114, 0, 0, 0, 1]);
    const defaults = renderPhantom(plan);
    expect(defaults.dims).toEqual(defaultPhantomGrid('abdomen', 'source').dims);
    // Air outside the body, soft tissue and bone inside.
    expect(defaults.data.reduce((a, b) => Math.min(a, b), 0)).toBeLessThan(-950);
    expect(defaults.data.reduce((a, b) => Math.max(a, b), 0)).toBeGreaterThan(500);
  });

  it('rejects grids it cannot render', () => {
    const [plan] = planCohort({ region: 'abdomen', count: 1, seed: 2, scanner: 'source' });
    if (!plan) throw new Error('no plan');
    expect(() => renderPhantom(plan, { dims: [0, 10, 10], spacingMm: [1, 1, 1] })).toThrow(UserError);
    expect(() => renderPhantom(plan, { dims: [10, 10, 10], spacingMm: [1, -1, 1] })).toThrow(UserError);
    expect(() => renderPhantom(plan, { dims: [10.5, 10, 10], spacingMm: [1, 1, 1] })).toThrow(UserError);
  });

  it('puts the liver on the patient right (+x), the spleen on the left, the spine posterior (−y)', () => {
    for (const plan of planCohort({ region: 'abdomen', count: 4, seed: 41, scanner: 'source' })) {
      const { volume, tissues } = renderPhantomWithTissues(plan);
      const liver = collect(volume, (_p, i) => tissues[i] === TISSUE.liver);
      const spleen = collect(volume, (_p, i) => tissues[i] === TISSUE.spleen);
      expect(centroid(liver.points)[0]).toBeGreaterThan(30);
      expect(centroid(spleen.points)[0]).toBeLessThan(-30);
      // The HU at those places is the organ's (liver brighter than spleen on a normal study).
      if (plan.labels.steatosis === 0) expect(median(liver.values)).toBeGreaterThan(median(spleen.values));
      // The vertebrae, found by HU alone near the midline, sit posterior.
      const vertebrae = collect(volume, (p, i) => Math.abs(p[0]) < 30 && (volume.data[i] ?? 0) > 400);
      expect(vertebrae.points.length).toBeGreaterThan(50);
      expect(centroid(vertebrae.points)[1]).toBeLessThan(-10);
    }
  });

  it('puts the heart to the patient left of the midline and the liver dome under the right lung', () => {
    for (const plan of planCohort({ region: 'chest', count: 4, seed: 43, scanner: 'source' })) {
      const { volume, tissues } = renderPhantomWithTissues(plan);
      const heart = collect(volume, (_p, i) => tissues[i] === TISSUE.heart);
      expect(centroid(heart.points)[0]).toBeLessThan(0);
      expect(mean(heart.values)).toBeGreaterThan(0);
      const liver = collect(volume, (_p, i) => tissues[i] === TISSUE.liver);
      expect(centroid(liver.points)[0]).toBeGreaterThan(0);
      const lung = collect(volume, (p, i) => tissues[i] === TISSUE.lung && p[2] > -20);
      expect(median(lung.values)).toBeLessThan(-750);
    }
  });

  it('encodes to NIfTI that an independent reader reads back voxel for voxel', () => {
    for (const region of ['abdomen', 'chest'] as const) {
      const [plan] = planCohort({ region, count: 1, seed: 51, scanner: 'second' });
      if (!plan) throw new Error('no plan');
      const volume = renderPhantom(plan);
      const bytes = encodeNiftiGz({ ...volume, description: plan.studyUid });
      let buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
      if (nifti.isCompressed(buffer)) buffer = nifti.decompress(buffer) as ArrayBuffer;
      const header = nifti.readHeader(buffer);
      if (!header) throw new Error('no header');
      expect(header.dims.slice(1, 4)).toEqual(volume.dims);
      header.affine.flat().forEach((value, i) => expect(value).toBeCloseTo(volume.affine[i] ?? NaN, 4));
      expect(new Int16Array(nifti.readImage(header, buffer))).toEqual(volume.data);
    }
  });
});
