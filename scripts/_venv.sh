# Shared by scripts/demo and scripts/test: a virtual environment in .venv with the console installed.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
PY="${PYTHON:-python3}"
if ! "$PY" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' 2>/dev/null; then
  echo "strapi-console needs Python 3.11 or newer ($PY is $("$PY" --version 2>&1))." >&2
  exit 1
fi
for tool in node npm; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "'$tool' is not on PATH: the bundled Strapi server needs Node.js 20 and npm." >&2
    exit 1
  fi
done
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
