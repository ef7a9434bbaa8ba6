"""The portfolio problem: data, constraints, validation and the objective.

One objective for every method: for weights ``w``, ``f(w) = q·wᵀΣw − μᵀw`` (no ½), with
``q`` the risk aversion. The default ``q`` for the sample is :data:`DEFAULT_RISK_AVERSION`
(see ``docs/portfolio.md`` for why both terms matter there).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from qfin.errors import ProblemError

if TYPE_CHECKING:  # pragma: no cover
    import dimod

__all__ = ["PortfolioProblem", "DEFAULT_RISK_AVERSION", "FORMULATIONS"]

#: Risk aversion used when none is given. On the 20-asset sample (annualised sample
#: moments) the K=5 and K=10 optima then have a variance term q·wᵀΣw of roughly a third
#: to a half of the return term μᵀw, so neither risk nor return dominates.
DEFAULT_RISK_AVERSION = 3.0

FORMULATIONS = ("cardinality", "weights")

_PSD_TOL = 1e-10


def _as_vector(values: Any, name: str) -> np.ndarray:
    try:
        arr = np.asarray(values, dtype=float)
    except (TypeError, ValueError) as exc:
        raise ProblemError(f"{name} must be an array of numbers; got {type(values).__name__}"
                           ) from exc
    return arr


@dataclasses.dataclass(frozen=True, eq=False)
class _Encoding:
    """How binary variables encode integer weight units (internal)."""

    formulation: str
    unit: float             # weight of one unit: budget/K or budget/(2**B - 1)
    bit_values: np.ndarray  # value of each bit of one asset: [1] or [1, 2, 4, ...]
    total_units: int        # Σ units must equal this (K or 2**B - 1)
    labels: list[str]       # bit variable labels, asset-major
    indicator_labels: list[str]  # y[i] labels when the weights formulation has a cardinality


class PortfolioProblem:
    """A long-only portfolio selection problem with a quadratic objective.

    The objective of every method is ``f(w) = q·wᵀΣw − μᵀw`` for weights ``w``.

    Parameters
    ----------
    mu : array-like of shape (n_assets,)
        Expected returns (annualised figures are fine; keep ``mu`` and ``cov`` consistent).
        A pandas Series supplies the tickers when ``tickers`` is not given.
    cov : array-like of shape (n_assets, n_assets)
        Covariance matrix: symmetric positive semi-definite.
    risk_aversion : float
        ``q ≥ 0``; default :data:`DEFAULT_RISK_AVERSION`.
    cardinality : int, optional
        Hold exactly ``K`` assets (1 ≤ K ≤ n). The cardinality formulation needs it.
    bounds : tuple (lower, upper) of float or array-like of shape (n_assets,), optional
        Per-asset weight bounds, ``0 ≤ lower ≤ upper ≤ budget``. Default ``(0, budget)``.
    bits : int, optional
        Bits per asset of the discretised-weights formulation (weights in steps of
        ``budget / (2**bits - 1)``).
    tickers : sequence of str, optional
        Asset names (distinct). Default the Series index of ``mu`` or ``asset0, asset1...``.
    budget : float
        The weights sum to this (default 1).
    sectors : sequence of str of length n_assets, optional
        Sector label of each asset (needed by ``sector_limits``).
    sector_limits : mapping of str to float, optional
        Maximum total weight per sector.
    repair_psd : bool
        Replace a non-PSD ``cov`` by its nearest PSD matrix (eigenvalues clipped at 0)
        instead of raising.

    Raises
    ------
    ProblemError
        Shapes, NaN/inf, non-symmetric or non-PSD covariance, K out of range, bad bounds,
        infeasible constraints.

    Examples
    --------
    >>> import numpy as np
    >>> p = PortfolioProblem([0.1, 0.2, 0.15], np.diag([0.04, 0.09, 0.05]), cardinality=2)
    >>> round(p.objective([0.5, 0.5, 0.0]), 6)
    -0.0525
    """

    def __init__(
        self,
        mu: Any,
        cov: Any,
        *,
        risk_aversion: float = DEFAULT_RISK_AVERSION,
        cardinality: int | None = None,
        bounds: Any = None,
        bits: int | None = None,
        tickers: Sequence[str] | None = None,
        budget: float = 1.0,
        sectors: Sequence[str] | None = None,
        sector_limits: Mapping[str, float] | None = None,
        repair_psd: bool = False,
    ) -> None:
        if tickers is None and isinstance(mu, pd.Series):
            tickers = [str(t) for t in mu.index]
        if isinstance(cov, pd.DataFrame) and isinstance(mu, pd.Series):
            if list(cov.index) != list(mu.index) or list(cov.columns) != list(mu.index):
                if set(cov.index) == set(mu.index) == set(cov.columns):
                    cov = cov.loc[mu.index, mu.index]
                else:
                    raise ProblemError("cov's labels must match mu's index; got "
                                       f"{list(cov.index)[:5]}... vs {list(mu.index)[:5]}...")
        mu_arr = _as_vector(mu, "mu")
        cov_arr = _as_vector(cov, "cov")
        if mu_arr.ndim != 1 or mu_arr.size == 0:
            raise ProblemError(f"mu must be a 1-D array of length n_assets ≥ 1; "
                               f"got shape {mu_arr.shape}")
        n = mu_arr.size
        if cov_arr.shape != (n, n):
            raise ProblemError(f"cov must be ({n}, {n}) to match mu; got {cov_arr.shape}")
        if not np.isfinite(mu_arr).all():
            bad = np.flatnonzero(~np.isfinite(mu_arr)).tolist()
            raise ProblemError(f"mu contains NaN or inf at positions {bad[:10]}; "
                               "drop those assets or fix the estimates")
        if not np.isfinite(cov_arr).all():
            raise ProblemError("cov contains NaN or inf; drop those assets or fix the estimates")
        scale = max(1.0, float(np.abs(cov_arr).max()))
        if not np.allclose(cov_arr, cov_arr.T, rtol=1e-8, atol=1e-12 * scale):
            err = float(np.abs(cov_arr - cov_arr.T).max())
            raise ProblemError(f"cov must be symmetric; largest |cov - cov.T| is {err:.3g}")
        cov_arr = 0.5 * (cov_arr + cov_arr.T)
        eigvals, eigvecs = np.linalg.eigh(cov_arr)
        tol = _PSD_TOL * max(1.0, float(np.abs(eigvals).max()))
        self.repaired = False
        if eigvals.min() < -tol:
            if not repair_psd:
                raise ProblemError(
                    f"cov must be positive semi-definite; its smallest eigenvalue is "
                    f"{eigvals.min():.3g}. Pass repair_psd=True to use the nearest PSD matrix, "
                    "or use a shrinkage estimator (estimator='ledoit-wolf')")
            cov_arr = (eigvecs * np.clip(eigvals, 0.0, None)) @ eigvecs.T
            cov_arr = 0.5 * (cov_arr + cov_arr.T)
            self.repaired = True

        if tickers is None:
            tickers = [f"asset{i}" for i in range(n)]
        tickers = [str(t) for t in tickers]
        if len(tickers) != n:
            raise ProblemError(f"tickers must have {n} names to match mu; got {len(tickers)}")
        if len(set(tickers)) != n:
            raise ProblemError(f"tickers must be distinct; got {tickers}")

        if not isinstance(risk_aversion, int | float | np.floating | np.integer) or not (
                math.isfinite(risk_aversion) and risk_aversion >= 0):
            raise ProblemError(f"risk_aversion must be a finite number ≥ 0; got {risk_aversion!r}")
        if not isinstance(budget, int | float | np.floating | np.integer) or not (
                math.isfinite(budget) and budget > 0):
            raise ProblemError(f"budget must be a finite number > 0; got {budget!r}")
        if cardinality is not None:
            if isinstance(cardinality, bool) or not isinstance(cardinality, int | np.integer):
                raise ProblemError(f"cardinality must be an integer K with 1 ≤ K ≤ {n}; "
                                   f"got {cardinality!r}")
            if not 1 <= cardinality <= n:
                raise ProblemError(f"cardinality must satisfy 1 ≤ K ≤ n_assets = {n}; "
                                   f"got K = {cardinality}")
            cardinality = int(cardinality)
        if bits is not None:
            if isinstance(bits, bool) or not isinstance(bits, int | np.integer) or not (
                    1 <= bits <= 16):
                raise ProblemError(f"bits must be an integer between 1 and 16; got {bits!r}")
            bits = int(bits)

        lower, upper = self._check_bounds(bounds, n, float(budget))
        self._mu = mu_arr
        self._cov = cov_arr
        self._tickers = tickers
        self.risk_aversion = float(risk_aversion)
        self.cardinality = cardinality
        self.bits = bits
        self.budget = float(budget)
        self.lower = lower
        self.upper = upper
        self.sectors, self.sector_limits = self._check_sectors(sectors, sector_limits, n)
        self._check_feasible()

    # ------------------------------------------------------------------ validation
    @staticmethod
    def _check_bounds(bounds: Any, n: int, budget: float) -> tuple[np.ndarray, np.ndarray]:
        if bounds is None:
            return np.zeros(n), np.full(n, budget)
        if not isinstance(bounds, tuple | list) or len(bounds) != 2:
            raise ProblemError("bounds must be a pair (lower, upper) of numbers or arrays of "
                               f"length {n}; got {bounds!r}")
        out = []
        for name, value, default in (("lower", bounds[0], 0.0), ("upper", bounds[1], budget)):
            arr = _as_vector(default if value is None else value, f"bounds {name}")
            if arr.ndim == 0:
                arr = np.full(n, float(arr))
            if arr.shape != (n,):
                raise ProblemError(f"bounds {name} must be a number or have shape ({n},); "
                                   f"got shape {arr.shape}")
            if not np.isfinite(arr).all():
                raise ProblemError(f"bounds {name} contains NaN or inf")
            out.append(np.array(arr, dtype=float))
        lower, upper = out
        if (lower < 0).any():
            raise ProblemError(f"bounds lower must be ≥ 0 (long-only); got min {lower.min():g}")
        if (upper < lower).any():
            i = int(np.flatnonzero(upper < lower)[0])
            raise ProblemError(f"bounds upper must be ≥ lower; asset {i} has "
                               f"lower {lower[i]:g} > upper {upper[i]:g}")
        if lower.sum() > budget * (1 + 1e-12) or upper.sum() < budget * (1 - 1e-12):
            raise ProblemError(f"bounds make the budget {budget:g} unreachable: sum of lower "
                               f"bounds {lower.sum():g}, sum of upper bounds {upper.sum():g}")
        return lower, upper

    @staticmethod
    def _check_sectors(sectors: Any, limits: Any, n: int
                       ) -> tuple[list[str] | None, dict[str, float]]:
        if sectors is not None:
            sectors = [str(s) for s in sectors]
            if len(sectors) != n:
                raise ProblemError(f"sectors must have {n} labels (one per asset); "
                                   f"got {len(sectors)}")
        if not limits:
            return sectors, {}
        if sectors is None:
            raise ProblemError("sector_limits needs sectors (one label per asset)")
        if not isinstance(limits, Mapping):
            raise ProblemError(f"sector_limits must map sector -> max weight; got {limits!r}")
        clean = {}
        for key, value in limits.items():
            if str(key) not in sectors:
                raise ProblemError(f"sector_limits names unknown sector {key!r}; "
                                   f"sectors: {sorted(set(sectors))}")
            if not isinstance(value, int | float | np.floating | np.integer) or not (
                    math.isfinite(value) and value >= 0):
                raise ProblemError(f"sector_limits[{key!r}] must be a number ≥ 0; got {value!r}")
            clean[str(key)] = float(value)
        return sectors, clean

    def _check_feasible(self) -> None:
        K = self.cardinality
        if K is not None:
            forced = int((self.lower > 0).sum())
            if forced > K:
                raise ProblemError(f"{forced} assets have a positive lower bound but "
                                   f"cardinality is K = {K}")
            if self.bits is None:
                w = self.budget / K
                if (self.lower > w * (1 + 1e-12)).any():
                    raise ProblemError(f"with cardinality K = {K} every held weight is "
                                       f"{w:g}; some lower bounds exceed it")
                if int((self.upper >= w * (1 - 1e-12)).sum()) < K:
                    raise ProblemError(f"with cardinality K = {K} every held weight is {w:g}; "
                                       f"fewer than K assets have an upper bound that allows it")

    # ------------------------------------------------------------------ properties
    @property
    def n_assets(self) -> int:
        """Number of assets."""
        return self._mu.size

    @property
    def tickers(self) -> list[str]:
        """Asset names, in order."""
        return list(self._tickers)

    @property
    def mu(self) -> np.ndarray:
        """Expected returns, shape (n_assets,) (a copy)."""
        return self._mu.copy()

    @property
    def cov(self) -> np.ndarray:
        """Covariance matrix, shape (n_assets, n_assets) (a copy)."""
        return self._cov.copy()

    @property
    def default_formulation(self) -> str:
        """``"weights"`` when ``bits`` is set, else ``"cardinality"``."""
        return "weights" if self.bits is not None else "cardinality"

    def replace(self, **changes: Any) -> PortfolioProblem:
        """A copy with some constructor arguments changed (e.g. ``risk_aversion=2``)."""
        args: dict[str, Any] = dict(
            risk_aversion=self.risk_aversion, cardinality=self.cardinality,
            bounds=(self.lower, self.upper), bits=self.bits, tickers=self.tickers,
            budget=self.budget, sectors=self.sectors, sector_limits=dict(self.sector_limits))
        unknown = set(changes) - set(args)
        if unknown:
            raise ProblemError(f"replace() got unknown argument(s) {sorted(unknown)}; "
                               f"allowed: {sorted(args)}")
        args.update(changes)
        return PortfolioProblem(self._mu, self._cov, **args)

    def __repr__(self) -> str:
        return (f"PortfolioProblem(n_assets={self.n_assets}, risk_aversion={self.risk_aversion:g},"
                f" cardinality={self.cardinality}, bits={self.bits}, budget={self.budget:g})")

    # ------------------------------------------------------------------ objective
    def _weights_array(self, weights: Any) -> np.ndarray:
        w = _as_vector(weights, "weights")
        if w.shape[-1:] != (self.n_assets,) or w.ndim not in (1, 2):
            raise ProblemError(f"weights must have shape ({self.n_assets},) or "
                               f"(n_portfolios, {self.n_assets}); got {w.shape}")
        return w

    def objective(self, weights: Any) -> Any:
        """``f(w) = q·wᵀΣw − μᵀw`` for one portfolio (float) or a stack (array).

        Parameters
        ----------
        weights : array-like of shape (n_assets,) or (n_portfolios, n_assets)

        Returns
        -------
        float or ndarray of shape (n_portfolios,)
        """
        w = self._weights_array(weights)
        value = self.risk_aversion * np.einsum("...i,ij,...j->...", w, self._cov, w) - w @ self._mu
        return float(value) if w.ndim == 1 else value

    def terms(self, weights: Any) -> dict[str, float]:
        """The parts of the objective: expected return, variance, volatility, risk term."""
        w = self._weights_array(weights)
        var = float(w @ self._cov @ w)
        ret = float(w @ self._mu)
        return {"expected_return": ret, "variance": var, "volatility": math.sqrt(max(var, 0.0)),
                "risk_term": self.risk_aversion * var, "objective": self.risk_aversion * var - ret}

    def violations(self, weights: Any, *, tol: float = 1e-9) -> np.ndarray:
        """Total constraint violation of each portfolio (0 when feasible).

        Sums |budget residual|, bound excesses, sector-limit excesses and (when K is set)
        the difference between the number of held assets and K.
        """
        w = np.atleast_2d(self._weights_array(weights))
        total = np.abs(w.sum(axis=1) - self.budget)
        total = total + np.clip(self.lower - w, 0, None).sum(axis=1)
        total = total + np.clip(w - self.upper, 0, None).sum(axis=1)
        for sector, limit in self.sector_limits.items():
            mask = np.array([s == sector for s in self.sectors or []])
            total = total + np.clip(w[:, mask].sum(axis=1) - limit, 0, None)
        if self.cardinality is not None:
            held = (np.abs(w) > tol).sum(axis=1)
            total = total + np.abs(held - self.cardinality)
        return total

    def is_feasible(self, weights: Any, *, tol: float = 1e-7) -> Any:
        """Whether the weights meet every constraint (within ``tol``); bool or bool array."""
        w = self._weights_array(weights)
        ok = self.violations(w) <= tol * max(1.0, self.budget)
        return bool(ok[0]) if w.ndim == 1 else ok

    # ------------------------------------------------------------------ formulations
    def _formulation(self, formulation: str | None) -> str:
        formulation = formulation or self.default_formulation
        if formulation not in FORMULATIONS:
            raise ProblemError(f"formulation must be one of {FORMULATIONS}; got {formulation!r}")
        if formulation == "cardinality" and self.cardinality is None:
            raise ProblemError("the cardinality formulation needs cardinality=K")
        if formulation == "weights" and self.bits is None:
            raise ProblemError("the weights formulation needs bits=B (bits per asset)")
        return formulation

    def encoding(self, formulation: str | None = None) -> _Encoding:
        """How the binary variables of ``formulation`` encode weights (internal helper)."""
        from qfin.portfolio._formulations import encoding

        return encoding(self, self._formulation(formulation))

    def to_cqm(self, formulation: str | None = None) -> dimod.ConstrainedQuadraticModel:
        """The problem as a dimod ConstrainedQuadraticModel over binary variables.

        Parameters
        ----------
        formulation : {"cardinality", "weights"}, optional
            Default ``"weights"`` if ``bits`` is set, else ``"cardinality"``.

        Returns
        -------
        dimod.ConstrainedQuadraticModel
            Objective ``f(w)`` exactly (no offset); constraints with integer coefficients.
        """
        from qfin.portfolio._formulations import build_cqm

        return build_cqm(self, self._formulation(formulation))

    def to_bqm(self, penalty: str | float | None = None, formulation: str | None = None
               ) -> dimod.BinaryQuadraticModel:
        """The problem as a BQM: ``energy = f(w) + penalty · Σ residual²`` (offset 0).

        Parameters
        ----------
        penalty : {None, "bound", "heuristic"} or float
            ``None`` is the calibrated default (``"bound"``, which provably makes every
            minimum of the BQM feasible); see :func:`qfin.portfolio.calibrate_penalty`.
        formulation : {"cardinality", "weights"}, optional

        Returns
        -------
        dimod.BinaryQuadraticModel
            Made by ``dimod.cqm_to_bqm``; inequality constraints add slack variables.
        """
        from qfin.portfolio._formulations import build_bqm

        return build_bqm(self, penalty, self._formulation(formulation))

    def interpret(self, sampleset: Any, formulation: str | None = None) -> pd.DataFrame:
        """Decode every read of a SampleSet into weights, objective and feasibility.

        Parameters
        ----------
        sampleset : dimod.SampleSet
            From a sampler run on :meth:`to_bqm` (or :meth:`to_cqm`) of this problem.
        formulation : {"cardinality", "weights"}, optional

        Returns
        -------
        DataFrame
            One row per read: ``weights`` (ndarray), ``objective``, ``feasible``,
            ``violation`` (Euclidean norm of the integer constraint residuals, so that
            ``energy = objective + penalty · violation²`` for equality-only problems),
            ``violations`` (dict of non-zero residuals), ``energy``, ``num_occurrences``.
        """
        from qfin.portfolio._formulations import interpret

        return interpret(self, sampleset, self._formulation(formulation))

    # ------------------------------------------------------------------ construction
    @classmethod
    def from_moments(cls, mu: Any, cov: Any, *, labels: Sequence[str] | None = None,
                     **options: Any) -> PortfolioProblem:
        """A problem from expected returns and a covariance matrix, no price history needed.

        Parameters
        ----------
        mu : array-like or Series of shape (n_assets,)
            Expected returns, in the units of ``cov`` (e.g. weekly for OR-Library data).
        cov : array-like or DataFrame of shape (n_assets, n_assets)
            Covariance: symmetric positive semi-definite (a labelled DataFrame is aligned to
            a labelled ``mu``).
        labels : sequence of str, optional
            Asset labels (default ``mu``'s index, else ``asset0, asset1, ...``).
        **options
            Passed to :class:`PortfolioProblem` (``risk_aversion``, ``cardinality``,
            ``bounds``, ``repair_psd``, ...).

        Raises
        ------
        ProblemError
            Shapes, NaN/inf, a non-symmetric or non-positive-semi-definite covariance.

        Examples
        --------
        >>> import numpy as np
        >>> p = PortfolioProblem.from_moments([0.01, 0.02], np.diag([0.001, 0.004]),
        ...                                   labels=["S1", "S2"])
        >>> p.tickers
        ['S1', 'S2']
        """
        return cls(mu, cov, tickers=labels, **options)

    @classmethod
    def from_store(
        cls,
        tickers: Sequence[str] | None = None,
        start: Any = None,
        end: Any = None,
        estimator: str = "sample",
        store: Any = None,
        dataset: str = "sample",
        sectors: Sequence[str] | None = None,
        periods_per_year: float = 252.0,
        mean_estimator: str = "sample",
        returns_kind: str = "simple",
        **options: Any,
    ) -> PortfolioProblem:
        """Build a problem from the market database in one call.

        Parameters
        ----------
        tickers : sequence of str, optional
            Universe (default every ticker of ``dataset``).
        start, end : date-like, optional
            Inclusive estimation window.
        estimator : {"sample", "ledoit-wolf", "ewma"}
            Covariance estimator (``qfin.data.covariance``).
        store : MarketStore or str, optional
            A store or a database URL/path (default: the default database).
        dataset : str
            Dataset name (default ``"sample"``).
        sectors : sequence of str, optional
            Keep only these sectors. Every problem built here carries the assets' sector
            labels, so ``sector_limits`` can be passed in ``options``.
        periods_per_year : float
            Annualisation of daily moments (default 252: μ and Σ are annualised).
        mean_estimator : {"sample", "ewma"}
        returns_kind : {"simple", "log"}
        **options
            Passed to :class:`PortfolioProblem` (``risk_aversion``, ``cardinality``,
            ``bounds``, ``bits``, ``budget``, ``sector_limits``, ``repair_psd``).

        Raises
        ------
        DataError
            Unknown tickers or sectors, empty window (from the store).
        """
        from qfin.data import MarketStore, covariance, mean_returns, open_store

        if not isinstance(store, MarketStore):
            store = open_store(store)
        returns = store.returns(tickers, kind=returns_kind, dataset=dataset, sectors=sectors,
                                start=start, end=end)
        mu = mean_returns(returns, mean_estimator, periods_per_year=periods_per_year)
        cov = covariance(returns, estimator, periods_per_year=periods_per_year)
        if "sectors" not in options:
            assets = store.assets().set_index("ticker")
            labels = assets["sector"].reindex(returns.columns)
            options["sectors"] = [str(s) if isinstance(s, str) else "unknown" for s in labels]
        return cls(mu, cov, **options)
