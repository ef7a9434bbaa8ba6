"""Package structure: data flows one way (data -> portfolio | risk | qae -> bench -> report).

Every ``import qfin.<package>`` inside ``qfin/`` (at module level or inside a function) must
go to a package of a strictly lower layer; a cycle between packages (``report`` importing
``pipeline`` while ``pipeline`` imports ``report``, as before issue 11.15) fails here.
"""

from __future__ import annotations

import ast
from pathlib import Path

import qfin

ROOT = Path(qfin.__file__).resolve().parent

#: Layer of each top-level part of ``qfin``; imports go only to lower layers.
LAYERS = {
    "errors": 0, "_json": 0, "_lazy": 0, "_suggest": 0, "_format": 0, "_kernel": 1, "backends": 1,
    "_labels": 1, "data": 2, "datasets": 3, "results": 3, "samplers": 3, "risk": 3,
    "portfolio": 4, "qae": 4, "bench": 5, "report": 6, "pipeline": 7, "cli": 8,
    "__main__": 9, "__init__": 9,
}


def _part(path: Path) -> str:
    rel = path.relative_to(ROOT)
    return rel.parts[0] if len(rel.parts) > 1 else rel.stem


def _imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        found |= {name.split(".")[1] for name in names
                  if name.startswith("qfin.") and len(name.split(".")) > 1}
    return found


def test_every_part_of_qfin_has_a_layer():
    parts = {_part(p) for p in ROOT.rglob("*.py")}
    assert parts <= set(LAYERS), sorted(parts - set(LAYERS))


def test_imports_go_only_to_lower_layers():
    wrong = []
    for path in sorted(ROOT.rglob("*.py")):
        source = _part(path)
        for target in _imports(path) - {source}:
            if LAYERS.get(target, -1) >= LAYERS[source]:
                wrong.append(f"{path.relative_to(ROOT.parent)} imports qfin.{target}")
    assert not wrong, "\n".join(wrong)


def test_report_and_pipeline_have_no_cycle():
    report = set().union(*(_imports(p) for p in (ROOT / "report").rglob("*.py")))
    assert "pipeline" not in report and "cli" not in report
    samplers = set().union(*(_imports(p) for p in (ROOT / "samplers").rglob("*.py")))
    assert "portfolio" not in samplers and "bench" not in samplers
