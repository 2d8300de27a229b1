"""Group commit: concurrent submissions share one application, each gets its own share."""

from __future__ import annotations

import threading
import time

import pytest

from dermawan.api.group_commit import GroupCommit


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
