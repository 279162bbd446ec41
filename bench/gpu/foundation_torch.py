"""
PyTorch reference times for bench/gpu/main-foundation.ts: full-size forwards of the parity
references (tools/parity/merlin_reference.py, ctclip_reference.py) with random weights, fp32 with
TF32 off (the engine's arithmetic), eval mode, no_grad, CUDA-event timing (median of 5 after 2
warm-ups), torch.cuda.max_memory_allocated per case. The configs below mirror MERLIN_FULL and
CTCLIP_FULL (src/main/engine/models/{merlin,ctclip}/*-config.ts). Merlin's text encoder is not
timed: the reference computes Longformer attention query by query (a correctness reference, not a
fair timing). Prints one JSON object. Usage: python3 bench/gpu/foundation_torch.py
"""

import json
import os
import sys
import time

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tools", "parity"))
from merlin_reference import ImageEncoder  # noqa: E402
from ctclip_reference import CTCLIP, CTViT, BertModel  # noqa: E402

MERLIN_IMAGE = {"stemChannels": 64, "widths": [64, 128, 256, 512], "blocks": [3, 8, 36, 3], "classes": 1692}
CTCLIP_IMAGE = dict(dim=512, codebook_size=8192, image_size=480, patch_size=20, temporal_patch_size=10,
                    spatial_depth=4, temporal_depth=4, dim_head=32, heads=8, channels=1)


def timed(fn, warmups=2, runs=5):
    torch.cuda.synchronize()
    torch.cuda.reset_peak_memory_stats()
    t0 = time.perf_counter()
    fn()
    torch.cuda.synchronize()
    first = (time.perf_counter() - t0) * 1000
    for _ in range(warmups - 1):
        fn()
    ms = []
    for _ in range(runs):
        a, b = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        a.record()
        fn()
        b.record()
        torch.cuda.synchronize()
        ms.append(a.elapsed_time(b))
    return {"firstRunMs": first, "msAll": ms, "msMedian": sorted(ms)[len(ms) // 2],
            "peakBytes": torch.cuda.max_memory_allocated()}


def case(name, build, run):
    out = {"case": name}
    try:
        model = build().cuda().eval()
        out["params"] = sum(p.numel() for p in model.parameters())
        with torch.no_grad():
            out.update(timed(lambda: run(model)))
        del model
    except Exception as error:  # noqa: BLE001 (recorded)
        out["error"] = f"{type(error).__name__}: {error}"
    torch.cuda.empty_cache()
    print(json.dumps(out), file=sys.stderr, flush=True)
    return out


def main():
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    torch.manual_seed(0)
    dev = "cuda"
    results = {"torch": torch.__version__, "device": torch.cuda.get_device_name(0), "tf32": False, "cases": []}
    vol = torch.rand(1, 1, 224, 224, 160, device=dev)
    results["cases"].append(case("merlin image (1,1,224,224,160)", lambda: ImageEncoder(MERLIN_IMAGE, 512),
                                 lambda m: m(vol)))
    del vol
    ct = torch.rand(1, 1, 240, 480, 480, device=dev)
    # the reference makes some tensors (position grids) on the default device: make that the GPU
    torch.set_default_device(dev)

    def ctclip():
        vit = CTViT(**CTCLIP_IMAGE)
        bert = BertModel(30522, 768, 12, 12, 3072, 512)
        return CTCLIP(vit, bert, 24 * 24 * 512, 768, 512)

    results["cases"].append(case("ct-clip image (1,1,240,480,480)", ctclip, lambda m: m.encode_image(ct)))
    del ct
    ids = torch.randint(3, 30522, (1, 512), device=dev)
    mask = torch.ones(1, 512, dtype=torch.long, device=dev)
    results["cases"].append(case("ct-clip text (1,512)", ctclip, lambda m: m.encode_text(ids, mask)))
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
