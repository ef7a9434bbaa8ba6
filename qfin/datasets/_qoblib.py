"""QOBLIB 06-portfolio instances, best-known values and Gurobi solution files.

QOBLIB, the Quantum Optimization Benchmarking Library: T. Koch et al., "Quantum Optimization
Benchmark(ing) Library: The Intractable Decathlon", arXiv:2504.03832 (2025). Problem class
06-portfolio is a multi-period binary portfolio with transaction costs and short selling.
The a010/a050 instances (10 or 50 assets, 10 or 15 periods, real prices ``orig`` and seeded
perturbations ``s00``/``s01``), the table of Gurobi's status and objective per (instance,
q), and Gurobi's ``.sol`` files ship in ``data/qoblib/`` (CC BY 4.0, see its README).
:func:`load_qoblib_portfolio` also reads any other folder in QOBLIB's format (a200/a400 from
the full library, ``s02``, synthetic instances) without shipping it.

An instance folder holds two whitespace-separated text files (``.txt`` or ``.txt.gz``):

- ``stock_prices.txt``: ``day symbol price``;
- ``covariance_matrices.txt``: ``day symbol1 symbol2 covariance`` (of daily returns).

Days are the periods ``0 … T-1``; the symbol order is the order of first appearance in the
price file (the order of ZIMPL's set ``S``, which fixes the variable numbering of QOBLIB's
LP and ``.sol`` files).
"""

from __future__ import annotations

import gzip
import io
import math
import re
import tarfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from qfin.errors import DataError

__all__ = [
    "QoblibPortfolioInstance",
    "PublishedValue",
    "QoblibSolution",
    "load_qoblib_portfolio",
    "qoblib_instance_names",
    "qoblib_best_known",
    "qoblib_published_value",
    "qoblib_solution_files",
    "read_qoblib_sol",
    "write_synthetic_qoblib_instance",
    "qoblib_data_dir",
    "QOBLIB_Q_GRID",
    "QOBLIB_B_TOT",
]

#: The risk weights q of QOBLIB's table (``gen_archive.sh`` lists all but 0).
QOBLIB_Q_GRID: tuple[float, ...] = (0.0, 1e-6, 1e-5, 5e-5, 1e-4, 5e-4, 1e-3, 1e-2)
#: Position limit b_tot per number of assets, from QOBLIB's ``gen_archive.sh``.
QOBLIB_B_TOT: dict[int, int] = {10: 4, 50: 20, 200: 50, 400: 100}

PRICE_FILE = "stock_prices.txt"
COVARIANCE_FILE = "covariance_matrices.txt"
_NAME = re.compile(r"(?:po_)?a(\d{3})_t(\d{2})_(s\d{2}|orig)$")
_SHOW = 5


def qoblib_data_dir() -> Path:
    """The shipped ``data/qoblib`` folder (source checkout, editable install or wheel)."""
    from qfin.data._paths import shipped_data_dir

    return shipped_data_dir() / "qoblib"


@dataclass(frozen=True)
class QoblibPortfolioInstance:
    """One QOBLIB 06-portfolio instance: prices and covariances per period.

    Attributes
    ----------
    name : str
        Folder name, e.g. ``"po_a010_t10_orig"``.
    symbols : tuple of str
        Asset symbols in the order of first appearance in the price file.
    prices : ndarray of shape (n_assets, n_periods)
        Price of one share of each asset on each day (currency units).
    covariances : ndarray of shape (n_periods, n_assets, n_assets)
        Covariance of daily returns per day, as read (QOBLIB's files are symmetric).
    path : Path or None
        The folder it was read from.
    shipped : bool
        Whether it is one of the instances shipped with qfin.
    """

    name: str
    symbols: tuple[str, ...]
    prices: np.ndarray
    covariances: np.ndarray
    path: Path | None = None
    shipped: bool = False

    @property
    def n_assets(self) -> int:
        """Number of assets ``a``."""
        return len(self.symbols)

    @property
    def n_periods(self) -> int:
        """Number of periods ``T``."""
        return int(self.prices.shape[1])

    @property
    def seed_label(self) -> str | None:
        """``"orig"``, ``"s00"``, ... parsed from the folder name (None if it has none)."""
        m = _NAME.search(self.name)
        return m.group(3) if m else None

    @property
    def label(self) -> str:
        """QOBLIB's key ``a010_t10_orig`` (sizes from the data, seed from the folder name).

        A folder not named like QOBLIB's keeps its own name (without a ``po_`` prefix).
        """
        if self.seed_label is None:
            return self.name[3:] if self.name.startswith("po_") else self.name
        return f"a{self.n_assets:03d}_t{self.n_periods:02d}_{self.seed_label}"

    @property
    def default_b_tot(self) -> int | None:
        """QOBLIB's position limit for this number of assets (None outside 10/50/200/400)."""
        return QOBLIB_B_TOT.get(self.n_assets)


def qoblib_instance_names(size: int | None = None) -> list[str]:
    """Names of the shipped instances (``size`` = number of assets to keep only 10 or 50)."""
    folder = qoblib_data_dir() / "instances"
    names = sorted(p.name for p in folder.iterdir() if p.is_dir()) if folder.is_dir() else []
    if size is not None:
        names = [n for n in names if f"_a{int(size):03d}_" in n]
    return names


def _resolve_folder(path_or_name: str | Path) -> tuple[Path, bool]:
    path = Path(path_or_name).expanduser()
    if path.is_dir():
        return path, False
    text = str(path_or_name)
    shipped = qoblib_data_dir() / "instances"
    for candidate in (text, f"po_{text}"):
        if (shipped / candidate).is_dir() and "/" not in candidate:
            return shipped / candidate, True
    if path.exists():
        raise DataError(f"QOBLIB instance {text!r} is a file; pass the folder that holds "
                        f"{PRICE_FILE}[.gz] and {COVARIANCE_FILE}[.gz]")
    names = ", ".join(qoblib_instance_names()) or "(none found)"
    raise DataError(f"no QOBLIB instance folder {text!r}: give a folder path or one of the "
                    f"shipped names: {names}")


def _data_file(folder: Path, stem: str) -> Path:
    for candidate in (folder / f"{stem}.gz", folder / stem):
        if candidate.is_file():
            return candidate
    present = ", ".join(sorted(p.name for p in folder.iterdir())) or "nothing"
    raise DataError(f"QOBLIB instance folder {str(folder)!r} lacks {stem}[.gz] (it holds: "
                    f"{present}); an instance needs both {PRICE_FILE}[.gz] and "
                    f"{COVARIANCE_FILE}[.gz]")


def _read_table(path: Path, columns: list[str]) -> pd.DataFrame:
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rt") as handle:
            frame = pd.read_csv(handle, sep=r"\s+", header=None, dtype=str, engine="c",
                                comment=None, on_bad_lines="error", names=columns)
    except (pd.errors.ParserError, ValueError) as exc:
        raise DataError(f"cannot parse {path.name!r}: expected {len(columns)} whitespace-"
                        f"separated fields per line ({' '.join(columns)}): {exc}") from exc
    except (OSError, EOFError) as exc:
        raise DataError(f"cannot read {str(path)!r}: {exc}") from exc
    if frame.empty:
        raise DataError(f"{path.name!r} holds no data lines")
    missing = frame.isna().any(axis=1).to_numpy()
    if missing.any():
        lines = [f"line {i + 1}" for i in np.flatnonzero(missing)[:_SHOW]]
        raise DataError(f"{path.name!r}: fewer than {len(columns)} fields ({' '.join(columns)}) "
                        f"on {', '.join(lines)}")
    return frame


def _integers(frame: pd.DataFrame, column: str, path: Path) -> np.ndarray:
    values = pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype=np.float64)
    bad = ~np.isfinite(values) | (values != np.round(values)) | (values < 0)
    if bad.any():
        rows = np.flatnonzero(bad)[:_SHOW]
        shown = ", ".join(f"line {i + 1} ({frame[column].iloc[i]!r})" for i in rows)
        raise DataError(f"{path.name!r}: {column} must be a non-negative integer; bad on {shown}")
    return values.astype(np.int64)


def _floats(frame: pd.DataFrame, column: str, path: Path) -> np.ndarray:
    values = pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype=np.float64)
    bad = ~np.isfinite(values)
    if bad.any():
        rows = np.flatnonzero(bad)[:_SHOW]
        shown = ", ".join(f"line {i + 1} ({frame[column].iloc[i]!r})" for i in rows)
        raise DataError(f"{path.name!r}: {column} must be a finite number; bad on {shown}")
    return values


def _read_prices(path: Path) -> tuple[tuple[str, ...], np.ndarray]:
    frame = _read_table(path, ["day", "symbol", "price"])
    days = _integers(frame, "day", path)
    prices = _floats(frame, "price", path)
    bad = prices <= 0
    if bad.any():
        rows = np.flatnonzero(bad)[:_SHOW]
        shown = ", ".join(f"line {i + 1} ({frame['symbol'].iloc[i]} day {days[i]}: "
                          f"{prices[i]:g})" for i in rows)
        raise DataError(f"{path.name!r}: prices must be > 0 (a unit of stock is priced "
                        f"relative to day 0); got {int(bad.sum())} non-positive: {shown}")
    symbols = tuple(pd.unique(frame["symbol"]))
    n_periods = int(days.max()) + 1
    absent = sorted(set(range(n_periods)) - set(days.tolist()))
    if absent:
        raise DataError(f"{path.name!r}: days must run 0..{n_periods - 1} without gaps; "
                        f"no prices on day(s) {absent[:_SHOW]}")
    sym_index = pd.Index(symbols).get_indexer(frame["symbol"])
    key = sym_index * n_periods + days
    dup = pd.Series(key).duplicated().to_numpy()
    if dup.any():
        rows = np.flatnonzero(dup)[:_SHOW]
        shown = ", ".join(f"line {i + 1} ({frame['symbol'].iloc[i]} day {days[i]})" for i in rows)
        raise DataError(f"{path.name!r}: duplicate (day, symbol) on {shown}")
    table = np.full((len(symbols), n_periods), np.nan)
    table[sym_index, days] = prices
    holes = np.argwhere(np.isnan(table))
    if holes.size:
        shown = ", ".join(f"{symbols[i]} day {t}" for i, t in holes[:_SHOW])
        raise DataError(f"{path.name!r}: every symbol needs a price on every day 0.."
                        f"{n_periods - 1}; {len(holes)} missing: {shown}")
    return symbols, table


def _read_covariances(path: Path, symbols: tuple[str, ...], n_periods: int) -> np.ndarray:
    frame = _read_table(path, ["day", "symbol1", "symbol2", "covariance"])
    days = _integers(frame, "day", path)
    values = _floats(frame, "covariance", path)
    index = pd.Index(symbols)
    i = index.get_indexer(frame["symbol1"])
    j = index.get_indexer(frame["symbol2"])
    unknown = (i < 0) | (j < 0)
    if unknown.any():
        rows = np.flatnonzero(unknown)[:_SHOW]
        shown = ", ".join(f"line {r + 1} ({frame['symbol1'].iloc[r]}, "
                          f"{frame['symbol2'].iloc[r]})" for r in rows)
        raise DataError(f"{path.name!r}: symbols not in the price file on {shown}")
    late = days >= n_periods
    if late.any():
        rows = np.flatnonzero(late)[:_SHOW]
        raise DataError(f"{path.name!r}: days beyond the price file's 0..{n_periods - 1} on "
                        + ", ".join(f"line {r + 1} (day {days[r]})" for r in rows))
    n = len(symbols)
    key = (days * n + i) * n + j
    dup = pd.Series(key).duplicated().to_numpy()
    if dup.any():
        rows = np.flatnonzero(dup)[:_SHOW]
        raise DataError(f"{path.name!r}: duplicate (day, symbol1, symbol2) on "
                        + ", ".join(f"line {r + 1}" for r in rows))
    cov = np.full((n_periods, n, n), np.nan)
    cov[days, i, j] = values
    present_days = set(np.unique(days).tolist())
    absent = [t for t in range(n_periods) if t not in present_days]
    if absent:
        raise DataError(f"{path.name!r}: no covariances for day(s) {absent[:_SHOW]}; every "
                        f"day 0..{n_periods - 1} needs all {n}×{n} (symbol1, symbol2) pairs")
    holes = np.argwhere(np.isnan(cov))
    if holes.size:
        shown = ", ".join(f"({symbols[a]}, {symbols[b]}) on day {t}" for t, a, b in holes[:_SHOW])
        raise DataError(f"{path.name!r}: {len(holes)} (symbol1, symbol2, day) entries missing "
                        f"(every ordered pair is needed on every day): {shown}")
    return cov


def load_qoblib_portfolio(path_or_name: str | Path) -> QoblibPortfolioInstance:
    """Read a QOBLIB 06-portfolio instance folder, shipped or the user's own.

    Parameters
    ----------
    path_or_name : str or Path
        A folder holding ``stock_prices.txt[.gz]`` and ``covariance_matrices.txt[.gz]``
        (any size: a200/a400 from the full library work the same way), or the name of a
        shipped instance (``"po_a050_t15_s01"``; the ``po_`` prefix may be left out).

    Returns
    -------
    QoblibPortfolioInstance
        Prices of shape (n_assets, n_periods), covariances of shape
        (n_periods, n_assets, n_assets).

    Raises
    ------
    DataError
        Unknown name; a folder without one of the two files; a line with the wrong number
        of fields or a non-numeric value; a price ≤ 0; a day without prices or a symbol
        without a price on some day; a covariance for an unknown symbol or day; a day or an
        ordered (symbol1, symbol2) pair missing from the covariance file; duplicates.

    Examples
    --------
    >>> inst = load_qoblib_portfolio("po_a010_t10_orig")
    >>> inst.n_assets, inst.n_periods, inst.symbols[:3]
    (10, 10, ('AAPL', 'NVDA', 'MSFT'))
    """
    folder, shipped = _resolve_folder(path_or_name)
    price_path = _data_file(folder, PRICE_FILE)
    cov_path = _data_file(folder, COVARIANCE_FILE)
    symbols, prices = _read_prices(price_path)
    cov = _read_covariances(cov_path, symbols, prices.shape[1])
    return QoblibPortfolioInstance(folder.name, symbols, prices, cov, folder, shipped)


# --------------------------------------------------------------------------- best-known


@dataclass(frozen=True)
class PublishedValue:
    """Gurobi's published result for one (instance, q), in the "published" scoring mode.

    Attributes
    ----------
    objective : float
        ObjVal (the ``.sol`` file's full-precision line where shipped, else the table's).
    status : str
        ``"OPTIMAL"`` or ``"TIME_LIMIT"``.
    tolerance : float
        How far above ``objective`` a value still counts as matching it: Gurobi's own
        rounding (1e-6 relative: its objective comes from solution values within its
        integrality tolerance) or, for a table value printed to 6 significant digits, half a
        unit of its last digit.
    source : str
        ``"sol"`` or ``"table"``.
    """

    objective: float
    status: str
    tolerance: float
    source: str

    def reached(self, value: float) -> bool:
        """Whether ``value`` matches or beats the published objective."""
        return bool(np.isfinite(value) and value <= self.objective + self.tolerance)


def _table_tolerance(text: str, value: float) -> float:
    mantissa = text.lower().split("e")[0].lstrip("+-")
    digits = len(mantissa.replace(".", "").lstrip("0")) or 1
    if digits >= 6 and value != 0:  # %g with 6 significant digits: may be rounded
        exponent = math.floor(math.log10(abs(value)))
        return 0.5 * 10.0 ** (exponent - 5)
    return max(1e-6 * abs(value), 1e-6)


def qoblib_best_known() -> pd.DataFrame:
    """QOBLIB's table of Gurobi results for 06-portfolio (all sizes; nan rows kept).

    Returns
    -------
    DataFrame
        Columns ``seed`` (``"00"``, ``"01"``, ``"02"``, ``"orig"``), ``a``, ``t``, ``q``,
        ``b`` (b_tot), ``status``, ``objval`` (float, 6 significant digits as published) and
        ``objval_text`` (the table's text). Values are of the truncated-coefficient model
        ("published" mode).
    """
    frame = pd.read_csv(qoblib_data_dir() / "best_known.csv", dtype=str)
    out = pd.DataFrame({
        "seed": frame["seed"], "a": frame["a"].astype(int), "t": frame["t"].astype(int),
        "q": frame["q"].astype(float), "b": frame["b"].astype(int), "status": frame["status"],
        "objval": pd.to_numeric(frame["objval"], errors="coerce"),
        "objval_text": frame["objval"]})
    return out


def _seed_key(seed_label: str) -> str:
    return seed_label[1:] if re.fullmatch(r"s\d{2}", seed_label) else seed_label


def qoblib_published_value(instance: QoblibPortfolioInstance | str, q: float,
                           b_tot: int | None = None) -> PublishedValue | None:
    """Gurobi's published objective and status for (instance, q), or None if not published.

    Parameters
    ----------
    instance : QoblibPortfolioInstance or str
        The instance, or its label ``"a010_t10_orig"``.
    q : float
        Risk weight.
    b_tot : int, optional
        Position limit (default QOBLIB's for the size); a different value has no published
        result.
    """
    label = instance.label if isinstance(instance, QoblibPortfolioInstance) else str(instance)
    m = re.fullmatch(r"a(\d{3})_t(\d{2})_(s\d{2}|orig)", label)
    if not m:
        return None
    a, t, seed = int(m.group(1)), int(m.group(2)), m.group(3)
    expected_b = QOBLIB_B_TOT.get(a)
    if b_tot is not None and b_tot != expected_b:
        return None
    table = qoblib_best_known()
    rows = table[(table.seed == _seed_key(seed)) & (table.a == a) & (table.t == t)
                 & np.isclose(table.q, q, rtol=1e-9, atol=1e-15) & table.objval.notna()]
    if rows.empty:
        return None
    best = rows.sort_values("objval").iloc[0]
    value, status = float(best.objval), str(best.status)
    source, tol = "table", _table_tolerance(str(best.objval_text), value)
    sol = _shipped_sol_objective(label, q)
    if sol is not None:
        value, source, tol = sol, "sol", max(1e-6 * abs(sol), 1e-6)
    return PublishedValue(value, status, tol, source)


# ----------------------------------------------------------------------------- .sol files


@dataclass(frozen=True)
class QoblibSolution:
    """A solution file in QOBLIB's (Gurobi's) ``.sol`` format.

    Attributes
    ----------
    values : dict of str to float
        Variable name (QOBLIB's LP naming, e.g. ``x$AAPL#1#_1#0@a``) to value.
    objective : float or None
        The ``# Objective value = ...`` line.
    name : str
        File name.
    """

    values: dict[str, float]
    objective: float | None
    name: str = ""


def read_qoblib_sol(source: str | Path | io.TextIOBase, name: str | None = None
                    ) -> QoblibSolution:
    """Read a ``.sol`` file: ``# Objective value = V`` then one ``name value`` per line.

    Raises
    ------
    DataError
        A line that is not ``name value``, a non-numeric value, a name given twice.
    """
    if isinstance(source, (str, Path)):
        path = Path(source)
        if not path.is_file():
            raise DataError(f"solution file {str(path)!r} does not exist")
        text = path.read_text()
        name = name or path.name
    else:
        text = source.read()
    values: dict[str, float] = {}
    objective = None
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped:
            continue
        if stripped.startswith("#"):
            m = re.match(r"#\s*Objective value\s*=\s*(\S+)", stripped)
            if m:
                try:
                    objective = float(m.group(1))
                except ValueError as exc:
                    raise DataError(f"{name}: line {number}: objective {m.group(1)!r} is not "
                                    "a number") from exc
            continue
        parts = stripped.split()
        if len(parts) != 2:
            raise DataError(f"{name}: line {number}: expected 'name value', got {stripped!r}")
        try:
            value = float(parts[1])
        except ValueError as exc:
            raise DataError(f"{name}: line {number}: value {parts[1]!r} of {parts[0]!r} is not "
                            "a number") from exc
        if parts[0] in values:
            raise DataError(f"{name}: line {number}: variable {parts[0]!r} appears twice")
        values[parts[0]] = value
    return QoblibSolution(values, objective, name or "")


def qoblib_solution_files(label: str | None = None) -> Iterator[tuple[str, float, QoblibSolution]]:
    """The shipped Gurobi ``.sol`` files: ``(instance label, q, solution)`` for each.

    Parameters
    ----------
    label : str, optional
        Only this instance (``"a050_t15_s01"``).
    """
    folder = qoblib_data_dir() / "solutions"
    for archive in sorted(folder.glob("*.tar.gz")):
        inst = re.sub(r"_b\d{3}$", "", archive.name[: -len(".tar.gz")])
        if label is not None and inst != label:
            continue
        with tarfile.open(archive, "r:gz") as tar:
            for member in sorted(tar.getmembers(), key=lambda m: m.name):
                m = re.search(r"_q([0-9.eE+-]+)_b\d{3}\.sol$", member.name)
                if not member.isfile() or not m:
                    continue
                handle = tar.extractfile(member)
                if handle is None:  # pragma: no cover - isfile() above
                    continue
                text = io.StringIO(handle.read().decode())
                yield inst, float(m.group(1)), read_qoblib_sol(text, Path(member.name).name)


_SOL_OBJECTIVES: dict[tuple[str, float], float] | None = None


def _shipped_sol_objective(label: str, q: float) -> float | None:
    global _SOL_OBJECTIVES
    if _SOL_OBJECTIVES is None:
        table: dict[tuple[str, float], float] = {}
        folder = qoblib_data_dir() / "solutions"
        for archive in sorted(folder.glob("*.tar.gz")):
            inst = re.sub(r"_b\d{3}$", "", archive.name[: -len(".tar.gz")])
            with tarfile.open(archive, "r:gz") as tar:
                for member in tar.getmembers():
                    m = re.search(r"_q([0-9.eE+-]+)_b\d{3}\.sol$", member.name)
                    handle = tar.extractfile(member) if member.isfile() and m else None
                    if handle is None:
                        continue
                    for raw in handle.read(200).decode(errors="replace").splitlines()[:3]:
                        hit = re.match(r"#\s*Objective value\s*=\s*(\S+)", raw)
                        if hit:
                            table[(inst, float(m.group(1)))] = float(hit.group(1))
        _SOL_OBJECTIVES = table
    for (inst, qq), value in _SOL_OBJECTIVES.items():
        if inst == label and math.isclose(qq, q, rel_tol=1e-9, abs_tol=1e-15):
            return value
    return None


# ------------------------------------------------------------------------ synthetic data


def write_synthetic_qoblib_instance(folder: str | Path, n_assets: int = 400,
                                    n_periods: int = 15, *, seed: int = 0,
                                    window: int = 30) -> Path:
    """Write a synthetic instance in QOBLIB's format (for scale tests: a400-sized by default).

    Daily returns of ``window + n_periods`` days come from a 5-factor model with
    heavy-ish idiosyncratic noise (``r = B f + ε``, factor volatility 1 %, idiosyncratic
    0.5–2 %); prices start at 20–500 and compound the returns; the covariance of day ``t``
    is the sample covariance of the ``window`` returns before it, as QOBLIB's generator did
    with real prices (rolling 30-day window). Symbols are ``S0001`` … .

    Parameters
    ----------
    folder : str or Path
        Created if needed; ``stock_prices.txt.gz`` and ``covariance_matrices.txt.gz`` are
        written into it (about 25 MB for 400 assets × 15 days).
    n_assets, n_periods : int
        Size (a400: 400 assets; QOBLIB uses 10 or 15 periods).
    seed : int
        Seed of numpy's generator.
    window : int
        Rolling covariance window in days.

    Returns
    -------
    Path
        The folder.
    """
    if n_assets < 1 or n_periods < 2 or window < 2:
        raise DataError(f"need n_assets >= 1, n_periods >= 2, window >= 2; got {n_assets}, "
                        f"{n_periods}, {window}")
    rng = np.random.default_rng(seed)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    days = window + n_periods
    loadings = rng.normal(0.0, 1.0, size=(n_assets, 5)) * np.array([1.0, 0.6, 0.5, 0.4, 0.3])
    factors = rng.normal(0.0005, 0.01, size=(days, 5))
    idio = rng.uniform(0.005, 0.02, size=n_assets)
    returns = factors @ loadings.T + rng.normal(0.0, 1.0, size=(days, n_assets)) * idio
    start = rng.uniform(20.0, 500.0, size=n_assets)
    prices = start * np.cumprod(1.0 + returns, axis=0)  # (days, n_assets)
    symbols = [f"S{k + 1:04d}" for k in range(n_assets)]
    with gzip.open(folder / f"{PRICE_FILE}.gz", "wt", compresslevel=1) as out:
        for t in range(n_periods):
            out.writelines(f"{t} {s} {p!r}\n" for s, p in
                           zip(symbols, prices[window + t].tolist(), strict=True))
    sym = np.asarray(symbols)
    with gzip.open(folder / f"{COVARIANCE_FILE}.gz", "wt", compresslevel=1) as out:
        for t in range(n_periods):
            cov = np.cov(returns[t: t + window], rowvar=False)
            frame = pd.DataFrame({"d": t, "a": np.repeat(sym, n_assets),
                                  "b": np.tile(sym, n_assets), "v": cov.ravel()})
            out.write(frame.to_csv(sep=" ", header=False, index=False, float_format="%.16g"))
    return folder
