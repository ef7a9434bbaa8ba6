"""Checks of everything a user passes to the risk functions (one place, clear messages)."""

from __future__ import annotations

import math
import numbers
import secrets
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from qfin._labels import align_vector
from qfin.errors import DataError, ProblemError

__all__ = ["check_returns", "check_weights", "check_confidence", "check_horizon",
           "check_paths", "check_level", "resolve_seed", "min_samples", "WEIGHT_TOLERANCE"]

WEIGHT_TOLERANCE = 1e-6


def check_returns(returns: Any, min_rows: int = 2) -> tuple[np.ndarray, pd.Index | None]:
    """Return ``(values, column labels)`` of a (n_observations, n_assets) return table.

    The labels are ``None`` for an unlabelled array; a DataFrame's labels must be unique
    (weights are aligned to them by label, see :func:`check_weights`).
    """
    if type(returns) is not pd.DataFrame and isinstance(returns, pd.Series):
        returns = returns.to_frame()
    names: pd.Index | None
    if isinstance(returns, pd.DataFrame):
        names = returns.columns  # converted to str only when labelled weights need them
        if not names.is_unique:
            dup = sorted({str(n) for n in names[names.duplicated()]})
            raise DataError(f"returns name some columns twice ({', '.join(dup[:8])}); "
                            "column labels must be unique")
        try:
            values = returns.to_numpy(dtype=np.float64)
        except (TypeError, ValueError) as exc:
            raise DataError(f"returns must be numeric; got dtypes {list(returns.dtypes)}") from exc
    else:
        try:
            values = np.asarray(returns, dtype=np.float64)
        except (TypeError, ValueError) as exc:
            raise DataError(f"returns must be a numeric array; got {type(returns).__name__}"
                            ) from exc
        if values.ndim == 1:
            values = values[:, None]
        names = None
    if values.ndim != 2 or values.shape[1] == 0:
        raise DataError("returns must be 2-D of shape (n_observations, n_assets); "
                        f"got shape {values.shape}")
    if values.shape[0] < min_rows:
        raise DataError(f"returns need at least {min_rows} observations; got {values.shape[0]}")
    # two reductions without temporaries (a NaN or inf makes the sum non-finite; the exact
    # per-element test runs only when that or the minimum raises a doubt)
    if not math.isfinite(float(values.sum())) and not np.isfinite(values).all():
        raise DataError("returns contain NaN or inf; align prices first (MarketStore.returns)")
    if float(values.min()) <= -1.0:
        raise DataError("returns must be simple returns above -1 (a price cannot go negative)")
    return values, names


def check_weights(weights: Any, n_assets: int, *, allow_leverage: bool = False,
                  labels: Sequence[Any] | None = None) -> np.ndarray:
    """Portfolio weights of length ``n_assets``; ``None`` means equal weights.

    A Series or mapping is aligned to the return columns ``labels`` by label
    (:func:`qfin._labels.align_vector`: missing, extra or duplicate labels are refused);
    a plain sequence or array is positional. Unless ``allow_leverage``, weights must sum to
    1 (within 1e-6); shorts are allowed.
    """
    if weights is None:
        return np.full(n_assets, 1.0 / n_assets)
    if type(weights) is not np.ndarray:  # arrays are positional: no label to align
        weights = align_vector(weights, labels, name="weights", target="return columns")
    try:
        w = np.asarray(weights, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ProblemError(f"weights must be numbers; got {weights!r}") from exc
    if w.ndim != 1:
        raise ProblemError(f"weights must be 1-D; got shape {w.shape}")
    if w.shape[0] != n_assets:
        raise ProblemError(f"weights must have one entry per asset ({n_assets}); "
                           f"got {w.shape[0]}")
    total = float(w.sum())
    # a finite sum means finite weights (barring an overflow, which the exact test catches)
    if not math.isfinite(total) and not np.isfinite(w).all():
        raise ProblemError("weights must be finite; got NaN or inf")
    if not allow_leverage and abs(total - 1.0) > WEIGHT_TOLERANCE:
        raise ProblemError(f"weights must sum to 1 (got {total:.6g}); pass allow_leverage=True "
                           "(--allow-leverage) for a levered or dollar-neutral book")
    if allow_leverage and not w.any():  # weights summing to 1 cannot all be zero
        raise ProblemError("weights must not all be zero")
    return w


def check_confidence(confidence: Any) -> float:
    """A VaR level strictly inside (0, 1)."""
    if isinstance(confidence, bool) or not isinstance(confidence, numbers.Real):
        raise ProblemError(f"confidence must be a number in (0, 1), e.g. 0.99; got {confidence!r}")
    c = float(confidence)
    if not (math.isfinite(c) and 0.0 < c < 1.0):
        raise ProblemError(f"confidence must be in (0, 1), e.g. 0.99; got {confidence!r}")
    return c


def check_level(level: Any, name: str = "interval_level") -> float:
    """An interval coverage strictly inside (0, 1)."""
    if isinstance(level, bool) or not isinstance(level, numbers.Real) \
            or not 0.0 < float(level) < 1.0:
        raise ProblemError(f"{name} must be in (0, 1), e.g. 0.99; got {level!r}")
    return float(level)


def check_horizon(horizon: Any) -> int:
    """A horizon of at least one whole trading day."""
    if isinstance(horizon, bool) or not isinstance(horizon, numbers.Integral):
        if isinstance(horizon, numbers.Real) and float(horizon).is_integer():
            horizon = int(horizon)
        else:
            raise ProblemError(f"horizon must be a whole number of trading days >= 1; "
                               f"got {horizon!r}")
    if int(horizon) < 1:
        raise ProblemError(f"horizon must be >= 1 trading day; got {horizon}")
    return int(horizon)


def min_samples(confidence: float) -> int:
    """Fewest scenarios for which a ``confidence`` quantile has a tail: ceil(1/(1-c))."""
    return math.ceil(1.0 / (1.0 - confidence) - 1e-9)


def check_paths(paths: Any, confidence: float, name: str = "paths") -> int:
    """A path count of at least ``1/(1 - confidence)``."""
    if isinstance(paths, bool) or not isinstance(paths, numbers.Real) \
            or not float(paths).is_integer():
        raise ProblemError(f"{name} must be a whole number; got {paths!r}")
    p = int(paths)
    need = min_samples(confidence)
    if p < need:
        raise ProblemError(f"{name} must be at least 1/(1 - confidence) = {need} so the "
                           f"{confidence:g} tail holds a path; got {p}")
    return p


def resolve_seed(seed: Any) -> int:
    """The seed to use and record: ``seed`` itself, or fresh entropy when it is None."""
    if seed is None:
        return secrets.randbits(63)
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or int(seed) < 0:
        raise ProblemError(f"seed must be a non-negative integer or None; got {seed!r}")
    return int(seed)
