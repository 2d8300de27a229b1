"""A donation effect as a log leaf: a canonical, versioned binary encoding.

One value has exactly one encoding, and ``decode`` accepts nothing else
(``encode(decode(b)) == b`` for every ``b`` it accepts), so a leaf hash names
one effect. No personal data goes in clear: the buyer appears only as
HMAC-SHA256(salt, buyer id), a commitment the buyer can open by revealing
the salt their receipt carries. Use a fresh random salt per order line, so
that one buyer's donations cannot be linked to each other in the public log.

Version 1, big-endian, in this order:

    version        u8     1
    kind           u8     1 pledged, 2 confirmed, 3 reversed, 4 paid_out
    occurred_at    i64    microseconds since the Unix epoch
    amount_minor   u64    minor units of ``currency``
    currency       3      ISO 4217 code, ASCII upper case
    event_id       str
    order_id       ?str   the order line (both or neither)
    line_id        ?str
    project_id     ?str
    charity_id     str
    pledge         ?      pledge_id str, basis_points ?u32, amount_minor ?u64,
                          currency ?3, max_per_line_minor ?u64,
                          valid_from_us i64, valid_to_us ?i64
    buyer_hash     ?32    HMAC-SHA256(salt, buyer id as UTF-8)

``str`` is a u16 byte length then UTF-8; ``?`` is a presence byte, 0 (absent)
or 1 (present, the value follows).
"""

from __future__ import annotations

import functools
import hmac
import secrets
import struct
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

VERSION = 1
KINDS = ("pledged", "confirmed", "reversed", "paid_out")
BUYER_HASH_SIZE = 32
SALT_SIZE = 32
MIN_SALT_SIZE = 16
MAX_STR = 0xFFFF

T = TypeVar("T")

_U8 = struct.Struct(">B")
_U16 = struct.Struct(">H")
_U32 = struct.Struct(">I")
_U64 = struct.Struct(">Q")
_I64 = struct.Struct(">q")
_HEAD = struct.Struct(">BBqQ")  # version, kind, occurred_at_us, amount_minor
_KIND_CODES = {kind: code for code, kind in enumerate(KINDS, start=1)}


class LeafError(ValueError):
    """Bytes that are not the canonical encoding of a leaf, or a leaf that cannot be one."""


@dataclass(frozen=True)
class PledgeTerms:
    """What the merchant promised: a share (basis points) or an amount per item."""

    pledge_id: str
    basis_points: int | None
    amount_minor: int | None
    currency: str | None
    max_per_line_minor: int | None
    valid_from_us: int
    valid_to_us: int | None


@dataclass(frozen=True)
class DonationLeaf:
    kind: str
    occurred_at_us: int
    amount_minor: int
    currency: str
    event_id: str
    order_id: str | None
    line_id: str | None
    project_id: str | None
    charity_id: str
    pledge: PledgeTerms | None
    buyer_hash: bytes | None

    def encode(self) -> bytes:
        return encode(self)


def new_salt() -> bytes:
    return secrets.token_bytes(SALT_SIZE)


def new_salts(count: int) -> list[bytes]:
    """``count`` fresh salts from one read of the system's random source."""
    pool = secrets.token_bytes(SALT_SIZE * count)
    return [pool[i : i + SALT_SIZE] for i in range(0, len(pool), SALT_SIZE)]


def buyer_hash(salt: bytes, buyer_id: str) -> bytes:
    """The buyer's commitment: HMAC-SHA256 keyed by the salt over the buyer id."""
    if len(salt) < MIN_SALT_SIZE:
        raise LeafError(f"a salt of {len(salt)} bytes is too short (at least {MIN_SALT_SIZE})")
    return hmac.digest(salt, buyer_id.encode("utf-8"), "sha256")


def reveals(leaf: DonationLeaf, salt: bytes, buyer_id: str) -> bool:
    """Whether ``salt`` opens the leaf's buyer hash to ``buyer_id``."""
    if leaf.buyer_hash is None or len(salt) < MIN_SALT_SIZE:
        return False
    return hmac.compare_digest(leaf.buyer_hash, buyer_hash(salt, buyer_id))


# encoding -------------------------------------------------------------------


def _str(value: str) -> bytes:
    data = value.encode("utf-8")
    if len(data) > MAX_STR:
        raise LeafError(f"a text field is {len(data)} bytes; at most {MAX_STR}")
    return _U16.pack(len(data)) + data


def _currency(value: str) -> bytes:
    if len(value) != 3 or not value.isascii() or not value.isalpha() or not value.isupper():
        raise LeafError(f"currency {value!r} is not three upper-case ASCII letters")
    return value.encode("ascii")


def _int(layout: struct.Struct, value: int, name: str) -> bytes:
    try:
        return layout.pack(value)
    except struct.error:
        raise LeafError(f"{name} {value} is out of range") from None


def _optional(value: T | None, write: Callable[[T], bytes]) -> bytes:
    return b"\x00" if value is None else b"\x01" + write(value)


def _optional_str(value: str | None) -> bytes:
    return b"\x00" if value is None else b"\x01" + _str(value)


def encode(leaf: DonationLeaf) -> bytes:
    return effect_part(
        leaf.kind, leaf.occurred_at_us, leaf.amount_minor, leaf.currency, leaf.event_id
    ) + line_part(
        leaf.order_id,
        leaf.line_id,
        leaf.project_id,
        leaf.charity_id,
        pledge_part(leaf.pledge),
        leaf.buyer_hash,
    )


# The encoding is what one effect says (kind, time, amount, currency, event),
# then what its order line says (the rest): an engine batch encodes the line's
# part once however many of its effects it logs, and no DonationLeaf is built
# on the hot path.


def effect_part(
    kind: str, occurred_at_us: int, amount_minor: int, currency: str, event_id: str
) -> bytes:
    code = _KIND_CODES.get(kind)
    if code is None:
        raise LeafError(f"effect kind {kind!r} is not one of {', '.join(KINDS)}")
    try:
        head = _HEAD.pack(VERSION, code, occurred_at_us, amount_minor)
    except struct.error:
        _int(_I64, occurred_at_us, "occurred_at_us")
        _int(_U64, amount_minor, "amount_minor")
        raise
    event = event_id.encode("utf-8")
    if len(event) > MAX_STR:
        raise LeafError(f"a text field is {len(event)} bytes; at most {MAX_STR}")
    return head + _currency_bytes(currency) + _U16.pack(len(event)) + event


def line_part(
    order_id: str | None,
    line_id: str | None,
    project_id: str | None,
    charity_id: str,
    pledge: bytes,
    buyer_hash: bytes | None,
) -> bytes:
    """The line's part; ``pledge`` is ``pledge_part`` of its terms."""
    if (order_id is None) != (line_id is None):
        raise LeafError("an order line is named by both its order id and its line id")
    if buyer_hash is not None and len(buyer_hash) != BUYER_HASH_SIZE:
        raise LeafError(f"a buyer hash is {BUYER_HASH_SIZE} bytes, not {len(buyer_hash)}")
    return b"".join(
        (
            _optional_str(order_id),
            _optional_str(line_id),
            _beneficiary(project_id, charity_id),
            pledge,
            b"\x00" if buyer_hash is None else b"\x01" + buyer_hash,
        )
    )


@functools.lru_cache(maxsize=4096)  # a catalog has few projects; a batch repeats them
def _beneficiary(project_id: str | None, charity_id: str) -> bytes:
    return _optional_str(project_id) + _str(charity_id)


def pledge_part(terms: PledgeTerms | None) -> bytes:
    """The encoding of a leaf's pledge field (presence byte included)."""
    return b"\x00" if terms is None else b"\x01" + _pledge(terms)


@functools.lru_cache(maxsize=256)  # a handful of currencies, checked once each
def _currency_bytes(value: str) -> bytes:
    return _currency(value)


@functools.lru_cache(maxsize=4096)  # a catalog has few pledges; a batch repeats them
def _pledge(terms: PledgeTerms) -> bytes:
    return b"".join(
        [
            _str(terms.pledge_id),
            _optional(terms.basis_points, lambda v: _int(_U32, v, "basis_points")),
            _optional(terms.amount_minor, lambda v: _int(_U64, v, "pledge amount_minor")),
            _optional(terms.currency, _currency),
            _optional(terms.max_per_line_minor, lambda v: _int(_U64, v, "max_per_line_minor")),
            _int(_I64, terms.valid_from_us, "valid_from_us"),
            _optional(terms.valid_to_us, lambda v: _int(_I64, v, "valid_to_us")),
        ]
    )


# decoding -------------------------------------------------------------------


class _Reader:
    def __init__(self, data: bytes) -> None:
        self.data = data
        self.at = 0

    def take(self, count: int) -> bytes:
        end = self.at + count
        if end > len(self.data):
            raise LeafError(f"the leaf ends early, at byte {len(self.data)}")
        chunk = self.data[self.at : end]
        self.at = end
        return chunk

    def number(self, layout: struct.Struct) -> int:
        value: int = layout.unpack(self.take(layout.size))[0]
        return value

    def text(self) -> str:
        try:
            return self.take(self.number(_U16)).decode("utf-8")
        except UnicodeDecodeError:
            raise LeafError(f"a text field before byte {self.at} is not UTF-8") from None

    def currency(self) -> str:
        value = self.take(3).decode("latin-1")
        _currency(value)
        return value

    def optional(self, read: Callable[[], T]) -> T | None:
        flag = self.number(_U8)
        if flag == 0:
            return None
        if flag != 1:
            raise LeafError(f"presence byte {flag} at byte {self.at - 1} is neither 0 nor 1")
        return read()

    def pledge(self) -> PledgeTerms:
        return PledgeTerms(
            pledge_id=self.text(),
            basis_points=self.optional(lambda: self.number(_U32)),
            amount_minor=self.optional(lambda: self.number(_U64)),
            currency=self.optional(self.currency),
            max_per_line_minor=self.optional(lambda: self.number(_U64)),
            valid_from_us=self.number(_I64),
            valid_to_us=self.optional(lambda: self.number(_I64)),
        )


def decode(data: bytes) -> DonationLeaf:
    """The leaf ``data`` encodes; LeafError unless it is a canonical encoding."""
    reader = _Reader(data)
    version = reader.number(_U8)
    if version != VERSION:
        raise LeafError(f"leaf version {version} is not known (knows {VERSION})")
    kind = reader.number(_U8)
    if not 1 <= kind <= len(KINDS):
        raise LeafError(f"effect kind {kind} is not known")
    leaf = DonationLeaf(
        kind=KINDS[kind - 1],
        occurred_at_us=reader.number(_I64),
        amount_minor=reader.number(_U64),
        currency=reader.currency(),
        event_id=reader.text(),
        order_id=reader.optional(reader.text),
        line_id=reader.optional(reader.text),
        project_id=reader.optional(reader.text),
        charity_id=reader.text(),
        pledge=reader.optional(reader.pledge),
        buyer_hash=reader.optional(lambda: reader.take(BUYER_HASH_SIZE)),
    )
    if reader.at != len(data):
        raise LeafError(f"{len(data) - reader.at} bytes follow the leaf")
    if (leaf.order_id is None) != (leaf.line_id is None):
        raise LeafError("an order line is named by both its order id and its line id")
    return leaf
