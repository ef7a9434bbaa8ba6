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
