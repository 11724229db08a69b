# Sourced by the project's scripts: creates (once) and locates virtualenvs
# built from pinned requirement files, cached outside the work tree.
#   tpn_venv NAME REQUIREMENTS_FILE  -> prints the virtualenv's path
set -euo pipefail
TPN_CACHE="${TPN_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/terraform-provider-nova}"

tpn_python() {
  for p in python3.11 python3.12 python3.13 python3; do
    if command -v "$p" >/dev/null 2>&1; then command -v "$p"; return; fi
  done
  echo "python3 is required" >&2; return 1
}

tpn_venv() {
  local name="$1" req="$2" hash dir py
  hash=$(sha256sum "$req" | cut -c1-12)
  dir="$TPN_CACHE/venv-$name-$hash"
  if [ ! -x "$dir/bin/python" ] || [ ! -f "$dir/.complete" ]; then
    py=$(tpn_python)
    if ! "$py" -c 'import venv, ensurepip' >/dev/null 2>&1; then
      echo "[setup] installing python3-venv (apt)" >&2
      apt-get update -qq >&2 && apt-get install -y -qq python3-venv >&2
    fi
    echo "[setup] creating virtualenv $dir (from $(basename "$req"))" >&2
    rm -rf "$dir"
    "$py" -m venv "$dir" >&2
    "$dir/bin/pip" install -q --upgrade pip >&2
    "$dir/bin/pip" install -q -r "$req" >&2
    touch "$dir/.complete"
  fi
  echo "$dir"
}
