#!/usr/bin/env bash
# Runs main-foundation.ts (bundled as .gpubench/foundation.mjs by pack-device.sh) on the device
# tool's GPU machine, from the repo root with .gl and .gpubench carried, then (unless NO_TORCH is
# set) foundation_torch.py. Results go to $OUT (or ./gpu-out). Arguments go to main-foundation.
set -uo pipefail
OUT=${OUT:-$PWD/gpu-out}
mkdir -p "$OUT"
for f in .gl/*.deb; do dpkg -x "$f" /; done
ldconfig
b=/tmp/gpubench
d=$b/node_modules/webgpu/dist/linux-x64
mkdir -p "$d"
cp .gpubench/foundation.mjs "$b/"
cp .gpubench/node_modules/webgpu/package.json .gpubench/node_modules/webgpu/index.js "$b/node_modules/webgpu/"
[ -x "$b/node" ] || { xz -dc .gpubench/node.xz >"$b/node" && chmod +x "$b/node"; }
[ -f "$d/dawn.node" ] || xz -dc .gpubench/node_modules/webgpu/dist/linux-x64/dawn.node.xz >"$d/dawn.node"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv | tee "$OUT/nvidia-smi.txt"
if [ -f /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json ] && [ -z "${VK_DRIVER_FILES:-}" ]; then
  ls /usr/share/vulkan/icd.d /etc/vulkan/icd.d 2>/dev/null | grep -qi nvidia ||
    export VK_DRIVER_FILES=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
fi
# Dawn's own error lines (thousands after an out-of-memory) stay out of the log: the JSON counts them.
quiet() { grep -v -E '^( - While|validation:|out of memory:|vkAllocateMemory|    at Check|\[Invalid|Error while parsing| +let |\s*\^+\s*$|$)' | grep -v 'artificially reduced'; }
timeout "${BENCH_TIMEOUT_S:-400}" "$b/node" --max-old-space-size=16384 "$b/foundation.mjs" --backend webgpu \
  --out "$OUT" "$@" 2>&1 | quiet | tee -a "$OUT/log.txt"
echo "foundation exit ${PIPESTATUS[0]}"
# PEFT_INPUTS="1,112,192,192 2,80,160,160 ..." (PEFT_ARGS: more flags for them): one training-step process per input (a failed step
# leaks its tape, which spoils the next input in the same process), stopping at the first that runs.
n=0
for input in ${PEFT_INPUTS:-}; do
  n=$((n + 1))
  timeout "${PEFT_TIMEOUT_S:-150}" "$b/node" --max-old-space-size=16384 "$b/foundation.mjs" --backend webgpu \
    --out "$OUT" --parts peft --peft-input "$input" --tag "peft$n" --runs "${PEFT_RUNS:-2}" --max-case-s 20 ${PEFT_ARGS:-} 2>&1 |
    quiet | tee -a "$OUT/log.txt"
  rc=${PIPESTATUS[0]}
  echo "peft $input exit $rc"
  [ "$rc" = 0 ] && break
done
# one JSON: every process's cases, in order
python3 - "$OUT" <<'PY'
import glob, json, os, sys
files = sorted(glob.glob(os.path.join(sys.argv[1], "gpu-foundation-*.json")), key=os.path.getmtime)
if files:
    merged = json.load(open(files[0]))
    merged["cases"] = [c for f in files for c in json.load(open(f))["cases"]]
    merged["processes"] = [os.path.basename(f) for f in files]
    for f in files:
        os.remove(f)
    json.dump(merged, open(os.path.join(sys.argv[1], "foundation.json"), "w"), indent=2)
PY
if [ -z "${NO_TORCH:-}" ]; then
  timeout "${TORCH_TIMEOUT_S:-90}" python3 bench/gpu/foundation_torch.py >"$OUT/torch-foundation.json" 2>"$OUT/torch-log.txt"
  echo "foundation_torch.py exit $?"; tail -c 3000 "$OUT/torch-log.txt"
fi
ls -la "$OUT"
