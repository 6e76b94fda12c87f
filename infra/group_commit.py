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

The client side is kept lean, as it runs once per command at one thread: the leader
writes on a connection the committer holds (no pool checkout per call), through one
reused cursor, with binary parameters; up to `_INLINE` events the values are passed one
by one (`ARRAY[%b, ...]`, dumped by psycopg's C code) rather than as array parameters.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import psycopg
from eventsourcing import persistence
from eventsourcing.persistence import StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder
from psycopg.rows import tuple_row
from psycopg.sql import SQL, Identifier

from infra.ddl_lock import DDL_LOCK

#: Up to this many events, the call names each value as its own parameter (psycopg dumps
#: scalars in C; its array dumpers are Python): the common batch of one command is cheap.
_INLINE = 8

#: psycopg's errors as the library's (what `datastore.get_connection` raises), most specific first.
_ERRORS: tuple[tuple[type[psycopg.Error], type[Exception]], ...] = (
    (psycopg.InterfaceError, persistence.InterfaceError),
    (psycopg.OperationalError, persistence.OperationalError),
    (psycopg.DataError, persistence.DataError),
    (psycopg.IntegrityError, persistence.IntegrityError),
    (psycopg.InternalError, persistence.InternalError),
    (psycopg.ProgrammingError, persistence.ProgrammingError),
    (psycopg.NotSupportedError, persistence.NotSupportedError),
    (psycopg.DatabaseError, persistence.DatabaseError),
    (psycopg.Error, persistence.PersistenceError),
)


class VersionConflict(Exception):
    """The command's aggregates changed since it loaded them."""


class _Pending:
    """One command waiting for its batch: its events in, its positions or error out."""

    __slots__ = ("error", "events", "finished", "gate", "ids")

    def __init__(self, events: Sequence[StoredEvent]) -> None:
        self.events = events
        self.finished = False
        self.ids: list[int] = []
        self.error: BaseException | None = None
        # Held from the start; released once, to wake the command's thread: when its batch
        # is finished, or when it is handed the lead (a bare lock: one futex, no Condition).
        self.gate = threading.Lock()
        self.gate.acquire()


class GroupCommitter:
    """Commits the stored events of concurrent commands together (leader/follower).

    A command arriving while no batch is being written leads: it writes the queue (itself
    first) at once. Commands arriving meanwhile queue up; when the leader's call returns,
    it hands the lead to the first one queued, who writes everything queued by then, and
    wakes the commands of its batch. Only the leader touches the connection, which the
    committer keeps from the pool (one checkout, one prepared statement per batch shape).
    """

    def __init__(self, recorder: PostgresApplicationRecorder, max_batch: int = 256) -> None:
        self._recorder = recorder
        self._max_batch = max_batch
        self._queue: list[_Pending] = []
        self._lock = threading.Lock()
        self._busy = False  # a leader is writing; invariant: not busy => queue empty
        self._conn: Any = None  # held while healthy; only the leader uses it
        self._cursor: Any = None
        self._statements: dict[int, str] = {}
        self._create_function(recorder)
        self._function = SQL("{}.econcierge_append").format(Identifier(recorder.datastore.schema))

    def commit(self, events: Sequence[StoredEvent]) -> list[int]:
        """Store one command's events atomically; returns their notification ids."""
        pending = _Pending(events)
        with self._lock:
            self._queue.append(pending)
            lead = not self._busy
            self._busy = True
        if not lead:
            pending.gate.acquire()  # until finished, or handed the lead
        if not pending.finished:
            self._lead(pending)
        if pending.error is not None:
            raise pending.error
        return pending.ids

    def _lead(self, own: _Pending) -> None:
        with self._lock:  # `own` is first: queued when nobody led, or handed the lead as first
            batch = self._queue[: self._max_batch]
            del self._queue[: self._max_batch]
        try:
            self._commit_batch(batch)
        finally:
            with self._lock:
                successor = self._queue[0] if self._queue else None
                self._busy = successor is not None
            if successor is not None:
                successor.gate.release()  # the next call first: it is what the queue waits for
            for pending in batch:
                if pending is not own:
                    pending.gate.release()

    def _commit_batch(self, batch: list[_Pending]) -> None:
        try:
            self._write(batch)
        except BaseException as error:  # noqa: BLE001 - every waiter must hear of it
            for pending in batch:
                pending.error = error
        finally:
            for pending in batch:
                pending.finished = True

    def _write(self, batch: list[_Pending]) -> None:
        ids, versions, topics, states, commands = [], [], [], [], []
        for number, pending in enumerate(batch):
            for e in pending.events:
                ids.append(e.originator_id)
                versions.append(e.originator_version)
                topics.append(e.topic)
                states.append(e.state)
                commands.append(number)
        count = len(ids)
        if count <= _INLINE:
            params: Sequence[Any] = ids + versions + topics + states + commands
        else:
            params = (ids, versions, topics, states, commands)
        with self._connection() as cursor:
            cursor.execute(self._statement(count), params, prepare=True)
            rows = cursor.fetchall()
        for command, notification_id in rows:
            pending = batch[command]
            if notification_id is None:
                pending.error = VersionConflict()
            else:
                pending.ids.append(notification_id)

    def _statement(self, count: int) -> str:
        """The call for a batch of `count` events (binary parameters)."""
        found = self._statements.get(count if count <= _INLINE else 0)
        if found is None:
            kinds = ("uuid", "int4", "text", "bytea", "int4")
            if count <= _INLINE:  # ARRAY[%b, ...] per column: scalars are dumped in C
                marks = ", ".join(["%b"] * count)
                args = [SQL(f"ARRAY[{marks}]::{kind}[]") for kind in kinds]
            else:
                args = [SQL(f"%b::{kind}[]") for kind in kinds]
            query = SQL("SELECT command, notification_id FROM {}({})").format(
                self._function, SQL(", ").join(args)
            )
            with self._recorder.datastore.get_connection() as conn:
                found = query.as_string(conn)
            self._statements[count if count <= _INLINE else 0] = found
        return found

    @contextmanager
    def _connection(self) -> Iterator[Any]:
        """The committer's cursor on its own pooled connection; given back on any error."""
        if self._cursor is None:
            pool = self._recorder.datastore.pool
            try:
                pool.open()  # if nobody did yet (as the library's get_connection does)
                self._conn = pool.getconn()
            except psycopg.Error as error:
                raise _translated(error) from error
            self._cursor = self._conn.cursor(binary=True, row_factory=tuple_row)
        try:
            yield self._cursor
        except psycopg.Error as error:
            self.close()  # the pool checks it, and replaces it if broken
            raise _translated(error) from error
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        """Give the held connection back to the pool (at shutdown, or after an error)."""
        conn, self._conn, self._cursor = self._conn, None, None
        if conn is not None:
            pool = self._recorder.datastore.pool
            try:
                pool.putconn(conn)
            except Exception:  # noqa: BLE001 - a closed pool: just close the connection
                conn.close()

    def _create_function(self, recorder: PostgresApplicationRecorder) -> None:
        ddl = SQL(_APPEND_FUNCTION).format(
            schema=Identifier(recorder.datastore.schema),
            table=Identifier(recorder.events_table_name),
            channel=Identifier(recorder.channel_name),
            lock_timeout=SQL(str(int(recorder.datastore.lock_timeout))),
        )
        # Several processes may start at once: serialise the (idempotent) DDL.
        with recorder.datastore.get_connection() as conn, conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (DDL_LOCK,))
            conn.execute(ddl)


def _translated(error: psycopg.Error) -> Exception:
    for theirs, ours in _ERRORS:
        if isinstance(error, theirs):
            return ours(str(error))
    return error  # pragma: no cover - every psycopg.Error matches the last row


# One round trip per batch. Each command is a run of consecutive events with the same
# `commands` number; a command is accepted only if every aggregate it touches is still at
# the version just before the command's first event for it (an aggregate with no stored
# event yet takes any first version, as the library's recorder does).
_APPEND_FUNCTION = """
CREATE OR REPLACE FUNCTION {schema}.econcierge_append(
    ids uuid[], versions int[], topics text[], states bytea[], commands int[]
)
RETURNS TABLE (command int, notification_id bigint)
LANGUAGE plpgsql AS $BODY$
DECLARE
    first int := 1;
    last int;
    total int := coalesce(array_length(ids, 1), 0);
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
                FROM unnest(ids[first:last], versions[first:last])
                    AS e (originator_id, originator_version)
                GROUP BY e.originator_id
            ) AS touched
            WHERE (SELECT max(t.originator_version) FROM {schema}.{table} AS t
                   WHERE t.originator_id = touched.originator_id) <> touched.base - 1
        ) INTO stale;
        IF stale THEN
            command := commands[first]; notification_id := NULL; RETURN NEXT;
        ELSE
            BEGIN
                RETURN QUERY
                    INSERT INTO {schema}.{table} AS t (originator_id, originator_version, topic, state)
                    SELECT * FROM unnest(
                        ids[first:last], versions[first:last], topics[first:last], states[first:last]
                    )
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
