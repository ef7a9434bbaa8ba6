"""Numbers for people: percentages, significant digits, seconds, confidence levels.

One formatter for every layer (reports, CLI, benchmark labels): a confidence of 0.975 is
"97.5 %", never "98 %". :mod:`qfin.report` re-exports these.
"""

from __future__ import annotations

import math
from typing import Any

__all__ = ["format_percent", "format_number", "format_seconds", "is_missing"]


def is_missing(value: Any) -> bool:
    """``True`` for ``None``, NaN, ``pd.NA`` and values that are not numbers."""
    if value is None:
        return True
    try:
        number = float(value)
    except (TypeError, ValueError):
        return True
    return math.isnan(number)


def format_number(value: Any, digits: int = 3, *, trim: bool = False) -> str:
    """A number with ``digits`` significant digits, without scientific notation in ``[1e-4, 1e6)``.

    Parameters
    ----------
    value : float
        The number (``None``/NaN give ``""``; infinities give ``"∞"``/``"−∞"``).
    digits : int
        Significant digits (at least 1).
    trim : bool
        Drop trailing zeros (``2.50`` → ``2.5``): for exact values such as levels and
        parameters, not for measurements whose zeros are significant.

    Returns
    -------
    str

    Examples
    --------
    >>> format_number(0.000123456), format_number(12.3456), format_number(1234567.0)
    ('0.000123', '12.3', '1.23e+06')
    >>> format_number(2.0), format_number(2.0, trim=True), format_number(0.0)
    ('2.00', '2', '0')
    """
    if is_missing(value):
        return ""
    number = float(value)
    if math.isinf(number):
        return "∞" if number > 0 else "−∞"
    if number == 0:
        return "0"
    digits = max(1, int(digits))
    magnitude = math.floor(math.log10(abs(number)))
    if magnitude < -4 or magnitude >= 6:
        return f"{number:.{digits - 1}e}"
    decimals = max(0, digits - 1 - magnitude)
    text = f"{number:.{decimals}f}"
    if trim and "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def format_percent(value: Any, digits: int = 3, *, space: bool = True,
                   trim: bool = True) -> str:
    """A fraction as a percentage.

    With ``trim`` (the default, for levels and other exact values) the shortest decimal
    that gives the value back is written, up to 6 significant digits, never fewer than
    needed: a confidence of 0.975 is ``"97.5 %"`` (not ``"98 %"``), 0.99 is ``"99 %"`` and
    0.9999 ``"99.99 %"``. Without ``trim`` (measured values) exactly ``digits`` significant
    digits are written: 0.03 is ``"3.00 %"``.

    Parameters
    ----------
    value : float
        A fraction (0.975 for 97.5 %); ``None``/NaN give ``""``.
    digits : int
        Significant digits (the least with ``trim``).
    space : bool
        A space before the ``%`` sign, as ISO 80000 writes it.
    trim : bool
        Shortest exact form (levels) or fixed significant digits (measurements).

    Returns
    -------
    str

    Examples
    --------
    >>> format_percent(0.975), format_percent(0.99), format_percent(0.9999)
    ('97.5 %', '99 %', '99.99 %')
    >>> format_percent(0.000123), format_percent(0.0), format_percent(0.03, trim=False)
    ('0.0123 %', '0 %', '3.00 %')
    """
    if is_missing(value):
        return ""
    pct = 100.0 * float(value)
    text = format_number(pct, digits, trim=trim)
    if trim and math.isfinite(pct) and pct != 0:
        for more in range(max(1, int(digits)), 7):
            text = format_number(pct, more, trim=True)
            if math.isclose(float(text), pct, rel_tol=1e-9):
                break
    return f"{text} %" if space else f"{text}%"


def format_seconds(value: Any, digits: int = 3) -> str:
    """Seconds with their unit: ``"0.0123 s"``, ``"12.3 s"``.

    Examples
    --------
    >>> format_seconds(0.012345), format_seconds(None)
    ('0.0123 s', '')
    """
    text = format_number(value, digits)
    return f"{text} s" if text else ""
