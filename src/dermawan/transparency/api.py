"""The log over HTTP, for anyone (no key): heads, leaves, proofs, the public key.

Mounted on the JSON API at /api/v1/log/... (dermawan.api.app). A monitor
keeps the last head it checked, fetches the latest, checks its signature
with the published key and asks for a consistency proof between the two;
a receipt holder asks for an inclusion proof of their leaf. Every proof is
read from stored subtree hashes in one query (store.py), never a rebuild.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Path, Query, Router, Schema
from pydantic import Field

from dermawan.api.auth import OPTIONAL
from dermawan.api.problems import Problem
from dermawan.api.schemas import LIMIT, OFFSET, Page
from dermawan.core import bulk
from dermawan.transparency import heads, leaves, recording, signing, store
from dermawan.transparency.documents import b64, head_document, leaf_fields
from dermawan.transparency.hashing import leaf_hash

router = Router(tags=["transparency log"])

# Sizes and indices fit a signed 64-bit column with room to spare.
MAX_SIZE = 2**62


class TreeHeadOut(Schema):
    tree_size: int = Field(description="leaves the head covers")
    timestamp_ms: int = Field(description="milliseconds since the Unix epoch, as signed")
    root_hash: str = Field(description="RFC 6962 root hash, base64")
    signature: str = Field(description="Ed25519 signature of the 57-byte head, base64")
    key_id: str = Field(description="SHA-256 of the raw public key, hex")


class TreeHeadPage(Page):
    items: list[TreeHeadOut]


class PublicKeyOut(Schema):
    algorithm: str
    key_id: str
    public_key: str = Field(description="the raw 32-byte Ed25519 public key, base64")
    public_key_pem: str


class PledgeTermsOut(Schema):
    pledge_id: str
    basis_points: int | None
    amount_minor: int | None
    currency: str | None
    max_per_line_minor: int | None
    valid_from: str
    valid_to: str | None


class LeafFieldsOut(Schema):
    kind: str
    occurred_at: str
    amount_minor: int
    currency: str
    event_id: str
    order_id: str | None
    line_id: str | None
    project_id: str | None
    charity_id: str
    pledge: PledgeTermsOut | None
    buyer_hash: str | None


class LeafOut(Schema):
    leaf_index: int
    leaf: str = Field(description="the canonical leaf bytes, base64")
    leaf_hash: str = Field(description="SHA-256(0x00 || leaf), base64")
    fields: LeafFieldsOut


class InclusionProofOut(Schema):
    leaf_index: int
    tree_size: int
    leaf_hash: str
    audit_path: list[str] = Field(description="RFC 9162 inclusion proof, base64 hashes")


class ConsistencyProofOut(Schema):
    first: int
    second: int
    consistency_path: list[str] = Field(description="RFC 9162 consistency proof, base64")


class LeafPath(Schema):
    leaf_index: int = Field(ge=0, le=MAX_SIZE)


class HeadsQuery(Schema):
    limit: int = LIMIT
    offset: int = OFFSET


class InclusionQuery(Schema):
    leaf_index: int = Field(ge=0, le=MAX_SIZE)
    tree_size: int | None = Field(
        None, ge=1, le=MAX_SIZE, description="default: the latest signed head's"
    )


class ConsistencyQuery(Schema):
    first: int = Field(ge=0, le=MAX_SIZE)
    second: int | None = Field(
        None, ge=0, le=MAX_SIZE, description="default: the latest signed head's"
    )


def _size_checked(cursor: Any, tree_size: int | None) -> int:
    """``tree_size``, or the latest head's; 404 beyond the log."""
    if tree_size is None:
        latest = heads.latest(cursor)
        if latest is None:
            raise Problem("not-found", "the log has no signed tree head yet")
        return latest.head.tree_size
    current = store.size(cursor)
    if tree_size > current:
        raise Problem("not-found", f"the log has had no tree of size {tree_size} ({current} now)")
    return tree_size


@router.get("/log/key", response=PublicKeyOut, openapi_extra=OPTIONAL)
def public_key(request: HttpRequest) -> dict[str, Any]:
    """The key every tree head is signed with: check heads offline with it."""
    key = recording.signing_key().public_key()
    return {
        "algorithm": "Ed25519",
        "key_id": signing.key_id(key),
        "public_key": signing.public_base64(key),
        "public_key_pem": signing.public_pem(key),
    }


@router.get("/log/heads/latest", response={200: TreeHeadOut, 404: None}, openapi_extra=OPTIONAL)
def latest_head(request: HttpRequest) -> dict[str, Any]:
    """The newest signed tree head."""
    signed = heads.latest(bulk.raw_cursor())
    if signed is None:
        raise Problem("not-found", "the log has no signed tree head yet")
    return head_document(signed)


@router.get("/log/heads", response=TreeHeadPage, openapi_extra=OPTIONAL)
def list_heads(request: HttpRequest, query: Query[HeadsQuery]) -> dict[str, Any]:
    """Every signed tree head, newest first."""
    cursor = bulk.raw_cursor()
    cursor.execute("SELECT count(*) FROM transparency_treehead")
    count = cursor.fetchone()[0]
    cursor.execute(
        f"SELECT {', '.join(heads.COLUMNS)} FROM transparency_treehead "
        f"ORDER BY id DESC LIMIT {int(query.limit)} OFFSET {int(query.offset)}"
    )
    items = [head_document(heads.from_row(row)) for row in cursor.fetchall()]
    return {"count": count, "limit": query.limit, "offset": query.offset, "items": items}


@router.get("/log/leaves/{leaf_index}", response={200: LeafOut, 404: None}, openapi_extra=OPTIONAL)
def read_leaf(request: HttpRequest, path: Path[LeafPath]) -> dict[str, Any]:
    """One leaf: its bytes, its hash, and what it says."""
    leaf_index = path.leaf_index
    found = store.entries(bulk.raw_cursor(), leaf_index, leaf_index + 1)
    if not found:
        raise Problem("not-found", f"the log has no leaf {leaf_index}")
    data = found[0][1]
    return {
        "leaf_index": leaf_index,
        "leaf": b64(data),
        "leaf_hash": b64(leaf_hash(data)),
        "fields": leaf_fields(leaves.decode(data)),
    }


@router.get(
    "/log/proofs/inclusion",
    response={200: InclusionProofOut, 404: None},
    openapi_extra=OPTIONAL,
)
def inclusion_proof(request: HttpRequest, query: Query[InclusionQuery]) -> dict[str, Any]:
    """The audit path of a leaf in the tree of a size (default: the latest head's)."""
    cursor = bulk.raw_cursor()
    size = _size_checked(cursor, query.tree_size)
    if query.leaf_index >= size:
        raise Problem("not-found", f"a tree of size {size} has no leaf {query.leaf_index}")
    proof = store.inclusion_proof(cursor, query.leaf_index, size)
    return {
        "leaf_index": proof.leaf_index,
        "tree_size": proof.tree_size,
        "leaf_hash": b64(proof.leaf_hash),
        "audit_path": [b64(h) for h in proof.path],
    }


@router.get(
    "/log/proofs/consistency",
    response={200: ConsistencyProofOut, 404: None},
    openapi_extra=OPTIONAL,
)
def consistency_proof(request: HttpRequest, query: Query[ConsistencyQuery]) -> dict[str, Any]:
    """The proof that the tree of size ``first`` is a prefix of that of ``second``."""
    cursor = bulk.raw_cursor()
    second = _size_checked(cursor, query.second)
    if query.first > second:
        raise Problem("not-found", f"tree size {query.first} comes after {second}: no proof")
    path = store.consistency_proof(cursor, query.first, second)
    return {"first": query.first, "second": second, "consistency_path": [b64(h) for h in path]}
