"""Re-render the benchmark figures quoted in the docs from docs/benchmarks/*.csv.

``python scripts/render_benchmark_docs.py`` rewrites the generated blocks;
``--check`` only exits 1 if any block is stale.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from qfin.bench.docs import render_docs


def main() -> int:
    """Render (or check) the generated blocks; the exit status says whether any was stale."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="report stale blocks only")
    args = parser.parse_args()
    changed = render_docs(Path(__file__).resolve().parents[1], check=args.check)
    for rel in changed:
        print(("stale: " if args.check else "rewrote: ") + rel)
    return 1 if (args.check and changed) else 0


if __name__ == "__main__":
    sys.exit(main())
