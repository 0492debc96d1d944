#!/usr/bin/env bash
# Everything a session with a lent GPU needs to run, in two steps, so the device time goes to
# building, testing and measuring rather than setup.
#
#   scripts/gpu_session.sh prepare     # here (has Debian's registry): download the -dev packages
#                                      # the build needs into .deb/ (ignored by git)
#   scripts/gpu_session.sh run         # on the GPU machine (no registry), with .deb carried:
#                                      # unpack them, build for sm_90, run the GPU and CPU tests,
#                                      # the benchmarks and the PyTorch peer if torch is there
#
# With the device tool: run(command="scripts/gpu_session.sh run", carry=[".deb"]). Results go to
# $OUT (summary.txt, the GPU/CPU test logs, the build log, bench JSON: six files); copy the figures into bench/RESULTS.md with the device name,
# the date and the commit.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(libcli11-dev nlohmann-json3-dev libpugixml-dev libpugixml1v5 libgtest-dev)

prepare() {
  mkdir -p .deb
  (cd .deb && apt-get download "${packages[@]}")
  ls -l .deb
}

run() {
  local out="${OUT:-gpu-results}"
  mkdir -p "$out"
  for deb in .deb/*.deb; do dpkg -x "$deb" /; done
  # at most 8 files come back from the device: the small outputs all go into summary.txt
  local commit summary="$out/summary.txt"
  commit="$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
  echo "commit $commit, $(date -u +%F)" | tee "$summary"
  (nvidia-smi || echo "nvidia-smi failed: no GPU visible") 2>&1 | tee -a "$summary"

  cmake -S . -B build-gpu -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_CUDA_ARCHITECTURES=90 \
    > "$out/build.log" 2>&1
  cmake --build build-gpu -j"$(nproc)" >> "$out/build.log" 2>&1 || {
    tail -50 "$out/build.log"
    exit 1
  }

  # GPU tests first: they are what only this machine can run
  (build-gpu/tests/gpu_tests 2>&1 || true) | tee "$out/gpu_tests.log" | tail -40
  grep -E "PASSED|FAILED|SKIPPED" "$out/gpu_tests.log" | tail -20 >> "$summary" || true
  (cd build-gpu && ctest -j"$(nproc)" -E "Learning|fuzz" > "$out/cpu_tests.log" 2>&1 || true)
  grep -E "tests passed|tests failed" "$out/cpu_tests.log" >> "$summary" || true

  build-gpu/stampede bench --device cuda --env cartpole \
    --num-envs 1024,4096,16384,65536,262144,1048576 --json "$out/bench_cartpole.json" \
    2>&1 | tee -a "$summary" || true
  build-gpu/stampede bench --device cuda --env swimmer --num-envs 1024,16384,65536 \
    --skip-update --json "$out/bench_swimmer.json" 2>&1 | tee -a "$summary" || true
  (time build-gpu/stampede train --device cuda --config configs/cartpole.toml \
    --num-envs 4096 --num-steps 16 --minibatch-size 16384 --total-steps 2000000 \
    --run-dir build-gpu/run-cartpole) >> "$summary" 2>&1 || true
  build-gpu/stampede eval build-gpu/run-cartpole --episodes 50 >> "$summary" 2>&1 || true
  if python3 -c "import torch; assert torch.cuda.is_available()" 2>/dev/null; then
    python3 bench/peers/compare.py --stampede build-gpu/stampede >> "$summary" 2>&1 || true
  else
    echo "torch with CUDA not available: peer comparison skipped" >> "$summary"
  fi
  tail -60 "$summary"
}

case "${1:-}" in
  prepare) prepare ;;
  run) run ;;
  *)
    echo "usage: $0 prepare|run" >&2
    exit 2
    ;;
esac
