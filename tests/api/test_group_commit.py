"""Group commit: concurrent submissions share one application, each gets its own share."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest

from dermawan.api.group_commit import WRITER_ENV, GroupCommit


def test_concurrent_submissions_are_grouped_and_answered_each() -> None:
    groups: list[list[int]] = []
    release = threading.Event()

    def apply(items: list[int], _: None) -> list[int]:
        groups.append(list(items))
        if len(groups) == 1:
            release.wait(5)  # hold the first group so the others queue up
        return [item * 10 for item in items]

    commit: GroupCommit[int, int, None] = GroupCommit(apply, size=lambda item: 1, limit=3)
    results: dict[int, int] = {}

    def submit(item: int) -> None:
        results[item] = commit.submit(item)

    threads = [threading.Thread(target=submit, args=(0,))]
    threads[0].start()
    while not groups:
        time.sleep(0.001)
    threads += [threading.Thread(target=submit, args=(n,)) for n in range(1, 6)]
    for thread in threads[1:]:
        thread.start()
    time.sleep(0.05)
    release.set()
    for thread in threads:
        thread.join(5)
    assert results == {n: n * 10 for n in range(6)}
    assert groups[0] == [0]
    assert sorted(n for group in groups[1:] for n in group) == [1, 2, 3, 4, 5]
    assert all(len(group) <= 3 for group in groups)
    assert len(groups) == 3  # five waiting, three at most a group


def test_a_failure_fails_every_request_of_its_group_and_not_the_next() -> None:
    calls: list[list[str]] = []

    def apply(items: list[str], _: None) -> list[str]:
        calls.append(items)
        if "bad" in items:
            raise RuntimeError("the transaction failed")
        return items

    commit: GroupCommit[str, str, None] = GroupCommit(apply, size=lambda item: 1, limit=10)
    with pytest.raises(RuntimeError):
        commit.submit("bad")
    assert commit.submit("good") == "good"


def _echo(
    after_groups: Callable[[], bool],
    every: float = 0.0,
    before_group: Callable[[], object] = lambda: None,
) -> GroupCommit[int, int, None]:
    """A group commit that answers each item with itself."""
    return GroupCommit(
        lambda items, _: items,
        size=lambda item: 1,
        limit=10,
        before_group=before_group,
        after_groups=after_groups,
        after_groups_every=every,
    )


def test_work_after_groups_runs_after_each_inline_group_and_not_after_a_failed_one() -> None:
    after: list[str] = []

    def apply(items: list[str], _: None) -> list[str]:
        if "bad" in items:
            raise RuntimeError("the transaction failed")
        return items

    def work() -> bool:
        after.append("ran")
        return True

    commit: GroupCommit[str, str, None] = GroupCommit(
        apply, size=lambda item: 1, limit=10, after_groups=work
    )
    commit.submit("a")
    commit.submit("b")
    with pytest.raises(RuntimeError):
        commit.submit("bad")
    assert after == ["ran", "ran"]


def test_the_writer_thread_spaces_work_after_groups_and_does_it_when_idle(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(WRITER_ENV, "thread")
    ran: list[float] = []

    def work() -> bool:
        ran.append(time.monotonic())
        return True

    commit = _echo(work, every=0.3)
    started = time.monotonic()
    assert commit.submit(1) == 1
    deadline = time.monotonic() + 5
    while not ran and time.monotonic() < deadline:
        time.sleep(0.005)
    assert len(ran) == 1  # the first group: at once
    assert commit.submit(2) == 2
    assert commit.submit(3) == 3
    time.sleep(0.05)
    assert len(ran) == 1  # owed, not yet due
    while len(ran) < 2 and time.monotonic() < deadline:
        time.sleep(0.005)
    assert len(ran) == 2  # then once, when idle and due, for both groups
    assert ran[1] - ran[0] >= 0.29 and ran[1] - started < 2
    time.sleep(0.4)
    assert len(ran) == 2  # nothing owed: nothing more


def test_a_failure_of_the_work_after_groups_does_not_fail_their_requests() -> None:
    def fail() -> bool:
        raise RuntimeError("the log is down")

    assert _echo(fail).submit(7) == 7


def test_work_after_groups_that_could_not_run_yet_stays_owed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(WRITER_ENV, "thread")
    answers = [False, False, True]  # another process was doing it, twice
    ran: list[bool] = []

    def work() -> bool:
        ran.append(answers[len(ran)] if len(ran) < len(answers) else True)
        return ran[-1]

    checks: list[int] = []
    commit = _echo(work, every=0.1, before_group=lambda: checks.append(len(ran)))
    assert commit.submit(1) == 1
    deadline = time.monotonic() + 5
    while len(ran) < 3 and time.monotonic() < deadline:
        time.sleep(0.005)
    time.sleep(0.3)
    assert ran == [False, False, True]  # retried while idle until done, then no more
    # The connection is checked for the group, and again before each try while idle.
    assert checks == [0, 1, 2]
