"""Pipeline files are validated completely before anything runs, naming the line."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from qfin.errors import PipelineError
from qfin.pipeline import (
    NotebookParameter,
    check_value_type,
    code_version,
    load_pipeline,
    notebook_parameters,
    run_pipeline,
    run_slug,
)


def _write(tiny_dir: Path, name: str, text: str) -> Path:
    path = tiny_dir / "pipelines" / name
    path.write_text(text)
    return path


def _assert_fails_before_running(path: Path, line: int, pattern: str, tmp_path: Path):
    with pytest.raises(PipelineError, match=rf"{re.escape(path.name)}:{line}: .*{pattern}"):
        load_pipeline(path)
    out = tmp_path / "never"
    with pytest.raises(PipelineError, match=rf":{line}: "):
        run_pipeline(path, out=out, db=tmp_path / "db.sqlite", report=False)
    assert not out.exists()  # nothing ran, no output folder


def test_unknown_notebook_names_the_line(tiny_dir, tmp_path):
    path = _write(tiny_dir, "bad_notebook.yaml", """name: bad
steps:
  - notebook: tiny
  - notebook: no_such_notebook
""")
    _assert_fails_before_running(path, 4, "unknown notebook 'no_such_notebook'", tmp_path)


def test_unknown_parameter_names_the_line(tiny_dir, tmp_path):
    path = _write(tiny_dir, "bad_param.yaml", """name: bad
steps:
  - notebook: tiny
    parameters:
      x: 2
      wobble: 3
""")
    _assert_fails_before_running(path, 6, "unknown parameter 'wobble'", tmp_path)


def test_unknown_grid_parameter_names_the_line(tiny_dir, tmp_path):
    path = _write(tiny_dir, "bad_grid_param.yaml", """steps:
  - notebook: tiny
    grid:
      x: [1, 2]
      nope: [1]
""")
    _assert_fails_before_running(path, 5, "unknown parameter 'nope'", tmp_path)


def test_wrongly_typed_value_names_the_line(tiny_dir, tmp_path):
    path = _write(tiny_dir, "bad_type.yaml", """name: bad
steps:
  - notebook: tiny
    grid:
      x:
        - 1
        - "two"
""")
    _assert_fails_before_running(path, 7, r"'x' expects int; got 'two'", tmp_path)


def test_bool_is_not_an_int_and_int_is_a_float(tiny_dir, tmp_path):
    path = _write(tiny_dir, "bad_bool.yaml", """steps:
  - notebook: tiny
    parameters:
      scale: 3
      x: true
""")
    _assert_fails_before_running(path, 5, r"'x' expects int; got True", tmp_path)


def test_empty_grid_names_the_line(tiny_dir, tmp_path):
    path = _write(tiny_dir, "empty_grid.yaml", """name: bad
steps:
  - notebook: tiny
    grid: {}
""")
    _assert_fails_before_running(path, 4, "empty grid", tmp_path)


def test_grid_parameter_without_values_names_the_line(tiny_dir, tmp_path):
    path = _write(tiny_dir, "empty_values.yaml", """steps:
  - notebook: tiny
    grid:
      x: []
""")
    _assert_fails_before_running(path, 4, "empty grid: parameter 'x' has no values", tmp_path)


def test_every_problem_is_reported_at_once(tiny_dir):
    path = _write(tiny_dir, "many.yaml", """steps:
  - notebook: tiny
    parameters: {wobble: 1}
    grid:
      x: ["a"]
  - notebook: missing
    needs: [nobody]
""")
    with pytest.raises(PipelineError, match=r"^3 problems") as info:
        load_pipeline(path)
    assert ":3: unknown parameter 'wobble'" in str(info.value)
    assert ":5: wrongly typed value" in str(info.value)
    assert ":6: unknown notebook 'missing'" in str(info.value)


def test_other_mistakes(tiny_dir):
    cases = {
        "steps: []\n": r":1: steps must be a non-empty list",
        "name: a b\nsteps:\n  - notebook: tiny\n": r":1: name must be",
        "steps:\n  - notebook: tiny\n    colour: red\n": r":3: unknown step key 'colour'",
        "steps:\n  - notebook: tiny\n    needs: [later]\n": r":3: needs names 'later'",
        "steps:\n  - notebook: tiny\n    grid:\n      x: 3\n": r":4: grid values of 'x' must",
        "steps:\n  - notebook: tiny\n  - notebook: tiny\n": r":3: two steps are named",
        "stepz:\n  - notebook: tiny\n": r":1: unknown key 'stepz'",
        "- just\n- a list\n": r":1: a pipeline must be a mapping",
        "steps: [\n": r"not valid YAML",
    }
    for i, (text, pattern) in enumerate(cases.items()):
        path = _write(tiny_dir, f"other{i}.yaml", text)
        with pytest.raises(PipelineError, match=pattern):
            load_pipeline(path)
    with pytest.raises(PipelineError, match="does not exist"):
        load_pipeline(tiny_dir / "pipelines" / "absent.yaml")


def test_valid_pipeline_expands_the_grid(tiny_dir):
    path = _write(tiny_dir, "good.yaml", """name: good
defaults:
  seed: 5
  not_declared_anywhere: 1
steps:
  - notebook: tiny.ipynb
    name: first
    parameters: {label: hi}
    grid:
      x: [1, 2]
      scale: [0.5, 2]
  - notebook: tiny
    name: second
    needs: first
""")
    pipeline = load_pipeline(path)
    runs = pipeline.runs()
    assert [r.key for r in runs] == [
        "first/x=1,scale=0.5", "first/x=1,scale=2", "first/x=2,scale=0.5", "first/x=2,scale=2",
        "second/default"]
    assert runs[0].parameters == {"seed": 5, "label": "hi", "x": 1, "scale": 0.5}
    assert pipeline.steps[1].needs == ("first",)


def test_notebook_without_parameters_cell_is_refused(tmp_path, notebook_factory):
    nb = notebook_factory(tmp_path / "untagged.ipynb", tag=False)
    with pytest.raises(PipelineError, match="no cell tagged 'parameters'"):
        notebook_parameters(nb)
    (tmp_path / "p.yaml").write_text(f"notebook_dir: {tmp_path}\nsteps:\n  - notebook: untagged\n")
    with pytest.raises(PipelineError, match=r"p.yaml:3: .*no cell tagged 'parameters'"):
        load_pipeline(tmp_path / "p.yaml")


def test_unreadable_parameter_line_is_refused(tmp_path, notebook_factory):
    nb = notebook_factory(tmp_path / "eq.ipynb", parameters="a: int = 1  # a = b\n")
    with pytest.raises(PipelineError, match=r"cannot read the parameters \['a'\]"):
        notebook_parameters(nb)


def test_type_checks():
    p = NotebookParameter("n", "int", 1, "")
    assert check_value_type(3, p) is None
    assert "expects int" in check_value_type(3.5, p)
    f = NotebookParameter("f", "float", 1.0, "")
    assert check_value_type(3, f) is None and "expects float" in check_value_type("3", f)
    opt = NotebookParameter("o", "Optional[int]", None, "")
    assert check_value_type(None, opt) is None and check_value_type(2, opt) is None
    assert check_value_type("x", opt) is not None
    assert check_value_type([1], NotebookParameter("l", "list[int]", [], "")) is None
    assert check_value_type("anything", NotebookParameter("u", "None", None, "")) is None
    assert check_value_type(1, NotebookParameter("u", "MyType", None, "")) is None


def test_code_version_follows_the_notebook(tmp_path, notebook_factory):
    nb = notebook_factory(tmp_path / "v.ipynb")
    before = code_version(nb)
    assert code_version(nb) == before
    notebook_factory(nb, body="print('changed')\n")
    assert code_version(nb) != before


@given(st.dictionaries(st.text(min_size=1, max_size=8),
                       st.one_of(st.integers(), st.floats(allow_nan=False), st.text(max_size=12),
                                 st.booleans()), max_size=4))
def test_slug_is_a_safe_folder_name(point):
    slug = run_slug(point)
    assert slug == run_slug(point)
    assert re.fullmatch(r"[A-Za-z0-9_.,=+~-]+", slug)
    assert len(slug) <= 120
    assert slug not in (".", "..")
