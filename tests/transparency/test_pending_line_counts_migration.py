"""Migration 0007 counts the effects of the batches already waiting."""

from __future__ import annotations

import importlib
from collections import Counter

import orjson
import pytest
from django.apps import apps

from dermawan.core import bulk
from dermawan.transparency import recording
from dermawan.transparency.models import PendingLeaves

pytestmark = pytest.mark.django_db

migration = importlib.import_module("dermawan.transparency.migrations.0007_pending_line_counts")


def test_the_batches_waiting_when_it_runs_get_their_counts() -> None:
    effects = [[7, 70, "pledged", 1, 500, "p-7"], [8, 80, "pledged", 1, 300, "p-8"],
               [7, 71, "confirmed", 2, 500, "c-7"]]  # fmt: skip
    # As a batch written before the column was: the field's default.
    PendingLeaves.objects.create(leaf_count=3, data=orjson.dumps({"lines": [], "effects": effects}))
    assert recording.waiting_counts(bulk.raw_cursor(), [7, 8]) == Counter()
    migration._count_waiting(apps, None)  # it uses no schema editor
    assert recording.waiting_counts(bulk.raw_cursor(), [7, 8, 9]) == Counter({7: 2, 8: 1})
