"""Risk measures from amplitude estimates: VaR by bisection, CVaR and expected loss."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from qfin.errors import ProblemError
from qfin.qae._distribution import DiscreteDistribution
from qfin.qae._estimators import AEResult, AmplitudeEstimator
from qfin.qae._names import CVAR_DEFINITIONS
from qfin.qae._validate import check_open_unit

__all__ = ["RiskResult", "value_at_risk", "conditional_value_at_risk", "expected_loss",
           "CVAR_DEFINITIONS"]


@dataclass(frozen=True)
class RiskResult:
    """A risk measure estimated with amplitude estimation.

    Attributes
    ----------
    measure : str
        ``"var"``, ``"cvar"`` or ``"expected-loss"``.
    value : float
        The estimate, in loss units.
    bracket : tuple of float
        Interval for the measure carried through from the estimators' intervals.
    confidence : float or None
        The VaR/CVaR level (e.g. 0.99); ``None`` for the expected loss.
    oracle_queries : int
        Total oracle queries (all amplitude estimates, including the VaR search for CVaR).
    shots : int
        Total measurements.
    seconds : float
        Wall-clock seconds of the classical simulation.
    method : str
        The estimator (``"iterative"``, ``"maximum-likelihood"``, ``"canonical"``).
    index : int or None
        Grid index of the VaR (VaR and CVaR).
    bracket_indices : tuple of int or None
        Grid indices of the VaR bracket.
    estimates : tuple of AEResult
        Every amplitude estimate made, in order.
    var : RiskResult or None
        The VaR search a CVaR was built on.
    details : dict
        Extras (bisection steps, definitions).
    undecided : bool
        VaR (and the CVaR built on it): some probe's interval contained the level, so the
        estimates could not tell ``F >= confidence`` from ``F < confidence`` there and that
        bisection step was a coin toss. Then the **bracket is the answer** and ``value`` is
        one draw from it. This is the normal outcome when the CDF sits exactly on the level
        (``confidence * N`` whole for ``N`` equally likely scenarios, e.g. a 500-day window
        at 0.99): the CDF is flat at the level from the exact VaR to the next scenario, and
        the point VaR lands anywhere on that stretch depending on the seed.
    """

    measure: str
    value: float
    bracket: tuple[float, float]
    confidence: float | None
    oracle_queries: int
    shots: int
    seconds: float
    method: str
    index: int | None = None
    bracket_indices: tuple[int, int] | None = None
    estimates: tuple[AEResult, ...] = ()
    var: RiskResult | None = None
    details: dict[str, Any] = field(default_factory=dict, compare=False)
    undecided: bool = False

    @property
    def answer(self) -> tuple[float, float]:
        """What the estimates determine: ``(value, value)``, or the bracket when undecided."""
        return self.bracket if self.undecided else (self.value, self.value)

    def as_dict(self) -> dict[str, Any]:
        """Flat JSON-ready dict."""
        return {"measure": self.measure, "value": self.value, "bracket": list(self.bracket),
                "undecided": self.undecided, "answer": list(self.answer),
                "confidence": self.confidence, "oracle_queries": self.oracle_queries,
                "shots": self.shots, "seconds": self.seconds, "method": self.method,
                "index": self.index}


def _check(dist: Any, estimator: Any) -> None:
    if not isinstance(dist, DiscreteDistribution):
        raise ProblemError(f"dist must be a DiscreteDistribution; got {type(dist).__name__}")
    if not isinstance(estimator, AmplitudeEstimator):
        raise ProblemError("estimator must be an amplitude estimator (CanonicalAE, "
                           f"MaximumLikelihoodAE or IterativeAE); got {type(estimator).__name__}")


def value_at_risk(dist: DiscreteDistribution, confidence: float,
                  estimator: AmplitudeEstimator) -> RiskResult:
    """VaR by bisection over the grid, estimating the CDF at each step.

    The search keeps ``lo`` (CDF below ``confidence``) and ``hi`` (CDF at or above it) and
    stops when they are neighbours: ``n`` estimates for ``2**n`` points. The bracket uses the
    intervals: every probed ``k`` whose interval lies wholly below ``confidence`` pushes the
    lower end above ``k``, every ``k`` whose interval lies wholly at or above it pulls the
    upper end down to ``k``; when all intervals hold, the exact discretised VaR lies in it.

    When every probe's interval excludes the level the bracket is the single point
    ``value``. When one contains it, that step was decided by the noise of the estimate
    (a coin toss, exactly so when the CDF equals the level there): the result is flagged
    ``undecided`` and its bracket, not its point, is the answer (see :class:`RiskResult`).

    Parameters
    ----------
    dist : DiscreteDistribution
        The loss distribution.
    confidence : float
        VaR level in (0, 1), e.g. 0.99.
    estimator : AmplitudeEstimator
        Any of qfin's amplitude estimators.

    Returns
    -------
    RiskResult
        ``measure="var"``; ``value`` is ``values[index]``.
    """
    _check(dist, estimator)
    c = check_open_unit(confidence, "confidence")
    t0 = time.perf_counter()
    lo, hi = -1, dist.size - 1  # F(-1) = 0 < c and F(2**n - 1) = 1 >= c are known exactly
    below, above = -1, dist.size - 1
    estimates: list[AEResult] = []
    steps: list[dict[str, Any]] = []
    while hi - lo > 1:
        mid = (lo + hi) // 2
        res = estimator.estimate_cdf_index(dist, mid)
        estimates.append(res)
        ci_lo, ci_hi = res.confidence_interval
        if ci_hi < c:
            below = max(below, mid)
        if ci_lo >= c:
            above = min(above, mid)
        decision = "at-or-above" if res.estimate >= c else "below"
        steps.append({"index": mid, "value": float(dist.values[mid]),
                      "cdf_estimate": res.estimate, "ci_low": ci_lo, "ci_high": ci_hi,
                      "decision": decision, "oracle_queries": res.oracle_queries})
        if res.estimate >= c:
            hi = mid
        else:
            lo = mid
    b_lo, b_hi = below + 1, above
    undecided = any(s["ci_low"] < c <= s["ci_high"] for s in steps)
    return RiskResult(
        measure="var", value=float(dist.values[hi]),
        bracket=(float(dist.values[b_lo]), float(dist.values[b_hi])), confidence=c,
        oracle_queries=sum(e.oracle_queries for e in estimates),
        shots=sum(e.shots for e in estimates), seconds=time.perf_counter() - t0,
        method=estimator.method, index=hi, bracket_indices=(b_lo, b_hi),
        estimates=tuple(estimates), details={"steps": steps}, undecided=undecided)


def conditional_value_at_risk(dist: DiscreteDistribution, confidence: float,
                              estimator: AmplitudeEstimator, *, var: RiskResult | None = None,
                              definition: str = "rockafellar-uryasev") -> RiskResult:
    """CVaR from the VaR search and one amplitude estimate of an exactly encoded payoff.

    With ``v`` the estimated VaR, the payoff ``f(l) = (l - v)^+ / (l_max - v)`` lies in
    [0, 1] and is rotated into the objective qubit, so ``a = E[f(L)]``. Then

    - ``"rockafellar-uryasev"`` (default): ``CVaR = v + (l_max - v) a / (1 - confidence)``.
      For any ``v`` this is an upper bound of the true CVaR, equal to it at the true VaR,
      so a wrong VaR step errs on the conservative side;
    - ``"tail-conditional"``: ``E[L | L > v] = v + (l_max - v) a / (1 - F(v))`` with ``F(v)``
      estimated too (the figure the Qiskit finance tutorials print as CVaR).

    The bracket maps the intervals of ``a`` (and ``F(v)``) at the estimated ``v``.

    Parameters
    ----------
    dist : DiscreteDistribution
    confidence : float
        Level in (0, 1).
    estimator : AmplitudeEstimator
    var : RiskResult, optional
        A VaR search to reuse (its queries are included in the total).
    definition : {"rockafellar-uryasev", "tail-conditional"}
    """
    _check(dist, estimator)
    c = check_open_unit(confidence, "confidence")
    if definition not in CVAR_DEFINITIONS:
        raise ProblemError(f"definition must be one of {CVAR_DEFINITIONS}; got {definition!r}")
    t0 = time.perf_counter()
    if var is None:
        var = value_at_risk(dist, c, estimator)
    elif var.measure != "var" or var.index is None:
        raise ProblemError("var must be the result of value_at_risk")
    v, k = var.value, int(var.index)
    span = dist.l_max - v
    estimates: list[AEResult] = []
    if span <= 0:
        value, bracket = v, (v, v)
    else:
        payoff = np.clip(dist.values - v, 0.0, None) / span
        res = estimator.estimate_expectation(dist, payoff)
        estimates.append(res)
        a, (a_lo, a_hi) = res.estimate, res.confidence_interval
        if definition == "rockafellar-uryasev":
            scale = span / (1.0 - c)
            value, bracket = v + scale * a, (v + scale * a_lo, v + scale * a_hi)
        else:
            cdf_res = next((e for e, s in zip(var.estimates, var.details.get("steps", ()),
                                              strict=False) if s["index"] == k), None)
            if cdf_res is None:  # the search never probed k (k = last point): estimate it
                cdf_res = estimator.estimate_cdf_index(dist, k)
                estimates.append(cdf_res)
            f_hat, (f_lo, f_hi) = cdf_res.estimate, cdf_res.confidence_interval
            value = _tail_mean(v, span, a, f_hat)
            bracket = (_tail_mean(v, span, a_lo, f_lo), _tail_mean(v, span, a_hi, f_hi))
    queries = var.oracle_queries + sum(e.oracle_queries for e in estimates)
    return RiskResult(
        measure="cvar", value=float(value), bracket=(float(bracket[0]), float(bracket[1])),
        confidence=c, oracle_queries=queries,
        shots=var.shots + sum(e.shots for e in estimates),
        seconds=var.seconds + (time.perf_counter() - t0), method=estimator.method, index=k,
        bracket_indices=var.bracket_indices, estimates=tuple(estimates), var=var,
        details={"definition": definition}, undecided=var.undecided)


def _tail_mean(v: float, span: float, a: float, cdf: float) -> float:
    above = 1.0 - cdf
    if above <= 1e-15:
        return float(v + span) if a > 0 else float(v)
    return float(min(v + span * a / above, v + span))


def expected_loss(dist: DiscreteDistribution, estimator: AmplitudeEstimator) -> RiskResult:
    """``E[L]`` from the payoff ``(l - l_min) / (l_max - l_min)`` encoded exactly."""
    _check(dist, estimator)
    t0 = time.perf_counter()
    span = dist.l_max - dist.l_min
    res = estimator.estimate_expectation(dist, (dist.values - dist.l_min) / span)
    lo, hi = res.confidence_interval
    return RiskResult(
        measure="expected-loss", value=dist.l_min + span * res.estimate,
        bracket=(dist.l_min + span * lo, dist.l_min + span * hi), confidence=None,
        oracle_queries=res.oracle_queries, shots=res.shots,
        seconds=time.perf_counter() - t0, method=estimator.method, estimates=(res,))
