"""After an erasure, cached aggregates must go too: they hold the personal text decrypted.

The application's repository cache is wrapped (infra/application.py,
`construct_repository`): this process empties it when it erases a subject, and every
process does so within the key ring's `refresh_seconds` of an erasure made elsewhere
(infra/keys.py compares the count of erased keys).
"""

from __future__ import annotations

import contextlib
from typing import Any

from eventsourcing.application import Repository

from infra.keys import KeyRing


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
