#!/usr/bin/env bash
# Installs everything the project needs on a fresh Debian 12 machine, then builds.
# Idempotent: a second run only checks. Runs as root here; uses sudo otherwise.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"

apt_packages=(
  meson ninja-build pkg-config gcc clang llvm libclang-rt-dev
  libglib2.0-dev libgstreamer1.0-dev libgstreamer-plugins-base1.0-dev
  libgstreamer-plugins-bad1.0-dev gstreamer1.0-tools gstreamer1.0-plugins-base
  gstreamer1.0-plugins-good gstreamer1.0-plugins-bad gstreamer1.0-plugins-ugly
  gstreamer1.0-libav gstreamer1.0-nice
  libssl-dev libsodium-dev check
  gobject-introspection libgirepository1.0-dev gir1.2-gstreamer-1.0 python3-gi python3-gst-1.0
  libsoup-3.0-dev libprotobuf-c-dev protobuf-c-compiler libjson-glib-dev
  iproute2 redis-server valgrind
  chromium
)
# The machine image ships Node 20; Debian's own nodejs only if there is none.
command -v node >/dev/null || apt_packages+=(nodejs npm)
missing=()
for p in "${apt_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "bootstrap: installing ${missing[*]}"
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# LiveKit's own JS implementation and playwright-core (drives the headless
# `chromium` above in the browser scenarios), pinned (tests/interop/package.json
# + lock). playwright-core downloads no browser.
if [ ! -d "$top/tests/interop/node_modules/livekit-client" ] ||
  [ ! -d "$top/tests/interop/node_modules/playwright-core" ]; then
  (cd "$top/tests/interop" && npm ci --no-audit --no-fund --loglevel=error)
fi

if [ ! -f "$top/build/build.ninja" ]; then
  meson setup "$top/build" "$top" --buildtype=debugoptimized
fi
ninja -C "$top/build"
