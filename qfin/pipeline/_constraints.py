"""Allowed values of a notebook's parameters: a ``parameter-constraints`` cell.

Next to its ``parameters`` cell, a notebook may hold one code cell tagged
``parameter-constraints`` that assigns a literal dict ``PARAMETER_CONSTRAINTS``: for each
parameter, JSON Schema validation keywords (https://json-schema.org, draft 2020-12, checked
with the ``jsonschema`` library)::

    from qfin.pipeline import check_parameters

    PARAMETER_CONSTRAINTS = {
        "sampler": {"enum": ["neal", "annealing", "bifurcation"]},
        "confidence": {"exclusiveMinimum": 0, "exclusiveMaximum": 1,
                       "hint": "a probability: 99 % is 0.99"},
        "k": {"minimum": 1, "maximumParameter": "n_assets"},
    }
    check_parameters(PARAMETER_CONSTRAINTS, globals())

``qfin pipeline check`` reads the dict (as a literal, never executing the cell) and checks
every value of the pipeline file against it before anything runs; the last line checks
the values again when the notebook runs (after papermill's injected cell, in JupyterLab
too). Besides the JSON Schema keywords, two qfin keywords compare with another parameter's
value (``minimumParameter``, ``maximumParameter``: inclusive) and ``hint`` adds advice to
the message.
"""

from __future__ import annotations

import ast
import difflib
from collections.abc import Mapping
from typing import Any

from qfin.errors import PipelineError
from qfin.pipeline._text import short_repr

__all__ = ["CONSTRAINTS_TAG", "CONSTRAINTS_NAME", "read_constraints", "constraint_problem",
           "relation_problems", "check_parameters"]

CONSTRAINTS_TAG = "parameter-constraints"
CONSTRAINTS_NAME = "PARAMETER_CONSTRAINTS"

# The JSON Schema keywords that constrain plain values, and qfin's own three. Anything else
# is refused, so a typo ("maximun") cannot silently switch a check off.
_SCHEMA_KEYWORDS = {
    "enum", "const", "type", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum",
    "multipleOf", "minLength", "maxLength", "pattern", "format", "minItems", "maxItems",
    "uniqueItems", "items", "prefixItems", "contains", "minProperties", "maxProperties",
    "required", "properties", "additionalProperties", "propertyNames", "not", "anyOf",
    "oneOf", "allOf",
}
_QFIN_KEYWORDS = {"minimumParameter", "maximumParameter", "hint"}


def read_constraints(cells: list[Any], where: str,
                     parameters: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """The ``PARAMETER_CONSTRAINTS`` of a notebook's ``parameter-constraints`` cell.

    Parameters
    ----------
    cells : list
        The notebook's cells (nbformat nodes).
    where : str
        The notebook, for messages.
    parameters : mapping
        The declared parameters (a constraint on anything else is refused).

    Returns
    -------
    dict
        Parameter name to its constraint (``{}`` when the notebook has no such cell).

    Raises
    ------
    PipelineError
        If the cell is not a literal dict of known parameters and known keywords, or a
        constraint is not a valid JSON Schema.
    """
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import SchemaError

    tagged = [c for c in cells if CONSTRAINTS_TAG in c.get("metadata", {}).get("tags", [])]
    if not tagged:
        return {}
    if len(tagged) > 1:
        raise PipelineError(f"{where}: {len(tagged)} cells are tagged {CONSTRAINTS_TAG!r}; "
                            "keep one")
    try:
        tree = ast.parse(tagged[0].source)
    except SyntaxError as exc:
        raise PipelineError(f"{where}: the {CONSTRAINTS_TAG} cell is not valid Python: "
                            f"{exc}") from exc
    assigned = [node.value for node in tree.body if isinstance(node, ast.Assign)
                and any(isinstance(t, ast.Name) and t.id == CONSTRAINTS_NAME
                        for t in node.targets)]
    if len(assigned) != 1:
        raise PipelineError(f"{where}: the {CONSTRAINTS_TAG} cell must assign "
                            f"{CONSTRAINTS_NAME} = {{...}} exactly once")
    try:
        constraints = ast.literal_eval(assigned[0])
    except (ValueError, SyntaxError) as exc:
        raise PipelineError(f"{where}: {CONSTRAINTS_NAME} must be a literal dict (numbers, "
                            f"strings, lists, dicts); {exc}") from exc
    if not isinstance(constraints, dict):
        raise PipelineError(f"{where}: {CONSTRAINTS_NAME} must be a dict of parameter: "
                            "{keyword: value}")
    for name, constraint in constraints.items():
        if name not in parameters:
            raise PipelineError(f"{where}: {CONSTRAINTS_NAME} constrains {name!r}, which is "
                                f"not a parameter; parameters: {sorted(parameters)}")
        if not isinstance(constraint, dict):
            raise PipelineError(f"{where}: the constraint of {name!r} must be a dict of JSON "
                                f"Schema keywords; got {short_repr(constraint)}")
        unknown = set(constraint) - _SCHEMA_KEYWORDS - _QFIN_KEYWORDS
        if unknown:
            raise PipelineError(f"{where}: unknown constraint keyword(s) {sorted(unknown)} for "
                                f"{name!r}; use JSON Schema keywords (enum, minimum, maximum, "
                                "exclusiveMinimum, exclusiveMaximum, pattern, ...) or "
                                f"{sorted(_QFIN_KEYWORDS)}")
        for key in ("minimumParameter", "maximumParameter"):
            other = constraint.get(key)
            if other is not None and other not in parameters:
                raise PipelineError(f"{where}: {key} of {name!r} names {other!r}, which is not "
                                    "a parameter")
        try:
            Draft202012Validator.check_schema(_schema(constraint))
        except SchemaError as exc:
            raise PipelineError(f"{where}: the constraint of {name!r} is not a valid JSON "
                                f"Schema: {exc.message}") from exc
    return constraints


def _schema(constraint: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in constraint.items() if k not in _QFIN_KEYWORDS}


def constraint_problem(name: str, value: Any, constraint: Mapping[str, Any] | None) -> str | None:
    """Why ``value`` breaks the constraint of parameter ``name`` (``None``: it does not).

    Only the keywords about the value itself are checked here; see :func:`relation_problems`
    for ``minimumParameter`` and ``maximumParameter``.
    """
    if not constraint:
        return None
    from jsonschema import Draft202012Validator

    validator = Draft202012Validator(_schema(constraint))
    error = next(iter(validator.iter_errors(value)), None)
    if error is None:
        return None
    if error.validator == "enum":
        allowed = list(error.validator_value)
        message = f"parameter {name!r} must be one of {allowed}; got {short_repr(value)}"
        if isinstance(value, str):
            close = difflib.get_close_matches(value, [str(a) for a in allowed], n=1)
            if close:
                message += f" (did you mean {close[0]!r}?)"
    else:
        path = "".join(f"[{p!r}]" for p in error.absolute_path)
        what = short_repr(error.instance)
        reason = error.message.replace(repr(error.instance), what) \
            if len(repr(error.instance)) > len(what) else error.message
        message = f"parameter {name!r}{path}: {reason}"
    if constraint.get("hint"):
        message += f"; {constraint['hint']}"
    return message


def relation_problems(values: Mapping[str, Any],
                      constraints: Mapping[str, Mapping[str, Any]]) -> list[str]:
    """``minimumParameter``/``maximumParameter`` broken by one set of effective values."""
    problems = []
    for name, constraint in constraints.items():
        value = values.get(name)
        if not _is_number(value):
            continue
        for key, wrong in (("minimumParameter", lambda v, o: v < o),
                           ("maximumParameter", lambda v, o: v > o)):
            other = constraint.get(key)
            if other is None or not _is_number(values.get(other)):
                continue
            if wrong(value, values[other]):
                relation = "at least" if key == "minimumParameter" else "at most"
                problems.append(f"parameter {name!r} must be {relation} {other} = "
                                f"{values[other]!r}; got {value!r}")
    return problems


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def check_parameters(constraints: Mapping[str, Mapping[str, Any]],
                     values: Mapping[str, Any]) -> None:
    """Check a notebook's parameter values against its constraints (call it in the cell).

    Parameters
    ----------
    constraints : mapping
        ``PARAMETER_CONSTRAINTS``: parameter name to JSON Schema keywords (plus
        ``minimumParameter``, ``maximumParameter``, ``hint``).
    values : mapping
        The values, e.g. ``globals()`` of the notebook.

    Raises
    ------
    PipelineError
        Naming every parameter whose value is not allowed.

    Examples
    --------
    >>> check_parameters({"confidence": {"maximum": 1}}, {"confidence": 0.99})
    >>> check_parameters({"confidence": {"maximum": 1}}, {"confidence": 99})
    Traceback (most recent call last):
    ...
    qfin.errors.PipelineError: parameter 'confidence': 99 is greater than the maximum of 1
    """
    problems = [p for name, c in constraints.items() if name in values
                for p in [constraint_problem(name, values[name], c)] if p]
    problems += relation_problems(values, constraints)
    if problems:
        raise PipelineError("; ".join(problems))
