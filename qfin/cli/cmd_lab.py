"""``qfin lab``: JupyterLab on the notebooks, with a kernel that has qfin."""

from __future__ import annotations

import argparse
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

from qfin._kernel import KERNEL_NAME, install_kernel
from qfin.cli._registry import COMMANDS
from qfin.errors import QfinError


def default_notebook_dir() -> Path:
    """``notebooks/`` of the source checkout (or of the current folder)."""
    checkout = Path(__file__).resolve().parents[2] / "notebooks"
    return checkout if checkout.is_dir() else Path.cwd() / "notebooks"


def lab_command(notebook_dir: Path, *, no_browser: bool = False, port: int | None = None,
                ip: str = "127.0.0.1") -> list[str]:
    """The JupyterLab command line ``qfin lab`` runs (this interpreter, so qfin imports)."""
    command = [sys.executable, "-m", "jupyterlab", f"--notebook-dir={notebook_dir}",
               f"--ServerApp.ip={ip}", f"--MappingKernelManager.default_kernel_name={KERNEL_NAME}"]
    if no_browser:
        command.append("--no-browser")
    if port is not None:
        command.append(f"--ServerApp.port={port}")
    return command


def register(sub: Any) -> None:
    p = sub.add_parser(
        "lab", help=COMMANDS["lab"],
        description="Register this Python as the Jupyter kernel 'qfin' and start JupyterLab "
                    "on the notebooks folder (loopback only).")
    p.add_argument("--notebook-dir", default=None, metavar="DIR",
                   help="folder to open (default: the checkout's notebooks/)")
    p.add_argument("--no-browser", action="store_true", help="do not open a web browser")
    p.add_argument("--port", type=int, default=None, help="port (default: JupyterLab's 8888+)")
    p.add_argument("--ip", default="127.0.0.1", help="interface to listen on (default loopback)")
    p.add_argument("--dry-run", action="store_true",
                   help="print the command instead of running it")
    p.set_defaults(func=_lab)


def _lab(args: argparse.Namespace) -> int:
    notebook_dir = Path(args.notebook_dir) if args.notebook_dir else default_notebook_dir()
    if not notebook_dir.is_dir():
        raise QfinError(f"--notebook-dir {str(notebook_dir)!r} is not a folder")
    if args.port is not None and not 0 < args.port < 65536:
        raise QfinError(f"--port must be between 1 and 65535; got {args.port}")
    command = lab_command(notebook_dir.resolve(), no_browser=args.no_browser, port=args.port,
                          ip=args.ip)
    if args.dry_run:
        print(shlex.join(command))
        return 0
    install_kernel()
    return subprocess.call(command)
