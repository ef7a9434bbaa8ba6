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
  # The "mlx" extra installs MLX only where PyPI has wheels (environment markers in
  # pyproject.toml). Should MLX still fail to install (e.g. a Linux whose glibc is older than
  # its wheels need), carry on without it: qfin then runs on numpy.
  if ! .venv/bin/python -m pip install --quiet --disable-pip-version-check -e ".[${EXTRAS}]"; then
    case ",${EXTRAS}," in
      *,mlx,*)
        REST=$(echo ",${EXTRAS}," | sed 's/,mlx,/,/; s/^,//; s/,$//')
        echo "qfin: MLX could not be installed here; continuing without it (numpy backend)" >&2
        .venv/bin/python -m pip install --quiet --disable-pip-version-check -e ".${REST:+[$REST]}"
        ;;
      *) exit 1 ;;
    esac
  fi
  touch "$STAMP"
fi
export PATH="$PWD/.venv/bin:$PATH"
