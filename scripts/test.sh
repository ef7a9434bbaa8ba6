#!/usr/bin/env bash
# Install everything the tests need into .venv and run the whole test suite.
source "$(dirname "$0")/_venv.sh" "dev,mlx"
ruff check qfin tests
python -m pytest "$@"
