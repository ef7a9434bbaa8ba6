"""``qfin data init|info|ingest|export``."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from qfin.cli._common import format_table, group_parser, open_store_from_args, print_json
from qfin.cli._registry import COMMANDS
from qfin.data import DEFAULT_DATASET

if TYPE_CHECKING:  # pragma: no cover
    from qfin.data import MarketStore


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
        "ingest", help="validate and add a CSV/Parquet price or returns file (long or wide); "
                       "all or nothing",
        description="Validate a price (or returns) file and add it to a dataset. Every cell is "
                    "checked before anything is written; one transaction. Dates: one format "
                    "per column, inferred (ISO first, then day-first / month-first) and "
                    "printed; an ambiguous column (03/01/2022) needs --dayfirst, --monthfirst "
                    "or --date-format.")
    p.add_argument("file", help="long (date,ticker,close) or wide (date + one column per "
                                "ticker; or step labels T1, T2, ... with --start)")
    p.add_argument("--dataset", default=None,
                   help="target dataset (default: the file name without extension)")
    p.add_argument("--allow-missing", action="store_true",
                   help="wide files: skip empty cells (ticker not trading that day) instead of "
                        "rejecting the file")
    order = p.add_mutually_exclusive_group()
    order.add_argument("--dayfirst", dest="dayfirst", action="store_const", const=True,
                       default=None, help="read 03/01/2022 as 3 January (day-first)")
    order.add_argument("--monthfirst", dest="dayfirst", action="store_const", const=False,
                       help="read 03/01/2022 as 1 March (month-first)")
    order.add_argument("--date-format", default=None, metavar="FMT",
                       help="strptime format of the date column, e.g. '%%d.%%m.%%Y'")
    p.add_argument("--values", choices=("prices", "returns"), default="prices",
                   help="what the cells hold; simple returns are stored as a price index "
                        "(base 1.0 one period before each ticker's first return)")
    p.add_argument("--start", default=None, metavar="DATE",
                   help="step-labelled rows (T1, T2, ...): the date of T1")
    p.add_argument("--frequency", choices=("daily", "weekly", "monthly", "quarterly",
                                           "annual"), default=None,
                   help="sampling frequency, recorded with the dataset and used by every "
                        "annualisation (252 daily, 52 weekly, 12 monthly); default: inferred "
                        "from the dates (step labels need it)")
    p.add_argument("--periods-per-year", type=float, default=None, metavar="N",
                   help="override the annualisation factor (e.g. 365 for a 7-day market)")
    p.add_argument("--index-ticker", action="append", default=[], metavar="TICKER",
                   dest="index_tickers",
                   help="a column that is an index (benchmark), not an asset: kept, marked, "
                        "left out of universes (repeatable), e.g. --index-ticker Index")
    p.add_argument("--max-rows", type=int, default=None, metavar="N",
                   help="refuse files with more records than this (one per date and ticker; "
                        "default 10,000,000)")
    p.add_argument("--max-bytes", default=None, metavar="SIZE",
                   help="refuse files larger than this once decompressed (default 1G; "
                        "e.g. 4G, 500M)")
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
    ppy = f"{info.periods_per_year:g}" if info.periods_per_year else "?"
    print(f"frequency:     {info.frequency or 'unknown'} ({ppy} periods per year)")
    if info.values == "returns":
        print("values:        a price index compounded from simple returns (base 1.0)")
    if info.index_tickers:
        print(f"index series:  {', '.join(info.index_tickers)} (benchmarks, not assets)")
    what = info.frequency or "periodic"
    print(f"\nper asset (annualised from {what} simple returns: mean x {ppy}, "
          f"std x sqrt({ppy})):")
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
            "frequency": info.frequency, "periods_per_year": info.periods_per_year,
            "values": info.values, "index_tickers": list(info.index_tickers),
            "per_asset": per_asset.to_dict(orient="records"),
        })
        return 0
    print_info(store, args.dataset)
    return 0


def _ingest(args: argparse.Namespace) -> int:
    from qfin.data._source import DEFAULT_MAX_BYTES, DEFAULT_MAX_ROWS, parse_size

    store = open_store_from_args(args)
    report = store.ingest_file(
        args.file, dataset=args.dataset, allow_missing=args.allow_missing,
        date_format=args.date_format, dayfirst=args.dayfirst, values=args.values,
        start=args.start, frequency=args.frequency, periods_per_year=args.periods_per_year,
        index_tickers=args.index_tickers,
        max_rows=args.max_rows if args.max_rows is not None else DEFAULT_MAX_ROWS,
        max_bytes=parse_size(args.max_bytes) if args.max_bytes else DEFAULT_MAX_BYTES)
    for line in report.details():
        print(line)
    for note in report.warnings:
        print(f"note: {note}")
    print(report.summary())
    return 0


def _export(args: argparse.Namespace) -> int:
    store = open_store_from_args(args)
    path = store.export(args.file, dataset=args.dataset, layout=args.layout)
    print(f"wrote {path}")
    return 0
