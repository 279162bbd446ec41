"""
Builds a small random CT-CLIP (tools/parity/ctclip_reference.py) with every parameter and buffer
randomised (seeded), runs it on a seeded small volume and token ids, and writes the parity fixture
that tests/main/engine/models/ctclip/ctclip-parity.test.ts checks the TypeScript model against:

  tests/fixtures/parity/ctclip-small/
    config.json           the model config in the TypeScript config's naming, plus provenance
    model.safetensors     the state dict, key for key as CTCLIP.state_dict() (with the stale
                          text_transformer.embeddings.position_ids buffer real checkpoints carry)
    io.safetensors        inputs (volume, input_ids, attention_mask) and expected outputs

Run from the repository root with a Python that has torch (no einops or safetensors needed):
  /usr/bin/python3 tools/parity/make_ctclip_fixture.py
"""

import json
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ctclip_reference import CTCLIP, CTViT, BertModel  # noqa: E402
from fixture_io import numpy_of, seeded, write_safetensors  # noqa: E402

OUT = os.path.join("tests", "fixtures", "parity", "ctclip-small")
SEED = 20241123
FRAMES = 6
BATCH = 2
TOKENS = 8
# The smallest gap between the best and second-best codebook similarity of any token must exceed
# this, so float rounding differences cannot flip a codebook choice (the lookup is an argmax).
MIN_VQ_MARGIN = 1e-3

CONFIG = {
    "name": "ctclip-parity-small",
    "image": {
        "dim": 16,
        "codebookSize": 32,
        "imageSize": 12,
        "patchSize": 4,
        "temporalPatchSize": 2,
        "spatialDepth": 2,
        "temporalDepth": 2,
        "dimHead": 8,
        "heads": 2,
        "channels": 1,
    },
    "text": {
        "vocabSize": 64,
        "hiddenSize": 16,
        "layers": 2,
        "heads": 2,
        "intermediateSize": 32,
        "maxPositions": 16,
    },
    "latentDim": 8,
}


def build(config):
    image, text = config["image"], config["text"]
    grid = image["imageSize"] // image["patchSize"]
    vit = CTViT(
        dim=image["dim"],
        codebook_size=image["codebookSize"],
        image_size=image["imageSize"],
        patch_size=image["patchSize"],
        temporal_patch_size=image["temporalPatchSize"],
        spatial_depth=image["spatialDepth"],
        temporal_depth=image["temporalDepth"],
        dim_head=image["dimHead"],
        heads=image["heads"],
        channels=image["channels"],
    )
    bert = BertModel(
        text["vocabSize"], text["hiddenSize"], text["layers"], text["heads"], text["intermediateSize"], text["maxPositions"]
    )
    return CTCLIP(vit, bert, grid * grid * image["dim"], text["hiddenSize"], config["latentDim"])


def randomise(model, generator):
    """Every float tensor gets values no default would have, so a swapped or unused key shows."""
    with torch.no_grad():
        for name, tensor in list(model.named_parameters()) + list(model.named_buffers()):
            if not tensor.is_floating_point() or tensor.numel() == 0 or name.endswith("initted"):
                continue
            noise = torch.randn(tensor.shape, generator=generator)
            leaf = name.rsplit(".", 1)[-1]
            if name.endswith("_codebook.embed"):
                rows = torch.nn.functional.normalize(noise, dim=-1)
                scale = 0.8 + 0.4 * torch.rand(tensor.shape[:-1] + (1,), generator=generator)
                tensor.copy_(rows * scale)  # not unit norm: the lookup must return the raw rows
            elif name.endswith("cluster_size"):
                tensor.copy_(noise.abs() * 3)
            elif leaf in ("gamma", "q_scale", "k_scale") or (leaf == "weight" and tensor.ndim == 1):
                tensor.copy_(1 + 0.2 * noise)
            elif leaf in ("beta", "bias"):
                tensor.copy_(0.1 * noise)
            elif name == "temperature":
                tensor.copy_(torch.tensor(0.7))
            else:
                fan_in = tensor[0].numel() if tensor.ndim > 1 else tensor.numel()
                tensor.copy_(noise / np.sqrt(max(fan_in, 1)))


def main():
    generator = seeded(SEED)
    model = build(CONFIG)
    randomise(model, generator)
    model.eval()

    image = CONFIG["image"]
    volume = torch.randn((BATCH, image["channels"], FRAMES, image["imageSize"], image["imageSize"]), generator=generator)
    input_ids = torch.randint(1, CONFIG["text"]["vocabSize"], (BATCH, TOKENS), generator=generator)
    attention_mask = torch.ones((BATCH, TOKENS), dtype=torch.int64)
    attention_mask[1, 5:] = 0  # the second report is padded
    input_ids[1, 5:] = 0

    with torch.no_grad():
        quantized, encoded, indices, dist = model.visual_transformer(volume, return_intermediates=True)
        top2 = dist.topk(2, dim=-1).values
        margin = float((top2[..., 0] - top2[..., 1]).min())
        if margin < MIN_VQ_MARGIN:
            raise SystemExit(f"A codebook choice is a near tie (margin {margin:.2e}): pick another SEED.")
        image_latents = model.encode_image(volume)
        text_latents = model.encode_text(input_ids, attention_mask)
        logits = model.logits(image_latents, text_latents)

    os.makedirs(OUT, exist_ok=True)
    state = {name: numpy_of(value) for name, value in model.state_dict().items()}
    write_safetensors(os.path.join(OUT, "model.safetensors"), state, {"format": "pt"}, sort_names=True)
    # The volume as the TypeScript model takes it: [N, D, H, W, C] (channels last).
    volume_ndhwc = volume.permute(0, 2, 3, 4, 1).contiguous()
    write_safetensors(
        os.path.join(OUT, "io.safetensors"),
        {
            "volume": numpy_of(volume_ndhwc),
            "input_ids": numpy_of(input_ids),
            "attention_mask": numpy_of(attention_mask),
            "encoded_tokens": numpy_of(encoded),
            "codebook_indices": numpy_of(indices),
            "quantized_tokens": numpy_of(quantized),
            "image_latents": numpy_of(image_latents),
            "text_latents": numpy_of(text_latents),
            "logits": numpy_of(logits),
        },
        sort_names=True,
    )
    with open(os.path.join(OUT, "config.json"), "w") as handle:
        json.dump(
            {
                "config": CONFIG,
                "frames": FRAMES,
                "seed": SEED,
                "minCodebookMargin": margin,
                "torch": torch.__version__,
                "staleKeys": ["text_transformer.embeddings.position_ids"],
            },
            handle,
            indent=2,
        )
        handle.write("\n")
    total = sum(os.path.getsize(os.path.join(OUT, f)) for f in os.listdir(OUT))
    print(f"wrote {OUT}: {len(state)} state-dict keys, {total} bytes, codebook margin {margin:.3e}")


if __name__ == "__main__":
    main()
