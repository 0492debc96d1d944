#!/usr/bin/env bash
# A lent GPU's whole session as one device command (docs/gpu-session.md).
#
#   scripts/gpu_session.sh prepare   # here, where Debian's registry is reachable (CI runs it too):
#                                    # download the -dev packages the build needs into .deb/,
#                                    # unpack them into the private prefix .deb/root and check
#                                    # that CMake configures against that prefix alone
#   scripts/gpu_session.sh run       # on the GPU machine (bare: nvcc, CMake, ninja, no registry):
#                                    # build for sm_90, GPU tests, sanitizers, benchmarks
#
# Copy .deb/ (ignored by git) along with the tree; allow `run` 9 minutes. `run` writes to $OUT as it goes (at most 8 files, summary.txt first), so a run cut short still
# returns what it measured. Every step has a time budget (seconds, enforced with `timeout`); the
# budgets sum to 465 s, under the 8 minutes the session plans for:
#
#   step                                      budget
#   unpack the .debs, configure                   30
#   build stampede, its CUDA plugin, gpu_tests   170
#   GPU test suites, one process each            120   (kernels 25, update 30, backend 50,
#                                                        bench 15)
#   compute-sanitizer memcheck, one test          30
#   compute-sanitizer racecheck, one test         40
#   bench: CartPole and Swimmer at 64K envs       50
#   bench: PPO update per sample (fused, cuBLAS)  25
set -uo pipefail
cd "$(dirname "$0")/.."

packages=(libcli11-dev nlohmann-json3-dev libpugixml-dev libpugixml1v5 libtomlplusplus-dev
  libtomlplusplus3 libgtest-dev libtbb-dev
  libtbb12 libtbbmalloc2 libtbbbind-2-5 libhwloc15)
root="$PWD/.deb/root"
arch_libs="$root/usr/lib/x86_64-linux-gnu"
prefixes="$root/usr;$arch_libs/cmake;$root/usr/share/cmake;$root/usr/lib/cmake"

# the .debs' files into $root (dpkg -x where there is dpkg; else Python reads the ar archive)
unpack() {
  rm -rf "$root"
  mkdir -p "$root"
  if command -v dpkg > /dev/null; then
    for deb in .deb/*.deb; do dpkg -x "$deb" "$root" || return 1; done
    return 0
  fi
  python3 - "$root" .deb/*.deb << 'PY'
import io, sys, tarfile
for deb in sys.argv[2:]:
    with open(deb, "rb") as f:
        assert f.read(8) == b"!<arch>\n", deb
        while len(header := f.read(60)) == 60:
            name, size = header[:16].decode().strip(), int(header[48:58])
            data = f.read(size + size % 2)[:size]
            if name.startswith("data.tar"):
                # the .debs are our own download: keep their links as they are
                kwargs = {"filter": "tar"} if hasattr(tarfile, "tar_filter") else {}
                tarfile.open(fileobj=io.BytesIO(data)).extractall(sys.argv[1], **kwargs)
PY
}

# a hash of the sources the GPU run builds, so its results name exactly what was measured
tree_hash() {
  find CMakeLists.txt cmake core envs ppo kernels host tests scripts configs -type f \
    -not -path '*/__pycache__/*' | LC_ALL=C sort | xargs sha256sum | sha256sum | cut -c1-12
}

prepare() {
  mkdir -p .deb
  rm -f .deb/*.deb
  # a machine whose package lists are stale or missing gets them once
  (cd .deb && apt-get download -qq "${packages[@]}" 2>/dev/null) ||
    { apt-get update -qq && (cd .deb && apt-get download -qq "${packages[@]}"); } || {
    echo "prepare: apt-get download failed" >&2
    exit 1
  }
  # what the results will be credited to: the commit, and the sources as they are now
  local commit
  commit=$(git describe --always --dirty 2> /dev/null || echo unknown)
  echo "$commit $(tree_hash)" > .deb/source
  unpack || exit 1
  # a -dev package whose runtime library is missing leaves a dangling .so link
  local dangling
  dangling=$(find "$root" -name '*.so*' -xtype l)
  if [ -n "$dangling" ]; then
    echo "prepare: libraries missing from the .deb set: $dangling" >&2
    exit 1
  fi
  # configure with the prefix as the only place packages, headers and libraries may come from
  # (the CUDA toolkit is the GPU machine's own, so this configure leaves CUDA out)
  rm -rf build-prefix-check
  cmake -S . -B build-prefix-check -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DSTAMPEDE_ENABLE_CUDA=OFF -DSTAMPEDE_BUILD_CUDA_EMULATION=OFF \
    -DCMAKE_FIND_ROOT_PATH="$root" -DCMAKE_FIND_ROOT_PATH_MODE_PACKAGE=ONLY \
    -DCMAKE_FIND_ROOT_PATH_MODE_LIBRARY=ONLY -DCMAKE_FIND_ROOT_PATH_MODE_INCLUDE=ONLY \
    > build-prefix-check.log 2>&1
  local rc=$?
  if [ $rc -ne 0 ]; then
    tail -30 build-prefix-check.log >&2
    echo "prepare: CMake does not configure against the .deb set alone" >&2
    exit 1
  fi
  rm -rf build-prefix-check build-prefix-check.log
  echo "prepare: $(ls .deb/*.deb | wc -l) packages in .deb/, configure against them: ok"
}

# --- on the GPU machine -------------------------------------------------------------------------

out="${OUT:-gpu-results}"
summary="$out/summary.txt"
st=build-gpu/stampede
gt=build-gpu/tests/gpu_tests

note() { echo "$*" | tee -a "$summary"; }

# `step NAME BUDGET COMMAND...`: runs the command under its budget, appends its output to
# $out/NAME.log, and the exit status to the summary
step() {
  local name=$1 budget=$2
  shift 2
  local t0=$SECONDS
  timeout "$budget" "$@" >> "$out/$name.log" 2>&1
  local rc=$?
  note "$name: exit $rc in $((SECONDS - t0)) s (budget $budget s)$([ $rc -eq 124 ] && echo ', TIMED OUT')"
  return $rc
}

run() {
  mkdir -p "$out"
  : > "$summary"
  local commit prepared_tree tree
  read -r commit prepared_tree < .deb/source 2> /dev/null || commit=unknown
  tree=$(tree_hash)
  if [ "$tree" = "${prepared_tree:-}" ]; then
    note "commit $commit (sources $tree), $(date -u +%FT%TZ)"
  else
    note "commit $commit with changes made after prepare (sources $tree), $(date -u +%FT%TZ)"
  fi
  # nvcc is often installed without being on PATH
  [ -d /usr/local/cuda/bin ] && export PATH="/usr/local/cuda/bin:$PATH"
  if ! command -v nvcc > /dev/null; then
    note "nvcc not found: nothing to build"
    exit 1
  fi
  nvidia-smi --query-gpu=name,memory.total,clocks.max.sm,clocks.max.mem,driver_version \
    --format=csv,noheader 2>&1 | tee -a "$summary"
  nvcc --version | tail -1 | tee -a "$summary"

  # dependencies from the private prefix; nothing is written outside the repository
  step build 10 bash -c "$(declare -f unpack); root='$root'; unpack" || exit 1
  export LD_LIBRARY_PATH="$arch_libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  step build 20 cmake -S . -B build-gpu -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_CUDA_ARCHITECTURES=90 -DSTAMPEDE_BUILD_CUDA_EMULATION=OFF \
    -DCMAKE_PREFIX_PATH="$prefixes" || exit 1
  step build 170 cmake --build build-gpu -j"$(nproc)" --target stampede stampede_cuda_plugin \
    gpu_tests || { grep -E "error|FAILED" "$out/build.log" | head -20 >> "$summary"; exit 1; }
  "$st" --version 2>&1 | tee -a "$summary"

  # each suite in its own process, so a kernel fault cannot fail the suites after it; the
  # summary gets each suite's counts and the names of its failed tests
  local from
  for suite in "KernelTest.*|25" "UpdateTest.*|30" "BackendTest.*:BackendWithoutDevice.*|50" \
    "GpuBenchTest.*|15"; do
    from=$(($(wc -l < "$out/tests.log" 2>/dev/null || echo 0) + 1))
    step tests "${suite#*|}" "$gt" --gtest_filter="${suite%|*}"
    tail -n +"$from" "$out/tests.log" |
      grep -E "^\[  (PASSED  |SKIPPED )\] [0-9]+ test|^\[  FAILED  \] " >> "$summary"
  done

  # out-of-bounds and misaligned accesses, then shared-memory races, on one small test each
  local sanitizer
  sanitizer=$(command -v compute-sanitizer || ls /usr/local/cuda/bin/compute-sanitizer \
    /usr/local/cuda/compute-sanitizer/compute-sanitizer 2> /dev/null | head -1)
  step sanitizer 30 "${sanitizer:-compute-sanitizer}" --tool memcheck --error-exitcode 9 \
    "$gt" --gtest_filter=UpdateTest.FusedMinibatchGradientMatchesCpu
  step sanitizer 40 "${sanitizer:-compute-sanitizer}" --tool racecheck \
    --racecheck-report hazard --error-exitcode 9 "$gt" \
    --gtest_filter=UpdateTest.FusedGradientIsBitIdentical
  grep -E "ERROR SUMMARY|RACECHECK SUMMARY" "$out/sanitizer.log" >> "$summary"

  step bench 20 "$st" bench --device cuda --env cartpole --num-envs 65536 --skip-update \
    --json "$out/bench_cartpole.json"
  step bench 30 "$st" bench --device cuda --env swimmer --num-envs 65536 --skip-update \
    --json "$out/bench_swimmer.json"
  step bench 25 "$st" bench --device cuda --skip-throughput --update-widths 64,128,256 \
    --json "$out/bench_update.json"
  grep -E "^ +[0-9]+ |physics|memory traffic" "$out/bench.log" >> "$summary"
  note "total $SECONDS s"
}

case "${1:-}" in
  prepare) prepare ;;
  run) run ;;
  *)
    echo "usage: $0 prepare|run" >&2
    exit 2
    ;;
esac
