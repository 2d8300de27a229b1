"""The outbox: webhook messages written in the engine's own transaction."""

from __future__ import annotations

import json

import orjson
import pytest
from django.db import connection, transaction

from dermawan.api.event_batches import apply_records
from dermawan.api.event_bodies import event_values
from dermawan.api.models import ProductDonations
from dermawan.webhooks import outbox
from dermawan.webhooks.models import Delivery, Endpoint, Message
from dermawan.webhooks.sealing import seal, unseal
from tests.donations.builders import (
    MERCHANT,
    PRODUCT,
    cancelled,
    completed,
    ingest,
    load_default_catalog,
    paid,
    refunded,
)

pytestmark = pytest.mark.django_db


def endpoint(*events: str, active: bool = True) -> Endpoint:
    return Endpoint.objects.create(
        url="http://127.0.0.1:9/hooks",
        events=list(events),
        secret_sealed=seal("s" * 32),
        active=active,
    )


def messages() -> list[tuple[str, dict[str, object]]]:
    return [(m.type, json.loads(m.data)) for m in Message.objects.order_by("id")]


def test_confirmed_and_reversed_donations_are_announced() -> None:
    load_default_catalog()
    hook = endpoint("donation.confirmed", "donation.reversed")
    ingest(paid("p-1", "o-1", buyer_id="b-1"), paid("p-2", "o-2"))
    assert messages() == []  # a pledged donation is not announced
    ingest(
        completed("c-1", "o-1"), refunded("r-1", "o-1", refund_minor=5_000), cancelled("x-2", "o-2")
    )
    announced = messages()
    assert [
        (t, d["order_id"], d["amount_minor"], d["after_confirmation"]) for t, d in announced
    ] == [
        ("donation.confirmed", "o-1", 1_000, False),
        ("donation.reversed", "o-1", 250, True),
        ("donation.reversed", "o-2", 1_000, False),
    ]
    first = announced[0][1]
    assert (
        first["merchant_id"],
        first["product_id"],
        first["buyer_id"],
        first["order_event_id"],
        first["occurred_at"],
    ) == (MERCHANT, PRODUCT, "b-1", "c-1", "2026-09-10T08:00:00Z")
    deliveries = Delivery.objects.order_by("id")
    assert [(d.endpoint_id, d.status, d.attempts) for d in deliveries] == [
        (hook.pk, "pending", 0)
    ] * 3


def test_only_subscribed_active_endpoints_get_deliveries() -> None:
    load_default_catalog()
    reversed_only = endpoint("donation.reversed")
    endpoint("donation.confirmed", "donation.reversed", active=False)
    ingest(paid("p-1", "o-1"), completed("c-1", "o-1"), paid("p-2", "o-2"), cancelled("x-2", "o-2"))
    assert [t for t, _ in messages()] == ["donation.reversed"]
    assert list(Delivery.objects.values_list("endpoint_id", flat=True)) == [reversed_only.pk]


@pytest.mark.parametrize("lines", [3, 120], ids=["small batch", "large batch"])
def test_small_and_large_batches_announce_alike(lines: int) -> None:
    # PostgreSQL matches endpoints in SQL for a small batch (in a pipeline)
    # and reads them first for a large one: both write the same rows.
    load_default_catalog()
    both = endpoint("donation.confirmed", "donation.reversed")
    reversed_only = endpoint("donation.reversed")
    endpoint("donation.confirmed", active=False)
    ingest(*(paid(f"p-{n}", f"o-{n}") for n in range(lines)))
    assert messages() == []
    ingest(
        *(completed(f"c-{n}", f"o-{n}") if n % 2 else cancelled(f"x-{n}", f"o-{n}")
          for n in range(lines))
    )  # fmt: skip
    announced = messages()
    assert [(t, d["order_id"]) for t, d in announced] == [
        ("donation.confirmed" if n % 2 else "donation.reversed", f"o-{n}") for n in range(lines)
    ]
    wanted_by = {"donation.confirmed": [both.pk], "donation.reversed": [both.pk, reversed_only.pk]}
    ids = {m.pk: m.type for m in Message.objects.all()}
    deliveries = Delivery.objects.order_by("message_id", "endpoint_id")
    assert [(d.message_id, d.endpoint_id) for d in deliveries] == [
        (message_id, endpoint_id)
        for message_id in sorted(ids)
        for endpoint_id in sorted(wanted_by[ids[message_id]])
    ]
    assert {(d.status, d.attempts) for d in deliveries} == {("pending", 0)}


def test_an_api_batch_builds_only_the_types_its_opening_read() -> None:
    """An API group reads the types endpoints want with its lock (on
    PostgreSQL, ``TYPES_WANTED_SQL``): it writes what an ingest writes."""
    load_default_catalog()
    reversed_only = endpoint("donation.reversed")
    apply_records(event_values(orjson.dumps({"events": [paid("p-1", "o-1"), paid("p-2", "o-2")]})))
    apply_records(
        event_values(orjson.dumps({"events": [completed("c-1", "o-1"), cancelled("x-2", "o-2")]}))
    )
    assert [(t, d["order_id"]) for t, d in messages()] == [("donation.reversed", "o-2")]
    assert list(Delivery.objects.values_list("endpoint_id", flat=True)) == [reversed_only.pk]


def test_types_the_caller_read_as_unwanted_are_not_built() -> None:
    load_default_catalog()
    endpoint("donation.confirmed")
    ingest(paid("p-1", "o-1"), paid("p-2", "o-2"))
    with outbox.types_wanted(frozenset({"donation.reversed"})):
        ingest(completed("c-1", "o-1"))  # made since the caller's read: not announced
    ingest(completed("c-2", "o-2"))
    assert [(t, d["order_id"]) for t, d in messages()] == [("donation.confirmed", "o-2")]


def test_without_endpoints_nothing_is_written() -> None:
    load_default_catalog()
    ingest(paid("p-1", "o-1"), completed("c-1", "o-1"))
    assert Message.objects.count() == Delivery.objects.count() == 0


def test_a_rolled_back_batch_announces_nothing() -> None:
    load_default_catalog()
    endpoint("donation.confirmed")
    ingest(paid("p-1", "o-1"))
    with pytest.raises(RuntimeError), transaction.atomic():
        ingest(completed("c-1", "o-1"))
        assert Message.objects.count() == 1  # written inside the batch's transaction
        raise RuntimeError("the batch fails after the engine wrote")
    assert Message.objects.count() == Delivery.objects.count() == 0


def test_settlement_can_enqueue_payout_paid() -> None:
    hook = endpoint("payout.paid")
    with connection.cursor() as cursor:
        queued = outbox.enqueue(cursor.cursor, "payout.paid", [{"payout_id": "po-1"}], now_us=1)
    assert queued == 1
    assert messages() == [("payout.paid", {"payout_id": "po-1"})]
    assert Delivery.objects.get().endpoint_id == hook.pk


def test_the_engine_counts_donations_per_product() -> None:
    load_default_catalog()
    ingest(
        paid("p-1", "o-1"),
        paid("p-2", "o-2"),
        paid("p-3", "o-3", product_id="lain"),
        paid("p-4", "o-4", merchant_id="toko-lain"),
    )
    counts = dict(
        ((c.merchant_id, c.product_id), c.donations) for c in ProductDonations.objects.all()
    )
    # toko-lain has no pledge: its line makes no donation and no count.
    assert counts == {(MERCHANT, PRODUCT): 2, (MERCHANT, "lain"): 1}


def test_secrets_are_sealed() -> None:
    sealed = seal("whsec_abc")
    assert "whsec_abc" not in sealed and unseal(sealed) == "whsec_abc"
