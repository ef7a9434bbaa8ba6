"""The examples in qfin.qae's docstrings run and print what they say (issue 11.14)."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import qfin.qae

MODULES = ["qfin.qae"] + [f"qfin.qae.{m.name}" for m in pkgutil.iter_modules(qfin.qae.__path__)]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0, f"{result.failed} docstring example(s) of {name} failed"


def test_credit_docstring_states_both_models():
    from qfin.qae import credit_loss_distribution

    doc = credit_loss_distribution.__doc__
    assert "0.6491" in doc and "0.6409" in doc and "0.6641" not in doc
