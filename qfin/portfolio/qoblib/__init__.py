"""QOBLIB 06-portfolio: the model exactly as its ZIMPL files write it, scorers, solvers.

The multi-period binary portfolio of QOBLIB (Koch et al., arXiv:2504.03832, 2025) as a dimod
CQM (2T equalities with slack bits) and as a penalised BQM, with QOBLIB's variable names, an
independent scorer in two modes ("exact": the ``.zpl`` as written; "published": the
truncated coefficients Gurobi solved, the mode of QOBLIB's best-known values), ``.sol``
reading and writing, and the integer count model qfin's structured sampler works on.

>>> from qfin.datasets import load_qoblib_portfolio
>>> from qfin.portfolio.qoblib import QoblibModel
>>> model = QoblibModel(load_qoblib_portfolio("a010_t10_orig"), q=0.0)
>>> model.n_variables
690
"""

from qfin.portfolio.qoblib._dimod import calibrate_penalty, to_bqm, to_cqm
from qfin.portfolio.qoblib._model import (
    SCORING_MODES,
    QoblibModel,
    QoblibParameters,
    QoblibScore,
    lp_cut,
)
from qfin.portfolio.qoblib._sol import read_sol, write_sol

__all__ = ["QoblibModel", "QoblibParameters", "QoblibScore", "SCORING_MODES", "lp_cut",
           "to_cqm", "to_bqm", "calibrate_penalty", "read_sol", "write_sol"]
