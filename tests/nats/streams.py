"""Test helpers on the NATS side: read a whole stream back, wait for it, delete it."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any, TypeVar

import nats
from nats.js.api import RawStreamMsg
from nats.js.errors import NotFoundError

from infra.settings import Settings

T = TypeVar("T")


def run(coroutine: Any) -> Any:
    return asyncio.run(coroutine)


async def _messages(settings: Settings) -> list[RawStreamMsg]:
    nc = await nats.connect(settings.nats_url)
    try:
        js = nc.jetstream()
        try:
            info = await js.stream_info(settings.nats_stream)
        except NotFoundError:
            return []
        return [
            await js.get_msg(settings.nats_stream, seq=seq)
            for seq in range(1, info.state.last_seq + 1)
        ]
    finally:
        await nc.close()


def stream_messages(settings: Settings) -> list[RawStreamMsg]:
    """Every message on the test's stream, in stream order."""
    return run(_messages(settings))


async def _count(settings: Settings) -> int:
    nc = await nats.connect(settings.nats_url)
    try:
        return (await nc.jetstream().stream_info(settings.nats_stream)).state.messages
    except NotFoundError:
        return 0
    finally:
        await nc.close()


def stream_count(settings: Settings) -> int:
    return run(_count(settings))


def wait_until(check: Callable[[], T], timeout: float = 20.0, interval: float = 0.05) -> T:
    """Poll `check` until it returns something truthy; fail with its last answer."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result or time.monotonic() > deadline:
            assert result, f"timed out after {timeout}s (last: {result!r})"
            return result
        time.sleep(interval)


async def _delete(settings: Settings) -> None:
    nc = await nats.connect(settings.nats_url)
    try:
        await nc.jetstream().delete_stream(settings.nats_stream)
    except NotFoundError:
        pass
    finally:
        await nc.close()


def delete_stream(settings: Settings) -> None:
    run(_delete(settings))


async def _consume(settings: Settings, durable: str, at_least: int, timeout: float) -> list[Any]:
    nc = await nats.connect(settings.nats_url)
    received: list[Any] = []
    try:
        js = nc.jetstream()
        sub = await js.pull_subscribe(
            f"{settings.nats_subject_prefix}.>", durable=durable, stream=settings.nats_stream
        )
        deadline = time.monotonic() + timeout
        while len(received) < at_least and time.monotonic() < deadline:
            try:
                batch = await sub.fetch(batch=100, timeout=0.5)
            except TimeoutError:
                continue
            for msg in batch:
                await msg.ack()
                received.append(msg)
    finally:
        await nc.close()
    return received


def consume(settings: Settings, durable: str, at_least: int, timeout: float = 20.0) -> list[Any]:
    """Fetch and ack messages of a durable pull consumer until `at_least` arrived (or timeout)."""
    return run(_consume(settings, durable, at_least, timeout))
