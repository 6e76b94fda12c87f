"""Pipelined JetStream publishing: send many messages in order, match each ack as it arrives.

nats-py 2.16's `publish_async` leaves the future pending forever when JetStream answers
with an error (its reply handler raises instead of failing the future), and the relay
needs those errors (a refused expected sequence) at once, so it uses this instead.

The acks are collected per `AckBatch` (one window of the relay): one future per batch,
completed when its last ack arrives, and one timeout per batch, not a future, a task and
a timer per message (the relay's profile showed those; issue 7).
"""

from __future__ import annotations

import asyncio
import time

import msgspec
from nats.aio.client import Client as NATS
from nats.aio.msg import Msg
from nats.aio.subscription import Subscription

#: JetStream's error code when Nats-Expected-Last-Sequence does not match the stream.
WRONG_LAST_SEQUENCE = 10071


class PublishRefused(Exception):
    """JetStream answered a publish with an error (or no stream took the subject)."""

    def __init__(self, code: int, err_code: int, description: str) -> None:
        super().__init__(f"JetStream refused the message: {description} ({code}/{err_code})")
        self.code = code
        self.err_code = err_code


class AckTimeout(TimeoutError):
    """No ack arrived in time: the message may or may not be on the stream."""


class PubAck(msgspec.Struct, frozen=True):
    """JetStream's answer to a stored (or de-duplicated) message."""

    stream: str = ""
    seq: int = 0
    duplicate: bool = False


class _Error(msgspec.Struct, frozen=True):
    code: int = 0
    err_code: int = 0
    description: str = ""


class _Reply(msgspec.Struct, frozen=True):
    stream: str = ""
    seq: int = 0
    duplicate: bool = False
    error: _Error | None = None


_reply_decoder = msgspec.json.Decoder(_Reply)

Result = PubAck | BaseException


class AckBatch:
    """The acks of messages published together, in publishing order."""

    __slots__ = ("_done", "_missing", "_sealed", "results", "sent_at")

    def __init__(self) -> None:
        self.results: list[Result | None] = []
        self._missing = 0
        self._done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._sealed = False
        self.sent_at = 0.0

    def _set(self, index: int, result: Result) -> None:
        if self.results[index] is None:
            self.results[index] = result
            self._missing -= 1
            if self._sealed and not self._missing and not self._done.done():
                self._done.set_result(None)

    def __len__(self) -> int:
        return len(self.results)


class AckPipeline:
    """Publishes without waiting; `wait(batch)` returns the batch's acks (or errors) in order."""

    def __init__(self, nc: NATS) -> None:
        self._nc = nc
        self._inbox = nc.new_inbox()
        self._prefix = f"{self._inbox}."
        self._pending: dict[str, tuple[AckBatch, int]] = {}
        self._counter = 0
        self._sub: Subscription | None = None

    async def start(self) -> None:
        self._sub = await self._nc.subscribe(f"{self._inbox}.*", cb=self._on_reply)

    async def publish(
        self, batch: AckBatch, subject: str, payload: bytes, headers: dict[str, str]
    ) -> None:
        """Send one message; its ack (or error) lands in `batch` at the next index."""
        self._counter += 1
        token = str(self._counter)
        self._pending[token] = (batch, len(batch.results))
        batch.results.append(None)
        batch._missing += 1
        await self._nc.publish(subject, payload, reply=self._prefix + token, headers=headers)

    def seal(self, batch: AckBatch) -> None:
        """No more messages go into `batch`; its ack timeout counts from now."""
        batch._sealed = True
        batch.sent_at = time.monotonic()
        if not batch._missing and not batch._done.done():
            batch._done.set_result(None)

    async def wait(self, batch: AckBatch, timeout: float) -> list[Result]:
        """Every ack of the batch; a message unanswered `timeout` s after sealing gets AckTimeout."""
        if batch._missing:
            remaining = batch.sent_at + timeout - time.monotonic()
            try:
                await asyncio.wait_for(asyncio.shield(batch._done), max(remaining, 0.0))
            except TimeoutError:
                self._give_up(batch, AckTimeout(f"no JetStream ack within {timeout}s"))
        return batch.results  # type: ignore[return-value] - every slot is filled now

    def collected(self, batch: AckBatch) -> list[Result]:
        """The acks that arrived so far; the others are given up (the connection is gone)."""
        self._give_up(batch, ConnectionError("the ack was lost with the connection"))
        return batch.results  # type: ignore[return-value]

    def _give_up(self, batch: AckBatch, error: BaseException) -> None:
        for token, (owner, index) in list(self._pending.items()):
            if owner is batch:
                del self._pending[token]
                owner._set(index, error)

    async def _on_reply(self, msg: Msg) -> None:
        found = self._pending.pop(msg.subject[len(self._prefix) :], None)
        if found is None:
            return  # given up already
        batch, index = found
        if msg.headers and msg.headers.get("Status") == "503":
            batch._set(index, PublishRefused(503, 0, "no stream listens on the subject"))
            return
        try:
            reply = _reply_decoder.decode(msg.data)
        except msgspec.DecodeError:
            batch._set(index, PublishRefused(0, 0, f"unreadable ack {msg.data[:80]!r}"))
            return
        error = reply.error
        if error is not None:
            batch._set(index, PublishRefused(error.code, error.err_code, error.description))
        else:
            batch._set(index, PubAck(reply.stream, reply.seq, reply.duplicate))

    async def close(self) -> None:
        self._pending.clear()
        if self._sub is not None and not self._nc.is_closed:
            await self._sub.unsubscribe()
