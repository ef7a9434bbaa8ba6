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
        "name: a b\nsteps:\n  - notebook: tiny\n": r":1: pipeline name must be",
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


# --------------------------------------------------------------- YAML 1.2 numbers (issue 10.7)
def test_numbers_are_read_as_yaml_1_2(tiny_dir):
    path = _write(tiny_dir, "numbers.yaml", """steps:
  - notebook: tiny
    parameters: {scale: 1e-3, x: 0x10, label: 2022-01-03, fail_if_exists: 1_000}
    grid:
      seed: [+7, 0o17]
""")
    runs = load_pipeline(path).runs()
    assert runs[0].parameters["scale"] == 0.001 and isinstance(runs[0].parameters["scale"], float)
    assert runs[0].parameters["x"] == 16
    assert runs[0].parameters["label"] == "2022-01-03"  # no dates: YAML 1.2 core schema
    assert runs[0].parameters["fail_if_exists"] == "1_000"
    assert [r.parameters["seed"] for r in runs] == [7, 15]
    for text, value in (("1.5E+6", 1.5e6), ("-.5", -0.5), ("2.", 2.0), (".inf", float("inf"))):
        path.write_text(f"steps:\n  - notebook: tiny\n    parameters: {{scale: {text}}}\n")
        assert load_pipeline(path).runs()[0].parameters["scale"] == value, text


def test_numeric_looking_strings_are_explained(tiny_dir, tmp_path):
    cases = {
        'scale: "1e-3"': r"expects float; got '1e-3' \(str\); a quoted number is a string.*"
                         r"YAML 1.2",
        "scale: 0,5": r"expects float; got '0,5' \(str\); write numbers with a decimal point",
        "x: 1_000": r"expects int; got '1_000' \(str\); YAML 1.2 numbers have no digit "
                    r"separators: write 1000",
        "smoke: yes": r"expects bool; got 'yes' \(str\); YAML 1.2 .* true or false",
    }
    for i, (line, pattern) in enumerate(cases.items()):
        path = _write(tiny_dir, f"numstr{i}.yaml",
                      f"steps:\n  - notebook: tiny\n    parameters:\n      {line}\n")
        _assert_fails_before_running(path, 4, pattern, tmp_path)


# ------------------------------------------ allowed values: parameter-constraints (issue 10.8)
CONSTRAINED = '''method: str = "neal"  # sampler
confidence: float = 0.99  # VaR level
n_assets: int = 10  # universe
k: int = 3  # cardinality
'''
CONSTRAINTS = '''from qfin.pipeline import check_parameters

PARAMETER_CONSTRAINTS = {
    "method": {"enum": ["neal", "parallel-annealing", "bifurcation"]},
    "confidence": {"exclusiveMinimum": 0, "exclusiveMaximum": 1, "hint": "99 % is 0.99"},
    "k": {"minimum": 1, "maximumParameter": "n_assets"},
}
check_parameters(PARAMETER_CONSTRAINTS, globals())
'''
BODY_OK = "from qfin.results import record_results\nrecord_results([{'k': k}])\n"


def _constrained(folder: Path, constraints: str = CONSTRAINTS, name: str = "constrained") -> Path:
    import nbformat

    from tests.workbench.conftest import make_notebook

    path = make_notebook(folder / f"{name}.ipynb", CONSTRAINED, BODY_OK)
    nb = nbformat.read(path, as_version=4)
    cell = nbformat.v4.new_code_cell(constraints)
    cell.metadata["tags"] = ["parameter-constraints"]
    nb.cells.insert(2, cell)
    nbformat.write(nb, path)
    return path


def test_values_are_checked_against_the_notebooks_constraints(tmp_path):
    _constrained(tmp_path)
    path = tmp_path / "c.yaml"
    path.write_text(f"""notebook_dir: {tmp_path}
steps:
  - notebook: constrained
    parameters:
      confidence: 99
    grid:
      method:
        - neal
        - nael
""")
    with pytest.raises(PipelineError) as info:
        load_pipeline(path)
    message = str(info.value)
    assert "c.yaml:5: value not allowed by notebook constrained.ipynb: parameter 'confidence'" \
        in message and "greater than or equal to the maximum of 1; 99 % is 0.99" in message
    assert "c.yaml:9: value not allowed" in message
    assert "must be one of ['neal', 'parallel-annealing', 'bifurcation']; got 'nael' " \
           "(did you mean 'neal'?)" in message
    out = tmp_path / "never"
    with pytest.raises(PipelineError, match="did you mean 'neal'"):
        run_pipeline(path, out=out, db=tmp_path / "db.sqlite", report=False)
    assert not out.exists()


def test_a_constraint_relating_two_parameters(tmp_path):
    _constrained(tmp_path)
    path = tmp_path / "rel.yaml"
    path.write_text(f"""notebook_dir: {tmp_path}
steps:
  - notebook: constrained
    parameters: {{n_assets: 4}}
    grid:
      k: [2, 5, 6]
""")
    with pytest.raises(PipelineError, match=r"rel.yaml:3: step 'constrained': parameter 'k' "
                                            r"must be at most n_assets = 4; got 5 \(run k=5\)"):
        load_pipeline(path)
    path.write_text(path.read_text().replace("[2, 5, 6]", "[2, 4]"))
    assert [r.parameters["k"] for r in load_pipeline(path).runs()] == [2, 4]


def test_malformed_constraint_cells_are_refused(tmp_path):
    cases = {
        'PARAMETER_CONSTRAINTS = {"k": {"maximun": 3}}': r"unknown constraint keyword\(s\) "
                                                         r"\['maximun'\] for 'k'",
        'PARAMETER_CONSTRAINTS = {"wobble": {"minimum": 3}}': "constrains 'wobble', which is "
                                                              "not a parameter",
        'PARAMETER_CONSTRAINTS = {"k": {"minimum": "three"}}': "is not a valid JSON Schema",
        'PARAMETER_CONSTRAINTS = {"k": {"minimum": len("abc")}}': "must be a literal dict",
        'PARAMETER_CONSTRAINTS = {"k": {"maximumParameter": "nope"}}': "names 'nope', which is "
                                                                       "not a parameter",
        "x = 1": "must assign PARAMETER_CONSTRAINTS",
    }
    for i, (source, pattern) in enumerate(cases.items()):
        nb = _constrained(tmp_path, source, name=f"m{i}")
        with pytest.raises(PipelineError, match=pattern):
            notebook_parameters(nb)


def test_check_parameters_in_the_notebook():
    from qfin.pipeline import check_parameters

    constraints = {"method": {"enum": ["neal", "exact"]}, "k": {"maximumParameter": "n"},
                   "confidence": {"exclusiveMaximum": 1}}
    check_parameters(constraints, {"method": "neal", "k": 2, "n": 3, "confidence": 0.9})
    with pytest.raises(PipelineError, match=r"'method' must be one of \['neal', 'exact'\]; "
                                            r"got 'Neal' \(did you mean 'neal'\?\).*'k' must be "
                                            r"at most n = 3; got 4"):
        check_parameters(constraints, {"method": "Neal", "k": 4, "n": 3})
    long = "x" * 100_000
    with pytest.raises(PipelineError) as info:
        check_parameters({"method": {"maxLength": 5}}, {"method": long})
    assert len(str(info.value)) < 300 and "100,000 characters" in str(info.value)


@pytest.mark.notebooks
def test_a_notebook_checks_its_values_when_it_runs(tmp_path):
    """Run by papermill without `qfin pipeline` (nothing checked before): the cell refuses."""
    from qfin.errors import NotebookRunError
    from qfin.pipeline import execute_notebook

    nb = _constrained(tmp_path)
    with pytest.raises(NotebookRunError, match=r"PipelineError: parameter 'confidence'.*99 % "
                                               r"is 0.99"):
        execute_notebook(nb, tmp_path / "run", {"confidence": 99.0})


# ------------------------------------------------- parameters are plain data (issue 12.1)
PLAIN_PARAMETERS = '''items: list = []  # a list parameter
options: dict = {}  # a dict parameter
'''


def _payload(target: Path) -> str:
    import base64

    code = f'"]; __import__("os").system("touch {target}") #'
    return base64.b64encode(code.encode()).decode()


def test_binary_and_other_tags_never_reach_the_notebook(tmp_path, notebook_factory):
    """Both code-execution payloads (a !!binary in a list and in a dict parameter) and every
    other non-plain tag are refused at check time, naming the line; nothing executes."""
    from qfin.pipeline import execute_notebook

    notebook_factory(tmp_path / "plain.ipynb", PLAIN_PARAMETERS,
                     "from qfin.results import record_results\nrecord_results([{'n': 1}])\n")
    pwned = tmp_path / "pwned"
    cases = {
        f"items: [!!binary {_payload(pwned)}]": 4,
        f"options: {{key: !!binary {_payload(pwned)}}}": 4,
        f"options:\n        nested: [1, !!binary {_payload(pwned)}]": 5,
        "items: [!!timestamp 2001-12-14t21:59:43.10-05:00]": 4,
        "items: !!set {a, b}": 4,
        "items: [!!python/object/apply:os.system [touch pwned]]": 4,
        "options: !!omap [a: 1]": 4,
        "items: [!custom 1]": 4,
    }
    for i, (line, number) in enumerate(cases.items()):
        path = tmp_path / f"tag{i}.yaml"
        path.write_text(f"notebook_dir: {tmp_path}\nsteps:\n  - notebook: plain\n"
                        f"    parameters:\n      {line}\n")
        with pytest.raises(PipelineError, match=rf"tag{i}.yaml:{number + 1}: YAML tag .* "
                                                r"refused: pipeline values are plain data"):
            load_pipeline(path)
        with pytest.raises(PipelineError, match="refused"):
            run_pipeline(path, out=tmp_path / f"out{i}", db=tmp_path / "db.sqlite",
                         report=False)
        assert not (tmp_path / f"out{i}").exists()
    # and papermill never gets anything else, whoever calls it
    with pytest.raises(PipelineError, match="bytes is not plain data"):
        execute_notebook(tmp_path / "plain.ipynb", tmp_path / "direct",
                         {"items": [b'"]; __import__("os").system("touch x") #']})
    with pytest.raises(PipelineError, match="dict key 1 is not a string"):
        execute_notebook(tmp_path / "plain.ipynb", tmp_path / "direct", {"options": {1: 2}})
    assert not pwned.exists() and not (tmp_path / "direct").exists()


def test_plain_lists_and_dicts_are_accepted(tmp_path, notebook_factory):
    notebook_factory(tmp_path / "plain.ipynb", PLAIN_PARAMETERS, "pass\n")
    path = tmp_path / "ok.yaml"
    path.write_text(f"""notebook_dir: {tmp_path}
steps:
  - notebook: plain
    parameters:
      items: [1, 2.5, "x", null, true, [a, b]]
      options: {{a: {{b: [1, 2]}}, c: "'; import os"}}
""")
    run = load_pipeline(path).runs()[0]
    assert run.parameters["items"] == [1, 2.5, "x", None, True, ["a", "b"]]
    assert run.parameters["options"] == {"a": {"b": [1, 2]}, "c": "'; import os"}


# ------------------------------------------------------ bounded resources (issues 12.9, 12.10)
ALIAS_BOMB = """notebook_dir: {dir}
steps:
  - notebook: plain
    parameters:
      items: &a9 [*a8, *a8, *a8, *a8, *a8, *a8, *a8, *a8, *a8]
"""


def test_aliases_are_refused(tmp_path, notebook_factory):
    notebook_factory(tmp_path / "plain.ipynb", PLAIN_PARAMETERS, "pass\n")
    lines = ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 9)]
    bomb = tmp_path / "bomb.yaml"  # 9**9 = 387M strings if expanded
    bomb.write_text("description: x\n" + "\n".join(f"# {line}" for line in lines) + "\n"
                    + ALIAS_BOMB.format(dir=tmp_path).replace(
                        "      items: &a9", "\n".join(f"      {ln}" for ln in lines)
                        + "\n      items: &a9").replace("    parameters:\n", "    parameters:\n"))
    with pytest.raises(PipelineError, match=r"bomb.yaml:\d+: alias \*a0 refused: pipeline files "
                                            r"may not use YAML aliases"):
        load_pipeline(bomb)
    simple = tmp_path / "alias.yaml"
    simple.write_text(f"notebook_dir: {tmp_path}\ndefaults: &d {{items: [1]}}\n"
                      "steps:\n  - notebook: plain\n    parameters: *d\n")
    with pytest.raises(PipelineError, match=r"alias.yaml:5: alias \*d refused"):
        load_pipeline(simple)


def test_size_limits(tmp_path, notebook_factory):
    notebook_factory(tmp_path / "plain.ipynb", PLAIN_PARAMETERS, "pass\n")
    head = f"notebook_dir: {tmp_path}\nsteps:\n  - notebook: plain\n    parameters:\n"
    big_value = tmp_path / "big_value.yaml"  # 100,000 items: one parameter over the cap
    big_value.write_text(head + "      items: [" + ", ".join(["12345"] * 100_000) + "]\n")
    with pytest.raises(PipelineError, match=r"big_value.yaml:5: parameter 'items': value too "
                                            r"large: 700,000 characters as JSON, at most 65,536"):
        load_pipeline(big_value)
    big_file = tmp_path / "big_file.yaml"
    big_file.write_text(head + "# " + "x" * 1_100_000 + "\n")
    with pytest.raises(PipelineError, match=r"is 1,100,\d+ bytes; at most 1,000,000"):
        load_pipeline(big_file)
    deep = tmp_path / "deep.yaml"
    deep.write_text(head + "      items: " + "[" * 10_000 + "]" * 10_000 + "\n")
    with pytest.raises(PipelineError, match=r"deep.yaml:5: nested more than 32 levels deep"):
        load_pipeline(deep)
    huge_int = tmp_path / "huge_int.yaml"
    huge_int.write_text(head + "      items: [" + "9" * 5000 + "]\n")
    with pytest.raises(PipelineError, match=r"huge_int.yaml:5: integer too long"):
        load_pipeline(huge_int)


def test_not_a_regular_file(tmp_path):
    import os

    fifo = tmp_path / "fifo.yaml"
    os.mkfifo(fifo)
    with pytest.raises(PipelineError, match="is not a regular file"):
        load_pipeline(fifo)
    link = tmp_path / "zero.yaml"
    link.symlink_to("/dev/zero")
    with pytest.raises(PipelineError, match="is not a regular file"):
        load_pipeline(link)


def test_grids_are_counted_before_they_are_expanded(tiny_dir, monkeypatch):
    from qfin.pipeline import DEFAULT_MAX_RUNS, Step

    values = "[" + ", ".join(str(v) for v in range(10)) + "]"
    path = _write(tiny_dir, "huge_grid.yaml", "steps:\n  - notebook: tiny\n    grid:\n"
                  f"      x: {values}\n      seed: {values}\n      scale: {values}\n"
                  "  - notebook: tiny\n    name: second\n    grid:\n"
                  f"      x: {values}\n      seed: {values}\n      scale: {values}\n"
                  "      label: [a, b, c, d, e, f, g, h, i, j]\n")
    monkeypatch.setattr(Step, "runs", lambda self: pytest.fail("the grid was expanded"))
    with pytest.raises(PipelineError, match=r"huge_grid.yaml:7: the pipeline has 11,000 runs up "
                                            r"to this step, over the limit of 1,000; .*--max-runs"):
        load_pipeline(path)
    assert DEFAULT_MAX_RUNS == 1000
    monkeypatch.undo()
    assert load_pipeline(path, max_runs=11_000).count() == 11_000
    with pytest.raises(PipelineError, match="max_runs must be a positive integer"):
        load_pipeline(path, max_runs=0)


# -------------------------------------------------- names that become paths (issue 12.12)
def test_names_that_become_paths_are_checked(tmp_path, notebook_factory):
    notebook_factory(tmp_path / "nb" / "tiny.ipynb")
    notebook_factory(tmp_path / "nb" / "....ipynb")
    dots = tmp_path / "...yaml"  # the file stem is ".."
    dots.write_text(f"notebook_dir: {tmp_path / 'nb'}\nsteps:\n  - notebook: tiny\n")
    with pytest.raises(PipelineError, match=r"the file name gives the pipeline name '\.\.', "
                                            r"which cannot be a folder name: add a 'name:'"):
        load_pipeline(dots)
    with pytest.raises(PipelineError, match="pipeline name"):
        run_pipeline(dots, report=False, runs_root=tmp_path / "runs", db=tmp_path / "d.sqlite")
    assert not (tmp_path / "runs").exists()
    dots.write_text(dots.read_text() + "name: ok\n")
    assert load_pipeline(dots).name == "ok"
    cases = {
        "name: ../escape\nsteps:\n  - notebook: tiny\n": r":2: pipeline name must be",
        "name: .hidden\nsteps:\n  - notebook: tiny\n": r":2: pipeline name must be",
        "steps:\n  - notebook: tiny\n    name: ../../x\n": r":4: step name must be",
        "steps:\n  - notebook: tiny\n    name: /abs\n": r":4: step name must be",
        "steps:\n  - notebook: '...'\n": r":3: the notebook gives the step name '\.\.\.'",
        f"name: {'n' * 101}\nsteps:\n  - notebook: tiny\n": r"at most 100 characters",
    }
    for i, (text, pattern) in enumerate(cases.items()):
        path = tmp_path / f"n{i}.yaml"
        path.write_text(f"notebook_dir: {tmp_path / 'nb'}\n{text}")
        with pytest.raises(PipelineError, match=pattern):
            load_pipeline(path)


def test_long_values_are_truncated_in_messages(tiny_dir):
    path = _write(tiny_dir, "long.yaml", "steps:\n  - notebook: tiny\n    parameters:\n"
                  f"      x: \"{'9' * 60_000}\"\n      ? {'w' * 50_000}\n      : 1\n")
    with pytest.raises(PipelineError) as info:
        load_pipeline(path)
    message = str(info.value)
    assert len(message) < 1500 and "60,000 characters" in message and "50,000 characters" in \
        message
