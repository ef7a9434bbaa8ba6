"""Results of a run: what a notebook hands to the pipeline runner and the reports read.

The layer between the pipeline runner and the reports (pipeline → results → report): a
notebook executed by the runner finds its run folder's marker file ``qfin-run.json`` and
writes its result rows and key figures next to it; the runner collects them into the
database and one table; :mod:`qfin.report` reads them. Run interactively (no marker), these
helpers only return what they were given, so a notebook behaves the same in JupyterLab.

>>> from qfin.results import run_context
>>> run_context() is None
True
"""

from qfin.results._context import (
    FIGURES_DIR,
    MARKER_FILE,
    RESULTS_FILE,
    open_run_store,
    record_figure,
    record_results,
    run_context,
)

__all__ = ["record_results", "record_figure", "run_context", "open_run_store", "MARKER_FILE",
           "RESULTS_FILE", "FIGURES_DIR"]
