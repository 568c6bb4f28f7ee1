#!/usr/bin/env bash
# Sets up a fresh machine for FaceKit: system packages (as root, Debian/Ubuntu) and npm dependencies.
# Safe to run again. Native TensorFlow (@tensorflow/tfjs-node, -gpu) is optional: its install downloads
# libtensorflow, which fails offline; FaceKit then falls back to the WebAssembly backend.
set -euo pipefail
cd "$(dirname "$0")/.."

as_root=()
[ "$(id -u)" = 0 ] || as_root=(sudo)

if command -v apt-get >/dev/null 2>&1; then
  # build tools compile better-sqlite3 when no prebuilt binary can be downloaded
  need=()
  for pkg in python3 make g++; do dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg"); done
  if [ ${#need[@]} -gt 0 ]; then
    "${as_root[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${as_root[@]}" apt-get install -y -qq "${need[@]}"
  fi
fi

npm ci --no-audit --no-fund
