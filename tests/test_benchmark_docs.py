"""Issue 11.14: the docs quote benchmark figures only from ONE generated source."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from qfin.bench.docs import _BLOCK, DOC_FILES, SNIPPETS, render_docs
from qfin.errors import DataError

ROOT = Path(__file__).resolve().parents[1]
#: What a quoted benchmark figure looks like: a ratio ("55×", "1.4x"), a success
#: probability ("p = 0.023") or a fitted slope ("slope −0.9").
FIGURE = re.compile(r"(?<![\w.])\d+(?:\.\d+)?\s?[×x](?![\w])|\bp = 0\.\d|slope [−-]?\d")
_FENCE = re.compile(r"```.*?```", re.S)


def test_generated_blocks_match_the_tables_in_docs_benchmarks():
    stale = render_docs(ROOT, check=True)
    assert stale == [], (f"{stale}: run `python scripts/render_benchmark_docs.py` after "
                         "updating docs/benchmarks")


def test_the_docs_that_quote_benchmarks_have_generated_blocks():
    names = {rel: {m.group("name") for m in _BLOCK.finditer((ROOT / rel).read_text())}
             for rel in DOC_FILES if (ROOT / rel).exists()}
    assert set().union(*names.values()) <= set(SNIPPETS)
    assert {"samplers-table", "samplers-verdict"} <= names["docs/samplers.md"]
    assert {"qae-scorecard", "qae-equal-cost", "qae-coverage"} <= names["docs/qae.md"]
    # the fault-tolerant resource estimates (issue 14): qfin var --resources, bench qae
    # --resources-only
    assert {"qae-resources-sample", "qae-break-even", "qae-break-even-models",
            "qae-qmc-slopes", "qae-encoding-error", "qae-published-comparison",
            "qae-sub-microsecond"} <= names["docs/qae.md"]
    assert "qae-break-even-summary" in names["README.md"]
    assert "portfolio-table" in names["docs/portfolio.md"]


@pytest.mark.parametrize("rel", ["docs/samplers.md", "docs/qae.md", "docs/portfolio.md",
                                 "README.md"])
def test_no_benchmark_figure_is_typed_by_hand(rel):
    text = _FENCE.sub("", _BLOCK.sub("", (ROOT / rel).read_text(encoding="utf-8")))
    assert FIGURE.findall(text) == [], f"{rel} quotes figures outside a generated block"


def test_a_stale_block_is_detected_and_rewritten(tmp_path):
    (tmp_path / "docs" / "benchmarks").mkdir(parents=True)
    for name in ("samplers.csv", "qae.csv", "portfolio.csv"):
        shutil.copy(ROOT / "docs" / "benchmarks" / name, tmp_path / "docs" / "benchmarks")
    doc = tmp_path / "docs" / "samplers.md"
    doc.write_text("x\n<!-- bench:samplers-verdict -->\n> 55x faster\n"
                   "<!-- /bench:samplers-verdict -->\n")
    assert render_docs(tmp_path, check=True) == ["docs/samplers.md"]
    assert "55x" in doc.read_text()  # check mode writes nothing
    assert render_docs(tmp_path) == ["docs/samplers.md"]
    assert "55x" not in doc.read_text() and "VERDICT" in doc.read_text()
    assert render_docs(tmp_path, check=True) == []
    doc.write_text("<!-- bench:nonsense -->\n<!-- /bench:nonsense -->\n")
    with pytest.raises(DataError, match="unknown generated block"):
        render_docs(tmp_path)
