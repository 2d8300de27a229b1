"""Fetching a batch from one partition's durable pull consumer.

nats-py's ``fetch`` awaits each message with its own timeout, which costs
more than applying it; this asks the consumer for a batch
(``CONSUMER.MSG.NEXT`` with ``batch`` and ``expires``) on a private inbox and
collects what arrives until the batch is full or the server says the request
ended (a 404/408/409 status). Messages of an earlier request that arrive late
are kept for the next pull, never dropped.
"""

from __future__ import annotations

import asyncio
import contextlib

import orjson
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.aio.subscription import Subscription

from dermawan.streaming.messages import Delivery, parse_reply
from dermawan.streaming.streams import consumer_name

# Past the request's own expiry, how long to wait for the server to close it.
MARGIN_SECONDS = 2.0


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
        """Up to ``batch`` messages, waiting at most about ``wait`` seconds for them."""
        if len(self.buffer) < batch:
            self.wanted = batch
            self.ended.clear()
            request = {"batch": batch - len(self.buffer), "expires": int(wait * 1e9)}
            await self.nc.publish(self.next_subject, orjson.dumps(request), reply=self.inbox)
            # A timeout here: e.g. the server restarted under the request.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.ended.wait(), wait + MARGIN_SECONDS)
        taken, self.buffer = self.buffer[:batch], self.buffer[batch:]
        return taken
