#!/usr/bin/env bash
# Installs the Debian packages stampede builds and tests with. Idempotent: installs only what is
# missing, so it is cheap to run before every build. The CUDA toolkit is not a Debian package
# here; without nvcc the CPU backend builds and tests on its own.
set -euo pipefail

packages=(
  cmake ninja-build g++            # build
  libcli11-dev                     # command line
  libtomlplusplus-dev              # TOML config files
  libonnx-dev libprotobuf-dev      # ONNX export (optional for a build; CI tests it)
  nlohmann-json3-dev               # checkpoint headers, goldens
  libpugixml-dev                   # MJCF loader
  libtbb-dev                       # the CPU backend's threads (host/cpu/parallel.hpp)
  libgtest-dev                     # tests
  libboost-context-dev             # fibers of the CPU emulation of CUDA (tests/cuda_emu)
  clang libclang-rt-14-dev         # libFuzzer for the MJCF loader fuzz test
  python3 python3-venv             # the fault-injection suite; the export test's venv
  libboost-dev                     # CRC-32C of TensorBoard's records (boost/crc.hpp)
  libosmesa6                       # headless MuJoCo rendering of replay videos (tests/export)
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
echo "installing: ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
