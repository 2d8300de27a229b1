"""Work other apps add to a batch, inside its transaction, after the engine wrote it.

The engine knows no app above it: the HTTP side (webhook outbox, badge
counts) registers here from its AppConfig.ready(), and every source (file,
HTTP, stream) gets the same rows in the same transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from dermawan.donations.events import OrderEvent
from dermawan.donations.rules import Effect, Line

Effects = Sequence[tuple[Effect, Line, int]]  # (effect, line, index in applied)
# (event, its line, the event's donations_event row id): the ids are the
# engine's, so a hook need not read them back.
Applied = Sequence[tuple[OrderEvent, Line, int]]
BatchHook = Callable[[Any, Effects, Applied], None]

_after_write: list[BatchHook] = []


def after_write(hook: BatchHook) -> None:
    """Run ``hook(cursor, effects, applied)`` at the end of every batch's write."""
    if hook not in _after_write:
        _after_write.append(hook)


def run_after_write(cursor: Any, effects: Effects, applied: Applied) -> None:
    for hook in _after_write:
        hook(cursor, effects, applied)
