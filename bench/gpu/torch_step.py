"""PyTorch reference for bench/gpu: the same contrastive training step as the engine's.

The model is the engine's CtVlm (src/main/engine/models/ctvlm/) layer for layer:
  image: Conv3d stem (3x7x7, stride 1x2x2, padding 1x3x3, no bias), BatchNorm3d with frozen
         statistics (running mean/var used in training too, never updated; weight and bias
         trained), ReLU, MaxPool3d(3, 2, 1), four stages of bottleneck blocks (1x1x1, 3x3x3 with
         the block's stride on all axes, 1x1x1 to 4x width; downsample 1x1x1 conv + BN when the
         shape changes), global average pooling, contrastive_head (1x1x1 Conv3d with bias).
  text:  BERT embeddings (word, position, token type; LayerNorm eps 1e-12; dropout), post-LN
         layers (q/k/v, softmax with the additive key mask, dropout, output dense + dropout +
         residual + LN, intermediate dense + exact GELU, output dense + dropout + residual + LN),
         the first token through linear_layer.
  loss:  L2-normalised embeddings, logits = cos / tau (tau a learned scalar), symmetric
         cross-entropy (InfoNCE) averaged over both directions.
  step:  Adam (lr 1e-4), loss read back (the engine checks it is finite) before the update.

Usage: python3 torch_step.py SPEC.json > RESULT.json  (SPEC: written by bench/gpu/gpu.bench.ts;
`-` reads it from stdin). Timing: CUDA events around each whole step, median after warm-up, in two
modes: 'fp32' (TF32 off for matmul and cuDNN: the engine's arithmetic) and 'default' (PyTorch's
defaults: cuDNN convolutions in TF32). Peak memory: torch.cuda.max_memory_allocated over the timed
steps. FLOPs: counted analytically as flops.ts does, and by torch.utils.flop_counter over one
real forward + backward.
"""

from __future__ import annotations

import json
import math
import statistics
import sys
import time
import traceback

import torch
import torch.nn.functional as F
from torch import nn

EXPANSION = 4


class FrozenBatchNorm3d(nn.BatchNorm3d):
    """BatchNorm3d that always normalises with its running statistics (as the engine's)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.batch_norm(x, self.running_mean, self.running_var, self.weight, self.bias, False, 0.0, self.eps)


class Bottleneck(nn.Module):
    def __init__(self, cin: int, width: int, stride: int) -> None:
        super().__init__()
        out = width * EXPANSION
        self.conv1 = nn.Conv3d(cin, width, 1, bias=False)
        self.bn1 = FrozenBatchNorm3d(width)
        self.conv2 = nn.Conv3d(width, width, 3, stride=stride, padding=1, bias=False)
        self.bn2 = FrozenBatchNorm3d(width)
        self.conv3 = nn.Conv3d(width, out, 1, bias=False)
        self.bn3 = FrozenBatchNorm3d(out)
        self.downsample = (
            nn.Sequential(nn.Conv3d(cin, out, 1, stride=stride, bias=False), FrozenBatchNorm3d(out))
            if stride != 1 or cin != out
            else None
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = F.relu(self.bn1(self.conv1(x)))
        y = F.relu(self.bn2(self.conv2(y)))
        y = self.bn3(self.conv3(y))
        return F.relu(y + (self.downsample(x) if self.downsample is not None else x))


class I3ResNet(nn.Module):
    def __init__(self, image: dict, embed_dim: int) -> None:
        super().__init__()
        stem = image["stemChannels"]
        self.conv1 = nn.Conv3d(image["inputChannels"], stem, (3, 7, 7), stride=(1, 2, 2), padding=(1, 3, 3), bias=False)
        self.bn1 = FrozenBatchNorm3d(stem)
        self.maxpool = nn.MaxPool3d(3, 2, 1)
        channels = stem
        stages = []
        for stage, (width, blocks) in enumerate(zip(image["widths"], image["blocks"])):
            layer = []
            for b in range(blocks):
                layer.append(Bottleneck(channels, width, 2 if b == 0 and stage > 0 else 1))
                channels = width * EXPANSION
            stages.append(nn.Sequential(*layer))
        self.layer1, self.layer2, self.layer3, self.layer4 = stages
        self.contrastive_head = nn.Conv3d(channels, embed_dim, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.maxpool(F.relu(self.bn1(self.conv1(x))))
        y = self.layer4(self.layer3(self.layer2(self.layer1(y))))
        pooled = y.mean(dim=(2, 3, 4), keepdim=True)
        return self.contrastive_head(pooled).flatten(1)


class BertLayer(nn.Module):
    def __init__(self, h: int, heads: int, inter: int, dropout: float) -> None:
        super().__init__()
        self.heads = heads
        self.query = nn.Linear(h, h)
        self.key = nn.Linear(h, h)
        self.value = nn.Linear(h, h)
        self.attn_dense = nn.Linear(h, h)
        self.attn_norm = nn.LayerNorm(h, eps=1e-12)
        self.intermediate = nn.Linear(h, inter)
        self.output = nn.Linear(inter, h)
        self.out_norm = nn.LayerNorm(h, eps=1e-12)
        self.dropout = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor, key_bias: torch.Tensor) -> torch.Tensor:
        b, t, h = x.shape
        dh = h // self.heads

        def split(z: torch.Tensor) -> torch.Tensor:
            return z.view(b, t, self.heads, dh).transpose(1, 2)

        q, k, v = split(self.query(x)), split(self.key(x)), split(self.value(x))
        scores = torch.matmul(q, k.transpose(-1, -2)) * (1.0 / math.sqrt(dh)) + key_bias
        probs = self.dropout(torch.softmax(scores, dim=-1))
        context = torch.matmul(probs, v).transpose(1, 2).reshape(b, t, h)
        attended = self.attn_norm(self.dropout(self.attn_dense(context)) + x)
        inter = F.gelu(self.intermediate(attended))  # exact (erf) GELU, as the engine's
        return self.out_norm(self.dropout(self.output(inter)) + attended)


class TextTower(nn.Module):
    def __init__(self, text: dict, embed_dim: int) -> None:
        super().__init__()
        h = text["hiddenSize"]
        self.word_embeddings = nn.Embedding(text["vocabSize"], h)
        self.position_embeddings = nn.Embedding(text["maxPositions"], h)
        self.token_type_embeddings = nn.Embedding(2, h)
        self.norm = nn.LayerNorm(h, eps=1e-12)
        self.dropout = nn.Dropout(text["dropout"])
        self.layers = nn.ModuleList(
            BertLayer(h, text["heads"], text["intermediateSize"], text["dropout"]) for _ in range(text["layers"])
        )
        self.linear_layer = nn.Linear(h, embed_dim)

    def forward(self, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        b, t = ids.shape
        positions = torch.arange(t, device=ids.device)
        types = torch.zeros_like(ids)
        x = self.word_embeddings(ids) + self.token_type_embeddings(types) + self.position_embeddings(positions)
        x = self.dropout(self.norm(x))
        key_bias = ((1.0 - mask.float()) * -1e9).view(b, 1, 1, t)
        for layer in self.layers:
            x = layer(x, key_bias)
        return self.linear_layer(x[:, 0])


class CtVlm(nn.Module):
    def __init__(self, config: dict) -> None:
        super().__init__()
        self.config = config
        self.image = I3ResNet(config["image"], config["embedDim"])
        self.text = TextTower(config["text"], config["embedDim"])
        temperature = config["temperature"]
        init = temperature["init"] if temperature["parametrisation"] == "divide" else math.log(temperature["init"])
        self.temperature = nn.Parameter(torch.tensor(float(init)))

    def forward(self, volumes: torch.Tensor, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        image = F.normalize(self.image(volumes), dim=-1, eps=1e-12)
        text = F.normalize(self.text(ids, mask), dim=-1, eps=1e-12)
        if self.config["temperature"]["parametrisation"] == "divide":
            scale = 1.0 / self.temperature
        else:
            scale = self.temperature.exp()
        logits = image @ text.t() * scale
        labels = torch.arange(logits.shape[0], device=logits.device)
        return (F.cross_entropy(logits, labels) + F.cross_entropy(logits.t(), labels)) / 2


def out_size(size: int, kernel: int, stride: int, padding: int) -> int:
    return (size + 2 * padding - kernel) // stride + 1


def conv_flops(n: int, dims: list, cin: int, cout: int, kernel: tuple, stride: tuple, padding: tuple):
    out = [out_size(dims[i], kernel[i], stride[i], padding[i]) for i in range(3)]
    return 2 * n * out[0] * out[1] * out[2] * cout * cin * kernel[0] * kernel[1] * kernel[2], out


def analytic_forward_flops(config: dict, inp: dict) -> dict:
    """The same count as bench/gpu/flops.ts."""
    image, text, embed = config["image"], config["text"], config["embedDim"]
    n = inp["batch"]
    total, dims = conv_flops(n, inp["volume"], image["inputChannels"], image["stemChannels"], (3, 7, 7), (1, 2, 2), (1, 3, 3))
    dims = [out_size(d, 3, 2, 1) for d in dims]
    channels = image["stemChannels"]
    for stage, (width, blocks) in enumerate(zip(image["widths"], image["blocks"])):
        for b in range(blocks):
            s = 2 if b == 0 and stage > 0 else 1
            out = width * EXPANSION
            total += conv_flops(n, dims, channels, width, (1, 1, 1), (1, 1, 1), (0, 0, 0))[0]
            f2, dims2 = conv_flops(n, dims, width, width, (3, 3, 3), (s, s, s), (1, 1, 1))
            total += f2
            total += conv_flops(n, dims2, width, out, (1, 1, 1), (1, 1, 1), (0, 0, 0))[0]
            if s != 1 or channels != out:
                total += conv_flops(n, dims, channels, out, (1, 1, 1), (s, s, s), (0, 0, 0))[0]
            dims, channels = dims2, out
    image_flops = total + 2 * n * channels * embed
    rows = n * inp["tokens"]
    h = text["hiddenSize"]
    per_layer = 4 * 2 * rows * h * h + 2 * 2 * n * inp["tokens"] * inp["tokens"] * h + 2 * 2 * rows * h * text["intermediateSize"]
    text_flops = text["layers"] * per_layer + 2 * n * h * embed
    loss_flops = 2 * n * n * embed
    forward = image_flops + text_flops + loss_flops
    return {"imageForward": image_flops, "textForward": text_flops, "lossForward": loss_flops, "forward": forward, "step": 3 * forward}


def make_batch(config: dict, inp: dict, device: torch.device, seed: int = 1):
    g = torch.Generator(device=device).manual_seed(seed)
    d, h, w = inp["volume"]
    volumes = torch.rand((inp["batch"], config["image"]["inputChannels"], d, h, w), generator=g, device=device)
    ids = torch.randint(1, config["text"]["vocabSize"], (inp["batch"], inp["tokens"]), generator=g, device=device)
    mask = torch.ones((inp["batch"], inp["tokens"]), dtype=torch.int32, device=device)
    return volumes, ids, mask


def step(model: CtVlm, optimizer: torch.optim.Optimizer, batch) -> float:
    optimizer.zero_grad(set_to_none=True)
    loss = model(*batch)
    loss.backward()
    value = loss.item()  # the engine reads the loss back and checks it before applying the update
    if not math.isfinite(value):
        raise RuntimeError(f"loss is {value}")
    optimizer.step()
    return value


def time_steps(model, optimizer, batch, warmup: int, runs: int, max_seconds: float) -> dict:
    for _ in range(warmup):
        step(model, optimizer, batch)
    torch.cuda.synchronize()
    torch.cuda.reset_peak_memory_stats()
    times = []
    started = time.perf_counter()
    for _ in range(runs):
        start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        start.record()
        step(model, optimizer, batch)
        end.record()
        end.synchronize()
        times.append(start.elapsed_time(end))
        if time.perf_counter() - started > max_seconds and len(times) >= 3:
            break
    return {
        "msMedian": statistics.median(times),
        "msMin": min(times),
        "msAll": times,
        "runs": len(times),
        "peakAllocatedBytes": torch.cuda.max_memory_allocated(),
        "peakReservedBytes": torch.cuda.max_memory_reserved(),
    }


def counted_flops(model, batch) -> int | None:
    try:
        from torch.utils.flop_counter import FlopCounterMode
    except ImportError:
        return None
    counter = FlopCounterMode(display=False)
    with counter:
        loss = model(*batch)
        loss.backward()
    model.zero_grad(set_to_none=True)
    return int(counter.get_total_flops())


def set_tf32(enabled: bool) -> None:
    torch.backends.cuda.matmul.allow_tf32 = enabled
    torch.backends.cudnn.allow_tf32 = enabled


def run_input(config: dict, inp: dict, spec: dict, device: torch.device) -> dict:
    torch.manual_seed(config.get("seed", 42))
    model = CtVlm(config).to(device).train()
    params = sum(p.numel() for p in model.parameters() if p.requires_grad)
    result = {"input": inp, "params": params, "flops": analytic_forward_flops(config, inp), "modes": {}}
    batch = make_batch(config, inp, device)
    optimizer = torch.optim.Adam(model.parameters(), lr=spec.get("lr", 1e-4))
    result["flopCounterFwdBwd"] = counted_flops(model, batch)
    # PyTorch defaults: cuDNN TF32 convolutions; 'fp32' is the engine's arithmetic.
    default_tf32 = (torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32)
    for mode in spec.get("modes", ["fp32", "default"]):
        if mode == "fp32":
            set_tf32(False)
        else:
            torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32 = default_tf32
        try:
            result["modes"][mode] = time_steps(
                model, optimizer, batch, spec.get("warmup", 3), spec.get("runs", 20), spec.get("maxSecondsPerMode", 30)
            )
        except Exception as error:  # noqa: BLE001 - reported, and the next input goes on
            result["modes"][mode] = {"error": f"{type(error).__name__}: {error}"[:500]}
            if isinstance(error, torch.cuda.OutOfMemoryError):
                break
    torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32 = default_tf32
    del optimizer, model, batch
    torch.cuda.empty_cache()
    return result


def main() -> None:
    source = sys.argv[1] if len(sys.argv) > 1 else "-"
    spec = json.load(sys.stdin if source == "-" else open(source, encoding="utf-8"))
    if not torch.cuda.is_available():
        json.dump({"error": "PyTorch has no CUDA device here", "torch": torch.__version__}, sys.stdout)
        return
    device = torch.device("cuda")
    out = {
        "torch": torch.__version__,
        "cuda": torch.version.cuda,
        "cudnn": torch.backends.cudnn.version(),
        "device": torch.cuda.get_device_name(0),
        "cudnnBenchmark": torch.backends.cudnn.benchmark,
        "optimizer": "torch.optim.Adam(lr=1e-4), default implementation",
        "sizes": [],
    }
    for size in spec["sizes"]:
        entry = {"key": size["key"], "inputs": []}
        for inp in size["inputs"]:
            started = time.perf_counter()
            try:
                entry["inputs"].append(run_input(size["model"], inp, spec, device))
            except Exception as error:  # noqa: BLE001
                entry["inputs"].append({"input": inp, "error": f"{type(error).__name__}: {error}"[:500], "trace": traceback.format_exc()[-1500:]})
                torch.cuda.empty_cache()
            entry["inputs"][-1]["wallSeconds"] = time.perf_counter() - started
            print(f"torch {size['key']} {inp}: done in {time.perf_counter() - started:.1f} s", file=sys.stderr, flush=True)
        out["sizes"].append(entry)
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
