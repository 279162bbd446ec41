import type { Migration } from '../migrate';

/** Studies remember their image's grid (dims, spacing, kind) as read at import. */
export const migration003ImageMeta: Migration = {
  version: 3,
  name: 'image-meta',
  up(db) {
    db.exec(`ALTER TABLE studies ADD COLUMN image_meta_json TEXT;`);
  },
};
