#!/usr/bin/env bash
# The main job: set up .venv, build the embedded database and summarise the sample.
source "$(dirname "$0")/_venv.sh" "mlx"
qfin data init
qfin data info
