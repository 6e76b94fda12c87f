"""Pipelined JetStream publishing: send many messages in order, match each ack as it arrives.

nats-py 2.16's `publish_async` leaves the future pending forever when JetStream answers
with an error (its reply handler raises instead of failing the future), and the relay
needs those errors (a refused expected sequence) at once, so it uses this instead.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from nats.aio.client import Client as NATS
from nats.aio.msg import Msg
from nats.aio.subscription import Subscription
from nats.js.api import PubAck

#: JetStream's error code when Nats-Expected-Last-Sequence does not match the stream.
WRONG_LAST_SEQUENCE = 10071


class PublishRefused(Exception):
    """JetStream answered a publish with an error (or no stream took the subject)."""

    def __init__(self, code: int, err_code: int, description: str) -> None:
        super().__init__(f"JetStream refused the message: {description} ({code}/{err_code})")
        self.code = code
        self.err_code = err_code


class AckPipeline:
    """Publishes without waiting; each publish returns a future of its JetStream ack."""

    def __init__(self, nc: NATS) -> None:
        self._nc = nc
        self._inbox = nc.new_inbox()
        self._pending: dict[str, asyncio.Future[PubAck]] = {}
        self._counter = 0
        self._sub: Subscription | None = None

    async def start(self) -> None:
        self._sub = await self._nc.subscribe(f"{self._inbox}.*", cb=self._on_reply)

    async def publish(
        self, subject: str, payload: bytes, headers: dict[str, str]
    ) -> asyncio.Future[PubAck]:
        self._counter += 1
        token = str(self._counter)
        future: asyncio.Future[PubAck] = asyncio.get_running_loop().create_future()
        self._pending[token] = future
        future.add_done_callback(lambda _: self._pending.pop(token, None))
        await self._nc.publish(subject, payload, reply=f"{self._inbox}.{token}", headers=headers)
        return future

    async def _on_reply(self, msg: Msg) -> None:
        future = self._pending.get(msg.subject.rpartition(".")[2])
        if future is None or future.done():
            return
        if msg.headers and msg.headers.get("Status") == "503":
            future.set_exception(PublishRefused(503, 0, "no stream listens on the subject"))
            return
        try:
            response: dict[str, Any] = json.loads(msg.data)
        except ValueError:
            future.set_exception(PublishRefused(0, 0, f"unreadable ack {msg.data[:80]!r}"))
            return
        error = response.get("error")
        if error:
            future.set_exception(
                PublishRefused(
                    error.get("code", 0), error.get("err_code", 0), error.get("description", "")
                )
            )
        else:
            future.set_result(PubAck.from_response(response))

    async def close(self) -> None:
        for future in list(self._pending.values()):
            future.cancel()
        if self._sub is not None and not self._nc.is_closed:
            await self._sub.unsubscribe()
