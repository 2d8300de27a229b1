"""The log's JSON shapes: tree heads, leaves and proofs as the API and receipts give them.

Bytes are standard base64 (RFC 4648 section 4, with padding), which a browser
decodes with ``atob``; instants are milliseconds (heads, as signed) or RFC
3339 (a leaf's decoded time, for people). One module, so that the API, the
receipts, ``verify-receipt`` and the browser check read the same fields.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from dermawan.core.instants import to_rfc3339
from dermawan.transparency import leaves
from dermawan.transparency.heads import SignedTreeHead
from dermawan.transparency.signing import TreeHead

FORMAT = "dermawan-log-v1"


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def unb64(text: object, what: str) -> bytes:
    """The bytes of base64 ``text``; ValueError naming ``what`` otherwise."""
    if not isinstance(text, str):
        raise ValueError(f"{what} is not a base64 string")
    try:
        return base64.b64decode(text, validate=True)
    except binascii.Error:
        raise ValueError(f"{what} is not valid base64") from None


def head_document(signed: SignedTreeHead) -> dict[str, Any]:
    head = signed.head
    return {
        "tree_size": head.tree_size,
        "timestamp_ms": head.timestamp_ms,
        "root_hash": b64(head.root_hash),
        "signature": b64(signed.signature),
        "key_id": signed.key_id,
    }


def head_from_document(document: Any) -> SignedTreeHead:
    if not isinstance(document, dict):
        raise ValueError("the tree head is not an object")
    size, stamp = document.get("tree_size"), document.get("timestamp_ms")
    if not isinstance(size, int) or not isinstance(stamp, int) or size < 0 or stamp < 0:
        raise ValueError("the tree head's tree_size and timestamp_ms are not natural numbers")
    key_id = document.get("key_id")
    if not isinstance(key_id, str):
        raise ValueError("the tree head has no key_id")
    head = TreeHead(size, stamp, unb64(document.get("root_hash"), "the tree head's root_hash"))
    return SignedTreeHead(head, unb64(document.get("signature"), "the signature"), key_id)


def pledge_document(terms: leaves.PledgeTerms | None) -> dict[str, Any] | None:
    if terms is None:
        return None
    return {
        "pledge_id": terms.pledge_id,
        "basis_points": terms.basis_points,
        "amount_minor": terms.amount_minor,
        "currency": terms.currency,
        "max_per_line_minor": terms.max_per_line_minor,
        "valid_from": to_rfc3339(terms.valid_from_us),
        "valid_to": None if terms.valid_to_us is None else to_rfc3339(terms.valid_to_us),
    }


def leaf_fields(leaf: leaves.DonationLeaf) -> dict[str, Any]:
    """A decoded leaf for people: what the effect says."""
    return {
        "kind": leaf.kind,
        "occurred_at": to_rfc3339(leaf.occurred_at_us),
        "amount_minor": leaf.amount_minor,
        "currency": leaf.currency,
        "event_id": leaf.event_id,
        "order_id": leaf.order_id,
        "line_id": leaf.line_id,
        "project_id": leaf.project_id,
        "charity_id": leaf.charity_id,
        "pledge": pledge_document(leaf.pledge),
        "buyer_hash": None if leaf.buyer_hash is None else b64(leaf.buyer_hash),
    }
