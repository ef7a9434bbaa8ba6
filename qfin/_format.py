"""Numbers for people: percentages, significant digits, seconds, confidence levels.

One formatter for every layer (reports, CLI, benchmark labels): a confidence of 0.975 is
"97.5 %", never "98 %". :mod:`qfin.report` re-exports these.
"""

from __future__ import annotations

import math
from typing import Any

__all__ = ["format_percent", "format_number", "format_seconds", "format_scientific",
           "format_duration", "is_missing"]


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


def format_scientific(value: float, digits: int = 2) -> str:
    """``4.9e10``, ``57``: ``digits`` significant digits, no ``+`` in the exponent.

    Plain from 1 to 999, scientific otherwise (no leading zeros in the exponent); zero and
    non-finite values as Python's ``g`` format writes them.

    Examples
    --------
    >>> format_scientific(4.93e10), format_scientific(57.4), format_scientific(0.00123)
    ('4.9e10', '57', '1.2e-3')
    """
    v = float(value)
    if v == 0 or not math.isfinite(v):
        return f"{v:g}"
    if 1 <= abs(v) < 1e3:
        r = round(v, digits - 1 - math.floor(math.log10(abs(v))))
        return f"{r:,.{max(digits - 1 - math.floor(math.log10(abs(r))), 0)}f}"
    mantissa, exponent = f"{v:.{digits - 1}e}".split("e")
    return f"{mantissa}e{int(exponent)}"


def format_duration(seconds: float) -> str:
    """A length of time in the unit people read: seconds, minutes, hours, days or years.

    Examples
    --------
    >>> format_duration(40), format_duration(2400), format_duration(28800)
    ('40 s', '40 min', '8.0 h')
    >>> format_duration(6.3e7)
    '2.0 years'
    """
    v = float(seconds)
    for limit, unit, size in ((120, "s", 1), (7200, "min", 60), (2 * 86400, "h", 3600),
                              (365 * 86400, "days", 86400)):
        if v < limit:
            scaled = v / size
            return f"{format_scientific(scaled) if v >= size else f'{scaled:.2g}'} {unit}"
    return f"{format_scientific(v / (365.25 * 86400))} years"
