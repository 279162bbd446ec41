/** Saving what the viewer shows: a blob as a download, and the viewports' canvases as one PNG. */

export function saveBlob(blob: Blob, fileName: string): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  link.style.display = 'none';
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

const GAP_PX = 4;

/** The canvases side by side on black, as PNG bytes. */
export async function compositePng(canvases: HTMLCanvasElement[]): Promise<Blob> {
  const drawn = canvases.filter((canvas) => canvas.width > 0 && canvas.height > 0);
  if (drawn.length === 0) throw new Error('There is no rendered viewport to save.');
  const width = drawn.reduce((sum, canvas) => sum + canvas.width, 0) + GAP_PX * (drawn.length - 1);
  const height = Math.max(...drawn.map((canvas) => canvas.height));
  const output = document.createElement('canvas');
  output.width = width;
  output.height = height;
  const context = output.getContext('2d');
  if (!context) throw new Error('This browser cannot compose the PNG (no 2D canvas).');
  context.fillStyle = '#000';
  context.fillRect(0, 0, width, height);
  let x = 0;
  for (const canvas of drawn) {
    context.drawImage(canvas, x, 0);
    x += canvas.width + GAP_PX;
  }
  return new Promise((resolve, reject) => {
    output.toBlob((blob) => (blob ? resolve(blob) : reject(new Error('The PNG could not be encoded.'))), 'image/png');
  });
}
