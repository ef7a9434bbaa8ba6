#!/usr/bin/env bash
# QOBLIB a050 on a GPU machine: qfin's structured annealing on MLX (CUDA) and on numpy.
#
# For a fresh checkout on an NVIDIA box (tested for a 16-core H200; < 8 minutes): makes its
# own venv (.venv-gpu) with `pip install -e ".[mlx]"` plus `mlx[cuda]`, then runs the 6 a050
# instances x QOBLIB's 8 q with the annealing method only, TIME_LIMIT seconds per
# (instance, q), once on MLX (256 replicas, the GPU) and once on numpy (8 replicas, one core
# per instance, the 6 instances in parallel). Figures go to $OUT (default ./gpu-qoblib-out):
#   a050-mlx.{csv,json,html}, a050-numpy-<instance>.{csv,json}, a050-gpu-vs-cpu.{csv,html},
#   summary.txt (time-to-target side by side), environment.txt, *.log
#   OUT=/tmp/out TIME_LIMIT=4 bash scripts/gpu_qoblib.sh
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
OUT="${OUT:-$PWD/gpu-qoblib-out}"
TIME_LIMIT="${TIME_LIMIT:-4}"
PYTHON="${PYTHON:-python3}"
mkdir -p "$OUT"
start=$(date +%s)
log() { echo "[gpu_qoblib $(($(date +%s) - start))s] $*" | tee -a "$OUT/progress.log"; }

log "venv (.venv-gpu): pip install -e .[mlx] mlx[cuda]"
if [ ! -x .venv-gpu/bin/python ]; then "$PYTHON" -m venv .venv-gpu; fi
.venv-gpu/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip \
  >"$OUT/pip.log" 2>&1
.venv-gpu/bin/python -m pip install --quiet --disable-pip-version-check -e ".[mlx]" "mlx[cuda]" \
  >>"$OUT/pip.log" 2>&1 || { log "pip install failed (see pip.log)"; exit 1; }
PY=.venv-gpu/bin/python
QFIN=.venv-gpu/bin/qfin
export QFIN_HOME="$OUT/qfin-home"

{ nvidia-smi 2>&1 | head -20; nproc; $PY - <<'EOF'
from qfin.backends import get
import mlx.core as mx
be = get("mlx")
print("qfin mlx backend device:", be.device, "| mlx", mx.__version__)
EOF
} >"$OUT/environment.txt" 2>&1
log "$(grep 'qfin mlx backend device' "$OUT/environment.txt" || echo 'MLX backend unavailable')"

log "numpy: 6 instances in parallel, ${TIME_LIMIT} s per (instance, q)"
pids=()
for inst in po_a050_t10_orig po_a050_t10_s00 po_a050_t10_s01 po_a050_t15_orig po_a050_t15_s00 \
            po_a050_t15_s01; do
  OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 $QFIN bench qoblib --instance "$inst" --method annealing \
    --backend numpy --time-limit "$TIME_LIMIT" --no-store --json "$OUT/a050-numpy-$inst.json" \
    --out "$OUT/a050-numpy-$inst.csv" >"$OUT/numpy-$inst.log" 2>&1 &
  pids+=($!)
done

log "MLX: 6 instances x 8 q, 256 replicas, ${TIME_LIMIT} s per (instance, q)"
$QFIN bench qoblib --size 50 --method annealing --backend mlx --reads 256 \
  --time-limit "$TIME_LIMIT" --no-store --json "$OUT/a050-mlx.json" --out "$OUT/a050-mlx.csv" \
  >"$OUT/mlx.log" 2>&1 || log "MLX run failed (see mlx.log)"
for pid in "${pids[@]}"; do wait "$pid" || log "a numpy run failed (see numpy-*.log)"; done

log "comparison"
$PY - "$OUT" <<'EOF' 2>&1 | tee "$OUT/summary.txt"
import glob, json, sys
from pathlib import Path
import pandas as pd
out = Path(sys.argv[1])
frames = []
for path in [out / "a050-mlx.json", *sorted(out.glob("a050-numpy-*.json"))]:
    if path.exists():
        frames.append(pd.DataFrame(json.loads(path.read_text())["rows"]))
if not frames:
    sys.exit("no results")
rows = pd.concat(frames, ignore_index=True)
for c in ("ttt_median_s", "gap", "best_published"):
    rows[c] = pd.to_numeric(rows[c], errors="coerce")
rows["run"] = rows["backend"] + ":" + rows["device"]
wide = rows.pivot_table(index=["instance", "q", "published", "gurobi_status"], columns="run",
                        values=["best_published", "ttt_median_s", "gap"], aggfunc="first")
wide.columns = [f"{a}|{b}" for a, b in wide.columns]
wide = wide.reset_index()
wide.to_csv(out / "a050-gpu-vs-cpu.csv", index=False)
pd.set_option("display.width", 250)
pd.set_option("display.max_columns", 20)
print(wide.to_string(index=False))
for run, part in rows.groupby("run"):
    opt = part[part["gurobi_status"] == "OPTIMAL"]
    lim = part[part["gurobi_status"] != "OPTIMAL"]
    m = lambda d: int(d["matched"].astype(str).str.lower().eq("true").sum())
    print(f"{run}: matched-or-beat {m(part)}/{len(part)} (OPTIMAL {m(opt)}/{len(opt)}, "
          f"TIME_LIMIT {m(lim)}/{len(lim)}); median TTT {part['ttt_median_s'].median():.3g} s; "
          f"median gap {part['gap'].median():+.2e}")
try:
    import plotly.express as px
    fig = px.scatter(rows, x=rows["instance"] + " q=" + rows["q"].astype(str), y="ttt_median_s",
                     color="run", log_y=True,
                     title="QOBLIB a050: time to Gurobi's published value, MLX (GPU) vs numpy (CPU)")
    fig.write_html(out / "a050-gpu-vs-cpu.html", include_plotlyjs=True)
except Exception as exc:  # noqa: BLE001
    print("figure failed:", exc)
EOF
log "done; figures in $OUT"
