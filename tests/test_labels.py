"""qfin._labels and qfin._suggest: the shared label-alignment and did-you-mean helpers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from qfin._labels import align_matrix, align_vector
from qfin._suggest import did_you_mean, did_you_mean_each, suggest
from qfin.errors import ProblemError


def test_series_and_mapping_are_aligned_by_label():
    cols = ["A", "B", "C"]
    for given in (pd.Series({"C": 0.05, "B": 0.15, "A": 0.8}), {"C": 0.05, "A": 0.8, "B": 0.15}):
        assert align_vector(given, cols).tolist() == [0.8, 0.15, 0.05]


def test_plain_sequences_stay_positional():
    assert align_vector([0.1, 0.9], ["A", "B"]) == [0.1, 0.9]
    arr = np.array([0.2, 0.8])
    assert align_vector(arr, ["A", "B"]) is arr


@pytest.mark.parametrize("given, match", [
    (pd.Series({"A": 0.5, "B": 0.5}), "missing 'C'"),
    (pd.Series({"A": 0.4, "B": 0.3, "C": 0.2, "D": 0.1}), "not in return columns: 'D'"),
    ({"A": 0.5, "B": 0.25, "X": 0.25}, "missing 'C'.*not in return columns: 'X'"),
    (pd.Series([0.5, 0.3, 0.2], index=["A", "A", "B"]), "name some assets twice: 'A'"),
    (pd.Series([0.2, 0.3, 0.5]), "missing 'A', 'B', 'C'"),
])
def test_missing_extra_or_duplicate_labels_are_refused(given, match):
    with pytest.raises(ProblemError, match=match):
        align_vector(given, ["A", "B", "C"])


def test_mistyped_label_gets_a_suggestion():
    with pytest.raises(ProblemError, match="'APPL' -> did you mean 'AAPL'"):
        align_vector({"APPL": 0.5, "MSFT": 0.5}, ["AAPL", "MSFT"])


def test_labelled_vector_needs_labelled_columns():
    assert align_vector(pd.Series([0.3, 0.7]), None).tolist() == [0.3, 0.7]  # default index
    with pytest.raises(ProblemError, match="returns as a DataFrame"):
        align_vector(pd.Series({"A": 0.3, "B": 0.7}), None)
    with pytest.raises(ProblemError, match="mapping"):
        align_vector({"A": 0.3, "B": 0.7}, None)


def test_matrix_aligned_on_both_axes():
    cov = pd.DataFrame([[1.0, 0.1], [0.1, 2.0]], index=["B", "A"], columns=["B", "A"])
    assert align_matrix(cov, ["A", "B"]).tolist() == [[2.0, 0.1], [0.1, 1.0]]
    with pytest.raises(ProblemError, match="missing 'C'"):
        align_matrix(cov, ["A", "B", "C"])
    bad = pd.DataFrame(np.eye(2), index=["A", "B"], columns=["A", "C"])
    with pytest.raises(ProblemError, match="same unique labels"):
        align_matrix(bad, None)


def test_suggest_is_case_insensitive_and_quiet_when_nothing_is_close():
    assert suggest("energi", ["Energy", "Financials"]) == ["Energy"]
    assert suggest("spc", ["SPC", "XOM"]) == ["SPC"]
    assert did_you_mean("zzzz", ["neal", "exact"]) == ""
    assert did_you_mean("miqq", ["neal", "miqp"]) == " (did you mean 'miqp'?)"
    assert did_you_mean_each(["APPL", "MSTF"], ["AAPL", "MSFT"]) == \
        " (did you mean 'AAPL' for 'APPL', 'MSFT' for 'MSTF'?)"
