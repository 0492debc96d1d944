#!/usr/bin/env bash
# The README's second command (and CI's): install what is missing, build everything in Release
# (the CUDA backend too wherever nvcc exists, for one architecture, so CUDA code is
# compile-checked on GPU-less machines), run the whole GoogleTest suite through ctest, then the
# MJCF loader fuzz test built with clang/libFuzzer, then the check that the packages a lent GPU
# machine builds with (scripts/gpu_session.sh) are complete. GPU tests report themselves as
# skipped without a GPU.
#
# STAMPEDE_TEST_CUDA_ARCHITECTURES (default 90, the lent H200's) sets the CUDA architectures;
# a release build without it compiles for 80, 86, 89 and 90.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs="$(nproc)"

scripts/install_deps.sh

# the packages the export tests load exported files, event files and videos with, from PyPI, in
# a venv of the build's
py_env="$PWD/build-test/pyenv"
if [ ! -x "$py_env/bin/python" ] ||
  ! "$py_env/bin/python" -c "import onnxruntime, gymnasium, mujoco, tensorboard, imageio, jax" \
    2> /dev/null; then
  mkdir -p build-test
  python3 -m venv "$py_env" &&
    "$py_env/bin/pip" install -q numpy==2.4.6 safetensors==0.8.0 onnx==1.23.2 \
      onnxruntime==1.32.0 "gymnasium[mujoco]==1.2.2" mujoco==3.3.7 tensorboard==2.21.0 \
      imageio==2.38.2 imageio-ffmpeg==0.8.1 pillow==13.0.0 pytest==9.2.0 "jax[cpu]==0.10.2" ||
    echo "test.sh: no PyPI packages for tests/export; export.* will report itself skipped" >&2
fi
py_arg=""
if [ -x "$py_env/bin/python" ]; then py_arg="-DSTAMPEDE_TEST_PYTHON=$py_env/bin/python"; fi

cmake -S . -B build-test -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_CUDA_ARCHITECTURES="${STAMPEDE_TEST_CUDA_ARCHITECTURES:-90}" \
  $py_arg ${STAMPEDE_CMAKE_ARGS:-}
cmake --build build-test -j"$jobs"
(cd build-test && ctest --output-on-failure -j"$jobs" --timeout 1500)
# the fault-injection suite needs python3; a machine without it must not pass silently
if ! (cd build-test && ctest -N -L faults | grep -q "Total Tests: [1-9]"); then
  echo "test.sh: the faults.* tests were not registered (is python3 installed?)" >&2
  exit 1
fi

# the Python package: `pip install .` into the venv (scikit-build-core builds python/ with the
# same CMake project), then its pytest suite against the command line just built
if [ -x "$py_env/bin/python" ]; then
  "$py_env/bin/pip" install -q . ||
    { echo "test.sh: pip install . failed" >&2; exit 1; }
  (cd build-test && STAMPEDE_BINARY="$PWD/stampede" "$py_env/bin/python" -m pytest -q -rs \
    ../tests/python)
else
  echo "test.sh: no Python venv, so the Python package (tests/python) was not tested" >&2
  exit 1
fi

if command -v clang++ >/dev/null && [ -f tests/fuzz/CMakeLists.txt ]; then
  cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_COMPILER=clang++ \
    -DSTAMPEDE_ENABLE_CUDA=OFF -DSTAMPEDE_BUILD_FUZZERS=ON
  cmake --build build-fuzz -j"$jobs" --target mjcf_fuzz
  (cd build-fuzz && ctest --output-on-failure -R fuzz)
fi

scripts/gpu_session.sh prepare
