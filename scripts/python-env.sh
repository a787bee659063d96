#!/usr/bin/env bash
# Creates (once) the Python venv used by the integration tests and installs
# tests/integration/requirements.txt into it. Idempotent: re-running with an
# unchanged requirements file does nothing. Prints the venv's python path on
# stdout (everything else goes to stderr).
#
#   PY=$(scripts/python-env.sh)
#
# Env: GST_LK_VENV  venv directory (default: $XDG_CACHE_HOME or ~/.cache
#                   /gst-livekit-e2ee/venv)
#      PYTHON       interpreter to build the venv from (default: python3)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
req=$top/tests/integration/requirements.txt
venv=${GST_LK_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/gst-livekit-e2ee/venv}
python=${PYTHON:-python3}

stamp=$venv/.requirements.sha256
want=$(sha256sum "$req" | cut -d' ' -f1)

if [ -x "$venv/bin/python" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] &&
  "$venv/bin/python" -c 'import livekit.rtc, livekit.api, numpy' 2>/dev/null; then
  echo "$venv/bin/python"
  exit 0
fi

if [ ! -x "$venv/bin/python" ]; then
  echo "python-env: creating $venv" >&2
  mkdir -p "$(dirname "$venv")"
  "$python" -m venv "$venv" >&2
fi
echo "python-env: installing $req" >&2
"$venv/bin/python" -m pip install --disable-pip-version-check -q -r "$req" >&2
"$venv/bin/python" -c 'import livekit.rtc, livekit.api, numpy' >&2
echo "$want" >"$stamp"
echo "$venv/bin/python"
