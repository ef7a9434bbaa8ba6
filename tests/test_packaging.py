"""pyproject.toml and environment.yml list the same dependencies."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
# conda-forge spells a few packages differently, or splits pip extras into packages.
CONDA_NAMES = {"psycopg[binary]": {"psycopg"}, "dask[distributed]": {"dask", "distributed"},
               "mlx[cpu]": {"mlx"}}


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~;\s]", requirement.strip(), maxsplit=1)[0].lower().replace("_", "-")


def _pip_names() -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    reqs = list(project["dependencies"])
    for extra in ("dev", "mlx"):
        reqs += project["optional-dependencies"][extra]
    names: set[str] = set()
    for req in reqs:
        name = _name(req)
        names |= CONDA_NAMES.get(name, {re.sub(r"\[.*\]", "", name)})
    return names


def _conda_names() -> set[str]:
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    names: set[str] = set()
    for dep in env["dependencies"]:
        if isinstance(dep, dict):
            for d in dep.get("pip", []):
                names |= CONDA_NAMES.get(_name(d), {_name(d)})
        else:
            names.add(_name(dep))
    return names - {"python", "pip"}


def test_environment_yml_matches_pyproject():
    pip, conda = _pip_names(), _conda_names()
    assert pip - conda == set(), f"in pyproject.toml but not environment.yml: {pip - conda}"
    assert conda - pip == set(), f"in environment.yml but not pyproject.toml: {conda - pip}"


def test_python_and_extras():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["requires-python"] == ">=3.11"
    assert {"mlx", "dev"} <= set(project["optional-dependencies"])
    assert project["scripts"]["qfin"] == "qfin.cli:main"


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text()
    ci = (ROOT / ".ci" / "run").read_text()
    assert "bash scripts/test.sh" in readme
    assert "\nbash scripts/test.sh" in ci


def _mlx_requirements(kind: str) -> list[str]:
    if kind == "pyproject":
        return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"][
            "optional-dependencies"]["mlx"]
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    return [d for dep in env["dependencies"] if isinstance(dep, dict)
            for d in dep.get("pip", []) if _name(d).startswith("mlx")]


@pytest.mark.parametrize("kind", ["pyproject", "environment.yml"])
def test_mlx_is_installed_only_where_wheels_exist(kind):
    """Issue 10.10: Intel macOS (no MLX wheels) and Windows get nothing from the mlx extra."""
    from packaging.requirements import Requirement

    def wanted(sys_platform: str, machine: str) -> set[str]:
        env = {"sys_platform": sys_platform, "platform_machine": machine,
               "platform_system": {"darwin": "Darwin", "linux": "Linux",
                                   "win32": "Windows"}[sys_platform]}
        out = set()
        for line in _mlx_requirements(kind):
            req = Requirement(line)
            if req.marker is None or req.marker.evaluate(env):
                out.add(req.name + "".join(f"[{e}]" for e in sorted(req.extras)))
        return out

    assert wanted("darwin", "arm64") == {"mlx"}
    assert wanted("darwin", "x86_64") == set()
    assert wanted("linux", "x86_64") == {"mlx[cpu]"}
    assert wanted("linux", "aarch64") == {"mlx[cpu]"}
    assert wanted("linux", "ppc64le") == set()
    assert wanted("win32", "AMD64") == set()
