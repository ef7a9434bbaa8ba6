"""Issue 10.1: one date format per column, inferred from every cell, never cell by cell."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qfin.cli import main
from qfin.data import read_price_file, validate_long_prices
from qfin.errors import DataError


def _long(tmp_path, cells, name="p.csv", quote=False):
    path = tmp_path / name
    rows = [f'"{c}"' if quote else c for c in cells]
    path.write_text("date,ticker,close\n" + "".join(f"{r},AAA,{100 + i}\n"
                                                    for i, r in enumerate(rows)))
    return path


def _dates(price_file):
    return [d.date().isoformat() for d in price_file.frame["date"]]


def test_issue_example_slashed_day_first_is_read_as_one_format(tmp_path):
    path = _long(tmp_path, ["10/09/2022", "12/09/2022", "13/09/2022", "14/09/2022"])
    got = read_price_file(path)
    # Cell by cell, 10/09 and 12/09 became 9 October and 9 December (month-first).
    assert _dates(got) == ["2022-09-10", "2022-09-12", "2022-09-13", "2022-09-14"]
    assert "DD/MM/YYYY" in got.date_format and "day-first" in got.date_format


def test_issue_example_dotted_dates_are_ambiguous_until_told(tmp_path):
    path = _long(tmp_path, ["03.01.2022", "04.01.2022", "05.01.2022"])
    with pytest.raises(DataError, match=r"more than one format.*'03\.01\.2022' as 2022-01-03"
                                        r".*--dayfirst"):
        read_price_file(path)
    assert _dates(read_price_file(path, dayfirst=True)) == [
        "2022-01-03", "2022-01-04", "2022-01-05"]
    assert _dates(read_price_file(path, dayfirst=False)) == [
        "2022-03-01", "2022-04-01", "2022-05-01"]
    assert _dates(read_price_file(path, date_format="%d.%m.%Y")) == [
        "2022-01-03", "2022-01-04", "2022-01-05"]


CASES = [
    # cells, expected dates, words expected in the reported format
    (["2022-01-03", "2022-01-04"], ["2022-01-03", "2022-01-04"], "YYYY-MM-DD"),
    (["2022/01/03", "2022/01/14"], ["2022-01-03", "2022-01-14"], "YYYY/MM/DD"),
    (["2022.01.03", "2022.01.14"], ["2022-01-03", "2022-01-14"], "YYYY.MM.DD"),
    (["20220103", "20220114"], ["2022-01-03", "2022-01-14"], "YYYYMMDD"),
    (["03/01/2022", "14/01/2022"], ["2022-01-03", "2022-01-14"], "DD/MM/YYYY"),
    (["3/1/2022", "14/1/2022"], ["2022-01-03", "2022-01-14"], "DD/MM/YYYY"),
    (["03-01-2022", "14-01-2022"], ["2022-01-03", "2022-01-14"], "DD-MM-YYYY"),
    (["03.01.22", "14.01.22"], ["2022-01-03", "2022-01-14"], "DD.MM.YY"),
    (["03/01/99", "14/01/99"], ["1999-01-03", "1999-01-14"], "DD/MM/YY"),
    (["01/03/2022", "01/14/2022"], ["2022-01-03", "2022-01-14"], "MM/DD/YYYY"),
    (["01-03-22", "01-14-22"], ["2022-01-03", "2022-01-14"], "MM-DD-YY"),
    (["12.25.2022", "12.26.2022"], ["2022-12-25", "2022-12-26"], "MM.DD.YYYY"),
    (["03-Jan-2022", "14-Jan-2022"], ["2022-01-03", "2022-01-14"], "DD-Mon-YYYY"),
    (["03-Jan-22", "04-Feb-22"], ["2022-01-03", "2022-02-04"], "DD-Mon-YY"),
    (["3 January 2022", "4 February 2022"], ["2022-01-03", "2022-02-04"], "DD Month YYYY"),
    (["Jan 3, 2022", "Feb 4, 2022"], ["2022-01-03", "2022-02-04"], "Mon DD, YYYY"),
    (["2022-01-03 16:00", "2022-01-04 16:00"], ["2022-01-03", "2022-01-04"], "YYYY-MM-DD"),
    (["2022-01-03T21:00:00Z", "2022-01-04T21:00:00Z"], ["2022-01-03", "2022-01-04"],
     "YYYY-MM-DD"),
    (["03/01/2022 15:30", "14/01/2022 15:30"], ["2022-01-03", "2022-01-14"], "DD/MM/YYYY"),
    (["01/03/2022 3:30 PM", "01/14/2022 3:30 PM"], ["2022-01-03", "2022-01-14"],
     "MM/DD/YYYY"),
    (["2022-03-11 00:00:00 America/New_York", "2022-03-14 00:00:00 America/New_York"],
     ["2022-03-11", "2022-03-14"], "YYYY-MM-DD"),
    (["2022-01-03 16:00 EST", "2022-01-04 16:00 EST"], ["2022-01-03", "2022-01-04"],
     "YYYY-MM-DD"),
    (["2022-01-03T09:30:00.000+0000", "2022-01-04T09:30:00.000+0000"],
     ["2022-01-03", "2022-01-04"], "YYYY-MM-DD"),
    (["Mon, 03 Jan 2022", "Tue, 04 Jan 2022"], ["2022-01-03", "2022-01-04"],
     "%a, %d %b %Y"),
    (["Mon Jan 03 2022", "Tue Jan 04 2022"], ["2022-01-03", "2022-01-04"], "%a %b %d %Y"),
    (["January 3, 2022", "February 14, 2022"], ["2022-01-03", "2022-02-14"],
     "Month DD, YYYY"),
    (["Jan-03-2022", "Feb-14-2022"], ["2022-01-03", "2022-02-14"], "Mon-DD-YYYY"),
    (["3.1.22", "14.1.22"], ["2022-01-03", "2022-01-14"], "DD.MM.YY"),
]


@pytest.mark.parametrize(("cells", "expected", "label"), CASES,
                         ids=[c[2] + "-" + c[0][0] for c in CASES])
def test_each_format_family_is_read_and_reported(tmp_path, cells, expected, label):
    got = read_price_file(_long(tmp_path, cells, quote=True))
    assert _dates(got) == expected
    assert label in got.date_format


def test_one_late_cell_decides_for_the_whole_column(tmp_path):
    # Every cell but the last fits both families; the last (13th) is day-first only.
    cells = [f"{d:02d}/01/2022" for d in range(1, 13)] + ["13/01/2022"]
    got = read_price_file(_long(tmp_path, cells))
    assert _dates(got)[:2] == ["2022-01-01", "2022-01-02"]
    assert "day-first" in got.date_format


def test_mixed_formats_are_refused_line_by_line(tmp_path):
    path = _long(tmp_path, ["2022-01-03", "13/01/2022", "2022-01-05"])
    with pytest.raises(DataError, match=r"line 3, column 'date': unparseable date '13/01/2022' "
                                        r"\(the column's other dates are YYYY-MM-DD"):
        read_price_file(path)
    path = _long(tmp_path, ["12/25/2022", "12/26/22"], name="years.csv")
    with pytest.raises(DataError, match=r"line 3.*unparseable date '12/26/22'"):
        read_price_file(path)


def test_dayfirst_does_not_force_an_impossible_reading(tmp_path):
    path = _long(tmp_path, ["12/25/2022", "12/26/2022"])
    with pytest.raises(DataError, match="unparseable date '12/25/2022'"):
        read_price_file(path, dayfirst=True)
    assert _dates(read_price_file(path, dayfirst=False)) == ["2022-12-25", "2022-12-26"]
    with pytest.raises(DataError, match=r"does not match --date-format '%Y-%m-%d'"):
        read_price_file(path, date_format="%Y-%m-%d")


def test_dates_that_read_the_same_either_way_are_accepted(tmp_path):
    got = read_price_file(_long(tmp_path, ["01/01/2022", "02/02/2022"]))
    assert _dates(got) == ["2022-01-01", "2022-02-02"]
    assert "read every date the same" in got.date_format


def test_wide_files_and_frames_infer_the_same_way(tmp_path):
    path = tmp_path / "wide.csv"
    path.write_text("Date,AAA,BBB\n10/09/2022,1,2\n12/09/2022,1,2\n13/09/2022,1,2\n")
    got = read_price_file(path)
    assert sorted(set(_dates(got))) == ["2022-09-10", "2022-09-12", "2022-09-13"]
    frame = pd.DataFrame({"date": ["03.01.2022", "04.01.2022"], "ticker": "A", "close": 1.0})
    with pytest.raises(DataError, match="more than one format"):
        validate_long_prices(frame)
    assert _dates(validate_long_prices(frame, dayfirst=True)) == ["2022-01-03", "2022-01-04"]


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"date_format": "no percent"}, "strptime format"),
    ({"dayfirst": "yes"}, "dayfirst must be"),
])
def test_bad_date_options(tmp_path, kwargs, match):
    with pytest.raises(DataError, match=match):
        read_price_file(_long(tmp_path, ["2022-01-03"]), **kwargs)


def test_cli_prints_the_format_and_takes_dayfirst(tmp_path, capsys):
    db = tmp_path / "cli.sqlite"
    path = _long(tmp_path, ["03.01.2022", "04.01.2022", "05.01.2022"], name="eu.csv")
    assert main(["--db", str(db), "data", "ingest", str(path)]) == 2
    assert "--dayfirst" in capsys.readouterr().err
    assert main(["--db", str(db), "data", "ingest", str(path), "--dayfirst"]) == 0
    out = capsys.readouterr().out
    assert "dates read as DD.MM.YYYY (%d.%m.%Y, day-first)" in out
    assert main(["--db", str(db), "data", "ingest", str(path), "--date-format",
                 "%d.%m.%Y"]) == 0
    assert "no-op" in capsys.readouterr().out


_FORMATS = {
    "dmy": ["%d/%m/%Y", "%d.%m.%Y", "%d-%m-%Y", "%d/%m/%y", "%d.%m.%y"],
    "mdy": ["%m/%d/%Y", "%m-%d-%Y", "%m/%d/%y", "%m.%d.%Y"],
}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    days=st.lists(st.dates(min_value=dt.date(1970, 1, 1), max_value=dt.date(2060, 12, 31)),
                  min_size=1, max_size=12, unique=True),
    family=st.sampled_from(["dmy", "mdy"]),
    which=st.integers(0, 10),
)
def test_inferred_dates_are_right_or_refused_never_wrong(days, family, which):
    code = _FORMATS[family][which % len(_FORMATS[family])]
    frame = pd.DataFrame({"date": [d.strftime(code) for d in days], "ticker": "AAA",
                          "close": 1.0})
    try:
        got = validate_long_prices(frame)
    except DataError as exc:
        # Refused only when the other family reads every cell too, differently.
        assert "more than one format" in str(exc)
        assert all(d.day <= 12 for d in days)
        got = validate_long_prices(frame, dayfirst=family == "dmy")
    assert sorted(_dates(got)) == sorted(d.isoformat() for d in days)
    assert np.all(got.frame["date"].dt.normalize() == got.frame["date"])
