"""Numbers for people: percentages keep the digits that matter (issue 11.13)."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from qfin.report import format_number, format_percent, format_seconds


@pytest.mark.parametrize(("level", "text"), [
    (0.975, "97.5 %"), (0.99, "99 %"), (0.95, "95 %"), (0.9999, "99.99 %"),
    (0.99999, "99.999 %"), (0.995, "99.5 %"), (0.5, "50 %"), (0.001, "0.1 %")])
def test_confidence_levels_are_never_rounded_away(level, text):
    assert format_percent(level) == text


@given(st.integers(min_value=1, max_value=99_999))
def test_a_level_with_up_to_five_decimals_reads_back_exactly(n):
    level = n / 100_000
    text = format_percent(level)
    assert text.endswith(" %")
    assert math.isclose(float(text.removesuffix(" %")) / 100, level, rel_tol=1e-12)


def test_significant_digits_and_missing_values():
    assert format_number(0.000123456) == "0.000123"
    assert format_number(12.3456) == "12.3"
    assert format_number(2.0) == "2.00" and format_number(2.0, trim=True) == "2"
    assert format_number(1.23e-7) == "1.23e-07"
    assert format_number(float("nan")) == "" and format_number(None) == ""
    assert format_number(float("inf")) == "∞"
    assert format_percent(0.0295, trim=False) == "2.95 %"
    assert format_percent(0.03, trim=False) == "3.00 %"
    assert format_seconds(0.012345) == "0.0123 s"


def test_no_level_is_formatted_with_fixed_percent_digits():
    """``f"{confidence:.0%}"`` turns 0.975 into "98%": levels go through format_percent."""
    import json
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    pattern = re.compile(r"\{[^{}]*(confidence|level|nominal)[^{}]*:[^{}]*\.\d+%\}")
    sources = {p: p.read_text() for p in (root / "qfin").rglob("*.py")}
    for nb in (root / "notebooks").glob("*.ipynb"):
        cells = json.loads(nb.read_text())["cells"]
        sources[nb] = "\n".join("".join(c["source"]) for c in cells)
    offenders = [f"{path.relative_to(root)}: {m.group(0)}" for path, text in sources.items()
                 for m in pattern.finditer(text)]
    assert offenders == []
