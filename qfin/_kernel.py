"""The Jupyter kernel ``qfin``: this interpreter, shared by ``qfin lab`` and the pipeline runner.

The shipped notebooks name the kernel ``qfin`` in their metadata. ``qfin lab`` registers it
before JupyterLab starts; the pipeline runner registers it (in ``sys.prefix``) when a
worker finds it missing, so JupyterLab and papermill run the notebooks with the same Python.
Light on purpose: CLI modules import it at start-up.
"""

from __future__ import annotations

import sys
from pathlib import Path

__all__ = ["KERNEL_NAME", "install_kernel", "ensure_kernel"]

KERNEL_NAME = "qfin"


def install_kernel(prefix: str | None = None) -> str:
    """Register this interpreter as the Jupyter kernel ``qfin`` (idempotent); return its dir.

    Parameters
    ----------
    prefix : str, optional
        Installation prefix (default ``sys.prefix``: the kernel belongs to this environment).
    """
    from ipykernel.kernelspec import install

    from qfin import __version__

    return install(kernel_name=KERNEL_NAME, display_name=f"Python (qfin {__version__})",
                   prefix=prefix or sys.prefix)


def ensure_kernel(name: str | None) -> None:
    """Make sure kernel ``name`` can start: registers ``qfin`` where it is missing or stale.

    Other kernel names are left to Jupyter (papermill names a missing one).

    Raises
    ------
    qfin.errors.PipelineError
        If ``qfin`` cannot be registered, or another environment's ``qfin`` kernel that
        starts an interpreter which no longer exists shadows this one.
    """
    if name != KERNEL_NAME:
        return
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    from qfin.errors import PipelineError

    def find() -> tuple[str, str] | None:
        try:
            spec = KernelSpecManager().get_kernel_spec(KERNEL_NAME)
        except NoSuchKernel:
            return None
        return (spec.argv[0] if spec.argv else ""), spec.resource_dir

    def usable(found: tuple[str, str] | None) -> bool:
        return found is not None and (not Path(found[0]).is_absolute()
                                      or Path(found[0]).exists())

    found = find()
    if usable(found):
        return
    try:
        install_kernel()
    except OSError:
        pass  # another worker registered it at the same moment: checked just below
    found = find()
    if found is None:
        raise PipelineError(f"cannot register the Jupyter kernel {KERNEL_NAME!r} in "
                            f"{sys.prefix}; check that this folder is writable")
    if not usable(found):
        raise PipelineError(f"the Jupyter kernel {KERNEL_NAME!r} in {found[1]} starts "
                            f"{found[0]}, which does not exist; delete that folder (qfin "
                            "registers this Python as 'qfin' on the next run)")
