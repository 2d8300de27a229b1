"""The puller hands out a partition's messages in stream order, redeliveries too.

A worker killed mid-batch leaves its messages unacknowledged; after their ack
wait the server sends them again, in parts and not necessarily in order.
Applied in another order, a line's refund could come after its cancel and be
refused as a conflict.
"""

from __future__ import annotations

import asyncio
import random
import time
from typing import Any

from dermawan.streaming.messages import Delivery, Returning
from dermawan.streaming.partitioning import subject, subject_prefix
from dermawan.streaming.puller import Puller
from dermawan.streaming.streams import ensure_consumers, ensure_stream, unacknowledged
from tests.streaming.conftest import Stream, nats_session, run_async

ACK_WAIT = 1.0


def delivery(sequence: int, delivered: int = 1) -> Delivery:
    return Delivery(0, sequence, delivered, "orders.0.m", b"{}", f"$JS.ACK.s.c.1.{sequence}")


class Offline(Puller):
    """A puller whose requests reach no server: what is buffered is all there is."""

    def __init__(self, buffered: list[Delivery]) -> None:
        self.buffer = list(buffered)
        self.returning = None
        self.give_up_at = self.not_before = 0.0
        self.requests: list[int] = []

    async def _request(self, wanted: int, wait: float) -> None:
        self.requests.append(wanted)


def shuffled(sequences: range, seed: int = 7) -> list[Delivery]:
    out = [delivery(s, 2) for s in sequences]
    random.Random(seed).shuffle(out)
    return out


def test_a_batch_is_handed_out_in_stream_order() -> None:
    puller = Offline(shuffled(range(1, 101)))
    first = run_async(puller.pull(60, 0.1))
    assert [d.sequence for d in first] == list(range(1, 61))
    assert [d.sequence for d in puller.buffer] == list(range(61, 101))


def test_what_a_dead_holder_had_comes_back_whole_before_anything_newer() -> None:
    # 1..150 were out with the holder; 120..150 are not back yet, 151.. are new.
    puller = Offline(shuffled(range(1, 120)) + [delivery(s) for s in range(151, 171)])
    puller.returning, puller.give_up_at = Returning(150, 150), time.monotonic() + 60
    asked_at = time.monotonic()
    assert run_async(puller.pull(50, 0.1)) == []  # nothing newer goes first
    assert puller.not_before > asked_at  # and the partition is not asked again at once
    assert puller.requests == [len(puller.buffer) + 150 - 119]
    puller.buffer += shuffled(range(120, 151), seed=8)
    back = run_async(puller.pull(50, 0.1))
    assert [d.sequence for d in back] == list(range(1, 151))  # past the batch size: all of it
    assert [d.sequence for d in run_async(puller.pull(50, 0.1))] == list(range(151, 171))


def test_what_never_comes_back_is_waited_for_only_until_the_deadline() -> None:
    puller = Offline(shuffled(range(1, 11)) + [delivery(s) for s in range(21, 31)])
    puller.returning, puller.give_up_at = Returning(20, 20), time.monotonic() - 1
    assert [d.sequence for d in run_async(puller.pull(50, 0.1))] == list(range(1, 11))
    assert puller.returning is None


def test_a_taken_over_partition_gets_back_what_its_holder_had_in_one_ordered_batch(
    stream: Stream,
) -> None:
    async def scenario(nc: Any) -> tuple[Returning, list[Delivery], list[Delivery]]:
        js = nc.jetstream()
        prefix = subject_prefix(stream.subjects)
        await ensure_stream(js, stream.name, stream.subjects, 1)
        await ensure_consumers(js, stream.name, prefix, "dermawan", 1, ACK_WAIT, 1_000)
        for n in range(300):
            await js.publish(subject(prefix, 0, "m"), str(n).encode())
        # A holder takes 200 and dies without acknowledging them.
        holder = Puller(nc, stream.name, "dermawan", 0)
        await holder.start()
        assert len(await holder.pull(200, 2.0)) == 200
        await holder.stop()
        held, ack_wait = await unacknowledged(js, stream.name, "dermawan", 0)
        await asyncio.sleep(ack_wait + 0.5)
        # Its successor pulls batches of 50, but takes all 200 back first.
        successor = Puller(nc, stream.name, "dermawan", 0)
        successor.returning, successor.give_up_at = held, time.monotonic() + ack_wait
        await successor.start()
        returned = await successor.pull(50, 2.0)
        following = await successor.pull(50, 2.0)
        await successor.stop()
        return held, returned, following

    held, returned, following = nats_session(stream.urls, scenario)
    assert held == Returning(200, 200)
    assert [d.sequence for d in returned] == list(range(1, 201))
    assert all(d.delivered == 2 for d in returned)
    assert [d.sequence for d in following] == list(range(201, 251))
    assert all(d.delivered == 1 for d in following)
