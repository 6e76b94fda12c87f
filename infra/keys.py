"""The key table of crypto-shredding: one AES-256 key per data subject, outside the events.

Keys live in `personal_data_keys`, in the event store's own database (SQLite file or
PostgreSQL schema), never in an event. A subject has at most one live key; erasing the
subject wipes the key material of all its keys (the rows stay, with `erased_at`, so
that a later reader knows the ciphertext is erased rather than lost). Personal data
recorded after an erasure gets a new key.

Every process caches keys. An erasure elsewhere reaches it within `refresh_seconds`:
the ring compares the table's count of erased keys at most that often, and on a change
drops its caches and tells its listeners (the aggregate cache, infra/erasure.py).
"""

from __future__ import annotations

import base64
import os
import threading
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from infra.ddl_lock import lock_ddl_in

TABLE = "personal_data_keys"


class KeyTable:
    """Where keys are kept (the SQL table below, or memory for unit tests)."""

    def live_key(self, subject: str) -> tuple[str, bytes]:
        """The subject's live key (id, material), created on first use."""
        raise NotImplementedError

    def key(self, key_id: str) -> bytes | None:
        """A key's material; None once erased (or never known)."""
        raise NotImplementedError

    def erase(self, subject: str, at: datetime) -> list[str]:
        """Wipe every live key of the subject; the ids of the keys wiped."""
        raise NotImplementedError

    def knows(self, subject: str) -> bool:
        """Whether personal data of this subject was ever recorded."""
        raise NotImplementedError

    def erased_count(self) -> int:
        raise NotImplementedError


class MemoryKeyTable(KeyTable):
    """Keys in a dict (mapper tests without a database)."""

    def __init__(self) -> None:
        self.rows: dict[str, list[Any]] = {}  # key_id -> [subject, material | None]

    def live_key(self, subject: str) -> tuple[str, bytes]:
        for key_id, (owner, material) in self.rows.items():
            if owner == subject and material is not None:
                return key_id, material
        key_id, material = uuid.uuid4().hex, AESGCM.generate_key(256)
        self.rows[key_id] = [subject, material]
        return key_id, material

    def key(self, key_id: str) -> bytes | None:
        row = self.rows.get(key_id)
        return row[1] if row else None

    def erase(self, subject: str, at: datetime) -> list[str]:
        wiped = [k for k, row in self.rows.items() if row[0] == subject and row[1] is not None]
        for key_id in wiped:
            self.rows[key_id][1] = None
        return wiped

    def knows(self, subject: str) -> bool:
        return any(row[0] == subject for row in self.rows.values())

    def erased_count(self) -> int:
        return sum(1 for row in self.rows.values() if row[1] is None)


class SqlKeyTable(KeyTable):
    """The `personal_data_keys` table beside the events (the recorder's own connections)."""

    def __init__(self, recorder: Any) -> None:
        self._datastore = recorder.datastore
        schema = getattr(self._datastore, "schema", None)  # PostgreSQL only
        self._postgres = schema is not None
        self._table = f'"{schema}".{TABLE}' if schema else TABLE
        self._ready = False

    def _run(self, statement: str, params: tuple[Any, ...] = ()) -> list[Any]:
        if self._postgres:
            statement = statement.replace("?", "%s")
        self._ensure()
        with self._datastore.transaction(commit=True) as cursor:
            cursor.execute(statement, params)
            try:
                return list(cursor.fetchall())
            except Exception:  # noqa: BLE001 - a statement without rows
                return []

    def _ensure(self) -> None:
        if self._ready:
            return
        with self._datastore.transaction(commit=True) as cursor:
            if self._postgres:
                lock_ddl_in(cursor)  # a first use in two processes at once
            cursor.execute(
                f"CREATE TABLE IF NOT EXISTS {self._table} (key_id TEXT PRIMARY KEY,"
                " subject TEXT NOT NULL, key_material TEXT, created_at TEXT NOT NULL,"
                " erased_at TEXT)"
            )
            # At most one live key per subject: concurrent first uses agree on one.
            cursor.execute(
                f"CREATE UNIQUE INDEX IF NOT EXISTS {TABLE}_live ON {self._table} (subject)"
                " WHERE erased_at IS NULL"
            )
        self._ready = True

    def live_key(self, subject: str) -> tuple[str, bytes]:
        material = base64.b64encode(AESGCM.generate_key(256)).decode()
        self._run(
            f"INSERT INTO {self._table} (key_id, subject, key_material, created_at)"
            " VALUES (?, ?, ?, ?) ON CONFLICT (subject) WHERE erased_at IS NULL DO NOTHING",
            (uuid.uuid4().hex, subject, material, datetime.now(UTC).isoformat()),
        )
        rows = self._run(
            f"SELECT key_id, key_material FROM {self._table}"
            " WHERE subject = ? AND erased_at IS NULL",
            (subject,),
        )
        return rows[0]["key_id"], base64.b64decode(rows[0]["key_material"])

    def key(self, key_id: str) -> bytes | None:
        rows = self._run(f"SELECT key_material FROM {self._table} WHERE key_id = ?", (key_id,))
        material = rows[0]["key_material"] if rows else None
        return base64.b64decode(material) if material else None

    def erase(self, subject: str, at: datetime) -> list[str]:
        rows = self._run(
            f"UPDATE {self._table} SET key_material = NULL, erased_at = ?"
            " WHERE subject = ? AND erased_at IS NULL RETURNING key_id",
            (at.isoformat(), subject),
        )
        return sorted(row["key_id"] for row in rows)

    def knows(self, subject: str) -> bool:
        return bool(self._run(f"SELECT 1 FROM {self._table} WHERE subject = ? LIMIT 1", (subject,)))

    def erased_count(self) -> int:
        rows = self._run(f"SELECT COUNT(*) AS n FROM {self._table} WHERE erased_at IS NOT NULL")
        return int(rows[0]["n"])


class KeyRing:
    """Cached AES-GCM keys by subject (for sealing) and by key id (for opening)."""

    def __init__(
        self, table: Callable[[], KeyTable] | KeyTable, refresh_seconds: float = 1.0
    ) -> None:
        self._table_factory = table if callable(table) else (lambda: table)
        self._table: KeyTable | None = None
        self.refresh_seconds = refresh_seconds
        self._lock = threading.Lock()
        self._sealing: dict[str, tuple[str, AESGCM]] = {}
        self._opening: dict[str, AESGCM | None] = {}
        self._erased: int | None = None
        self._checked = 0.0
        self.listeners: list[Callable[[], None]] = []

    @property
    def table(self) -> KeyTable:
        if self._table is None:
            self._table = self._table_factory()
        return self._table

    def sealing_key(self, subject: str) -> tuple[str, AESGCM]:
        """The key new personal data of `subject` is encrypted with: (key id, cipher)."""
        self.check_erasures()
        found = self._sealing.get(subject)
        if found is None:
            key_id, material = self.table.live_key(subject)
            found = self._sealing[subject] = (key_id, AESGCM(material))
            self._opening[key_id] = found[1]
        return found

    def opening_key(self, key_id: str) -> AESGCM | None:
        """The cipher that opens data sealed with `key_id`; None once it was erased."""
        self.check_erasures()
        if key_id not in self._opening:
            material = self.table.key(key_id)
            self._opening[key_id] = AESGCM(material) if material else None
        return self._opening[key_id]

    def erase(self, subject: str, at: datetime) -> list[str]:
        """Destroy the subject's keys now; this process forgets them at once."""
        wiped = self.table.erase(subject, at)
        with self._lock:
            self._erased = None  # our own erasure: re-read the count, do not count it twice
        self._forget()
        return wiped

    def knows(self, subject: str) -> bool:
        return self.table.knows(subject)

    def check_erasures(self, force: bool = False) -> None:
        """Drop cached keys if some key was erased since the last look (at most every
        `refresh_seconds`, or now with `force`)."""
        now = time.monotonic()
        if not force and now - self._checked < self.refresh_seconds:
            return
        with self._lock:
            self._checked = now
            count = self.table.erased_count()
            changed = self._erased is not None and count != self._erased
            self._erased = count
        if changed:
            self._forget()

    def _forget(self) -> None:
        with self._lock:
            self._sealing.clear()
            self._opening.clear()
        for listener in self.listeners:
            listener()


def new_nonce() -> bytes:
    """A fresh 96-bit AES-GCM nonce (random: keys seal far fewer than 2**32 values)."""
    return os.urandom(12)
