# Shared by scripts/demo and scripts/test: a virtual environment in .venv with the console installed.
# The console ends up in .venv/bin/strapi-console, which is not on PATH: `source .venv/bin/activate` puts it there.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
PY="${PYTHON:-python3}"
if ! "$PY" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' 2>/dev/null; then
  echo "strapi-console needs Python 3.11 or newer ($PY is $("$PY" --version 2>&1))." >&2
  exit 1
fi
source "$ROOT/scripts/_node.sh"
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
