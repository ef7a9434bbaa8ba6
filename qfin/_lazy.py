"""Names of a package loaded on first use (PEP 562), so light imports stay light.

``qfin --help`` must not import numpy or pandas, yet ``from qfin.risk import value_at_risk``
must keep working: a package lists which submodule defines each public name, and
:func:`lazy_exports` gives it the module ``__getattr__`` and ``__dir__`` that import the
submodule when a name is first asked for.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Iterable, Mapping
from typing import Any


def lazy_exports(package: str, where: Mapping[str, str], public: Iterable[str]
                 ) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """Module-level ``__getattr__`` and ``__dir__`` for ``package`` (PEP 562).

    Parameters
    ----------
    package : str
        The package's ``__name__`` (``"qfin.risk"``).
    where : mapping of str to str
        Public name -> the submodule (relative, ``"_api"``) that defines it.
    public : iterable of str
        The package's ``__all__`` (what ``dir()`` lists).

    Returns
    -------
    (__getattr__, __dir__)
        ``__getattr__(name)`` imports ``package.where[name]``, caches the value in the
        package's namespace and returns it; any other name raises ``AttributeError``.

    Examples
    --------
    >>> getattr_, dir_ = lazy_exports("qfin.risk", {"METHODS": "_names"}, ["METHODS"])
    >>> "historical" in getattr_("METHODS"), dir_()
    (True, ['METHODS'])
    """
    names = sorted(public)

    def __getattr__(name: str) -> Any:
        if name in where:
            value = getattr(importlib.import_module(f"{package}.{where[name]}"), name)
            setattr(sys.modules[package], name, value)
            return value
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    def __dir__() -> list[str]:
        return list(names)

    return __getattr__, __dir__
