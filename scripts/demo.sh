#!/usr/bin/env bash
# The main job: set up .venv, build the embedded database, run the demo pipeline
# (pipelines/demo.yaml: notebooks over small parameter grids, in parallel on a local Dask
# cluster) and print where its HTML report is.
source "$(dirname "$0")/_venv.sh" "mlx"
qfin data init
status=0
qfin pipeline run pipelines/demo.yaml "$@" || status=$?
latest=$(ls -d runs/demo/*/ 2>/dev/null | sort | tail -n 1 || true)
if [ -n "$latest" ] && [ -f "${latest}index.html" ]; then
  echo
  echo "Report: $PWD/${latest}index.html   (opens offline in any browser)"
  [ -f "${latest}index.pdf" ] && echo "PDF:    $PWD/${latest}index.pdf"
fi
exit $status
