"""What a buyer receipt carries from the log, per order line.

Each line gets its leaves (every effect: pledged, confirmed, reversed, paid
out), each with its inclusion proof against the latest signed tree head, that
head, and the line's buyer salt, so that the receipt can be checked offline
(``dermawan verify-receipt``, or the page at /receipts/verify) and the buyer
can show that a leaf's buyer hash is theirs. A leaf appended after the latest
head has no proof yet (``audit_path`` null) until the next head is signed.
Effects committed and not yet appended (decision 0041) are counted in
``entries_waiting``.

Reads, in one snapshot: one query each for the lines' leaf sources, their
leaves, their salts and the latest head, then one per leaf for its proof.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from dermawan.core import bulk, snapshots
from dermawan.transparency import heads, leaves, store
from dermawan.transparency.documents import FORMAT, b64, head_document
from dermawan.transparency.recording import stored_salts, waiting_counts


def line_logs(line_ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    """The ``log`` document of each order line (by pk); lines with no leaf,
    appended or waiting, get none.

    One snapshot: the appender turns waiting effects into entries in one
    commit, which two separate reads could both miss.
    """
    with snapshots.snapshot() as cursor:
        return _line_logs(cursor, line_ids)


def _line_logs(cursor: Any, line_ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    wanted = set(line_ids)
    sources = bulk.select_in(
        cursor,
        "SELECT id, order_line_id FROM transparency_leafsource WHERE",
        "order_line_id",
        sorted(wanted),
    )
    waiting = waiting_counts(cursor, wanted)
    if not sources and not waiting:
        return {}
    data = dict(
        bulk.select_in(
            cursor, "SELECT id, data FROM transparency_entry WHERE", "id", [s[0] for s in sources]
        )
    )
    salts = stored_salts(cursor, sorted({line for _, line in sources}))
    signed = heads.latest(cursor)
    size = 0 if signed is None else signed.head.tree_size
    logs: dict[int, dict[str, Any]] = {}

    def log_of(line: int) -> dict[str, Any]:
        return logs.setdefault(
            line,
            {
                "format": FORMAT,
                "tree_head": None if signed is None else head_document(signed),
                "buyer_salt": b64(salts[line]) if line in salts else None,
                "entries": [],
                "entries_waiting": waiting.get(line, 0),
            },
        )

    for line in waiting:
        log_of(line)
    for index, line in sorted(sources):
        leaf = bytes(data[index])
        log = log_of(line)
        path = None
        if index < size:
            path = [b64(h) for h in store.inclusion_proof(cursor, index, size).path]
        log["entries"].append(
            {
                "leaf_index": index,
                "kind": leaves.decode(leaf).kind,
                "leaf": b64(leaf),
                "audit_path": path,
            }
        )
    return logs
