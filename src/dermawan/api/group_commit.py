"""Group commit: concurrent requests of one process share one engine transaction.

A batch costs the engine a fixed few dozen statements whatever its size, so
a thousand one-event requests a second would each pay it in full. Instead,
requests that arrive while a batch is being applied wait, and the next
batch applies all of them together (up to a limit); each request gets its
own share of the result. A request alone is applied at once; under load a
new batch lingers a moment while requests keep arriving, when the last one
was shared. Each request's events still go in one transaction, and when
that transaction fails every request in it fails (safe to retry, like any
failed batch).

Two ways to run a batch:
- *inline* (tests, the management commands): the first waiting request's
  own thread applies the batch, on its own database connection;
- *writer thread* (``dermawan serve``, DERMAWAN_API_WRITER=thread): one
  thread per server process applies every batch on one long-lived
  connection, whose page cache stays warm (on SQLite, a connection that did
  not write last must reread what another one changed).
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from typing import Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")
G = TypeVar("G")  # what the gate opens (e.g. the transaction's first row), given to apply
logger = logging.getLogger(__name__)
WRITER_ENV = "DERMAWAN_API_WRITER"
# While lingering: stop as soon as no request arrived for this long.
LINGER_STEP_SECONDS = 0.0005


def _no_gate(queued: int) -> AbstractContextManager[None]:
    return nullcontext()


class _Waiter(Generic[T, R]):
    __slots__ = ("done", "error", "item", "lead", "result")

    def __init__(self, item: T) -> None:
        self.item = item
        self.done = threading.Event()
        self.lead = False
        self.result: R | None = None
        self.error: BaseException | None = None


class GroupCommit(Generic[T, R, G]):
    def __init__(
        self,
        apply: Callable[[list[T], G], list[R]],
        *,
        size: Callable[[T], int],
        limit: int,
        linger: float = 0.0,
        before_group: Callable[[], object] = lambda: None,
        gate: Callable[[int], AbstractContextManager[G]] = _no_gate,  # type: ignore[assignment]
        after_groups: Callable[[], bool] = lambda: True,
        after_groups_every: float = 0.0,
    ) -> None:
        self._apply = apply
        self._size = size
        self._limit = limit
        self._linger_seconds = linger
        self._before_group = before_group
        self._gate = gate
        # Work owed once groups have committed (e.g. the transparency log's
        # append): inline, after each group; the writer thread, at most once
        # per ``after_groups_every`` seconds while groups keep coming, and as
        # soon as it falls idle. It returns False when it could not run yet:
        # still owed, tried again when next due.
        self._after_groups = after_groups
        self._after_groups_every = after_groups_every
        self._owed = False
        self._after_groups_due = 0.0
        self._last_group = 0
        self._lock = threading.Lock()
        self._arrived = threading.Condition(self._lock)
        self._queue: list[_Waiter[T, R]] = []
        self._busy = False
        self._writer: threading.Thread | None = None

    def submit(self, item: T) -> R:
        me: _Waiter[T, R] = _Waiter(item)
        if os.environ.get(WRITER_ENV) == "thread":
            with self._lock:
                self._queue.append(me)
                self._arrived.notify()
                if self._writer is None or not self._writer.is_alive():
                    self._writer = threading.Thread(
                        target=self._write_forever, name="dermawan-writer", daemon=True
                    )
                    self._writer.start()
            me.done.wait()
            return self._answer(me)
        with self._lock:
            self._queue.append(me)
            if not self._busy:
                self._busy = me.lead = True
        if not me.lead:
            me.done.wait()
            if not me.lead:  # answered by a leader
                return self._answer(me)
        self._run_group(me)
        with self._lock:
            if self._queue:
                successor = self._queue[0]
                successor.lead = True
                successor.done.set()
            else:
                self._busy = False
        return self._answer(me)

    def _answer(self, me: _Waiter[T, R]) -> R:
        if me.error is not None:
            raise me.error
        assert me.result is not None
        return me.result

    def _write_forever(self) -> None:
        while True:
            idle = False
            with self._lock:
                while not self._queue and not idle:
                    if self._owed:
                        due_in = self._after_groups_due - time.monotonic()
                        idle = not self._arrived.wait(max(0.0, due_in))
                    else:
                        self._arrived.wait()
            if idle:
                self._run_after_groups(writer=True)
            else:
                self._run_group(None)

    def _run_after_groups(self, writer: bool = False) -> None:
        self._after_groups_due = time.monotonic() + self._after_groups_every
        try:
            if writer:  # idle for a while, maybe: its connection is checked as for a group
                self._before_group()
            self._owed = not self._after_groups()
        except Exception:  # the groups committed; what is left is done next time
            logger.exception("the work after committed groups failed; it is tried again")

    def _linger(self) -> None:
        """Under load, wait while requests keep arriving (at most ``linger`` seconds).

        Without it, batches alternate between a full one and one of a single
        request: the requests answered by a batch come back together, just
        after the next one has taken the queue alone.
        """
        if self._linger_seconds <= 0 or self._last_group < 2:
            return
        deadline = time.monotonic() + self._linger_seconds
        seen = len(self._queue)
        while time.monotonic() < deadline:
            time.sleep(LINGER_STEP_SECONDS)
            now_waiting = len(self._queue)
            if now_waiting == seen:  # arrivals have stopped
                return
            seen = now_waiting

    def _take(self) -> list[_Waiter[T, R]]:
        with self._lock:  # an inline leader is first in the queue
            group: list[_Waiter[T, R]] = []
            total = 0
            while self._queue and (
                not group or total + self._size(self._queue[0].item) <= self._limit
            ):
                waiter = self._queue.pop(0)
                total += self._size(waiter.item)
                group.append(waiter)
        self._last_group = len(group)
        return group

    def _run_group(self, leader: _Waiter[T, R] | None) -> None:
        self._linger()
        group: list[_Waiter[T, R]] = []
        try:
            if leader is None:  # the writer thread: its connection outlives requests
                self._before_group()
            # The group is taken once through the gate (e.g. a lock shared with
            # other processes), so requests keep joining while it is waited for.
            # The gate is told the size queued now: it may choose by it.
            with self._lock:
                queued = sum(self._size(w.item) for w in self._queue)
            with self._gate(queued) as opened:
                group = self._take()
                results = self._apply([w.item for w in group], opened)
            for waiter, result in zip(group, results, strict=True):
                waiter.result = result
        except BaseException as error:  # every request of the group fails with it
            if not group:
                group = self._take()
            for waiter in group:
                waiter.error = error
        for waiter in group:
            if waiter is not leader:
                waiter.done.set()
        if group and group[0].error is None:
            self._owed = True
            if leader is not None or time.monotonic() >= self._after_groups_due:
                self._run_after_groups()
