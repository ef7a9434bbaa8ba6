"""Coverage tests of VaR exceedances: Kupiec POF and Christoffersen independence."""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import special, stats

from qfin.errors import ProblemError
from qfin.risk._validate import check_confidence

__all__ = ["kupiec_test", "christoffersen_test"]


def _as_hits(exceedances: Any) -> np.ndarray:
    hits = np.asarray(exceedances)
    if hits.ndim != 1 or hits.size == 0:
        raise ProblemError(f"exceedances must be a non-empty 1-D sequence of 0/1; got shape "
                           f"{hits.shape}")
    if not np.isin(hits, (0, 1, True, False)).all():
        raise ProblemError("exceedances must contain only 0/1 (or booleans)")
    return hits.astype(bool)


def _bernoulli_ll(successes: float, trials: float, p: float) -> float:
    """Log of p^x (1-p)^(n-x), with 0 log 0 = 0."""
    return float(special.xlogy(successes, p) + special.xlog1py(trials - successes, -p))


def kupiec_test(exceedances: Any, confidence: float) -> dict[str, float]:
    """Kupiec's proportion-of-failures likelihood-ratio test.

    ``LR = -2 [ln L(1 - c) - ln L(x/n)]`` for ``x`` exceedances in ``n`` days, asymptotically
    chi-square with 1 degree of freedom under correct unconditional coverage.

    Parameters
    ----------
    exceedances : sequence of bool or 0/1
        1 where the realised loss exceeded the VaR forecast.
    confidence : float
        The VaR level (expected exceedance rate ``1 - confidence``).

    Returns
    -------
    dict
        ``n``, ``exceedances``, ``expected``, ``rate``, ``lr``, ``p_value``.

    Examples
    --------
    >>> round(kupiec_test([0] * 99 + [1], 0.99)["p_value"], 6)
    1.0
    """
    c = check_confidence(confidence)
    hits = _as_hits(exceedances)
    n, x = hits.size, int(hits.sum())
    p0 = 1.0 - c
    lr = -2.0 * (_bernoulli_ll(x, n, p0) - _bernoulli_ll(x, n, x / n))
    lr = max(lr, 0.0)
    return {"n": n, "exceedances": x, "expected": n * p0, "rate": x / n, "lr": lr,
            "p_value": float(stats.chi2.sf(lr, 1))}


def christoffersen_test(exceedances: Any, confidence: float | None = None
                        ) -> dict[str, float]:
    """Christoffersen's Markov independence test (and conditional coverage if ``confidence``).

    With transition counts ``n_ij`` (state i yesterday, j today),
    ``LR_ind = -2 [ln L(pi) - ln L(pi_01, pi_11)]`` ~ chi2(1); the conditional coverage
    statistic ``LR_cc = LR_pof + LR_ind`` ~ chi2(2).

    Parameters
    ----------
    exceedances : sequence of bool or 0/1
        The exceedance series in time order.
    confidence : float, optional
        VaR level; when given, conditional coverage is reported too.

    Returns
    -------
    dict
        ``n00, n01, n10, n11, lr_ind, p_value_ind`` (+ ``lr_cc, p_value_cc``).
    """
    hits = _as_hits(exceedances).astype(int)
    prev, cur = hits[:-1], hits[1:]
    n00 = int(((prev == 0) & (cur == 0)).sum())
    n01 = int(((prev == 0) & (cur == 1)).sum())
    n10 = int(((prev == 1) & (cur == 0)).sum())
    n11 = int(((prev == 1) & (cur == 1)).sum())
    total = n00 + n01 + n10 + n11
    out: dict[str, float] = {"n00": n00, "n01": n01, "n10": n10, "n11": n11}
    if total == 0:
        out.update(lr_ind=0.0, p_value_ind=1.0)
    else:
        pi = (n01 + n11) / total
        pi01 = n01 / (n00 + n01) if n00 + n01 else 0.0
        pi11 = n11 / (n10 + n11) if n10 + n11 else 0.0
        restricted = _bernoulli_ll(n01 + n11, total, pi)
        free = _bernoulli_ll(n01, n00 + n01, pi01) + _bernoulli_ll(n11, n10 + n11, pi11)
        lr_ind = max(-2.0 * (restricted - free), 0.0)
        out.update(lr_ind=lr_ind, p_value_ind=float(stats.chi2.sf(lr_ind, 1)))
    if confidence is not None:
        lr_cc = kupiec_test(hits, confidence)["lr"] + out["lr_ind"]
        out.update(lr_cc=lr_cc, p_value_cc=float(stats.chi2.sf(lr_cc, 2)))
    return out
