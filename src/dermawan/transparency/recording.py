"""Writing donation effects to the log.

``record_effects`` is the engine hook (registered by TransparencyConfig): per
batch, in the transaction that books it, one ``PendingLeaves`` row saying
what the leaf of each pledged, confirmed or reversed effect will say, and
its source (order line, order event). Once that transaction has committed,
``read_waiting`` builds the leaves of the waiting batches (a fresh salt for
a line with a buyer and none yet) and ``append_read`` appends them to the
tree and deletes their rows, in one transaction (appending.py, decision
0041): the tree's lock, its hashes and its rows stay out of the engine's
transaction. ``record_paid_out`` is settlement's entry point: the leaves
waiting, then one ``paid_out`` leaf per line paid, in settlement's
transaction. After an append, a new signed tree head when one is due
(``DERMAWAN_LOG_HEAD_INTERVAL_MS``).

Every query here is set-based: a batch costs one statement in the engine's
transaction, and an append a fixed handful whatever its size (the waiting
rows, pledge terms, stored salts; the lock and right edge, the entries and
nodes, the source and salt rows, the last head). Event row ids come from
the engine.
"""

from __future__ import annotations

import functools
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NamedTuple

import orjson
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.conf import settings

from dermawan.core import bulk
from dermawan.core.bulk import Read
from dermawan.core.instants import EPOCH, ONE_MICROSECOND
from dermawan.donations.hooks import Applied, Effects
from dermawan.transparency import heads, leaves, signing, store
from dermawan.transparency.leaves import DonationLeaf, PledgeTerms

PAID_OUT = "paid_out"
# A paid_out effect has no order event: its leaf names none.
NO_EVENT = ""
SOURCE_COLUMNS = ("id", "order_line_id", "event_row_id")


@dataclass(frozen=True)
class PaidOutLine:
    """One order line's donation paid to its charity by a settlement run."""

    line_id: int  # donations OrderLine pk
    amount_minor: int
    currency: str


def leaf_of(
    kind: str,
    occurred_at_us: int,
    amount_minor: int,
    event_id: str,
    line: Any,
    terms: PledgeTerms | None,
    salt: bytes | None,
) -> DonationLeaf:
    """The leaf of one effect on ``line`` (a rules.Line, or any row with its fields)."""
    buyer = (
        None if salt is None or line.buyer_id is None else leaves.buyer_hash(salt, line.buyer_id)
    )
    return DonationLeaf(
        kind=kind,
        occurred_at_us=occurred_at_us,
        amount_minor=amount_minor,
        currency=line.currency,
        event_id=event_id,
        order_id=line.order_id,
        line_id=line.line_id,
        project_id=line.project_id,
        charity_id=line.charity_id or "",
        pledge=terms,
        buyer_hash=buyer,
    )


def _micros(moment: Any) -> int:
    if isinstance(moment, str):  # SQLite's driver, read without the ORM
        moment = datetime.fromisoformat(moment)
    if moment.tzinfo is None:  # Django keeps UTC in SQLite
        moment = moment.replace(tzinfo=UTC)
    return (moment - EPOCH) // ONE_MICROSECOND  # type: ignore[no-any-return]


PLEDGE_TERMS = Read(
    "SELECT id, basis_points, amount_minor, currency, max_per_line_minor, valid_from, valid_to "
    "FROM catalog_pledge WHERE",
    ("id",),
    (),
)
SALTS = Read("SELECT order_line_id, salt FROM transparency_buyersalt WHERE", ("order_line_id",), ())


def pledge_terms(pledge_ids: Iterable[str | None]) -> dict[str, PledgeTerms]:
    """The catalog's terms of these pledges, as leaves record them."""
    wanted = sorted({p for p in pledge_ids if p is not None})
    return _terms(bulk.read_all(bulk.raw_cursor(), [PLEDGE_TERMS.among(wanted)])[0])


def _terms(rows: Iterable[Sequence[Any]]) -> dict[str, PledgeTerms]:
    return {
        pid: PledgeTerms(
            pid, bp, amount, currency, cap, _micros(start), None if end is None else _micros(end)
        )
        for pid, bp, amount, currency, cap, start, end in rows
    }


def stored_salts(cursor: Any, line_ids: Sequence[int]) -> dict[int, bytes]:
    rows = bulk.read_all(cursor, [SALTS.among(line_ids)])[0]
    return {line_id: bytes(salt) for line_id, salt in rows}


def record_effects(cursor: Any, effects: Effects, applied: Applied) -> None:
    """The engine hook: what each effect's leaf will say, left waiting for the tree.

    One ``PendingLeaves`` row per batch, in its transaction, as JSON:
    ``lines``, each line's fields once (pk, order, line, currency, project,
    charity, pledge, buyer), and ``effects`` in order (line pk, event row id,
    kind, time, amount, event id). The leaves are built when appended.
    Beside it, each line's number of effects, for receipts (waiting_counts).
    """
    if not effects:
        return
    lines: dict[int | None, Any] = {}
    waiting = []
    for effect, line, index in effects:
        event, _, event_row = applied[index]
        lines[line.id] = line
        waiting.append(
            (line.id, event_row, effect.kind, event.occurred_at_us, effect.amount_minor,
             event.event_id)
        )  # fmt: skip
    data = {
        "lines": [
            (line.id, line.order_id, line.line_id, line.currency, line.project_id,
             line.charity_id or "", line.pledge_id, line.buyer_id)
            for line in lines.values()
        ],
        "effects": waiting,
    }  # fmt: skip
    counts = list(Counter(effect[0] for effect in waiting).items())
    mark = bulk.marks()
    cursor.execute(
        "INSERT INTO transparency_pendingleaves (leaf_count, data, line_counts)"
        f" VALUES ({mark}, {mark}, {mark})",
        (len(waiting), orjson.dumps(data), orjson.dumps(counts)),
    )


def _encode_waiting(
    cursor: Any, batches: Sequence[bytes]
) -> tuple[list[bytes], list[tuple[int | None, int | None]], list[tuple[int, bytes]]]:
    """The leaves of waiting batches, in order, with their sources and the new
    salts they need: a line with a buyer and no salt stored gets one now."""
    lines: dict[int, Sequence[Any]] = {}
    effects: list[Sequence[Any]] = []
    for data in batches:
        batch = orjson.loads(data)
        lines.update((line[0], line) for line in batch["lines"])
        effects += batch["effects"]
    terms, kept = bulk.read_all(
        cursor,
        [
            PLEDGE_TERMS.among(sorted({line[6] for line in lines.values()} - {None})),
            SALTS.among(sorted(pk for pk, line in lines.items() if line[7] is not None)),
        ],
    )
    salts = {line_pk: bytes(salt) for line_pk, salt in kept}
    unsalted = [pk for pk, line in lines.items() if line[7] is not None and pk not in salts]
    new_salts = list(zip(unsalted, leaves.new_salts(len(unsalted)), strict=True))
    salts.update(new_salts)
    # Each pledge's part of the encoding once (the catalog's terms now).
    pledges = {pledge_id: leaves.pledge_part(t) for pledge_id, t in _terms(terms).items()}
    no_pledge = leaves.pledge_part(None)
    # The hot loop: each line's part of the encoding once, then each effect's.
    effect_part, line_part, buyer_hash = leaves.effect_part, leaves.line_part, leaves.buyer_hash
    line_parts: dict[int, tuple[bytes, str]] = {}
    encoded: list[bytes] = []
    sources: list[tuple[int | None, int | None]] = []
    for line_pk, event_row, kind, occurred_at_us, amount, event_id in effects:
        part = line_parts.get(line_pk)
        if part is None:
            _, order_id, line_id, currency, project_id, charity_id, pledge_id, buyer = lines[
                line_pk
            ]
            salt = salts.get(line_pk)
            part = line_parts[line_pk] = (
                line_part(
                    order_id,
                    line_id,
                    project_id,
                    charity_id,
                    pledges.get(pledge_id, no_pledge),
                    None if salt is None or buyer is None else buyer_hash(salt, buyer),
                ),
                currency,
            )
        suffix, currency = part
        encoded.append(effect_part(kind, occurred_at_us, amount, currency, event_id) + suffix)
        sources.append((line_pk, event_row))
    return encoded, sources, new_salts


def record_paid_out(cursor: Any, paid: Sequence[PaidOutLine], paid_at_us: int) -> None:
    """The leaves waiting, then one ``paid_out`` leaf per line, in the caller's
    (settlement's) transaction.

    ``cursor`` is the driver's cursor (dermawan.core.bulk.raw_cursor) inside
    the caller's transaction.atomic(). A line with no donation, or an amount
    or currency the line cannot have, is refused with ValueError naming it.
    """
    if not paid:
        return
    # A line's salt and earlier leaves first: they may still be waiting.
    append_waiting(cursor)
    ids = sorted({p.line_id for p in paid})
    rows = bulk.select_in(
        cursor,
        "SELECT id, order_id, line_id, currency, buyer_id, pledge_id, project_id, charity_id, "
        "donation_minor FROM donations_orderline WHERE",
        "id",
        ids,
    )
    lines = {row[0]: _LineRow(*row) for row in rows}
    for p in paid:
        line = lines.get(p.line_id)
        if line is None:
            raise ValueError(f"order line {p.line_id} does not exist")
        if line.project_id is None:
            raise ValueError(f"order line {p.line_id} has no donation to pay out")
        if p.currency != line.currency:
            raise ValueError(
                f"order line {p.line_id} is in {line.currency}; paid out in {p.currency}"
            )
        if not 0 < p.amount_minor <= line.donation_minor:
            raise ValueError(
                f"order line {p.line_id}: paid out {p.amount_minor}, its donation is "
                f"{line.donation_minor}"
            )
    terms = pledge_terms(line.pledge_id for line in lines.values())
    salts = stored_salts(cursor, ids)
    encoded = [
        leaf_of(
            PAID_OUT,
            paid_at_us,
            p.amount_minor,
            NO_EVENT,
            lines[p.line_id],
            terms.get(lines[p.line_id].pledge_id or ""),
            salts.get(p.line_id),
        ).encode()
        for p in paid
    ]
    _append(cursor, encoded, [(p.line_id, None) for p in paid])


@dataclass(frozen=True)
class _LineRow:
    id: int
    order_id: str
    line_id: str
    currency: str
    buyer_id: str | None
    pledge_id: str | None
    project_id: str | None
    charity_id: str | None
    donation_minor: int


class _Locked(NamedTuple):
    """The log as its append lock found it."""

    size: int
    last: heads.SignedTreeHead | None
    frontier: dict[int, bytes] | None  # its right edge (PostgreSQL; store.send_frontier)


def _lock(cursor: Any) -> _Locked:
    """The log's append lock, then its size, last head and right edge in one
    wait (with any read sent before it, in a pipeline): none can change while
    the lock is held (heads are signed under it)."""
    store.lock(cursor)
    edge = store.send_frontier(cursor)
    size, last = heads.size_and_latest(cursor)
    return _Locked(size, last, None if edge is None else edge())


WAITING = "SELECT id, data FROM transparency_pendingleaves ORDER BY id"


class Waiting(NamedTuple):
    """Waiting batches read and their leaves made, ready to append."""

    batch_ids: list[int]
    encoded: list[bytes]
    hashes: list[bytes]  # the leaves' hashes
    sources: list[tuple[int | None, int | None]]
    new_salts: list[tuple[int, bytes]]


def read_waiting(cursor: Any, limit: int | None = None) -> Waiting:
    """The batches waiting (oldest first, at most ``limit``), their leaves encoded.

    Needs no lock: ``append_read`` appends them only if every one of them is
    still waiting then, and the salts it makes are for lines whose leaves
    only those batches can append.
    """
    cursor.execute(WAITING if limit is None else f"{WAITING} LIMIT {int(limit)}")
    batches = cursor.fetchall()
    if not batches:
        return Waiting([], [], [], [], [])
    encoded, sources, new_salts = _encode_waiting(cursor, [bytes(data) for _, data in batches])
    return Waiting(
        [row[0] for row in batches], encoded, store.leaf_hashes(encoded), sources, new_salts
    )


def waiting_counts(cursor: Any, line_ids: Iterable[int]) -> Counter[int]:
    """How many effects of each of ``line_ids`` (order line pks) are waiting.

    Reads each waiting batch's ``line_counts``, not its ``data``: under
    load a receipt would otherwise fetch and parse every waiting batch's
    leaves, about 100 KB per 1,000 events.
    """
    wanted = set(line_ids)
    cursor.execute("SELECT line_counts FROM transparency_pendingleaves")
    counts: Counter[int] = Counter()
    for (encoded,) in cursor.fetchall():
        for line, effects in orjson.loads(bytes(encoded)):
            if line in wanted:
                counts[line] += effects
    return counts


def waiting_sources(cursor: Any) -> list[tuple[int, int]]:
    """(order line, order event) row ids of every leaf waiting, for audits."""
    cursor.execute("SELECT data FROM transparency_pendingleaves")
    return [
        (effect[0], effect[1])
        for (data,) in cursor.fetchall()
        for effect in orjson.loads(bytes(data))["effects"]
    ]


class Taken(Exception):
    """Another appender took some of the waiting batches first."""


def append_read(cursor: Any, waiting: Waiting) -> int:
    """Append ``waiting`` (read_waiting) in the caller's transaction, and delete
    its rows; Taken if any of them is gone (roll back and read again)."""
    if not waiting.batch_ids:
        return 0
    return _append(cursor, [], [], waiting)


def append_waiting(cursor: Any) -> int:
    """Append every batch waiting, under the lock, in the caller's transaction."""
    return _append(cursor, [], [])


def _append(
    cursor: Any,
    encoded: list[bytes],
    sources: Sequence[tuple[int | None, int | None]],
    waiting: Waiting | None = None,
) -> int:
    """Under the log's lock, the waiting leaves (``waiting`` if read already,
    else all of them), then ``encoded``: a line's earlier effects come first."""
    size, last, frontier = _lock(cursor)
    if waiting is None:
        waiting = read_waiting(cursor)
    if waiting.batch_ids:
        deleted = bulk.delete_counted(cursor, "transparency_pendingleaves", "id", waiting.batch_ids)
        if deleted != len(waiting.batch_ids):
            raise Taken(
                f"{len(waiting.batch_ids) - deleted} of the batches read were appended by another"
            )
        hashes = waiting.hashes + store.leaf_hashes(encoded)
        encoded, sources = waiting.encoded + encoded, [*waiting.sources, *sources]
    else:
        hashes = store.leaf_hashes(encoded)
    if not encoded:
        return 0
    appended = store.append(cursor, encoded, locked_size=size, frontier=frontier, hashes=hashes)
    store.insert(
        cursor,
        "transparency_leafsource",
        SOURCE_COLUMNS,
        ("int8", "int8", "int8"),
        [(index, *source) for index, source in enumerate(sources, appended.first_index)],
    )
    store.insert(
        cursor,
        "transparency_buyersalt",
        ("order_line_id", "salt"),
        store.BYTES_ROW,
        waiting.new_salts,
    )
    _sign_if_due(cursor, appended.tree_size, last, now_ms(), force=False)
    return len(encoded)


# signing --------------------------------------------------------------------


def interval_ms() -> int:
    return int(getattr(settings, "DERMAWAN_LOG_HEAD_INTERVAL_MS", heads.INTERVAL_MS))


@functools.lru_cache(maxsize=4)
def _key_at(path: Path) -> Ed25519PrivateKey:
    return signing.ensure_key(path)


def signing_key() -> Ed25519PrivateKey:
    """The log's key from the data directory, made there on first use; read once."""
    return _key_at(signing.key_path())


def now_ms() -> int:
    return time.time_ns() // 1_000_000


def sign_if_due(
    cursor: Any, tree_size: int, at_ms: int | None = None, *, force: bool = False
) -> heads.SignedTreeHead | None:
    """Sign the log if it grew and the last head is older than the interval
    (``force``: if it grew at all)."""
    store.lock(cursor)  # read the last head as the next writer will see it
    last = heads.latest(cursor)
    return _sign_if_due(cursor, tree_size, last, now_ms() if at_ms is None else at_ms, force=force)


def _sign_if_due(
    cursor: Any, tree_size: int, last: heads.SignedTreeHead | None, moment: int, *, force: bool
) -> heads.SignedTreeHead | None:
    """``sign_if_due`` with the lock held and ``last`` read under it."""
    if last is not None:
        moment = max(moment, last.head.timestamp_ms)  # another writer's clock ran ahead
    if not heads.due(last, tree_size, moment, 0 if force else interval_ms()):
        return None
    return heads.sign_current(cursor, signing_key(), moment)
