#!/usr/bin/env bash
# Sets up a fresh machine for FaceKit: system packages (as root, Debian/Ubuntu) and npm dependencies.
# Safe to run again. Native TensorFlow (@tensorflow/tfjs-node, -gpu) is optional: its install downloads
# libtensorflow, which fails offline; FaceKit then falls back to the WebAssembly backend.
set -euo pipefail
cd "$(dirname "$0")/.."

as_root=()
[ "$(id -u)" = 0 ] || as_root=(sudo)

if command -v apt-get >/dev/null 2>&1; then
  # build tools compile better-sqlite3 when no prebuilt binary can be downloaded; chromium runs browser
  # mode (`npm start` without Electron) and the end-to-end tests; xvfb gives it a screen on headless
  # machines; fonts so the screens render text.
  need=()
  for pkg in python3 make g++ chromium xvfb fonts-dejavu-core; do dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg"); done
  if [ ${#need[@]} -gt 0 ]; then
    "${as_root[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${as_root[@]}" apt-get install -y -qq "${need[@]}"
  fi
fi

# Electron's binary is fetched from GitHub on first start, not at install (`npm start` explains).
npm ci --no-audit --no-fund
npm run build
