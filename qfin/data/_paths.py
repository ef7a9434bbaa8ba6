"""Where qfin finds its shipped data and its default database."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

from qfin.errors import DataError

__all__ = ["shipped_data_dir", "default_database_url", "resolve_database_url"]

_SAMPLE_FILE = "sp500_20x366_close.csv"


def shipped_data_dir() -> Path:
    """Return the folder holding the shipped CSVs.

    ``QFIN_DATA_DIR`` overrides; otherwise the repository's ``data/`` (source checkout or
    editable install) or the copy packed into the wheel (``qfin/_shipped_data``).
    """
    override = os.environ.get("QFIN_DATA_DIR")
    candidates = [Path(override)] if override else []
    package_dir = Path(__file__).resolve().parents[1]
    candidates += [package_dir.parent / "data", package_dir / "_shipped_data"]
    for folder in candidates:
        if (folder / _SAMPLE_FILE).is_file():
            return folder
    raise DataError(
        f"cannot find the shipped sample {_SAMPLE_FILE!r} in any of "
        f"{', '.join(str(c) for c in candidates)}; set QFIN_DATA_DIR to the folder holding it"
    )


def default_database_url() -> str:
    """The embedded default: a SQLite file in the user's data directory.

    ``QFIN_HOME`` moves the folder (handy for tests and shared machines).
    """
    home = os.environ.get("QFIN_HOME")
    folder = Path(home) if home else Path(platformdirs.user_data_dir("qfin", appauthor=False))
    _make_folder(folder, "QFIN_HOME" if home else "the default data folder")
    return f"sqlite:///{folder / 'qfin.sqlite'}"


def _make_folder(folder: Path, what: str) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DataError(f"cannot create the database folder {str(folder)!r} ({what}): "
                        f"{exc.strerror or exc}; choose a writable place (--db PATH, "
                        "QFIN_DB_URL or QFIN_HOME)") from None


def resolve_database_url(url: str | os.PathLike[str] | None = None) -> str:
    """Turn ``--db``/``QFIN_DB_URL``/default into an SQLAlchemy URL.

    Parameters
    ----------
    url : str or path, optional
        An SQLAlchemy URL (``postgresql+psycopg://...``, ``sqlite:///...``) or a plain file
        path, which means a SQLite file. ``None`` reads ``QFIN_DB_URL``, then the default.
    """
    if url is None:
        url = os.environ.get("QFIN_DB_URL") or None
    if url is None:
        return default_database_url()
    text = os.fspath(url)
    if "://" in text:
        if text.startswith("postgresql://"):
            # psycopg 3 is the driver qfin ships with.
            text = "postgresql+psycopg://" + text[len("postgresql://"):]
        return text
    path = Path(text).expanduser()
    _make_folder(path.parent, "--db")
    return f"sqlite:///{path.resolve()}"
