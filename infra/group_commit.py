"""Group commit on PostgreSQL: concurrent commands share one transaction, each keeps its outcome.

The library's PostgreSQL recorder takes an EXCLUSIVE table lock per save so that log order
equals commit order; writers are therefore serialised, and each save pays several round
trips and a commit of its own. Here the first waiting thread becomes the leader and hands
every command queued so far to ONE server-side function call, in autocommit: one round
trip and one commit (one fsync) for the whole batch, as cheap as a single-row INSERT.

The function (`econcierge_append`) locks the table exactly as the library does, then, for
each command in order, checks optimistic concurrency (every aggregate the command touches
must still be at the version the command loaded) and inserts its events; a command that
lost its race is skipped alone and reported as a conflict, the others commit. The unique
(originator_id, originator_version) key stays the final guard, per command.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

from eventsourcing.persistence import StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder
from psycopg.sql import SQL, Identifier

from infra.ddl_lock import DDL_LOCK


class VersionConflict(Exception):
    """The command's aggregates changed since it loaded them."""


class _Pending:
    __slots__ = ("done", "error", "events", "ids")

    def __init__(self, events: Sequence[StoredEvent]) -> None:
        self.events = events
        self.done = threading.Event()
        self.ids: list[int] = []
        self.error: BaseException | None = None


class GroupCommitter:
    """Commits the stored events of concurrent commands together (leader/follower)."""

    def __init__(self, recorder: PostgresApplicationRecorder, max_batch: int = 256) -> None:
        self._recorder = recorder
        self._max_batch = max_batch
        self._queue: list[_Pending] = []
        self._queue_lock = threading.Lock()
        self._leader = threading.Lock()
        schema = Identifier(recorder.datastore.schema)
        self._call_sql = SQL(
            "SELECT command, notification_id FROM {}.econcierge_append(%s, %s)"
        ).format(schema)
        self._create_function(recorder)

    def commit(self, events: Sequence[StoredEvent]) -> list[int]:
        """Store one command's events atomically; returns their notification ids."""
        pending = _Pending(events)
        with self._queue_lock:
            self._queue.append(pending)
        while not pending.done.is_set():
            with self._leader:
                if pending.done.is_set():
                    break
                with self._queue_lock:
                    batch, self._queue = (
                        self._queue[: self._max_batch],
                        self._queue[self._max_batch :],
                    )
                if batch:
                    self._commit_batch(batch)
        if pending.error is not None:
            raise pending.error
        return pending.ids

    def _commit_batch(self, batch: list[_Pending]) -> None:
        try:
            self._write(batch)
        except BaseException as error:  # noqa: BLE001 - every waiter must hear of it
            for pending in batch:
                if not pending.done.is_set():
                    pending.error = error
        finally:
            for pending in batch:
                pending.done.set()

    def _write(self, batch: list[_Pending]) -> None:
        recorder = self._recorder
        events, commands = [], []
        for number, pending in enumerate(batch):
            for e in pending.events:
                events.append(
                    recorder.construct_pg_stored_event(
                        e.originator_id, e.originator_version, e.topic, e.state
                    )
                )
                commands.append(number)
        with recorder.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(self._call_sql, (events, commands), prepare=True)
            rows = curs.fetchall()
        for row in rows:
            pending = batch[row["command"]]
            if row["notification_id"] is None:
                pending.error = VersionConflict()
            else:
                pending.ids.append(row["notification_id"])

    def _create_function(self, recorder: PostgresApplicationRecorder) -> None:
        ddl = SQL(_APPEND_FUNCTION).format(
            schema=Identifier(recorder.datastore.schema),
            table=Identifier(recorder.events_table_name),
            event=Identifier(recorder.stored_event_type_name),
            channel=Identifier(recorder.channel_name),
            lock_timeout=SQL(str(int(recorder.datastore.lock_timeout))),
        )
        # Several processes may start at once: serialise the (idempotent) DDL.
        with recorder.datastore.get_connection() as conn, conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (DDL_LOCK,))
            conn.execute(ddl)


# One round trip per batch. Each command is a run of consecutive events with the same
# `commands` number; a command is accepted only if every aggregate it touches is still at
# the version just before the command's first event for it.
_APPEND_FUNCTION = """
CREATE OR REPLACE FUNCTION {schema}.econcierge_append(events {schema}.{event}[], commands int[])
RETURNS TABLE (command int, notification_id bigint)
LANGUAGE plpgsql AS $BODY$
DECLARE
    first int := 1;
    last int;
    total int := coalesce(array_length(events, 1), 0);
    stale boolean;
BEGIN
    IF total = 0 THEN RETURN; END IF;
    SET LOCAL lock_timeout = '{lock_timeout}s';
    LOCK TABLE {schema}.{table} IN EXCLUSIVE MODE;
    WHILE first <= total LOOP
        last := first;
        WHILE last < total AND commands[last + 1] = commands[first] LOOP
            last := last + 1;
        END LOOP;
        SELECT EXISTS (
            SELECT 1 FROM (
                SELECT e.originator_id, min(e.originator_version) AS base
                FROM unnest(events[first:last]) AS e GROUP BY e.originator_id
            ) AS touched
            WHERE coalesce((SELECT max(t.originator_version) FROM {schema}.{table} AS t
                            WHERE t.originator_id = touched.originator_id), 0) <> touched.base - 1
        ) INTO stale;
        IF stale THEN
            command := commands[first]; notification_id := NULL; RETURN NEXT;
        ELSE
            BEGIN
                RETURN QUERY
                    INSERT INTO {schema}.{table} AS t (originator_id, originator_version, topic, state)
                    SELECT e.originator_id, e.originator_version, e.topic, e.state
                    FROM unnest(events[first:last]) AS e
                    RETURNING commands[first], t.notification_id;
            EXCEPTION WHEN unique_violation THEN
                command := commands[first]; notification_id := NULL; RETURN NEXT;
            END;
        END IF;
        first := last + 1;
    END LOOP;
    NOTIFY {channel};
END;
$BODY$;
"""
