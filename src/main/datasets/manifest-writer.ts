/** Write a manifest CSV that readManifest reads back: every field quoted, quotes doubled. */
export function formatManifest(header: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const quote = (field: string): string => `"${field.replace(/"/g, '""')}"`;
  return `${[header, ...rows].map((row) => row.map(quote).join(',')).join('\n')}\n`;
}
