"""Fetching a batch from one partition's durable pull consumer.

nats-py's ``fetch`` awaits each message with its own timeout, which costs
more than applying it; this asks the consumer for a batch
(``CONSUMER.MSG.NEXT`` with ``batch`` and ``expires``) on a private inbox and
collects what arrives until the batch is full or the server says the request
ended (a 404/408/409 status). Messages of an earlier request that arrive late
are kept for the next pull, never dropped.

A batch is handed out in stream order. A partition taken over from a holder
that died first gets back everything that holder had out, in one batch, before
anything newer: the server requeues such messages when their ack wait runs
out, and not necessarily in one go or in order (a line's refund applied after
its cancel would be refused as a conflict).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from operator import attrgetter

import orjson
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.aio.subscription import Subscription

from dermawan.streaming.messages import Delivery, Returning, parse_reply
from dermawan.streaming.streams import consumer_name

# Past the request's own expiry, how long to wait for the server to close it.
MARGIN_SECONDS = 2.0
# While what an earlier holder had out is coming back, how often to look again.
RETRY_SECONDS = 0.1


class Puller:
    def __init__(self, nc: Client, stream: str, durable: str, partition: int) -> None:
        self.nc = nc
        self.partition = partition
        consumer = consumer_name(durable, partition)
        self.next_subject = f"$JS.API.CONSUMER.MSG.NEXT.{stream}.{consumer}"
        self.inbox = nc.new_inbox()
        self.buffer: list[Delivery] = []
        self.wanted = 0
        self.ended = asyncio.Event()
        self.subscription: Subscription | None = None
        # Monotonic time before which this partition is not pulled (see worker.py).
        self.not_before = 0.0
        # What an earlier holder had out (worker.hold_until_returned), and the
        # monotonic time after which the rest of it is no longer waited for.
        self.returning: Returning | None = None
        self.give_up_at = 0.0

    async def start(self) -> None:
        self.subscription = await self.nc.subscribe(
            self.inbox, cb=self._on_message, pending_msgs_limit=-1, pending_bytes_limit=-1
        )

    async def stop(self) -> None:
        if self.subscription is not None:
            await self.subscription.unsubscribe()
            self.subscription = None

    async def _on_message(self, msg: Msg) -> None:
        reply = msg.reply
        if reply and reply.startswith("$JS.ACK."):
            sequence, delivered = parse_reply(reply)
            self.buffer.append(
                Delivery(self.partition, sequence, delivered, msg.subject, msg.data, reply)
            )
            if len(self.buffer) >= self.wanted:
                self.ended.set()
        elif msg.headers and msg.headers.get("Status") in ("404", "408", "409"):
            # No messages, request expired, or over a limit: this request is over.
            self.ended.set()

    async def pull(self, batch: int, wait: float) -> list[Delivery]:
        """Up to ``batch`` messages in stream order, waiting at most about ``wait`` seconds."""
        if self.returning is not None:
            return await self._take_back(self.returning, wait)
        if len(self.buffer) < batch:
            await self._request(batch, wait)
        return self._take(batch)

    async def _take_back(self, returning: Returning, wait: float) -> list[Delivery]:
        """All an earlier holder had out, however many; newer messages stay in the buffer.

        Nothing (try again later) while part of it is still on its way back.
        """
        back = self._back(returning)
        if back < returning.messages:
            await self._request(len(self.buffer) + returning.messages - back, wait)
            back = self._back(returning)
            now = time.monotonic()
            if back < returning.messages and now < self.give_up_at:
                # Not straight back: the server may refuse more (max_ack_pending) at once.
                self.not_before = now + RETRY_SECONDS
                return []
        self.returning = None
        return self._take(back)

    def _back(self, returning: Returning) -> int:
        return sum(1 for d in self.buffer if d.sequence <= returning.upto)

    async def _request(self, wanted: int, wait: float) -> None:
        """Ask the server for enough messages to have ``wanted`` in the buffer."""
        self.wanted = wanted
        self.ended.clear()
        request = {"batch": wanted - len(self.buffer), "expires": int(wait * 1e9)}
        await self.nc.publish(self.next_subject, orjson.dumps(request), reply=self.inbox)
        # A timeout here: e.g. the server restarted under the request.
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.ended.wait(), wait + MARGIN_SECONDS)

    def _take(self, count: int) -> list[Delivery]:
        self.buffer.sort(key=attrgetter("sequence"))  # in order already, unless redelivered
        taken, self.buffer = self.buffer[:count], self.buffer[count:]
        return taken
