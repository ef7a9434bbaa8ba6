"""Numbers for people (the formatters live in :mod:`qfin._format`, usable below the report)."""

from qfin._format import format_number, format_percent, format_seconds, is_missing

__all__ = ["format_percent", "format_number", "format_seconds", "is_missing"]
