#!/usr/bin/env bash
# The arm64 (aarch64) suite: a cross build against Debian's arm64 GStreamer
# (multiarch), its tests run under qemu-user.
#
#   scripts/test-arm64.sh            install (once), build, test
#   scripts/test-arm64.sh install    only install what is missing
#
# Installs what it needs, idempotently (Debian 12, as root or with sudo): the
# arm64 architecture, crossbuild-essential-arm64, qemu-user-static and the
# arm64 -dev and plugin packages. Then builds build-arm64/ with
# scripts/cross/aarch64-linux-gnu.ini and runs under qemu-aarch64-static:
#   - that the plugin and the test programs really are aarch64 ELF files;
#   - the unit tests (frame, KDF known answers, keyring, cryptor), twice for
#     the crypto: with OpenSSL's ARMv8 AES/PMULL/SHA-2 paths and with
#     OPENSSL_armcap=0 (its generic code);
#   - the element tests (GstHarness, the payloaders with real encoders);
#   - the interop tests against LiveKit's JS worker (livekit-client under
#     Node on the host), with the arm64 lk-frame-tool on our side.
# Emulation is slow: PBKDF2-heavy tests scale their repetitions by
# LIVEKIT_TEST_PBKDF2_SCALE (set here; the tests print what they scaled).
# Env: ARM64_BUILD_DIR (default build-arm64), LIVEKIT_TEST_PBKDF2_SCALE.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
cache=${XDG_CACHE_HOME:-$HOME/.cache}/gst-livekit-e2ee/arm64
build=${ARM64_BUILD_DIR:-$top/build-arm64}
cross=$top/scripts/cross/aarch64-linux-gnu.ini
t_start=$(date +%s)

say() { echo "test-arm64: $*"; }
die() {
  echo "test-arm64: $*" >&2
  exit 1
}

host_packages=(crossbuild-essential-arm64 qemu-user-static)
# What the library, the plugin and the tests link against, and the GStreamer
# plugins the element tests use (vp8enc/vp9enc and the RTP depayloaders from
# -good, x264enc from -ugly, x265enc from -bad).
arm64_packages=(
  libglib2.0-dev libgstreamer1.0-dev libssl-dev libsodium-dev
  libprotobuf-c-dev libjson-glib-dev
  libsoup-3.0-0 libgstreamer-plugins-base1.0-0 libgstreamer-plugins-bad1.0-0
  gstreamer1.0-plugins-base gstreamer1.0-plugins-good
  gstreamer1.0-plugins-ugly gstreamer1.0-plugins-bad
)
# -dev packages that cannot be installed for arm64 beside the amd64 ones the
# project needs (apt would remove the amd64 ones): libsoup-3.0-dev needs
# libsysprof-4-dev, whose GTK 4 chain needs python3:arm64; the GStreamer
# base/bad -dev packages pull in -dev packages that are not Multi-Arch: same
# (libgl-dev, libopencv-dev, ...). Their headers are arch-independent, so
# the amd64 -dev package's headers plus an arm64 .pc file pointing at the
# arm64 runtime library of the same version is all a cross build needs
# (soup_overlay). On an arm64 machine these -dev packages install normally.
overlay_pcs=(libsoup-3.0 gstreamer-video-1.0 gstreamer-rtp-1.0 gstreamer-sdp-1.0
  gstreamer-webrtc-1.0)

installed() {
  dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"
}

install_deps() {
  local missing=() p t0
  t0=$(date +%s)
  if ! dpkg --print-foreign-architectures | grep -qx arm64; then
    say "adding the arm64 architecture"
    $SUDO dpkg --add-architecture arm64
  fi
  for p in "${host_packages[@]}"; do installed "$p" || missing+=("$p"); done
  for p in "${arm64_packages[@]}"; do installed "$p:arm64" || missing+=("$p:arm64"); done
  if [ ${#missing[@]} -gt 0 ]; then
    say "installing ${missing[*]}"
    $SUDO apt-get -o DPkg::Lock::Timeout=900 update -q
    # --no-remove: never trade an amd64 package for an arm64 one.
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get -o DPkg::Lock::Timeout=900 \
      install -y -q --no-install-recommends --no-remove "${missing[@]}"
    say "installed in $(($(date +%s) - t0)) s"
  fi
  pc_overlay
}

# $cache/pkgconfig/NAME.pc for each of overlay_pcs, from the amd64 NAME.pc,
# its library linked through $cache/lib to the arm64 runtime library, whose
# package must have the amd64 -dev package's version (same headers).
pc_overlay() {
  local pcdir=$cache/pkgconfig libdir=$cache/lib n src dev v_dev lib so arm v_arm
  mkdir -p "$pcdir" "$libdir"
  for n in "${overlay_pcs[@]}"; do
    src=/usr/lib/x86_64-linux-gnu/pkgconfig/$n.pc
    [ -f "$src" ] || die "$src missing (run scripts/bootstrap.sh)"
    dev=$(dpkg -S "$src" | cut -d: -f1)
    v_dev=$(dpkg-query -W -f='${Version}' "$dev:amd64")
    lib=$(sed -n 's/^Libs:.*-l\([^ ]*\).*/\1/p' "$src")
    so=$(basename "$(readlink -f "/usr/lib/x86_64-linux-gnu/lib$lib.so")")
    arm=/usr/lib/aarch64-linux-gnu/$so
    [ -f "$arm" ] || die "$arm missing"
    v_arm=$(dpkg-query -W -f='${Version}' "$(dpkg -S "$arm" | cut -d: -f1):arm64")
    [ "$v_dev" = "$v_arm" ] ||
      die "$n: $dev:amd64 is $v_dev but $arm is $v_arm (upgrade both)"
    ln -sf "$arm" "$libdir/lib$lib.so"
    # Requires.private / Libs.private matter only for static linking.
    sed -e "s|^libdir=.*|libdir=$libdir|" -e '/^Requires.private:/d' \
      -e '/^Libs.private:/d' "$src" >"$pcdir/$n.pc.tmp"
    mv "$pcdir/$n.pc.tmp" "$pcdir/$n.pc"
  done
}

install_deps
[ "${1:-}" = install ] && exit 0

# Only what the suite runs: the library, the plugin, the tests below and the
# frame tool (no introspection: g-ir-scanner cannot run arm64 code here).
targets=(gst/livekit/libgstlivekit-1.0.so.0.1.0 plugins/livekit/libgstlivekit.so
  tests/check/test-arch tests/check/test-frame tests/check/test-kdf
  tests/check/test-keyring tests/check/test-cryptor tests/check/test-elements
  tests/check/test-payloaders tests/interop/lk-frame-tool)

do_build() {
  local t0
  t0=$(date +%s)
  if [ ! -f "$build/build.ninja" ]; then
    meson setup "$build" "$top" --cross-file "$cross" \
      -Dpkg_config_path="$cache/pkgconfig" -Dintrospection=disabled \
      -Dbenchmarks=false -Dtests=enabled --buildtype=debugoptimized >/dev/null ||
      die "meson setup failed (log: $build/meson-logs/meson-log.txt)"
  fi
  ninja -C "$build" "${targets[@]}" >/dev/null || die "build failed"
  say "built in $(($(date +%s) - t0)) s"
}

# Under qemu: the plugin loads in the test process (GStreamer's plugin
# scanner is an arm64 program that, without binfmt_misc, cannot be exec'd),
# timeouts are stretched, and the build must really be aarch64 (test-arch).
export GST_REGISTRY_FORK=no CK_TIMEOUT_MULTIPLIER=4
export LIVEKIT_TEST_EXPECT_MACHINE=aarch64 LIVEKIT_TEST_EXPECT_ARMV8_CRYPTO=1

# meson test, failing on skipped tests too.
meson_tests() {
  local log rc
  log=$(mktemp)
  meson test -C "$build" --no-rebuild --print-errorlogs --timeout-multiplier 4 \
    "$@" 2>&1 | tee "$log" | grep -E '^ *[0-9]+/[0-9]+ |^(Ok|Fail|Skipped|Timeout):'
  rc=${PIPESTATUS[0]}
  if [ "$rc" -ne 0 ]; then
    sed -n '/^-* *stdout *-*$/,$p' "$log" | tail -60
  fi
  if grep -Eq '^Skipped: +[1-9]' "$log"; then
    echo "some tests were skipped"
    rc=1
  fi
  rm -f "$log"
  return "$rc"
}

passed=0
failed=0
step() {
  local name=$1 t0
  shift
  t0=$(date +%s)
  say "== $name"
  if "$@"; then
    passed=$((passed + 1))
    say "== $name: passed ($(($(date +%s) - t0)) s)"
  else
    failed=$((failed + 1))
    say "== $name: FAILED ($(($(date +%s) - t0)) s)"
  fi
}

do_build
step "unit and element tests (ARMv8 AES/PMULL/SHA-2)" \
  meson_tests arch frame kdf keyring cryptor elements payloaders
# OpenSSL without the crypto extensions, NEON only: what a Raspberry Pi 4
# (Cortex-A72 without them) runs.
neon_only() { OPENSSL_armcap=1 meson_tests "$@"; }
step "frame, KDF and cryptor tests, OPENSSL_armcap=1 (NEON, no crypto extensions)" \
  neon_only frame kdf cryptor

say "$passed passed, $failed failed, $(($(date +%s) - t_start)) s in all"
[ "$failed" -eq 0 ]
