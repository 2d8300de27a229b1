"""POST /api/v1/events: per-event outcomes, the engine's rules, retries, bad input."""

from __future__ import annotations

import json
from typing import Any

import pytest

from dermawan.donations.models import Event, IngestRun, OrderLine
from tests.api.support import Api, Keys, ServedApi, fields, problem, row_counts, state
from tests.donations.builders import (
    PROJECT,
    cancelled,
    completed,
    figures,
    paid,
    refunded,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(params=["test-client", "served"])
def api(request: pytest.FixtureRequest) -> Api:
    """Each test twice: through Django's test client (the API's Ninja route) and
    through the served application, whose hot path answers ``POST /events``."""
    return Api() if request.param == "test-client" else ServedApi()


def outcomes(response: Any) -> list[tuple[str, str, str | None]]:
    assert response.status_code == 200, response.content
    return [(o["event_id"], o["outcome"], o.get("reason")) for o in response.json()["outcomes"]]


def test_each_event_gets_its_outcome_in_request_order(api: Api, keys: Keys) -> None:
    api.events(paid("p-0", "o-0"), key=keys.marketplace)
    response = api.events(
        paid("p-1", "o-1"),  # applied
        paid("p-0", "o-0"),  # the same event again: duplicate
        completed("c-2", "o-2"),  # no paid yet: parked
        paid("p-3", "o-3", quantity=0),  # outside 1..1,000,000: rejected
        paid("p-4", "o-1"),  # a second paid of o-1/1: conflict
        {**paid("p-5", "o-5"), "type": "shipped"},  # unknown_type
        refunded("r-6", "o-1", refund_minor=30_000),  # more than the net 20,000
        key=keys.marketplace,
    )
    assert outcomes(response) == [
        ("p-1", "applied", None),
        ("p-0", "duplicate", None),
        ("c-2", "parked", None),
        ("p-3", "rejected", "invalid_amount"),
        ("p-4", "rejected", "conflict"),
        ("p-5", "rejected", "unknown_type"),
        ("r-6", "rejected", "refund_exceeds_paid"),
    ]
    document = response.json()
    assert document["counts"] == {
        "read": 7,
        "applied": 1,
        "duplicates": 1,
        "parked": 1,
        "rejected": 4,
        "donations_created": 1,
    }
    rejected = [o for o in document["outcomes"] if o["outcome"] == "rejected"]
    assert all(o["message"] for o in rejected)
    run = IngestRun.objects.get(pk=document["run_id"])
    assert run.source == "api" and run.finished_at is not None
    # The run counts what reached the engine (the reader refused two before it).
    assert (run.counts["read"], run.counts["requests"], run.counts["applied"]) == (5, 1, 1)


def test_the_engine_applies_the_spec(api: Api, keys: Keys) -> None:
    """5 % of 20,000 is 1,000; completed confirms it; a half refund reverses half."""
    api.events(paid("p-1", "o-1"), paid("p-2", "o-2"), key=keys.marketplace)
    api.events(
        completed("c-1", "o-1"), refunded("r-2", "o-2", refund_minor=10_000), key=keys.marketplace
    )
    # (donations, pledged, reversed, net, confirmed, pending)
    assert figures(PROJECT) == (2, 2_000, 500, 1_500, 1_000, 500)


def test_retrying_a_batch_is_safe(api: Api, keys: Keys) -> None:
    batch = [
        paid("p-1", "o-1"),
        completed("c-1", "o-1"),
        cancelled("x-2", "o-2"),
        paid("bad", "o-3", currency="XXX"),
    ]
    first = api.events(*batch, key=keys.marketplace)
    before = row_counts()
    totals = figures(PROJECT)
    again = api.events(*batch, key=keys.marketplace)
    assert [o[1:] for o in outcomes(first)] == [
        ("applied", None),
        ("applied", None),
        ("parked", None),
        ("rejected", "invalid_currency"),
    ]
    # Applied and parked events come back as duplicates; the reject is judged again.
    assert [o[1:] for o in outcomes(again)] == [
        ("duplicate", None),
        ("duplicate", None),
        ("duplicate", None),
        ("rejected", "invalid_currency"),
    ]
    assert figures(PROJECT) == totals
    after = row_counts()
    assert after.pop("IngestRun") == before.pop("IngestRun") + 1
    assert after == before


def test_a_parked_event_is_applied_when_its_paid_arrives_later(api: Api, keys: Keys) -> None:
    assert outcomes(api.events(completed("c-1", "o-1"), key=keys.marketplace)) == [
        ("c-1", "parked", None)
    ]
    response = api.events(paid("p-1", "o-1"), key=keys.marketplace)
    assert outcomes(response) == [("p-1", "applied", None)]
    assert response.json()["counts"]["applied"] == 1  # this request's own events
    assert OrderLine.objects.get(order_id="o-1").status == "completed"


def test_earlier_parked_events_rejected_now_are_listed(api: Api, keys: Keys) -> None:
    api.events(refunded("r-1", "o-1", refund_minor=50_000), key=keys.marketplace)
    response = api.events(paid("p-1", "o-1"), key=keys.marketplace)
    assert outcomes(response) == [("p-1", "applied", None)]
    assert [(r["event_id"], r["reason"]) for r in response.json()["earlier_parked_rejected"]] == [
        ("r-1", "refund_exceeds_paid")
    ]
    assert response.json()["counts"]["rejected"] == 1


def test_an_integer_event_id_reads_as_its_decimal_text(api: Api, keys: Keys) -> None:
    response = api.events(paid(17, 42, 1), key=keys.marketplace)
    assert outcomes(response) == [("17", "applied", None)]
    assert Event.objects.filter(event_id="17").exists()


# --- bad input: 4xx, a problem naming the field, nothing written -----------------------


def refused(api: Api, keys: Keys, status: int, code: str, **call: Any) -> dict[str, Any]:
    before = state()
    response = api.post("/api/v1/events", key=keys.marketplace, **call)
    document = problem(response, status, code)
    assert state() == before, "a refused request wrote something"
    return document


def test_malformed_json(api: Api, keys: Keys) -> None:
    refused(api, keys, 400, "invalid-json", raw=b'{"events": [')


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("quantity", "2"),
        ("quantity", 2.0),
        ("quantity", True),
        ("unit_price_minor", [1]),
        ("event_id", 1.5),
        ("occurred_at", 1_700_000_000),
        ("currency", 360),
        ("buyer_id", {"id": 1}),
        ("order_id", "o" * 101),
        ("event_id", "e" * 201),
    ],
)
def test_wrong_types_name_the_field(api: Api, keys: Keys, field: str, value: Any) -> None:
    body = {"events": [paid("ok", "o-0"), {**paid("p-1"), field: value}]}
    document = refused(api, keys, 422, "validation-failed", body=body)
    assert fields(document) == {f"events[1].{field}"}
    assert document["errors"][0]["pointer"] == f"/events/1/{field}"


def test_unknown_fields_name_the_field(api: Api, keys: Keys) -> None:
    document = refused(
        api,
        keys,
        422,
        "validation-failed",
        body={"events": [{**paid("p-1"), "colour": "red"}], "note": 1},
    )
    assert fields(document) == {"note", "events[0].colour"}


def test_missing_always_required_fields(api: Api, keys: Keys) -> None:
    event = paid("p-1")
    del event["order_id"]
    document = refused(api, keys, 422, "validation-failed", body={"events": [event]})
    assert fields(document) == {"events[0].order_id"}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ([paid("p-1")], ""),
        ({}, "events"),
        ({"events": {}}, "events"),
        ({"events": []}, "events"),
        ({"events": [1]}, "events[0]"),
    ],
)
def test_wrong_shapes(api: Api, keys: Keys, body: Any, field: str) -> None:
    assert field in fields(refused(api, keys, 422, "validation-failed", body=body))


def test_more_than_1000_events(api: Api, keys: Keys) -> None:
    body = {"events": [paid(f"p-{i}", f"o-{i}") for i in range(1001)]}
    assert fields(refused(api, keys, 413, "batch-too-large", body=body)) == {"events"}


def test_a_body_over_5_mib(api: Api, keys: Keys) -> None:
    padding = "x" * (5 * 2**20)
    body = {"events": [paid("p-1", buyer_id=padding)]}
    refused(api, keys, 413, "body-too-large", body=body)


def test_not_json_media_type(api: Api, keys: Keys) -> None:
    refused(
        api,
        keys,
        415,
        "unsupported-media-type",
        raw=json.dumps({"events": [paid("p-1")]}),
        content_type="text/plain",
    )


def test_a_nul_in_an_id_is_refused_before_the_database(api: Api, keys: Keys) -> None:
    document = refused(api, keys, 422, "validation-failed", body={"events": [paid("p\x00-1")]})
    assert fields(document) == {"events[0].event_id"}


def test_1000_events_in_one_batch(api: Api, keys: Keys) -> None:
    response = api.events(*(paid(f"p-{i}", f"o-{i}") for i in range(1000)), key=keys.marketplace)
    assert response.json()["counts"]["applied"] == 1000
    assert figures(PROJECT)[:2] == (1000, 1_000_000)
