"""Work other apps add to a batch: inside its transaction, and after it commits.

The engine knows no app above it: the HTTP side (webhook outbox, badge
counts) and the transparency log register here from their AppConfig.ready(),
and every source (file, HTTP, stream) gets the same rows in the same
transaction, then runs the same work once it has committed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from typing import Any

from django.db import transaction

from dermawan.donations.events import OrderEvent
from dermawan.donations.rules import Effect, Line

Effects = Sequence[tuple[Effect, Line, int]]  # (effect, line, index in applied)
# (event, its line, the event's donations_event row id): the ids are the
# engine's, so a hook need not read them back.
Applied = Sequence[tuple[OrderEvent, Line, int]]
BatchHook = Callable[[Any, Effects, Applied], None]
# Opens the transaction of work after a commit (transaction.atomic, or a
# source's own lock around it).
Gate = Callable[[], AbstractContextManager[object]]
# work(gate, wait): False when another process is doing that work now and
# ``wait`` was False (try again later).
AfterCommit = Callable[[Gate, bool], bool]

_after_write: list[BatchHook] = []
_after_commit: list[AfterCommit] = []


def after_write(hook: BatchHook) -> None:
    """Run ``hook(cursor, effects, applied)`` at the end of every batch's write."""
    if hook not in _after_write:
        _after_write.append(hook)


def run_after_write(cursor: Any, effects: Effects, applied: Applied) -> None:
    for hook in _after_write:
        hook(cursor, effects, applied)


def after_commit(work: AfterCommit) -> None:
    """Run ``work(gate, wait)`` once a source's batch has committed, outside its transaction."""
    if work not in _after_commit:
        _after_commit.append(work)


def run_after_commit(gate: Gate = transaction.atomic, *, wait: bool = True) -> bool:
    """Every source calls this after each batch it committed (work a crash
    left behind is done by the next call: the work reads what is waiting).
    False if some work was skipped: another process was doing it, and
    ``wait`` was False."""
    done = True
    for work in _after_commit:
        done = work(gate, wait) and done
    return done
