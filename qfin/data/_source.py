"""Opening an input file safely: regular files only, decompressed size and line length capped.

Every price file goes through :func:`open_source` before any byte is parsed:

* only a regular file is read; a FIFO, a device such as ``/dev/zero`` (also behind a
  symlink), a socket or a directory is refused at once, and opening never blocks (the file is
  opened non-blocking, then checked with ``fstat`` on the open descriptor, so there is no race
  between the check and the read);
* compression is recognised by its magic bytes (gzip, bz2, xz, zip), whatever the suffix;
* the decompressed stream counts its bytes and refuses to go past ``max_bytes``, and refuses
  any single line longer than :data:`MAX_LINE_BYTES`, so a 1 MB gzip of zeros (1 GiB
  inflated, no line break) is stopped after a few MiB with bounded memory.
"""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import os
import stat
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from qfin.data._errors import short
from qfin.errors import DataError

__all__ = ["Limits", "Source", "open_source", "DEFAULT_MAX_BYTES", "DEFAULT_MAX_ROWS",
           "MAX_LINE_BYTES", "parse_size"]

#: Default cap on the decompressed size of one input file (1 GiB).
DEFAULT_MAX_BYTES = 1 << 30
#: Default cap on the records of one input file (one record per date and ticker; a wide
#: file's rows times its ticker columns).
DEFAULT_MAX_ROWS = 10_000_000
#: Longest line accepted (8 MiB): far above any real header (10,000 tickers x 20 characters
#: is 200 kB), far below what would exhaust memory.
MAX_LINE_BYTES = 8 << 20
_READ_CAP = 1 << 20  # at most this many bytes per read from the decompressor

_COMPRESSION_SUFFIXES = (".gz", ".gzip", ".bz2", ".xz", ".zip")
_DATA_SUFFIXES = (".csv", ".tsv", ".txt", ".parquet", ".pq")
_MAGIC = {
    b"\x1f\x8b": "gzip",
    b"BZh": "bz2",
    b"\xfd7zXZ\x00": "xz",
    b"PK\x03\x04": "zip",
    b"PAR1": "parquet",
}


@dataclass(frozen=True)
class Limits:
    """Resource caps for one input file.

    Attributes
    ----------
    max_bytes : int
        Decompressed bytes (default 1 GiB).
    max_rows : int
        Records, one per (date, ticker) (default 10,000,000).
    """

    max_bytes: int = DEFAULT_MAX_BYTES
    max_rows: int = DEFAULT_MAX_ROWS

    def __post_init__(self) -> None:
        for name in ("max_bytes", "max_rows"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
                raise DataError(f"{name} must be a positive integer; got {short(value)}")


def parse_size(text: str | int) -> int:
    """``"2G"``, ``"500M"``, ``"64k"`` or a plain integer → bytes (powers of 1024).

    >>> parse_size("2G")
    2147483648
    """
    if isinstance(text, int):
        return text
    raw = str(text).strip().upper().removesuffix("B").removesuffix("I")
    scale = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}.get(raw[-1:], 1)
    digits = raw[:-1] if scale > 1 else raw
    try:
        value = float(digits)
    except ValueError:
        raise DataError(f"a size must look like 1073741824, 500M or 2G; got {short(text)}") \
            from None
    if value <= 0:
        raise DataError(f"a size must be positive; got {short(text)}")
    return int(value * scale)


def _kind_of(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISCHR(mode):
        return "a character device (like /dev/zero)"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def _open_regular(path: Path) -> IO[bytes]:
    """Open ``path`` for reading if (and only if) it is a regular file; never blocks."""
    shown = short(str(path), 120)
    link = path.is_symlink()
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) \
        | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        raise DataError(f"price file {shown} does not exist") from None
    except PermissionError:
        raise DataError(f"cannot read price file {shown}: permission denied") from None
    except IsADirectoryError:
        raise DataError(f"price file {shown} is a directory, not a file") from None
    except OSError as exc:  # ENXIO (a socket), ELOOP, ...
        raise DataError(f"cannot open price file {shown}: {exc.strerror}; only regular "
                        "files are read") from None
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            what = f"a symlink to {_kind_of(mode)}" if link else _kind_of(mode)
            raise DataError(f"price file {shown} is {what}, not a regular file; qfin reads "
                            "regular files only (copy the data to a file)")
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


class _CappedStream(io.RawIOBase):
    """A read-only byte stream that refuses to exceed a size and a line length."""

    def __init__(self, inner: Any, name: str, max_bytes: int) -> None:
        self._inner = inner
        self._name = name
        self._max_bytes = max_bytes
        self.total = 0
        self._since_newline = 0
        self.error: DataError | None = None

    def readable(self) -> bool:
        return True

    def _fail(self, error: DataError) -> DataError:
        self.error = error
        return error

    def readinto(self, buffer: Any) -> int:
        if self.error is not None:
            raise self.error
        want = min(len(buffer), _READ_CAP)
        data = self._inner.read(want)
        n = len(data)
        if n == 0:
            return 0
        self.total += n
        if self.total > self._max_bytes:
            raise self._fail(DataError(
                f"{self._name}: more than {self._max_bytes:,} bytes of data (decompressed); "
                "refused, nothing was written. Raise the cap with --max-bytes (API: "
                "max_bytes=) if the file really is that large."))
        last = data.rfind(b"\n")
        if last < 0:
            longest = self._since_newline = self._since_newline + n
        else:
            # The part before the first line break ends the line begun in earlier reads;
            # lines wholly inside this read are shorter than the read (at most 1 MiB).
            longest = self._since_newline + data.find(b"\n")
            self._since_newline = n - last - 1
        if longest > MAX_LINE_BYTES:
            raise self._fail(DataError(
                f"{self._name}: a line longer than {MAX_LINE_BYTES >> 20} MiB (after "
                f"{self.total:,} bytes); this is not a price table (binary data, or a file "
                "without line breaks). Refused, nothing was written."))
        buffer[:n] = data
        return n

    def close(self) -> None:
        try:
            self._inner.close()
        finally:
            super().close()


@dataclass
class Source:
    """An opened input: its kind and a stream (or, for Parquet, the raw file)."""

    name: str
    kind: str  # "csv" or "parquet"
    compression: str | None
    stream: Any  # a buffered, capped byte stream (csv) or the raw file (parquet)
    capped: _CappedStream | None
    raw: IO[bytes]

    def close(self) -> None:
        for item in (self.stream, self.raw):
            try:
                item.close()
            except Exception:  # noqa: BLE001 - closing is best effort
                pass

    def __enter__(self) -> Source:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_source(path: str | os.PathLike[str], limits: Limits) -> Source:
    """Open a price file safely (see the module docstring).

    Raises
    ------
    DataError
        Not a regular file, missing, unreadable, an unsupported archive.
    """
    path = Path(path)
    name = short(path.name, 60).strip("'")
    suffixes = [s.lower() for s in path.suffixes]
    while suffixes and suffixes[-1] in _COMPRESSION_SUFFIXES:
        suffixes.pop()
    if not suffixes or suffixes[-1] not in _DATA_SUFFIXES:
        excel = " (from Excel: save as CSV)" if suffixes and suffixes[-1] in (
            ".xlsx", ".xls", ".ods", ".xlsm") else ""
        raise DataError(f"cannot read {short(path.name, 60)}: expected a .csv, .tsv or .txt "
                        f"(optionally .gz/.bz2/.xz/.zip) or .parquet file{excel}")
    raw = _open_regular(path)
    try:
        head = raw.read(8)
        raw.seek(0)
        compression = next((kind for magic, kind in _MAGIC.items() if head.startswith(magic)),
                           None)
        if compression == "parquet":
            return Source(name, "parquet", None, raw, None, raw)
        suffixes = "".join(path.suffixes).lower()
        if compression is None and suffixes.endswith((".parquet", ".pq")):
            raise DataError(f"{name}: not a Parquet file (no PAR1 header)")
        if compression == "gzip":
            inner: Any = gzip.GzipFile(fileobj=raw, mode="rb")
        elif compression == "bz2":
            inner = bz2.BZ2File(raw, mode="rb")
        elif compression == "xz":
            inner = lzma.LZMAFile(raw, mode="rb")
        elif compression == "zip":
            try:
                archive = zipfile.ZipFile(raw)
            except zipfile.BadZipFile as exc:
                raise DataError(f"{name}: a damaged zip archive ({exc})") from None
            members = [m for m in archive.infolist()
                       if not m.is_dir() and not m.filename.startswith("__MACOSX/")]
            if len(members) != 1:
                raise DataError(f"{name}: a zip archive must hold exactly one file; it holds "
                                f"{len(members)}")
            if members[0].file_size > limits.max_bytes:
                raise DataError(
                    f"{name}: its file inflates to {members[0].file_size:,} bytes, more than "
                    f"the cap of {limits.max_bytes:,}; refused (raise it with --max-bytes)")
            inner = archive.open(members[0])
        else:
            inner = raw
        capped = _CappedStream(inner, name, limits.max_bytes)
        stream = io.BufferedReader(capped, buffer_size=1 << 20)
        return Source(name, "csv", compression, stream, capped, raw)
    except BaseException:
        raw.close()
        raise


def sniff_delimiter(source: Source) -> str:
    """``","``, ``";"`` or a tab, from the header line (``","`` when unsure)."""
    try:
        head = source.stream.peek(1 << 16)[: 1 << 16]
    except DataError:
        raise
    except Exception:  # noqa: BLE001 - a decompression error shows up when parsing
        return ","
    line = head.split(b"\n", 1)[0]
    counts = {sep: line.count(sep.encode()) for sep in (",", ";", "\t")}
    best = max(counts, key=lambda s: (counts[s], s == ","))
    return best if counts[best] > 0 else ","
