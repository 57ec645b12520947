#!/usr/bin/env bash
# Builds llama.cpp's llama-server from the llama.cpp source bundled in the npm package
# node-llama-cpp (no other downloads), and caches the binary outside the checkout:
#   ${XDG_CACHE_HOME:-~/.cache}/inference-telemetry/llama-server/<version>/llama-server
# A cached binary that answers --version is reused; otherwise the build takes ~6 min on 2 cores.
# Needs: npm, git, cmake, ninja (or make), a C++ compiler. Prints the binary's path last.
set -euo pipefail

version="${NODE_LLAMA_CPP_VERSION:-3.22.1}"
cache="${XDG_CACHE_HOME:-$HOME/.cache}/inference-telemetry/llama-server/$version"
binary="$cache/llama-server"

if [ -x "$binary" ] && "$binary" --version >/dev/null 2>&1; then
  echo "$binary"
  exit 0
fi

for tool in npm git cmake c++; do
  command -v "$tool" >/dev/null || { echo "build-llama-server: '$tool' is missing (apt-get install -y cmake ninja-build g++ git npm)" >&2; exit 2; }
done
generator="Unix Makefiles"
command -v ninja >/dev/null && generator="Ninja"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"

npm pack --silent "node-llama-cpp@$version" >/dev/null
tar -xzf "node-llama-cpp-$version.tgz" package/llama/gitRelease.bundle package/llama/llama.cpp.info.json
git -c advice.detachedHead=false clone --quiet package/llama/gitRelease.bundle llama.cpp

cmake -S llama.cpp -B build -G "$generator" -DCMAKE_BUILD_TYPE=Release \
  -DLLAMA_USE_PREBUILT_UI=OFF -DLLAMA_BUILD_UI=OFF -DGGML_NATIVE=OFF -DLLAMA_OPENSSL=OFF \
  -DLLAMA_CURL=OFF -DBUILD_SHARED_LIBS=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF \
  -DLLAMA_BUILD_SERVER=ON >cmake.log 2>&1 || { tail -n 40 cmake.log >&2; exit 1; }
cmake --build build --target llama-server -j "$(nproc)" >build.log 2>&1 || { tail -n 40 build.log >&2; exit 1; }

built=$(find build -type f -name llama-server -perm -u+x | head -n 1)
[ -n "$built" ] || { echo "build-llama-server: build finished without a llama-server binary" >&2; exit 1; }
mkdir -p "$cache"
cp "$built" "$binary.tmp"
mv "$binary.tmp" "$binary"
"$binary" --version >/dev/null 2>&1 || { echo "build-llama-server: $binary does not run" >&2; exit 1; }
echo "$binary"
