"""Turning database and file-system failures into one-line qfin errors.

A failure deep in a driver (SQLite's "database is locked", a PostgreSQL server that went
away, a full disk, a uniqueness violation) reaches the user as a :class:`~qfin.errors.DataError`
that says what happened, that nothing was written (every ingest is one transaction) and what
to do. Values echoed in messages are cut to a few dozen characters (:func:`short`), so a
hostile file can neither flood the terminal nor have its content printed.
"""

from __future__ import annotations

import errno
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from qfin.errors import DataError, QfinError

__all__ = ["short", "short_list", "header_cell", "translate_db_error", "db_errors",
           "BusyError"]

#: Longest piece of user input (a cell, a ticker, a column name) echoed in a message.
SHORT_LIMIT = 40


class BusyError(DataError):
    """The database stayed locked by another writer longer than the busy timeout."""


def short(value: Any, limit: int = SHORT_LIMIT) -> str:
    """``repr`` of ``value`` cut to ``limit`` characters, saying how long it was.

    >>> short("A" * 1_000_000)
    "'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA…' (1,000,000 characters)"
    """
    text = str.__str__(value) if isinstance(value, str) else str(value)
    if len(text) <= limit:
        return repr(text)
    return f"{text[:limit]!r}"[:-1] + f"…' ({len(text):,} characters)"


_NAME_LIKE = re.compile(r"^[\w .\-/():%&+#^=]{0,24}$")


def header_cell(value: Any) -> str:
    """A header cell as it may be echoed: quoted if it looks like a column name.

    Anything else is shown by its length only (a symlink to a secret file must not have its
    first line printed).

    >>> header_cell("Adj Close"), header_cell("root:$6$salt$hash")
    ("'Adj Close'", '<a 17-character cell>')
    """
    text = str.__str__(value) if isinstance(value, str) else str(value)
    if _NAME_LIKE.match(text):
        return repr(text)
    return f"<a {len(text):,}-character cell>"


def short_list(values: Any, limit: int = 10) -> str:
    """The first ``limit`` values, each :func:`short`-ened, and how many there are."""
    items = list(values)
    shown = ", ".join(short(v, 24).strip("'") for v in items[:limit])
    return shown + (f", ... ({len(items):,} in all)" if len(items) > limit else "")


def _first_line(exc: BaseException, limit: int = 160) -> str:
    text = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    line = text[0] if text else type(exc).__name__
    return line if len(line) <= limit else line[:limit] + "…"


def _sqlstate(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None)
    return str(getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None) or "")


def translate_db_error(exc: BaseException, url: str, action: str,
                       busy_timeout: float | None = None) -> QfinError | None:
    """The qfin error for a driver/OS failure, or ``None`` when it is not one we know.

    Parameters
    ----------
    exc : BaseException
        What SQLAlchemy, the driver or the OS raised.
    url : str
        The database URL with its password masked (for the message).
    action : str
        What was being done (``"ingesting prices.csv"``).
    busy_timeout : float, optional
        Seconds a writer waited for SQLite's lock (for the busy message).
    """
    import sqlalchemy.exc as sa_exc

    text = str(getattr(exc, "orig", None) or exc).lower()
    state = _sqlstate(exc)
    detail = _first_line(exc)
    if isinstance(exc, OSError) and exc.errno == errno.ENOSPC:
        return DataError(f"no space left on the device while {action}: {detail}. "
                         "Free some disk space and retry.")
    if isinstance(exc, OSError):
        where = f" ({short(str(exc.filename), 80)})" if exc.filename else ""
        return DataError(f"failed while {action}: {exc.strerror or exc}{where}")
    if not isinstance(exc, sa_exc.SQLAlchemyError):
        return None
    if ("database is locked" in text or "database table is locked" in text
            or state == "55P03" or "lock timeout" in text):
        waited = f" for {busy_timeout:g} s" if busy_timeout is not None else ""
        return BusyError(
            f"database {url} is busy: another process holds its write lock (a large ingest or "
            f"a pipeline writing results?) and it stayed locked{waited} while {action}. Nothing "
            "was written; retry when that process has finished (QFIN_DB_BUSY_TIMEOUT sets how "
            "many seconds to wait)."
        )
    if ("disk is full" in text or "no space left" in text or "could not extend file" in text
            or state == "53100"):
        return DataError(
            f"database {url} is out of disk space while {action} ({detail}). Nothing was "
            "written (each ingest is one transaction); free space on the database's disk and "
            "retry."
        )
    if "readonly database" in text or "read-only" in text or state == "25006":
        return DataError(f"database {url} is read-only while {action} ({detail}); use a "
                         "writable file or account (--db / QFIN_DB_URL).")
    cannot_connect = any(s in text for s in (
        "could not connect", "connection refused", "password authentication failed",
        "could not translate host name", "name or service not known", "no such host",
        "unable to open database file"))
    if cannot_connect and "opening" in action:
        return DataError(
            f"cannot open database {url} ({detail}). Check the URL (--db / QFIN_DB_URL), that "
            "the server is running and reachable, and the credentials.")
    lost = (
        getattr(exc, "connection_invalidated", False)
        or state.startswith("08") or state in ("57P01", "57P02", "57P03")
        or any(s in text for s in ("server closed the connection", "connection refused",
                                   "terminating connection", "could not connect",
                                   "connection is closed", "consuming input failed",
                                   "lost synchronization", "connection timed out",
                                   "the connection is lost", "connection failed"))
    )
    if lost:
        return DataError(
            f"lost the connection to database {url} while {action} ({detail}). Nothing from "
            "this operation was written (one transaction); check that the server is running "
            "and reachable, then retry."
        )
    if isinstance(exc, sa_exc.IntegrityError):
        return DataError(
            f"database {url} refused a write as a uniqueness violation while {action} "
            f"({detail}); another process probably wrote the same records at the same moment. "
            "Nothing was written; retry."
        )
    if isinstance(exc, sa_exc.OperationalError | sa_exc.DatabaseError):
        return DataError(f"database {url} failed while {action}: {detail}")
    return None


@contextmanager
def db_errors(url: str, action: str, busy_timeout: float | None = None) -> Iterator[None]:
    """Re-raise known driver/OS failures inside the block as one-line qfin errors."""
    try:
        yield
    except QfinError:
        raise
    except Exception as exc:  # noqa: BLE001 - translated or re-raised unchanged
        translated = translate_db_error(exc, url, action, busy_timeout)
        if translated is None:
            raise
        raise translated from exc
