#!/usr/bin/env bash
# Compares `gst-inspect-1.0` of every element of the plugin with the snapshot
# in docs/reference/ (the element reference users read).
#   inspect.sh check    fail on any difference (the test)
#   inspect.sh update   rewrite the snapshots
set -euo pipefail
mode=${1:-check}
top=$(cd "$(dirname "$0")/../.." && pwd)
snapshots="$top/docs/reference"

# Drop the lines that name this machine's build paths.
normalize() {
  sed -e '/^  Filename /d' -e '/^Plugin Details:/,/^$/{/^  Version /d}'
}

elements=$(gst-inspect-1.0 livekit | sed -n 's/^  \([a-z0-9]*\): .*/\1/p' | sort)
[ -n "$elements" ] || { echo "no elements found in the livekit plugin"; exit 1; }

status=0
for e in $elements; do
  actual=$(gst-inspect-1.0 "$e" | normalize)
  case "$mode" in
    update) printf '%s\n' "$actual" > "$snapshots/$e.txt" ;;
    check)
      if ! diff -u "$snapshots/$e.txt" <(printf '%s\n' "$actual"); then
        echo "FAIL: gst-inspect-1.0 $e differs from docs/reference/$e.txt" \
          "(run tests/inspect/inspect.sh update and review)"
        status=1
      fi
      # Key material must never be readable.
      for p in shared-key shared-key-hex; do
        if printf '%s\n' "$actual" | grep -A1 "^  $p  *:" | grep -q "readable"; then
          echo "FAIL: $e property $p is readable"
          status=1
        fi
      done
      ;;
  esac
done
for snap in "$snapshots"/*.txt; do
  name=$(basename "$snap" .txt)
  if ! grep -qx "$name" <<<"$elements"; then
    echo "FAIL: snapshot $name.txt has no element"
    status=1
  fi
done
[ "$status" -eq 0 ] && echo "gst-inspect matches docs/reference for: $(echo $elements)"
exit $status
