/**
 * DICOM files for reader tests, made from the real head CT series. dicom-parser only reads, so
 * variants are made by patching element bytes in place (same length) or by re-encoding a file's
 * elements (explicit or implicit VR little endian) with some of them replaced.
 */
import fs from 'node:fs';
import path from 'node:path';
import dicomParser from 'dicom-parser';
import { HEAD_DICOM } from './volume-nifti-files';

export const IMPLICIT_VR_LE = '1.2.840.10008.1.2';
export const EXPLICIT_VR_LE = '1.2.840.10008.1.2.1';

export interface DicomElement {
  vr: string;
  value: Buffer;
}

/** Copy the head CT series (54 shuffled slices) into `dest`, writable. */
export function copyHeadSeries(dest: string): string {
  fs.mkdirSync(dest, { recursive: true });
  for (const name of fs.readdirSync(HEAD_DICOM)) {
    const target = path.join(dest, name);
    fs.copyFileSync(path.join(HEAD_DICOM, name), target);
    fs.chmodSync(target, 0o644);
  }
  return dest;
}

/** The series' files from the lowest to the highest slice (ImagePositionPatient z). */
export function filesByPosition(folder: string): string[] {
  return fs
    .readdirSync(folder)
    .map((name) => {
      const dataSet = dicomParser.parseDicom(fs.readFileSync(path.join(folder, name)), { untilTag: 'x7fe00010' });
      return { file: path.join(folder, name), z: dataSet.floatString('x00200032', 2) ?? NaN };
    })
    .sort((a, b) => a.z - b.z)
    .map((entry) => entry.file);
}

/** Overwrite a string element's value in place; the new value must have the same length. */
export function patchString(file: string, tag: string, value: string): void {
  const bytes = fs.readFileSync(file);
  const element = dicomParser.parseDicom(bytes).elements[tag];
  if (!element) throw new Error(`${file} has no element ${tag}`);
  if (Buffer.byteLength(value, 'latin1') !== element.length) {
    throw new Error(`${tag} is ${element.length} bytes long; "${value}" is not`);
  }
  bytes.write(value, element.dataOffset, 'latin1');
  fs.writeFileSync(file, bytes);
}

/** A file's elements (meta group included) by tag, in tag order. */
export function readElements(file: string): Map<string, DicomElement> {
  const dataSet = dicomParser.parseDicom(fs.readFileSync(file));
  const elements = new Map<string, DicomElement>();
  for (const tag of Object.keys(dataSet.elements).sort()) {
    const element = dataSet.elements[tag];
    if (!element?.vr || element.items) throw new Error(`cannot re-encode ${tag} of ${file}`);
    const value = Buffer.from(dataSet.byteArray.subarray(element.dataOffset, element.dataOffset + element.length));
    elements.set(tag, { vr: element.vr, value });
  }
  return elements;
}

const LONG_LENGTH_VRS = new Set(['OB', 'OD', 'OF', 'OL', 'OV', 'OW', 'SQ', 'SV', 'UC', 'UN', 'UR', 'UT', 'UV']);

/** Write a Part 10 file: preamble, explicit VR meta group, then the data set in `transferSyntax`. */
export function writeDicom(file: string, elements: Map<string, DicomElement>, transferSyntax: string): void {
  const all = new Map(elements);
  all.set('x00020010', { vr: 'UI', value: uid(transferSyntax) });
  all.delete('x00020000');
  const tags = [...all.keys()].sort();
  const meta = Buffer.concat(tags.filter((t) => t.startsWith('x0002')).map((t) => encodeElement(t, all, true)));
  const groupLength = Buffer.alloc(4);
  groupLength.writeUInt32LE(meta.length);
  const implicit = transferSyntax === IMPLICIT_VR_LE;
  const body = tags.filter((t) => !t.startsWith('x0002')).map((t) => encodeElement(t, all, !implicit));
  const header = Buffer.alloc(132);
  header.write('DICM', 128, 'latin1');
  const metaLength = encodeElement('x00020000', new Map([['x00020000', { vr: 'UL', value: groupLength }]]), true);
  fs.writeFileSync(file, Buffer.concat([header, metaLength, meta, ...body]));
}

function encodeElement(tag: string, elements: Map<string, DicomElement>, explicit: boolean): Buffer {
  const element = elements.get(tag);
  if (!element) throw new Error(`no element ${tag}`);
  const { vr, value } = element;
  const head = Buffer.alloc(explicit && LONG_LENGTH_VRS.has(vr) ? 12 : 8);
  head.writeUInt16LE(parseInt(tag.slice(1, 5), 16), 0);
  head.writeUInt16LE(parseInt(tag.slice(5, 9), 16), 2);
  if (!explicit) head.writeUInt32LE(value.length, 4);
  else if (head.length === 12) {
    head.write(vr, 4, 'latin1');
    head.writeUInt32LE(value.length, 8);
  } else {
    head.write(vr, 4, 'latin1');
    head.writeUInt16LE(value.length, 6);
  }
  return Buffer.concat([head, value]);
}

/** A UI value padded to even length with a NUL. */
export function uid(value: string): Buffer {
  return Buffer.from(value.length % 2 === 1 ? `${value}\0` : value, 'latin1');
}

/** A DS/IS/CS value padded to even length with a space. */
export function text(value: string): Buffer {
  return Buffer.from(value.length % 2 === 1 ? `${value} ` : value, 'latin1');
}

export function us(value: number): Buffer {
  const bytes = Buffer.alloc(2);
  bytes.writeUInt16LE(value);
  return bytes;
}

/** Pixel data as little-endian 16-bit words. */
export function words(values: ArrayLike<number>, signed: boolean): Buffer {
  const bytes = Buffer.alloc(values.length * 2);
  for (let i = 0; i < values.length; i += 1) {
    if (signed) bytes.writeInt16LE(values[i] ?? 0, 2 * i);
    else bytes.writeUInt16LE(values[i] ?? 0, 2 * i);
  }
  return bytes;
}

/** The stored 16-bit pixel words of an element map (little endian). */
export function pixelWords(elements: Map<string, DicomElement>): Uint16Array {
  const value = elements.get('x7fe00010')?.value ?? Buffer.alloc(0);
  const out = new Uint16Array(value.length / 2);
  for (let i = 0; i < out.length; i += 1) out[i] = value.readUInt16LE(2 * i);
  return out;
}

/** Rewrite every file in a folder with `edit` applied to its elements. */
export function rewriteSeries(
  folder: string,
  transferSyntax: string,
  edit: (elements: Map<string, DicomElement>, file: string) => void = () => undefined,
): void {
  for (const name of fs.readdirSync(folder)) {
    const file = path.join(folder, name);
    const elements = readElements(file);
    edit(elements, file);
    writeDicom(file, elements, transferSyntax);
  }
}
