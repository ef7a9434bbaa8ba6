"""Benchmark datasets shipped with qfin (provenance, citations and licences: data/README.md).

One import line and one ``__all__`` line per dataset module.

>>> from qfin.datasets import load_orlib
>>> port1 = load_orlib(1)
>>> port1.n_assets, port1.labels[:2]
(31, ['S1', 'S2'])
"""

from qfin.datasets import _qoblib
from qfin.datasets._orlib import ORLIB_INSTANCES, OrlibInstance, load_orlib, read_orlib, read_uef
from qfin.datasets._qoblib import *  # noqa: F403  (QOBLIB 06-portfolio)
from qfin.datasets._weekly import WEEKLY_UNIVERSES, WeeklyUniverse, load_weekly, read_weekly

__all__ = ["ORLIB_INSTANCES", "OrlibInstance", "load_orlib", "read_orlib", "read_uef"]
__all__ += ["WEEKLY_UNIVERSES", "WeeklyUniverse", "load_weekly", "read_weekly"]
__all__ += list(_qoblib.__all__)
