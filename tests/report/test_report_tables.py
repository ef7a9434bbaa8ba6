"""Tables for people (issue 11.11): units in headers, percentages, significant digits,
no NaN-only columns, no developer acceptance columns, in reports and in CLI tables."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from qfin.errors import DataError
from qfin.report import Column, format_table, is_developer_column


def _rows() -> pd.DataFrame:
    return pd.DataFrame({
        "method": ["exact (enumeration)", "QUBO neal", "convex relaxation"],
        "error": [0.0, 0.012345, np.nan],
        "seconds": [0.000668123, 4.31276, 0.0457],
        "feasibility_rate": [1.0, 0.935, np.nan],
        "confidence": [0.975, 0.975, 0.975],
        "num_reads": [np.nan, 2000, np.nan],
        "oracle_queries": [np.nan, np.nan, np.nan],  # all missing: dropped
        "note": [None, "", None],  # all empty: dropped
        "meets_target": [True, False, True],  # developer check: dropped
        "target_low": [-1.1, -1.1, -1.1],
        "within_target": [True, True, False],
    })


def _cells(html: str) -> list[str]:
    import re

    return [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>",
                                                                    html, re.S)]


def test_units_percentages_and_digits():
    html = format_table(_rows()).to_html()
    cells = _cells(html)
    assert "relative error vs ground truth (%)" in cells
    assert "time per call (s)" in cells
    assert "feasible reads (%)" in cells
    assert "confidence (%)" in cells
    assert "reads per call" in cells
    assert "1.23" in cells  # 0.012345 as a percentage, 3 significant digits
    assert "93.5" in cells  # a rate as a percentage
    assert "97.5" in cells  # a level keeps its decimal: never "98"
    assert "0.000668" in cells and "4.31" in cells  # seconds: 3 significant digits
    assert "2,000" in cells
    assert "0.012345" not in html and "4.31276" not in html and "nan" not in html.lower()


def test_columns_without_values_and_developer_checks_are_dropped():
    cells = _cells(format_table(_rows()).to_html())
    for gone in ("oracle queries", "note", "meets_target", "meets target", "target low",
                 "within target"):
        assert gone not in cells
    assert {"True", "False"}.isdisjoint(cells)  # flags would read yes/no anyway


def test_overrides_hide_and_max_rows():
    styler = format_table(_rows(), columns={"error": Column("gap (%)", "percent"),
                                            "seconds": "wall time"},
                          hide=("confidence",), max_rows=2)
    cells = _cells(styler.to_html())
    assert "gap (%)" in cells and "wall time (s)" in cells
    assert "confidence (%)" not in cells
    assert "convex relaxation" not in cells


def test_bad_input_is_a_clear_error():
    with pytest.raises(DataError, match="frame must be a DataFrame"):
        format_table([{"a": 1}])
    with pytest.raises(DataError, match=r"columns\['error'\] must be a header text or a Column"):
        format_table(_rows(), columns={"error": 3})
    with pytest.raises(DataError, match="Column kind must be one of"):
        Column("x", "fraction")


def test_developer_columns_are_recognised():
    for name in ("meets_target", "target", "target_low", "within_target", "meets_tts_goal"):
        assert is_developer_column(name)
    for name in ("error", "seconds", "confidence", "targeted_rows"):
        assert not is_developer_column(name)


def test_cli_tables_leave_out_developer_checks():
    from qfin.cli._common import format_table as cli_table

    text = cli_table(_rows()[["method", "seconds", "meets_target", "target_low",
                              "within_target"]])
    assert "QUBO neal" in text and "seconds" in text
    assert "meets_target" not in text and "target_low" not in text
    assert "within_target" not in text
