"""Re-score a `qfin bench ccef --json` file from its weights alone, independently of qfin.

Reads the raw OR-Library files in data/orlib with numpy only (none of qfin's scoring code),
checks every point's feasibility (exactly k assets, bounds, weights summing to 1 within
1e-9) and recomputes Chang et al.'s mean percentage deviation from the UEF, protocol (a):
the smaller of the variance-direction and return-direction deviations, UEF linearly
interpolated and clamped to its range, negatives clipped to 0.

    python scripts/rescore_ccef_json.py docs/benchmarks/ccef/port4.json.gz
"""

import gzip
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1] / "data" / "orlib"


def load(instance: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Weekly mean returns, covariance (rho_ij s_i s_j) and the UEF (returns, variances)."""
    folder = ROOT / instance
    mu, s = np.loadtxt(folder / "return.csv", delimiter=",", unpack=True)
    rho = np.eye(len(mu))
    for i, j, r in np.loadtxt(folder / "risk.csv", delimiter=","):
        rho[int(i) - 1, int(j) - 1] = rho[int(j) - 1, int(i) - 1] = r
    uef = np.loadtxt(folder / "frontier.csv", delimiter=",")
    return mu, rho * np.outer(s, s), uef[:, 0], uef[:, 1]


def main(path: str) -> int:
    """Print each method's re-scored error beside the printed one; 1 if any differs."""
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt") as handle:
        payload = json.load(handle)
    worst = 0.0
    for m in payload["methods"]:
        mu, cov, u_ret, u_var = load(m["instance"])
        by_ret, by_var = np.argsort(u_ret), np.argsort(u_var)
        labels = [f"S{i + 1}" for i in range(len(mu))]
        devs, infeasible = [], 0
        for p in m["points"]:
            w = np.array([p["weights"].get(label, 0.0) for label in labels])
            held = w > 0
            infeasible += not (held.sum() == m["k"] and abs(w.sum() - 1.0) <= 1e-9
                               and (w[held] >= m["min_weight"] - 1e-9).all()
                               and (w[held] <= m["max_weight"] + 1e-9).all())
            ret, var = mu @ w, w @ cov @ w
            v_star = np.interp(ret, u_ret[by_ret], u_var[by_ret])
            r_star = np.interp(var, u_var[by_var], u_ret[by_var])
            devs.append(max(min(100 * (var - v_star) / v_star,
                                100 * (r_star - ret) / abs(r_star)), 0.0))
        mine, printed = float(np.mean(devs)), m["scores"]["mean_error"]
        worst = max(worst, abs(mine - printed))
        print(f"{m['instance']} {m['method']:<12} {len(devs)} points, {infeasible} infeasible; "
              f"mean % error (a) re-scored {mine:.6f}, printed {printed:.6f}")
    print(f"largest difference {worst:.2e}")
    return 0 if worst < 1e-9 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
