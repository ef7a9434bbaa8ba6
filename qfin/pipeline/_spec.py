"""Pipeline files: YAML naming notebooks and parameter grids, validated before any run.

A pipeline file looks like::

    name: demo                     # optional; default: the file name
    notebook_dir: ../notebooks     # optional; relative to this file
    defaults:                      # optional; given to every step that declares them
      smoke: true
    steps:
      - notebook: 02_portfolio     # a notebook in notebook_dir (".ipynb" optional)
        name: portfolio            # optional; default: the notebook name
        parameters: {n_assets: 8}  # fixed values
        grid:                      # every combination is one run
          k: [3, 4]
          method: [neal, exact]
      - notebook: 04_benchmark_summary
        needs: [portfolio]         # runs after every run of these steps has finished

Every problem is reported with the file and line it is on. Values are plain data read as
YAML 1.2 (:mod:`qfin.pipeline._yaml`: ``1e-3`` is a number; no aliases, no ``!!binary``);
each is checked against the notebook's declared type and its allowed values
(:mod:`qfin.pipeline._constraints`); grids are counted before they are expanded
(:data:`DEFAULT_MAX_RUNS`); every name that becomes a folder is checked.
"""

from __future__ import annotations

import hashlib
import itertools
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from qfin.errors import PipelineError
from qfin.pipeline._constraints import constraint_problem, relation_problems
from qfin.pipeline._notebook import NotebookParameter, check_value_type, notebook_parameters
from qfin.pipeline._text import short_repr
from qfin.pipeline._yaml import (
    MAX_FILE_BYTES,
    YamlRefused,
    compose,
    node_value,
    plain_data_problem,
    value_size_problem,
)

__all__ = ["Pipeline", "Step", "RunSpec", "load_pipeline", "run_slug", "DEFAULT_MAX_RUNS",
           "check_name"]

DEFAULT_MAX_RUNS = 1000
"""Most runs a pipeline may have unless ``max_runs`` (``--max-runs``) raises it."""

_TOP_KEYS = {"name", "description", "notebook_dir", "defaults", "steps"}
_STEP_KEYS = {"notebook", "name", "parameters", "grid", "needs"}
_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")
_MAX_PROBLEMS = 20


@dataclass(frozen=True)
class RunSpec:
    """One grid point of one step: a notebook and the parameters it runs with.

    Attributes
    ----------
    step : str
        The step's name.
    notebook : Path
        The source notebook.
    parameters : dict
        Every injected parameter (defaults, fixed values and this grid point).
    grid_point : dict
        Only the grid values of this run (what distinguishes it within its step).
    slug : str
        The grid point as a folder name, e.g. ``"k=5,method=neal"``.
    effective : dict
        What the notebook will run with: its own defaults, overridden by ``parameters``
        (recorded with the results, so seeds left at their default are kept too).
    """

    step: str
    notebook: Path
    parameters: dict[str, Any]
    grid_point: dict[str, Any]
    slug: str
    effective: dict[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> str:
        """``"<step>/<slug>"``: the run's folder relative to the pipeline's output folder."""
        return f"{self.step}/{self.slug}"


@dataclass(frozen=True)
class Step:
    """A notebook with its fixed parameters, grid and dependencies."""

    name: str
    notebook: Path
    parameters: dict[str, Any]
    grid: dict[str, list[Any]]
    needs: tuple[str, ...]
    declared: dict[str, NotebookParameter]

    def count(self) -> int:
        """How many runs this step has (the grid is not expanded)."""
        return math.prod(len(values) for values in self.grid.values())

    def runs(self) -> list[RunSpec]:
        """Every grid point of this step (one run when there is no grid)."""
        names = list(self.grid)
        runs = []
        seen: set[str] = set()
        for values in itertools.product(*(self.grid[n] for n in names)):
            point = dict(zip(names, values, strict=True))
            slug = run_slug(point)
            if slug in seen:  # two points that only differ in characters a path cannot hold
                slug = f"{slug}~{_short_hash(repr(point))}"
            seen.add(slug)
            parameters = {**self.parameters, **point}
            defaults = {name: p.default for name, p in self.declared.items()}
            runs.append(RunSpec(step=self.name, notebook=self.notebook, parameters=parameters,
                                grid_point=point, slug=slug,
                                effective={**defaults, **parameters}))
        return runs


@dataclass(frozen=True)
class Pipeline:
    """A validated pipeline: its steps, in file order."""

    name: str
    path: Path
    description: str
    steps: tuple[Step, ...] = field(default_factory=tuple)

    def count(self) -> int:
        """How many runs the pipeline has (nothing is expanded)."""
        return sum(step.count() for step in self.steps)

    def runs(self) -> list[RunSpec]:
        """Every run of every step."""
        return [run for step in self.steps for run in step.runs()]


def _short_hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:8]


def _format_value(value: Any) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, list | tuple):
        return "+".join(_format_value(v) for v in value)
    return str(value)


def run_slug(point: dict[str, Any]) -> str:
    """A folder name encoding a grid point: ``{"k": 5, "method": "neal"}`` -> ``k=5,method=neal``.

    Characters a file name cannot safely hold become ``_``; long names are shortened and
    made unique with a hash.

    >>> run_slug({"k": 5, "method": "neal"})
    'k=5,method=neal'
    >>> run_slug({})
    'default'
    """
    if not point:
        return "default"
    text = ",".join(f"{k}={_format_value(v)}" for k, v in point.items())
    slug = re.sub(r"[^A-Za-z0-9_.,=+-]", "_", text)
    if len(slug) > 120:
        slug = f"{slug[:100]}~{_short_hash(text)}"
    return slug


def check_name(name: str, what: str) -> str | None:
    """Why ``name`` cannot be a folder name (``None`` if it can).

    Names that become paths — the pipeline's, each step's — are letters, digits, ``_``,
    ``.`` and ``-``, starting with a letter or digit, at most 100 characters: never ``.``,
    ``..``, a hidden name, a separator or an absolute path.

    >>> check_name("demo", "pipeline name") is None
    True
    >>> check_name("..", "pipeline name").endswith("got '..'")
    True
    """
    if isinstance(name, str) and _NAME_RE.match(name):
        return None
    return (f"{what} must be letters, digits, '_', '.', '-' (starting with a letter or digit, "
            f"at most 100 characters); got {short_repr(name)}")


class _Problems:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.items: list[str] = []

    def add(self, node: yaml.Node | None, message: str) -> None:
        self.add_at(node.start_mark if node is not None else None, message)

    def add_at(self, mark: yaml.Mark | None, message: str) -> None:
        where = f"{self.path}:{mark.line + 1}" if mark is not None else str(self.path)
        self.items.append(f"{where}: {message}")

    def raise_if_any(self) -> None:
        if self.items:
            count = len(self.items)
            head = f"{count} problem{'s' if count > 1 else ''} in pipeline {self.path}"
            shown = self.items[:_MAX_PROBLEMS]
            more = f"; ... and {count - len(shown)} more" if count > len(shown) else ""
            raise PipelineError(f"{head}: " + "; ".join(shown) + more)


_BAD = object()  # a value that could not be read (its problem is already reported)


def _read_text(path: Path) -> str:
    try:
        if not path.exists():
            raise PipelineError(f"pipeline file {short_repr(str(path))} does not exist")
        if not path.is_file():
            raise PipelineError(f"pipeline file {short_repr(str(path))} is not a regular file")
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise PipelineError(f"pipeline file {path} is {size:,} bytes; at most "
                                f"{MAX_FILE_BYTES:,} (put large inputs in a file or the "
                                "database and pass its name)")
        with path.open("rb") as handle:
            raw = handle.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise PipelineError(f"cannot read pipeline file {path}: {exc.strerror or exc}") from exc
    if len(raw) > MAX_FILE_BYTES:
        raise PipelineError(f"pipeline file {path} is over {MAX_FILE_BYTES:,} bytes")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise PipelineError(f"pipeline file {path} is not UTF-8 text (byte {exc.start})") \
            from exc


def load_pipeline(path: str | Path, *, max_runs: int = DEFAULT_MAX_RUNS) -> Pipeline:
    """Read and validate a pipeline file; nothing runs.

    Every notebook must exist and have a ``parameters`` cell; every parameter named must be
    declared there, with plain data of the declared type that its constraints allow
    (``parameter-constraints`` cell); every grid must be a non-empty mapping of non-empty
    lists; ``needs`` must name earlier steps; names that become folders must be safe; the
    runs are counted (not expanded) and refused beyond ``max_runs``.

    Parameters
    ----------
    path : str or Path
        The YAML file (at most 1 MB; read as YAML 1.2, no aliases, plain data only).
    max_runs : int
        Most runs allowed (default :data:`DEFAULT_MAX_RUNS`; ``--max-runs``).

    Returns
    -------
    Pipeline

    Raises
    ------
    PipelineError
        Listing every problem found, each as ``FILE:LINE: what is wrong``.
    """
    path = Path(path)
    if isinstance(max_runs, bool) or not isinstance(max_runs, int) or max_runs < 1:
        raise PipelineError(f"max_runs must be a positive integer; got {short_repr(max_runs)}")
    text = _read_text(path)
    problems = _Problems(path)
    try:
        root = compose(text)
    except YamlRefused as exc:
        problems.add_at(exc.mark, exc.message)
        problems.raise_if_any()
        raise AssertionError("unreachable") from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark is not None else str(path)
        what = getattr(exc, "problem", None) or "cannot parse"
        raise PipelineError(f"{where}: not valid YAML: {what}") from exc
    except RecursionError as exc:
        raise PipelineError(f"{path}: nested too deeply to read") from exc

    def value_of(node: yaml.Node) -> Any:
        try:
            return node_value(node)
        except YamlRefused as exc:
            problems.add_at(exc.mark, exc.message)
            return _BAD

    def text_of(node: yaml.Node) -> str | None:
        value = value_of(node)
        if value is _BAD:
            return None
        if not isinstance(value, str | int | float) or isinstance(value, bool):
            problems.add(node, f"expected a name; got {short_repr(value)}")
            return None
        return str(value)

    if not isinstance(root, yaml.MappingNode):
        raise PipelineError(f"{path}:1: a pipeline must be a mapping with a 'steps' list")
    top: dict[str, tuple[yaml.Node, yaml.Node]] = {}
    for key_node, value_node in root.value:
        key = text_of(key_node)
        if key is None:
            continue
        if key not in _TOP_KEYS:
            problems.add(key_node, f"unknown key {short_repr(key)}; expected one of "
                                   f"{sorted(_TOP_KEYS)}")
        elif key in top:
            problems.add(key_node, f"duplicate key {key!r}")
        top[key] = (key_node, value_node)

    name = path.stem
    name_node: yaml.Node | None = None
    if "name" in top:
        name_node = top["name"][1]
        name = text_of(name_node) or ""
    why = check_name(name, "pipeline name")
    if why is not None:
        if name_node is None:
            problems.add(None, f"the file name gives the pipeline name {short_repr(name)}, "
                               f"which cannot be a folder name: add a 'name:' ({why})")
        else:
            problems.add(name_node, why)
    description = ""
    if "description" in top:
        description = text_of(top["description"][1]) or ""
    notebook_dir = path.parent / "../notebooks"
    if "notebook_dir" in top:
        notebook_dir = path.parent / (text_of(top["notebook_dir"][1]) or ".")
    notebook_dir = notebook_dir.resolve()

    defaults: dict[str, tuple[yaml.Node, Any]] = {}
    if "defaults" in top:
        node = top["defaults"][1]
        if not isinstance(node, yaml.MappingNode):
            problems.add(node, "defaults must be a mapping of parameter: value")
        else:
            for k_node, v_node in node.value:
                key = text_of(k_node)
                if key is not None:
                    defaults[key] = (v_node, value_of(v_node))

    steps: list[Step] = []
    if "steps" not in top:
        problems.add(root, "a pipeline needs a 'steps' list")
    elif not isinstance(top["steps"][1], yaml.SequenceNode) or not top["steps"][1].value:
        problems.add(top["steps"][1], "steps must be a non-empty list")
    else:
        names: set[str] = set()
        total = 0
        step_nodes: list[yaml.Node] = []
        valid: list[bool] = []
        for step_node in top["steps"][1].value:
            before = len(problems.items)
            step = _load_step(step_node, value_of, text_of, notebook_dir, defaults, names,
                              problems)
            if step is None:
                continue
            names.add(step.name)
            steps.append(step)
            step_nodes.append(step_node)
            valid.append(len(problems.items) == before)
            total += step.count()
            if total > max_runs:
                problems.add(step_node, f"the pipeline has {total:,} runs up to this step, "
                                        f"over the limit of {max_runs:,}; shrink the grid "
                                        "or raise the limit with --max-runs N")
                break
        else:
            for step, step_node, ok in zip(steps, step_nodes, valid, strict=True):
                if ok:
                    _check_relations(step, step_node, problems)
    problems.raise_if_any()
    return Pipeline(name=name, path=path.resolve(), description=description, steps=tuple(steps))


def _check_relations(step: Step, node: yaml.Node, problems: _Problems) -> None:
    """``minimumParameter``/``maximumParameter`` for every run of a (counted) step."""
    constraints = {n: p.constraint for n, p in step.declared.items() if p.constraint}
    if not any("minimumParameter" in c or "maximumParameter" in c
               for c in constraints.values()):
        return
    broken: dict[str, list[str]] = {}
    for run in step.runs():
        for why in relation_problems(run.effective, constraints):
            broken.setdefault(why, []).append(run.slug)
    for why, slugs in broken.items():
        runs = f"run {slugs[0]}" if len(slugs) == 1 else f"{len(slugs)} runs, e.g. {slugs[0]}"
        problems.add(node, f"step {step.name!r}: {why} ({runs})")


def _resolve_notebook(notebook_dir: Path, name: str) -> Path:
    candidate = notebook_dir / name
    if candidate.suffix != ".ipynb":
        candidate = candidate.with_name(candidate.name + ".ipynb")
    return candidate


def _load_step(node: yaml.Node, value_of: Any, text_of: Any, notebook_dir: Path,
               defaults: dict[str, tuple[yaml.Node, Any]], earlier: set[str],
               problems: _Problems) -> Step | None:
    if not isinstance(node, yaml.MappingNode):
        problems.add(node, "each step must be a mapping with a 'notebook' key")
        return None
    fields: dict[str, tuple[yaml.Node, yaml.Node]] = {}
    for key_node, value_node in node.value:
        key = text_of(key_node)
        if key is None:
            continue
        if key not in _STEP_KEYS:
            problems.add(key_node, f"unknown step key {short_repr(key)}; expected one of "
                                   f"{sorted(_STEP_KEYS)}")
        elif key in fields:
            problems.add(key_node, f"duplicate step key {key!r}")
        fields[key] = (key_node, value_node)
    if "notebook" not in fields:
        problems.add(node, "step has no 'notebook'")
        return None
    nb_node = fields["notebook"][1]
    nb_name = text_of(nb_node)
    if nb_name is None:
        return None
    notebook = _resolve_notebook(notebook_dir, nb_name)
    if not notebook.is_file():
        available = sorted(p.stem for p in notebook_dir.glob("*.ipynb"))
        problems.add(nb_node, f"unknown notebook {short_repr(nb_name)}: {notebook} does not "
                              f"exist; notebooks in {notebook_dir}: {available}")
        return None
    try:
        declared = notebook_parameters(notebook)
    except PipelineError as exc:
        problems.add(nb_node, str(exc))
        return None
    step_name = notebook.stem
    name_node: yaml.Node = nb_node
    if "name" in fields:
        name_node = fields["name"][1]
        step_name = text_of(name_node) or ""
    why = check_name(step_name, "step name")
    if why is not None:
        problems.add(name_node, why if "name" in fields else
                     f"the notebook gives the step name {short_repr(step_name)}, which cannot "
                     f"be a folder name: add a 'name:' ({why})")
        return None
    if step_name in earlier:
        problems.add(node, f"two steps are named {step_name!r}; give one a 'name'")

    def check(param: str, key_node: yaml.Node, value_node: yaml.Node, value: Any) -> bool:
        if param not in declared:
            problems.add(key_node, f"unknown parameter {short_repr(param)} for notebook "
                                   f"{notebook.name}; its parameters are {sorted(declared)}")
            return False
        if value is _BAD:
            return False
        why = plain_data_problem(value) or value_size_problem(value)
        if why is not None:
            problems.add(value_node, f"parameter {param!r}: {why}")
            return False
        why = check_value_type(value, declared[param])
        if why is not None:
            problems.add(value_node, f"wrongly typed value for notebook {notebook.name}: {why}")
            return False
        why = constraint_problem(param, value, declared[param].constraint)
        if why is not None:
            problems.add(value_node, f"value not allowed by notebook {notebook.name}: {why}")
            return False
        return True

    parameters: dict[str, Any] = {}
    for param, (v_node, value) in defaults.items():
        if param in declared:  # defaults apply to the steps that declare them
            if check(param, v_node, v_node, value):
                parameters[param] = value
    if "parameters" in fields:
        p_node = fields["parameters"][1]
        if not isinstance(p_node, yaml.MappingNode):
            problems.add(p_node, "parameters must be a mapping of parameter: value")
        else:
            seen: set[str] = set()
            for k_node, v_node in p_node.value:
                param = text_of(k_node)
                if param is None:
                    continue
                if param in seen:
                    problems.add(k_node, f"duplicate parameter {param!r}")
                seen.add(param)
                if check(param, k_node, v_node, value_of(v_node)):
                    parameters[param] = value_of(v_node)

    grid: dict[str, list[Any]] = {}
    if "grid" in fields:
        g_node = fields["grid"][1]
        if not isinstance(g_node, yaml.MappingNode):
            problems.add(g_node, "grid must be a mapping of parameter: [values]")
        elif not g_node.value:
            problems.add(g_node, "empty grid: give at least one parameter with a list of "
                                 "values, or drop 'grid'")
        else:
            for k_node, v_node in g_node.value:
                param = text_of(k_node)
                if param is None:
                    continue
                if not isinstance(v_node, yaml.SequenceNode):
                    shown = value_of(v_node)
                    problems.add(v_node, f"grid values of {param!r} must be a list; got "
                                         f"{short_repr(shown) if shown is not _BAD else 'that'}")
                    continue
                if not v_node.value:
                    problems.add(v_node, f"empty grid: parameter {param!r} has no values")
                    continue
                if param in grid:
                    problems.add(k_node, f"duplicate grid parameter {param!r}")
                    continue
                if param not in declared:
                    check(param, k_node, v_node, None)  # reports the unknown parameter
                    continue
                values = []
                for item in v_node.value:
                    value = value_of(item)
                    if check(param, k_node, item, value):
                        values.append(value)
                if len(values) == len(v_node.value):
                    grid[param] = values
                else:
                    grid[param] = [None] * len(v_node.value)  # still counted; never run
                if param in parameters:
                    problems.add(k_node, f"parameter {param!r} is both fixed and in the grid")

    needs: tuple[str, ...] = ()
    if "needs" in fields:
        n_node = fields["needs"][1]
        raw = value_of(n_node)
        raw = [raw] if isinstance(raw, str) else raw
        if raw is _BAD:
            pass
        elif not isinstance(raw, list) or not all(isinstance(n, str) for n in raw):
            problems.add(n_node, f"needs must be a list of earlier step names; got "
                                 f"{short_repr(raw)}")
        else:
            for need in raw:
                if need not in earlier:
                    problems.add(n_node, f"needs names {short_repr(need)}, which is not an "
                                         f"earlier step; earlier steps: {sorted(earlier)}")
            needs = tuple(raw)
    return Step(name=step_name, notebook=notebook, parameters=parameters, grid=grid,
                needs=needs, declared=declared)
