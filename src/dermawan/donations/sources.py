"""Event files: JSON Lines, CSV and Parquet, read as records (spec section 3).

A source is checked whole before anything is written, so an unreadable file
(binary, truncated, not UTF-8, a wrong CSV header, an unknown format) stops
the ingest with ``UnreadableSource`` and writes nothing. Past that check a bad
record is only a bad event: it comes out as ``Invalid`` and the rest goes on.
"""

from __future__ import annotations

import codecs
import csv
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson

from dermawan.core.values import Invalid
from dermawan.donations.events import AMOUNT_FIELDS, FIELDS

FORMATS = ("jsonl", "csv", "parquet")
EXTENSIONS = {".jsonl": "jsonl", ".ndjson": "jsonl", ".csv": "csv", ".parquet": "parquet"}
REQUIRED_COLUMNS = ("event_id", "type", "order_id", "line_id", "occurred_at")
SCAN_CHUNK = 1 << 24
_INTEGER = re.compile(r"-?[0-9]+\Z", re.ASCII)

# (physical line or record number, the record or why it could not be read)
Record = tuple[int, "dict[str, Any] | Invalid"]


class UnreadableSource(Exception):
    """The file cannot be ingested at all; the message names it and says why."""


class Source:
    """One event file: ``records()`` yields them, ``position`` tracks bytes read."""

    def __init__(self, path: Path, file_format: str) -> None:
        self.path = path
        self.format = file_format
        self.size = path.stat().st_size
        self.position = 0

    def records(self) -> Iterator[Record]:
        reader = {"jsonl": self._jsonl, "csv": self._csv, "parquet": self._parquet}[self.format]
        return reader()

    def _jsonl(self) -> Iterator[Record]:
        with self.path.open("rb") as stream:
            for number, raw in enumerate(stream, start=1):
                self.position += len(raw)
                if not raw.strip():
                    continue  # blank lines are skipped, but keep their number
                try:
                    record = orjson.loads(raw)
                except orjson.JSONDecodeError as error:
                    yield number, Invalid("malformed", f"not valid JSON: {error}")
                    continue
                if isinstance(record, dict):
                    yield number, record
                else:
                    yield number, Invalid("malformed", "a line must hold one JSON object")

    def _lines(self) -> Iterator[str]:
        with self.path.open("rb") as stream:
            for raw in stream:
                self.position += len(raw)
                yield raw.decode("utf-8-sig" if self.position == len(raw) else "utf-8")

    def _csv(self) -> Iterator[Record]:
        rows = csv.reader(self._lines())
        header = next(rows)
        width = len(header)
        for number, row in enumerate(rows, start=1):
            if not row or (len(row) == 1 and not row[0].strip()):
                yield number, Invalid("malformed", "an empty CSV record")
                continue
            if len(row) != width:
                yield (
                    number,
                    Invalid("malformed", f"the record has {len(row)} cells, the header {width}"),
                )
                continue
            record: dict[str, Any] = {}
            for name, cell in zip(header, row, strict=True):
                if cell == "":
                    continue  # an empty cell is null
                if name in AMOUNT_FIELDS and _INTEGER.match(cell):
                    record[name] = int(cell)
                else:
                    record[name] = cell
            yield number, record

    def _parquet(self) -> Iterator[Record]:
        import pyarrow.parquet as pq

        parquet = pq.ParquetFile(self.path)
        number = 0
        done_rows, total_rows = 0, max(parquet.metadata.num_rows, 1)
        for batch in parquet.iter_batches(batch_size=65_536):
            for row in batch.to_pylist():
                number += 1
                yield number, {k: v for k, v in row.items() if v is not None}
            done_rows += batch.num_rows
            self.position = self.size * done_rows // total_rows


def open_source(path: Path, file_format: str | None = None) -> Source:
    """Check ``path`` whole and return it as a source; raises ``UnreadableSource``."""
    if file_format is None:
        file_format = EXTENSIONS.get(path.suffix.lower())
        if file_format is None:
            raise UnreadableSource(
                f"{path}: cannot tell the format from the extension {path.suffix!r}; "
                f"use --format {'|'.join(FORMATS)}"
            )
    if file_format not in FORMATS:
        raise UnreadableSource(f"{path}: unknown format {file_format!r}")
    if not path.is_file():
        raise UnreadableSource(f"{path}: no such file")
    try:
        if file_format == "parquet":
            _check_parquet(path)
        else:
            _check_text(path)
            if file_format == "csv":
                _check_csv_header(path)
            _check_not_truncated(path, file_format)
    except OSError as error:
        raise UnreadableSource(f"{path}: {error.strerror or error}") from error
    return Source(path, file_format)


def _check_text(path: Path) -> None:
    """Text must be UTF-8 without NUL bytes; anything else is a binary file."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    offset = 0
    with path.open("rb") as stream:
        while chunk := stream.read(SCAN_CHUNK):
            if b"\x00" in chunk:
                raise UnreadableSource(
                    f"{path}: binary data (a NUL byte at offset {offset + chunk.index(0)}); "
                    "expected UTF-8 text"
                )
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as error:
                raise UnreadableSource(
                    f"{path}: not UTF-8 text (at byte {offset + error.start})"
                ) from error
            offset += len(chunk)
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError as error:
            raise UnreadableSource(f"{path}: truncated in the middle of a character") from error


def _last_line(path: Path) -> bytes | None:
    """The file's last line when it does not end with a newline, else None."""
    with path.open("rb") as stream:
        size = stream.seek(0, 2)
        if size == 0:
            return None
        stream.seek(max(0, size - SCAN_CHUNK))
        tail = stream.read()
    if tail.endswith(b"\n"):
        return None
    return tail.rsplit(b"\n", 1)[-1]


def _check_not_truncated(path: Path, file_format: str) -> None:
    """A last record cut off mid-way, with no newline after it, is a truncated file."""
    last = _last_line(path)
    if last is None or not last.strip():
        return
    if file_format == "jsonl":
        try:
            orjson.loads(last)
        except orjson.JSONDecodeError:
            raise UnreadableSource(
                f"{path}: truncated (the last line ends mid-record, with no newline)"
            ) from None
    else:
        with path.open(encoding="utf-8-sig", newline="") as stream:
            width = len(next(csv.reader(stream)))
        cells = next(csv.reader([last.decode("utf-8", "replace")]), [])
        if len(cells) < width:
            raise UnreadableSource(
                f"{path}: truncated (the last record has {len(cells)} of {width} cells, "
                "with no newline)"
            )


def _check_csv_header(path: Path) -> None:
    with path.open(encoding="utf-8-sig", newline="") as stream:
        header = next(csv.reader(stream), None)
    if not header:
        raise UnreadableSource(f"{path}: empty CSV file; expected a header row")
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    unknown = [c for c in header if c not in FIELDS]
    if missing or len(set(header)) != len(header) or "" in header:
        raise UnreadableSource(
            f"{path}: wrong CSV header {header!r}: "
            + (f"missing {', '.join(missing)}; " if missing else "")
            + (f"unknown {', '.join(unknown)}; " if unknown else "")
            + f"expected columns from {', '.join(FIELDS)}"
        )


def _check_parquet(path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        parquet = pq.ParquetFile(path)
    except (pa.ArrowException, OSError) as error:
        raise UnreadableSource(f"{path}: not a readable Parquet file ({error})") from error
    names = parquet.schema_arrow.names
    missing = [c for c in REQUIRED_COLUMNS if c not in names]
    if missing:
        raise UnreadableSource(f"{path}: Parquet columns missing: {', '.join(missing)}")
    # A file cut short keeps no footer, which ParquetFile refuses above; a
    # damaged row group shows in its metadata, checked here before any write.
    for index in range(parquet.metadata.num_row_groups):
        group = parquet.metadata.row_group(index)
        if group.num_rows and group.total_byte_size <= 0:
            raise UnreadableSource(f"{path}: row group {index} is damaged")
