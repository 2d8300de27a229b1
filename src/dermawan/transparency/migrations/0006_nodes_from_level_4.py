"""The store keeps the tree's nodes from level 4 up (decision 0042).

A node below covers at most 8 leaves; it is hashed from them when an answer
needs it. The lower nodes an older log stored are deleted here (they are
derived from the entries, which stay, as do the signed heads), and made
again from the entries if the migration is reversed.
"""

from typing import Any

from django.db import migrations

from dermawan.core.append_only import refuse_changes
from dermawan.transparency import tree
from dermawan.transparency.hashing import leaf_hash

LEVEL = 4  # tree.STORED_FROM_LEVEL when this migration was written
# Node ids of level l are those equal to 2^l - 1 modulo 2^(l + 1) (%% for the
# schema editor, which formats the statement).
LOWER = " OR ".join(f"id %% {2 << level} = {(1 << level) - 1}" for level in range(1, LEVEL))
CHUNK = 10_000

_triggers = refuse_changes("transparency", "transparency log", ("transparency_node",))


def _drop_lower_nodes(apps: Any, schema_editor: Any) -> None:
    _triggers.reverse_code(apps, schema_editor)  # type: ignore[misc]
    schema_editor.execute(f"DELETE FROM transparency_node WHERE {LOWER}")
    _triggers.code(apps, schema_editor)


def _make_lower_nodes(apps: Any, schema_editor: Any) -> None:
    _triggers.reverse_code(apps, schema_editor)  # type: ignore[misc]
    Entry, Node = apps.get_model("transparency", "Entry"), apps.get_model("transparency", "Node")
    size, frontier = 0, []
    while rows := list(
        Entry.objects.filter(id__gte=size, id__lt=size + CHUNK).order_by("id").values_list("data")
    ):
        hashes = [leaf_hash(bytes(data)) for (data,) in rows]
        grown = tree.grow(size, frontier, hashes)
        Node.objects.bulk_create(
            Node(id=node, hash=digest) for node, digest in grown if tree.level_of(node) < LEVEL
        )
        known = {**dict(zip(tree.subtrees(0, size), frontier, strict=True)), **dict(grown)}
        known.update((tree.node_id(0, size + i), digest) for i, digest in enumerate(hashes))
        size += len(rows)
        frontier = [known[node] for node in tree.subtrees(0, size)]
    _triggers.code(apps, schema_editor)


class Migration(migrations.Migration):
    dependencies = [("transparency", "0005_pending_leaves")]

    operations = [migrations.RunPython(_drop_lower_nodes, _make_lower_nodes)]
