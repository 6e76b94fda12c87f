"""Every view the service keeps, and the view store of a running service.

To add a view, append an instance to `VIEWS`: the workers, `projections rebuild` and
`projections status` pick it up from here.
"""

from __future__ import annotations

import logging
import threading
import weakref

from infra.bootstrap import EConcierge
from projections import positions
from projections.audit import AuditView
from projections.billing import BillingView
from projections.dispatch import DispatchView
from projections.liability import LiabilityView
from projections.store import ViewStore, open_view_store
from projections.view import View

log = logging.getLogger(__name__)

VIEWS: tuple[View, ...] = (AuditView(), BillingView(), LiabilityView(), DispatchView())

_stores: weakref.WeakKeyDictionary[EConcierge, ViewStore] = weakref.WeakKeyDictionary()
_lock = threading.Lock()


def view_named(name: str) -> View:
    for view in VIEWS:
        if view.name == name:
            return view
    known = ", ".join(v.name for v in VIEWS)
    raise LookupError(f"no view named {name!r} (known: {known})")


def views_of(service: EConcierge) -> ViewStore:
    """The view store next to this service's event store (opened once, tables ensured)."""
    with _lock:
        store = _stores.get(service)
        if store is None:
            store = open_view_store(service.settings)
            for view in VIEWS:
                try:
                    positions.ensure(store, view)
                except positions.NewerViewVersion as error:
                    log.warning("%s; reading it as it is", error)
            _stores[service] = store
            weakref.finalize(service, store.close)
        return store


def close_views(service: EConcierge) -> None:
    """Close the service's view store now (tests; process shutdown)."""
    with _lock:
        store = _stores.pop(service, None)
    if store is not None:
        store.close()
