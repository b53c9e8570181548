#!/usr/bin/env bash
# Installs everything cnnscope needs to build, run and test on Debian 12 (bookworm).
# Runs apt-get as root (directly, or through sudo when run as a user).
set -euo pipefail

packages=(
  # build
  build-essential cmake pkg-config git ccache
  # core: OpenCV with dnn/videoio, Keras .h5 weights, CLI parsing
  libopencv-dev libhdf5-dev libcli11-dev
  # fast CPU convolution inside OpenCV dnn (CMake option CNNSCOPE_ONEDNN)
  libdnnl-dev
  # recording: GIF encoder and palette quantisation
  libgif-dev libimagequant-dev
  # GUI: window, Dear ImGui (GLFW + OpenGL3 backends), glad loader generator
  libglfw3-dev libimgui-dev python3-glad
  # tests: doctest, headless X with software GL, sample footage, Python references
  doctest-dev xvfb xauth libgl1-mesa-dri opencv-doc gstreamer1.0-plugins-base
  python3 python3-numpy python3-h5py python3-matplotlib python3-pil python3-onnx
  # tests that export nets with torch.onnx (readable layer names, compare-models by position)
  python3-torch
  # the OpenCL target, tested on POCL's CPU device (tests/e2e/test_opencl.py); clinfo lists devices
  pocl-opencl-icd ocl-icd-libopencl1 clinfo
  # the .deb package (cpack -G DEB; dpkg-shlibdeps writes its Depends)
  dpkg-dev fakeroot
  # the Slurm array job of featvis, tested on a single-node Slurm (tests/e2e/test_slurm.py)
  slurm-wlm munge
  # fetching weights (cnnscope fetch): libcurl, OpenSSL's EVP digests for the checksums
  libcurl4-openssl-dev libssl-dev ca-certificates
)

as_root() { if [[ $(id -u) -eq 0 ]]; then "$@"; else sudo "$@"; fi; }

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [[ ${#missing[@]} -eq 0 ]]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi
echo "install-deps: installing ${#missing[@]} package(s): ${missing[*]}"
as_root apt-get update -q
as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
