# Sourced by scripts/demo.sh and scripts/test.sh: create the project-local virtual
# environment .venv (once) and install qfin into it with the given extras.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
PYTHON="${PYTHON:-python3}"
if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  echo "qfin needs Python >= 3.11; set PYTHON=/path/to/python3.11" >&2
  exit 1
fi
EXTRAS="$1"
STAMP=".venv/.qfin-installed-${EXTRAS//,/-}"
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
if [ ! -f "$STAMP" ] || [ pyproject.toml -nt "$STAMP" ]; then
  .venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -e ".[${EXTRAS}]"
  touch "$STAMP"
fi
export PATH="$PWD/.venv/bin:$PATH"
