#!/usr/bin/env bash
# The README's first command: install what is missing, build Release, train the default task
# (CartPole-v1, configs/cartpole.toml), then print the final return and where the policy and the
# log went. Extra arguments go to `stampede train` (e.g. --env pendulum --config configs/pendulum.toml).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install_deps.sh

# CUDA only where a GPU can run it: then build for that GPU alone, which compiles fastest
cuda_flags=(-DSTAMPEDE_ENABLE_CUDA=OFF)
if command -v nvcc >/dev/null && nvidia-smi -L >/dev/null 2>&1; then
  cuda_flags=(-DSTAMPEDE_ENABLE_CUDA=ON -DCMAKE_CUDA_ARCHITECTURES=native)
fi
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DSTAMPEDE_BUILD_TESTS=OFF "${cuda_flags[@]}" >/dev/null
cmake --build build --target stampede -j"$(nproc)"

if [ $# -eq 0 ]; then set -- --config configs/cartpole.toml; fi
exec build/stampede train "$@"
