#!/usr/bin/env bash
# Runs the GPU bench on the device tool's machine, from the repo root, with .gl and .gpubench
# carried (bench/gpu/pack-device.sh). Unpacks node and dawn.node under /tmp (never in the tree).
# Results go to $OUT (or ./gpu-out). Arguments are passed on to the bench (e.g. --sizes tiny,mid).
set -uo pipefail
OUT=${OUT:-$PWD/gpu-out}
mkdir -p "$OUT"
if [ -z "${SKIP_LOADERS:-}" ]; then
  for f in .gl/*.deb; do dpkg -x "$f" /; done
  ldconfig
fi
b=/tmp/gpubench
d=$b/node_modules/webgpu/dist/linux-x64
mkdir -p "$d"
cp .gpubench/gpu-bench.mjs .gpubench/conv3d-kernels.mjs "$b/"
cp .gpubench/node_modules/webgpu/package.json .gpubench/node_modules/webgpu/index.js "$b/node_modules/webgpu/"
[ -x "$b/node" ] || { xz -dc .gpubench/node.xz >"$b/node" && chmod +x "$b/node"; }
[ -f "$d/dawn.node" ] || xz -dc .gpubench/node_modules/webgpu/dist/linux-x64/dawn.node.xz >"$d/dawn.node"
nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.sm,clocks.max.sm,power.draw --format=csv | tee "$OUT/nvidia-smi.txt"
python3 -c 'import torch; print("torch", torch.__version__, torch.cuda.get_device_name(0))' || true
"$b/node" --version
# Vulkan ICD: the driver's own if the loader's folders have none.
if [ -f /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json ] && [ -z "${VK_DRIVER_FILES:-}" ]; then
  ls /usr/share/vulkan/icd.d /etc/vulkan/icd.d 2>/dev/null | grep -qi nvidia ||
    export VK_DRIVER_FILES=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
fi
# PyTorch first, on its own (its figures survive whatever happens to the engine's run).
"$b/node" "$b/gpu-bench.mjs" --print-torch-spec "$@" >"$OUT/spec.json"
timeout "${TORCH_TIMEOUT_S:-240}" python3 bench/gpu/torch_step.py "$OUT/spec.json" >"$OUT/torch.json" 2>"$OUT/torch-log.txt"
echo "torch_step.py exit $?"; tail -n 20 "$OUT/torch-log.txt"
timeout "${BENCH_TIMEOUT_S:-480}" "$b/node" --max-old-space-size=16384 "$b/gpu-bench.mjs" --backends webgpu \
  --out "$OUT" --torch-json "$OUT/torch.json" "$@" 2>&1 | grep -v 'artificially reduced' | tee "$OUT/log.txt"
# Optional: the conv3d kernels alone at the mid and Merlin-like shapes, float32 and f16
# (CONV3D_KERNELS=1), the step again with gradient checkpointing (CHECKPOINTING=1), and with mixed
# precision (MIXED=1), each with its own time limit.
if [ -n "${CONV3D_KERNELS:-}" ]; then
  timeout "${CONV3D_TIMEOUT_S:-120}" "$b/node" "$b/conv3d-kernels.mjs" --large --f16 2>&1 | grep -v 'artificially reduced' | tee "$OUT/conv3d-kernels.txt"
fi
if [ -n "${MIXED:-}" ]; then
  mkdir -p "$OUT/mixed-precision"
  timeout "${BENCH_TIMEOUT_S:-480}" "$b/node" --max-old-space-size=16384 "$b/gpu-bench.mjs" --backends webgpu \
    --out "$OUT/mixed-precision" --torch-json "$OUT/torch.json" --mixed-precision "$@" 2>&1 |
    grep -v 'artificially reduced' | tee "$OUT/mixed-precision/log.txt"
fi
if [ -n "${CHECKPOINTING:-}" ]; then
  mkdir -p "$OUT/checkpointing"
  timeout "${BENCH_TIMEOUT_S:-480}" "$b/node" --max-old-space-size=16384 "$b/gpu-bench.mjs" --backends webgpu \
    --out "$OUT/checkpointing" --torch-json "$OUT/torch.json" --gradient-checkpointing "$@" 2>&1 |
    grep -v 'artificially reduced' | tee "$OUT/checkpointing/log.txt"
fi
ls -la "$OUT"
