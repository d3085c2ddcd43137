# Sourced by scripts/dashboard and scripts/test: create .venv with Python 3.11+ and install the project.
# Usage: source scripts/setup.sh EXTRAS   (e.g. "app" or "test")
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PY="${PYTHON:-python3.11}"
command -v "$PY" >/dev/null 2>&1 || PY=python3
"$PY" -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11+ is required"' || {
  echo "org-analytics needs Python 3.11 or newer (found: $("$PY" --version 2>&1))" >&2; exit 2; }
if [ ! -x "$ROOT/.venv/bin/python" ]; then
  echo "==> creating $ROOT/.venv" >&2
  "$PY" -m venv "$ROOT/.venv"
fi
stamp="$ROOT/.venv/.installed-$1-$(cat "$ROOT/pyproject.toml" | cksum | cut -d' ' -f1)"
if [ ! -f "$stamp" ]; then
  echo "==> installing org-analytics[$1] into .venv (first run takes a few minutes)" >&2
  "$ROOT/.venv/bin/python" -m pip install -q --upgrade pip
  "$ROOT/.venv/bin/python" -m pip install -q -e "$ROOT[$1]"
  touch "$stamp"
fi
export PATH="$ROOT/.venv/bin:$PATH"
