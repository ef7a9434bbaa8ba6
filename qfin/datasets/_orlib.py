"""OR-Library port1–port5: moments, correlations and the published unconstrained frontier.

Source: J. E. Beasley's OR-Library, first used by T.-J. Chang, N. Meade, J. E. Beasley and
Y. M. Sharaiha, "Heuristics for cardinality constrained portfolio optimisation", Computers &
Operations Research 27 (2000) 1271–1302, doi:10.1016/S0305-0548(99)00074-X. qfin ships the
copy of the MIT-licensed collection Foggalong/cla-gallery (J. Fogg, "CLA Example Gallery"),
unchanged, in ``data/orlib/port<k>/`` (see ``data/README.md``).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd

from qfin.errors import DataError

__all__ = ["OrlibInstance", "ORLIB_INSTANCES", "load_orlib", "read_orlib", "read_uef"]

#: instance number -> (index, number of assets), as in Chang et al. (2000), Table 1.
ORLIB_INSTANCES: dict[int, tuple[str, int]] = {
    1: ("Hang Seng", 31), 2: ("DAX 100", 85), 3: ("FTSE 100", 89), 4: ("S&P 100", 98),
    5: ("Nikkei 225", 225)}

CITATION = ("T.-J. Chang, N. Meade, J. E. Beasley and Y. M. Sharaiha, Heuristics for "
            "cardinality constrained portfolio optimisation, Computers & Operations Research "
            "27 (2000) 1271-1302; data from J. E. Beasley's OR-Library via Foggalong/cla-gallery "
            "(MIT licence)")


@dataclasses.dataclass(frozen=True, eq=False)
class OrlibInstance:
    """One OR-Library portfolio instance.

    Attributes
    ----------
    name : str
        ``"port1"`` … ``"port5"`` (or the folder name of a user's copy).
    index : str
        The stock index whose constituents these are.
    labels : list of str
        ``S1`` … ``Sn`` in file order.
    mu : Series of shape (n_assets,)
        Mean weekly return of each asset (fraction per week, not annualised).
    cov : DataFrame of shape (n_assets, n_assets)
        Covariance of weekly returns, ``σ_ij = ρ_ij·s_i·s_j`` (Chang et al. 2000, §2).
    std : Series of shape (n_assets,)
        Standard deviation of weekly return ``s_i``.
    uef : DataFrame of shape (n_points, 2)
        The published unconstrained efficient frontier (long-only, fully invested): columns
        ``mean`` and ``variance``, sorted by increasing return.
    periods_per_year : int
        52 (weekly data).
    citation : str
    """

    name: str
    index: str
    labels: list[str]
    mu: pd.Series
    cov: pd.DataFrame
    std: pd.Series
    uef: pd.DataFrame
    periods_per_year: int = 52
    citation: str = CITATION

    @property
    def n_assets(self) -> int:
        """Number of assets."""
        return len(self.labels)

    def __repr__(self) -> str:
        return (f"OrlibInstance({self.name!r}, {self.index!r}, n_assets={self.n_assets}, "
                f"uef_points={len(self.uef)})")


def _shipped_orlib_dir() -> Path:
    from qfin.data import shipped_data_dir

    return shipped_data_dir() / "orlib"


def _read_numbers(path: Path, columns: int, what: str) -> np.ndarray:
    if not path.is_file():
        raise DataError(f"{what} file {path} does not exist")
    try:
        frame = pd.read_csv(path, header=None, dtype=float, skipinitialspace=True)
    except (ValueError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise DataError(f"{what} file {path} is malformed: expected {columns} comma-separated "
                        f"numbers per line ({exc})") from exc
    if frame.shape[1] != columns:
        raise DataError(f"{what} file {path} must have {columns} columns per line; got "
                        f"{frame.shape[1]}")
    values = frame.to_numpy()
    if values.shape[0] == 0:
        raise DataError(f"{what} file {path} is empty")
    bad = np.argwhere(~np.isfinite(values))
    if bad.size:
        line, col = (int(v) + 1 for v in bad[0])
        raise DataError(f"{what} file {path} line {line} column {col}: not a finite number")
    return values


def read_uef(path: str | Path) -> pd.DataFrame:
    """Read an unconstrained efficient frontier file: one ``mean,variance`` pair per line.

    Parameters
    ----------
    path : str or Path
        OR-Library ``portef<k>`` layout (no header).

    Returns
    -------
    DataFrame
        Columns ``mean`` and ``variance``, sorted by increasing return.

    Raises
    ------
    DataError
        A missing, empty or malformed file (not two numbers per line, NaN), a negative
        variance, fewer than two points, or a frontier that is not monotone: along an
        efficient frontier a higher return must come with a higher variance, so returns must
        be distinct and the variance must not decrease as the return rises.
    """
    path = Path(path)
    values = _read_numbers(path, 2, "UEF")
    if len(values) < 2:
        raise DataError(f"UEF file {path} needs at least 2 points; got {len(values)}")
    if (values[:, 1] < 0).any():
        line = int(np.flatnonzero(values[:, 1] < 0)[0]) + 1
        raise DataError(f"UEF file {path} line {line}: negative variance {values[line - 1, 1]}")
    order = np.argsort(values[:, 0], kind="stable")
    ret, var = values[order, 0], values[order, 1]
    if (np.diff(ret) <= 0).any():
        i = int(np.flatnonzero(np.diff(ret) <= 0)[0])
        raise DataError(f"UEF file {path}: the return {ret[i]!r} appears twice (lines "
                        f"{order[i] + 1} and {order[i + 1] + 1}); a frontier has one point "
                        "per return")
    if (np.diff(var) < 0).any():
        i = int(np.flatnonzero(np.diff(var) < 0)[0])
        raise DataError(
            f"UEF file {path} is not monotone: return {ret[i]:.6g} has variance {var[i]:.6g} "
            f"(line {order[i] + 1}) but the higher return {ret[i + 1]:.6g} has the lower "
            f"variance {var[i + 1]:.6g} (line {order[i + 1] + 1}); an efficient frontier's "
            "variance rises with its return")
    return pd.DataFrame({"mean": ret, "variance": var})


def read_orlib(folder: str | Path, *, name: str | None = None, index: str = "") -> OrlibInstance:
    """Read one instance from a folder with ``return.csv``, ``risk.csv``, ``frontier.csv``.

    Parameters
    ----------
    folder : str or Path
        Layout of ``data/orlib/port<k>/`` (Foggalong/cla-gallery): ``return.csv`` one
        ``mean,std`` line per asset; ``risk.csv`` one ``i,j,rho_ij`` line per pair ``i ≤ j``
        (1-based); ``frontier.csv`` the UEF (see :func:`read_uef`).
    name : str, optional
        Default the folder's name.
    index : str
        The index the assets belong to (for labels in reports).

    Returns
    -------
    OrlibInstance

    Raises
    ------
    DataError
        Missing or malformed files, pairs out of range or missing, a correlation outside
        [−1, 1], a non-unit diagonal, a negative standard deviation.
    """
    folder = Path(folder)
    moments = _read_numbers(folder / "return.csv", 2, "returns")
    n = len(moments)
    mu, std = moments[:, 0], moments[:, 1]
    if (std < 0).any():
        raise DataError(f"{folder / 'return.csv'} line {int(np.argmax(std < 0)) + 1}: "
                        "negative standard deviation")
    pairs = _read_numbers(folder / "risk.csv", 3, "correlation")
    ij = pairs[:, :2]
    if (ij != np.round(ij)).any() or (ij < 1).any() or (ij > n).any():
        line = int(np.flatnonzero(((ij != np.round(ij)) | (ij < 1) | (ij > n)).any(axis=1))[0])
        raise DataError(f"{folder / 'risk.csv'} line {line + 1}: asset indices must be "
                        f"integers in 1..{n}; got {pairs[line, :2].tolist()}")
    rho = pairs[:, 2]
    if (np.abs(rho) > 1 + 1e-12).any():
        line = int(np.flatnonzero(np.abs(rho) > 1 + 1e-12)[0])
        raise DataError(f"{folder / 'risk.csv'} line {line + 1}: correlation {rho[line]} is "
                        "outside [-1, 1]")
    corr = np.full((n, n), np.nan)
    i, j = ij[:, 0].astype(int) - 1, ij[:, 1].astype(int) - 1
    corr[i, j] = rho
    corr[j, i] = rho
    if np.isnan(corr).any():
        a, b = np.argwhere(np.isnan(corr))[0]
        raise DataError(f"{folder / 'risk.csv'} has no correlation for the pair "
                        f"({min(a, b) + 1}, {max(a, b) + 1}); it needs all n(n+1)/2 pairs")
    if not np.allclose(np.diag(corr), 1.0, atol=1e-9):
        raise DataError(f"{folder / 'risk.csv'}: the diagonal correlations must be 1")
    labels = [f"S{k + 1}" for k in range(n)]
    cov = corr * np.outer(std, std)
    return OrlibInstance(
        name=name or folder.name, index=index, labels=labels,
        mu=pd.Series(mu, index=labels, name="mean"),
        cov=pd.DataFrame(cov, index=labels, columns=labels),
        std=pd.Series(std, index=labels, name="std"),
        uef=read_uef(folder / "frontier.csv"))


def load_orlib(instance: int | str) -> OrlibInstance:
    """The shipped OR-Library instance ``port<instance>`` (1–5).

    Parameters
    ----------
    instance : int or str
        1–5, or ``"port1"`` … ``"port5"``.

    Returns
    -------
    OrlibInstance
        Weekly moments, covariance ``σ_ij = ρ_ij·s_i·s_j`` and the published UEF (2,000
        points).

    Raises
    ------
    DataError
        An instance other than 1–5.

    Examples
    --------
    >>> inst = load_orlib(2)
    >>> inst.index, inst.n_assets, len(inst.uef)
    ('DAX 100', 85, 2000)
    """
    number = instance
    if isinstance(instance, str) and instance.lower().startswith("port"):
        number = instance[4:]
    try:
        k = int(number)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        k = -1
    if isinstance(instance, bool) or k not in ORLIB_INSTANCES:
        raise DataError(f"instance must be 1-5 (port1-port5, OR-Library); got {instance!r}")
    index, n = ORLIB_INSTANCES[k]
    data = read_orlib(_shipped_orlib_dir() / f"port{k}", name=f"port{k}", index=index)
    if data.n_assets != n:
        raise DataError(f"port{k} should have {n} assets; the shipped file has "
                        f"{data.n_assets}")
    return data
