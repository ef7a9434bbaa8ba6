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

Every problem is reported with the file and line it is on.
"""

from __future__ import annotations

import hashlib
import itertools
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from qfin.errors import PipelineError
from qfin.pipeline._notebook import NotebookParameter, check_value_type, notebook_parameters

__all__ = ["Pipeline", "Step", "RunSpec", "load_pipeline", "run_slug"]

_TOP_KEYS = {"name", "description", "notebook_dir", "defaults", "steps"}
_STEP_KEYS = {"notebook", "name", "parameters", "grid", "needs"}
_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


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


class _Problems:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.items: list[str] = []

    def add(self, node: yaml.Node | None, message: str) -> None:
        where = f"{self.path}:{node.start_mark.line + 1}" if node is not None else str(self.path)
        self.items.append(f"{where}: {message}")

    def raise_if_any(self) -> None:
        if self.items:
            count = len(self.items)
            head = f"{count} problem{'s' if count > 1 else ''} in pipeline {self.path}"
            raise PipelineError(f"{head}: " + "; ".join(self.items))


def _mapping_items(node: yaml.MappingNode) -> list[tuple[yaml.Node, yaml.Node]]:
    return list(node.value)


def load_pipeline(path: str | Path) -> Pipeline:
    """Read and validate a pipeline file; nothing runs.

    Every notebook must exist and have a ``parameters`` cell; every parameter named must be
    declared there, with a value of the declared type; every grid must be a non-empty
    mapping of non-empty lists; ``needs`` must name earlier steps.

    Parameters
    ----------
    path : str or Path
        The YAML file.

    Returns
    -------
    Pipeline

    Raises
    ------
    PipelineError
        Listing every problem found, each as ``FILE:LINE: what is wrong``.
    """
    path = Path(path)
    if not path.is_file():
        raise PipelineError(f"pipeline file {str(path)!r} does not exist")
    text = path.read_text(encoding="utf-8")
    loader = yaml.SafeLoader(text)
    try:
        root = loader.get_single_node()
    except yaml.YAMLError as exc:
        raise PipelineError(f"{path}: not valid YAML: {exc}") from exc
    finally:
        loader.dispose()
    problems = _Problems(path)

    def value_of(node: yaml.Node) -> Any:
        return loader.construct_object(node, deep=True)

    if not isinstance(root, yaml.MappingNode):
        raise PipelineError(f"{path}:1: a pipeline must be a mapping with a 'steps' list")
    top = {}
    for key_node, value_node in _mapping_items(root):
        key = value_of(key_node)
        if key not in _TOP_KEYS:
            problems.add(key_node, f"unknown key {key!r}; expected one of {sorted(_TOP_KEYS)}")
        top[key] = (key_node, value_node)

    name = path.stem
    if "name" in top:
        name = str(value_of(top["name"][1]))
        if not _NAME_RE.match(name):
            problems.add(top["name"][1], f"name must be letters, digits, '_', '.', '-'; "
                                         f"got {name!r}")
    description = str(value_of(top["description"][1])) if "description" in top else ""
    notebook_dir = path.parent / "../notebooks"
    if "notebook_dir" in top:
        notebook_dir = path.parent / str(value_of(top["notebook_dir"][1]))
    notebook_dir = notebook_dir.resolve()

    defaults: dict[str, tuple[yaml.Node, Any]] = {}
    if "defaults" in top:
        node = top["defaults"][1]
        if not isinstance(node, yaml.MappingNode):
            problems.add(node, "defaults must be a mapping of parameter: value")
        else:
            for k_node, v_node in _mapping_items(node):
                defaults[str(value_of(k_node))] = (v_node, value_of(v_node))

    steps: list[Step] = []
    if "steps" not in top:
        problems.add(root, "a pipeline needs a 'steps' list")
    elif not isinstance(top["steps"][1], yaml.SequenceNode) or not top["steps"][1].value:
        problems.add(top["steps"][1], "steps must be a non-empty list")
    else:
        names: set[str] = set()
        for step_node in top["steps"][1].value:
            step = _load_step(step_node, value_of, notebook_dir, defaults, names, problems)
            if step is not None:
                names.add(step.name)
                steps.append(step)
    problems.raise_if_any()
    return Pipeline(name=name, path=path.resolve(), description=description, steps=tuple(steps))


def _resolve_notebook(notebook_dir: Path, name: str) -> Path:
    candidate = notebook_dir / name
    if candidate.suffix != ".ipynb":
        candidate = candidate.with_name(candidate.name + ".ipynb")
    return candidate


def _load_step(node: yaml.Node, value_of: Any, notebook_dir: Path,
               defaults: dict[str, tuple[yaml.Node, Any]], earlier: set[str],
               problems: _Problems) -> Step | None:
    if not isinstance(node, yaml.MappingNode):
        problems.add(node, "each step must be a mapping with a 'notebook' key")
        return None
    fields: dict[str, tuple[yaml.Node, yaml.Node]] = {}
    for key_node, value_node in _mapping_items(node):
        key = value_of(key_node)
        if key not in _STEP_KEYS:
            problems.add(key_node, f"unknown step key {key!r}; expected one of "
                                   f"{sorted(_STEP_KEYS)}")
        fields[key] = (key_node, value_node)
    if "notebook" not in fields:
        problems.add(node, "step has no 'notebook'")
        return None
    nb_node = fields["notebook"][1]
    nb_name = str(value_of(nb_node))
    notebook = _resolve_notebook(notebook_dir, nb_name)
    if not notebook.is_file():
        available = sorted(p.stem for p in notebook_dir.glob("*.ipynb"))
        problems.add(nb_node, f"unknown notebook {nb_name!r}: {notebook} does not exist; "
                              f"notebooks in {notebook_dir}: {available}")
        return None
    try:
        declared = notebook_parameters(notebook)
    except PipelineError as exc:
        problems.add(nb_node, str(exc))
        return None
    step_name = notebook.stem
    if "name" in fields:
        step_name = str(value_of(fields["name"][1]))
        if not _NAME_RE.match(step_name):
            problems.add(fields["name"][1], f"step name must be letters, digits, '_', '.', "
                                            f"'-'; got {step_name!r}")
    if step_name in earlier:
        problems.add(node, f"two steps are named {step_name!r}; give one a 'name'")

    def check(param: str, key_node: yaml.Node, value_node: yaml.Node, value: Any) -> bool:
        if param not in declared:
            problems.add(key_node, f"unknown parameter {param!r} for notebook "
                                   f"{notebook.name}; its parameters are {sorted(declared)}")
            return False
        why = check_value_type(value, declared[param])
        if why is not None:
            problems.add(value_node, f"wrongly typed value for notebook {notebook.name}: {why}")
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
            for k_node, v_node in _mapping_items(p_node):
                param, value = str(value_of(k_node)), value_of(v_node)
                if check(param, k_node, v_node, value):
                    parameters[param] = value

    grid: dict[str, list[Any]] = {}
    if "grid" in fields:
        g_node = fields["grid"][1]
        if not isinstance(g_node, yaml.MappingNode):
            problems.add(g_node, "grid must be a mapping of parameter: [values]")
        elif not g_node.value:
            problems.add(g_node, "empty grid: give at least one parameter with a list of "
                                 "values, or drop 'grid'")
        else:
            for k_node, v_node in _mapping_items(g_node):
                param = str(value_of(k_node))
                if not isinstance(v_node, yaml.SequenceNode):
                    problems.add(v_node, f"grid values of {param!r} must be a list; got "
                                         f"{value_of(v_node)!r}")
                    continue
                if not v_node.value:
                    problems.add(v_node, f"empty grid: parameter {param!r} has no values")
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
                if param in parameters:
                    problems.add(k_node, f"parameter {param!r} is both fixed and in the grid")

    needs: tuple[str, ...] = ()
    if "needs" in fields:
        n_node = fields["needs"][1]
        raw = value_of(n_node)
        raw = [raw] if isinstance(raw, str) else raw
        if not isinstance(raw, list) or not all(isinstance(n, str) for n in raw):
            problems.add(n_node, f"needs must be a list of earlier step names; got {raw!r}")
        else:
            for need in raw:
                if need not in earlier:
                    problems.add(n_node, f"needs names {need!r}, which is not an earlier step; "
                                         f"earlier steps: {sorted(earlier)}")
            needs = tuple(raw)
    return Step(name=step_name, notebook=notebook, parameters=parameters, grid=grid,
                needs=needs, declared=declared)
