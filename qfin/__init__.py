"""qfin: do quantum-inspired algorithms beat strong classical baselines? Measured, honestly.

Subpackages
-----------
data       market database (SQLite default, any SQLAlchemy URL), ingest, returns, estimators
backends   numpy | mlx array backends, device selection, seeding
portfolio  portfolio selection as a QUBO, classical solvers, exact ground truth
samplers   qfin's own quantum-inspired QUBO samplers (dimod ``Sampler`` s)
risk       classical VaR/CVaR and backtests
qae        amplitude-estimation VaR/CVaR, simulated classically
bench      accuracy and latency measurement
report     plotly figures and HTML reports
pipeline   papermill batch runner (pipeline → results → report)
results    what a run records (rows, key figures) for the runner and the reports
"""

from qfin.errors import (
    BackendUnavailableError,
    DataError,
    NotebookRunError,
    PipelineError,
    ProblemError,
    QfinError,
    SolverError,
)

__version__ = "0.1.0"

__all__ = [
    "__version__",
    "QfinError",
    "DataError",
    "ProblemError",
    "SolverError",
    "BackendUnavailableError",
    "NotebookRunError",
    "PipelineError",
]
