#!/usr/bin/env bash
# Everything a session with a lent GPU runs, in steps sized for the device tool's 10-minute calls,
# so the device time goes to building, testing and measuring rather than setup.
#
#   scripts/gpu_session.sh prepare   # here (has Debian's registry): download the -dev packages
#                                    # the build needs into .deb/ (ignored by git)
#   scripts/gpu_session.sh tests     # device call 1: unpack, build for sm_90, GPU tests, then the
#                                    # kernel tests under compute-sanitizer (memcheck, racecheck)
#   scripts/gpu_session.sh bench     # device call 2, while the machine is still warm (the build
#                                    # is reused): bench, CartPole training, PyTorch peer
#   scripts/gpu_session.sh profile   # device call 3: ncu on the fused update and the env step,
#                                    # the Swimmer bench, the standard CartPole config
#
# With the device tool: run(command="scripts/gpu_session.sh tests", carry=[".deb"]), then at once
# (a warm machine is released after ~30 s idle) the same with bench and profile. Each step writes at most six files
# to $OUT (summary.txt first); copy the figures into bench/RESULTS.md with the device name, the
# date and the commit. Every step bounds its commands with `timeout`, so a hang still leaves logs.
set -uo pipefail
cd "$(dirname "$0")/.."

packages=(libcli11-dev nlohmann-json3-dev libpugixml-dev libpugixml1v5 libgtest-dev libtbb-dev
  libtbb12 libtbbmalloc2)
out="${OUT:-gpu-results}"
summary="$out/summary.txt"
st=build-gpu/stampede

prepare() {
  mkdir -p .deb
  (cd .deb && apt-get download "${packages[@]}")
  ls -l .deb
}

header() {
  mkdir -p "$out"
  echo "commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown), $(date -u +%F)" |
    tee "$summary"
  (nvidia-smi --query-gpu=name,memory.total,clocks.max.sm,clocks.max.mem,driver_version \
    --format=csv || echo "nvidia-smi failed: no GPU visible") 2>&1 | tee -a "$summary"
}

build() {
  for deb in .deb/*.deb; do dpkg -x "$deb" /; done
  ldconfig  # the unpacked shared libraries (libtbb) into the loader's cache
  # the CPU emulation of CUDA is for machines without a GPU; it needs Boost, absent there
  cmake -S . -B build-gpu -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_CUDA_ARCHITECTURES=90 \
    -DSTAMPEDE_BUILD_CUDA_EMULATION=OFF > "$out/build.log" 2>&1 &&
    timeout 420 cmake --build build-gpu -j"$(nproc)" >> "$out/build.log" 2>&1
  local rc=$?
  echo "build exit $rc" | tee -a "$summary"
  if [ $rc -ne 0 ]; then
    grep -E "error|FAILED" "$out/build.log" | head -30
    exit 1
  fi
}

tests() {
  header
  build
  # GPU tests first: they are what only this machine can run
  timeout 240 build-gpu/tests/gpu_tests 2>&1 | tee "$out/gpu_tests.log" | tail -30
  grep -E "^\[  (PASSED|FAILED|SKIPPED) |tests ran|FAILED  \]" "$out/gpu_tests.log" >> "$summary"
  # kernels under compute-sanitizer: out-of-bounds and misaligned accesses, then shared-memory
  # races (the emulation used without a GPU can find neither)
  local kernels='KernelTest.*:UpdateTest.*'
  {
    echo "== memcheck"
    timeout 150 compute-sanitizer --tool memcheck --error-exitcode 9 \
      build-gpu/tests/gpu_tests --gtest_filter="$kernels" 2>&1 | tail -25
    echo "memcheck exit ${PIPESTATUS[0]}"
    echo "== racecheck"
    timeout 150 compute-sanitizer --tool racecheck --racecheck-report hazard --error-exitcode 9 \
      build-gpu/tests/gpu_tests --gtest_filter='UpdateTest.*:KernelTest.Running*' 2>&1 | tail -25
    echo "racecheck exit ${PIPESTATUS[0]}"
  } > "$out/sanitizer.log" 2>&1
  grep -E "exit|ERROR SUMMARY|RACECHECK SUMMARY" "$out/sanitizer.log" >> "$summary"
  cat "$summary"
}

bench() {
  header
  build  # a no-op when the previous call's build is still there
  timeout 300 $st bench --device cuda --env cartpole \
    --num-envs 1024,4096,16384,65536,262144,1048576,4194304 \
    --json "$out/bench_cartpole.json" 2>&1 | tee -a "$summary"
  echo "== CartPole training, configs/cartpole_fast.toml, on the GPU" >> "$summary"
  train_and_eval configs/cartpole_fast.toml fast
  if python3 -c "import torch; assert torch.cuda.is_available()" 2>/dev/null; then
    echo "== PyTorch peer, same GPU" >> "$summary"
    timeout 200 python3 bench/peers/compare.py --stampede $st >> "$summary" 2>&1
  else
    echo "torch with CUDA not available: peer comparison skipped" >> "$summary"
  fi
  cat "$summary"
}

train_and_eval() {
  timeout 90 $st train --device cuda --config "$1" --run-dir "build-gpu/run-$2" \
    2>&1 | tail -3 >> "$summary"
  timeout 30 $st eval "build-gpu/run-$2" --episodes 50 >> "$summary" 2>&1
}

profile() {
  header
  build
  if command -v ncu > /dev/null; then
    # one launch each of the fused update (64 wide, 32K rows) and of the CartPole env step
    timeout 150 ncu --kernel-name regex:fused_update --launch-skip 20 --launch-count 1 \
      --section SpeedOfLight --section ComputeWorkloadAnalysis --section Occupancy \
      --section MemoryWorkloadAnalysis \
      $st bench --device cuda --skip-throughput --update-widths 64 --warmup 1 --repeats 1 \
      > "$out/ncu.txt" 2>&1
    timeout 150 ncu --kernel-name regex:env_step --launch-skip 50 --launch-count 1 \
      --section SpeedOfLight --section MemoryWorkloadAnalysis \
      $st bench --device cuda --skip-update --num-envs 1048576 --warmup 1 --repeats 1 \
      >> "$out/ncu.txt" 2>&1
    grep -E "Duration|Throughput|Achieved Occupancy|Registers Per|Shared Memory Config" \
      "$out/ncu.txt" >> "$summary"
  else
    echo "ncu not found: no kernel profile" >> "$summary"
  fi
  timeout 90 $st bench --device cuda --env swimmer --num-envs 1024,16384,65536 --skip-update \
    --json "$out/bench_swimmer.json" 2>&1 | tee -a "$summary"
  echo "== CartPole training, configs/cartpole.toml (8 envs), on the GPU" >> "$summary"
  train_and_eval configs/cartpole.toml standard
  cat "$summary"
}

case "${1:-}" in
  prepare) prepare ;;
  tests) tests ;;
  bench) bench ;;
  profile) profile ;;
  *)
    echo "usage: $0 prepare|tests|bench|profile" >&2
    exit 2
    ;;
esac
