"""Ground truth by vectorised enumeration of every feasible portfolio."""

from __future__ import annotations

import itertools
import math
import time
from typing import TYPE_CHECKING, Any

import numpy as np

from qfin.errors import SolverError
from qfin.portfolio._formulations import encoding, residuals, unit_limits

if TYPE_CHECKING:  # pragma: no cover
    from qfin.portfolio._problem import PortfolioProblem

__all__ = ["exact_optimum", "count_candidates", "MAX_CANDIDATES"]

#: Enumeration refuses problems with more candidate portfolios than this.
MAX_CANDIDATES = 5_000_000
_CHUNK = 65_536


def _compositions_count(low: np.ndarray, high: np.ndarray, total: int) -> int:
    ways = np.zeros(total + 1, dtype=object)
    ways[0] = 1
    for lo, hi in zip(low, high, strict=True):
        new = np.zeros_like(ways)
        for v in range(int(lo), int(hi) + 1):
            new[v:] += ways[:total + 1 - v]
        ways = new
    return int(ways[total])


def count_candidates(problem: PortfolioProblem, formulation: str | None = None) -> int:
    """How many portfolios :func:`exact_optimum` would enumerate."""
    formulation = problem._formulation(formulation)
    enc = encoding(problem, formulation)
    low, high = unit_limits(problem, enc)
    if formulation == "cardinality":
        free = int(((high >= 1) & (low < 1)).sum())
        return math.comb(free, enc.total_units - int((low >= 1).sum()))
    return _compositions_count(low, high, enc.total_units)


def _subset_chunks(problem: PortfolioProblem, enc: Any, low: np.ndarray, high: np.ndarray):
    forced = np.flatnonzero(low >= 1)
    free = np.flatnonzero((high >= 1) & (low < 1))
    k = enc.total_units - forced.size
    combos = itertools.combinations(range(free.size), k)
    while True:
        flat = np.fromiter(itertools.chain.from_iterable(itertools.islice(combos, _CHUNK)),
                           dtype=np.int64)
        if flat.size == 0 and k > 0:
            return
        block = flat.reshape(-1, k) if k > 0 else np.zeros((0, 0), dtype=np.int64)
        units = np.zeros((max(len(block), 1), problem.n_assets), dtype=np.int64)
        units[:, forced] = 1
        if k > 0:
            rows = np.repeat(np.arange(len(block)), k)
            units[rows, free[block].ravel()] = 1
        yield units
        if k == 0:
            return


def _composition_chunks(low: np.ndarray, high: np.ndarray, total: int):
    # Build all bounded compositions asset by asset; `rest_max` prunes dead branches.
    rest_max = np.concatenate([np.cumsum(high[::-1])[::-1], [0]])
    states = np.zeros((1, 0), dtype=np.int16)
    sums = np.zeros(1, dtype=np.int64)
    for i in range(len(low)):
        values = np.arange(int(low[i]), int(high[i]) + 1)
        new_sums = (sums[:, None] + values[None, :]).ravel()
        keep = (new_sums <= total) & (new_sums + rest_max[i + 1] >= total)
        rep = np.repeat(np.arange(len(states)), values.size)[keep]
        states = np.column_stack([states[rep], np.tile(values, len(sums))[keep]])
        sums = new_sums[keep]
    for start in range(0, len(states), _CHUNK):
        yield states[start:start + _CHUNK].astype(np.int64)


def exact_optimum(problem: PortfolioProblem, formulation: str | None = None, *,
                  max_candidates: int = MAX_CANDIDATES) -> dict[str, Any]:
    """The optimum of ``formulation`` by enumerating every feasible portfolio.

    Cardinality: all C(n, K) subsets (``itertools.combinations`` into index arrays,
    evaluated in chunks of 65,536). Weights: every split of the ``2ᴮ − 1`` units over the
    assets within the bounds. Constraints beyond those (sector limits, K in the weights
    formulation) filter the candidates.

    Parameters
    ----------
    problem : PortfolioProblem
    formulation : {"cardinality", "weights"}, optional
    max_candidates : int
        Refuse (SolverError) when there are more candidates; use method ``"miqp"``.

    Returns
    -------
    dict
        ``weights``, ``objective``, ``n_candidates``, ``n_feasible``, ``seconds``.

    Examples
    --------
    >>> import numpy as np
    >>> from qfin.portfolio import PortfolioProblem
    >>> p = PortfolioProblem([0.1, 0.3, 0.2], np.diag([0.1, 0.2, 0.1]), cardinality=1)
    >>> exact_optimum(p)["weights"].tolist()
    [0.0, 0.0, 1.0]
    """
    formulation = problem._formulation(formulation)
    enc = encoding(problem, formulation)
    low, high = unit_limits(problem, enc)
    count = count_candidates(problem, formulation)
    if count > max_candidates:
        raise SolverError(f"exact enumeration of the {formulation} formulation would visit "
                          f"{count:,} portfolios (max_candidates={max_candidates:,}); use "
                          "method='miqp' instead")
    start = time.perf_counter()
    chunks = (_subset_chunks(problem, enc, low, high) if formulation == "cardinality"
              else _composition_chunks(low, high, enc.total_units))
    cov, mu, q, unit = problem.cov, problem.mu, problem.risk_aversion, enc.unit
    check = bool(problem.sector_limits) or bool(enc.indicator_labels)
    best_value, best_units, n_feasible = math.inf, None, 0
    for units in chunks:
        u = units.astype(float)
        values = q * unit**2 * np.einsum("ij,ij->i", u @ cov, u) - unit * (u @ mu)
        if check:
            ok = (residuals(problem, enc, u)[1] == 0).all(axis=1)
            values = np.where(ok, values, np.inf)
            n_feasible += int(ok.sum())
        else:
            n_feasible += len(u)
        if len(values) == 0:
            continue
        i = int(np.argmin(values))
        if values[i] < best_value:
            best_value, best_units = float(values[i]), u[i].copy()
    if best_units is None:
        raise SolverError(f"no feasible portfolio among {count:,} candidates of the "
                          f"{formulation} formulation")
    weights = unit * best_units
    return {"weights": weights, "objective": float(problem.objective(weights)),
            "n_candidates": count, "n_feasible": n_feasible,
            "seconds": time.perf_counter() - start}
