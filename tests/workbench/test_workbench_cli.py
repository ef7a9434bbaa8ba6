"""``qfin pipeline``, ``qfin report`` and ``qfin lab`` from the command line."""

from __future__ import annotations

import json
import shlex
import sys

import pytest

from qfin.cli import main


def test_help_of_every_subcommand(capsys):
    for argv in (["pipeline", "run", "--help"], ["pipeline", "check", "--help"],
                 ["report", "--help"], ["lab", "--help"]):
        with pytest.raises(SystemExit) as info:
            main(argv)
        assert info.value.code == 0
    out = capsys.readouterr().out
    assert "--scheduler" in out and "--resume" in out and "--no-browser" in out


def test_pipeline_check_lists_runs(capsys):
    assert main(["pipeline", "check", "pipelines/demo.yaml", "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    keys = [r["key"] for r in payload["runs"]]
    assert payload["pipeline"] == "demo" and "portfolio/k=3,sampler=neal" in keys
    assert keys[-1] == "summary/default"
    assert main(["pipeline", "check", "pipelines/benchmark.yaml"]) == 0


def test_bad_pipeline_is_a_one_line_error(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("steps:\n  - notebook: 01_data_explorer\n    grid: {}\n")
    assert main(["pipeline", "run", str(bad)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("qfin: error: ") and err.count("\n") == 1
    assert main(["pipeline", "run", str(tmp_path / "missing.yaml")]) == 2
    assert "does not exist" in capsys.readouterr().err
    assert main(["pipeline", "run", "pipelines/demo.yaml", "--workers", "0"]) == 2
    assert "--workers must be a positive integer" in capsys.readouterr().err


def test_resume_without_an_earlier_run_is_an_error(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    import pathlib

    demo = pathlib.Path(__file__).resolve().parents[2] / "pipelines" / "demo.yaml"
    assert main(["--db", str(tmp_path / "d.sqlite"), "pipeline", "run", str(demo),
                 "--resume"]) == 2
    assert "no earlier run of pipeline 'demo'" in capsys.readouterr().err


def test_report_of_a_folder_without_runs(tmp_path, capsys):
    assert main(["report", str(tmp_path)]) == 2
    assert "holds no pipeline runs" in capsys.readouterr().err
    assert main(["report", str(tmp_path / "nope")]) == 2
    assert "is not a folder" in capsys.readouterr().err


def test_report_rebuilds_a_run_folder(pipeline_runs, capsys):
    assert main(["report", str(pipeline_runs["out"]), "--pdf", "none", "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert len(payload["reports"]) == 3 and payload["pdf"] is None
    assert payload["index"].endswith("index.html")


def test_lab_command(capsys, tmp_path):
    assert main(["lab", "--dry-run", "--no-browser", "--port", "8899",
                 "--notebook-dir", str(tmp_path)]) == 0
    command = shlex.split(capsys.readouterr().out.strip())
    assert command[:3] == [sys.executable, "-m", "jupyterlab"]
    assert f"--notebook-dir={tmp_path.resolve()}" in command
    assert "--no-browser" in command and "--ServerApp.port=8899" in command
    assert "--ServerApp.ip=127.0.0.1" in command
    assert "--MappingKernelManager.default_kernel_name=qfin" in command
    assert main(["lab", "--dry-run"]) == 0
    assert "notebooks" in capsys.readouterr().out
    assert main(["lab", "--dry-run", "--notebook-dir", str(tmp_path / "x")]) == 2
    assert "is not a folder" in capsys.readouterr().err
    assert main(["lab", "--dry-run", "--port", "70000"]) == 2


def test_lab_registers_a_kernel_with_qfin(tmp_path):
    from qfin.cli.cmd_lab import install_kernel

    where = install_kernel(prefix=str(tmp_path))
    spec = json.loads((tmp_path / "share" / "jupyter" / "kernels" / "qfin" /
                       "kernel.json").read_text())
    assert spec["argv"][0] == sys.executable and "qfin" in spec["display_name"]
    assert where.endswith("qfin")


def test_runner_and_lab_use_the_same_kernel(tmp_path, monkeypatch):
    """The notebooks name `qfin`; `qfin lab` and the runner register this interpreter as it."""
    import nbformat
    from jupyter_client.kernelspec import KernelSpecManager

    from qfin._kernel import KERNEL_NAME, ensure_kernel
    from qfin.cli import cmd_lab
    from qfin.errors import PipelineError
    from tests.workbench.conftest import NOTEBOOKS

    assert cmd_lab.KERNEL_NAME == KERNEL_NAME == "qfin"
    for path in NOTEBOOKS.glob("*.ipynb"):
        assert nbformat.read(path, as_version=4).metadata["kernelspec"]["name"] == KERNEL_NAME
    ensure_kernel(KERNEL_NAME)
    spec = KernelSpecManager().get_kernel_spec(KERNEL_NAME)
    assert spec.argv[0] == sys.executable
    ensure_kernel("some-other-kernel")  # left to Jupyter
    stale = tmp_path / "kernels" / KERNEL_NAME  # shadows this one: its Python is gone
    stale.mkdir(parents=True)
    (stale / "kernel.json").write_text(json.dumps({
        "argv": ["/nonexistent/bin/python", "-m", "ipykernel_launcher", "-f",
                 "{connection_file}"], "display_name": "old", "language": "python"}))
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path))
    with pytest.raises(PipelineError, match=r"starts /nonexistent/bin/python, which does not "
                                            r"exist; delete that folder"):
        ensure_kernel(KERNEL_NAME)
