"""The database schema (SQLAlchemy Core), identical on SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import (
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

__all__ = ["metadata", "datasets", "assets", "prices", "runs", "results", "SCHEMA_VERSION"]

SCHEMA_VERSION = 1

metadata = MetaData()

datasets = Table(
    "datasets",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("description", Text, nullable=False, default=""),
    Column("source", Text, nullable=False, default=""),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

assets = Table(
    "assets",
    metadata,
    Column("ticker", String(32), primary_key=True),
    Column("name", Text, nullable=True),
    Column("sector", Text, nullable=True),
)

prices = Table(
    "prices",
    metadata,
    Column("dataset", String(64), ForeignKey("datasets.name"), primary_key=True),
    Column("date", Date, primary_key=True),
    Column("ticker", String(32), ForeignKey("assets.ticker"), primary_key=True),
    Column("close", Float(precision=53), nullable=False),
)

# Benchmark and pipeline results: one row per run, its result rows as JSON documents, so
# every later capability can store tidy tables without schema changes.
runs = Table(
    "runs",
    metadata,
    Column("run_id", String(64), primary_key=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("kind", String(64), nullable=False),
    Column("name", Text, nullable=False),
    Column("status", String(16), nullable=False, default="ok"),
    Column("params", Text, nullable=False, default="{}"),
    Column("environment", Text, nullable=False, default="{}"),
    Column("error", Text, nullable=True),
)

results = Table(
    "results",
    metadata,
    Column("run_id", String(64), ForeignKey("runs.run_id"), primary_key=True),
    Column("row_index", Integer, primary_key=True),
    Column("data", Text, nullable=False),
)
