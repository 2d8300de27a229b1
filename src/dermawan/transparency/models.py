"""The log's tables: its entries, its tree's nodes, and its signed tree heads.

All three are append-only (database triggers refuse UPDATE and DELETE); the
store writes entries and nodes with set-based SQL (store.py), so the models
exist for the schema, for migrations and for reads off the hot path.
"""

from __future__ import annotations

from typing import Any

from django.db import models


class RowIdField(models.BigIntegerField):  # type: ignore[type-arg]
    """A 64-bit primary key that SQLite stores as the table's rowid.

    SQLite makes a column its rowid only when declared exactly ``integer
    primary key`` (which is 64-bit there); ``bigint`` would cost a second
    B-tree. PostgreSQL gets ``bigint``.
    """

    def db_type(self, connection: Any) -> str | None:
        if connection.vendor == "sqlite":
            return "integer"
        return super().db_type(connection)


class Entry(models.Model):
    """Leaf ``id`` of the log: the encoded donation effect (leaves.py)."""

    id = RowIdField(primary_key=True)
    data = models.BinaryField()

    class Meta:
        verbose_name_plural = "entries"

    def __str__(self) -> str:
        return f"leaf {self.id}"


class Node(models.Model):
    """The hash of one complete subtree above the leaves; ``id`` numbers it in
    order (tree.node_id), odd for these. A leaf's hash comes from its entry."""

    id = RowIdField(primary_key=True)
    hash = models.BinaryField()

    def __str__(self) -> str:
        return f"node {self.id}"


class TreeHead(models.Model):
    """A signed tree head: the log's root at a size, signed by its key (signing.py)."""

    tree_size = models.BigIntegerField()
    timestamp_ms = models.BigIntegerField()
    root_hash = models.BinaryField()
    signature = models.BinaryField()
    # SHA-256 of the raw Ed25519 public key that signed, in hex.
    key_id = models.CharField(max_length=64)

    class Meta:
        indexes = [models.Index(fields=["tree_size"])]
        constraints = [
            models.CheckConstraint(condition=models.Q(tree_size__gte=0), name="head_size_natural")
        ]

    def __str__(self) -> str:
        return f"tree head {self.tree_size} at {self.timestamp_ms}"


class LeafSource(models.Model):
    """Where leaf ``id`` came from: its order line and, for an effect the
    ledger holds, the order event (by row id) whose ledger transaction it
    mirrors (no event for ``paid_out``). Receipts find a line's leaves here;
    the audit rebuilds each leaf from these rows."""

    id = RowIdField(primary_key=True)
    order_line_id = models.BigIntegerField()
    event_row_id = models.BigIntegerField(null=True)

    class Meta:
        indexes = [models.Index(fields=["order_line_id"])]

    def __str__(self) -> str:
        return f"leaf {self.id} of order line {self.order_line_id}"


class BuyerSalt(models.Model):
    """The salt of an order line's buyer hash (leaves.buyer_hash). Never public:
    only the buyer's receipt carries it, so the buyer alone can open the hash."""

    order_line_id = RowIdField(primary_key=True)
    salt = models.BinaryField()

    def __str__(self) -> str:
        return f"salt of order line {self.order_line_id}"


class PendingLeaves(models.Model):
    """What the leaves of an engine batch will say, written in its
    transaction, waiting to be appended to the tree (appending.py, decision
    0041). The appender deletes the row in the transaction that appends its
    leaves: each is appended once.

    ``data`` is JSON (recording.record_effects): the batch's lines, then its
    effects in order. ``line_counts`` is JSON too, ``[[line pk, effects],
    ...]``: what a receipt counts as waiting, a twentieth of ``data``'s bytes
    (recording.waiting_counts).
    """

    id = models.BigAutoField(primary_key=True)
    leaf_count = models.IntegerField()
    data = models.BinaryField()
    line_counts = models.BinaryField(default=b"[]")

    class Meta:
        verbose_name_plural = "pending leaves"

    def __str__(self) -> str:
        return f"{self.leaf_count} leaves waiting ({self.pk})"
