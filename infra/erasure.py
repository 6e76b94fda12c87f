"""After an erasure, cached aggregates and snapshots must go too: they hold the personal text.

The application's repository cache is wrapped (infra/application.py,
`construct_repository`): this process empties it when it erases a subject, and every
process does so within the key ring's `refresh_seconds` of an erasure made elsewhere
(infra/keys.py compares the count of erased keys).

Snapshots (infra/snapshots.py) are sealed with the subject's key, so destroying the key
already makes them unreadable everywhere; `forget_snapshots` also deletes the ones sealed
with the destroyed keys. One that escapes (another process snapshotting with its cached
key in the seconds after) stays unreadable, and goes at that aggregate's next snapshot.
"""

from __future__ import annotations

import contextlib
import logging
from typing import Any

from eventsourcing.application import Repository

from infra.keys import KeyRing
from infra.snapshots import drop_sealed_with

log = logging.getLogger("econcierge.privacy")


class ErasureAwareCache:
    """The repository's aggregate cache, emptied when some subject was erased."""

    def __init__(self, inner: Any, keys: KeyRing) -> None:
        self.inner = inner
        self.keys = keys
        keys.listeners.append(self.clear)

    def get(self, key: Any, *, evict: bool = False) -> Any:
        self.keys.check_erasures()
        return self.inner.get(key, evict=evict)

    def put(self, key: Any, value: Any) -> Any:
        return self.inner.put(key, value)

    def clear(self) -> None:
        # The library's LRUCache.clear() resets its recency list only, not its dict.
        inner = self.inner
        with getattr(inner, "lock", None) or contextlib.nullcontext():
            inner.cache.clear()
            if hasattr(inner, "root"):
                inner.clear()
                inner.full = False


def watch_erasures(repository: Repository[Any], mapper: Any) -> Repository[Any]:
    """Make the repository's cache forget aggregates when personal data is erased."""
    keys = getattr(mapper, "keys", None)
    if isinstance(keys, KeyRing) and repository.cache is not None:
        repository.cache = ErasureAwareCache(repository.cache, keys)  # type: ignore[assignment]
    return repository


def forget_snapshots(service: Any, key_ids: tuple[str, ...]) -> None:
    """Delete the snapshots sealed with these (destroyed) keys; they are unreadable already."""
    store = getattr(service, "snapshots", None)
    if store is None or not key_ids:
        return
    try:
        drop_sealed_with(store.recorder, key_ids)
    except Exception:  # the keys are gone: what is left cannot be read, and is replaced later
        log.exception("snapshots sealed with erased keys %s not deleted", ", ".join(key_ids))
