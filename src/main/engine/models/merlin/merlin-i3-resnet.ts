/**
 * Merlin's `encode_image.i3_resnet`: the shared I3D ResNet (stem, layer1..layer4,
 * contrastive_head; see ../ctvlm/i3-resnet.ts, whose names and maths Merlin's i3res.py matches)
 * plus `classifier`, a 1x1x1 Conv3d from the pooled features to the phecode logits (Merlin's "ehr"
 * output), beside `contrastive_head`. Input: Merlin's (B, 1, X, Y, Z) volume.
 */
import { Conv3d } from '../../layers/conv3d';
import { SeedSequence } from '../../layers/init';
import { globalAvgPool3d } from '../../layers/pooling';
import { tf, type Tensor } from '../../tf';
import { I3ResNet } from '../ctvlm/i3-resnet';
import type { MerlinConfig } from './merlin-config';
import { MERLIN_INPUT_CHANNELS, merlinVolumeToNdhwc } from './merlin-volume-layout';

export class MerlinI3ResNet extends I3ResNet {
  constructor(config: MerlinConfig['image'], embedDim: number, seed: number) {
    const { stemChannels, widths, blocks } = config;
    super({ inputChannels: MERLIN_INPUT_CHANNELS, stemChannels, widths, blocks }, embedDim, seed);
    const seeds = new SeedSequence(seed + 1);
    this.registerModule('classifier', new Conv3d(this.featureChannels, config.classes, 1, { seed: seeds.take() }));
  }

  /** volume [B, 1, X, Y, Z] -> contrastive embedding [B, embedDim] (not normalised). */
  embedVolume(volume: Tensor): Tensor {
    return tf.tidy(() => this.apply(merlinVolumeToNdhwc(volume)));
  }

  /** volume [B, 1, X, Y, Z] -> layer4's output [B, Z/16, X/32, Y/32, 2048] (rounded up; for Grad-CAM). */
  volumeFeatures(volume: Tensor): Tensor {
    return tf.tidy(() => this.features(merlinVolumeToNdhwc(volume)));
  }

  /** volume [B, 1, X, Y, Z] -> phecode logits [B, classes] (Merlin's ehr output, before the sigmoid). */
  classify(volume: Tensor): Tensor {
    return tf.tidy(() => {
      const features = this.volumeFeatures(volume);
      const [batch = -1] = features.shape;
      const pooled = tf.reshape(globalAvgPool3d(features), [batch, 1, 1, 1, this.featureChannels]);
      const logits = this.layer('classifier').apply(pooled);
      return tf.reshape(logits, [batch, logits.shape[4] ?? -1]);
    });
  }
}
