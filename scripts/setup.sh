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
  # machines; fonts so the screens render text; postgresql's binaries for the registry tests (#13), which
  # start a throw-away server of their own (test/helpers/postgres.ts).
  need=()
  for pkg in python3 make g++ chromium xvfb fonts-dejavu-core postgresql; do dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg"); done
  if [ ${#need[@]} -gt 0 ]; then
    # No system cluster ("main") is created or started by installing postgresql: FaceKit needs the binaries only.
    "${as_root[@]}" mkdir -p /etc/postgresql-common/createcluster.d
    echo 'create_main_cluster = false' | "${as_root[@]}" tee /etc/postgresql-common/createcluster.d/facekit.conf >/dev/null
    "${as_root[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${as_root[@]}" apt-get install -y -qq "${need[@]}"
  fi
fi

# Electron's binary is fetched from GitHub on first start, not at install (`npm start` explains).
npm ci --no-audit --no-fund
npm run build

# `facekit` on the PATH: a symlink to bin/facekit.js (which finds this checkout's node_modules through its real
# path). Root: /usr/local/bin, on every user's PATH, login shells and sudo included. Others: ~/.local/bin, which
# Debian's ~/.profile puts on the PATH of the next login shell once the folder exists. Not `npm link`: npm's
# global prefix is /usr with Debian's node, so the link would land among the system's files in /usr/bin and
# other users could not make one without root.
if [ "$(id -u)" = 0 ]; then bin_dir=/usr/local/bin; else bin_dir="$HOME/.local/bin"; fi
mkdir -p "$bin_dir"
ln -sfn "$PWD/bin/facekit.js" "$bin_dir/facekit"
found="$(command -v facekit || true)"
if [ -n "$found" ] && [ "$(readlink -f "$found")" != "$(readlink -f "$bin_dir/facekit")" ]; then
  echo "setup: note: $found comes before $bin_dir/facekit on the PATH; remove it or call $bin_dir/facekit." >&2
fi
case ":$PATH:" in
  *":$bin_dir:"*) echo "FaceKit is set up: run \`facekit --help\` ($bin_dir/facekit -> $PWD/bin/facekit.js)." ;;
  *) echo "FaceKit is set up: run \`$bin_dir/facekit --help\`, or plain \`facekit\` in a new login shell (or after export PATH=\"$bin_dir:\$PATH\")." ;;
esac
