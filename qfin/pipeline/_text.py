"""Values quoted in messages, kept short: a 1M-character value never fills a terminal."""

from __future__ import annotations

import reprlib
from typing import Any

__all__ = ["short_repr"]

_REPR = reprlib.Repr()
_REPR.maxstring = 60
_REPR.maxother = 60
_REPR.maxlist = _REPR.maxtuple = _REPR.maxdict = _REPR.maxset = 6
_REPR.maxlevel = 3


def short_repr(value: Any) -> str:
    """``repr(value)``, shortened (stdlib :mod:`reprlib`) with the full length of long strings.

    >>> short_repr("x" * 1000)[-22:]
    '... (1,000 characters)'
    >>> short_repr([1, 2])
    '[1, 2]'
    """
    text = _REPR.repr(value)
    if isinstance(value, str | bytes) and len(value) > _REPR.maxstring:
        text += f"... ({len(value):,} characters)"
    return text
