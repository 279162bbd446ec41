#!/usr/bin/env bash
# Packs what the GPU bench needs on a machine without Node or npm (the device tool's GPU machine)
# into .gpubench/ (git-ignored locally through .git/info/exclude): the bundled bench, an
# xz-compressed copy of this machine's node, and dawn.node (xz) in a minimal `webgpu` package the
# bundle imports. The Vulkan/GL loaders go in .gl/ (see bench/gpu/README.md). Run from the repo root.
set -euo pipefail
out=.gpubench
mkdir -p "$out/node_modules/webgpu/dist/linux-x64"
npx esbuild bench/gpu/main.ts --bundle --platform=node --format=esm --target=node20 \
  --outfile="$out/gpu-bench.mjs" --log-level=warning \
  --external:webgpu --external:@tensorflow/tfjs-backend-wasm \
  --external:@tensorflow/tfjs-node --external:@tensorflow/tfjs-node-gpu \
  --banner:js="import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);"
# the full-size Merlin / CT-CLIP measurement (main-foundation.ts), with the same externals
npx esbuild bench/gpu/main-foundation.ts --bundle --platform=node --format=esm --target=node20 \
  --outfile="$out/foundation.mjs" --log-level=warning \
  --external:webgpu --external:@tensorflow/tfjs-backend-wasm \
  --external:@tensorflow/tfjs-node --external:@tensorflow/tfjs-node-gpu \
  --banner:js="import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);"
# the conv3d kernels alone: tfjs's naive programs vs the implicit-GEMM ones (conv3d-kernels.ts)
npx esbuild bench/gpu/conv3d-kernels.ts --bundle --platform=node --format=esm --target=node20 \
  --outfile="$out/conv3d-kernels.mjs" --log-level=warning \
  --external:webgpu --external:@tensorflow/tfjs-backend-wasm \
  --external:@tensorflow/tfjs-node --external:@tensorflow/tfjs-node-gpu \
  --banner:js="import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);"
cp node_modules/webgpu/package.json node_modules/webgpu/index.js "$out/node_modules/webgpu/"
if [ ! -f "$out/node_modules/webgpu/dist/linux-x64/dawn.node.xz" ]; then
  xz -T0 -6 -c node_modules/webgpu/dist/linux-x64/dawn.node >"$out/node_modules/webgpu/dist/linux-x64/dawn.node.xz"
fi
if [ ! -f "$out/node.xz" ]; then xz -T0 -6 -c "$(command -v node)" >"$out/node.xz"; fi
du -sh "$out"
