"""Event files: JSON Lines, CSV and Parquet, written batch by batch.

Each writer writes to a temporary name and renames on ``close`` so a crashed
or interrupted run never leaves a half file under the final name.
"""

from __future__ import annotations

import csv
import os
from pathlib import Path
from typing import IO, TYPE_CHECKING, Protocol

import orjson

from dermawan.simulation.events import FIELDS, INTEGER_FIELDS
from dermawan.simulation.invalid import Event

if TYPE_CHECKING:
    import pyarrow as pa

FORMATS = ("jsonl", "csv", "parquet")
ROW_GROUP = 100_000


def parquet_schema() -> pa.Schema:
    """Every field nullable; amounts int64, the rest strings."""
    import pyarrow as pa  # only Parquet runs pay for loading Arrow

    return pa.schema(
        [pa.field(name, pa.int64() if name in INTEGER_FIELDS else pa.string()) for name in FIELDS]
    )


class EventWriter(Protocol):
    path: Path

    def write(self, batch: list[Event]) -> None: ...

    def close(self) -> None: ...

    def abort(self) -> None: ...


class _Staged:
    """A file written under a temporary name, moved into place on close."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._temporary = path.with_name(f".{path.name}.partial")

    def _publish(self) -> None:
        os.replace(self._temporary, self.path)

    def _discard(self) -> None:
        self._temporary.unlink(missing_ok=True)


class JsonlWriter(_Staged):
    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self._file: IO[bytes] = open(self._temporary, "wb", buffering=1 << 20)  # noqa: SIM115

    def write(self, batch: list[Event]) -> None:
        if not batch:
            return
        # One orjson call for the whole batch, then the array turned into lines:
        # twice as fast as a call per event, and it spares the allocator the
        # churn of thousands of small buffers (which cost page faults). Events
        # are flat objects, so "},{" only separates them, unless a string
        # holds it: the count tells, and then each event is dumped alone.
        array = orjson.dumps(batch)
        if array.count(b"},{") == len(batch) - 1:
            self._file.write(array[1:-1].replace(b"},{", b"}\n{"))
            self._file.write(b"\n")
        else:
            newline = orjson.OPT_APPEND_NEWLINE
            self._file.write(b"".join([orjson.dumps(event, option=newline) for event in batch]))

    def close(self) -> None:
        self._file.close()
        self._publish()

    def abort(self) -> None:
        self._file.close()
        self._discard()


class CsvWriter(_Staged):
    """Header row, then one row per event; an absent field is an empty cell (null)."""

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self._file: IO[str] = open(  # noqa: SIM115
            self._temporary, "w", newline="", encoding="utf-8", buffering=1 << 20
        )
        self._csv = csv.writer(self._file, lineterminator="\n")
        self._csv.writerow(FIELDS)

    def write(self, batch: list[Event]) -> None:
        self._csv.writerows([list(map(event.get, FIELDS)) for event in batch])

    def close(self) -> None:
        self._file.close()
        self._publish()

    def abort(self) -> None:
        self._file.close()
        self._discard()


class ParquetWriter(_Staged):
    """Typed columns (strings, nullable int64) in row groups of ``ROW_GROUP`` rows.

    Batches are turned into Arrow record batches at once, so at most one row
    group is held, in Arrow's compact form rather than as Python objects.
    """

    def __init__(self, path: Path) -> None:
        import pyarrow.parquet as pq

        super().__init__(path)
        self._schema = parquet_schema()
        self._writer = pq.ParquetWriter(self._temporary, self._schema)
        self._pending: list[pa.RecordBatch] = []
        self._rows = 0

    def write(self, batch: list[Event]) -> None:
        import pyarrow as pa

        columns = [
            pa.array([event.get(name) for event in batch], type=column.type)
            for name, column in zip(FIELDS, self._schema, strict=True)
        ]
        self._pending.append(pa.RecordBatch.from_arrays(columns, schema=self._schema))
        self._rows += len(batch)
        if self._rows >= ROW_GROUP:
            self._flush(ROW_GROUP)

    def _flush(self, rows: int) -> None:
        import pyarrow as pa

        table = pa.Table.from_batches(self._pending, schema=self._schema)
        head, rest = table.slice(0, rows), table.slice(rows)
        self._writer.write_table(head, row_group_size=ROW_GROUP)
        self._pending = rest.to_batches() if rest.num_rows else []
        self._rows = rest.num_rows

    def close(self) -> None:
        if self._rows:
            self._flush(self._rows)
        self._writer.close()
        self._publish()

    def abort(self) -> None:
        self._writer.close()
        self._discard()


def open_writer(path: Path, file_format: str) -> EventWriter:
    if file_format == "jsonl":
        return JsonlWriter(path)
    if file_format == "csv":
        return CsvWriter(path)
    if file_format == "parquet":
        return ParquetWriter(path)
    raise ValueError(f"unknown format {file_format!r}; expected one of {', '.join(FORMATS)}")
