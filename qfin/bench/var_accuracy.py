"""VaR accuracy of every method against two ground truths, never mixed on one axis.

Every method, simulated amplitude estimation (AE) included, is scored against

(a) **the VaR of the data**: the empirical ``inverted_cdf`` quantile of the portfolio's
    historical losses, with a bootstrap interval that shows the data's own uncertainty
    (``ground_truth_kind = "data"``); and
(b) where a method works on a model or a discretisation, **that model's exact VaR**
    (``ground_truth_kind = "model"``): the Gaussian (or t) scenario model of Monte Carlo,
    QMC and importance sampling (closed form), the ``2**n``-point histogram AE encodes
    (:meth:`qfin.qae.DiscreteDistribution.value_at_risk`).

The two are separate rows with separate labels; ``model_vs_data`` is the model's own error
against the data (for AE: its discretisation error), so a method that is exact for its
model but whose model is off shows it. Closed-form parametric methods (normal, t,
Cornish-Fisher) return their model's VaR by construction and are scored against the data
only; historical simulation *is* the data's VaR (error 0 by definition, said so in
``note``).

Results rows (the columns the reports read): ``method``, ``ground_truth_kind``,
``ground_truth`` (+ ``_low``/``_high``), ``estimate`` (+ ``_low``/``_high``), ``error``
(relative, signed), ``error_low``/``error_high``, ``whole_call_s``, costs.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from qfin.errors import ProblemError

__all__ = ["var_scorecard", "bootstrap_quantile_interval", "model_var", "scorecard_figure",
           "CLASSICAL", "MODEL_METHODS"]

#: Classical methods scored by default.
CLASSICAL = ("historical", "normal", "t", "cornish-fisher", "mc", "qmc", "is")
#: Classical methods that sample a scenario model whose exact VaR is known in closed form.
MODEL_METHODS = ("mc", "qmc", "is")

_ERROR_KIND = "relative error (estimate - ground truth) / ground truth"


def bootstrap_quantile_interval(losses: Any, confidence: float, *, n_bootstrap: int = 2000,
                                level: float = 0.95, seed: int | None = 0
                                ) -> tuple[float, float]:
    """Percentile-bootstrap interval of the empirical ``inverted_cdf`` quantile.

    Efron & Tibshirani, *An Introduction to the Bootstrap* (1993), ch. 13: resample the
    losses with replacement ``n_bootstrap`` times and take the ``(1 ∓ level)/2`` quantiles
    of the resampled VaRs. It measures how much the data's own VaR would move with another
    sample of the same size: an estimator whose error lies inside it is as close to the
    data's VaR as the data can tell.

    Parameters
    ----------
    losses : array-like of shape (n,)
        Loss scenarios.
    confidence : float
        VaR level in (0, 1).
    n_bootstrap : int
        Resamples (≥ 100).
    level : float
        Interval level in (0, 1).
    seed : int, optional

    Returns
    -------
    tuple of float
    """
    x = np.asarray(losses, dtype=np.float64).ravel()
    if x.size < 2 or not np.all(np.isfinite(x)):
        raise ProblemError(f"losses must hold at least 2 finite values; got {x.size}")
    if not (isinstance(n_bootstrap, int) and n_bootstrap >= 100):
        raise ProblemError(f"n_bootstrap must be an integer >= 100; got {n_bootstrap!r}")
    if not 0 < level < 1:
        raise ProblemError(f"level must be in (0, 1); got {level!r}")
    rng = np.random.default_rng(seed)
    chunk = max(1, 4_000_000 // x.size)
    out = []
    for start in range(0, n_bootstrap, chunk):
        b = min(chunk, n_bootstrap - start)
        sample = x[rng.integers(0, x.size, size=(b, x.size))]
        out.append(np.quantile(sample, confidence, axis=1, method="inverted_cdf"))
    boot = np.concatenate(out)
    lo, hi = np.quantile(boot, [(1 - level) / 2, (1 + level) / 2])
    return float(lo), float(hi)


def model_var(returns: Any, weights: Any, confidence: float, horizon: int, copula: str,
              dof: float | None) -> float:
    """Exact VaR of the scenario model that ``mc``, ``qmc`` and ``is`` sample.

    The model of :func:`qfin.risk.monte_carlo_var` is ``L = offset + s·(z·v)`` with
    ``z ~ N(0, I)`` and, for the t copula, ``s = sqrt((ν − 2)/W)``, ``W ~ χ²_ν``; so ``L`` is
    normal with standard deviation ``|v|``, or Student-t with ``ν`` degrees of freedom and
    scale ``|v| sqrt((ν − 2)/ν)``, and its VaR is the closed-form quantile.
    """
    from scipy import stats

    from qfin.risk._montecarlo import build_loss_model

    values = np.asarray(returns, dtype=np.float64)
    w = np.asarray(weights, dtype=np.float64)
    model = build_loss_model(values, w, horizon, copula, dof)
    sd = float(np.linalg.norm(model.v))
    if model.dof is None:
        return float(model.offset + sd * stats.norm.ppf(confidence))
    nu = float(model.dof)
    return float(model.offset + sd * math.sqrt((nu - 2.0) / nu) * stats.t.ppf(confidence, nu))


def _row(method: str, family: str, kind: str, truth: float, truth_lo: float, truth_hi: float,
         est: float, est_lo: float, est_hi: float, **extra: Any) -> dict[str, Any]:
    scale = abs(truth) if truth != 0 else 1.0
    if kind == "data":   # the uncertainty is the data's: map the bootstrap interval
        err_lo, err_hi = (est - truth_hi) / scale, (est - truth_lo) / scale
    else:                # the uncertainty is the method's: map its own interval
        err_lo, err_hi = (est_lo - truth) / scale, (est_hi - truth) / scale
    return {"task": "var", "method": method, "family": family, "measure": "VaR",
            "ground_truth_kind": kind, "ground_truth": truth, "ground_truth_low": truth_lo,
            "ground_truth_high": truth_hi, "estimate": est, "estimate_low": est_lo,
            "estimate_high": est_hi, "error": (est - truth) / scale,
            "abs_error": abs(est - truth) / scale, "error_low": err_lo, "error_high": err_hi,
            "error_kind": _ERROR_KIND, **extra}


def var_scorecard(returns: Any, weights: Any = None, *, confidence: float = 0.99,
                  horizon: int = 1, classical: Iterable[str] = CLASSICAL,
                  classical_options: Mapping[str, Mapping[str, Any]] | None = None,
                  ae_estimators: Mapping[str, Any] | None = None, n_qubits: int = 10,
                  n_bootstrap: int = 2000, bootstrap_level: float = 0.95,
                  seed: int | None = 0) -> pd.DataFrame:
    """Score every VaR method against the data's VaR and, separately, its model's exact VaR.

    Parameters
    ----------
    returns : DataFrame or ndarray of shape (n_observations, n_assets)
        Daily simple returns.
    weights : array-like of shape (n_assets,), optional
        Default equal weights.
    confidence : float
        VaR level in (0, 1).
    horizon : int
        Trading days (multi-day losses are overlapping windows).
    classical : iterable of str
        Methods of :func:`qfin.risk.value_at_risk`.
    classical_options : mapping, optional
        Per-method keyword arguments (``{"mc": {"paths": 10**5, "seed": 1}}``).
    ae_estimators : mapping of str to AmplitudeEstimator or callable, optional
        Label → estimator (or a zero-argument factory) for :func:`qfin.qae.value_at_risk`
        on the ``2**n_qubits``-point histogram of the losses. Default: iterative AE
        (ε = 1e-3, α = 0.05).
    n_qubits : int
        Register size of the histogram AE encodes.
    n_bootstrap, bootstrap_level : int, float
        The bootstrap interval of the data's VaR (:func:`bootstrap_quantile_interval`).
    seed : int, optional
        Seed of the bootstrap (and the default AE and sampling seeds).

    Returns
    -------
    DataFrame
        One row per (method, ground truth): ``method, family, ground_truth_kind`` ("data"
        or "model"), ``ground_truth_label``, ``ground_truth`` (+ ``_low``/``_high``: the
        bootstrap interval for the data, NaN for an exact model VaR), ``estimate``
        (+ ``_low``/``_high``: the method's own interval or AE's bracket), ``error``
        (relative, signed), ``abs_error``, ``error_low``/``error_high`` (the error's range
        given the uncertainty of the side that has one: the data's bootstrap for "data",
        the method's interval for "model"), ``model_vs_data`` (the model's exact VaR
        against the data's, relative: AE's discretisation error), ``whole_call_s``
        (seconds of the method's whole call; AE: seconds of classical simulation),
        ``samples``, ``oracle_queries``, ``state_preparations``, ``undecided``, ``note``.
    """
    from qfin.qae import DiscreteDistribution, IterativeAE, portfolio_losses
    from qfin.qae import value_at_risk as ae_value_at_risk
    from qfin.risk import value_at_risk

    c = float(confidence)
    if not 0 < c < 1:
        raise ProblemError(f"confidence must be in (0, 1); got {confidence!r}")
    values = np.asarray(returns, dtype=np.float64)
    if values.ndim != 2:
        raise ProblemError(f"returns must be 2-D (observations x assets); got {values.shape}")
    w = (np.full(values.shape[1], 1.0 / values.shape[1]) if weights is None
         else np.asarray(weights, dtype=np.float64))
    losses = portfolio_losses(values, w, horizon)
    truth = float(np.quantile(losses, c, method="inverted_cdf"))
    t_lo, t_hi = bootstrap_quantile_interval(losses, c, n_bootstrap=n_bootstrap,
                                             level=bootstrap_level, seed=seed)
    data_label = (f"data: empirical quantile of {losses.size} losses (inverted_cdf), "
                  f"{bootstrap_level:.0%} bootstrap interval")
    rows: list[dict[str, Any]] = []
    options = {k: dict(v) for k, v in (classical_options or {}).items()}
    for method in classical:
        opts = options.get(method, {})
        if method in ("mc", "qmc", "is"):
            opts.setdefault("seed", seed)
        res = value_at_risk(values, w, method=method, confidence=c, horizon=horizon, **opts)
        lo, hi = res.confidence_interval or (math.nan, math.nan)
        common = {"whole_call_s": res.seconds, "samples": res.samples, "oracle_queries": None,
                  "state_preparations": None, "undecided": None, "confidence": c,
                  "horizon": horizon}
        note = ("the data's VaR itself: error 0 by definition" if method == "historical"
                else "closed form of a fitted model: scored against the data only"
                if method not in MODEL_METHODS else "")
        exact_model = math.nan
        if method in MODEL_METHODS:
            info = res.info or {}
            exact_model = model_var(values, w, c, horizon, info.get("copula", "gaussian"),
                                    info.get("dof"))
        if method in MODEL_METHODS:
            model_vs_data = (exact_model - truth) / abs(truth)
        elif method != "historical":  # a closed form returns its own model's VaR
            model_vs_data = (res.value - truth) / abs(truth)
        else:
            model_vs_data = math.nan
        rows.append(_row(method, "classical", "data", truth, t_lo, t_hi, res.value, lo, hi,
                         ground_truth_label=data_label, model_vs_data=model_vs_data,
                         note=note, **common))
        if method in MODEL_METHODS:
            copula = (res.info or {}).get("copula", "gaussian")
            rows.append(_row(method, "classical", "model", exact_model, math.nan, math.nan,
                             res.value, lo, hi,
                             ground_truth_label=f"model: exact VaR of the fitted {copula} "
                                                "scenario model (closed form)",
                             model_vs_data=model_vs_data,
                             note="the interval is the method's own", **common))
    dist = DiscreteDistribution.from_samples(losses, n_qubits)
    exact_disc = dist.value_at_risk(c)
    disc_error = (exact_disc - truth) / abs(truth)
    estimators = ae_estimators if ae_estimators is not None else {
        "AE iterative": lambda: IterativeAE(1e-3, 0.05, seed)}
    for label, est in estimators.items():
        estimator = est() if callable(est) and not hasattr(est, "estimate_cdf_index") else est
        res = ae_value_at_risk(dist, c, estimator)
        lo, hi = res.bracket
        common = {"whole_call_s": res.seconds, "samples": None,
                  "oracle_queries": res.oracle_queries,
                  "state_preparations": int(sum(e.a_calls for e in res.estimates)),
                  "undecided": res.undecided, "confidence": c, "horizon": horizon}
        note = ("simulated amplitude estimation: seconds are classical simulation, cost in "
                "oracle queries" + ("; undecided: the bracket is the answer"
                                    if res.undecided else ""))
        rows.append(_row(label, "amplitude estimation (simulated)", "data", truth, t_lo, t_hi,
                         res.value, lo, hi, ground_truth_label=data_label,
                         model_vs_data=disc_error, note=note, **common))
        rows.append(_row(label, "amplitude estimation (simulated)", "model", exact_disc,
                         math.nan, math.nan, res.value, lo, hi,
                         ground_truth_label=f"model: exact VaR of the {dist.size}-point "
                                            "histogram AE encodes (its discretisation)",
                         model_vs_data=disc_error, note=note, **common))
    return pd.DataFrame(rows)


def scorecard_figure(table: pd.DataFrame) -> Any:
    """Two panels, one per ground truth: relative VaR error per method with its interval.

    Left: against the data's VaR, with the bootstrap interval of the data drawn as a band
    (errors inside it are within the data's own uncertainty). Right: against each method's
    own model (exact for that model). The two are never drawn on one axis.
    """
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    fig = make_subplots(rows=1, cols=2, subplot_titles=(
        "vs the data's VaR (empirical quantile)", "vs the method's own model (exact VaR)"))
    for col, kind in ((1, "data"), (2, "model")):
        part = table[table["ground_truth_kind"] == kind]
        if part.empty:
            continue
        err = 100 * part["error"]
        fig.add_trace(go.Scatter(
            x=part["method"], y=err, mode="markers", name=kind, showlegend=False,
            marker={"size": 10},
            error_y={"type": "data", "symmetric": False,
                     "array": (100 * part["error_high"] - err).clip(lower=0).fillna(0),
                     "arrayminus": (err - 100 * part["error_low"]).clip(lower=0).fillna(0)},
            hovertext=part["note"]), row=1, col=col)
        if kind == "data":
            first = part.iloc[0]
            scale = abs(first["ground_truth"]) or 1.0
            lo = 100 * (first["ground_truth_low"] - first["ground_truth"]) / scale
            hi = 100 * (first["ground_truth_high"] - first["ground_truth"]) / scale
            fig.add_hrect(y0=lo, y1=hi, fillcolor="lightgrey", opacity=0.4, line_width=0,
                          row=1, col=1)
        fig.add_hline(y=0, line_dash="dot", row=1, col=col)
    fig.update_yaxes(title_text="relative error of the VaR (%)", row=1, col=1)
    fig.update_yaxes(title_text="relative error of the VaR (%)", row=1, col=2)
    fig.update_layout(title="VaR accuracy against two ground truths (grey band: the data's "
                      "bootstrap interval; bars: the error's interval)",
                      template="plotly_white")
    return fig


