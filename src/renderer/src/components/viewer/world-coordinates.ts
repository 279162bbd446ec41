/** NIfTI world coordinates are RAS; cornerstone3D's are LPS (x and y flip sign). */
export type Vec3 = [number, number, number];

export function rasToLps([x, y, z]: readonly [number, number, number]): Vec3 {
  return [-x, -y, z];
}

export function lpsToRas([x, y, z]: readonly [number, number, number]): Vec3 {
  return [-x, -y, z];
}
