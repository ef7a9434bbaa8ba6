from __future__ import annotations

import argparse
import json
import subprocess
import sys

import pytest

from qfin import __version__
from qfin.cli import build_parser, main


def _all_command_paths() -> list[list[str]]:
    paths: list[list[str]] = [[]]

    def walk(parser: argparse.ArgumentParser, prefix: list[str]) -> None:
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, child in action.choices.items():
                    paths.append(prefix + [name])
                    walk(child, prefix + [name])

    walk(build_parser(), [])
    return paths


@pytest.mark.parametrize("path", _all_command_paths(), ids=lambda p: " ".join(p) or "qfin")
def test_every_subcommand_has_help(path, capsys):
    with pytest.raises(SystemExit) as info:
        main([*path, "--help"])
    assert info.value.code == 0
    assert "usage: qfin" in capsys.readouterr().out


def test_version(capsys):
    with pytest.raises(SystemExit):
        main(["--version"])
    assert __version__ in capsys.readouterr().out


def test_data_info_reports_the_sample(tmp_path, capsys):
    assert main(["--db", str(tmp_path / "i.sqlite"), "data", "info"]) == 0
    out = capsys.readouterr().out
    assert "price records: 7,320" in out
    assert "tickers:       20" in out
    assert "366 (2021-07-19 to 2022-12-28)" in out
    assert main(["--db", str(tmp_path / "i.sqlite"), "data", "info", "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert (payload["records"], payload["tickers"], payload["dates"]) == (7320, 20, 366)
    assert len(payload["per_asset"]) == 20


def test_user_mistakes_are_one_line_errors(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "qfin", "--db", str(tmp_path / "e.sqlite"), "data", "info",
         "--dataset", "nope"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert proc.stderr.startswith("qfin: error: unknown dataset 'nope'")
    assert "Traceback" not in proc.stderr


def test_bare_group_prints_help_and_fails(capsys):
    assert main(["data"]) == 2
    assert "init" in capsys.readouterr().out


def test_registry_lists_every_command_module():
    import pkgutil
    from pathlib import Path

    import qfin.cli
    from qfin.cli._registry import COMMANDS

    modules = sorted(m.name[4:] for m in pkgutil.iter_modules([str(Path(qfin.cli.__file__).parent)])
                     if m.name.startswith("cmd_"))
    assert modules == sorted(COMMANDS)


def test_version_and_help_import_no_science():
    import subprocess
    import sys

    code = ("import sys; from qfin.cli import main\n"
            "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
            "heavy = [m for m in ('numpy', 'pandas', 'scipy', 'dimod', 'cvxpy', 'sqlalchemy') "
            "if m in sys.modules]\nprint('HEAVY', heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "HEAVY []" in out.stdout


def test_subcommand_after_global_option_is_built_in_full(capsys, tmp_path):
    assert main(["--db", str(tmp_path / "x.sqlite"), "data", "init"]) == 0


# ---------------------------------------------------------------- issue 10: first-time paths
def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _as_uid_prefix(want_root: bool) -> list[str] | None:
    """A command prefix that runs as root / as a normal user, or None when none works.

    Runs the command directly when this process already is what is wanted; otherwise in a
    user namespace (``unshare --user``): uid 0 there (``--map-root-user``) is what Jupyter
    sees as root, uid 1000 an ordinary account (file access stays that of this user, so the
    checkout and its interpreter remain readable).
    """
    import os
    import shutil

    is_root = os.geteuid() == 0
    if is_root == want_root:
        return []
    unshare = shutil.which("unshare")
    if unshare is None:
        return None
    prefix = [unshare, "--user", "--map-root-user"] if want_root else \
        [unshare, "--user", "--map-user=1000", "--map-group=1000"]
    probe = subprocess.run([*prefix, sys.executable, "-c", "import os; print(os.geteuid())"],
                           capture_output=True, text=True)
    if probe.returncode != 0 or probe.stdout.strip() != ("0" if want_root else "1000"):
        return None
    return prefix


@pytest.mark.slow
@pytest.mark.parametrize("as_root", [True, False], ids=["root", "normal-user"])
def test_lab_starts_and_lists_the_qfin_kernel(as_root, tmp_path):
    """``qfin lab --no-browser`` starts (as root too), and its server lists the qfin kernel."""
    import os
    import signal
    import time
    import urllib.request

    prefix = _as_uid_prefix(as_root)
    if prefix is None:
        pytest.skip("cannot run as " + ("root" if as_root else "a normal user") +
                    " here (no unshare, or user namespaces disabled)")
    port, token = _free_port(), "qfin-test-token"
    home = tmp_path / "home"
    home.mkdir()
    env = {**os.environ, "HOME": str(home), "JUPYTER_TOKEN": token,
           "JUPYTER_RUNTIME_DIR": str(home / "runtime")}
    log = tmp_path / "lab.log"
    with open(log, "w") as out:
        proc = subprocess.Popen([*prefix, sys.executable, "-m", "qfin", "lab", "--no-browser",
                                 "--port", str(port), "--notebook-dir", str(tmp_path)],
                                env=env, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)
    try:
        specs = None
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline and proc.poll() is None:
            request = urllib.request.Request(f"http://127.0.0.1:{port}/api/kernelspecs",
                                             headers={"Authorization": f"token {token}"})
            try:
                with urllib.request.urlopen(request, timeout=5) as response:
                    specs = json.loads(response.read())
                break
            except OSError:
                time.sleep(0.5)
        text = log.read_text()
        assert specs is not None, f"JupyterLab did not answer (exit {proc.poll()}):\n{text}"
        assert "qfin" in specs["kernelspecs"], specs["kernelspecs"].keys()
        assert "qfin" in specs["kernelspecs"]["qfin"]["spec"]["display_name"]
        assert ("running as root" in text) == as_root
        assert "Running as root is not recommended" not in text or as_root
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
    assert proc.returncode is not None


def test_lab_passes_allow_root(capsys, tmp_path, monkeypatch):
    from qfin.cli import cmd_lab

    monkeypatch.setattr(cmd_lab, "running_as_root", lambda: True)
    assert main(["lab", "--dry-run", "--notebook-dir", str(tmp_path)]) == 0
    out = capsys.readouterr()
    assert "--allow-root" in out.out and "running as root" in out.err
    monkeypatch.setattr(cmd_lab, "running_as_root", lambda: False)
    assert main(["lab", "--dry-run", "--notebook-dir", str(tmp_path)]) == 0
    assert "--allow-root" not in capsys.readouterr().out
    assert main(["lab", "--dry-run", "--allow-root", "--notebook-dir", str(tmp_path)]) == 0
    assert "--allow-root" in capsys.readouterr().out


def test_mistyped_choices_and_names_get_suggestions(tmp_path, capsys):
    with pytest.raises(SystemExit):
        main(["optimize", "--method", "bifurcaton"])
    assert "did you mean 'bifurcation'" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["var", "--method", "histrical"])
    assert "did you mean 'historical'" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["optmize"])
    assert "did you mean 'optimize'" in capsys.readouterr().err
    db = str(tmp_path / "s.sqlite")
    assert main(["--db", db, "var", "--tickers", "APPL", "MSFT"]) == 2
    assert "did you mean 'AAPL'" in capsys.readouterr().err
    assert main(["--db", db, "var", "--sectors", "Energi"]) == 2
    assert "did you mean 'Energy'" in capsys.readouterr().err
    assert main(["--db", db, "var", "--dataset", "ful"]) == 2
    assert "did you mean 'full'" in capsys.readouterr().err
    assert main(["--db", db, "var", "--weights", "APPL=0.5", "MSFT=0.5",
                 "--tickers", "AAPL", "MSFT"]) == 2
    assert "did you mean 'AAPL'" in capsys.readouterr().err


def test_backtest_help_states_its_real_default_dataset(capsys):
    with pytest.raises(SystemExit):
        main(["backtest", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "default: full = 1990-2022" in text
    from qfin.cli import build_parser

    args = build_parser("backtest").parse_args(["backtest"])
    assert args.dataset == "full"


def test_optimize_lists_and_runs_every_library_method(tmp_path, capsys):
    from qfin.portfolio import METHODS, SOLVERS

    assert {"annealing", "bifurcation", "bifurcation-discrete", "annealing-cqm", "neal",
            "exact", "miqp", "convex", "heuristic"} <= set(METHODS)
    assert main(["optimize", "--list-methods", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["method"] for r in rows] == list(SOLVERS)
    db = str(tmp_path / "o.sqlite")
    for method in ("annealing", "bifurcation", "bifurcation-discrete", "annealing-cqm"):
        assert main(["--db", db, "optimize", "--k", "3", "--tickers", "AAPL", "MSFT", "XOM",
                     "JPM", "KO", "PG", "--method", method, "--reads", "16", "--seed", "1",
                     "--json"]) == 0
        out = json.loads(capsys.readouterr().out)
        assert out["method"] == method and out["feasible"] and out["gap"] == 0.0
    assert main(["--db", db, "optimize", "--k", "3", "--method", "exact", "--reads",
                 "5"]) == 2
    assert "apply to the sampler methods" in capsys.readouterr().err


def _help_commands() -> list[list[str]]:
    """Every subcommand, and every ``qfin bench <suite>`` (the ``qfin/cli/bench_*.py``)."""
    import pkgutil

    import qfin.cli
    from qfin.cli._registry import COMMANDS

    suites = sorted(m.name.removeprefix("bench_") for m in pkgutil.iter_modules(qfin.cli.__path__)
                    if m.name.startswith("bench_"))
    return [[name] for name in sorted(COMMANDS)] + [["bench", suite] for suite in suites]


def test_subcommand_help_imports_no_science():
    """``qfin <cmd> --help`` of every command (and bench suite) loads no numpy/pandas/solvers.

    One interpreter builds the parsers in turn and reads ``sys.modules`` after each, so the
    first command whose ``--help`` imports science is the one named.
    """
    commands = _help_commands()
    assert ["var"] in commands and ["bench", "qoblib"] in commands
    code = ("import contextlib, io, json, sys\n"
            "from qfin.cli import main\n"
            "heavy = {}\n"
            f"for argv in {commands!r}:\n"
            "    with contextlib.redirect_stdout(io.StringIO()):\n"
            "        try:\n"
            "            main([*argv, '--help'])\n"
            "        except SystemExit:\n"
            "            pass\n"
            "    heavy[' '.join(argv)] = [m for m in ('numpy', 'pandas', 'scipy', 'dimod', "
            "'cvxpy', 'sqlalchemy') if m in sys.modules]\n"
            "print(json.dumps(heavy))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    heavy = json.loads(out.stdout.splitlines()[-1])
    assert list(heavy) == [" ".join(argv) for argv in commands]
    first = next(((cmd, mods) for cmd, mods in heavy.items() if mods), None)
    assert first is None, f"qfin {first[0]} --help imports {first[1]}"


def test_startup_benchmark_times_both_trees(tmp_path):
    from pathlib import Path

    import qfin
    from qfin.bench.startup import startup_times

    here = str(Path(qfin.__file__).resolve().parents[1])
    rows = startup_times(["lab"], runs=1, warmup=0, baseline=here)
    got = {(r["tree"], r["command"]) for r in rows}
    assert ("current", "qfin --version") in got and ("baseline", "qfin lab --help") in got
    assert all(r["failures"] == 0 and r["wall_s_median"] > 0 for r in rows)


def test_var_output_shows_both_dof_and_the_horizon_model(tmp_path, capsys):
    """Issue 11.9 / 11.3 in the command's output: the two dof side by side, and why."""
    db = str(tmp_path / "v.sqlite")
    assert main(["--db", db, "var", "--method", "t", "--json"]) == 0
    info = json.loads(capsys.readouterr().out)["info"]
    assert info["dof_portfolio"] != info["dof_multivariate"]
    assert "multivariate t" in info["dof_note"]
    assert main(["--db", db, "var", "--method", "t", "--horizon", "5"]) == 0
    out = capsys.readouterr().out
    assert "t dof:" in out and "why they differ" in out and "sum of h i.i.d. t days" in out
    assert main(["--db", db, "var", "--horizon", "5", "--confidence", "0.95"]) == 0
    assert "73 independent" in capsys.readouterr().out


def test_backtest_progress_goes_to_stderr_and_quiet_hides_it(tmp_path, capsys):
    db = str(tmp_path / "b.sqlite")
    args = ["--db", db, "backtest", "--dataset", "sample", "--window", "300", "--method",
            "historical", "--json"]
    assert main([*args, "--progress"]) == 0
    captured = capsys.readouterr()
    assert "backtest" in captured.err and "forecast" in captured.err
    json.loads(captured.out)  # the bar never mixes with the output
    assert main([*args, "--quiet"]) == 0
    assert capsys.readouterr().err == ""
