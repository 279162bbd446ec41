/**
 * Keys a released CT-CLIP checkpoint carries that are not model state here. CT-CLIP_v2.pt was
 * saved with transformers < 4.31, whose BertEmbeddings kept `position_ids` (0..511) as a
 * persistent buffer; newer BertModel (and this model: positions are 0..T-1) has no such key, so a
 * strict load must drop it.
 */
export const CTCLIP_STALE_KEYS: readonly string[] = ['text_transformer.embeddings.position_ids'];

/** The same entries without the stale keys (a new map; values are not copied). */
export function withoutStaleCtClipKeys<T>(values: ReadonlyMap<string, T>): Map<string, T> {
  return new Map([...values].filter(([key]) => !CTCLIP_STALE_KEYS.includes(key)));
}
