"""What a notebook declares: its ``parameters`` cell, read with papermill."""

from __future__ import annotations

import ast
import hashlib
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import nbformat

from qfin.errors import PipelineError
from qfin.pipeline._constraints import read_constraints
from qfin.pipeline._text import short_repr

__all__ = ["NotebookParameter", "notebook_parameters", "notebook_hash", "check_value_type"]


@dataclass(frozen=True)
class NotebookParameter:
    """One parameter of a notebook's ``parameters`` cell.

    Attributes
    ----------
    name : str
        The variable name.
    type_name : str
        The annotation as written (``"int"``, ``"float"``, ``"list[int]"``), or ``"None"``
        when the parameter has no annotation.
    default : Any
        The default value (the literal from the cell, or its source text if not a literal).
    help : str
        The trailing comment.
    constraint : dict
        Its allowed values, from the notebook's ``parameter-constraints`` cell (JSON Schema
        keywords; ``{}`` when unconstrained), see :mod:`qfin.pipeline._constraints`.
    """

    name: str
    type_name: str
    default: Any
    help: str
    constraint: dict[str, Any] = field(default_factory=dict)


def _parameters_cell_index(nb: nbformat.NotebookNode) -> int:
    for index, cell in enumerate(nb.cells):
        if "parameters" in cell.get("metadata", {}).get("tags", []):
            return index
    return -1


def notebook_parameters(path: str | Path) -> dict[str, NotebookParameter]:
    """The parameters a notebook declares in its ``parameters``-tagged cell.

    Each comes with its allowed values from the ``parameter-constraints`` cell (if any).

    Parameters
    ----------
    path : str or Path
        An ``.ipynb`` file.

    Returns
    -------
    dict
        Name to :class:`NotebookParameter`, in the cell's order.

    Raises
    ------
    PipelineError
        If the file is missing, not a notebook, has no ``parameters``-tagged cell, or its
        ``parameter-constraints`` cell is malformed.
    """
    from papermill.inspection import _infer_parameters
    from papermill.iorw import load_notebook_node

    path = Path(path)
    if not path.is_file():
        raise PipelineError(f"notebook {str(path)!r} does not exist")
    try:
        nb = load_notebook_node(str(path))  # papermill's reader: every cell gets "tags"
    except Exception as exc:  # noqa: BLE001 - any parse failure is a bad notebook file
        raise PipelineError(f"{path} is not a readable notebook: {exc}") from exc
    index = _parameters_cell_index(nb)
    if index < 0:
        raise PipelineError(f"{path} has no cell tagged 'parameters'; tag the cell holding "
                            "its parameters so papermill can inject values")
    found = _infer_parameters(nb)
    assigned = _assigned_names(nb.cells[index].source, path)
    unread = [name for name in assigned if name not in {p.name for p in found}]
    if unread:
        raise PipelineError(f"{path}: papermill cannot read the parameters {unread} of its "
                            "parameters cell; write each as `name: type = value  # help` on one "
                            "line, with no '=' in the comment")
    result: dict[str, NotebookParameter] = {}
    for p in found:
        type_name = p.inferred_type_name
        try:
            default = ast.literal_eval(p.default)
        except (ValueError, SyntaxError):
            default = p.default
        else:
            if type_name in ("None", "") and default is not None:
                type_name = type(default).__name__  # no annotation: the default's type
        result[p.name] = NotebookParameter(name=p.name, type_name=type_name,
                                              default=default, help=p.help)
    constraints = read_constraints(nb.cells, str(path), result)
    return {name: replace(p, constraint=dict(constraints.get(name, {})))
            for name, p in result.items()}


def _assigned_names(source: str, path: Path) -> list[str]:
    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        raise PipelineError(f"{path}: the parameters cell is not valid Python: {exc}") from exc
    names = []
    for node in tree.body:
        targets = node.targets if isinstance(node, ast.Assign) else \
            [node.target] if isinstance(node, ast.AnnAssign) else []
        names.extend(t.id for t in targets if isinstance(t, ast.Name))
    return names


def notebook_hash(path: str | Path) -> str:
    """SHA-256 (first 16 hex) of a notebook's cell sources and kinds, outputs ignored."""
    nb = nbformat.read(Path(path), as_version=4)
    digest = hashlib.sha256()
    for cell in nb.cells:
        digest.update(cell.cell_type.encode())
        digest.update(b"\0")
        digest.update(cell.source.encode())
        digest.update(b"\0")
    return digest.hexdigest()[:16]


_BASE_TYPES: dict[str, tuple[type, ...]] = {
    "int": (int,),
    "float": (int, float),
    "str": (str,),
    "bool": (bool,),
    "list": (list,),
    "tuple": (list,),
    "dict": (dict,),
}


def _matches(value: Any, type_name: str) -> bool | None:
    base = type_name.split("[", 1)[0].strip()
    base = base.split(".")[-1].lower()  # typing.List -> list
    if base in ("none", "nonetype"):
        return value is None
    if base in ("any", "object"):
        return True
    accepted = _BASE_TYPES.get(base)
    if accepted is None:
        return None  # a type we cannot check
    if isinstance(value, bool) and bool not in accepted:
        return False  # True is an int to Python, never to a pipeline author
    return isinstance(value, accepted)


def check_value_type(value: Any, parameter: NotebookParameter) -> str | None:
    """Why ``value`` does not fit ``parameter``'s declared type, or ``None`` if it does.

    The declared type is the annotation (``int``, ``float``, ``str``, ``bool``, ``list``,
    ``dict``, unions with ``|``); without one, the type of the default value is used.
    Integers are accepted for ``float``; booleans never count as numbers.
    """
    type_name = parameter.type_name
    if type_name in ("None", ""):
        return None  # neither an annotation nor a literal default: nothing to check against
    text = type_name
    if text.startswith("Optional[") and text.endswith("]"):
        text = text[len("Optional["):-1] + "|None"
    verdicts = [_matches(value, t.strip()) for t in text.split("|") if t.strip()]
    if any(v is True for v in verdicts) or all(v is None for v in verdicts):
        return None
    message = (f"parameter {parameter.name!r} expects {type_name}; got {short_repr(value)} "
               f"({type(value).__name__})")
    return message + _number_hint(value, text)


_NUMBER = re.compile(r"[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?")
_COMMA_NUMBER = re.compile(r"[-+]?\d+,\d+")
_UNDERSCORE_NUMBER = re.compile(r"[-+]?\d+(_\d+)+(\.\d*)?([eE][-+]?\d+)?")


def _number_hint(value: Any, type_text: str) -> str:
    """Advice when a number was declared and a string that looks like one arrived."""
    bases = {t.strip().split("[", 1)[0].lower() for t in type_text.split("|")}
    if not isinstance(value, str):
        return ""
    text = value.strip()
    if "bool" in bases and text.lower() in ("yes", "no", "on", "off", "y", "n"):
        return "; YAML 1.2 (how pipeline files are read) writes booleans as true or false"
    if not bases & {"int", "float"}:
        return ""
    if _NUMBER.fullmatch(text):
        return ("; a quoted number is a string in YAML: write it without quotes (pipeline "
                "files read numbers as YAML 1.2 does: 1e-3, 1.5e+6, 0x1F, .inf)")
    if _COMMA_NUMBER.fullmatch(text):
        return "; write numbers with a decimal point, not a comma (0.5, not 0,5)"
    if _UNDERSCORE_NUMBER.fullmatch(text):
        return ("; YAML 1.2 numbers have no digit separators: write "
                f"{text.replace('_', '')}")
    return ""
