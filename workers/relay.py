"""The NATS relay: publishes the event store's log to JetStream, each event exactly once.

The store is the outbox (architecture.md, "The flow of an event"). The relay reads the
notification log after its tracked position and publishes it window by window with
pipelined acks, several windows in flight: while the acks of the last windows are on
their way, the next window is read, mapped and published (issue 7, benchmark 3).

Order and exactly-once, also with several windows in flight and a failure among them:
- Each message carries `Nats-Expected-Last-Sequence`, the stream sequence of the message
  sent just before it (across windows), so JetStream stores the relay's messages only as
  an unbroken run of the log: if message k is not stored (refused, lost, or the relay
  died), every later message in flight is refused too, and the stream always holds a
  prefix of the log. A consumer therefore sees each aggregate's events in log order.
- The position advances only along the acked prefix: past message k only once k's ack
  and every earlier ack arrived, whatever came back for later messages.
- After a failure the relay re-aligns (`_resume`) with the stream's last message (its
  `Econcierge-Position` header) and re-publishes from there, in log order: when k was
  stored but its ack lost (so later ones were stored as well), the stream's last position
  is already past them and nothing is sent twice; `Nats-Msg-Id` (the event id) makes
  JetStream drop any copy that still arrives inside the duplicate window. The stream's
  last message is a safe place to resume from also after the duplicate window.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from typing import Any, NamedTuple

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
from projections.election import AlwaysActive, Election
from workers.relay_acks import WRONG_LAST_SEQUENCE, AckBatch, AckPipeline, PublishRefused
from workers.relay_election import relay_election
from workers.relay_plan import Outgoing, PublishingReader, plan_window

log = logging.getLogger("econcierge.relay")

#: Windows published and not yet fully acked, at most (1 while re-feeding with --from).
WINDOWS_IN_FLIGHT = 4
#: A pump stops reading after this long, so the session looks at `stop` and the election.
PUMP_SECONDS = 1.0
#: How often a standby relay tries to take the stream over.
STANDBY_SECONDS = 1.0
#: A relay whose loops made no step for this long is hung: not alive (/healthz 503).
#: Every step is bounded well below it (a window's acks, a connect attempt, a back-off).
STALL_SECONDS = 60.0


class RelayStatus(msgspec.Struct, frozen=True, kw_only=True):
    """What the relay reports: where it is, how far behind, and its last failure."""

    connected: bool
    position: int  # every event up to here is on the stream (or is never published)
    head: int  # the newest position in the store at the last look
    lag: int  # head - position: positions not yet published (ids have gaps)
    published: int  # acks received since start
    last_error: str | None
    standby: bool = False  # another relay holds the stream's election (workers/relay_election.py)


class _Read(NamedTuple):
    """A window read from the log: its plan, the error that ended it, where the next starts."""

    plan: list[Outgoing]
    error: Exception | None
    next_start: int  # 0: the log ended here


class _Flight(NamedTuple):
    """A published window whose acks are on their way."""

    plan: list[Outgoing]
    batch: AckBatch
    seq_before: int  # the expected last sequence of its first message


class Relay:
    """Publishes every domain event after the tracked position; see the module doc."""

    pipeline_class = AckPipeline  # tests put a faulty one in

    def __init__(
        self,
        service: ServiceApplication,
        settings: Settings,
        *,
        from_position: int | None = None,
        retry_max_seconds: float = 5.0,
        windows_in_flight: int = WINDOWS_IN_FLIGHT,
        election: Election | None = None,
        stall_seconds: float = STALL_SECONDS,
    ) -> None:
        self.settings = settings
        self.recorder = service.recorder
        self.reader = PublishingReader(service.mapper)
        self.tracking = service.factory.tracking_recorder()
        self.name = f"nats-relay:{settings.nats_stream}"
        self.from_position = from_position
        self.retry_max_seconds = retry_max_seconds
        self.windows_in_flight = max(windows_in_flight, 1)
        self.election = election if election is not None else relay_election(settings)
        self.standby = False
        self.position: int | None = None  # known after the first look at the stream
        self.head = 0
        self.published = 0
        self.connected = False
        self.last_error: str | None = None
        self._tracked = 0
        self._start_seq = 0
        self._refeed_until = 0  # with --from: re-publishing up to here (mostly duplicates)
        self._last_seq = 0  # the stream sequence the next message expects before it
        self._was_connected = False
        self._tracker: asyncio.Future[None] | None = None  # a tracking write under way
        self.stall_seconds = stall_seconds
        self._beat = time.monotonic()  # the last step of the relay's loops

    def alive(self) -> bool:
        """Liveness from progress: the relay's loops made a step within `stall_seconds`.

        A relay waiting for NATS or the store still steps (it backs off and retries); one
        stuck in a call that never returns stops stepping, and reports not alive.
        """
        return time.monotonic() - self._beat <= self.stall_seconds

    def _step(self) -> None:
        self._beat = time.monotonic()

    def status(self) -> RelayStatus:
        position = self._tracked if self.position is None else self.position
        return RelayStatus(
            connected=self.connected,
            position=position,
            head=self.head,
            lag=max(self.head - position, 0),
            published=self.published,
            last_error=self.last_error,
            standby=self.standby,
        )

    async def run(self, stop: asyncio.Event) -> None:
        """Relay until `stop` is set; NATS or store failures are retried with backoff."""
        delay = 0.1
        try:  # so that the lag is right even if NATS is down from the start
            self._tracked = await asyncio.to_thread(self.tracking.max_tracking_id, self.name) or 0
        except Exception as error:  # noqa: BLE001 - the session retries the store too
            log.warning("relay %s: cannot read its tracked position yet: %s", self.name, error)
        try:
            while not stop.is_set():
                self._step()
                if not await self._elected():
                    await self._stand_by(stop)
                    continue
                self.standby = False
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
        finally:
            await asyncio.to_thread(self.election.release)

    async def _elected(self) -> bool:
        if isinstance(self.election, AlwaysActive):
            return True
        return await asyncio.to_thread(self.election.holds)

    async def _stand_by(self, stop: asyncio.Event) -> None:
        """Another relay publishes the stream: report the lag from the shared tracked position."""
        self._step()
        if not self.standby:
            log.info("relay %s: standing by, another relay publishes the stream", self.name)
            self.standby = True
            if self.position is not None:  # it was active: on taking over, resume afresh
                self.position, self.from_position = None, None  # a re-feed is not resumed
        try:
            self._tracked = await asyncio.to_thread(self.tracking.max_tracking_id, self.name) or 0
        except Exception as error:  # noqa: BLE001 - the store may be down; keep the last look
            log.debug("relay %s: cannot read the tracked position: %s", self.name, error)
        await self._look_at_head()
        await _sleep_or_stop(stop, STANDBY_SECONDS)

    async def _session(self, stop: asyncio.Event) -> None:
        nc = await connect(self.settings, name=self.name, reconnect=False)
        pipeline = self.pipeline_class(nc)
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
                self._step()
                if nc.is_closed:
                    raise ConnectionError("the NATS connection closed")
                if not await self._elected():
                    log.warning("relay %s: lost the election; standing by", self.name)
                    return
                try:
                    sent = await self._pump(pipeline, stop)
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

    async def _pump(self, pipeline: AckPipeline, stop: asyncio.Event) -> int:
        """Publish the log after the position, windows in flight; returns the entries passed.

        While the acks of the last windows are on their way, the next window is read,
        mapped and published; the oldest window is waited for only when
        `windows_in_flight` are out. See the module doc for why that keeps the order. It
        reads for about PUMP_SECONDS at most, then lands what is in flight and returns.
        """
        assert self.position is not None
        depth = 1 if self._refeeding else self.windows_in_flight
        flights: deque[_Flight] = deque()
        began = self.position
        failure: BaseException | None = None
        timeout = self.settings.nats_ack_timeout_seconds
        until = time.monotonic() + PUMP_SECONDS
        reading: asyncio.Future[_Read] | None = self._read_soon(self.position + 1)
        try:
            while reading is not None:
                window = await reading
                reading = None
                self._step()
                if window.error is not None:
                    failure = window.error  # publish what came before it, read no further
                elif window.next_start and not stop.is_set() and time.monotonic() < until:
                    reading = self._read_soon(window.next_start)
                if window.plan:
                    flights.append(await self._send(pipeline, window.plan))
                while flights and (len(flights) >= depth or reading is None):
                    acks = await pipeline.wait(flights[0].batch, timeout)
                    self._step()
                    failed = self._advance(flights.popleft(), acks, last=not flights)
                    if failed is None:
                        self._track_soon()
                        continue
                    # The position stays before the failed message. Later windows are on
                    # their way: JetStream refuses them (their expected sequence is not
                    # the stream's), unless the failed one was stored and only its ack got
                    # lost; then they are stored too, and _resume finds them on the stream.
                    failure = failed
                    if reading is not None:
                        reading.cancel()
                        reading = None
                    later, flights = flights, deque()
                    for flight in later:  # let their answers arrive: nothing left in flight
                        await pipeline.wait(flight.batch, timeout)
        except BaseException:
            # Publishing itself failed (e.g. the connection is gone): keep the acked prefix.
            for flight in flights:
                if self._advance(flight, pipeline.collected(flight.batch), last=False):
                    break
            raise
        finally:
            if reading is not None:
                reading.cancel()
            await self._tracked_now()
        if failure is not None:
            raise failure
        return self.position - began

    def _read_soon(self, start: int) -> asyncio.Future[_Read]:
        one_message = self._refeeding
        return asyncio.ensure_future(self._read(start, one_message))

    async def _read(self, start: int, one_message: bool) -> _Read:
        """One window of the log from `start` (read on a worker thread), mapped."""
        notifications = await asyncio.to_thread(
            self.recorder.select_notifications, start=start, limit=self.settings.nats_relay_batch
        )
        if not notifications:
            return _Read([], None, 0)
        self.head = max(self.head, notifications[-1].id)
        plan, error = plan_window(
            notifications, self.reader, self.settings.nats_subject_prefix, one_message=one_message
        )
        if error is None and len(plan) < len(notifications):  # one_message stopped early
            return _Read(plan, None, plan[-1].position + 1 if plan else 0)
        return _Read(plan, error, notifications[-1].id + 1)

    async def _send(self, pipeline: AckPipeline, plan: list[Outgoing]) -> _Flight:
        """Publish a window; each message expects the one before it on the stream."""
        batch = AckBatch()
        seq_before = self._last_seq
        for item in plan:
            if item.subject:
                headers = {MSG_ID_HEADER: item.event_id, POSITION_HEADER: str(item.position)}
                if self._last_seq:
                    headers[EXPECTED_LAST_SEQUENCE_HEADER] = str(self._last_seq)
                await pipeline.publish(batch, item.subject, item.body, headers)
                self._last_seq += 1
        pipeline.seal(batch)
        return _Flight(plan, batch, seq_before)

    def _advance(self, flight: _Flight, acks: list[Any], *, last: bool) -> BaseException | None:
        """Move the position past the acked prefix of the window; the first failure stops it.

        `last`: no window was sent after this one, so the next message's expected sequence
        is the stream's last one as the acks tell it (a duplicate does not move it).
        """
        assert self.position is not None
        acked = iter(acks)
        seq = flight.seq_before
        for item in flight.plan:
            if item.subject:
                ack = next(acked)
                if isinstance(ack, BaseException):
                    return ack
                if not ack.duplicate:
                    seq = max(seq, ack.seq)
                self.published += 1
            self.position = item.position
        if last:
            self._last_seq = seq
        return None

    def _track_soon(self) -> None:
        """Record the position in the store in the background (one write at a time)."""
        if self._tracker is not None and self._tracker.done():
            tracker, self._tracker = self._tracker, None
            tracker.result()  # a failed write fails the session
        if self._tracker is None and self.position is not None and self.position > self._tracked:
            self._tracker = asyncio.ensure_future(self._save_position())

    async def _tracked_now(self) -> None:
        if self._tracker is not None:
            tracker, self._tracker = self._tracker, None
            await tracker
        await self._save_position()

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
