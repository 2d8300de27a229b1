"""Checking a receipt offline: what its log entries prove, and what they cannot.

Pure functions over the receipt's JSON and the log's public key; no database,
no network. The browser check (static/transparency/verify.js) does the same
steps with WebCrypto. For every line of the receipt that carries ``log``:

1. the tree head's signature verifies with the public key given (and the
   head names that key);
2. every leaf decodes as a canonical donation leaf, and its inclusion proof
   leads from its leaf hash to the head's root;
3. the leaves are about this line (order, line, project, charity, currency),
   add up to the receipt's donation and reversed amounts, and their buyer
   hash opens to the receipt's buyer with the receipt's salt.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from dermawan.core.instants import to_rfc3339
from dermawan.transparency import leaves, signing
from dermawan.transparency.documents import head_from_document, unb64
from dermawan.transparency.hashing import ProofError, check_inclusion, leaf_hash

# What no receipt can prove, whatever it holds; said with every answer.
NOT_PROVEN = (
    "that everyone is shown the same log: compare the tree head with the one the log "
    "publishes (/api/v1/log/heads/latest) or a monitor holds, and ask for a consistency "
    "proof from an older head you kept",
    "that anything after the tree head is as shown: a later reversal or payout is a later "
    "leaf, in a later tree",
    "that the money reached the charity: a paid_out leaf records the platform's statement "
    "of a payment; the charity's bank statement is the proof of it",
    "that the pledge terms were the merchant's real promise: the leaf holds the catalog's "
    "record of it",
)


class ReceiptFormatError(ValueError):
    """The document is not a receipt with log entries (bad input, not a failed check)."""


@dataclass
class LineCheck:
    name: str
    proven: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


@dataclass
class ReceiptCheck:
    key_id: str
    lines: list[LineCheck] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return bool(self.lines) and not any(line.problems for line in self.lines)

    def document(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "key_id": self.key_id,
            "lines": [
                {"line": c.name, "ok": not c.problems, "proven": c.proven, "problems": c.problems}
                for c in self.lines
            ],
            "not_proven": list(NOT_PROVEN),
        }


def receipt_lines(document: Any) -> list[dict[str, Any]]:
    """The lines of an order receipt, a buyer's receipts page, or one line."""
    if isinstance(document, dict):
        for name in ("lines", "items"):
            if isinstance(document.get(name), list):
                return [line for line in document[name] if isinstance(line, dict)]
        if "log" in document:
            return [document]
    raise ReceiptFormatError(
        "not a dermawan receipt: expected an order receipt (lines), a buyer's receipts "
        "(items) or one receipt line (log)"
    )


def _name(line: dict[str, Any]) -> str:
    return f"order {line.get('order_id', '?')} line {line.get('line_id', '?')}"


def _amount(leaf: leaves.DonationLeaf) -> str:
    return f"{leaf.amount_minor} {leaf.currency} (minor units)"


def _check_leaf(
    check: LineCheck, line: dict[str, Any], entry: Any, size: int, root: bytes
) -> leaves.DonationLeaf | None:
    if not isinstance(entry, dict) or not isinstance(entry.get("leaf_index"), int):
        check.problems.append("a log entry has no leaf_index")
        return None
    index = entry["leaf_index"]
    try:
        data = unb64(entry.get("leaf"), f"leaf {index}")
        leaf = leaves.decode(data)
    except ValueError as error:  # LeafError too
        check.problems.append(f"leaf {index} is not a donation leaf: {error}")
        return None
    path = entry.get("audit_path")
    if path is None:
        check.problems.append(
            f"leaf {index} ({leaf.kind}) has no inclusion proof yet: no signed tree head "
            "covers it; fetch the receipt again after the next head"
        )
        return leaf
    try:
        if not isinstance(path, list):
            raise ValueError(f"the inclusion proof of leaf {index} is not a list")
        hashes = [unb64(h, f"node {n} of leaf {index}'s proof") for n, h in enumerate(path)]
        check_inclusion(index, size, leaf_hash(data), hashes, root)
    except (ValueError, ProofError) as error:
        check.problems.append(f"leaf {index} ({leaf.kind}) is not proven in the log: {error}")
        return leaf
    check.proven.append(
        f"leaf {index} is in the log's tree of size {size}: {leaf.kind} {_amount(leaf)} "
        f"at {to_rfc3339(leaf.occurred_at_us)} for project {leaf.project_id} of charity "
        f"{leaf.charity_id}" + ("" if not leaf.event_id else f" (event {leaf.event_id})")
    )
    if entry.get("kind") not in (None, leaf.kind):
        check.problems.append(f"leaf {index} is {leaf.kind}, the receipt says {entry['kind']}")
    for name in ("order_id", "line_id", "project_id", "charity_id", "currency"):
        claimed = line.get(name)
        if claimed is not None and claimed != getattr(leaf, name):
            check.problems.append(
                f"leaf {index} has {name} {getattr(leaf, name)!r}; the receipt says {claimed!r}"
            )
    return leaf


def _check_buyer(check: LineCheck, line: dict[str, Any], found: list[leaves.DonationLeaf]) -> None:
    buyer, salt_text = line.get("buyer_id"), line["log"].get("buyer_salt")
    hashed = [leaf for leaf in found if leaf.buyer_hash is not None]
    if not hashed:
        return
    if not isinstance(buyer, str) or salt_text is None:
        check.proven.append("the leaves hold a buyer hash; no buyer and salt to open it with")
        return
    try:
        salt = unb64(salt_text, "the buyer salt")
    except ValueError as error:
        check.problems.append(str(error))
        return
    if all(leaves.reveals(leaf, salt, buyer) for leaf in hashed):
        check.proven.append(f"the leaves' buyer hash opens to buyer {buyer} with this salt")
    else:
        check.problems.append(f"the leaves' buyer hash does not open to buyer {buyer}")


def _check_sums(check: LineCheck, line: dict[str, Any], found: list[leaves.DonationLeaf]) -> None:
    for kind, claimed_name in (("pledged", "donation_minor"), ("reversed", "reversed_minor")):
        claimed = line.get(claimed_name)
        if not isinstance(claimed, int):
            continue
        logged = sum(leaf.amount_minor for leaf in found if leaf.kind == kind)
        if logged != claimed:
            check.problems.append(
                f"the receipt's {claimed_name} is {claimed}; its {kind} leaves add up to {logged}"
            )
        elif claimed:
            check.proven.append(f"the receipt's {claimed_name} {claimed} is what the log holds")


def check_line(line: dict[str, Any], key: Ed25519PublicKey) -> LineCheck:
    check = LineCheck(_name(line))
    log = line["log"]
    if not isinstance(log, dict) or not isinstance(log.get("entries"), list):
        check.problems.append("its log has no entries")
        return check
    if log.get("tree_head") is None:
        check.problems.append("no signed tree head covers it yet; fetch the receipt again later")
        return check
    try:
        signed = head_from_document(log["tree_head"])
    except ValueError as error:
        check.problems.append(f"its tree head is malformed: {error}")
        return check
    head = signed.head
    if signed.key_id != signing.key_id(key):
        check.problems.append(
            f"its tree head names key {signed.key_id}, not the public key given "
            f"({signing.key_id(key)})"
        )
    if not signing.verify(key, head, signed.signature):
        check.problems.append("the tree head's signature does not verify with the public key")
        return check
    check.proven.append(
        f"the log's key signed a tree head of size {head.tree_size} at "
        f"{to_rfc3339(head.timestamp_ms * 1000)}"
    )
    found = [
        leaf
        for entry in log["entries"]
        if (leaf := _check_leaf(check, line, entry, head.tree_size, head.root_hash)) is not None
    ]
    waiting = log.get("entries_waiting")
    if isinstance(waiting, int) and waiting > 0:
        check.problems.append(
            f"{waiting} of its effects are committed and not yet in the log; fetch the "
            "receipt again in a moment"
        )
    if not check.problems:
        _check_sums(check, line, found)
        _check_buyer(check, line, found)
    return check


def check_receipt(document: Any, key: Ed25519PublicKey) -> ReceiptCheck:
    """Check every line of ``document`` that carries log entries."""
    result = ReceiptCheck(signing.key_id(key))
    lines = [line for line in receipt_lines(document) if line.get("log") is not None]
    if not lines:
        raise ReceiptFormatError("the receipt has no line with log entries to check")
    result.lines = [check_line(line, key) for line in lines]
    return result
