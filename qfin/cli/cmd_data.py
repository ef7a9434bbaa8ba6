"""``qfin data init|info|ingest|export``."""

from __future__ import annotations

import argparse
from typing import Any

from qfin.cli._common import format_table, group_parser, open_store_from_args, print_json
from qfin.cli._registry import COMMANDS
from qfin.data import DEFAULT_DATASET, MarketStore


def register(sub: Any) -> None:
    _, data_sub = group_parser(sub, "data", COMMANDS["data"])

    p = data_sub.add_parser("init", help="create the database and load the shipped sample "
                                         "(idempotent)")
    p.add_argument("--full", action="store_true",
                   help="also load the full 1990-2022 history (dataset 'full')")
    p.set_defaults(func=_init)

    p = data_sub.add_parser("info", help="records, tickers, dates, missing data, per-asset "
                                         "annualised return and volatility")
    p.add_argument("--dataset", default=DEFAULT_DATASET, help="dataset (default: sample)")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=_info)

    p = data_sub.add_parser(
        "ingest", help="validate and add a CSV/Parquet price file (long or wide); all or nothing")
    p.add_argument("file", help="long (date,ticker,close) or wide (date + one column per ticker)")
    p.add_argument("--dataset", default=None,
                   help="target dataset (default: the file name without extension)")
    p.add_argument("--allow-missing", action="store_true",
                   help="wide files: skip empty cells (ticker not trading that day) instead of "
                        "rejecting the file")
    p.set_defaults(func=_ingest)

    p = data_sub.add_parser("export", help="write a dataset to CSV or Parquet")
    p.add_argument("file", help="output path ending in .csv or .parquet")
    p.add_argument("--dataset", default=DEFAULT_DATASET)
    p.add_argument("--layout", choices=("long", "wide"), default="long")
    p.set_defaults(func=_export)


def _init(args: argparse.Namespace) -> int:
    store = open_store_from_args(args)
    if args.full:
        store.ensure_dataset("full")
    print(f"database ready: {store.display_url}")
    print(format_table(store.datasets().set_index("dataset")))
    return 0


def print_info(store: MarketStore, dataset: str) -> None:
    """Print the ``qfin data info`` report."""
    info = store.info(dataset)
    print(f"database: {store.display_url}")
    print(f"dataset:  {info.dataset}")
    print(f"price records: {info.records:,}")
    print(f"tickers:       {info.tickers}")
    print(f"dates:         {info.dates} ({info.first_date} to {info.last_date})")
    print(f"missing:       {info.missing} (ticker, date) pairs without a price")
    print("\nper asset (annualised from daily simple returns: mean x 252, std x sqrt(252)):")
    table = info.per_asset.copy()
    table["ann_return"] = table["ann_return"].map("{:+.2%}".format)
    table["ann_volatility"] = table["ann_volatility"].map("{:.2%}".format)
    print(table.to_string())
    others = store.datasets()
    if len(others) > 1:
        print("\nall datasets:")
        print(format_table(others.set_index("dataset")))


def _info(args: argparse.Namespace) -> int:
    store = open_store_from_args(args)
    if args.json:
        info = store.info(args.dataset)
        per_asset = info.per_asset.reset_index()
        per_asset["first_date"] = per_asset["first_date"].astype(str)
        per_asset["last_date"] = per_asset["last_date"].astype(str)
        print_json({
            "database": store.display_url, "dataset": info.dataset, "records": info.records,
            "tickers": info.tickers, "dates": info.dates, "first_date": info.first_date,
            "last_date": info.last_date, "missing": info.missing,
            "per_asset": per_asset.to_dict(orient="records"),
        })
        return 0
    print_info(store, args.dataset)
    return 0


def _ingest(args: argparse.Namespace) -> int:
    store = open_store_from_args(args)
    report = store.ingest_file(args.file, dataset=args.dataset, allow_missing=args.allow_missing)
    for note in report.warnings:
        print(f"note: {note}")
    print(report.summary())
    return 0


def _export(args: argparse.Namespace) -> int:
    store = open_store_from_args(args)
    path = store.export(args.file, dataset=args.dataset, layout=args.layout)
    print(f"wrote {path}")
    return 0
