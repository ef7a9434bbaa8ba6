r"""QOBLIB 06-portfolio as written in its ZIMPL model ``bqp_u3_c10.zpl``, in two scoring modes.

Source: T. Koch et al., "Quantum Optimization Benchmark(ing) Library: The Intractable
Decathlon", arXiv:2504.03832 (2025), problem class 06-portfolio, files
``models/binary_quadratic_programming/{bqp_u3_c10,parameter_u3_c10}.zpl`` and
``gen_archive.sh``. Notation follows the ``.zpl``:

- assets ``i ∈ S`` (order of the price file), unit copies ``m ∈ SC = {1, 2, 3}`` (``ub = 3``),
  sides ``sl ∈ SL = {+1, -1}`` (long, short), periods ``t ∈ TX = {0 … T-1}``;
- ``up[i,t] = p[i,t] · unit / p[i,0]``: the price of one unit (``unit = 100,000``);
- binaries ``x[i,m,sl,t]``, slack bits ``s1[k,t]`` (k = 0…3) and ``s2[k,t]`` (k = 0…4).

Objective (``upscale = 1``), minimised::

    Σ_t ( q Σ_{(i,m,sl1),(j,n,sl2)} sl1·sl2·cov[i,j,t]·up[i,t]·up[j,t]·x[i,m,sl1,t]·x[j,n,sl2,t]
          − ρ_c·unit·Σ_k 2^k s1[k,t]  +  ρ_s Σ_{i,m} up[i,t]·x[i,m,−1,t] )
  − Σ_{t=1}^{T-2} Σ_{i,m,sl} ( sl·(up[i,t+1] − up[i,t])·x[i,m,sl,t]
        − δ·up[i,t]·(x[i,m,sl,t−1] + x[i,m,sl,t] − 2·x[i,m,sl,t−1]·x[i,m,sl,t]) )
  − Σ_{i,m,sl} ( sl·(up[i,1] − up[i,0]) − δ·up[i,0] )·x[i,m,sl,0]
  + δ Σ_{i,m,sl} up[i,T−1]·x[i,m,sl,T−1]

subject to, for every period t (``b_csh = cash/unit = 10``; ``b_tot`` = 4, 20, 50, 100 for
10, 50, 200, 400 assets)::

    c2:  Σ_{i,m,sl} sl·x[i,m,sl,t] + Σ_{k=0}^{3} 2^k s1[k,t] = b_csh
    c3:  Σ_{i,m,sl} x[i,m,sl,t]    + Σ_{k=0}^{4} 2^k s2[k,t] = b_tot

with δ = 0.001, ρ_c = 0.0001, ρ_s = 0.000025. As written, the last period has no profit term
and no transaction fee from period T−2 (only the liquidation fee δ·up[i,T−1]).

**Scoring modes.** ``"exact"`` is the model above. ``"published"`` is the model Gurobi
solved for QOBLIB's table: ZIMPL wrote each merged coefficient with ``%+.15g`` (a quadratic
objective coefficient S as 2S inside ``[ … ]/2``) and ``gen_archive.sh`` then ran
``sed 's/\\.[^ ]*//g'``, which deletes everything from a decimal point to the next space. So a
linear coefficient L becomes trunc(L) and a quadratic one S becomes trunc(2S)/2 — except that
a number printed in exponent form loses its exponent too (``1.5e-05`` → ``1``), which this
module reproduces by printing and cutting exactly as ZIMPL and sed did.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np

from qfin.datasets import QoblibPortfolioInstance
from qfin.errors import ProblemError

__all__ = ["QoblibParameters", "QoblibModel", "QoblibScore", "SCORING_MODES", "lp_cut"]

SCORING_MODES = ("published", "exact")
_CUT = re.compile(r"\.[^ ]*")
_LPF_NAME_SIZE = 17  # ZIMPL: LPF_NAME_LEN (16) + 1 for '\0'
_ALLOWED = set("!#$%&()/,.;?_{}|~")


@dataclass(frozen=True)
class QoblibParameters:
    """The parameters of ``parameter_u3_c10.zpl`` (defaults as published).

    Attributes
    ----------
    cash, unit : float
        Capital and the value of one unit at day 0 (``b_csh = cash / unit`` units).
    delta : float
        Transaction fee rate δ (buying and selling).
    rho_c, rho_s : float
        Interest on idle cash per unit and period; borrowing cost of a short per unit value.
    ub : int
        Copies (units) per asset and side.
    cash_bits, count_bits : int
        Slack bits of the two constraints (``CS1 = {0..3}``, ``CS2 = {0..4}``).
    upscale : float
        Objective scale.
    """

    cash: float = 1_000_000
    unit: float = 100_000
    delta: float = 0.001
    rho_c: float = 0.0001
    rho_s: float = 0.000025
    ub: int = 3
    cash_bits: int = 4
    count_bits: int = 5
    upscale: float = 1.0

    @property
    def b_csh(self) -> int:
        """Units of capital, ``cash / unit`` (must be an integer)."""
        value = Fraction(str(self.cash)) / Fraction(str(self.unit))
        if value.denominator != 1:
            raise ProblemError(f"cash/unit must be a whole number of units; got {value}")
        return int(value)


def lp_cut(values: Any) -> np.ndarray:
    r"""Coefficients as Gurobi read them: ``%+.15g`` then ``sed 's/\\.[^ ]*//g'``.

    For ``1e-4 ≤ |v| < 1e15`` this is ``trunc(v)``; smaller numbers print in exponent form
    and keep their leading digit (``-3.2e-05`` → ``-3``); ±1 is written as a bare sign (kept).

    Parameters
    ----------
    values : array-like of float
        Coefficients as ZIMPL would print them.

    Returns
    -------
    ndarray of float, same shape
    """
    v = np.asarray(values, dtype=np.float64)
    out = np.trunc(v)
    a = np.abs(v)
    special = (a > 0) & ((a < 1e-4) | (a >= 1e15) | (np.abs(v - np.round(v)) < 1e-6 * (1 + a)))
    flat_v, flat_o = v.reshape(-1), out.reshape(-1)
    for idx in np.flatnonzero(special.reshape(-1)):
        x = float(flat_v[idx])
        if x in (1.0, -1.0):
            flat_o[idx] = x
            continue
        flat_o[idx] = float(_CUT.sub("", f"{x:+.15g}"))
    return out


def _zimpl_name(symbol: str, m: int, sl: int, t: int) -> str:
    return f"x${symbol}#{m}#{sl}#{t}"


def lp_name(name: str, number: int) -> str:
    """ZIMPL's ``lps_makename`` for the LP format (names as in Gurobi's ``.sol`` files).

    A name of at most 16 characters without characters the LP format rejects is kept;
    otherwise those characters become ``_`` and ``@<hex variable number>`` is appended within
    16 characters.
    """
    smashed = "".join(c if (c.isascii() and c.isalnum()) or c in _ALLOWED else "_"
                      for c in name)
    if len(name) < _LPF_NAME_SIZE and smashed == name:
        return name
    suffix = f"@{number:x}"
    return smashed[: _LPF_NAME_SIZE - len(suffix) - 1] + suffix


@dataclass(frozen=True)
class QoblibScore:
    """A solution scored by :meth:`QoblibModel.evaluate`.

    Attributes
    ----------
    published, exact : float
        Objective in each mode (``inf`` where infeasible and ``strict``).
    feasible : bool
        Binary values and both constraint families satisfied in every period.
    violation : float
        Σ |residual| over the 2T equalities (0 when feasible).
    n_units : ndarray of shape (T,)
        Units held per period (long + short).
    """

    published: float
    exact: float
    feasible: bool
    violation: float
    n_units: np.ndarray

    def objective(self, mode: str) -> float:
        """The objective in ``mode`` ("published" or "exact")."""
        return self.published if mode == "published" else self.exact


class QoblibModel:
    """The QOBLIB 06-portfolio BQP of one instance and risk weight ``q``.

    Parameters
    ----------
    instance : QoblibPortfolioInstance
        Prices and covariances (:func:`qfin.datasets.load_qoblib_portfolio`).
    q : float
        Risk weight (≥ 0); QOBLIB's grid is 0, 1e-6, 1e-5, 5e-5, 1e-4, 5e-4, 1e-3, 1e-2.
    b_tot : int, optional
        Position limit (default QOBLIB's for 10/50/200/400 assets; required otherwise).
    parameters : QoblibParameters, optional
        The ``.zpl`` parameters (defaults as published).

    Raises
    ------
    ProblemError
        ``q`` negative or not finite; ``b_tot`` missing for a size QOBLIB does not define, or
        not a positive integer; variable names that collide after ZIMPL's renaming.

    Notes
    -----
    Variables are labelled with the names Gurobi's ``.sol`` files use (ZIMPL's LP names,
    e.g. ``x$AAPL#1#_1#0@a`` for ``x["AAPL", 1, -1, 0]``), numbered in ZIMPL's order:
    ``x`` over S × SC × SL × TX, then ``s1`` over CS1 × TX, then ``s2`` over CS2 × TX.

    Examples
    --------
    >>> from qfin.datasets import load_qoblib_portfolio
    >>> model = QoblibModel(load_qoblib_portfolio("po_a010_t10_orig"), q=1e-6)
    >>> model.n_variables, model.labels[10]
    (690, 'x$AAPL#1#_1#0@a')
    """

    def __init__(self, instance: QoblibPortfolioInstance, q: float,
                 b_tot: int | None = None, parameters: QoblibParameters | None = None) -> None:
        if not isinstance(instance, QoblibPortfolioInstance):
            raise ProblemError("instance must be a QoblibPortfolioInstance (from qfin.datasets."
                               f"load_qoblib_portfolio); got {type(instance).__name__}")
        try:
            q = float(q)
        except (TypeError, ValueError) as exc:
            raise ProblemError(f"q must be a number >= 0; got {q!r}") from exc
        if not math.isfinite(q) or q < 0:
            raise ProblemError(f"q (the risk weight) must be a finite number >= 0; got {q!r}")
        self.instance = instance
        self.q = q
        self.parameters = parameters or QoblibParameters()
        if b_tot is None:
            b_tot = instance.default_b_tot
            if b_tot is None:
                raise ProblemError(
                    f"QOBLIB defines the position limit b_tot only for 10, 50, 200 or 400 assets; "
                    f"{instance.name!r} has {instance.n_assets}: pass b_tot")
        if isinstance(b_tot, bool) or int(b_tot) != b_tot or b_tot < 1:
            raise ProblemError(f"b_tot must be a positive integer; got {b_tot!r}")
        self.b_tot = int(b_tot)
        self.b_csh = self.parameters.b_csh
        self._build()

    # ------------------------------------------------------------------ construction

    @property
    def n_assets(self) -> int:
        """Assets n."""
        return self.instance.n_assets

    @property
    def n_periods(self) -> int:
        """Periods T."""
        return self.instance.n_periods

    @property
    def n_variables(self) -> int:
        """Binary variables: 2·ub·n·T positions plus the slack bits."""
        return len(self.labels)

    @property
    def name(self) -> str:
        """``<instance label>_q<q>``."""
        return f"{self.instance.label}_q{self.q:g}"

    def _build(self) -> None:
        inst, par = self.instance, self.parameters
        n, T = inst.n_assets, inst.n_periods
        if T < 2:
            raise ProblemError(f"QOBLIB's model needs at least 2 periods; {inst.name!r} has {T}")
        p = inst.prices
        up = p * par.unit / p[:, [0]]  # (n, T) price of one unit
        self.unit_prices = up
        sides = np.array([1.0, -1.0])
        # Linear coefficient of x[i,m,sl,t] (the same for every copy m), shape (n, 2, T).
        lin = np.zeros((n, 2, T))
        lin[:, 1, :] += par.rho_s * up                                  # short interest
        profit = up[:, 1:] - up[:, :-1]                                 # (n, T-1), t = 0..T-2
        lin[:, :, :-1] -= sides[None, :, None] * profit[:, None, :]     # profit
        lin[:, :, 0] += par.delta * up[:, 0][:, None]                   # first-day fee
        lin[:, :, T - 1] += par.delta * up[:, T - 1][:, None]           # liquidation fee
        if T >= 3:
            mid = np.arange(1, T - 1)
            lin[:, :, mid] += par.delta * up[:, mid][:, None, :]        # fee: own term
            lin[:, :, mid - 1] += par.delta * up[:, mid][:, None, :]    # fee: as x[t-1]
        self._lin_exact = lin * par.upscale
        # Chain pair x[i,m,sl,t-1]·x[i,m,sl,t] for t = 1..T-2: −2δ·up[i,t]; shape (n, T).
        chain = np.zeros((n, T))
        if T >= 3:
            chain[:, 1:T - 1] = -2.0 * par.delta * up[:, 1:T - 1]
        self._chain_exact = chain * par.upscale
        # Risk: merged coefficient of x_a·x_b (a ≠ b) for classes k = (i, s), k = 2i + s:
        # q·sl1·sl2·(cov[i,j] + cov[j,i])·up_i·up_j; and x_a² gets q·cov[i,i]·up_i².
        uc = up.T[:, :, None] * inst.covariances * up.T[:, None, :]    # (T, n, n)
        sym = uc + np.transpose(uc, (0, 2, 1))
        sign = np.array([[1.0, -1.0], [-1.0, 1.0]])
        pair = self.q * par.upscale * np.einsum("tij,ab->tiajb", sym, sign).reshape(T, 2 * n,
                                                                                   2 * n)
        diag = self.q * par.upscale * np.repeat(np.einsum("tii->ti", uc), 2, axis=1)  # (T, 2n)
        self._pair_exact, self._diag_exact = pair, diag
        rho_unit = float(Fraction(str(par.rho_c)) * Fraction(str(par.unit)))
        self._cash_exact = -rho_unit * par.upscale * 2.0 ** np.arange(par.cash_bits)
        self._count_exact = np.zeros(par.count_bits)
        self._coefficients: dict[str, dict[str, np.ndarray]] = {}
        self._labels_and_index()

    def _labels_and_index(self) -> None:
        inst, par = self.instance, self.parameters
        n, T, U = inst.n_assets, inst.n_periods, par.ub
        labels: list[str] = []
        full: list[str] = []
        number = 0
        for i, sym in enumerate(inst.symbols):
            del i
            for m in range(1, U + 1):
                for sl in (1, -1):
                    for t in range(T):
                        name = _zimpl_name(sym, m, sl, t)
                        full.append(name)
                        labels.append(lp_name(name, number))
                        number += 1
        for prefix, bits in (("s1", par.cash_bits), ("s2", par.count_bits)):
            for k in range(bits):
                for t in range(T):
                    name = f"{prefix}#{k}#{t}"
                    full.append(name)
                    labels.append(lp_name(name, number))
                    number += 1
        if len(set(labels)) != len(labels):
            seen: set[str] = set()
            dup = [lab for lab in labels if lab in seen or seen.add(lab)]
            raise ProblemError(f"variable names collide after ZIMPL's LP renaming: {dup[:3]} "
                               "(symbols that differ only in characters the LP format rejects)")
        self.labels = labels
        self.zimpl_names = full
        self.index = {lab: k for k, lab in enumerate(labels)}
        self._full_index = {name: k for k, name in enumerate(full)}
        self.n_positions = 2 * U * n * T

    def coefficients(self, mode: str = "published") -> dict[str, np.ndarray]:
        """The merged objective coefficients in ``mode``.

        Returns
        -------
        dict
            ``linear`` (n, 2, T) per position variable; ``chain`` (n, T) pair coefficient of
            ``x[.,t-1]·x[.,t]``; ``pair`` (T, 2n, 2n) of two distinct variables of classes
            k = 2i + s, l = 2j + s' in one period; ``square`` (T, 2n) of ``x²``; ``cash``
            (cash_bits,) and ``count`` (count_bits,) of the slack bits.
        """
        mode = check_mode(mode)
        if mode not in self._coefficients:
            exact = {"linear": self._lin_exact, "chain": self._chain_exact,
                     "pair": self._pair_exact, "square": self._diag_exact,
                     "cash": self._cash_exact, "count": self._count_exact}
            if mode == "exact":
                coeffs = exact
            else:
                coeffs = {"linear": lp_cut(exact["linear"]),
                          "chain": lp_cut(2.0 * exact["chain"]) / 2.0,
                          "pair": lp_cut(2.0 * exact["pair"]) / 2.0,
                          "square": lp_cut(2.0 * exact["square"]) / 2.0,
                          "cash": lp_cut(exact["cash"]), "count": lp_cut(exact["count"])}
            self._coefficients[mode] = coeffs
        return self._coefficients[mode]

    # ------------------------------------------------------------------ indexing

    def position_index(self) -> np.ndarray:
        """Index of ``x[i, m, s, t]`` in :attr:`labels`: int array of shape (n, ub, 2, T)."""
        n, T, U = self.n_assets, self.n_periods, self.parameters.ub
        return np.arange(2 * U * n * T).reshape(n, U, 2, T)

    def slack_index(self) -> tuple[np.ndarray, np.ndarray]:
        """Indices of ``s1[k, t]`` (cash_bits, T) and ``s2[k, t]`` (count_bits, T)."""
        T, par = self.n_periods, self.parameters
        base = self.n_positions
        s1 = base + np.arange(par.cash_bits * T).reshape(par.cash_bits, T)
        s2 = base + par.cash_bits * T + np.arange(par.count_bits * T).reshape(par.count_bits, T)
        return s1, s2

    def vector(self, sample: Mapping[str, float] | np.ndarray | Any, *,
               missing: str = "error") -> np.ndarray:
        """A sample as a float array in :attr:`labels` order.

        Parameters
        ----------
        sample : mapping or array-like of shape (n_variables,)
            Keys may be the ``.sol`` names or ZIMPL's full names (``x$AAPL#1#-1#0``).
        missing : {"error", "zero"}
            What to do with variables the sample does not name.

        Raises
        ------
        ProblemError
            An unknown variable name, a missing one (``missing="error"``), a wrong length.
        """
        if isinstance(sample, Mapping):
            out = np.full(self.n_variables, np.nan)
            unknown = []
            for key, value in sample.items():
                k = self.index.get(key)
                if k is None:
                    k = self._full_index.get(key)
                if k is None:
                    unknown.append(key)
                    continue
                out[k] = float(value)
            if unknown:
                raise ProblemError(
                    f"{len(unknown)} variable name(s) unknown to {self.name} "
                    f"({self.n_assets} assets, {self.n_periods} periods): {unknown[:5]}; names "
                    "follow QOBLIB's .sol files (e.g. "
                    f"{self.labels[0]!r}, {self.labels[-1]!r})")
            holes = np.isnan(out)
            if holes.any():
                if missing == "zero":
                    out[holes] = 0.0
                else:
                    names = [self.labels[k] for k in np.flatnonzero(holes)[:5]]
                    raise ProblemError(f"the sample lacks {int(holes.sum())} of the "
                                       f"{self.n_variables} variables of {self.name}, e.g. {names}")
            return out
        arr = np.asarray(sample, dtype=np.float64).reshape(-1)
        if arr.size != self.n_variables:
            raise ProblemError(f"sample must have {self.n_variables} values (labels order); "
                               f"got {arr.size}")
        return arr

    # ------------------------------------------------------------------ scoring

    def evaluate(self, sample: Any, *, binary_tol: float = 1e-4, round_values: bool = True,
                 missing: str = "error") -> QoblibScore:
        """Score a binary solution in both modes and check the 2T equalities.

        An independent scorer: it evaluates the BQP term by term on the binary variables
        (per-period dense blocks), not through the count model the samplers use.

        Parameters
        ----------
        sample : mapping or array
            See :meth:`vector`.
        binary_tol : float
            Values within this of 0 or 1 count as binary (Gurobi's integrality tolerance is
            1e-5); farther ones make the solution infeasible.
        round_values : bool
            Score the values rounded to 0/1 (default) or as given.
        """
        x = self.vector(sample, missing=missing)
        nearest = np.round(x)
        binary = bool(np.all((np.abs(x - nearest) <= binary_tol) & ((nearest == 0)
                                                                    | (nearest == 1))))
        v = np.clip(nearest, 0, 1) if round_values else x
        residual = self._residuals(v)
        violation = float(np.abs(residual).sum())
        feasible = binary and violation <= 1e-6 * (1 + self.b_tot)
        pos = v[: self.n_positions].reshape(self.n_assets, self.parameters.ub, 2, self.n_periods)
        units = pos.sum(axis=(0, 1, 2))
        pub = self._score_vector(v, "published")
        exa = self._score_vector(v, "exact")
        return QoblibScore(pub, exa, feasible, violation, units)

    def score(self, sample: Any, mode: str = "published", **kwargs: Any) -> float:
        """Objective of ``sample`` in ``mode`` (see :meth:`evaluate`; feasibility not checked)."""
        return self.evaluate(sample, **kwargs).objective(check_mode(mode))

    def _residuals(self, v: np.ndarray) -> np.ndarray:
        n, T, U = self.n_assets, self.n_periods, self.parameters.ub
        pos = v[: self.n_positions].reshape(n, U, 2, T)
        s1, s2 = self.slack_index()
        net = (pos[:, :, 0] - pos[:, :, 1]).sum(axis=(0, 1))
        cnt = pos.sum(axis=(0, 1, 2))
        w1 = 2.0 ** np.arange(s1.shape[0])
        w2 = 2.0 ** np.arange(s2.shape[0])
        r1 = net + w1 @ v[s1] - self.b_csh
        r2 = cnt + w2 @ v[s2] - self.b_tot
        return np.concatenate([r1, r2])

    def _score_vector(self, v: np.ndarray, mode: str) -> float:
        c = self.coefficients(mode)
        n, T, U = self.n_assets, self.n_periods, self.parameters.ub
        pos = v[: self.n_positions].reshape(n, U, 2, T)
        total = float(np.einsum("imst,ist->", pos, c["linear"]))
        # chain: x[i,m,s,t-1]·x[i,m,s,t] with coefficient chain[i,t]
        total += float(np.einsum("imst,imst,it->", pos[..., :-1], pos[..., 1:], c["chain"][:, 1:]))
        s1, s2 = self.slack_index()
        total += float(np.einsum("kt,k->", v[s1], c["cash"]))
        total += float(np.einsum("kt,k->", v[s2], c["count"]))
        # risk, one period at a time: variables (i, m, s) with class k = 2i + s.
        cls = (2 * np.arange(n)[:, None, None] + np.arange(2)[None, None, :]
               + 0 * np.arange(U)[None, :, None]).reshape(-1)
        for t in range(T):
            xt = pos[:, :, :, t].reshape(-1)
            on = np.flatnonzero(xt)
            if on.size == 0:
                continue
            w = xt[on]
            k = cls[on]
            block = c["pair"][t][np.ix_(k, k)] * np.outer(w, w)
            # distinct pairs a < b count once; the diagonal is x², with its own coefficient
            total += float((block.sum() - np.trace(block)) / 2.0)
            total += float(np.sum(c["square"][t][k] * w * w))
        return total

    # ------------------------------------------------------------------ count model

    def to_structured(self, mode: str = "published"):
        """The same objective and constraints as an integer model of unit counts.

        Counts ``c[t, k]`` (k = 2i + s, s = 0 long, 1 short) of copies held, copies used in
        nested order (copy 1 first), which loses nothing: every coefficient is the same for
        the three copies and the chain weight is negative. Slack bits are implied by the row
        values: ``s1 = b_csh − Σ sl·c`` (must lie in 0…2^4−1), ``s2 = b_tot − Σ c`` (0…2^5−1).

        Returns
        -------
        qfin.samplers.StructuredCountModel
        """
        from qfin.samplers import StructuredCountModel

        c = self.coefficients(mode)
        n, T, U = self.n_assets, self.n_periods, self.parameters.ub
        K = 2 * n
        P = np.ascontiguousarray(c["pair"])
        h = np.transpose(c["linear"], (2, 0, 1)).reshape(T, K) + c["square"] \
            - 0.5 * np.einsum("tkk->tk", P)
        W = np.repeat(c["chain"].T, 2, axis=1)  # (T, K): the same for both sides
        sides = np.tile(np.array([1, -1]), n)
        A = np.vstack([sides, np.ones(K, dtype=int)]).astype(np.int64)
        s1max = 2 ** self.parameters.cash_bits - 1
        s2max = 2 ** self.parameters.count_bits - 1
        lo = np.array([self.b_csh - s1max, self.b_tot - s2max], dtype=np.int64)
        hi = np.array([self.b_csh, self.b_tot], dtype=np.int64)
        span = int((hi - lo).max()) + 1
        table = np.zeros((T, 2, span))
        for j, (coef, rhs, bits) in enumerate(((c["cash"], self.b_csh, self.parameters.cash_bits),
                                               (c["count"], self.b_tot,
                                                self.parameters.count_bits))):
            for r in range(int(lo[j]), int(hi[j]) + 1):
                slack = rhs - r
                bitvals = (slack >> np.arange(bits)) & 1
                table[:, j, r - lo[j]] = float(coef @ bitvals)
        groups = np.arange(K).reshape(n, 2)
        names = [f"{sym}{'+' if s == 0 else '-'}" for sym in self.instance.symbols for s in (0, 1)]
        return StructuredCountModel(h=np.ascontiguousarray(h), P=P, W=np.ascontiguousarray(W),
                                    upper=U, A=A, lo=lo, hi=hi, row_energy=table,
                                    groups=groups, offset=0.0, class_names=names)

    def expand(self, counts: Any) -> np.ndarray:
        """Binary samples (R, n_variables) from counts (R, T, 2n) or (T, 2n), nested copies.

        Raises
        ------
        ProblemError
            Counts outside 0…ub or rows whose slack does not fit its bits.
        """
        cnt = np.asarray(counts)
        single = cnt.ndim == 2
        if single:
            cnt = cnt[None]
        R = cnt.shape[0]
        n, T, U = self.n_assets, self.n_periods, self.parameters.ub
        if cnt.shape[1:] != (T, 2 * n):
            raise ProblemError(f"counts must have shape (R, {T}, {2 * n}); got {cnt.shape}")
        cnt = np.rint(cnt).astype(np.int64)
        if cnt.min() < 0 or cnt.max() > U:
            raise ProblemError(f"counts must lie in 0..{U}")
        out = np.zeros((R, self.n_variables), dtype=np.int8)
        c4 = cnt.reshape(R, T, n, 2).transpose(0, 2, 3, 1)  # (R, n, 2, T)
        copies = np.arange(1, U + 1)[None, None, :, None, None]
        pos = (copies <= c4[:, :, None, :, :]).astype(np.int8)  # (R, n, U, 2, T)
        out[:, : self.n_positions] = pos.reshape(R, -1)
        sides = np.tile(np.array([1, -1]), n)
        net = cnt @ sides
        tot = cnt.sum(axis=2)
        s1, s2 = self.slack_index()
        for slack_idx, value in ((s1, self.b_csh - net), (s2, self.b_tot - tot)):
            bits = slack_idx.shape[0]
            if value.min() < 0 or value.max() > 2 ** bits - 1:
                raise ProblemError("counts violate a constraint: its slack does not fit in "
                                   f"{bits} bits (values {int(value.min())}..{int(value.max())})")
            for k in range(bits):
                out[:, slack_idx[k]] = (value >> k) & 1
        return out[0] if single else out

    def counts(self, sample: Any) -> np.ndarray:
        """Unit counts (T, 2n) of a binary sample (copies summed)."""
        v = np.rint(self.vector(sample)).astype(np.int64)
        n, T, U = self.n_assets, self.n_periods, self.parameters.ub
        pos = v[: self.n_positions].reshape(n, U, 2, T).sum(axis=1)  # (n, 2, T)
        return pos.transpose(2, 0, 1).reshape(T, 2 * n)


def check_mode(mode: str) -> str:
    """Validate a scoring mode name."""
    if mode not in SCORING_MODES:
        raise ProblemError(f"mode must be one of {SCORING_MODES}; got {mode!r}")
    return mode
