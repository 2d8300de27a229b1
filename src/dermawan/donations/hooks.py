"""Work other apps add to a batch: inside its transaction, and after it commits.

The engine knows no app above it: the HTTP side (webhook outbox, badge
counts) and the transparency log register here from their AppConfig.ready(),
and every source (file, HTTP, stream) gets the same rows in the same
transaction, then runs the same work once it has committed.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from typing import Any

from django.db import connection, transaction

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


@contextmanager
def after_commits() -> Iterator[Callable[[], None]]:
    """``AfterCommits`` for the length of a source's run (``dermawan ingest``):
    yields its ``committed``; leaving waits for the last run of the work and
    raises its error, if any."""
    work = AfterCommits()
    try:
        yield work.committed
    except BaseException:
        with contextlib.suppress(Exception):  # the source's own error goes first
            work.close()
        raise
    work.close()


class AfterCommits:
    """The after-commit work of a source that commits batch after batch.

    It calls ``committed()`` after each commit. On PostgreSQL, outside any
    transaction, the work runs on a thread of its own with its own
    connection, so the source's next batch runs while the last one's work
    (the log's append, decision 0041) is done: the source mostly waits for
    the database, and the work is mostly Python (decision 0053). Calls that
    come while the work runs make one more run, since each run does all that
    is waiting. A run's error is raised to the source at its next call (or
    by ``close``); its work stays waiting for the next run. Elsewhere (SQLite
    admits one writer; inside a transaction a thread would not see the
    batches) ``committed`` runs the work at once.
    """

    def __init__(self) -> None:
        self.error: BaseException | None = None
        self.pending = self.stopping = False
        self.due = threading.Condition()
        self.thread: threading.Thread | None = None
        if connection.vendor == "postgresql" and not connection.in_atomic_block:
            self.thread = threading.Thread(target=self._run, name="after-commit", daemon=True)
            self.thread.start()

    def committed(self) -> None:
        if self.thread is None:
            run_after_commit()
            return
        with self.due:
            self.pending = True
            self.due.notify()
        self._raise_error()

    def close(self) -> None:
        """Wait for the last run; raise its error, if any. Again: nothing."""
        if self.thread is None:
            return
        with self.due:
            self.stopping = True
            self.due.notify()
        self.thread.join()
        self._raise_error()

    def _raise_error(self) -> None:
        error, self.error = self.error, None
        if error is not None:
            raise error

    def _run(self) -> None:
        try:
            while True:
                with self.due:
                    while not (self.pending or self.stopping):
                        self.due.wait()
                    if not self.pending:
                        return
                    self.pending = False
                try:
                    run_after_commit()
                except Exception as error:  # raised to the source by its next call
                    self.error = error
                    connection.close()  # the next run opens a fresh one
        finally:
            connection.close()  # this thread's own
