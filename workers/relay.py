"""The NATS relay: publishes the event store's log to JetStream, each event exactly once.

The store is the outbox (architecture.md, "The flow of an event"). The relay reads the
notification log after its tracked position and publishes a window of events at once
with pipelined acks. Each message carries `Nats-Expected-Last-Sequence`, so JetStream
stores a window only as an unbroken run: if one message is lost, every later one is
refused, and the stream always holds a prefix of the log. That makes the stream's last
message (its `Econcierge-Position` header) a safe place to resume from, also after the
duplicate window has passed. The tracked position advances only past acked events.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import msgspec
from eventsourcing.persistence import Tracking
from nats.js import JetStreamContext

from infra.application import ServiceApplication
from infra.metrics import relay_failed
from infra.nats import (
    EXPECTED_LAST_SEQUENCE_HEADER,
    MSG_ID_HEADER,
    POSITION_HEADER,
    connect,
    ensure_stream,
    last_published,
)
from infra.settings import Settings
from workers.relay_acks import WRONG_LAST_SEQUENCE, AckPipeline, PublishRefused
from workers.relay_plan import Outgoing, plan_window

log = logging.getLogger("econcierge.relay")


class RelayStatus(msgspec.Struct, frozen=True, kw_only=True):
    """What the relay reports: where it is, how far behind, and its last failure."""

    connected: bool
    position: int  # every event up to here is on the stream (or is never published)
    head: int  # the newest position in the store at the last look
    lag: int  # head - position: positions not yet published (ids have gaps)
    published: int  # acks received since start
    last_error: str | None


class Relay:
    """Publishes every domain event after the tracked position; see the module doc."""

    def __init__(
        self,
        service: ServiceApplication,
        settings: Settings,
        *,
        from_position: int | None = None,
        retry_max_seconds: float = 5.0,
    ) -> None:
        self.settings = settings
        self.recorder = service.recorder
        self.mapper = service.mapper
        self.tracking = service.factory.tracking_recorder()
        self.name = f"nats-relay:{settings.nats_stream}"
        self.from_position = from_position
        self.retry_max_seconds = retry_max_seconds
        self.position: int | None = None  # known after the first look at the stream
        self.head = 0
        self.published = 0
        self.connected = False
        self.last_error: str | None = None
        self._tracked = 0
        self._start_seq = 0
        self._refeed_until = 0  # with --from: re-publishing up to here (mostly duplicates)
        self._last_seq = 0
        self._was_connected = False

    def status(self) -> RelayStatus:
        position = self._tracked if self.position is None else self.position
        return RelayStatus(
            connected=self.connected,
            position=position,
            head=self.head,
            lag=max(self.head - position, 0),
            published=self.published,
            last_error=self.last_error,
        )

    async def run(self, stop: asyncio.Event) -> None:
        """Relay until `stop` is set; NATS or store failures are retried with backoff."""
        delay = 0.1
        try:  # so that the lag is right even if NATS is down from the start
            self._tracked = await asyncio.to_thread(self.tracking.max_tracking_id, self.name) or 0
        except Exception as error:  # noqa: BLE001 - the session retries the store too
            log.warning("relay %s: cannot read its tracked position yet: %s", self.name, error)
        while not stop.is_set():
            try:
                await self._session(stop)
            except Exception as error:  # noqa: BLE001 - any failure: report, back off, retry
                relay_failed()  # econcierge_relay_publish_errors_total (infra/metrics.py)
                if self._was_connected:  # a fresh outage starts with short retries again
                    self._was_connected, delay = False, 0.1
                await self._look_at_head()
                self.last_error = f"{type(error).__name__}: {error}"
                status = self.status()
                log.warning(
                    "relay %s: %s; %d positions waiting (at %d of %d); retrying in %.1fs",
                    self.name,
                    self.last_error,
                    status.lag,
                    status.position,
                    status.head,
                    delay,
                )
                await _sleep_or_stop(stop, delay)
                delay = min(delay * 2, self.retry_max_seconds)
            else:
                delay = 0.1

    async def _session(self, stop: asyncio.Event) -> None:
        nc = await connect(self.settings, name=self.name, reconnect=False)
        pipeline = AckPipeline(nc)
        try:
            js = nc.jetstream(timeout=self.settings.nats_ack_timeout_seconds)
            await ensure_stream(js, self.settings)
            await pipeline.start()
            await self._resume(js)
            self.connected = self._was_connected = True
            self.last_error = None
            refusals = 0
            log.info("relay %s: connected, publishing after position %d", self.name, self.position)
            while not stop.is_set():
                if nc.is_closed:
                    raise ConnectionError("the NATS connection closed")
                try:
                    sent = await self._pump(pipeline)
                    refusals = 0
                except PublishRefused as refused:
                    refusals += 1
                    if refused.err_code != WRONG_LAST_SEQUENCE or refusals > 3:
                        raise  # someone else writes to the stream? back off and retry
                    await self._resume(js)  # a gap or a duplicate in the window: re-align
                    continue
                if not sent:
                    await self._look_at_head()
                    await _sleep_or_stop(stop, self.settings.nats_relay_poll_seconds)
        finally:
            self.connected = False
            await pipeline.close()
            await nc.close()

    async def _resume(self, js: JetStreamContext) -> None:
        """Align with the stream: resume after max(tracked, the stream's last position)."""
        last_seq, last_position = await last_published(js, self.settings.nats_stream)
        if self.position is None:
            self._tracked = await asyncio.to_thread(self.tracking.max_tracking_id, self.name) or 0
            self._start_seq = last_seq
            if last_seq == 0 and self._tracked:
                log.warning(
                    "relay %s: the stream is empty but positions up to %d were published "
                    "before; re-feed consumers with `econcierge worker relay --from 1`",
                    self.name,
                    self._tracked,
                )
            head = await asyncio.to_thread(self.recorder.max_notification_id) or 0
            if (last_position or 0) > head:
                log.warning(
                    "relay %s: the stream's last message is from position %d, beyond this "
                    "store's newest (%d): is the stream another store's?",
                    self.name,
                    last_position,
                    head,
                )
            if self.from_position is not None:
                self.position = max(self.from_position - 1, 0)
                self._refeed_until = max(self._tracked, last_position or 0)
            else:
                self.position = max(self._tracked, last_position or 0)
        elif last_position is not None and (last_seq > self._start_seq or not self._refeeding):
            # What we published before a failure is on the stream even if its ack was lost.
            self.position = max(self.position, last_position)
        self._last_seq = last_seq

    @property
    def _refeeding(self) -> bool:
        return self.position is not None and self.position < self._refeed_until

    async def _pump(self, pipeline: AckPipeline) -> int:
        """Publish one window of events; returns how many log entries it got through."""
        assert self.position is not None
        notifications = await asyncio.to_thread(
            self.recorder.select_notifications,
            start=self.position + 1,
            limit=self.settings.nats_relay_batch,
        )
        if not notifications:
            return 0
        self.head = max(self.head, notifications[-1].id)
        plan, build_error = plan_window(
            notifications,
            self.mapper,
            self.settings.nats_subject_prefix,
            one_message=self._refeeding,
        )
        futures = []
        seq = self._last_seq
        for item in plan:
            if item.subject:
                headers = {MSG_ID_HEADER: item.event_id, POSITION_HEADER: str(item.position)}
                if seq:
                    headers[EXPECTED_LAST_SEQUENCE_HEADER] = str(seq)
                futures.append(await pipeline.publish(item.subject, item.body, headers))
                seq += 1
        timeout = self.settings.nats_ack_timeout_seconds
        acks = await asyncio.gather(
            *(asyncio.wait_for(f, timeout) for f in futures), return_exceptions=True
        )
        failure = self._advance(plan, acks)
        await self._save_position()
        if failure is not None:
            raise failure
        if build_error is not None:
            raise build_error
        return len(plan)

    def _advance(self, plan: list[Outgoing], acks: list[Any]) -> BaseException | None:
        """Move the position past the acked prefix of the window; the first failure stops it."""
        assert self.position is not None
        acked = iter(acks)
        for item in plan:
            if item.subject:
                ack = next(acked)
                if isinstance(ack, BaseException):
                    return ack
                if not ack.duplicate:
                    self._last_seq = max(self._last_seq, ack.seq)
                self.published += 1
            self.position = item.position
        return None

    async def _save_position(self) -> None:
        # Single-row tracking only moves forward: a re-feed below it is not recorded.
        if self.position is not None and self.position > self._tracked:
            await asyncio.to_thread(
                self.tracking.insert_tracking, Tracking(self.name, self.position)
            )
            self._tracked = self.position

    async def _look_at_head(self) -> None:
        try:
            self.head = max(
                self.head, await asyncio.to_thread(self.recorder.max_notification_id) or 0
            )
        except Exception as error:  # noqa: BLE001 - the store may be down too; keep the last look
            log.debug("relay %s: cannot read the store's head: %s", self.name, error)


async def _sleep_or_stop(stop: asyncio.Event, seconds: float) -> None:
    try:
        await asyncio.wait_for(stop.wait(), seconds)
    except TimeoutError:
        pass


def start_relay_in_background(
    service: ServiceApplication, settings: Settings, **options: Any
) -> Any:
    """Start the relay on a thread of this process (for `serve`); returns a handle with stop()."""
    from workers.relay_runner import start_relay_in_background as start

    return start(service, settings, **options)
