"""Reading pipeline files: YAML 1.2 core schema, plain data only, bounded in size.

PyYAML reads YAML 1.1, where ``1e-3`` is a string, ``yes`` a boolean, ``1:30`` the number 90
and ``2022-01-03`` a date, and where tags such as ``!!binary``, ``!!timestamp`` or ``!!set``
build Python objects that papermill would paste into the notebook's code with ``str()``.
Here the YAML text is only *composed* into nodes by PyYAML (every node keeps its line), with
the implicit types of the YAML 1.2 core schema (https://yaml.org/spec/1.2.2/#1032-tag-resolution),
and each node is turned into plain data by :func:`node_value`: str, int, float, bool, None,
lists and str-keyed mappings of those. Any other tag is refused with its line.

Bounded resources: a pipeline file is at most :data:`MAX_FILE_BYTES`; aliases (``*name``)
are refused, so the data is never larger than the text (no "billion laughs"); nesting is at
most :data:`MAX_DEPTH` levels; one parameter value is at most :data:`MAX_VALUE_CHARS`
characters as JSON.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

import yaml
from yaml.composer import Composer
from yaml.parser import Parser
from yaml.reader import Reader
from yaml.resolver import BaseResolver
from yaml.scanner import Scanner

from qfin.pipeline._text import short_repr

__all__ = ["MAX_FILE_BYTES", "MAX_DEPTH", "MAX_VALUE_CHARS", "YamlRefused", "compose",
           "node_value", "plain_data_problem", "value_size_problem"]

MAX_FILE_BYTES = 1_000_000
MAX_DEPTH = 32
MAX_VALUE_CHARS = 65_536

_TAG = "tag:yaml.org,2002:"
_STR, _INT, _FLOAT, _BOOL, _NULL = (f"{_TAG}{t}" for t in ("str", "int", "float", "bool", "null"))
_SEQ, _MAP = f"{_TAG}seq", f"{_TAG}map"

_NULL_RE = re.compile(r"^(?:~|null|Null|NULL|)$")
_BOOL_RE = re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")
_INT_RE = re.compile(r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$")
_FLOAT_RE = re.compile(r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
                       r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$")


class YamlRefused(Exception):  # noqa: N818 - internal signal, turned into a PipelineError
    """A node that cannot be read as plain data (``mark``: where it starts)."""

    def __init__(self, mark: Any, message: str) -> None:
        super().__init__(message)
        self.mark = mark
        self.message = message


class _CoreResolver(BaseResolver):
    """The YAML 1.2 core schema's implicit types (null, bool, int, float; the rest str)."""


for _tag, _regex, _first in (
        (_NULL, _NULL_RE, ["~", "n", "N", ""]),
        (_BOOL, _BOOL_RE, list("tTfF")),
        (_INT, _INT_RE, list("-+0123456789")),
        (_FLOAT, _FLOAT_RE, list("-+.0123456789"))):
    _CoreResolver.add_implicit_resolver(_tag, _regex, _first)


class _Composer(Reader, Scanner, Parser, Composer, _CoreResolver):
    """PyYAML's reader, scanner, parser and composer; aliases and deep nesting refused."""

    def __init__(self, text: str) -> None:
        Reader.__init__(self, text)
        Scanner.__init__(self)
        Parser.__init__(self)
        Composer.__init__(self)
        _CoreResolver.__init__(self)
        self._depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise YamlRefused(event.start_mark, f"alias *{event.anchor} refused: pipeline "
                              "files may not use YAML aliases (anchors &name / *name); "
                              "write the value out")
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise YamlRefused(self.peek_event().start_mark,
                                  f"nested more than {MAX_DEPTH} levels deep")
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def compose(text: str) -> yaml.Node | None:
    """The node tree of one YAML document (``None`` for an empty file).

    Raises
    ------
    YamlRefused
        For an alias or nesting beyond :data:`MAX_DEPTH`.
    yaml.YAMLError
        For text that is not YAML.
    """
    loader = _Composer(text)
    try:
        return loader.get_single_node()
    finally:
        loader.dispose()


def _scalar(node: yaml.ScalarNode) -> Any:
    tag, text = node.tag, node.value
    if tag == _STR:
        return text
    if tag == _NULL and _NULL_RE.match(text):
        return None
    if tag == _BOOL and _BOOL_RE.match(text):
        return text.lower() == "true"
    if tag == _INT and _INT_RE.match(text):
        try:
            if text.startswith("0o"):
                return int(text[2:], 8)
            if text.startswith("0x"):
                return int(text[2:], 16)
            return int(text)
        except ValueError as exc:  # more digits than Python converts
            raise YamlRefused(node.start_mark, f"integer too long ({len(text):,} "
                              "digits)") from exc
    if tag == _FLOAT and _FLOAT_RE.match(text):
        lowered = text.lower()
        if lowered.endswith(".nan"):
            return math.nan
        if lowered.endswith(".inf"):
            return -math.inf if text.startswith("-") else math.inf
        return float(text)
    if tag in (_NULL, _BOOL, _INT, _FLOAT):
        raise YamlRefused(node.start_mark, f"{short_repr(text)} is not a valid "
                          f"!!{tag[len(_TAG):]}")
    return _refuse_tag(node)


def _refuse_tag(node: yaml.Node) -> Any:
    tag = node.tag.replace(_TAG, "!!") if node.tag.startswith(_TAG) else node.tag
    raise YamlRefused(node.start_mark, f"YAML tag {short_repr(tag)} refused: pipeline values "
                      "are plain data (strings, numbers, true/false, null, lists and "
                      "mappings of those)")


def node_value(node: yaml.Node) -> Any:
    """A composed node as plain data.

    Raises
    ------
    YamlRefused
        At the first node with another tag, a mapping key that is not a string or number,
        or a duplicate key.
    """
    if isinstance(node, yaml.ScalarNode):
        return _scalar(node)
    if isinstance(node, yaml.SequenceNode):
        if node.tag != _SEQ:
            _refuse_tag(node)
        return [node_value(item) for item in node.value]
    if isinstance(node, yaml.MappingNode):
        if node.tag != _MAP:
            _refuse_tag(node)
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise YamlRefused(key_node.start_mark, "mapping keys must be plain strings")
            key = _scalar(key_node)
            if key in out:
                raise YamlRefused(key_node.start_mark, f"duplicate key {short_repr(key)}")
            out[key] = node_value(value_node)
        return out
    raise YamlRefused(node.start_mark, "unsupported YAML node")  # pragma: no cover


def plain_data_problem(value: Any, depth: int = 0) -> str | None:
    """Why ``value`` is not plain data (``None`` if it is).

    Plain data: str, int, float, bool, None, lists of plain data and dicts with str keys
    and plain-data values, at most :data:`MAX_DEPTH` levels deep.

    >>> plain_data_problem({"a": [1, 2.5, None, "x", True]}) is None
    True
    >>> plain_data_problem([b"bytes"])
    'bytes is not plain data (str, int, float, bool, None, list, dict)'
    """
    if depth > MAX_DEPTH:
        return f"nested more than {MAX_DEPTH} levels deep"
    if value is None or type(value) in (str, int, float, bool):
        return None
    if type(value) is list:
        for item in value:
            why = plain_data_problem(item, depth + 1)
            if why:
                return why
        return None
    if type(value) is dict:
        for key, item in value.items():
            if type(key) is not str:
                return f"dict key {short_repr(key)} is not a string"
            why = plain_data_problem(item, depth + 1)
            if why:
                return why
        return None
    return (f"{type(value).__name__} is not plain data (str, int, float, bool, None, list, "
            "dict)")


def value_size_problem(value: Any) -> str | None:
    """Why ``value`` is too large for one parameter (``None`` if it is not)."""
    if isinstance(value, list | dict | str):
        size = len(json.dumps(value, allow_nan=True))
        if size > MAX_VALUE_CHARS:
            return (f"value too large: {size:,} characters as JSON, at most "
                    f"{MAX_VALUE_CHARS:,} per parameter; put large inputs in a file or the "
                    "database and pass its name")
    return None
