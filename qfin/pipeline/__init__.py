"""Papermill pipelines: notebooks over parameter grids, in parallel on Dask.

A pipeline (YAML) names notebooks and parameter grids; :func:`run_pipeline` validates it,
executes every grid point with papermill on a ``dask.distributed`` cluster, keeps going
past failures, can resume, and collects each run's result rows with provenance into the
database and one table. Inside a notebook, :func:`record_results` and
:func:`record_figure` hand results to the runner, and :func:`check_parameters` checks the
values against the notebook's ``parameter-constraints`` cell.

>>> from qfin.pipeline import run_slug
>>> run_slug({"k": 5, "method": "neal"})
'k=5,method=neal'
"""

from qfin.pipeline._constraints import CONSTRAINTS_TAG, check_parameters
from qfin.pipeline._execute import EXECUTED_NOTEBOOK, cell_timings, execute_notebook, execute_run
from qfin.pipeline._notebook import (
    NotebookParameter,
    check_value_type,
    notebook_hash,
    notebook_parameters,
)
from qfin.pipeline._runner import (
    RUN_FILE,
    PipelineOutcome,
    RunOutcome,
    code_version,
    default_out_dir,
    run_pipeline,
)
from qfin.pipeline._spec import (
    DEFAULT_MAX_RUNS,
    Pipeline,
    RunSpec,
    Step,
    check_name,
    load_pipeline,
    run_slug,
)
from qfin.results._context import (
    FIGURES_DIR,
    MARKER_FILE,
    RESULTS_FILE,
    open_run_store,
    record_figure,
    record_results,
    run_context,
)

__all__ = [
    "Pipeline",
    "Step",
    "RunSpec",
    "load_pipeline",
    "run_slug",
    "check_name",
    "DEFAULT_MAX_RUNS",
    "check_parameters",
    "CONSTRAINTS_TAG",
    "run_pipeline",
    "PipelineOutcome",
    "RunOutcome",
    "code_version",
    "default_out_dir",
    "NotebookParameter",
    "notebook_parameters",
    "notebook_hash",
    "check_value_type",
    "execute_notebook",
    "execute_run",
    "cell_timings",
    "record_results",
    "record_figure",
    "run_context",
    "open_run_store",
    "MARKER_FILE",
    "RESULTS_FILE",
    "FIGURES_DIR",
    "RUN_FILE",
    "EXECUTED_NOTEBOOK",
]
