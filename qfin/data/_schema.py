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

__all__ = ["metadata", "datasets", "assets", "prices", "asset_roles", "qfin_meta", "runs",
           "results", "SCHEMA_VERSION"]

#: Bumped when a change is not additive. Additive changes (a new table, a new nullable column)
#: need no bump: opening a store adds what is missing (``qfin.data._migrate``).
SCHEMA_VERSION = 1

metadata = MetaData()

datasets = Table(
    "datasets",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("description", Text, nullable=False, default=""),
    Column("source", Text, nullable=False, default=""),
    Column("created_at", DateTime(timezone=True), nullable=False),
    # Sampling frequency ("daily", "weekly", ...; NULL in stores written before it existed:
    # inferred from the dates) and the periods per year every annualisation uses.
    Column("frequency", String(16), nullable=True),
    Column("periods_per_year", Float(precision=53), nullable=True),
    # What the ingested files held: "prices", or "returns" (stored as a price index).
    Column("value_kind", String(16), nullable=True),
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

# The role of a ticker within a dataset when it is not an ordinary asset: "index" marks a
# benchmark series (INDTRACK6's S&P 500 column), kept in the store but left out of universes.
asset_roles = Table(
    "asset_roles",
    metadata,
    Column("dataset", String(64), ForeignKey("datasets.name"), primary_key=True),
    Column("ticker", String(32), ForeignKey("assets.ticker"), primary_key=True),
    Column("role", String(16), nullable=False),
)

# Key/value facts about the store itself (the schema fingerprint that lets an open skip DDL).
qfin_meta = Table(
    "qfin_meta",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
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
