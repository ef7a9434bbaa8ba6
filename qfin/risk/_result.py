"""The one result type every VaR/CVaR estimator returns."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

__all__ = ["VaRResult"]


def _clean(value: Any) -> Any:
    """Convert numpy scalars and tuples to plain JSON-ready Python values."""
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    if hasattr(value, "item") and callable(value.item) and getattr(value, "ndim", 1) == 0:
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    return value


@dataclass(frozen=True)
class VaRResult:
    """Value-at-Risk and CVaR (expected shortfall) of a portfolio loss.

    Losses are positive numbers: ``L = -w^T r`` over the horizon, in units of portfolio value
    (0.03 means a 3 % loss).

    Attributes
    ----------
    value : float
        VaR at ``confidence``: the ``confidence``-quantile of the loss.
    cvar : float
        CVaR (expected shortfall): the mean loss at or beyond the VaR.
    confidence : float
        The VaR level in (0, 1), e.g. 0.99.
    confidence_interval : tuple of float or None
        Interval for the VaR *estimate* at ``interval_level`` (None for closed forms and
        for historical simulation, whose value is exact for its data).
    cvar_confidence_interval : tuple of float or None
        Interval for the CVaR estimate, where the method provides one.
    standard_error : float or None
        Standard error of the VaR estimate (sampling methods).
    interval_level : float or None
        Coverage of both intervals (0.99 by default).
    samples : int or None
        Scenarios used (historical observations or simulated paths).
    oracle_queries : int or None
        Oracle queries (amplitude estimation only; None here).
    seconds : float
        Wall-clock time of the estimate.
    method, backend, device : str
        What computed it, and where.
    seed : int or None
        The seed actually used (a fresh one is drawn and recorded when none is given).
    horizon : int
        Horizon in trading days.
    info : dict
        Method-specific details (fitted parameters, quantile convention, dtype, ...).
    """

    value: float
    cvar: float
    confidence: float
    method: str
    horizon: int = 1
    confidence_interval: tuple[float, float] | None = None
    cvar_confidence_interval: tuple[float, float] | None = None
    standard_error: float | None = None
    interval_level: float | None = None
    samples: int | None = None
    oracle_queries: int | None = None
    seconds: float = 0.0
    backend: str = "numpy"
    device: str = "cpu"
    seed: int | None = None
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def var(self) -> float:
        """Alias of :attr:`value`."""
        return self.value

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict with keys ``var``, ``cvar``, ``confidence``, ``method``, ...

        ``quantile_method`` is lifted from ``info`` to the top level when present.
        """
        out: dict[str, Any] = {
            "method": self.method,
            "var": self.value,
            "cvar": self.cvar,
            "confidence": self.confidence,
            "horizon": self.horizon,
            "confidence_interval": self.confidence_interval,
            "cvar_confidence_interval": self.cvar_confidence_interval,
            "standard_error": self.standard_error,
            "interval_level": self.interval_level,
            "samples": self.samples,
            "oracle_queries": self.oracle_queries,
            "seconds": self.seconds,
            "backend": self.backend,
            "device": self.device,
            "seed": self.seed,
        }
        if "quantile_method" in self.info:
            out["quantile_method"] = self.info["quantile_method"]
        out["info"] = dict(self.info)
        return _clean(out)
