"""Real weekly equity universes larger than the 20-stock sample (28, 82 and 457 assets).

Copied unchanged from Foggalong/cla-gallery (``Datasets/<name>/timeseries.csv``) into
``data/weekly/<name>/``; licences and citations in ``data/README.md``. Asset labels are
anonymised (``S1``, ``S2``, …) and rows are step labels ``T1``, ``T2``, … one week apart.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd

from qfin.errors import DataError

__all__ = ["WeeklyUniverse", "WEEKLY_UNIVERSES", "load_weekly", "read_weekly"]

#: name -> (what the file holds, description, citation and licence)
WEEKLY_UNIVERSES: dict[str, tuple[str, str, str]] = {
    "NASDAQ100": ("returns", "NASDAQ 100 constituents, 2004-11 to 2016-04, 82 assets",
                  "R. Bruni, F. Cesarone, A. Scozzari, F. Tardella, Data in Brief 8 (2016) "
                  "858-862, doi:10.1016/j.dib.2016.06.031 (CC-BY 4.0), via Foggalong/cla-gallery"),
    "DowJones": ("returns", "Dow Jones Industrial Average constituents, 1990-02 to 2016-04, "
                 "28 assets",
                 "R. Bruni, F. Cesarone, A. Scozzari, F. Tardella, Data in Brief 8 (2016) "
                 "858-862, doi:10.1016/j.dib.2016.06.031 (CC-BY 4.0), via Foggalong/cla-gallery"),
    "INDTRACK6": ("prices", "S&P 500 constituents, 1991-03 to 1997-09, 457 assets; first "
                  "column the S&P 500 index itself",
                  "OR-Library index-tracking data, N. A. Canakgoz and J. E. Beasley, EJOR 196 "
                  "(2009) 384-399, via Foggalong/cla-gallery (MIT licence)"),
}

_INDEX_COLUMN = "Index"


@dataclasses.dataclass(frozen=True, eq=False)
class WeeklyUniverse:
    """A weekly universe: simple returns of its assets (and of its index, where it has one).

    Attributes
    ----------
    name : str
    returns : DataFrame of shape (n_weeks, n_assets)
        Simple weekly returns (fractions), rows labelled by step (``T2`` … when the file
        holds prices: the first price has no return), columns the asset labels.
    index_returns : Series of shape (n_weeks,) or None
        Simple weekly returns of the index column (INDTRACK6: the S&P 500 index, which is
        an index, not an asset: never part of ``returns``).
    values : {"returns", "prices"}
        What the file holds.
    periods_per_year : int
        52: annualise weekly figures with 52, never 252.
    description, citation : str
    """

    name: str
    returns: pd.DataFrame
    index_returns: pd.Series | None
    values: str
    description: str = ""
    citation: str = ""
    periods_per_year: int = 52

    @property
    def labels(self) -> list[str]:
        """Asset labels (the index column excluded)."""
        return [str(c) for c in self.returns.columns]

    @property
    def n_assets(self) -> int:
        """Number of assets (the index column excluded)."""
        return self.returns.shape[1]

    def __repr__(self) -> str:
        return (f"WeeklyUniverse({self.name!r}, n_assets={self.n_assets}, "
                f"n_weeks={len(self.returns)}, index={self.index_returns is not None})")


def read_weekly(path: str | Path, *, values: str, name: str | None = None,
                index_column: str | None = _INDEX_COLUMN, description: str = "",
                citation: str = "") -> WeeklyUniverse:
    """Read a weekly file: first row the dataset name then the labels; first column the step.

    Parameters
    ----------
    path : str or Path
    values : {"returns", "prices"}
        Simple returns or prices (prices are turned into simple returns).
    name : str, optional
        Default the file's first cell.
    index_column : str, optional
        A column holding an index rather than an asset (kept apart), if present.

    Returns
    -------
    WeeklyUniverse

    Raises
    ------
    DataError
        Missing file, non-numeric or missing values, duplicate labels, a non-positive
        price, a return ≤ −1 (a loss of more than everything), with the row and column.
    """
    path = Path(path)
    if values not in ("returns", "prices"):
        raise DataError(f"values must be 'returns' or 'prices'; got {values!r}")
    if not path.is_file():
        raise DataError(f"weekly data file {path} does not exist")
    try:
        raw = pd.read_csv(path, index_col=0)
    except (ValueError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise DataError(f"weekly data file {path} is malformed: {exc}") from exc
    if raw.shape[0] < 2 or raw.shape[1] < 1:
        raise DataError(f"weekly data file {path} needs a header row, at least 2 rows and 1 "
                        f"column of values; got shape {raw.shape}")
    if raw.columns.duplicated().any():
        raise DataError(f"{path}: duplicate column labels "
                        f"{sorted(set(raw.columns[raw.columns.duplicated()]))}")
    numeric = raw.apply(pd.to_numeric, errors="coerce")
    bad = np.argwhere(~np.isfinite(numeric.to_numpy(dtype=float)))
    if bad.size:
        r, c = bad[0]
        raise DataError(f"{path} row {raw.index[r]} column {raw.columns[c]}: not a finite "
                        f"number ({raw.iat[r, c]!r}); {len(bad)} bad value(s) in all")
    numeric.index = [str(i) for i in numeric.index]
    if values == "prices":
        if (numeric <= 0).to_numpy().any():
            r, c = np.argwhere((numeric <= 0).to_numpy())[0]
            raise DataError(f"{path} row {numeric.index[r]} column {numeric.columns[c]}: "
                            f"price {numeric.iat[r, c]} must be > 0")
        returns = numeric.pct_change().iloc[1:]
    else:
        returns = numeric
        if (returns <= -1).to_numpy().any():
            r, c = np.argwhere((returns <= -1).to_numpy())[0]
            raise DataError(f"{path} row {returns.index[r]} column {returns.columns[c]}: "
                            f"return {returns.iat[r, c]} is ≤ -1 (a simple return cannot lose "
                            "more than everything); is this a file of prices or log returns?")
    index_returns = None
    if index_column is not None and index_column in returns.columns:
        index_returns = returns.pop(index_column).rename(index_column)
    with open(path, encoding="utf-8") as handle:
        first = handle.readline().split(",", 1)[0].strip()
    return WeeklyUniverse(name=name or first or path.stem, returns=returns,
                          index_returns=index_returns, values=values,
                          description=description, citation=citation)


def load_weekly(name: str) -> WeeklyUniverse:
    """A shipped weekly universe: ``"NASDAQ100"`` (82), ``"INDTRACK6"`` (457), ``"DowJones"``.

    Parameters
    ----------
    name : str
        Case-insensitive.

    Returns
    -------
    WeeklyUniverse
        Simple weekly returns; INDTRACK6 with the S&P 500 index apart in ``index_returns``.

    Raises
    ------
    DataError
        An unknown name.

    Examples
    --------
    >>> u = load_weekly("indtrack6")
    >>> u.n_assets, u.index_returns is not None, u.periods_per_year
    (457, True, 52)
    """
    from qfin.data import shipped_data_dir

    lookup = {k.lower(): k for k in WEEKLY_UNIVERSES}
    key = lookup.get(str(name).lower())
    if key is None:
        raise DataError(f"unknown weekly universe {name!r}; shipped: "
                        f"{', '.join(WEEKLY_UNIVERSES)}")
    values, description, citation = WEEKLY_UNIVERSES[key]
    return read_weekly(shipped_data_dir() / "weekly" / key / "timeseries.csv", values=values,
                       name=key, description=description, citation=citation)
