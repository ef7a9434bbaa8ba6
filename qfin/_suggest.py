""""Did you mean ...?" for mistyped names (methods, tickers, sectors, datasets).

One helper for the whole package (the CLI and the library's errors), built on the standard
library's :func:`difflib.get_close_matches` (Ratcliff/Obershelp similarity).

>>> did_you_mean("bifurcaton", ["annealing", "bifurcation", "neal"])
" (did you mean 'bifurcation'?)"
>>> did_you_mean("xyz", ["annealing", "neal"])
''
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

__all__ = ["suggest", "did_you_mean", "did_you_mean_each"]


def suggest(word: object, choices: Iterable[object], *, n: int = 3,
            cutoff: float = 0.6) -> list[str]:
    """The choices closest to ``word`` (best first), compared without regard to case.

    Parameters
    ----------
    word : object
        What the user typed (converted with ``str``).
    choices : iterable
        The valid names (converted with ``str``; the original spelling is returned).
    n : int
        At most this many suggestions.
    cutoff : float
        Similarity threshold in [0, 1] of :func:`difflib.get_close_matches`.

    Returns
    -------
    list of str
        Possibly empty.
    """
    names = [str(c) for c in choices]
    typed = str(word)
    by_lower: dict[str, str] = {}
    for name in names:
        by_lower.setdefault(name.lower(), name)
    exact_case = [name for name in names if name.lower() == typed.lower() and name != typed]
    close = difflib.get_close_matches(typed.lower(), list(by_lower), n=n, cutoff=cutoff)
    out = exact_case + [by_lower[c] for c in close if by_lower[c] not in exact_case]
    return out[:n]


def did_you_mean(word: object, choices: Iterable[object], **kwargs: object) -> str:
    """``" (did you mean 'X'?)"`` or ``" (did you mean 'X' or 'Y'?)"``, or ``""``.

    Meant to be appended to an error message; ``kwargs`` go to :func:`suggest`.
    """
    found = suggest(word, choices, **kwargs)  # type: ignore[arg-type]
    if not found:
        return ""
    return " (did you mean " + " or ".join(repr(f) for f in found) + "?)"


def did_you_mean_each(words: Iterable[object], choices: Iterable[object]) -> str:
    """Suggestions for several mistyped words: ``" (did you mean 'AAPL' for 'APPL'?)"``.

    Words without a close match are left out; ``""`` when none has one.
    """
    names = [str(c) for c in choices]
    pairs = [(str(w), found[0]) for w in words if (found := suggest(w, names, n=1))]
    if not pairs:
        return ""
    if len(pairs) == 1:
        return did_you_mean(pairs[0][0], names, n=1)
    return " (did you mean " + ", ".join(f"{s!r} for {w!r}" for w, s in pairs) + "?)"
