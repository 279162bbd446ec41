"""
Builds a small random Merlin (tools/parity/merlin_reference.py) with every parameter and buffer
randomised (seeded; BatchNorm running statistics too, so BatchNorm is checked in eval mode), runs
it on a seeded small volume and token ids longer than the attention window, and writes the parity
fixture that tests/main/engine/models/merlin/merlin-parity.test.ts checks the TypeScript model
against:

  tests/fixtures/parity/merlin-small/
    config.json         the model config in the TypeScript config's naming, plus provenance
    model.safetensors   the state dict, key for key as Merlin(...).state_dict()
    io.safetensors      inputs (volume, input_ids, attention_mask) and expected outputs:
                        image_embedding, image_logits (the phecode classifier), text_embedding
                        (local attention only, as Merlin calls the Longformer) and
                        text_embedding_global (global attention on the first token)

Run from the repository root with a Python that has torch (no transformers or safetensors needed):
  /usr/bin/python3 tools/parity/make_merlin_fixture.py
"""

import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from merlin_reference import Merlin, LongformerSelfAttention  # noqa: E402
from fixture_io import numpy_of, seeded, write_safetensors  # noqa: E402

OUT = os.path.join("tests", "fixtures", "parity", "merlin-small")
SEED = 20241124
BATCH = 2
VOLUME_XYZ = (20, 24, 12)  # X != Y != Z, so a wrong permutation cannot pass
TOKENS = 11  # longer than the window (4), and not a multiple of it
REAL_TOKENS = (11, 8)  # the second report is padded
# Outputs must change by at least this much when the window or the global token is removed, so
# the fixture really tests both.
MIN_EFFECT = 1e-2

CONFIG = {
    "name": "merlin-parity-small",
    "image": {"stemChannels": 4, "widths": [2, 4, 4, 8], "blocks": [2, 1, 2, 1], "classes": 5},
    "text": {
        "vocabSize": 50,
        "hiddenSize": 16,
        "layers": 2,
        "heads": 2,
        "intermediateSize": 32,
        "maxPositions": 16,
        "typeVocabSize": 1,
        "attentionWindow": 4,
        "padTokenId": 1,
        "layerNormEps": 1e-5,
        "dropout": 0,
        "globalFirstToken": False,
        "maxLength": 12,
    },
    "embedDim": 8,
}


def randomise(model, generator):
    def normal(shape, std):
        return torch.randn(shape, generator=generator) * std

    def uniform(shape, low, high):
        return torch.rand(shape, generator=generator) * (high - low) + low

    with torch.no_grad():
        for name, module in model.named_modules():
            if isinstance(module, torch.nn.BatchNorm3d):
                n = module.num_features
                module.weight.copy_(uniform(n, 0.5, 1.5))
                module.bias.copy_(normal(n, 0.1))
                module.running_mean.copy_(normal(n, 0.1))
                module.running_var.copy_(uniform(n, 0.5, 1.5))
                module.num_batches_tracked.fill_(int(torch.randint(1, 1000, (1,), generator=generator)))
            elif isinstance(module, torch.nn.LayerNorm):
                module.weight.copy_(1 + normal(module.weight.shape, 0.1))
                module.bias.copy_(normal(module.bias.shape, 0.1))
            elif isinstance(module, torch.nn.Embedding):
                module.weight.copy_(normal(module.weight.shape, 0.5))
            elif isinstance(module, (torch.nn.Linear, torch.nn.Conv3d)):
                fan_in = module.weight[0].numel()
                bound = 1 / fan_in**0.5
                module.weight.copy_(uniform(module.weight.shape, -bound, bound) * 3**0.5)
                if module.bias is not None:
                    module.bias.copy_(uniform(module.bias.shape, -bound, bound))
        model.logit_scale.fill_(float(uniform(1, 0.5, 2.0)))


def max_diff(a, b):
    return float((a - b).abs().max())


def main():
    generator = seeded(SEED)
    model = Merlin(CONFIG)
    randomise(model, generator)
    model.eval()

    volume = torch.rand((BATCH, 1) + VOLUME_XYZ, generator=generator)
    vocab, pad = CONFIG["text"]["vocabSize"], CONFIG["text"]["padTokenId"]
    input_ids = torch.full((BATCH, TOKENS), pad, dtype=torch.long)
    attention_mask = torch.zeros((BATCH, TOKENS), dtype=torch.long)
    for row, real in enumerate(REAL_TOKENS):
        body = torch.randint(3, vocab, (real,), generator=generator)
        body[0], body[real - 1] = 0, 2  # <s> ... </s>
        input_ids[row, :real] = body
        attention_mask[row, :real] = 1
    global_first = torch.zeros_like(input_ids)
    global_first[:, 0] = 1

    with torch.no_grad():
        image_embedding, image_logits, text_embedding = model(volume, input_ids, attention_mask)
        text_global = model.encode_text(input_ids, attention_mask, global_first)
        text_global = text_global / text_global.norm(dim=-1, keepdim=True)
        # the same text with an unbounded window: the fixture must depend on the window
        attentions = [m for m in model.modules() if isinstance(m, LongformerSelfAttention)]
        for attention in attentions:
            attention.one_sided = 10_000
        text_full = model.encode_text(input_ids, attention_mask)
        text_full = text_full / text_full.norm(dim=-1, keepdim=True)
        for attention in attentions:
            attention.one_sided = CONFIG["text"]["attentionWindow"] // 2

    window_effect = max_diff(text_embedding, text_full)
    global_effect = max_diff(text_embedding, text_global)
    print(f"window effect {window_effect:.4f}, global-token effect {global_effect:.4f}")
    assert window_effect > MIN_EFFECT, "the attention window does not change the text embedding"
    assert global_effect > MIN_EFFECT, "global attention does not change the text embedding"
    print("image embedding", image_embedding)
    print("text embedding", text_embedding)

    os.makedirs(OUT, exist_ok=True)
    state = {name: numpy_of(value) for name, value in model.state_dict().items()}
    provenance = {"generator": "tools/parity/make_merlin_fixture.py", "seed": str(SEED), "torch": torch.__version__}
    write_safetensors(os.path.join(OUT, "model.safetensors"), state, provenance)
    io = {
        "volume": numpy_of(volume),
        "input_ids": numpy_of(input_ids),
        "attention_mask": numpy_of(attention_mask),
        "image_embedding": numpy_of(image_embedding),
        "image_logits": numpy_of(image_logits),
        "text_embedding": numpy_of(text_embedding),
        "text_embedding_global": numpy_of(text_global),
    }
    write_safetensors(os.path.join(OUT, "io.safetensors"), io, provenance)
    meta = {
        "config": CONFIG,
        "generator": provenance["generator"],
        "seed": SEED,
        "torch": torch.__version__,
        "windowEffect": window_effect,
        "globalEffect": global_effect,
    }
    with open(os.path.join(OUT, "config.json"), "w") as handle:
        json.dump(meta, handle, indent=2)
        handle.write("\n")
    print(f"wrote {OUT}: {len(state)} tensors")


if __name__ == "__main__":
    main()
