"""Bringing a database's schema up to date without DDL on every open.

An open reads one row (``qfin_meta.schema``, a fingerprint of the tables and columns this
qfin expects). Only when it is missing or different does it take the slow path: create the
missing tables and add the missing (nullable) columns, then write the fingerprint. So a store
that is already up to date is opened with a single SELECT: no ``CREATE TABLE`` that would wait
for (or block) a writer, and a read-only copy of an up-to-date database opens fine.

Additive changes only (new tables, new nullable columns): that is all qfin's schema has
needed, and it is what every helper branch adds. Written by hand rather than with Alembic
because this one operation (add what is missing) is a dozen lines; a non-additive change would
be the moment to adopt Alembic.
"""

from __future__ import annotations

import hashlib

import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError

from qfin.data import _schema as schema

__all__ = ["ensure_schema", "schema_fingerprint"]

_ADVISORY_LOCK = 7_342_001  # PostgreSQL: serialises concurrent schema updates


def schema_fingerprint() -> str:
    """A short hash of every table and column name (and type class) qfin expects."""
    parts = sorted(f"{t.name}.{c.name}:{type(c.type).__name__}"
                   for t in schema.metadata.sorted_tables for c in t.columns)
    parts.append(f"version:{schema.SCHEMA_VERSION}")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


def _current(engine: sa.Engine) -> str | None:
    meta = schema.qfin_meta
    try:
        with engine.connect() as conn:
            return conn.execute(sa.select(meta.c.value).where(meta.c.key == "schema")
                                ).scalar_one_or_none()
    except DBAPIError as exc:
        text = str(exc.orig).lower()
        if "no such table" in text or "does not exist" in text or "undefined" in text:
            return None
        raise


def _add_missing_columns(conn: sa.Connection) -> None:
    inspector = sa.inspect(conn)
    for table in schema.metadata.sorted_tables:
        have = {c["name"] for c in inspector.get_columns(table.name)}
        for column in table.columns:
            if column.name in have:
                continue
            if not column.nullable:
                raise RuntimeError(f"cannot add NOT NULL column {table.name}.{column.name} "
                                   "to an existing database")  # pragma: no cover
            ddl = sa.schema.CreateColumn(column).compile(dialect=conn.dialect)
            conn.execute(sa.text(f"ALTER TABLE {table.name} ADD COLUMN {ddl}"))


def ensure_schema(engine: sa.Engine) -> bool:
    """Create or extend the schema if (and only if) it is not up to date.

    Returns
    -------
    bool
        Whether any DDL ran.
    """
    fingerprint = schema_fingerprint()
    if _current(engine) == fingerprint:
        return False
    meta = schema.qfin_meta
    last: Exception | None = None
    for _ in range(5):
        try:
            with engine.begin() as conn:
                if conn.dialect.name == "postgresql":
                    conn.execute(sa.text(f"SELECT pg_advisory_xact_lock({_ADVISORY_LOCK})"))
                schema.metadata.create_all(conn, checkfirst=True)
                _add_missing_columns(conn)
                conn.execute(sa.delete(meta).where(meta.c.key == "schema"))
                conn.execute(sa.insert(meta).values(key="schema", value=fingerprint))
            return True
        except DBAPIError as exc:
            # Another process created the same table/column a moment earlier: look again.
            text = str(exc.orig).lower()
            if not any(s in text for s in ("already exists", "duplicate", "unique")):
                raise
            last = exc
            if _current(engine) == fingerprint:
                return False
    assert last is not None
    raise last
