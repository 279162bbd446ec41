/**
 * CTViT, CT-CLIP's image encoder (transformer_maskgit ctvit.py), with the reference's member
 * names: `to_patch_emb` (3D patches → tokens [b, t, h, w, dim]), `spatial_rel_pos_bias`,
 * `enc_spatial_transformer` over each slab's (h·w) tokens, `enc_temporal_transformer` over each
 * (h, w) position's t tokens, and `vq`, the codebook lookup CT-CLIP's latents go through.
 * `to_patch_emb_first_frame`, `to_pixels_first_frame` and `to_pixels` belong to the VQ-VAE
 * decoder side: CT-CLIP never runs them, but they are in its state dict, so they are here (and
 * frozen) for a key-for-key load.
 *
 * Input: channels-last volumes [N, D, H, W, C], D the axial slices (CT-CLIP: 240 x 480 x 480,
 * a 24 x 24 x 24 token grid).
 */
import { BugError } from '../../../../shared/errors';
import { SeedSequence } from '../../layers/init';
import { Linear } from '../../layers/linear';
import { Module } from '../../module';
import { tf, type Tensor } from '../../tf';
import { ContinuousPositionBias } from './continuous-position-bias';
import type { CtClipImageConfig } from './ctclip-config';
import { CtVitTransformer } from './ctvit-transformer';
import { PatchEmbedding } from './patch-embedding';
import type { VideoShape } from './peg';
import { VectorQuantize } from './vector-quantize';

/** The reference's nn.Sequential(Linear, Rearrange): key `0`. Decoder side, never run here. */
class PixelHead extends Module {
  constructor(dim: number, out: number, seed: number) {
    super();
    this.registerModule('0', new Linear(dim, out, { seed }));
  }
}

export class CtVit extends Module {
  readonly spatial_rel_pos_bias: ContinuousPositionBias;
  readonly to_patch_emb_first_frame: PatchEmbedding;
  readonly to_patch_emb: PatchEmbedding;
  readonly enc_spatial_transformer: CtVitTransformer;
  readonly enc_temporal_transformer: CtVitTransformer;
  readonly vq: VectorQuantize;

  constructor(
    readonly config: CtClipImageConfig,
    seed: number,
  ) {
    super();
    const seeds = new SeedSequence(seed);
    const { dim, heads, channels, patchSize, temporalPatchSize } = config;
    const frameDim = channels * patchSize * patchSize;
    this.spatial_rel_pos_bias = this.registerModule(
      'spatial_rel_pos_bias',
      new ContinuousPositionBias(dim, heads, config.positionBiasLayers, seeds.take()),
    );
    this.to_patch_emb_first_frame = this.registerModule(
      'to_patch_emb_first_frame',
      new PatchEmbedding({ channels, temporal: 1, height: patchSize, width: patchSize }, dim, seeds.take()),
    );
    this.to_patch_emb = this.registerModule(
      'to_patch_emb',
      new PatchEmbedding(
        { channels, temporal: temporalPatchSize, height: patchSize, width: patchSize },
        dim,
        seeds.take(),
      ),
    );
    this.enc_spatial_transformer = this.registerModule(
      'enc_spatial_transformer',
      new CtVitTransformer(config, config.spatialDepth, seeds.take()),
    );
    this.enc_temporal_transformer = this.registerModule(
      'enc_temporal_transformer',
      new CtVitTransformer(config, config.temporalDepth, seeds.take()),
    );
    this.vq = this.registerModule('vq', new VectorQuantize(dim, config.codebookSize, seeds.take()));
    this.registerModule('to_pixels_first_frame', new PixelHead(dim, frameDim, seeds.take()));
    this.registerModule('to_pixels', new PixelHead(dim, frameDim * temporalPatchSize, seeds.take()));
  }

  /** Volumes [N, D, H, W, C] -> quantised tokens [N, t, h, w, dim] (what CT-CLIP pools). */
  apply(volumes: Tensor): Tensor {
    return tf.tidy(() => this.vq.apply(this.encode(volumes)));
  }

  /** Volumes [N, D, H, W, C] -> encoded tokens before the codebook lookup, [N, t, h, w, dim]. */
  encode(volumes: Tensor): Tensor {
    const { imageSize } = this.config;
    if (volumes.shape[2] !== imageSize || volumes.shape[3] !== imageSize) {
      throw new BugError(`CTViT was built for ${imageSize} x ${imageSize} slices, got [${volumes.shape.join(', ')}].`);
    }
    return tf.tidy(() => {
      const tokens = this.to_patch_emb.apply(volumes);
      const [b = 0, t = 0, h = 0, w = 0, d = 0] = tokens.shape;
      const videoShape: VideoShape = [b, t, h, w];
      const bias = this.spatial_rel_pos_bias.apply(h, w);
      const spatial = this.enc_spatial_transformer.apply(tf.reshape(tokens, [b * t, h * w, d]), videoShape, bias);
      // (b t) (h w) d -> (b h w) t d
      const byPosition = tf.transpose(tf.reshape(spatial, [b, t, h * w, d]), [0, 2, 1, 3]);
      const temporal = this.enc_temporal_transformer.apply(tf.reshape(byPosition, [b * h * w, t, d]), videoShape);
      // (b h w) t d -> b t h w d
      const back = tf.transpose(tf.reshape(temporal, [b, h * w, t, d]), [0, 2, 1, 3]);
      return tf.reshape(back, [b, t, h, w, d]);
    });
  }
}
