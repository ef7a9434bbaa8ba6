"""Label-safe inputs: align labelled vectors and matrices to asset labels, or refuse.

A weights ``pandas.Series`` (or a mapping such as ``{"AAPL": 0.6, "MSFT": 0.4}``) means
"these weights for these assets", whatever its order; applying it by position to return
columns in another order silently computes the risk of a different portfolio. Every public
function of qfin that takes returns (or ``mu``/``cov``) together with another per-asset input
aligns the second to the first *by label* through this module, and refuses missing, extra or
duplicate labels. Plain sequences and arrays keep their positional meaning.

>>> import pandas as pd
>>> align_vector(pd.Series({"C": 0.05, "B": 0.15, "A": 0.8}), ["A", "B", "C"]).tolist()
[0.8, 0.15, 0.05]
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

__all__ = ["is_labelled", "labels_of", "align_vector", "align_matrix"]


def is_labelled(values: Any) -> bool:
    """True for a pandas Series or a mapping (label -> value)."""
    import pandas as pd

    return isinstance(values, pd.Series | Mapping)


def labels_of(table: Any) -> list[str] | None:
    """Column labels of a DataFrame (as str), ``None`` for an unlabelled array."""
    import pandas as pd

    if isinstance(table, pd.DataFrame):
        return [str(c) for c in table.columns]
    if isinstance(table, pd.Series):
        return [str(table.name)]
    return None


def _is_default_range(index: Any, n: int) -> bool:
    import pandas as pd

    return isinstance(index, pd.RangeIndex) and index.start == 0 and index.step == 1 \
        and len(index) == n


def _preview(items: Sequence[str], limit: int = 8) -> str:
    shown = ", ".join(repr(s) for s in items[:limit])
    return shown + (f", ... ({len(items)} in all)" if len(items) > limit else "")


def _mismatch(name: str, given: list[str], labels: list[str], target: str) -> str:
    from qfin._suggest import suggest

    missing = [t for t in labels if t not in set(given)]
    extra = [t for t in given if t not in set(labels)]
    parts = []
    if missing:
        parts.append(f"missing {_preview(missing)}")
    if extra:
        hints = []
        for e in extra[:3]:
            close = suggest(e, missing or labels, n=1)
            if close:
                hints.append(f"{e!r} -> did you mean {close[0]!r}?")
        parts.append(f"not in {target}: {_preview(extra)}" + (f" ({'; '.join(hints)})"
                                                            if hints else ""))
    return (f"{name} are labelled but their labels do not match the {target} "
            f"({'; '.join(parts)}); give one entry per asset, with labels exactly as in the "
            f"{target} (an unnamed asset is not taken as 0: write it out), or pass a plain "
            "array in the column order")


def align_vector(values: Any, labels: Sequence[str] | None, *, name: str = "weights",
                 target: str = "return columns") -> Any:
    """Align a labelled per-asset vector to ``labels``; pass anything else through unchanged.

    Parameters
    ----------
    values : Series, mapping, array-like or None
        A Series or mapping is aligned by label (labels compared as ``str``); other inputs
        are returned unchanged for the caller's positional shape checks.
    labels : sequence of str or None
        The assets' labels in order (e.g. ``returns.columns``); ``None`` when the assets are
        unlabelled (a plain array of returns): then only a Series with the default
        ``RangeIndex(0..n-1)`` is accepted, positionally.
    name, target : str
        What the vector is and what it must match (for the error message).

    Returns
    -------
    ndarray of shape (len(labels),) for labelled input, else ``values``.

    Raises
    ------
    ProblemError
        Duplicate labels, labels missing from ``values`` or not among ``labels``, or
        labelled values with unlabelled assets.
    """
    import numpy as np
    import pandas as pd

    from qfin.errors import ProblemError

    if not is_labelled(values):
        return values
    if isinstance(values, pd.Series):
        keys, data = list(values.index), values.to_numpy()
        if labels is None:
            if _is_default_range(values.index, len(values)):
                return data
            raise ProblemError(f"{name} are labelled ({_preview([str(k) for k in keys])}) "
                               f"but the {target} are not; pass returns as a DataFrame with "
                               f"those column labels, or {name} as a plain array")
    else:
        keys, data = list(values.keys()), list(values.values())
        if labels is None:
            raise ProblemError(f"{name} are a mapping ({_preview([str(k) for k in keys])}) "
                               f"but the {target} are not labelled; pass returns as a "
                               f"DataFrame, or {name} as a plain array")
    given = [str(k) for k in keys]
    if len(set(given)) != len(given):
        dup = sorted({g for g in given if given.count(g) > 1})
        raise ProblemError(f"{name} name some assets twice: {_preview(dup)}")
    want = [str(t) for t in labels]
    if len(set(want)) != len(want):
        dup = sorted({g for g in want if want.count(g) > 1})
        raise ProblemError(f"the {target} name some assets twice: {_preview(dup)}; "
                           "labels must be unique to align by label")
    if set(given) != set(want):
        raise ProblemError(_mismatch(name, given, want, target))
    position = {g: i for i, g in enumerate(given)}
    try:
        arr = np.asarray(data, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ProblemError(f"{name} must be numbers; got {values!r}") from exc
    return arr[[position[t] for t in want]]


def align_matrix(values: Any, labels: Sequence[str] | None, *, name: str = "cov",
                 target: str = "assets") -> Any:
    """Align a labelled square matrix (DataFrame) on both axes to ``labels``.

    Anything but a DataFrame is returned unchanged. With ``labels=None`` the DataFrame's own
    labels are kept if its index and columns agree (they then define the order).

    Raises
    ------
    ProblemError
        Index and columns of different label sets, or labels that do not match ``labels``.
    """
    import numpy as np
    import pandas as pd

    from qfin.errors import ProblemError

    if not isinstance(values, pd.DataFrame):
        return values
    rows = [str(r) for r in values.index]
    cols = [str(c) for c in values.columns]
    if set(rows) != set(cols) or len(set(rows)) != len(rows) or len(set(cols)) != len(cols):
        raise ProblemError(f"{name} must have the same unique labels on its index and columns;"
                           f" got index {_preview(rows)} and columns {_preview(cols)}")
    want = cols if labels is None else [str(t) for t in labels]
    if set(rows) != set(want):
        raise ProblemError(_mismatch(name, rows, want, target))
    r = {g: i for i, g in enumerate(rows)}
    c = {g: i for i, g in enumerate(cols)}
    arr = values.to_numpy(dtype=np.float64)
    return arr[np.ix_([r[t] for t in want], [c[t] for t in want])]
