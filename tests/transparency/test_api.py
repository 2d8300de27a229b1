"""The log over HTTP, for anyone: heads, leaves and proofs that verify offline."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from dermawan.transparency import signing
from dermawan.transparency.documents import head_from_document
from dermawan.transparency.hashing import leaf_hash, verify_consistency, verify_inclusion
from tests.api.support import Api, problem
from tests.donations.builders import completed, ingest, load_default_catalog, paid

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_rate_limits_left_over() -> None:
    from dermawan.api import ratelimits

    ratelimits.reset()


def b(text: str) -> bytes:
    return base64.b64decode(text)


def ok(response: Any) -> Any:
    assert response.status_code == 200, response.content[:500]
    return response.json()


@pytest.fixture
def grown() -> None:
    """Seven leaves in four batches, a head after each."""
    load_default_catalog()
    ingest(
        paid("p-1", "o-1", "1", buyer_id="b-1"),
        paid("p-2", "o-1", "2"),
        paid("p-3", "o-2", "1"),
        paid("p-4", "o-3", "1"),
        completed("c-1", "o-1", "1"),
        completed("c-2", "o-1", "2"),
        completed("c-3", "o-2", "1"),
        batch_size=2,
    )


def test_heads_verify_with_the_published_key(grown: None) -> None:
    api = Api()
    published = ok(api.get("/api/v1/log/key"))
    key = signing.load_public_key(published["public_key"])
    assert signing.load_public_key(published["public_key_pem"]).public_bytes_raw() == b(
        published["public_key"]
    )
    assert published["key_id"] == signing.key_id(key)
    page = ok(api.get("/api/v1/log/heads?limit=2"))
    assert page["count"] == 4 and len(page["items"]) == 2
    latest = ok(api.get("/api/v1/log/heads/latest"))
    assert page["items"][0] == latest and latest["tree_size"] == 7
    for document in ok(api.get("/api/v1/log/heads"))["items"]:
        signed = head_from_document(document)
        assert signing.verify(key, signed.head, signed.signature)


def test_every_leaf_is_proven_in_the_latest_head(grown: None) -> None:
    api = Api()
    root = b(ok(api.get("/api/v1/log/heads/latest"))["root_hash"])
    for index in range(7):
        leaf = ok(api.get(f"/api/v1/log/leaves/{index}"))
        data = b(leaf["leaf"])
        assert b(leaf["leaf_hash"]) == leaf_hash(data)
        proof = ok(api.get(f"/api/v1/log/proofs/inclusion?leaf_index={index}"))
        assert proof["tree_size"] == 7 and b(proof["leaf_hash"]) == leaf_hash(data)
        path = [b(h) for h in proof["audit_path"]]
        assert verify_inclusion(index, 7, leaf_hash(data), path, root)
        assert not verify_inclusion(index, 7, leaf_hash(data + b"x"), path, root)
    first = ok(api.get("/api/v1/log/leaves/0"))["fields"]
    assert (first["kind"], first["order_id"], first["amount_minor"]) == ("pledged", "o-1", 1_000)
    assert first["buyer_hash"] is not None and "b-1" not in str(first)
    assert first["pledge"]["pledge_id"] == "pl-wide"


def test_every_older_head_is_consistent_with_the_latest(grown: None) -> None:
    api = Api()
    latest = head_from_document(ok(api.get("/api/v1/log/heads/latest"))).head
    for document in ok(api.get("/api/v1/log/heads"))["items"]:
        older = head_from_document(document).head
        proof = ok(api.get(f"/api/v1/log/proofs/consistency?first={older.tree_size}"))
        assert proof["second"] == latest.tree_size
        path = [b(h) for h in proof["consistency_path"]]
        assert verify_consistency(
            older.tree_size, latest.tree_size, older.root_hash, latest.root_hash, path
        )
    explicit = ok(api.get("/api/v1/log/proofs/consistency?first=3&second=5"))
    assert (explicit["first"], explicit["second"]) == (3, 5)


def test_questions_beyond_the_log_are_404_and_bad_ones_422(grown: None) -> None:
    api = Api()
    problem(api.get("/api/v1/log/leaves/7"), 404, "not-found")
    problem(api.get("/api/v1/log/proofs/inclusion?leaf_index=7"), 404, "not-found")
    problem(api.get("/api/v1/log/proofs/inclusion?leaf_index=0&tree_size=8"), 404, "not-found")
    problem(api.get("/api/v1/log/proofs/consistency?first=6&second=5"), 404, "not-found")
    problem(api.get("/api/v1/log/proofs/inclusion?leaf_index=-1"), 422, "validation-failed")
    problem(api.get("/api/v1/log/proofs/inclusion"), 422, "validation-failed")
    problem(api.get(f"/api/v1/log/leaves/{2**63}"), 422, "validation-failed")


def test_an_empty_log_has_no_head_yet() -> None:
    api = Api()
    problem(api.get("/api/v1/log/heads/latest"), 404, "not-found")
    problem(api.get("/api/v1/log/proofs/inclusion?leaf_index=0"), 404, "not-found")
    assert ok(api.get("/api/v1/log/heads"))["count"] == 0
