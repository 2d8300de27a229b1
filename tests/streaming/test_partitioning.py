"""Partitions: a merchant always maps to one, every event of a line follows its paid."""

from __future__ import annotations

import re
import zlib
from collections import Counter

import orjson
import pytest

from dermawan.streaming.partitioning import (
    UNKNOWN_MERCHANT,
    merchant_token,
    parse_partitions,
    partition_of,
    subject,
    subject_prefix,
)
from dermawan.streaming.routing import Router, message_id

# A subject token: no dots, whitespace or wildcards.
TOKEN = re.compile(r"[^.\s*>]+\Z")


def test_a_merchant_has_one_partition_computable_anywhere() -> None:
    for merchant in ("toko-tani", "grosir dapur", "店铺-42", ""):
        first = partition_of(merchant, 16)
        assert first == partition_of(merchant, 16)
        # The documented function, so producers in other languages agree.
        assert first == zlib.crc32(merchant.encode("utf-8")) % 16
        assert 0 <= first < 16


def test_merchants_spread_over_the_partitions() -> None:
    counts = Counter(partition_of(f"merchant-{i}", 8) for i in range(8_000))
    assert set(counts) == set(range(8))
    assert max(counts.values()) < 1.2 * min(counts.values())


@pytest.mark.parametrize("merchant", ["a.b", "x y", "*", ">", "a~b", "%", "m.>", "toko"])
def test_any_merchant_id_is_one_subject_token(merchant: str) -> None:
    token = merchant_token(merchant)
    assert TOKEN.match(token), token
    assert token != UNKNOWN_MERCHANT
    assert subject("orders", 3, merchant).split(".") == ["orders", "3", token]


def test_distinct_merchants_get_distinct_tokens() -> None:
    merchants = ["a.b", "a%2Eb", "a b", "a+b", "a~b", "a%7Eb"]
    assert len({merchant_token(m) for m in merchants}) == len(merchants)


def test_subjects_and_partition_lists_are_checked() -> None:
    assert subject_prefix("t1.orders.>") == "t1.orders"
    for bad in ("orders", "orders.*", ">", "orders.>.x"):
        with pytest.raises(ValueError):
            subject_prefix(bad)
    assert parse_partitions("0-2,5", 8) == [0, 1, 2, 5]
    for bad in ("8", "3-1", "x", ""):
        with pytest.raises(ValueError):
            parse_partitions(bad, 8)


def _paid(event_id: str, order: str, merchant: str) -> dict[str, object]:
    return {"event_id": event_id, "type": "paid", "order_id": order, "line_id": "1",
            "merchant_id": merchant}  # fmt: skip


def _follow_up(event_id: str, order: str) -> dict[str, object]:
    return {"event_id": event_id, "type": "completed", "order_id": order, "line_id": "1"}


def _route(router: Router, number: int, record: dict[str, object]) -> list[tuple[str, int]]:
    payload = orjson.dumps(record)
    return [(m.subject, m.number) for m in router.route(number, payload, record)]


def test_a_follow_up_without_merchant_goes_where_its_paid_went() -> None:
    router = Router("orders", 8)
    paid = _route(router, 1, _paid("e1", "o1", "toko-a"))
    after = _route(router, 2, _follow_up("e2", "o1"))
    # Same partition; the merchant token says the event itself named none.
    assert [s.split(".")[1] for s, _ in after] == [paid[0][0].split(".")[1]]
    assert after[0][0].endswith(f".{UNKNOWN_MERCHANT}")


def test_a_follow_up_before_its_paid_is_sent_right_behind_it() -> None:
    router = Router("orders", 8)
    assert _route(router, 1, _follow_up("e2", "o9")) == []  # held
    assert _route(router, 2, _follow_up("e3", "o9")) == []
    sent = _route(router, 3, _paid("e1", "o9", "toko-b"))
    expected = subject("orders", partition_of("toko-b", 8), "toko-b").rsplit(".", 1)[0]
    assert [n for _, n in sent] == [3, 1, 2]  # the paid, then the held ones in file order
    assert all(s.rsplit(".", 1)[0] == expected for s, _ in sent)
    assert router.leftovers() == [] and router.unresolved == 0


def test_a_follow_up_whose_paid_never_comes_goes_by_order_id_and_is_counted() -> None:
    router = Router("orders", 8)
    assert _route(router, 1, _follow_up("e2", "o-orphan")) == []
    left = router.leftovers()
    assert [m.number for m in left] == [1]
    partition = zlib.crc32(b"o-orphan") % 8
    assert left[0].subject == f"orders.{partition}.{UNKNOWN_MERCHANT}"
    assert router.unresolved == 1


def test_the_message_id_changes_with_the_bytes_not_only_the_event_id() -> None:
    same = message_id("e1", b'{"a":1}')
    assert same == message_id("e1", b'{"a":1}')
    assert same != message_id("e1", b'{"a":2}')  # a conflict must reach the engine
    assert same is not None and same.startswith("e1:")
    assert message_id(None, b"x") is None
